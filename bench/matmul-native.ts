/**
 * Time per tf.matMul on the fixed wasm backend, with the native OpenBLAS sgemm addon and
 * without it, for products from 2 x 2 x 2 up to the dense autoencoder's layers. It checks
 * that routing every float32 product to the addon (lib/backend/kernels/matmul-native.ts)
 * pays off at every size.
 *
 *   npx tsx bench/matmul-native.ts [--threads N]
 *
 * Each configuration runs in its own process (HW5_NATIVE_BLAS=0, then 1). A product of
 * m x k by k x n is listed by its multiply-adds m * k * n per batch slice. The table lists the
 * median microseconds per product for both and their ratio (> 1: the addon is faster).
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

import { initBackend, MAX_WASM_THREADS } from "../lib/backend";
import { median } from "./harness";

/** [label, a shape, b shape, transposeA, transposeB] */
type ProductCase = [string, number[], number[], boolean, boolean];

function squareCases(): ProductCase[] {
  const cases: ProductCase[] = [];
  for (const size of [2, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 96, 128, 256]) {
    cases.push([`${size}^3`, [size, size], [size, size], false, false]);
    cases.push([`${size}^3 a^T`, [size, size], [size, size], true, false]);
    cases.push([`${size}^3 b^T`, [size, size], [size, size], false, true]);
  }
  return cases;
}

const CASES: ProductCase[] = [
  ...squareCases(),
  // Attention-sized batched products: 64 heads x batch of 49 tokens, head width 32.
  ["64 x (49x32 @ 32x49)", [64, 49, 32], [64, 32, 49], false, false],
  ["64 x (49x32 @ (49x32)^T)", [64, 49, 32], [64, 49, 32], false, true],
  ["64 x (49x49 @ 49x32)", [64, 49, 49], [64, 49, 32], false, false],
  // Dense autoencoder layers at batch 256 (forward and both gradients of one layer).
  ["256x784 @ 784x1000", [256, 784], [784, 1000], false, false],
  ["256x1000 @ (784x1000)^T", [256, 1000], [784, 1000], false, true],
  ["(256x784)^T @ 256x1000", [256, 784], [256, 1000], true, false],
  ["256x250 @ 250x30", [256, 250], [250, 30], false, false],
];

function multiplyAdds([, aShape, bShape, transposeA, transposeB]: ProductCase): number {
  const m = transposeA ? aShape[aShape.length - 1] : aShape[aShape.length - 2];
  const k = transposeA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  const n = transposeB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
  return m * k * n;
}

/** Median microseconds per product over 7 rounds of about 20 ms each, after a warm-up. */
function timeProduct([, aShape, bShape, transposeA, transposeB]: ProductCase): number {
  const a = tf.randomNormal(aShape, 0, 1, "float32", 1);
  const b = tf.randomNormal(bShape, 0, 1, "float32", 2);
  const run = () => tf.matMul(a, b, transposeA, transposeB).dispose();
  let repeats = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < repeats; i++) run();
    if (performance.now() - start > 20) break;
    repeats *= 2;
  }
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let i = 0; i < repeats; i++) run();
    rounds.push(((performance.now() - start) * 1000) / repeats);
  }
  a.dispose();
  b.dispose();
  return median(rounds);
}

async function child(threads: number): Promise<void> {
  await initBackend({ backend: "wasm", threads });
  console.log(JSON.stringify(CASES.map(timeProduct)));
}

function runConfiguration(nativeBlas: "0" | "1", threads: number): number[] {
  const result = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", String(threads)], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, HW5_NATIVE_BLAS: nativeBlas },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`HW5_NATIVE_BLAS=${nativeBlas} run failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as number[];
}

function main(argv: string[]): void {
  const threadsIndex = argv.indexOf("--threads");
  const threads = threadsIndex >= 0 ? Number(argv[threadsIndex + 1]) : Math.min(os.availableParallelism(), MAX_WASM_THREADS);
  if (argv.includes("--child")) {
    child(Number(argv[argv.indexOf("--child") + 1])).catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
    return;
  }
  const wasm = runConfiguration("0", threads);
  const native = runConfiguration("1", threads);
  console.log(`tf.matMul on fixed wasm, ${threads} threads: median microseconds per product`);
  console.log(["product".padEnd(28), "mult-adds".padStart(10), "wasm".padStart(10), "native".padStart(10), "ratio".padStart(6)].join("  "));
  CASES.forEach((productCase, i) => {
    console.log(
      [
        productCase[0].padEnd(28),
        String(multiplyAdds(productCase)).padStart(10),
        wasm[i].toFixed(1).padStart(10),
        native[i].toFixed(1).padStart(10),
        (wasm[i] / native[i]).toFixed(2).padStart(6),
      ].join("  "),
    );
  });
}

main(process.argv.slice(2));

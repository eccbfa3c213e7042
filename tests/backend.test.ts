import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";

import { describeBackend, initBackend, resolveBackendRequest, tensorflowBackendInstalled, type BackendInfo } from "../lib/backend";
import { MIN_XNNPACK_MULTIPLY_ADDS } from "../lib/backend/kernels/matmul";
import { assertMatchesCpu, runOp, assertClose, normalData, type OpCase } from "./backend/cpu-reference";
import { Random } from "../lib/random";

const THREADS = 2;
// float32 products over up to ~300 terms, summed in another order than on cpu.
const TOLERANCE = 1e-5;

let info: BackendInfo;


before(async () => {
  // Checked first, because a request that differs from the initialized backend throws anyway.
  if (!tensorflowBackendInstalled()) {
    await assert.rejects(initBackend({ backend: "tensorflow" }), /needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node/);
  }
  info = await initBackend({ backend: "wasm", threads: THREADS });
});

test("initBackend selects threaded wasm with fixes", () => {
  assert.equal(info.name, "wasm-simd-threaded");
  assert.equal(info.threads, THREADS);
  assert.ok(info.kernelFixes.includes("BatchMatMul"));
  assert.ok(info.kernelFixes.includes("_FusedMatMul"));
  assert.equal(info.tfjsVersion, tf.version.tfjs);
  assert.equal(tf.getBackend(), "wasm");
});

test("initBackend is idempotent and rejects a switch", async () => {
  assert.deepEqual(await initBackend(), info);
  assert.deepEqual(await initBackend({ backend: "wasm", threads: THREADS }), info);
  await assert.rejects(initBackend({ backend: "cpu" }), /already initialized as backend wasm/);
  await assert.rejects(initBackend({ threads: 1 }), /cannot switch/);
});

test("describeBackend names build, threads and fixes", () => {
  const line = describeBackend(info);
  assert.ok(info.nativeBlas !== undefined, "wasm info states whether native sgemm is used");
  const nativeBlas = info.nativeBlas.enabled ? "native OpenBLAS sgemm" : `native OpenBLAS sgemm off: ${info.nativeBlas.reason}`;
  assert.equal(line, `backend wasm (SIMD, 2 threads, ${info.kernelFixes.length} kernel fixes, ${nativeBlas}), tfjs ${tf.version.tfjs}`);
  const cpu = describeBackend({ name: "cpu", threads: 1, kernelFixes: [], tfjsVersion: "4.22.0" });
  assert.equal(cpu, "backend cpu (pure JavaScript), tfjs 4.22.0");
});

test("resolveBackendRequest reads options, then environment", () => {
  assert.deepEqual(resolveBackendRequest({}, { HW5_BACKEND: "CPU", HW5_THREADS: "3" }), { backend: "cpu", threads: 3 });
  assert.deepEqual(resolveBackendRequest({ backend: "wasm", threads: 1 }, { HW5_BACKEND: "cpu" }), {
    backend: "wasm",
    threads: 1,
  });
  assert.equal(resolveBackendRequest({}, {}).backend, undefined);
  assert.equal(resolveBackendRequest({ threads: 64 }, {}).threads, 8);
  assert.throws(() => resolveBackendRequest({}, { HW5_BACKEND: "webgl" }), /Invalid HW5_BACKEND="webgl"/);
  assert.throws(() => resolveBackendRequest({}, { HW5_THREADS: "two" }), /Invalid HW5_THREADS/);
  assert.throws(() => resolveBackendRequest({ threads: 0 }, {}), /Invalid threads option/);
  assert.throws(() => resolveBackendRequest({}, { HW5_NATIVE_BLAS: "yes" }), /Invalid HW5_NATIVE_BLAS="yes"/);
});

test("wasm processes exit and keep no glue listeners", () => {
  const script = [
    `const tf = require("@tensorflow/tfjs");`,
    `const { initBackend } = require(${JSON.stringify(path.join(__dirname, "..", "lib", "backend"))});`,
    `const listenersBefore = process.listenerCount("uncaughtException") + process.listenerCount("unhandledRejection");`,
    `initBackend().then((info) => {`,
    `  const listenersAfter = process.listenerCount("uncaughtException") + process.listenerCount("unhandledRejection");`,
    `  const product = tf.matMul(tf.ones([300, 200]), tf.ones([300, 100]), true, false);`,
    `  console.log(info.name, info.threads, product.dataSync()[0], listenersAfter - listenersBefore);`,
    `});`,
  ].join("\n");
  for (const [threads, name] of [["1", "wasm-simd"], ["2", "wasm-simd-threaded"]]) {
    const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: path.join(__dirname, ".."),
      env: { ...process.env, HW5_BACKEND: "wasm", HW5_THREADS: threads },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(child.error, undefined, `${threads} threads: child did not finish: ${String(child.error)}`);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), `${name} ${threads} 300 0`);
    assert.equal(child.stderr, "");
  }
});

test("cpu comparison detects a wrong product", async () => {
  const shapes = [[9, 7], [9, 7]];
  const random = new Random(5);
  const inputs = shapes.map(([rows, cols]) => normalData(rows * cols, random));
  const expected = await runOp("cpu", { label: "a^T b", shapes, op: (a, b) => tf.matMul(a, b, true, false) }, inputs, 6, false);
  const wrong = await runOp("wasm", { label: "a b^T", shapes, op: (a, b) => tf.matMul(a, b, false, true) }, inputs, 6, false);
  assert.throws(() => assertClose(wrong.value.slice(0, 49), expected.value, TOLERANCE, "wrong"));
});

/** [a shape, b shape, transposeA, transposeB] */
const MATMUL_CASES: [number[], number[], boolean, boolean][] = [
  [[37, 53], [53, 29], false, false],
  [[53, 37], [53, 29], true, false],
  [[37, 53], [29, 53], false, true],
  [[53, 37], [29, 53], true, true],
  [[129, 257], [65, 257], false, true],
  [[257, 129], [257, 65], true, false],
  [[1, 300], [300, 1], false, false],
  [[300, 1], [300, 17], true, false],
  [[5, 7], [3, 7], false, true], // below the XNNPACK size threshold: stock kernel
  [[3, 33, 41], [3, 41, 29], false, false],
  [[3, 41, 33], [3, 29, 41], true, true],
  [[2, 3, 33, 41], [2, 3, 29, 41], false, true],
];

/** Batch broadcast over one side. TF.js has no gradient for these on any backend. */
const BROADCAST_MATMUL_CASES: [number[], number[], boolean, boolean][] = [
  [[4, 17, 33], [33, 19], false, false], // one stacked product [4 * 17, 33] x [33, 19]
  [[4, 33, 17], [19, 33], true, true],
  [[33, 41], [4, 41, 29], false, false], // one product per batch of b
  [[2, 1, 17, 33], [1, 3, 33, 19], false, false], // both sides broadcast: stock kernel
];

function matMulCase([aShape, bShape, transposeA, transposeB]: [number[], number[], boolean, boolean]): OpCase {
  return {
    label: `matMul ${JSON.stringify(aShape)}${transposeA ? "^T" : ""} x ${JSON.stringify(bShape)}${transposeB ? "^T" : ""}`,
    shapes: [aShape, bShape],
    op: (a, b) => tf.matMul(a, b, transposeA, transposeB),
  };
}

test("matMul matches cpu: values and gradients", async () => {
  for (const [index, spec] of MATMUL_CASES.entries()) {
    await assertMatchesCpu("wasm", matMulCase(spec), { seed: 100 + index, relativeTolerance: TOLERANCE });
  }
});

test("matMul with batch broadcast matches cpu", async () => {
  for (const [index, spec] of BROADCAST_MATMUL_CASES.entries()) {
    await assertMatchesCpu("wasm", matMulCase(spec), { seed: 200 + index, relativeTolerance: TOLERANCE, withGrads: false });
  }
});

test("fused matMul matches cpu with transposes", async () => {
  const cases: [number[], number[], boolean, boolean, tf.fused.Activation][] = [
    [[37, 53], [29, 53], false, true, "relu"],
    [[53, 37], [53, 29], true, false, "sigmoid"],
    [[53, 37], [29, 53], true, true, "linear"],
    [[5, 7], [3, 7], false, true, "relu6"], // tiny
    [[3, 33, 17], [3, 33, 19], true, false, "elu"], // batched: unfused
    [[3, 33, 41], [3, 41, 29], false, false, "relu"],
  ];
  for (const [aShape, bShape, transposeA, transposeB, activation] of cases) {
    const columns = transposeB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
    const opCase: OpCase = {
      label: `fused.matMul ${activation} ${JSON.stringify(aShape)}${transposeA ? "^T" : ""} x ${JSON.stringify(bShape)}${transposeB ? "^T" : ""}`,
      shapes: [aShape, bShape, [columns]],
      op: (a, b, bias) => tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation }),
    };
    await assertMatchesCpu("wasm", opCase, { seed: 7 * columns, relativeTolerance: TOLERANCE });
  }
});

test("fused matMul with prelu and leakyrelu matches cpu", async () => {
  // Batched products run unfused, applying these activations with separate kernels.
  const prelu: OpCase = {
    label: "fused.matMul prelu [3,33,41] x [3,41,29]",
    shapes: [[3, 33, 41], [3, 41, 29], [29], [29]],
    op: (a, b, bias, alpha) =>
      tf.fused.matMul({ a, b, bias, activation: "prelu", preluActivationWeights: alpha }),
  };
  await assertMatchesCpu("wasm", prelu, { seed: 31, relativeTolerance: TOLERANCE });
  for (const aShape of [[3, 33, 41], [33, 41]]) {
    const bShape = aShape.length === 3 ? [3, 41, 29] : [41, 29];
    const leaky: OpCase = {
      label: `fused.matMul leakyrelu ${JSON.stringify(aShape)} x ${JSON.stringify(bShape)}^T`,
      shapes: [aShape, bShape.slice(0, -2).concat([29, 41])],
      op: (a, b) => tf.fused.matMul({ a, b, transposeB: true, activation: "leakyrelu", leakyreluAlpha: 0.3 }),
    };
    await assertMatchesCpu("wasm", leaky, { seed: 37, relativeTolerance: TOLERANCE });
  }
});

test("XNNPACK threshold sits below the tested products", () => {
  // The cases above must exercise the replaced path, not only the stock fallback.
  assert.ok(37 * 53 * 29 >= MIN_XNNPACK_MULTIPLY_ADDS);
  assert.ok(33 * 41 * 29 >= MIN_XNNPACK_MULTIPLY_ADDS);
  assert.ok(4 * 17 * 33 * 19 >= MIN_XNNPACK_MULTIPLY_ADDS);
  assert.ok(5 * 7 * 3 < MIN_XNNPACK_MULTIPLY_ADDS);
});

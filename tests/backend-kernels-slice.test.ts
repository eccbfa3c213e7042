import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { initBackend } from "../lib/backend";
import { copyBlock } from "../lib/backend/kernels/slice";
import { assertMatchesCpu } from "./backend/cpu-reference";

before(async () => {
  const info = await initBackend({ backend: "wasm", threads: 2 });
  assert.equal(info.name, "wasm-simd-threaded");
});

test("copyBlock merges whole trailing axes", () => {
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  const out = new Float32Array(8);
  copyBlock(x, [2, 3, 4], [0, 1, 0], [2, 1, 4], out);
  assert.deepEqual([...out], [4, 5, 6, 7, 16, 17, 18, 19]);
  copyBlock(x, [2, 3, 4], [1, 0, 1], [1, 2, 2], out.subarray(0, 4));
  assert.deepEqual([...out.subarray(0, 4)], [13, 14, 17, 18]);
});

/** [input shape, begin, size] with -1 meaning "to the end". */
const SLICES: [number[], number[], number[]][] = [
  [[7], [2], [4]],
  [[6, 9], [1, 3], [4, -1]],
  [[5, 6, 7], [1, 0, 2], [3, 6, 4]],
  [[4, 12, 9, 8], [0, 4, 0, 0], [4, 4, 9, 8]], // one head group of a query-key-value tensor
  [[4, 5, 6, 7], [1, 2, 3, 4], [2, 2, 2, 2]],
  [[2, 3, 4, 5, 6], [1, 0, 1, 0, 2], [1, 3, 2, 5, 3]], // rank 5
  [[3, 4], [1, 1], [0, 2]], // empty
];

test("slice matches cpu with gradients", async () => {
  for (const [index, [shape, begin, size]] of SLICES.entries()) {
    const opCase = { label: `slice ${JSON.stringify(shape)} from ${begin} size ${size}`, shapes: [shape], op: (x: tf.Tensor) => tf.slice(x, begin, size) };
    await assertMatchesCpu("wasm", opCase, { seed: 950 + index, relativeTolerance: 0 });
  }
});

test("split matches cpu with gradients", async () => {
  const cases: [number[], number | number[], number][] = [
    [[4, 12, 9, 8], 3, 1],
    [[6, 10], [3, -1, 2], 1],
    [[6, 10], 2, 0],
    [[2, 3, 8], [1, 7], -1],
  ];
  for (const [index, [shape, splits, axis]] of cases.entries()) {
    // The parts are concatenated into one output so that every part is compared.
    const op = (x: tf.Tensor) => tf.concat(tf.split(x, splits, axis).map((part, i) => tf.mul(part, i + 1)), axis);
    const opCase = { label: `split ${JSON.stringify(shape)} into ${JSON.stringify(splits)} on ${axis}`, shapes: [shape], op };
    await assertMatchesCpu("wasm", opCase, { seed: 970 + index, relativeTolerance: 1e-6 });
  }
});

test("slice and split keep integer, bool and string values", async () => {
  const results: unknown[][] = [];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    results.push(
      tf.tidy(() => {
        const ints = tf.range(0, 24, 1, "int32").reshape([2, 3, 4]);
        const flags = tf.tensor2d([[1, 0, 1], [0, 0, 1]], [2, 3], "bool");
        const words = tf.tensor1d(["a", "b", "c", "d"], "string");
        return [
          tf.slice(ints, [0, 1, 1], [2, 2, 2]).arraySync(),
          tf.split(flags, [1, 2], 1).map((part) => part.arraySync()),
          tf.slice(words, [1], [2]).arraySync(),
        ];
      }),
    );
  }
  assert.deepEqual(results[1], results[0]);
});

import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { initBackend } from "../lib/backend";
import { leadingBlock } from "../lib/backend/kernels/reduce-leading";
import { assertMatchesCpu } from "./backend/cpu-reference";

// Sums of up to 1,024 float32 terms, accumulated in another order than on cpu.
const TOLERANCE = 5e-5;

before(async () => {
  const info = await initBackend({ backend: "wasm", threads: 2 });
  assert.equal(info.name, "wasm-simd-threaded");
});

test("leadingBlock splits contiguous axis blocks", () => {
  assert.deepEqual(leadingBlock([8, 4, 4, 3], [0, 1, 2]), { outer: 1, reduced: 128, inner: 3 });
  assert.deepEqual(leadingBlock([8, 4, 4, 3], [2, 1]), { outer: 8, reduced: 16, inner: 3 });
  assert.deepEqual(leadingBlock([8, 4, 4, 3], -2), { outer: 32, reduced: 4, inner: 3 });
  assert.deepEqual(leadingBlock([5, 7], 0), { outer: 1, reduced: 5, inner: 7 });
  // The last axis, a gap in the block, or a vector go to the stock kernels.
  assert.equal(leadingBlock([8, 4, 4, 3], [0, 1, 2, 3]), undefined);
  assert.equal(leadingBlock([8, 4, 4, 3], [0, 2]), undefined);
  assert.equal(leadingBlock([8, 4, 4, 3], 3), undefined);
  assert.equal(leadingBlock([12], 0), undefined);
});

/** [input shape, axes, keepDims] covering leading, middle, negative and stock-handled axes. */
const CASES: [number[], number | number[], boolean][] = [
  [[16, 8, 8, 6], [0, 1, 2], false], // batch-norm statistics
  [[16, 8, 8, 6], [0, 1, 2], true],
  [[4, 65, 32], [0, 1], false], // bias gradient of a token projection
  [[5, 7, 9, 3], [1, 2], false], // middle block
  [[5, 7, 9, 3], -2, true],
  [[33, 17], 0, false], // odd sizes
  [[1, 1, 5], [0, 1], false], // a single reduced element
  [[40, 16, 1], 1, true], // only a size-1 axis after the block: innermost in memory
  [[5, 7, 9, 3], [0, 2], false], // gap: stock
  [[5, 7, 9, 3], [2, 3], false], // innermost: stock
];

for (const [name, op] of [
  ["sum", tf.sum],
  ["mean", tf.mean],
] as const) {
  test(`${name} over axis blocks matches cpu`, async () => {
    for (const [index, [shape, axis, keepDims]] of CASES.entries()) {
      const label = `${name} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
      const opCase = { label, shapes: [shape], op: (x: tf.Tensor) => op(x, axis, keepDims) };
      await assertMatchesCpu("wasm", opCase, { seed: 900 + index, relativeTolerance: TOLERANCE });
    }
  });
}

test("int32 leading sums stay exact", async () => {
  const results: number[][] = [];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    results.push(tf.tidy(() => [...tf.sum(tf.range(0, 4096, 1, "int32").reshape([64, 16, 4]), [0, 1]).dataSync()]));
  }
  assert.deepEqual(results[1], results[0]);
});

test("leading reductions free their intermediates", async () => {
  await tf.setBackend("wasm");
  const x = tf.randomNormal([8, 6, 6, 4]);
  const reduce = () => {
    tf.tidy(() => {
      tf.sum(x, [0, 1, 2], true);
      tf.mean(x, [1, 2]);
    });
  };
  reduce(); // warm-up
  const before = tf.memory().numTensors;
  const backendBefore = tf.engine().backend.numDataIds();
  reduce();
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.engine().backend.numDataIds(), backendBefore);
  x.dispose();
});

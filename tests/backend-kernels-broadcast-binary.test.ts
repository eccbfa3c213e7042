import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { initBackend } from "../lib/backend";
import { broadcastLayout, MIN_TILED_OUTPUT } from "../lib/backend/kernels/broadcast-binary";
import { assertMatchesCpu, type OpCase } from "./backend/cpu-reference";

// The broadcast operand's gradient sums up to 12,480 float32 terms, in another order than on cpu.
const TOLERANCE = 5e-5;

before(async () => {
  const info = await initBackend({ backend: "wasm", threads: 2 });
  assert.equal(info.name, "wasm-simd-threaded");
});

const OPS: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ["add", tf.add],
  ["sub", tf.sub],
  ["mul", tf.mul],
  // Keep divisors away from 0 so that relative errors stay comparable.
  ["div", (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5))],
];

/** [a shape, b shape]: one operand has the output shape; outputs of 4,096 elements and more. */
const SHAPES: [number[], number[]][] = [
  [[8, 16, 16, 4], [4]], // per-channel vector
  [[1, 1, 1, 4], [8, 16, 16, 4]], // broadcast operand first
  [[8, 1, 16, 4], [8, 16, 16, 4]], // middle axis
  [[16, 65, 8], [16, 65, 1]], // LayerNorm statistic
  [[4160, 3], [1]], // scalar-like
  [[3], [64, 40, 3]], // lower rank first
  [[16, 65, 1], [16, 65, 8]], // statistic first
  [[1, 64, 70], [64, 70]], // same size, another rank
];

test("broadcastLayout finds rows and columns", () => {
  assert.deepEqual(broadcastLayout([1, 1, 1, 4], [8, 16, 16, 4]), { layout: "row", rows: 2048, columns: 4 });
  assert.deepEqual(broadcastLayout([1, 16, 4], [8, 16, 4]), { layout: "row", rows: 8, columns: 64 });
  assert.deepEqual(broadcastLayout([16, 65, 1], [16, 65, 8]), { layout: "column", rows: 1040, columns: 8 });
  assert.deepEqual(broadcastLayout([1, 1], [30, 5]), { layout: "column", rows: 1, columns: 150 });
  assert.equal(broadcastLayout([8, 1, 16, 4], [8, 16, 16, 4]), undefined);
  assert.equal(broadcastLayout([1, 16, 1], [8, 16, 4]), undefined);
});

test("broadcast binary ops match cpu with gradients", async () => {
  for (const [opIndex, [name, op]] of OPS.entries()) {
    for (const [shapeIndex, [aShape, bShape]] of SHAPES.entries()) {
      const opCase: OpCase = { label: `${name} ${JSON.stringify(aShape)} ${JSON.stringify(bShape)}`, shapes: [aShape, bShape], op };
      await assertMatchesCpu("wasm", opCase, { seed: 800 + 10 * opIndex + shapeIndex, relativeTolerance: TOLERANCE });
    }
  }
});

test("broadcast cases left to stock match cpu", async () => {
  const cases: [number[], number[]][] = [
    [[64, 1], [1, 80]], // both operands broadcast
    [[4, 5], [5]], // output below MIN_TILED_OUTPUT
    [[6, 7], [6, 7]], // equal shapes
  ];
  assert.ok(4 * 5 < MIN_TILED_OUTPUT);
  for (const [index, [aShape, bShape]] of cases.entries()) {
    const opCase: OpCase = { label: `mul ${JSON.stringify(aShape)} ${JSON.stringify(bShape)}`, shapes: [aShape, bShape], op: tf.mul };
    await assertMatchesCpu("wasm", opCase, { seed: 850 + index, relativeTolerance: TOLERANCE });
  }
});

test("int32 broadcast matches cpu", async () => {
  const results: number[][] = [];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    const values = tf.tidy(() => {
      const a = tf.range(0, 8192, 1, "int32").reshape([2048, 4]);
      const b = tf.tensor1d([1, -2, 3, -4], "int32");
      return [...tf.mul(a, b).dataSync(), ...tf.sub(b, a).dataSync()];
    });
    results.push(values);
  }
  assert.deepEqual(results[1], results[0]);
});

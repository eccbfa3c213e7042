import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { initBackend } from "../lib/backend";
import { tileGradient } from "../lib/backend/kernels/tile-gradient";
import { Random } from "../lib/random";
import { assertClose, assertMatchesCpu, normalData, type OpCase } from "./backend/cpu-reference";

before(async () => {
  // Initializing wasm registers the kernel fixes, the Tile gradient among them.
  const info = await initBackend({ backend: "wasm", threads: 2 });
  assert.equal(info.name, "wasm-simd-threaded");
});

/** [x shape, reps], ranks 1 to 5. */
const CASES: [number[], number[]][] = [
  [[3], [4]],
  [[2, 3], [3, 2]],
  [[1, 1, 6], [4, 5, 1]], // a LayerNorm scale tiled to [B, T, D]
  [[4, 5, 1], [1, 1, 6]], // LayerNorm moments tiled along the features
  [[2, 1, 3, 1], [1, 4, 1, 2]],
  [[1, 1, 1, 5], [2, 3, 4, 1]], // a batch-norm per-channel vector
  [[3, 5, 7], [1, 1, 1]],
  [[2, 1, 2, 1, 3], [2, 3, 1, 2, 1]],
];

/** Sum of dy over the repetitions, written out index by index. */
function referenceGradient(dy: Float32Array, xShape: number[], reps: number[]): Float32Array {
  const outShape = xShape.map((dim, axis) => dim * reps[axis]);
  const outStrides = tf.util.computeStrides(outShape).concat([1]);
  const xStrides = tf.util.computeStrides(xShape).concat([1]);
  const grad = new Float32Array(xShape.reduce((a, b) => a * b, 1));
  for (let flat = 0; flat < dy.length; flat++) {
    let target = 0;
    let rest = flat;
    for (let axis = 0; axis < outShape.length; axis++) {
      const index = Math.floor(rest / outStrides[axis]);
      rest -= index * outStrides[axis];
      target += (index % xShape[axis]) * xStrides[axis];
    }
    grad[target] += dy[flat];
  }
  return grad;
}

test("tile gradient matches the definition", async () => {
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    for (const [index, [xShape, reps]] of CASES.entries()) {
      const outShape = xShape.map((dim, axis) => dim * reps[axis]);
      const dyData = normalData(outShape.reduce((a, b) => a * b, 1), new Random(700 + index));
      const label = `${backend}: tile ${JSON.stringify(xShape)} by ${JSON.stringify(reps)}`;
      const x = tf.tensor(normalData(xShape.reduce((a, b) => a * b, 1), new Random(index)), xShape);
      const dy = tf.tensor(dyData, outShape);
      const [grad] = tf.grads((input: tf.Tensor) => tf.tile(input, reps))([x], dy);
      assert.deepEqual(grad.shape, xShape, `${label}: shape`);
      assertClose(grad.dataSync() as Float32Array, referenceGradient(dyData, xShape, reps), 1e-5, label);
      tf.dispose([x, dy, grad]);
    }
  }
});

test("tile gradient matches cpu on wasm", async () => {
  for (const [index, [shape, reps]] of CASES.entries()) {
    const opCase: OpCase = { label: `tile ${JSON.stringify(shape)} by ${JSON.stringify(reps)}`, shapes: [shape], op: (x) => tf.tile(x, reps) };
    await assertMatchesCpu("wasm", opCase, { seed: 710 + index, relativeTolerance: 1e-5 });
  }
});

test("tile gradient runs few kernels", async () => {
  await tf.setBackend("wasm");
  // tfjs-core's own gradient ran one Slice and one Add per repetition: 2 x 64 x 65 here.
  const x = tf.ones([1, 1, 128]);
  const dy = tf.ones([64, 65, 128]);
  const profile = await tf.profile(() => tf.grad((input: tf.Tensor) => tf.tile(input, [64, 65, 1]))(x, dy));
  const kernels = profile.kernels.filter((kernel) => tf.getKernel(kernel.name, "wasm") !== undefined);
  assert.ok(kernels.length <= 8, `${kernels.length} kernels: ${kernels.map((kernel) => kernel.name).join(", ")}`);
  tf.dispose([x, dy, profile.result as tf.Tensor]);
});

test("tile gradient is differentiable", async () => {
  await tf.setBackend("wasm");
  // d/d(dy) of sum(tileGradient(dy)^2) = 2 * tile(tileGradient(dy)).
  const random = new Random(720);
  const dy = tf.tensor(normalData(4 * 6, random), [4, 6]);
  const [second] = tf.grads((input: tf.Tensor) => tf.sum(tf.square(tileGradient(input, [2, 3], [2, 2]))))([dy]);
  const expected = tf.mul(2, tf.tile(tileGradient(dy, [2, 3], [2, 2]), [2, 2]));
  assertClose(second.dataSync() as Float32Array, expected.dataSync() as Float32Array, 1e-5, "second-order gradient");
  tf.dispose([dy, second, expected]);
});

test("tf.layers layerNormalization gradient matches the formula", async () => {
  // The layer tiles its scale, offset and moments, so its gradient runs through Tile's.
  await tf.setBackend("wasm");
  const random = new Random(730);
  const x = tf.tensor3d(normalData(5 * 7 * 8, random), [5, 7, 8]);
  const layer = tf.layers.layerNormalization({ epsilon: 1e-5 });
  layer.build([null, 7, 8]);
  layer.setWeights([tf.tensor1d(normalData(8, random)), tf.tensor1d(normalData(8, random))]);
  const [gamma, beta] = layer.getWeights();
  const direct = (input: tf.Tensor) => {
    const { mean, variance } = tf.moments(input, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
  };
  const weights = tf.tensor3d(normalData(5 * 7 * 8, random), [5, 7, 8]);
  const loss = (f: (input: tf.Tensor) => tf.Tensor) => (input: tf.Tensor) => tf.sum(tf.mul(f(input), weights));
  const viaLayer = tf.grad(loss((input) => layer.apply(input) as tf.Tensor))(x);
  const viaFormula = tf.grad(loss(direct))(x);
  assertClose(viaLayer.dataSync() as Float32Array, viaFormula.dataSync() as Float32Array, 1e-4, "layerNormalization input gradient");
  tf.dispose([x, weights, viaLayer, viaFormula, gamma, beta]);
});

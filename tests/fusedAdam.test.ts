import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { initBackend } from "../lib/backend";
import { ADAM_UPDATE } from "../lib/backend/kernels/adam-update";
import { Random } from "../lib/random";
import { adam } from "../lib/train/fusedAdam";
import { setLearningRate } from "../lib/train/optimizer";
import { assertClose, normalData } from "./backend/cpu-reference";

// The JavaScript step (cpu) computes in float64, the stock ops round to float32 after each op.
const TOLERANCE = 2e-6;

before(async () => {
  await initBackend({ backend: "wasm", threads: 2 });
});

const SHAPES = [[7, 5], [5], [], [3, 3, 2, 4]];

/** Variables of SHAPES with seeded values, named with `prefix`. */
function makeVariables(prefix: string): tf.Variable[] {
  const random = new Random(41);
  return SHAPES.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.variable(tf.tensor(normalData(size, random), shape), true, `${prefix}${i}`);
  });
}

/** Loss whose gradient changes with the variables, so that the moments see varied gradients. */
function loss(variables: tf.Variable[]): tf.Scalar {
  return tf.addN(variables.map((variable, i) => tf.sum(tf.mul(tf.sin(tf.mul(variable, i + 1)), variable)))) as tf.Scalar;
}

/** Runs `steps` Adam steps with `optimizer`, changing the learning rate halfway; returns values and moments. */
async function train(optimizer: tf.AdamOptimizer, prefix: string, steps: number): Promise<Float32Array[]> {
  const variables = makeVariables(prefix);
  for (let step = 0; step < steps; step++) {
    if (step === Math.floor(steps / 2)) setLearningRate(optimizer, 0.003);
    // The last variable gets no gradient in every third step.
    const trained = step % 3 === 2 ? variables.slice(0, -1) : variables;
    optimizer.minimize(() => loss(variables), false, trained);
  }
  const weights = await optimizer.getWeights();
  const arrays = [...variables, ...weights.slice(1).map((weight) => weight.tensor)].map((tensor) => tensor.dataSync() as Float32Array);
  optimizer.dispose();
  tf.dispose(variables);
  return arrays;
}

for (const backend of ["wasm", "cpu"]) {
  test(`fused Adam matches tf.train.adam on ${backend}`, async () => {
    await tf.setBackend(backend);
    assert.notEqual(tf.getKernel(ADAM_UPDATE, backend), undefined);
    const expected = await train(tf.train.adam(0.01, 0.8, 0.99, 0.05), `stock-${backend}-`, 9);
    const actual = await train(adam(0.01, 0.8, 0.99, 0.05), `fused-${backend}-`, 9);
    assert.equal(actual.length, expected.length);
    for (let i = 0; i < expected.length; i++) assertClose(actual[i], expected[i], TOLERANCE, `array ${i}`);
  });
}

test("fused Adam keeps the Adam class name and config", () => {
  const optimizer = adam(0.002, 0.5, 0.9, 1e-8);
  assert.equal(optimizer.getClassName(), "Adam");
  assert.deepEqual(optimizer.getConfig(), { learningRate: 0.002, beta1: 0.5, beta2: 0.9, epsilon: 1e-8 });
  optimizer.dispose();
});

test("fused Adam weights restore the state", async () => {
  await tf.setBackend("wasm");
  const variables = makeVariables("restore-");
  const first = adam(0.01);
  for (let step = 0; step < 3; step++) first.minimize(() => loss(variables), false, variables);
  const second = adam(0.01);
  await second.setWeights(await first.getWeights());
  const snapshot = variables.map((variable) => variable.clone());
  first.minimize(() => loss(variables), false, variables);
  const afterFirst = variables.map((variable) => variable.dataSync().slice() as Float32Array);
  variables.forEach((variable, i) => variable.assign(snapshot[i]));
  second.minimize(() => loss(variables), false, variables);
  variables.forEach((variable, i) => assertClose(variable.dataSync() as Float32Array, afterFirst[i], 0, `variable ${i}`));
  tf.dispose([...variables, ...snapshot]);
  first.dispose();
  second.dispose();
});

test("fused Adam steps leave no tensors behind", async () => {
  await tf.setBackend("wasm");
  const variables = makeVariables("leak-");
  const optimizer = adam(0.01);
  optimizer.minimize(() => loss(variables), false, variables);
  const count = tf.memory().numTensors;
  for (let step = 0; step < 3; step++) optimizer.minimize(() => loss(variables), false, variables);
  assert.equal(tf.memory().numTensors, count);
  optimizer.dispose();
  tf.dispose(variables);
});

test("AdamUpdate rejects a gradient of another shape", async () => {
  await tf.setBackend("wasm");
  const [w, g] = [tf.zeros([2, 3]), tf.zeros([3, 2])];
  const inputs = { variable: w, firstMoment: w, secondMoment: w, gradient: g, accBeta1: tf.scalar(0.9), accBeta2: tf.scalar(0.999) };
  const attrs = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  assert.throws(
    () => tf.engine().runKernel(ADAM_UPDATE, inputs, attrs),
    /AdamUpdate: gradient has shape \[3,2\] but the variable has \[2,3\]/,
  );
  tf.dispose([w, g, inputs.accBeta1, inputs.accBeta2]);
});

test("fused Adam rejects a disposed variable before any update", async () => {
  await tf.setBackend("wasm");
  const live = tf.variable(tf.scalar(1), true, "adam-live");
  const dead = tf.variable(tf.scalar(2), true, "adam-dead");
  dead.dispose();
  const optimizer = adam(0.1);
  const gradients = [
    { name: "adam-live", tensor: tf.scalar(1) },
    { name: "adam-dead", tensor: tf.scalar(1) },
  ];
  assert.throws(() => optimizer.applyGradients(gradients), /Adam: variable "adam-dead" is not registered/);
  assert.equal(live.dataSync()[0], 1);
  tf.dispose([live, ...gradients.map((gradient) => gradient.tensor)]);
  optimizer.dispose();
});

test("fused Adam rejects bad gradients before any update", async () => {
  await tf.setBackend("wasm");
  const first = tf.variable(tf.scalar(1), true, "adam-first");
  const second = tf.variable(tf.zeros([3]), true, "adam-second");
  const optimizer = adam(0.1);
  const disposed = tf.zeros([3]);
  disposed.dispose();
  const cases: [tf.Tensor, RegExp][] = [
    [disposed, /the gradient of "adam-second" was disposed/],
    [tf.zeros([4]), /the gradient of "adam-second" has shape \[4\] but the variable has \[3\]/],
  ];
  for (const [bad, message] of cases) {
    const gradients = [
      { name: "adam-first", tensor: tf.scalar(1) },
      { name: "adam-second", tensor: bad },
    ];
    assert.throws(() => optimizer.applyGradients(gradients), message);
    assert.equal(first.dataSync()[0], 1);
    gradients[0].tensor.dispose();
  }
  tf.dispose([first, second, cases[1][0]]);
  optimizer.dispose();
});

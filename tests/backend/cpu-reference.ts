/**
 * Test helpers that run one TF.js computation on the cpu backend (the reference) and on
 * another backend, and compare outputs and gradients.
 */
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { Random } from "../../lib/random";

/** An op under test: input shapes and the function of those inputs. */
export interface OpCase {
  label: string;
  shapes: number[][];
  op: (...inputs: tf.Tensor[]) => tf.Tensor;
}

/** Output values and the gradient of <output, dy> with respect to each input. */
export interface OpResult {
  value: Float32Array;
  shape: number[];
  grads: Float32Array[];
}

/** Standard normal float32 data of the given size, seeded. */
export function normalData(size: number, random: Random): Float32Array {
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = random.normal();
  return data;
}

/**
 * Runs `opCase` on `backendName` with the given input data and output cotangent `dy`
 * (drawn from `dySeed` once the output size is known), with gradients when `withGrads`.
 */
export async function runOp(
  backendName: string,
  opCase: OpCase,
  inputs: Float32Array[],
  dySeed: number,
  withGrads: boolean,
): Promise<OpResult> {
  if (!(await tf.setBackend(backendName))) throw new Error(`Backend ${backendName} did not initialize.`);
  return tf.tidy(() => {
    const xs = opCase.shapes.map((shape, i) => tf.tensor(inputs[i], shape, "float32"));
    const value = opCase.op(...xs);
    const dy = tf.tensor(normalData(value.size, new Random(dySeed)), value.shape, "float32");
    const grads = withGrads ? tf.grads((...args: tf.Tensor[]) => opCase.op(...args))(xs, dy) : [];
    return {
      value: value.dataSync() as Float32Array,
      shape: value.shape,
      grads: grads.map((grad) => grad.dataSync() as Float32Array),
    };
  });
}

/**
 * Asserts that `actual` matches `expected` element by element within
 * `relativeTolerance * max(1, max |expected|)`, and that neither contains NaN.
 */
export function assertClose(actual: Float32Array, expected: Float32Array, relativeTolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1;
  for (const value of expected) scale = Math.max(scale, Math.abs(value));
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < actual.length; i++) {
    assert.ok(!Number.isNaN(expected[i]), `${label}: reference NaN at ${i}`);
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= worst)) {
      worst = error;
      worstIndex = i;
    }
  }
  assert.ok(
    worst <= relativeTolerance * scale,
    `${label}: max error ${worst} at ${worstIndex} (got ${actual[worstIndex]}, cpu ${expected[worstIndex]}) ` +
      `exceeds ${relativeTolerance} x ${scale}`,
  );
}

/**
 * Runs `opCase` on the cpu backend and on `backendName` with the same seeded inputs and
 * asserts equal output shapes, close values and (when `withGrads`) close gradients.
 */
export async function assertMatchesCpu(
  backendName: string,
  opCase: OpCase,
  options: { seed: number; relativeTolerance: number; withGrads?: boolean },
): Promise<void> {
  const random = new Random(options.seed);
  const inputs = opCase.shapes.map((shape) => normalData(shape.reduce((a, b) => a * b, 1), random));
  const withGrads = options.withGrads ?? true;
  const expected = await runOp("cpu", opCase, inputs, options.seed + 1, withGrads);
  const actual = await runOp(backendName, opCase, inputs, options.seed + 1, withGrads);
  assert.deepEqual(actual.shape, expected.shape, `${opCase.label}: output shape`);
  assertClose(actual.value, expected.value, options.relativeTolerance, `${opCase.label} value`);
  for (let i = 0; i < expected.grads.length; i++) {
    assertClose(actual.grads[i], expected.grads[i], options.relativeTolerance, `${opCase.label} gradient ${i}`);
  }
}

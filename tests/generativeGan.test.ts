import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { ConditionalGan } from "../lib/generative/conditionalGan";
import { UnconditionalGan } from "../lib/generative/gan";
import { gradientPenalty, nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss } from "../lib/generative/ganLosses";
import { imageBatch } from "../lib/generative/tensorUtils";
import { Random } from "../lib/random";

before(async () => {
  tf.enableProdMode();
  await tf.setBackend("cpu");
});

function randomImages(count: number, size: number, seed: number): tf.Tensor4D {
  const random = new Random(seed);
  return tf.tensor4d(Float32Array.from({ length: count * size * size }, () => 2 * random.uniform() - 1), [count, size, size, 1]);
}

for (const architecture of ["conv", "dense"] as const) {
  test(`conditional GAN ${architecture} shapes for every class`, () => {
    const gan = new ConditionalGan({ architecture, latentDim: 8, baseFilters: 4, denseUnits: [16, 32], seed: 3 });
    const outputs: Float32Array[] = [];
    for (let label = 0; label < 10; label++) {
      const images = gan.generate([label, label], 5);
      assert.deepEqual(images.shape, [2, 28, 28, 1]);
      const values = images.dataSync() as Float32Array;
      for (const value of values) assert.ok(value >= -1 && value <= 1, `tanh output ${value}`);
      outputs.push(values.slice(0, 28 * 28));
      const scores = gan.score(images, [label, label]);
      assert.deepEqual(scores.shape, [2, 1]);
      tf.dispose([images, scores]);
    }
    // Same z (same seed) with different labels must give different images.
    for (let label = 1; label < 10; label++) {
      const difference = outputs[label].reduce((sum, value, i) => sum + Math.abs(value - outputs[0][i]), 0);
      assert.ok(difference > 1e-3, `class ${label} output equals class 0 output`);
    }
    assert.throws(() => gan.generate([10], 1), /outside 0\.\.9/);
    gan.dispose();
  });
}

test("non-saturating losses at zero logits", () => {
  const zeros = tf.zeros([4, 1]);
  assert.ok(Math.abs(nonSaturatingDiscriminatorLoss(zeros, zeros).dataSync()[0] - 2 * Math.log(2)) < 1e-6);
  assert.ok(Math.abs(nonSaturatingGeneratorLoss(zeros).dataSync()[0] - Math.log(2)) < 1e-6);
  // With real target 0.9 the real-logit term is softplus(l) - 0.9 l.
  const logits = tf.tensor2d([[2], [-1]]);
  const smoothed = nonSaturatingDiscriminatorLoss(logits, zeros.slice([0, 0], [2, 1]), 0.9).dataSync()[0];
  const softplus = (v: number) => Math.log1p(Math.exp(v));
  const expected = (softplus(2) - 1.8 + softplus(-1) + 0.9) / 2 + Math.log(2);
  assert.ok(Math.abs(smoothed - expected) < 1e-5, `${smoothed} vs ${expected}`);
  tf.dispose([zeros, logits]);
});

test("gradient penalty weight gradient matches finite differences", () => {
  // The penalty is a function of the critic weights through a gradient, so this checks that
  // tfjs differentiates the critic twice correctly.
  const gan = new ConditionalGan({ imageSize: 8, numClasses: 3, baseFilters: 2, latentDim: 4, seed: 7 });
  const real = randomImages(3, 8, 1);
  const fake = randomImages(3, 8, 2);
  const alpha = tf.tensor4d([0.2, 0.5, 0.9], [3, 1, 1, 1]);
  const oneHot = tf.oneHot(tf.tensor1d([0, 2, 1], "int32"), 3).toFloat();
  const critic = (images: tf.Tensor4D) => gan.discriminator.apply([images, oneHot], { training: true }) as tf.Tensor;
  const penalty = () => gradientPenalty(critic, real, fake, alpha);

  const variables = gan.discriminator.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(penalty, variables);
  assert.ok(value.dataSync()[0] > 0);

  const random = new Random(5);
  let checked = 0;
  for (const variable of variables) {
    const original = variable.dataSync().slice();
    // The penalty does not depend on the output bias, and tfjs returns no gradient for it.
    const analytic = variable.name in grads ? grads[variable.name].dataSync() : new Float32Array(original.length);
    for (let trial = 0; trial < 2; trial++) {
      const index = random.int(original.length);
      const evaluate = (delta: number) => {
        const shifted = original.slice();
        shifted[index] += delta;
        variable.assign(tf.tensor(shifted, variable.shape));
        return tf.tidy(() => penalty().dataSync()[0]);
      };
      const step = 1e-3;
      const numeric = (evaluate(step) - evaluate(-step)) / (2 * step);
      variable.assign(tf.tensor(original, variable.shape));
      const tolerance = 0.03 * Math.max(Math.abs(numeric), Math.abs(analytic[index])) + 2e-3;
      assert.ok(
        Math.abs(numeric - analytic[index]) < tolerance,
        `${variable.name}[${index}]: finite difference ${numeric} vs tfjs ${analytic[index]}`,
      );
      checked++;
    }
  }
  assert.ok(checked >= 10);
  tf.dispose([real, fake, alpha, oneHot, value]);
  tf.dispose(Object.values(grads));
  gan.dispose();
});

const TRAIN_CASES = [
  { name: "NS-GAN conv", conditional: false, overrides: { architecture: "conv" as const } },
  { name: "NS-GAN dense conditional", conditional: true, overrides: { architecture: "dense" as const } },
  {
    name: "WGAN-GP conv conditional",
    conditional: true,
    overrides: { architecture: "conv" as const, loss: { kind: "wgan-gp" as const, penaltyWeight: 10 }, criticSteps: 2 },
  },
];

for (const { name, conditional, overrides } of TRAIN_CASES) {
  test(`${name} train step keeps tensor count`, () => {
    const config = { imageSize: 8, latentDim: 4, baseFilters: 2, denseUnits: [8, 16], numClasses: 3, seed: 11, ...overrides };
    const real = randomImages(4, 8, 3);
    const labels = [0, 1, 2, 1];
    const conditionalGan = conditional ? new ConditionalGan(config) : null;
    const unconditionalGan = conditional ? null : new UnconditionalGan(config);
    const step = () => (conditionalGan ? conditionalGan.trainStep(real, labels) : (unconditionalGan as UnconditionalGan).trainStep(real));

    // Both optimizers create their slot variables during the first generator update.
    const criticSteps = overrides.criticSteps ?? 1;
    const warmUp = Array.from({ length: criticSteps }, step);
    assert.ok(warmUp[criticSteps - 1].generatorUpdated);
    const tensors = tf.memory().numTensors;
    const results = Array.from({ length: 2 * criticSteps }, step);
    assert.equal(tf.memory().numTensors, tensors);
    for (const result of results) {
      assert.ok(Number.isFinite(result.discriminatorLoss));
      assert.ok(Number.isFinite(result.generatorLoss));
    }
    assert.deepEqual(
      results.map((result) => result.generatorUpdated),
      results.map((_, i) => (i + 1) % criticSteps === 0),
    );
    real.dispose();
    conditionalGan?.dispose();
    unconditionalGan?.dispose();
  });
}

test("conditional train step rejects bad labels", () => {
  const gan = new ConditionalGan({ imageSize: 8, numClasses: 3, baseFilters: 2, latentDim: 4 });
  const real = randomImages(2, 8, 1);
  assert.throws(() => gan.trainStep(real, [0]), /needs 2 labels/);
  assert.throws(() => gan.trainStep(real, [0, 3]), /outside 0\.\.2/);
  real.dispose();
  gan.dispose();
});

test("image batch scales pixels", () => {
  const pixels = Uint8Array.from({ length: 2 * 4 }, (_, i) => [0, 255, 51, 102][i % 4]);
  const unit = imageBatch(pixels, [1], "unit", 2, 2);
  assert.deepEqual(unit.shape, [1, 2, 2, 1]);
  assert.deepEqual(Array.from(unit.dataSync()).map((v) => Number(v.toFixed(4))), [0, 1, 0.2, 0.4]);
  const symmetric = imageBatch(pixels, [0], "symmetric", 2, 2);
  assert.deepEqual(Array.from(symmetric.dataSync()).map((v) => Number(v.toFixed(4))), [-1, 1, -0.6, -0.2]);
  assert.throws(() => imageBatch(pixels, [2], "unit", 2, 2), /outside 0\.\.1/);
  tf.dispose([unit, symmetric]);
});

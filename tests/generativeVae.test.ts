import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { DecoderVariance, GaussianVae, gaussianKl, gaussianNll, reparameterize } from "../lib/generative/vae";
import { Random } from "../lib/random";

before(async () => {
  tf.enableProdMode();
  await tf.setBackend("cpu");
});

test("closed-form KL matches Monte Carlo", () => {
  const mu = [0.8, -1.2, 0.1];
  const logVar = [-0.7, 0.4, -2.0];
  const closedForm = tf.tidy(() => gaussianKl(tf.tensor2d([mu]), tf.tensor2d([logVar])).dataSync()[0]);

  // KL = E_q[log q(z) - log p(z)] with z = mu + sigma * eps, so log q - log p per sample is
  // sum_j (-logVar_j / 2 - eps_j^2 / 2 + z_j^2 / 2).
  const count = 50_000;
  const samples = tf.tidy(() => {
    const eps = tf.randomNormal([count, 3], 0, 1, "float32", 42) as tf.Tensor2D;
    const muBatch = tf.tile(tf.tensor2d([mu]), [count, 1]) as tf.Tensor2D;
    const logVarBatch = tf.tile(tf.tensor2d([logVar]), [count, 1]) as tf.Tensor2D;
    const z = reparameterize(muBatch, logVarBatch, eps);
    const logRatio = tf.sum(tf.add(tf.mul(logVarBatch, -0.5), tf.mul(tf.sub(tf.square(z), tf.square(eps)), 0.5)), 1);
    return Array.from(logRatio.dataSync());
  });
  const mean = samples.reduce((sum, value) => sum + value, 0) / count;
  const variance = samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1);
  const standardError = Math.sqrt(variance / count);
  assert.ok(Math.abs(mean - closedForm) < 4 * standardError, `MC ${mean} +- ${standardError} vs ${closedForm}`);
  // The closed form itself, term by term in float64.
  const expected = -0.5 * mu.reduce((sum, m, j) => sum + 1 + logVar[j] - m * m - Math.exp(logVar[j]), 0);
  assert.ok(Math.abs(closedForm - expected) < 1e-5);
});

test("reparameterised sample passes gradients to mu and logVar", () => {
  const mu = tf.tensor2d([[0.3, -0.5]]);
  const logVar = tf.tensor2d([[0.2, -1.0]]);
  const eps = tf.tensor2d([[1.5, -0.7]]);
  const weights = tf.tensor2d([[2.0, 3.0]]);
  const [dMu, dLogVar] = tf.grads((m: tf.Tensor, l: tf.Tensor) =>
    tf.sum(tf.mul(reparameterize(m as tf.Tensor2D, l as tf.Tensor2D, eps), weights)),
  )([mu, logVar]);
  const gradMu = dMu.dataSync();
  const gradLogVar = dLogVar.dataSync();
  const w = [2.0, 3.0];
  const l = [0.2, -1.0];
  const e = [1.5, -0.7];
  for (let j = 0; j < 2; j++) {
    assert.ok(Math.abs(gradMu[j] - w[j]) < 1e-6, `dz/dmu ${gradMu[j]}`);
    const expected = (w[j] * Math.exp(l[j] / 2) * e[j]) / 2;
    assert.ok(gradLogVar[j] !== 0);
    assert.ok(Math.abs(gradLogVar[j] - expected) < 1e-6, `dz/dlogVar ${gradLogVar[j]} vs ${expected}`);
  }
});

test("Gaussian NLL matches formula", () => {
  const random = new Random(4);
  const x = Array.from({ length: 2 * 3 }, () => random.uniform());
  const mean = Array.from({ length: 2 * 3 }, () => random.uniform());
  const logVar = Array.from({ length: 2 * 3 }, () => random.normal() - 1);
  const perPixel = tf.tidy(() =>
    gaussianNll(tf.tensor3d(x, [2, 3, 1]), tf.tensor3d(mean, [2, 3, 1]), tf.tensor3d(logVar, [2, 3, 1])).arraySync(),
  );
  const shared = tf.tidy(() => gaussianNll(tf.tensor3d(x, [2, 3, 1]), tf.tensor3d(mean, [2, 3, 1]), tf.scalar(-1.5)).arraySync());
  for (let b = 0; b < 2; b++) {
    let expected = 0;
    let expectedShared = 0;
    for (let p = 0; p < 3; p++) {
      const i = b * 3 + p;
      const squared = (x[i] - mean[i]) ** 2;
      expected += 0.5 * (Math.log(2 * Math.PI) + logVar[i] + squared / Math.exp(logVar[i]));
      expectedShared += 0.5 * (Math.log(2 * Math.PI) - 1.5 + squared / Math.exp(-1.5));
    }
    assert.ok(Math.abs(perPixel[b] - expected) < 1e-4, `${perPixel[b]} vs ${expected}`);
    assert.ok(Math.abs(shared[b] - expectedShared) < 1e-4, `${shared[b]} vs ${expectedShared}`);
  }
});

const VARIANCE_MODES: DecoderVariance[] = [
  { mode: "learned", minVariance: 1e-2, maxVariance: 1 },
  { mode: "fixed", variance: 0.05 },
  { mode: "learned-shared", minVariance: 1e-2, maxVariance: 1, initialVariance: 0.1 },
];

function tinyImages(count: number, seed: number): tf.Tensor4D {
  const random = new Random(seed);
  const pixels = Float32Array.from({ length: count * 8 * 8 }, () => (random.uniform() < 0.3 ? 0.9 : 0.05));
  return tf.tensor4d(pixels, [count, 8, 8, 1]);
}

for (const variance of VARIANCE_MODES) {
  for (const architecture of ["mlp", "conv"] as const) {
    test(`VAE ${architecture} ${variance.mode} train step`, () => {
      const vae = new GaussianVae({
        imageShape: [8, 8, 1],
        latentDim: 2,
        architecture,
        hiddenUnits: [16],
        convFilters: [4, 8],
        variance,
        learningRate: 1e-2,
        seed: 1,
      });
      const x = tinyImages(4, 2);
      const first = vae.trainStep(x); // creates the Adam slot variables
      const tensorsAfterFirst = tf.memory().numTensors;
      let last = first;
      for (let step = 0; step < 30; step++) last = vae.trainStep(x);
      assert.equal(tf.memory().numTensors, tensorsAfterFirst);
      assert.ok(Number.isFinite(last.loss));
      assert.ok(Math.abs(last.loss - (last.nll + last.kl)) < 1e-3 * Math.max(1, Math.abs(last.loss)));
      assert.ok(last.kl >= 0);
      assert.ok(last.loss < first.loss, `loss ${first.loss} -> ${last.loss}`);

      const samples = vae.sample(3, 9);
      assert.deepEqual(samples.shape, [3, 8, 8, 1]);
      const reconstruction = vae.reconstruct(x);
      assert.deepEqual(reconstruction.shape, [4, 8, 8, 1]);
      const decoded = tf.tidy(() => vae.decode(tf.zeros([2, 2]) as tf.Tensor2D).logVar.dataSync());
      const floor = Math.log(variance.mode === "fixed" ? variance.variance : variance.minVariance);
      for (const value of decoded) assert.ok(value >= floor - 1e-5, `logVar ${value} below ${floor}`);
      tf.dispose([x, samples, reconstruction]);
      vae.dispose();
    });
  }
}

test("VAE rejects invalid variance settings", () => {
  assert.throws(() => new GaussianVae({ variance: { mode: "fixed", variance: 0 } }), /fixed variance/);
  assert.throws(() => new GaussianVae({ variance: { mode: "learned", minVariance: 1, maxVariance: 0.5 } }), /minVariance/);
  assert.throws(() => new GaussianVae({ architecture: "conv", imageShape: [10, 10, 1] }), /divisible by 4/);
});

import { test } from "node:test";
import * as assert from "node:assert/strict";
import { Matrix } from "ml-matrix";

import { featureMoments, frechetDistance, gaussianFrechetDistance, symmetricSqrt } from "../lib/metrics/frechet";
import { Random } from "../lib/random";

/** Draws count rows from N(mean, L L^T) with a given lower-triangular factor L. */
function sampleGaussian(count: number, mean: number[], factor: number[][], random: Random): Float64Array {
  const dim = mean.length;
  const out = new Float64Array(count * dim);
  const noise = new Float64Array(dim);
  for (let row = 0; row < count; row++) {
    for (let j = 0; j < dim; j++) noise[j] = random.normal();
    for (let i = 0; i < dim; i++) {
      let value = mean[i];
      for (let j = 0; j <= i; j++) value += factor[i][j] * noise[j];
      out[row * dim + i] = value;
    }
  }
  return out;
}

test("Frechet distance of a set with itself is 0", () => {
  const features = sampleGaussian(500, [1, -2, 0.5, 3], [[1, 0, 0, 0], [0.5, 1, 0, 0], [0, 0.3, 0.7, 0], [0.2, 0, 0, 2]], new Random(1));
  assert.ok(frechetDistance(features, features, 4) < 1e-9);
});

test("Frechet distance grows with added noise", () => {
  const random = new Random(2);
  const dim = 8;
  const identity = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (i === j ? 1 : 0)));
  const base = sampleGaussian(2000, new Array(dim).fill(0), identity, random);
  const noise = sampleGaussian(2000, new Array(dim).fill(0), identity, random);
  const distances = [0, 0.25, 0.5, 1, 2].map((scale) => {
    const noisy = base.map((value, i) => value + scale * noise[i]);
    return frechetDistance(base, noisy, dim);
  });
  for (let k = 1; k < distances.length; k++) {
    assert.ok(distances[k] > distances[k - 1], `distances ${distances.join(", ")}`);
  }
});

test("2x2 Gaussians match closed form", () => {
  // For a 2x2 matrix A with non-negative eigenvalues, tr sqrt(A) = sqrt(tr A + 2 sqrt(det A)).
  const covA = new Matrix([[2, 0.6], [0.6, 1]]);
  const covB = new Matrix([[1, -0.4], [-0.4, 3]]);
  const product = covA.mmul(covB);
  const determinant = product.get(0, 0) * product.get(1, 1) - product.get(0, 1) * product.get(1, 0);
  const traceRoot = Math.sqrt(product.trace() + 2 * Math.sqrt(determinant));
  const meanA = [1, 2];
  const meanB = [-0.5, 2.5];
  const expected = 1.5 ** 2 + 0.5 ** 2 + covA.trace() + covB.trace() - 2 * traceRoot;
  assert.ok(Math.abs(gaussianFrechetDistance(meanA, covA, meanB, covB) - expected) < 1e-12);

  // The same distance estimated from samples (Cholesky factors of covA and covB).
  const random = new Random(3);
  const factorA = [[Math.SQRT2, 0], [0.6 / Math.SQRT2, Math.sqrt(1 - 0.18)]];
  const factorB = [[1, 0], [-0.4, Math.sqrt(3 - 0.16)]];
  const estimated = frechetDistance(sampleGaussian(40_000, meanA, factorA, random), sampleGaussian(40_000, meanB, factorB, random), 2);
  assert.ok(Math.abs(estimated - expected) < 0.05 * expected, `estimated ${estimated} vs ${expected}`);
});

test("diagonal Gaussians match closed form", () => {
  // Commuting covariances: d^2 = |mu_A - mu_B|^2 + sum_j (sigma_Aj - sigma_Bj)^2.
  const sigmaA = [0.5, 1, 2, 4, 0.1];
  const sigmaB = [1, 1, 0.5, 3, 0.2];
  const meanA = [0, 1, 2, 3, 4];
  const meanB = [0, 0, 2, 5, 4];
  const expected = 1 + 4 + sigmaA.reduce((sum, s, j) => sum + (s - sigmaB[j]) ** 2, 0);
  const actual = gaussianFrechetDistance(meanA, Matrix.diag(sigmaA.map((s) => s * s)), meanB, Matrix.diag(sigmaB.map((s) => s * s)));
  assert.ok(Math.abs(actual - expected) < 1e-10, `${actual} vs ${expected}`);
});

test("symmetric sqrt clamps negative round-off", () => {
  // Rank-1 PSD matrix perturbed to have a tiny negative eigenvalue.
  const matrix = new Matrix([[1, 1], [1, 1 - 1e-14]]);
  const root = symmetricSqrt(matrix);
  for (const value of root.to1DArray()) assert.ok(Number.isFinite(value));
  assert.ok(root.mmul(root).sub(matrix).norm() < 1e-6);
});

test("feature moments reject bad input", () => {
  assert.throws(() => featureMoments([1, 2, 3], 2), /rows of dim 2/);
  assert.throws(() => featureMoments([1, 2], 2), /at least 2/);
  assert.throws(() => featureMoments([1, Number.NaN, 2, 3], 2), /NaN/);
  const moments = featureMoments([1, 2, 3, 6], 2);
  assert.deepEqual(Array.from(moments.mean), [2, 4]);
  assert.deepEqual(moments.covariance.to2DArray(), [[2, 4], [4, 8]]);
});

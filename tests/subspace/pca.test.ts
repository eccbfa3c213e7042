import assert from "node:assert/strict";
import { test } from "node:test";

import { Matrix, SingularValueDecomposition } from "ml-matrix";

import { Random } from "../../lib/random";
import { gaussianMatrix } from "../../lib/subspace/data";
import { subspaceDistance } from "../../lib/subspace/distance";
import { pca } from "../../lib/subspace/pca";
import { knownDecomposition } from "./helpers";

test("ml-matrix svd of a wide matrix is thin and sorted", () => {
  const X = gaussianMatrix(new Random(3), 10, 25);
  const svd = new SingularValueDecomposition(X, { autoTranspose: true });
  assert.equal(svd.rightSingularVectors.rows, 25);
  assert.equal(svd.rightSingularVectors.columns, 10);
  assert.equal(svd.leftSingularVectors.rows, 10);
  assert.equal(svd.leftSingularVectors.columns, 10);
  const values = Array.from(svd.diagonal);
  assert.equal(values.length, 10);
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1] >= values[i], `order at ${i}`);
  const rebuilt = svd.leftSingularVectors.mmul(Matrix.diag(values)).mmul(svd.rightSingularVectors.transpose());
  assert.ok(rebuilt.sub(X).norm("frobenius") < 1e-12);
});

test("pca recovers a known decomposition", () => {
  const singularValues = [9, 6, 4, 1, 0.5];
  const { X, V } = knownDecomposition(new Random(4), 12, 30, singularValues);
  const result = pca(X, 3);
  assert.equal(result.components.rows, 30);
  assert.equal(result.components.columns, 3);
  for (let i = 0; i < singularValues.length; i++) {
    assert.ok(Math.abs(result.singularValues[i] - singularValues[i]) < 1e-12, `s_${i}`);
  }
  for (let i = singularValues.length; i < result.singularValues.length; i++) {
    assert.ok(result.singularValues[i] < 1e-12, `s_${i} should vanish`);
  }
  const top = V.subMatrix(0, 29, 0, 2);
  assert.ok(subspaceDistance(result.components, top) < 1e-12);
  const gram = result.components.transpose().mmul(result.components);
  assert.ok(gram.sub(Matrix.eye(3, 3)).norm("frobenius") < 1e-12);
  const energy = singularValues.reduce((a, s) => a + s * s, 0);
  assert.ok(Math.abs(result.explainedVarianceRatio[0] - 81 / energy) < 1e-12);
  assert.ok(Math.abs(result.explainedVariance[1] - 36 / 12) < 1e-12);
});

test("pca signs are fixed to a positive largest entry", () => {
  const result = pca(gaussianMatrix(new Random(5), 8, 20), 4);
  for (let j = 0; j < 4; j++) {
    const column = result.components.getColumn(j);
    const largest = column.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
    assert.ok(largest > 0, `column ${j}`);
  }
});

test("pca centering removes the mean direction", () => {
  const rng = new Random(6);
  const { X } = knownDecomposition(rng, 50, 6, [5, 3]);
  const offset = [10, 0, 0, 0, 0, 0];
  const shifted = X.clone().addRowVector(offset);
  const uncentered = pca(shifted, 1);
  const centered = pca(shifted, 2, { center: true });
  // the offset dominates the uncentered fit, but centering returns the span of the data
  assert.ok(Math.abs(Math.abs(uncentered.components.get(0, 0)) - 1) < 0.05);
  assert.ok(Math.abs(centered.mean[0] - (10 + X.mean("column")[0])) < 1e-12);
  assert.equal(pca(shifted, 1).mean[0], 0);
});

test("pca rejects k out of range", () => {
  assert.throws(() => pca(Matrix.eye(4, 6), 5), /k must be an integer in 1..4/);
  assert.throws(() => pca(Matrix.eye(4, 6), 0), /k must be/);
});

import assert from "node:assert/strict";
import { test } from "node:test";

import { Matrix } from "ml-matrix";

import { Random } from "../../lib/random";
import { randomOrthonormalBasis, sampleSubspaceWithOutliers } from "../../lib/subspace/data";

function distanceToSpan(B: Matrix, row: number[]): number {
  const x = Matrix.columnVector(row);
  return x.sub(B.mmul(B.transpose().mmul(x))).norm("frobenius");
}

test("random basis is orthonormal", () => {
  const B = randomOrthonormalBasis(new Random(1), 200, 20);
  assert.equal(B.rows, 200);
  assert.equal(B.columns, 20);
  assert.ok(B.transpose().mmul(B).sub(Matrix.eye(20, 20)).norm("frobenius") < 1e-12);
});

test("assignment sample has unit rows on B", () => {
  const { X, B, isOutlier } = sampleSubspaceWithOutliers(new Random(2));
  assert.equal(X.rows, 100);
  assert.equal(X.columns, 200);
  assert.equal(isOutlier.filter(Boolean).length, 2);
  for (let i = 0; i < X.rows; i++) {
    const row = X.getRow(i);
    assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-12, `norm of row ${i}`);
    const residual = distanceToSpan(B, row);
    if (isOutlier[i]) assert.ok(residual > 0.5, `outlier ${i} residual ${residual}`);
    else assert.ok(residual < 1e-12, `inlier ${i} residual ${residual}`);
  }
});

test("sample without shuffle puts outliers last", () => {
  const { isOutlier } = sampleSubspaceWithOutliers(new Random(3), { inliers: 8, outliers: 3, shuffle: false });
  assert.deepEqual(isOutlier, [...new Array(8).fill(false), ...new Array(3).fill(true)]);
});

test("sample is reproducible from the seed", () => {
  const first = sampleSubspaceWithOutliers(new Random(4), { ambientDim: 10, subspaceDim: 2, inliers: 5, outliers: 1 });
  const second = sampleSubspaceWithOutliers(new Random(4), { ambientDim: 10, subspaceDim: 2, inliers: 5, outliers: 1 });
  assert.deepEqual(first.X.to2DArray(), second.X.to2DArray());
  assert.deepEqual(first.isOutlier, second.isOutlier);
});

test("noise moves inliers off the subspace", () => {
  const { X, B, isOutlier } = sampleSubspaceWithOutliers(new Random(5), { noise: 0.1, outliers: 0, inliers: 20 });
  assert.ok(isOutlier.every((flag) => !flag));
  for (let i = 0; i < X.rows; i++) assert.ok(distanceToSpan(B, X.getRow(i)) > 0.05, `row ${i}`);
});

test("sample rejects invalid counts", () => {
  assert.throws(() => sampleSubspaceWithOutliers(new Random(6), { outliers: -1 }), /outliers must be/);
  assert.throws(() => sampleSubspaceWithOutliers(new Random(6), { noise: Number.NaN }), /noise must be/);
  assert.throws(() => randomOrthonormalBasis(new Random(6), 3, 4), /1 <= k <= n/);
});

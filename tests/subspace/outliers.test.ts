import assert from "node:assert/strict";
import { test } from "node:test";

import { Random } from "../../lib/random";
import { sampleSubspaceWithOutliers } from "../../lib/subspace/data";
import { detectOutliers, robustThreshold, scoreDetection } from "../../lib/subspace/outliers";

test("threshold is median plus c robust sigmas", () => {
  // median 3, absolute deviations [2, 1, 0, 1, 97] have median 1
  const threshold = robustThreshold([1, 2, 3, 4, 100], { c: 2 });
  assert.ok(Math.abs(threshold - (3 + 2 * 1.4826)) < 1e-12);
});

test("threshold scale has a floor", () => {
  const threshold = robustThreshold([0, 0, 0, 1], { c: 5, minScale: 1e-6 });
  assert.ok(Math.abs(threshold - 5e-6) < 1e-18, `threshold ${threshold}`);
});

test("threshold rejects non-finite residuals", () => {
  assert.throws(() => robustThreshold([0.1, Number.NaN]), /not finite/);
  assert.throws(() => robustThreshold([]), /no residuals/);
});

test("scores count hits and misses", () => {
  const scores = scoreDetection([true, true, false, false], [true, false, true, false]);
  assert.deepEqual(scores, { truePositives: 1, falsePositives: 1, falseNegatives: 1, precision: 0.5, recall: 0.5 });
  assert.equal(scoreDetection([false], [false]).precision, null);
  assert.equal(scoreDetection([false], [false]).recall, null);
});

test("robust detector finds exactly the outliers", () => {
  const { X, isOutlier } = sampleSubspaceWithOutliers(new Random(31), { outliers: 5, inliers: 95 });
  const detection = detectOutliers(X, 20);
  assert.deepEqual(detection.flags, isOutlier);
  for (let i = 0; i < X.rows; i++) {
    if (!isOutlier[i]) assert.ok(detection.residuals[i] < 1e-8, `inlier ${i} residual ${detection.residuals[i]}`);
  }
});

test("robust detector flags nothing without outliers", () => {
  const { X } = sampleSubspaceWithOutliers(new Random(32), { outliers: 0, inliers: 100, noise: 0.05 });
  const detection = detectOutliers(X, 20);
  assert.equal(detection.flags.filter(Boolean).length, 0);
});

test("detector rejects an unknown method", () => {
  const { X } = sampleSubspaceWithOutliers(new Random(33), { ambientDim: 10, subspaceDim: 2, inliers: 8, outliers: 1 });
  assert.throws(() => detectOutliers(X, 2, { method: "lasso" as never }), /unknown method/);
});

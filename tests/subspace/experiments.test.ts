import assert from "node:assert/strict";
import { test } from "node:test";

import { detectionTrials, distanceVsOutliers } from "../../lib/subspace/experiments";

const data = { ambientDim: 40, subspaceDim: 4, points: 30 };

test("distance sweep returns one row per count and seed", () => {
  const rows = distanceVsOutliers({ outlierCounts: [0, 3], seeds: 2, seed: 1, data });
  assert.equal(rows.length, 4);
  for (const row of rows.filter((r) => r.outliers === 0)) assert.ok(row.pcaDistance < 1e-10, `${row.pcaDistance}`);
  for (const row of rows.filter((r) => r.outliers === 3)) {
    assert.ok(row.pcaDistance > 1e-3, `pca ${row.pcaDistance}`);
    assert.ok(row.robustDistance! < 1e-6, `robust ${row.robustDistance}`);
  }
  assert.equal(new Set(rows.map((r) => r.seed)).size, 4);
});

test("distance sweep can skip the robust fit", () => {
  const rows = distanceVsOutliers({ outlierCounts: [1], seeds: 1, robust: false, data });
  assert.equal(rows[0].robustDistance, null);
});

test("detection sweep summarises both methods", () => {
  const rows = detectionTrials({ outlierCounts: [0, 3], noiseLevels: [0], trials: 2, seed: 2, data });
  assert.equal(rows.length, 4);
  const robust = rows.find((r) => r.method === "robust" && r.outliers === 3)!;
  assert.equal(robust.recallMean, 1);
  assert.equal(robust.precisionMean, 1);
  const clean = rows.find((r) => r.method === "robust" && r.outliers === 0)!;
  assert.equal(clean.recallMean, null);
  assert.equal(clean.falsePositivesMean, 0);
  for (const row of rows) {
    if (row.precisionMean !== null) assert.ok(row.precisionMean >= 0 && row.precisionMean <= 1);
  }
});

test("sweep rejects more outliers than points", () => {
  assert.throws(() => distanceVsOutliers({ outlierCounts: [31], seeds: 1, data }), /among only 30 points/);
});

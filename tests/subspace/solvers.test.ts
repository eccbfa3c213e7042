import assert from "node:assert/strict";
import { test } from "node:test";

import { Random } from "../../lib/random";
import { gradientDescent, smoothedContinuation, subgradientDescent } from "../../lib/subspace/descent";
import { subspaceDistance } from "../../lib/subspace/distance";
import { irls } from "../../lib/subspace/irls";
import { pca } from "../../lib/subspace/pca";
import { initialPoints, solveWithRestarts } from "../../lib/subspace/restarts";
import { gaussianMatrix } from "../../lib/subspace/data";
import { smallInstance } from "./helpers";

// 2-D subspace of R^5: 30 points on it and one Gaussian outlier
const { X, B } = smallInstance(new Random(21), 5, 2, 30, 1);

function isNonIncreasing(trace: number[], slack = 1e-12): boolean {
  return trace.every((value, i) => i === 0 || value <= trace[i - 1] + slack);
}

test("squared objective descent reaches the PCA subspace", () => {
  const result = solveWithRestarts(X, 2, "squared-gd", { restarts: 3, seed: 1, reference: B });
  const principal = pca(X, 2).components;
  assert.ok(subspaceDistance(result.best.A, principal) < 1e-5, `distance to PCA ${subspaceDistance(result.best.A, principal)}`);
  // the outlier tilts the least-squares subspace away from B
  assert.ok(result.best.distance! > 1e-2, `distance to B ${result.best.distance}`);
  for (const run of result.runs) assert.ok(isNonIncreasing(run.trace), `run ${run.restart} went up`);
});

test("irls recovers the subspace exactly", () => {
  const A0 = gaussianMatrix(new Random(2), 5, 2, 1 / Math.sqrt(5));
  const result = irls(X, A0);
  assert.ok(result.converged);
  assert.ok(subspaceDistance(result.A, B) < 1e-6, `distance ${subspaceDistance(result.A, B)}`);
  assert.ok(isNonIncreasing(result.trace.slice(1), 1e-9), "objective went up");
});

test("smoothed continuation recovers the subspace", () => {
  const result = solveWithRestarts(X, 2, "norm-smoothed", { restarts: 3, seed: 3, reference: B });
  assert.ok(result.best.distance! < 1e-6, `distance ${result.best.distance}`);
});

test("robust objective beats squared objective at B", () => {
  const smoothed = solveWithRestarts(X, 2, "norm-smoothed", { restarts: 2, seed: 4, reference: B });
  const squared = solveWithRestarts(X, 2, "squared-gd", { restarts: 2, seed: 4, reference: B });
  assert.ok(smoothed.best.distance! < squared.best.distance! / 1e3);
});

test("subgradient descent moves towards the subspace", () => {
  const A0 = gaussianMatrix(new Random(5), 5, 2, 1 / Math.sqrt(5));
  const result = subgradientDescent(X, A0, { iterations: 400, learningRate: 0.5 });
  assert.ok(result.objective < result.trace[0] / 2, `objective ${result.objective} from ${result.trace[0]}`);
  assert.ok(subspaceDistance(result.A, B) < 0.1, `distance ${subspaceDistance(result.A, B)}`);
  assert.equal(result.trace.length, 401);
});

test("gradient descent trace starts at A0", () => {
  const A0 = gaussianMatrix(new Random(6), 5, 2);
  const result = gradientDescent(X, A0, { maxIterations: 5 });
  assert.equal(result.trace.length, result.iterations + 1);
  assert.ok(result.trace[result.trace.length - 1] < result.trace[0]);
});

test("divergent subgradient step raises a clear error", () => {
  const A0 = gaussianMatrix(new Random(7), 5, 2);
  assert.throws(
    () => subgradientDescent(X, A0, { iterations: 200, learningRate: 1e200, schedule: "constant" }),
    /subgradientDescent: iteration \d+ .*not finite.*Lower the learning rate/,
  );
});

test("continuation rejects an increasing eps schedule", () => {
  const A0 = gaussianMatrix(new Random(8), 5, 2);
  assert.throws(() => smoothedContinuation(X, A0, { epsStart: 1e-3, epsEnd: 1 }), /epsEnd <= epsStart/);
});

test("restart starting points depend only on the seed", () => {
  const first = initialPoints(5, 2, 3, 9);
  const second = initialPoints(5, 2, 3, 9);
  assert.deepEqual(first.map((A) => A.to2DArray()), second.map((A) => A.to2DArray()));
  assert.notDeepEqual(first[0].to2DArray(), first[1].to2DArray());
  const result = solveWithRestarts(X, 2, "norm-irls", { restarts: 2, seed: 9 });
  assert.equal(result.runs.length, 2);
  assert.equal(result.best.distance, null);
  assert.equal(result.best.objective, Math.min(...result.runs.map((r) => r.objective)));
});

import assert from "node:assert/strict";
import { test } from "node:test";

import { Random } from "../../lib/random";
import { gaussianMatrix } from "../../lib/subspace/data";
import { copy, Dense, fromMatrix } from "../../lib/subspace/dense";
import { computeResiduals, Loss, lossAndGradient, lossValue } from "../../lib/subspace/objectives";

/** Largest entrywise gap between the analytic gradient and central differences. */
function gradientError(X: Dense, A: Dense, loss: Loss): { error: number; scale: number } {
  const analytic = lossAndGradient(X, A, loss).gradient;
  const h = 1e-6;
  let error = 0;
  let scale = 0;
  for (let i = 0; i < A.data.length; i++) {
    const plus = copy(A);
    const minus = copy(A);
    plus.data[i] += h;
    minus.data[i] -= h;
    const numeric = (lossValue(X, plus, loss) - lossValue(X, minus, loss)) / (2 * h);
    error = Math.max(error, Math.abs(numeric - analytic.data[i]));
    scale = Math.max(scale, Math.abs(numeric));
  }
  return { error, scale };
}

function instance(seed: number) {
  const rng = new Random(seed);
  return {
    X: fromMatrix(gaussianMatrix(rng, 9, 7)),
    A: fromMatrix(gaussianMatrix(rng, 7, 3, 0.5)),
  };
}

for (const loss of [
  { kind: "squared" },
  { kind: "norm" },
  { kind: "smoothed", eps: 0.3 },
  { kind: "smoothed", eps: 1e-3 },
] as Loss[]) {
  test(`${JSON.stringify(loss)} gradient matches finite differences`, () => {
    const { X, A } = instance(11);
    const { error, scale } = gradientError(X, A, loss);
    assert.ok(scale > 1e-2, `gradient too small to test (${scale})`);
    assert.ok(error < 1e-6 * Math.max(1, scale), `max error ${error}, scale ${scale}`);
  });
}

test("residuals match the definition", () => {
  const { X, A } = instance(12);
  const { norms } = computeResiduals(X, A);
  // r_0 = x_0 - A A^T x_0 computed entry by entry
  const D = X.cols;
  const k = A.cols;
  const x = Array.from(X.data.subarray(0, D));
  const code = Array.from({ length: k }, (_, j) => x.reduce((s, v, d) => s + v * A.data[d * k + j], 0));
  const r = x.map((v, d) => v - code.reduce((s, c, j) => s + A.data[d * k + j] * c, 0));
  assert.ok(Math.abs(norms[0] - Math.hypot(...r)) < 1e-12);
});

test("squared loss at the origin is the mean squared norm", () => {
  const { X } = instance(13);
  const zero = { rows: 7, cols: 3, data: new Float64Array(21) };
  let expected = 0;
  for (const v of X.data) expected += v * v;
  assert.ok(Math.abs(lossValue(X, zero, { kind: "squared" }) - expected / X.rows) < 1e-12);
});

test("shape mismatch is rejected", () => {
  const { X } = instance(14);
  assert.throws(() => lossValue(X, { rows: 6, cols: 3, data: new Float64Array(18) }, { kind: "norm" }), /D x k/);
});

test("smoothed loss rejects eps of 0", () => {
  const { X, A } = instance(15);
  assert.throws(() => lossValue(X, A, { kind: "smoothed", eps: 0 }), /eps > 0/);
});

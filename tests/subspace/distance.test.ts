import assert from "node:assert/strict";
import { test } from "node:test";

import { Matrix } from "ml-matrix";

import { Random } from "../../lib/random";
import { gaussianMatrix, randomOrthonormalBasis } from "../../lib/subspace/data";
import { distanceFromAngles, principalAngles, subspaceDistance } from "../../lib/subspace/distance";

test("same span in different bases has distance 0", () => {
  const rng = new Random(1);
  const B = randomOrthonormalBasis(rng, 30, 4);
  const mixing = gaussianMatrix(rng, 4, 4); // invertible almost surely
  const other = B.mmul(mixing); // same span, not orthonormal
  assert.ok(subspaceDistance(B, other) < 1e-12, `distance ${subspaceDistance(B, other)}`);
});

test("orthogonal k-dimensional spans are sqrt(2k) apart", () => {
  const identity = Matrix.eye(10, 10);
  const first = identity.subMatrix(0, 9, 0, 2); // e1..e3
  const second = identity.subMatrix(0, 9, 3, 5).mul(7); // 7 e4..7 e6, scale is irrelevant
  assert.ok(Math.abs(subspaceDistance(first, second) - Math.sqrt(6)) < 1e-12);
});

test("lines at angle t in R^2 match 2 sin^2 t", () => {
  for (const t of [1e-9, 0.3, Math.PI / 4, 1.2, Math.PI / 2]) {
    const line1 = new Matrix([[1], [0]]);
    const line2 = new Matrix([[3 * Math.cos(t)], [3 * Math.sin(t)]]);
    const expected = Math.sqrt(2) * Math.sin(t);
    assert.ok(Math.abs(subspaceDistance(line1, line2) - expected) < 1e-12, `t=${t}`);
    const [angle] = principalAngles(line1, line2);
    assert.ok(Math.abs(angle - t) < 1e-12, `angle ${angle} for t=${t}`);
  }
});

test("planes in R^3 sharing a line", () => {
  const t = 0.7;
  const xy = new Matrix([
    [1, 0],
    [0, 1],
    [0, 0],
  ]);
  const tilted = new Matrix([
    [1, 0],
    [0, Math.cos(t)],
    [0, Math.sin(t)],
  ]);
  const angles = principalAngles(xy, tilted);
  assert.ok(Math.abs(angles[0]) < 1e-12);
  assert.ok(Math.abs(angles[1] - t) < 1e-12);
  assert.ok(Math.abs(subspaceDistance(xy, tilted) - Math.sqrt(2) * Math.sin(t)) < 1e-12);
});

test("distance equals angle formula on random spans", () => {
  const rng = new Random(2);
  for (const [k1, k2] of [
    [5, 5],
    [6, 3],
    [2, 7],
  ]) {
    const B1 = gaussianMatrix(rng, 40, k1);
    const B2 = gaussianMatrix(rng, 40, k2);
    const fromAngles = distanceFromAngles(principalAngles(B1, B2), k1, k2);
    assert.ok(Math.abs(subspaceDistance(B1, B2) - fromAngles) < 1e-10, `k1=${k1}, k2=${k2}`);
  }
});

test("rank-deficient basis uses its span", () => {
  const line = new Matrix([[1], [1], [0]]);
  const duplicated = new Matrix([
    [2, -1],
    [2, -1],
    [0, 0],
  ]);
  assert.ok(subspaceDistance(line, duplicated) < 1e-12);
});

test("mismatched ambient dimensions are rejected", () => {
  assert.throws(() => subspaceDistance(Matrix.eye(3, 1), Matrix.eye(4, 1)), /different spaces/);
});

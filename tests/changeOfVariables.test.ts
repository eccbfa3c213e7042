import { test } from "node:test";
import * as assert from "node:assert/strict";

import {
  chiSquareOneDofDensity,
  derivedDensity,
  halfNormalDensity,
  jacobianDeterminant,
  symbolicJacobianDeterminant,
} from "../lib/math/changeOfVariables";
import { histogram1d, histogram2d, sampleHalfNormal, squareSamples } from "../lib/math/changeOfVariablesMonteCarlo";
import { simpson, simpson2d } from "../lib/math/quadrature";
import { Random } from "../lib/random";

// With x = u^2 the integrand p(u^2) 2u is smooth and bounded on [0, inf). Integration starts at
// u = 1e-9 because derivedDensity is 0 on the boundary x = 0 of the support, and that strip
// contains mass below 1e-9. The tail beyond u = 12 has mass erfc(12 / sqrt 2) < 1e-32.
const U_MIN = 1e-9;
const U_MAX = 12;

test("half-normal density integrates to 1", () => {
  assert.ok(Math.abs(simpson(halfNormalDensity, 0, 12) - 1) < 1e-9);
  assert.equal(halfNormalDensity(-0.5), 0);
});

test("derived density integrates to 1 in 1-D", () => {
  const mass = simpson((u) => derivedDensity([u * u]) * 2 * u, U_MIN, U_MAX, 4000);
  assert.ok(Math.abs(mass - 1) < 1e-8, `mass ${mass}`);
});

test("derived density integrates to 1 in 2-D", () => {
  const mass = simpson2d(
    (u1, u2) => derivedDensity([u1 * u1, u2 * u2]) * 4 * u1 * u2,
    [U_MIN, U_MAX],
    [U_MIN, U_MAX],
    400,
  );
  assert.ok(Math.abs(mass - 1) < 1e-8, `mass ${mass}`);
});

test("derived density matches chi-square closed form", () => {
  const random = new Random(7);
  for (let trial = 0; trial < 50; trial++) {
    const dimension = 1 + random.int(4);
    const x = Array.from({ length: dimension }, () => 0.01 + 6 * random.uniform());
    const derived = derivedDensity(x);
    const closedForm = chiSquareOneDofDensity(x);
    assert.ok(Math.abs(derived - closedForm) <= 1e-12 * closedForm, `x = ${x}: ${derived} vs ${closedForm}`);
  }
});

test("derived density is zero outside support", () => {
  assert.equal(derivedDensity([1, -0.1]), 0);
  assert.equal(derivedDensity([0, 2]), 0);
  assert.throws(() => derivedDensity([Number.NaN]), /not finite/);
  assert.throws(() => derivedDensity([]), /at least one/);
});

test("symbolic determinant equals prod 2 z_j", () => {
  const random = new Random(11);
  for (const dimension of [1, 2, 3, 4]) {
    const symbolic = symbolicJacobianDeterminant(dimension);
    assert.equal(symbolic.entries.length, dimension);
    for (let i = 0; i < dimension; i++) {
      for (let j = 0; j < dimension; j++) {
        if (i !== j) assert.equal(symbolic.entries[i][j], "0");
      }
    }
    for (let trial = 0; trial < 20; trial++) {
      const z = Array.from({ length: dimension }, () => 3 * random.uniform());
      const expected = jacobianDeterminant(z);
      assert.ok(Math.abs(symbolic.evaluateInZ(z) - expected) <= 1e-12 * Math.max(1, Math.abs(expected)));
      const x = z.map((zj) => zj * zj);
      assert.ok(Math.abs(symbolic.evaluateInX(x) - expected) <= 1e-9 * Math.max(1, Math.abs(expected)));
    }
    assert.match(symbolic.determinantInX, /sqrt\(x1\)/);
  }
});

test("Monte Carlo histogram matches derived density", () => {
  const count = 200_000;
  const x = squareSamples(sampleHalfNormal(count, 2, 3));
  const width = 4 / 20;
  for (const row of histogram1d(x, 2, 1, 20, 4)) {
    // Binomial standard error of the bin density estimate.
    const probability = row.derivedBinMean * width;
    const standardError = Math.sqrt((probability * (1 - probability)) / count) / width;
    assert.ok(
      Math.abs(row.empiricalDensity - row.derivedBinMean) < 5 * standardError,
      `bin ${row.binCentre}: ${row.empiricalDensity} vs ${row.derivedBinMean}`,
    );
  }
  const joint = histogram2d(x, 2, 8, 2);
  assert.equal(joint.cells.length, 64);
  // The largest cell mean is about 1.1 at the origin; 5 standard errors there are about 0.06.
  assert.ok(joint.maxAbsDeviation < 0.08, `max deviation ${joint.maxAbsDeviation}`);
});

test("Monte Carlo histogram detects wrong density", () => {
  // Sampling Z instead of Z^2 must not pass the same check.
  const z = sampleHalfNormal(50_000, 1, 5);
  const rows = histogram1d(z, 1, 0, 20, 4);
  const worst = Math.max(...rows.map((row) => Math.abs(row.empiricalDensity - row.derivedBinMean)));
  assert.ok(worst > 0.3, `worst deviation ${worst}`);
});

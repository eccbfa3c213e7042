import { Matrix } from "ml-matrix";

import { Random } from "../../lib/random";
import { gaussianMatrix, randomOrthonormalBasis } from "../../lib/subspace/data";

/** X = U diag(s) V^T (n x D) from random orthonormal U (n x r), V (D x r) and chosen s. */
export function knownDecomposition(rng: Random, n: number, D: number, singularValues: number[]) {
  const r = singularValues.length;
  const U = randomOrthonormalBasis(rng, n, r);
  const V = randomOrthonormalBasis(rng, D, r);
  const X = U.mmul(Matrix.diag(singularValues)).mmul(V.transpose());
  return { X, U, V };
}

/**
 * `inliers` unit-norm points on span(B) for a random D x k orthonormal B, followed by unit-norm
 * Gaussian outliers.
 */
export function smallInstance(rng: Random, D: number, k: number, inliers: number, outliers: number) {
  const B = randomOrthonormalBasis(rng, D, k);
  const points = gaussianMatrix(rng, inliers, k).mmul(B.transpose());
  const far = gaussianMatrix(rng, outliers, D);
  const X = new Matrix(inliers + outliers, D);
  for (let i = 0; i < inliers + outliers; i++) {
    const row = i < inliers ? points.getRow(i) : far.getRow(i - inliers);
    const norm = Math.hypot(...row);
    X.setRow(i, row.map((value) => value / norm));
  }
  return { X, B };
}

/**
 * PCA of a data matrix with one point per row, through ml-matrix's SVD.
 *
 * ml-matrix 6.15.1 conventions, checked in tests/subspace/pca.test.ts: with `autoTranspose` a
 * wide n x D input (n < D) is decomposed through its transpose, the result is thin (U is
 * n x min(n, D), V is D x min(n, D)), singular values come sorted in descending order, and the
 * sign of each singular-vector pair is arbitrary. Without `autoTranspose` a wide input only logs a
 * warning, so this module always sets it.
 */
import { Matrix, SingularValueDecomposition } from "ml-matrix";

export interface PcaOptions {
  /** Subtracts the column mean before the SVD (default false, because the assignment forbids centering). */
  center?: boolean;
}

export interface PcaResult {
  /** D x k top-k right singular vectors (principal directions) as columns, orthonormal. */
  components: Matrix;
  /** All min(n, D) singular values of the (centered) data, descending. */
  singularValues: number[];
  /** Variance along each of the k components: s_j^2 / n without centering (the second moment
   * about 0) and s_j^2 / (n - 1) with centering. */
  explainedVariance: number[];
  /** s_j^2 / sum_i s_i^2 for the k components. */
  explainedVarianceRatio: number[];
  /** Column mean subtracted before the SVD (all zeros when `center` is false), length D. */
  mean: number[];
}

/**
 * Flips each column so its entry of largest magnitude is positive, which makes SVD output
 * reproducible across platforms without changing any span.
 */
export function fixColumnSigns(vectors: Matrix): Matrix {
  const out = vectors.clone();
  for (let j = 0; j < out.columns; j++) {
    const column = out.getColumn(j);
    let largest = 0;
    for (const value of column) if (Math.abs(value) > Math.abs(largest)) largest = value;
    if (largest < 0) out.setColumn(j, column.map((value) => -value));
  }
  return out;
}

/**
 * Fits a k-dimensional principal subspace to the rows of X (n x D). Without centering (the
 * default) the components span the best rank-k subspace through the origin in the least-squares
 * sense (Eckart-Young). Throws when k is not in 1..min(n, D).
 */
export function pca(X: Matrix, k: number, options: PcaOptions = {}): PcaResult {
  const { center = false } = options;
  const n = X.rows;
  const D = X.columns;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, D)) {
    throw new Error(`pca: k must be an integer in 1..${Math.min(n, D)} for a ${n} x ${D} matrix, got ${k}.`);
  }
  if (center && n < 2) throw new Error("pca: centering needs at least 2 points.");

  const mean = center ? X.mean("column") : new Array<number>(D).fill(0);
  const data = center ? X.clone().subRowVector(mean) : X;
  const svd = new SingularValueDecomposition(data, {
    autoTranspose: true,
    computeLeftSingularVectors: false,
  });
  const singularValues = Array.from(svd.diagonal);
  const V = svd.rightSingularVectors; // D x min(n, D)
  const components = fixColumnSigns(V.subMatrix(0, D - 1, 0, k - 1));

  const totalEnergy = singularValues.reduce((acc, s) => acc + s * s, 0);
  const top = singularValues.slice(0, k);
  const denominator = center ? n - 1 : n;
  return {
    components,
    singularValues,
    explainedVariance: top.map((s) => (s * s) / denominator),
    explainedVarianceRatio: top.map((s) => (totalEnergy > 0 ? (s * s) / totalEnergy : 0)),
    mean,
  };
}

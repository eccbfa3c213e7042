/**
 * Frechet distance between Gaussians fitted to two feature sets, the statistic behind FID:
 *   d^2 = |mu_A - mu_B|^2 + tr(S_A) + tr(S_B) - 2 tr((S_A S_B)^{1/2}).
 * Moments are accumulated in float64. The trace term uses the symmetric form
 * tr((S_A S_B)^{1/2}) = tr((S_A^{1/2} S_B S_A^{1/2})^{1/2}): the inner matrix is symmetric
 * positive semi-definite, so a symmetric eigen-decomposition suffices. Eigenvalues that
 * round-off makes slightly negative are clamped to 0.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";

/** Sample mean and unbiased covariance (divisor n - 1) of row-major features. */
export interface FeatureMoments {
  mean: Float64Array;
  /** dim x dim covariance. */
  covariance: Matrix;
  count: number;
}

/**
 * Computes the mean and covariance of `features` (row-major, count x dim) in float64.
 * Throws when the length is not a multiple of dim, when there are fewer than 2 rows, or on a
 * non-finite value.
 */
export function featureMoments(features: ArrayLike<number>, dim: number): FeatureMoments {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`featureMoments: dim must be a positive integer, got ${dim}.`);
  if (features.length % dim !== 0) {
    throw new Error(`featureMoments: ${features.length} values do not form rows of dim ${dim}.`);
  }
  const count = features.length / dim;
  if (count < 2) throw new Error(`featureMoments: needs at least 2 feature rows, got ${count}.`);

  const mean = new Float64Array(dim);
  for (let i = 0; i < features.length; i++) {
    const value = features[i];
    if (!Number.isFinite(value)) throw new Error(`featureMoments: feature value ${i} is ${value}.`);
    mean[i % dim] += value;
  }
  for (let j = 0; j < dim; j++) mean[j] /= count;

  // Centred rows, then covariance = X_c^T X_c / (count - 1).
  const centred = new Matrix(count, dim);
  for (let row = 0; row < count; row++) {
    for (let j = 0; j < dim; j++) centred.set(row, j, features[row * dim + j] - mean[j]);
  }
  const covariance = centred.transpose().mmul(centred).div(count - 1);
  return { mean, covariance, count };
}

/** Symmetric square root V diag(sqrt(max(lambda, 0))) V^T of a symmetric PSD matrix. */
export function symmetricSqrt(matrix: Matrix): Matrix {
  const eigen = new EigenvalueDecomposition(symmetrize(matrix), { assumeSymmetric: true });
  const vectors = eigen.eigenvectorMatrix;
  const roots = eigen.realEigenvalues.map((lambda) => Math.sqrt(Math.max(lambda, 0)));
  return vectors.mmul(Matrix.diag(roots)).mmul(vectors.transpose());
}

/** (M + M^T) / 2, removing the asymmetry that round-off leaves in products. */
function symmetrize(matrix: Matrix): Matrix {
  return matrix.add(matrix.transpose()).div(2);
}

/** tr((S_A S_B)^{1/2}) through the symmetric product S_A^{1/2} S_B S_A^{1/2}. */
export function traceSqrtProduct(covarianceA: Matrix, covarianceB: Matrix): number {
  const rootA = symmetricSqrt(covarianceA);
  const inner = symmetrize(rootA.mmul(covarianceB).mmul(rootA));
  const eigenvalues = new EigenvalueDecomposition(inner, { assumeSymmetric: true }).realEigenvalues;
  return eigenvalues.reduce((sum, lambda) => sum + Math.sqrt(Math.max(lambda, 0)), 0);
}

/**
 * Frechet distance (squared, as in FID) between N(meanA, covA) and N(meanB, covB).
 * Throws on mismatched dimensions.
 */
export function gaussianFrechetDistance(
  meanA: ArrayLike<number>,
  covarianceA: Matrix,
  meanB: ArrayLike<number>,
  covarianceB: Matrix,
): number {
  const dim = meanA.length;
  const shapes = [meanB.length, covarianceA.rows, covarianceA.columns, covarianceB.rows, covarianceB.columns];
  if (shapes.some((size) => size !== dim)) {
    throw new Error(`gaussianFrechetDistance: dimension mismatch, mean ${dim} vs [${shapes.join(", ")}].`);
  }
  let meanTerm = 0;
  for (let j = 0; j < dim; j++) meanTerm += (meanA[j] - meanB[j]) ** 2;
  const distance = meanTerm + covarianceA.trace() + covarianceB.trace() - 2 * traceSqrtProduct(covarianceA, covarianceB);
  // The exact value is >= 0, so only round-off can make it negative.
  return Math.max(distance, 0);
}

/**
 * Frechet distance between Gaussians fitted to two feature sets, each row-major with `dim`
 * columns (for example penultimate-layer activations of a classifier). The sets may differ
 * in size. Small sets (count near dim) bias the covariance estimate and the distance upward.
 */
export function frechetDistance(featuresA: ArrayLike<number>, featuresB: ArrayLike<number>, dim: number): number {
  const a = featureMoments(featuresA, dim);
  const b = featureMoments(featuresB, dim);
  return gaussianFrechetDistance(a.mean, a.covariance, b.mean, b.covariance);
}

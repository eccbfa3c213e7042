/**
 * Synthetic data for the robust-PCA experiment: points on a random k-dimensional subspace of
 * R^D plus a few Gaussian outliers, each point scaled to unit l2 norm and never centered.
 */
import { Matrix, QrDecomposition } from "ml-matrix";

import { Random } from "../random";

/** Draws a rows x cols matrix of iid N(0, std^2) entries. */
export function gaussianMatrix(rng: Random, rows: number, cols: number, std = 1): Matrix {
  const out = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out.set(i, j, std * rng.normal());
  }
  return out;
}

/**
 * Draws a uniformly random (Haar) orthonormal basis of a k-dimensional subspace of R^n: the Q
 * factor of a Gaussian n x k matrix, with column signs chosen so the diagonal of R is positive.
 * Returns an n x k matrix with B^T B = I. Throws unless 1 <= k <= n.
 */
export function randomOrthonormalBasis(rng: Random, n = 200, k = 20): Matrix {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 1 || k > n) {
    throw new Error(`randomOrthonormalBasis needs integers 1 <= k <= n, got n=${n}, k=${k}.`);
  }
  const qr = new QrDecomposition(gaussianMatrix(rng, n, k));
  const q = qr.orthogonalMatrix; // n x k
  const r = qr.upperTriangularMatrix; // k x k
  for (let j = 0; j < k; j++) {
    if (r.get(j, j) < 0) q.setColumn(j, q.getColumn(j).map((value) => -value));
  }
  return q;
}

export interface SubspaceSampleOptions {
  /** D, the dimension of the space the points live in. */
  ambientDim?: number;
  /** k, the dimension of the subspace spanned by B. */
  subspaceDim?: number;
  /** Points of the form B z + noise with z ~ N(0, I_k). */
  inliers?: number;
  /** Points drawn iid from N(0, I_D), far from the subspace almost surely. */
  outliers?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate of an inlier, before
   * normalisation. 0 puts the inliers exactly on the subspace. */
  noise?: number;
  /** Shuffles the rows so outliers sit at random indices (default true). */
  shuffle?: boolean;
}

export interface SubspaceSample {
  /** (inliers + outliers) x D, one unit-norm point per row, not centered. */
  X: Matrix;
  /** D x k orthonormal basis of the true subspace. */
  B: Matrix;
  /** isOutlier[i] is true when row i of X is an outlier. */
  isOutlier: boolean[];
}

/**
 * Samples the data set of the robust-PCA experiment. Defaults follow the assignment: D = 200,
 * k = 20, 98 inliers exactly on the subspace and 2 Gaussian outliers. Every point is divided by
 * its l2 norm, and no centering is done.
 */
export function sampleSubspaceWithOutliers(
  rng: Random,
  options: SubspaceSampleOptions = {},
): SubspaceSample {
  const {
    ambientDim = 200,
    subspaceDim = 20,
    inliers = 98,
    outliers = 2,
    noise = 0,
    shuffle = true,
  } = options;
  for (const [name, value] of Object.entries({ inliers, outliers })) {
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`sampleSubspaceWithOutliers: ${name} must be a non-negative integer, got ${value}.`);
    }
  }
  if (inliers + outliers === 0) throw new Error("sampleSubspaceWithOutliers: no points requested.");
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new Error(`sampleSubspaceWithOutliers: noise must be a finite std >= 0, got ${noise}.`);
  }

  const B = randomOrthonormalBasis(rng, ambientDim, subspaceDim);
  const n = inliers + outliers;

  // inliers: (inliers x k) codes times B^T gives points in the row space of B^T
  const codes = gaussianMatrix(rng, inliers, subspaceDim);
  const onSubspace = codes.mmul(B.transpose()); // inliers x D
  if (noise > 0) onSubspace.add(gaussianMatrix(rng, inliers, ambientDim, noise));
  const far = gaussianMatrix(rng, outliers, ambientDim); // outliers x D

  const order = shuffle ? Array.from(rng.permutation(n)) : Array.from({ length: n }, (_, i) => i);
  const X = new Matrix(n, ambientDim);
  const isOutlier: boolean[] = new Array(n).fill(false);
  for (let source = 0; source < n; source++) {
    const row = source < inliers ? onSubspace.getRow(source) : far.getRow(source - inliers);
    const norm = Math.hypot(...row);
    if (norm === 0) throw new Error(`sampleSubspaceWithOutliers: point ${source} has zero norm.`);
    const target = order[source];
    X.setRow(target, row.map((value) => value / norm));
    isOutlier[target] = source >= inliers;
  }
  return { X, B, isOutlier };
}

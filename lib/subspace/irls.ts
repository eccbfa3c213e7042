/**
 * Iteratively reweighted least squares (IRLS) for Eq. (2), min_A (1/n) sum_i ||x_i - A A^T x_i||.
 *
 * With weights w_i = 1 / max(||r_i||, delta) from the current residuals, sum_i w_i ||r_i||^2 is a
 * quadratic upper model of sum_i ||r_i|| (up to a constant), and its minimiser over projectors is
 * weighted PCA: the top-k eigenvectors of sum_i w_i x_i x_i^T. Alternating the two steps drives
 * the residuals of points on a common subspace to zero, where plain (sub)gradient steps stall,
 * because a zero residual only raises its weight to 1 / delta.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";

import { Dense, fromMatrix, matmulTransA, matmulTransB, scaleRows, toMatrix, zeros } from "./dense";
import { SolverResult } from "./descent";
import { computeResiduals, lossFromNorms, NORM } from "./objectives";

export interface IrlsOptions {
  /** Iteration budget (default 100). */
  maxIterations?: number;
  /** Lower bound on a residual inside a weight, w_i = 1 / max(||r_i||, delta) (default 1e-12). */
  delta?: number;
  /** Stop when one iteration lowers the objective by less than this fraction of it (default
   * 1e-12). */
  relativeTolerance?: number;
}

const IRLS_DEFAULTS: Required<IrlsOptions> = {
  maxIterations: 100,
  delta: 1e-12,
  relativeTolerance: 1e-12,
};

/** Orthonormalises the columns of V in place by modified Gram-Schmidt. */
function orthonormaliseColumns(V: Dense): void {
  const { rows, cols, data } = V;
  for (let j = 0; j < cols; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += data[i * cols + p] * data[i * cols + j];
      for (let i = 0; i < rows; i++) data[i * cols + j] -= dot * data[i * cols + p];
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += data[i * cols + j] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) throw new Error(`weightedPca: component ${j} vanished during orthonormalisation.`);
    for (let i = 0; i < rows; i++) data[i * cols + j] /= norm;
  }
}

/** Indices of the k largest eigenvalues, largest first. */
function topIndices(values: number[], k: number): number[] {
  return values
    .map((value, index) => ({ value, index }))
    .sort((a, b) => b.value - a.value)
    .slice(0, k)
    .map((entry) => entry.index);
}

/**
 * Returns an orthonormal D x k basis of the top-k eigenvectors of sum_i w_i x_i x_i^T for
 * X (n x D) and non-negative weights w. When n < D it diagonalises the n x n Gram matrix
 * W^{1/2} X X^T W^{1/2} instead of the D x D scatter matrix and maps eigenvectors u_j back as
 * X^T W^{1/2} u_j / sqrt(lambda_j). Throws when the weighted points span fewer than k dimensions.
 */
export function weightedPca(X: Dense, weights: ArrayLike<number>, k: number): Dense {
  const n = X.rows;
  const D = X.cols;
  for (let i = 0; i < n; i++) {
    if (!(weights[i] >= 0) || !Number.isFinite(weights[i])) {
      throw new Error(`weightedPca: weight ${i} is ${weights[i]}; weights must be finite and >= 0.`);
    }
  }

  const scaled = scaleRows(X, Array.from(weights, Math.sqrt)); // W^{1/2} X, n x D
  const useGram = n < D;
  const scatter = useGram ? matmulTransB(scaled, scaled) : matmulTransA(scaled, scaled);
  const evd = new EigenvalueDecomposition(toMatrix(scatter), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = topIndices(values, k);
  const largest = values[order[0]];
  const smallestKept = values[order[k - 1]];
  if (!(smallestKept > Number.EPSILON * Math.max(n, D) * largest)) {
    throw new Error(
      `weightedPca: the weighted points span fewer than ${k} dimensions ` +
        `(eigenvalue ${k} is ${smallestKept}, the largest is ${largest}).`,
    );
  }

  const basis = zeros(D, k);
  for (let c = 0; c < k; c++) {
    const column = order[c];
    if (useGram) {
      // v = X^T W^{1/2} u / sqrt(lambda), computed entry by entry
      const scale = 1 / Math.sqrt(values[column]);
      for (let i = 0; i < n; i++) {
        const u = vectors.get(i, column) * scale;
        for (let d = 0; d < D; d++) basis.data[d * k + c] += scaled.data[i * D + d] * u;
      }
    } else {
      for (let d = 0; d < D; d++) basis.data[d * k + c] = vectors.get(d, column);
    }
  }
  orthonormaliseColumns(basis);
  return basis;
}

/**
 * Minimises Eq. (2) by IRLS from the D x k starting point A0: the first weights come from the
 * residuals of A0, so different starting points can reach different solutions. Each iterate has
 * orthonormal columns, so A A^T is a projector. The trace records the Eq. (2) objective at A0 and
 * after each iteration. Iterations stop early once the relative decrease is below tolerance; the
 * weighted least-squares model makes the objective non-increasing up to round-off and delta.
 */
export function irls(X: Matrix, A0: Matrix, options: IrlsOptions = {}): SolverResult {
  const settings = { ...IRLS_DEFAULTS, ...options };
  if (!(settings.delta > 0)) throw new Error(`irls: delta must be > 0, got ${settings.delta}.`);
  const data = fromMatrix(X);
  const k = A0.columns;
  let A = fromMatrix(A0);
  let norms = computeResiduals(data, A).norms;
  const trace = [lossFromNorms(norms, NORM)];
  let converged = false;
  let iterations = 0;
  let best: { A: Dense; value: number } | undefined;
  while (iterations < settings.maxIterations) {
    const weights = norms.map((r) => 1 / Math.max(r, settings.delta));
    A = weightedPca(data, weights, k);
    norms = computeResiduals(data, A).norms;
    const value = lossFromNorms(norms, NORM);
    if (!Number.isFinite(value)) throw new Error(`irls: objective became ${value} at iteration ${iterations}.`);
    trace.push(value);
    iterations++;
    const previous = trace[trace.length - 2];
    if (best === undefined || value < best.value) best = { A, value };
    if (previous - value <= settings.relativeTolerance * previous) {
      converged = true;
      break;
    }
  }
  if (best === undefined) throw new Error("irls: maxIterations must be at least 1.");
  return { A: toMatrix(best.A), trace, objective: best.value, iterations, converged };
}

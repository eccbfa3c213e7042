/**
 * The linear-autoencoder objectives over A (D x k) for data X (n x D, one point per row):
 *
 *   squared  (Eq. 1): f(A) = (1/n) sum_i ||r_i||^2
 *   norm     (Eq. 2): f(A) = (1/n) sum_i ||r_i||
 *   smoothed        : f(A) = (1/n) sum_i sqrt(||r_i||^2 + eps^2)
 *
 * with residuals r_i = x_i - A A^T x_i. A is unconstrained, so A A^T is a projector only when A
 * has orthonormal columns.
 *
 * Gradient: each term is phi(||r_i||^2), and dr_i = -(dA A^T + A dA^T) x_i gives
 *   grad f = -(1/n) sum_i c_i (r_i x_i^T + x_i r_i^T) A,   c_i = 2 phi'(||r_i||^2),
 * so c_i = 2 (squared), 1 / ||r_i|| (norm), 1 / sqrt(||r_i||^2 + eps^2) (smoothed). In matrix
 * form with C = diag(c), Z = X A and R = X - Z A^T:
 *   grad f = -(1/n) (R^T C Z + X^T C R A),   R A = Z - Z (A^T A).
 * The norm loss is not differentiable where r_i = 0. There its gradient uses c_i = 0, which picks
 * the zero element of the subdifferential {-(1/n)(u x_i^T + x_i u^T) A : ||u|| <= 1} of that term,
 * so the result is a subgradient.
 */
import {
  assertFinite,
  Dense,
  matmul,
  matmulTransA,
  matmulTransB,
  rowSquaredNorms,
  scaleRows,
  zeros,
} from "./dense";

export type Loss =
  | { kind: "squared" }
  | { kind: "norm" }
  | { kind: "smoothed"; eps: number };

export const SQUARED: Loss = { kind: "squared" };
export const NORM: Loss = { kind: "norm" };

export interface Residuals {
  /** X A, n x k (the codes). */
  codes: Dense;
  /** X - X A A^T, n x D. */
  residuals: Dense;
  /** ||r_i||, length n. */
  norms: Float64Array;
}

function checkShapes(X: Dense, A: Dense): void {
  if (A.rows !== X.cols) {
    throw new Error(`A has ${A.rows} rows but the points have dimension ${X.cols}; A must be D x k.`);
  }
}

/** Computes the codes X A, the residuals X - X A A^T and their row norms. */
export function computeResiduals(X: Dense, A: Dense): Residuals {
  checkShapes(X, A);
  const codes = matmul(X, A); // n x k
  const reconstruction = matmulTransB(codes, A); // n x D
  const residuals = zeros(X.rows, X.cols);
  for (let i = 0; i < X.data.length; i++) residuals.data[i] = X.data[i] - reconstruction.data[i];
  const norms = rowSquaredNorms(residuals).map(Math.sqrt);
  return { codes, residuals, norms };
}

function checkLoss(loss: Loss): void {
  if (loss.kind === "smoothed" && !(loss.eps > 0 && Number.isFinite(loss.eps))) {
    throw new Error(`Smoothed loss needs a finite eps > 0, got ${loss.eps}.`);
  }
}

/** Computes the objective value from residual norms. */
export function lossFromNorms(norms: Float64Array, loss: Loss): number {
  checkLoss(loss);
  let sum = 0;
  for (const r of norms) {
    if (loss.kind === "squared") sum += r * r;
    else if (loss.kind === "norm") sum += r;
    else sum += Math.sqrt(r * r + loss.eps * loss.eps);
  }
  return sum / norms.length;
}

/** Evaluates the objective f(A) for the given loss. */
export function lossValue(X: Dense, A: Dense, loss: Loss): number {
  return lossFromNorms(computeResiduals(X, A).norms, loss);
}

/** Computes the coefficients c_i of the gradient formula in the file header. */
function gradientWeights(norms: Float64Array, loss: Loss): Float64Array {
  return norms.map((r) => {
    if (loss.kind === "squared") return 2;
    if (loss.kind === "norm") return r > 0 ? 1 / r : 0;
    return 1 / Math.sqrt(r * r + loss.eps * loss.eps);
  });
}

export interface LossAndGradient {
  value: number;
  /** D x k; for the norm loss a subgradient (see the file header). */
  gradient: Dense;
  norms: Float64Array;
}

/**
 * Evaluates the gradient at A from residuals already computed at A (see `computeResiduals`), so
 * a line search that has just evaluated a trial point pays only for the two extra products.
 * Throws if the value or gradient is not finite, which happens when A has diverged.
 */
export function gradientFromResiduals(X: Dense, A: Dense, state: Residuals, loss: Loss): LossAndGradient {
  const { codes, residuals, norms } = state;
  const value = lossFromNorms(norms, loss);
  const weights = gradientWeights(norms, loss);
  const n = X.rows;

  // R^T C Z: D x k
  const first = matmulTransA(residuals, scaleRows(codes, weights));
  // R A = Z - Z (A^T A): n x k, then X^T C (R A): D x k
  const gram = matmulTransA(A, A); // k x k
  const residualCodes = matmul(codes, gram);
  for (let i = 0; i < residualCodes.data.length; i++) {
    residualCodes.data[i] = codes.data[i] - residualCodes.data[i];
  }
  const second = matmulTransA(X, scaleRows(residualCodes, weights));

  const gradient = zeros(A.rows, A.cols);
  for (let i = 0; i < gradient.data.length; i++) {
    gradient.data[i] = -(first.data[i] + second.data[i]) / n;
  }
  if (!Number.isFinite(value)) throw new Error(
      `Objective is not finite (${value}): A has diverged. Lower the learning rate or initial step.`,
    );
  assertFinite(gradient.data, "gradient");
  return { value, gradient, norms };
}

/** Evaluates f(A) and its gradient (see `gradientFromResiduals` for the errors). */
export function lossAndGradient(X: Dense, A: Dense, loss: Loss): LossAndGradient {
  return gradientFromResiduals(X, A, computeResiduals(X, A), loss);
}

/**
 * Outlier detection by distance to a fitted subspace.
 *
 * Fit a k-dimensional subspace, compute each point's residual ||x_i - P x_i||, and flag residuals
 * above median + c * scale, where scale = max(1.4826 * MAD, minScale). The median and the median
 * absolute deviation (MAD) describe the bulk of the residuals and ignore up to half of the points,
 * so a few huge outlier residuals cannot inflate the threshold the way a mean and standard
 * deviation would. 1.4826 * MAD estimates the standard deviation of Gaussian data. The floor
 * `minScale` matters only for an exact fit: noise-free inliers have residuals at round-off level
 * (around 1e-12 after IRLS), where the MAD measures solver error and not spread. Points have unit
 * norm, so residuals lie in [0, 1] and an absolute floor of 1e-6 is far below any real deviation.
 *
 * The robust detector fits Eq. (2) by IRLS, started from the PCA subspace. The baseline applies the
 * same rule to the residuals of plain PCA, whose subspace the outliers pull towards themselves.
 */
import { Matrix } from "ml-matrix";

import { fromMatrix } from "./dense";
import { irls, IrlsOptions } from "./irls";
import { computeResiduals } from "./objectives";
import { pca } from "./pca";

export interface ThresholdOptions {
  /** Number of robust standard deviations above the median (default 5, because inlier residuals
   * are chi-distributed and skewed to the right). */
  c?: number;
  /** Lower bound on the robust scale (default 1e-6, see the file header). */
  minScale?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Returns median + c * max(1.4826 * MAD, minScale) of the residuals. */
export function robustThreshold(residuals: number[], options: ThresholdOptions = {}): number {
  const { c = 5, minScale = 1e-6 } = options;
  if (residuals.length === 0) throw new Error("robustThreshold: no residuals given.");
  for (const r of residuals) {
    if (!Number.isFinite(r)) throw new Error(`robustThreshold: residual ${r} is not finite.`);
  }
  const center = median(residuals);
  const mad = median(residuals.map((r) => Math.abs(r - center)));
  return center + c * Math.max(1.4826 * mad, minScale);
}

export type DetectorMethod = "robust" | "pca";

export interface DetectionOptions extends ThresholdOptions {
  /** "robust" (Eq. (2) by IRLS, default) or "pca" (the baseline). */
  method?: DetectorMethod;
  irls?: IrlsOptions;
}

export interface Detection {
  /** flags[i] is true when point i is declared an outlier. */
  flags: boolean[];
  /** ||x_i - P x_i|| for the fitted projector P. */
  residuals: number[];
  threshold: number;
  /** D x k orthonormal basis of the fitted subspace. */
  basis: Matrix;
}

/** Fits a k-dimensional subspace to the rows of X (n x D) and flags points far from it. */
export function detectOutliers(X: Matrix, k: number, options: DetectionOptions = {}): Detection {
  const { method = "robust" } = options;
  if (method !== "robust" && method !== "pca") {
    throw new Error(`detectOutliers: unknown method "${method}". Use "robust" or "pca".`);
  }
  const principal = pca(X, k).components;
  const basis = method === "robust" ? irls(X, principal, options.irls).A : principal;
  const residuals = Array.from(computeResiduals(fromMatrix(X), fromMatrix(basis)).norms);
  const threshold = robustThreshold(residuals, options);
  return { flags: residuals.map((r) => r > threshold), residuals, threshold, basis };
}

export interface Scores {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / (TP + FP), or null when nothing was flagged. */
  precision: number | null;
  /** TP / (TP + FN), or null when there are no outliers. */
  recall: number | null;
}

/** Scores predicted flags against the true outlier labels. */
export function scoreDetection(flags: boolean[], isOutlier: boolean[]): Scores {
  if (flags.length !== isOutlier.length) {
    throw new Error(`scoreDetection: ${flags.length} flags for ${isOutlier.length} labels.`);
  }
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  flags.forEach((flag, i) => {
    if (flag && isOutlier[i]) truePositives++;
    else if (flag) falsePositives++;
    else if (isOutlier[i]) falseNegatives++;
  });
  const flagged = truePositives + falsePositives;
  const actual = truePositives + falseNegatives;
  return {
    truePositives,
    falsePositives,
    falseNegatives,
    precision: flagged === 0 ? null : truePositives / flagged,
    recall: actual === 0 ? null : truePositives / actual,
  };
}

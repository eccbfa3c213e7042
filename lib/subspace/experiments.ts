/**
 * Sweeps behind the robust-PCA figures: subspace distance as the number of outliers grows, and
 * outlier-detection precision and recall over outlier counts and noise levels. Each returns plain
 * rows (arrays of objects) ready for a table or a vega-lite chart.
 */
import { byProfile } from "../profile";
import { Random } from "../random";
import { SubspaceSampleOptions, sampleSubspaceWithOutliers } from "./data";
import { subspaceDistance } from "./distance";
import { irls, IrlsOptions } from "./irls";
import { DetectorMethod, detectOutliers, scoreDetection, ThresholdOptions } from "./outliers";
import { pca } from "./pca";

/** Data shape shared by the sweeps; outliers and noise are set by each sweep. */
export type BaseSampleOptions = Omit<SubspaceSampleOptions, "outliers" | "noise" | "inliers"> & {
  /** Total number of points, inliers plus outliers (default 100). */
  points?: number;
};

function sampleOptions(base: BaseSampleOptions, outliers: number, noise: number): SubspaceSampleOptions {
  const { points = 100, ...rest } = base;
  if (outliers > points) throw new Error(`${outliers} outliers requested among only ${points} points.`);
  return { ...rest, inliers: points - outliers, outliers, noise };
}

/** Seed of one generated data set, distinct for every (setting, trial) pair of a sweep. */
function trialSeed(seed: number, setting: number, trial: number): number {
  return (seed * 1_000_003 + setting * 10_007 + trial) >>> 0;
}

export interface DistanceRow {
  outliers: number;
  seed: number;
  /** Distance of the top-k PCA subspace to B. */
  pcaDistance: number;
  /** Distance of the IRLS solution of Eq. (2), started from PCA, to B; null when not computed. */
  robustDistance: number | null;
}

export interface DistanceSweepOptions {
  /** Outlier counts to try (default 0..20). */
  outlierCounts?: number[];
  /** Data sets per count (default by profile: smoke 2, cpu 20, full 50). */
  seeds?: number;
  /** Base seed (default 0). */
  seed?: number;
  /** Also fit Eq. (2) by IRLS (default true; about 20 weighted PCAs per data set). */
  robust?: boolean;
  noise?: number;
  data?: BaseSampleOptions;
  irls?: IrlsOptions;
}

/**
 * For each outlier count and each of `seeds` data sets, measures the distance of the PCA
 * subspace (no centering) to the true B, and optionally that of the robust Eq. (2) fit. With no
 * outliers and no noise, PCA recovers B up to round-off.
 */
export function distanceVsOutliers(options: DistanceSweepOptions = {}): DistanceRow[] {
  const {
    outlierCounts = Array.from({ length: 21 }, (_, i) => i),
    seeds = byProfile({ smoke: 2, cpu: 20, full: 50 }),
    seed = 0,
    robust = true,
    noise = 0,
    data = {},
  } = options;
  const rows: DistanceRow[] = [];
  outlierCounts.forEach((outliers, setting) => {
    for (let trial = 0; trial < seeds; trial++) {
      const dataSeed = trialSeed(seed, setting, trial);
      const sample = sampleSubspaceWithOutliers(new Random(dataSeed), sampleOptions(data, outliers, noise));
      const k = sample.B.columns;
      const components = pca(sample.X, k).components;
      const robustBasis = robust ? irls(sample.X, components, options.irls).A : null;
      rows.push({
        outliers,
        seed: dataSeed,
        pcaDistance: subspaceDistance(components, sample.B),
        robustDistance: robustBasis === null ? null : subspaceDistance(robustBasis, sample.B),
      });
    }
  });
  return rows;
}

export interface DetectionRow {
  method: DetectorMethod;
  outliers: number;
  noise: number;
  trials: number;
  /** Mean and standard deviation of precision over the trials where something was flagged. */
  precisionMean: number | null;
  precisionStd: number | null;
  /** Trials in which at least one point was flagged (precision is defined only there). */
  precisionTrials: number;
  /** Mean and standard deviation of recall over the trials (null when there are no outliers). */
  recallMean: number | null;
  recallStd: number | null;
  recallMin: number | null;
  falsePositivesMean: number;
  falseNegativesMean: number;
}

export interface DetectionSweepOptions {
  /** Outlier counts to try (default [2, 5, 10, 20]). */
  outlierCounts?: number[];
  /** Per-coordinate noise std of the inliers before normalisation (default [0, 0.05, 0.1, 0.2]). */
  noiseLevels?: number[];
  /** Data sets per setting (default by profile: smoke 2, cpu 10, full 50). */
  trials?: number;
  seed?: number;
  data?: BaseSampleOptions;
  threshold?: ThresholdOptions;
  irls?: IrlsOptions;
}

function meanAndStd(values: number[]): { mean: number | null; std: number | null } {
  if (values.length === 0) return { mean: null, std: null };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Runs both detectors ("robust" and "pca", same threshold rule) on `trials` fresh data sets per
 * (outlier count, noise level) pair and returns one summary row per method and pair. Both
 * detectors see the same data sets.
 */
export function detectionTrials(options: DetectionSweepOptions = {}): DetectionRow[] {
  const {
    outlierCounts = [2, 5, 10, 20],
    noiseLevels = [0, 0.05, 0.1, 0.2],
    trials = byProfile({ smoke: 2, cpu: 10, full: 50 }),
    seed = 0,
    data = {},
  } = options;
  const methods: DetectorMethod[] = ["robust", "pca"];
  const rows: DetectionRow[] = [];
  let setting = 0;
  for (const outliers of outlierCounts) {
    for (const noise of noiseLevels) {
      const scores = new Map(methods.map((method) => [method, [] as ReturnType<typeof scoreDetection>[]]));
      for (let trial = 0; trial < trials; trial++) {
        const sample = sampleSubspaceWithOutliers(
          new Random(trialSeed(seed, setting, trial)),
          sampleOptions(data, outliers, noise),
        );
        for (const method of methods) {
          const detection = detectOutliers(sample.X, sample.B.columns, {
            ...options.threshold,
            method,
            irls: options.irls,
          });
          scores.get(method)!.push(scoreDetection(detection.flags, sample.isOutlier));
        }
      }
      for (const method of methods) {
        const list = scores.get(method)!;
        const precisions = list.flatMap((s) => (s.precision === null ? [] : [s.precision]));
        const recalls = list.flatMap((s) => (s.recall === null ? [] : [s.recall]));
        const precision = meanAndStd(precisions);
        const recall = meanAndStd(recalls);
        rows.push({
          method,
          outliers,
          noise,
          trials,
          precisionMean: precision.mean,
          precisionStd: precision.std,
          precisionTrials: precisions.length,
          recallMean: recall.mean,
          recallStd: recall.std,
          recallMin: recalls.length === 0 ? null : Math.min(...recalls),
          falsePositivesMean: list.reduce((a, s) => a + s.falsePositives, 0) / trials,
          falseNegativesMean: list.reduce((a, s) => a + s.falseNegatives, 0) / trials,
        });
      }
      setting++;
    }
  }
  return rows;
}

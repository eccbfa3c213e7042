/**
 * Summary tables for Problem 1(a), built with nodejs-polars from the experiment rows of
 * lib/subspace so the notebook shows numbers beside each figure.
 */
import pl from "nodejs-polars";

import type { DetectionRow, DistanceRow, RestartResult } from "../subspace/index";
import { METHOD_LABELS } from "./subspaceFigures";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Distances below this count as exact recovery of B (round-off is about 1e-13). */
export const RECOVERY_TOLERANCE = 1e-6;

/**
 * Summarises each solver in one row: best objective over the restarts, the distance of that solution to B,
 * the range of distances over restarts, how many restarts recovered B, iterations and time.
 */
export function restartSummary(results: RestartResult[]): pl.DataFrame {
  const rows = results.map((result) => {
    const distances = result.runs.map((run) => run.distance ?? Number.NaN);
    return {
      solver: METHOD_LABELS[result.method],
      restarts: result.runs.length,
      "best objective": result.best.objective.toPrecision(10),
      "distance of best to B": (result.best.distance ?? Number.NaN).toExponential(2),
      "min distance": Math.min(...distances).toExponential(2),
      "max distance": Math.max(...distances).toExponential(2),
      [`restarts with distance < ${RECOVERY_TOLERANCE}`]: distances.filter((d) => d < RECOVERY_TOLERANCE).length,
      "median iterations": median(result.runs.map((run) => run.iterations)),
      "seconds (all restarts)": Number(result.runs.reduce((sum, run) => sum + run.seconds, 0).toFixed(1)),
    };
  });
  return pl.DataFrame(rows);
}

/** Mean, standard deviation and maximum of the distance to B per outlier count. */
export function distanceSummary(rows: DistanceRow[]): pl.DataFrame {
  const frame = pl.DataFrame(
    rows.map((row) => ({ outliers: row.outliers, pca: row.pcaDistance, robust: row.robustDistance ?? Number.NaN })),
  );
  return frame
    .groupBy("outliers")
    .agg(
      pl.col("pca").count().alias("data sets"),
      pl.col("pca").mean().alias("PCA mean"),
      pl.col("pca").std().alias("PCA s.d."),
      pl.col("pca").max().alias("PCA max"),
      pl.col("robust").mean().alias("Eq. (2) IRLS mean"),
      pl.col("robust").max().alias("Eq. (2) IRLS max"),
    )
    .sort("outliers");
}

/** Precision and recall per detector, outlier count and noise level. */
export function detectionSummary(rows: DetectionRow[]): pl.DataFrame {
  const format = (value: number | null, spread: number | null) =>
    value === null ? "undefined" : `${value.toFixed(3)} ± ${(spread ?? 0).toFixed(3)}`;
  return pl.DataFrame(
    rows.map((row) => ({
      detector: row.method === "robust" ? "Eq. (2) residuals" : "PCA residuals",
      outliers: row.outliers,
      "noise std": row.noise,
      trials: row.trials,
      precision: format(row.precisionMean, row.precisionStd),
      recall: format(row.recallMean, row.recallStd),
      "false positives / trial": Number(row.falsePositivesMean.toFixed(2)),
      "missed outliers / trial": Number(row.falseNegativesMean.toFixed(2)),
    })),
  );
}

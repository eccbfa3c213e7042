/**
 * Vega-Lite figures for Problem 1(a): subspace distance against the number of outliers,
 * convergence of the Eq. (1) and Eq. (2) solvers, the distance reached by each restart,
 * per-point residuals, and outlier-detection precision and recall.
 */
import type { VegaLiteSpec } from "../charts/vega";
import type { DetectionRow, DistanceRow, RestartResult, SubspaceMethod } from "../subspace/index";

/** Readable names of the solvers, used as legend labels. */
export const METHOD_LABELS: Record<SubspaceMethod, string> = {
  "squared-gd": "Eq. (1), gradient descent",
  "norm-subgradient": "Eq. (2), plain subgradient",
  "norm-smoothed": "Eq. (2), smoothed + continuation",
  "norm-irls": "Eq. (2), IRLS",
};

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Mean and standard-deviation band of the distance to B for PCA and for the robust fit. */
export function distanceVsOutliersChart(rows: DistanceRow[]): VegaLiteSpec {
  const values = rows.flatMap((row) => {
    const points = [{ outliers: row.outliers, method: "PCA (top-20 right singular vectors)", distance: row.pcaDistance }];
    if (row.robustDistance !== null) {
      points.push({ outliers: row.outliers, method: "Eq. (2) by IRLS", distance: row.robustDistance });
    }
    return points;
  });
  const x = { field: "outliers", type: "quantitative", title: "number of outliers among 100 points" };
  const color = { field: "method", type: "nominal", title: null, legend: { orient: "bottom", labelLimit: 0 } };
  return {
    $schema: SCHEMA,
    title: "Distance ||B1 B1^+ - B2 B2^+||_F to the true subspace B (mean ± 1 s.d. over data sets)",
    width: 520,
    height: 300,
    data: { values },
    encoding: { x, color },
    layer: [
      { mark: { type: "errorband", extent: "stdev", opacity: 0.25 }, encoding: { y: { field: "distance", type: "quantitative" } } },
      { mark: { type: "line", point: true }, encoding: { y: { aggregate: "mean", field: "distance", type: "quantitative", title: "subspace distance" } } },
      { mark: { type: "point", opacity: 0.25, size: 12 }, encoding: { y: { field: "distance", type: "quantitative" } } },
    ],
  };
}

/** Keeps at most `maxPoints` evenly spaced entries of a trace, always the first and last. */
function thinTrace(trace: number[], maxPoints: number): Array<{ iteration: number; value: number }> {
  const step = Math.max(1, Math.ceil(trace.length / maxPoints));
  const points: Array<{ iteration: number; value: number }> = [];
  for (let i = 0; i < trace.length; i += step) points.push({ iteration: i, value: trace[i] });
  const last = trace.length - 1;
  if (last >= 0 && points[points.length - 1].iteration !== last) points.push({ iteration: last, value: trace[last] });
  return points;
}

/**
 * Convergence curves of every restart: the objective minus the lowest objective any method
 * reached for the same equation, on a log scale, one panel per method.
 */
export function convergenceChart(results: RestartResult[], maxPoints = 150): VegaLiteSpec {
  const floorOf = (method: SubspaceMethod): number => {
    const sameEquation = results.filter((r) => (r.method === "squared-gd") === (method === "squared-gd"));
    return Math.min(...sameEquation.flatMap((r) => r.runs.map((run) => Math.min(...run.trace))));
  };
  const values = results.flatMap((result) => {
    const floor = floorOf(result.method);
    return result.runs.flatMap((run) =>
      thinTrace(run.trace, maxPoints).map((point) => ({
        method: METHOD_LABELS[result.method],
        restart: run.restart,
        iteration: point.iteration,
        // The 1e-12 offset keeps the best run's final point on the log axis.
        gap: Math.max(point.value - floor, 0) + 1e-12,
      })),
    );
  });
  return {
    $schema: SCHEMA,
    title: "Objective minus best objective found for the same equation, every restart",
    data: { values },
    facet: { field: "method", type: "nominal", title: null, sort: Object.values(METHOD_LABELS) },
    columns: 2,
    resolve: { scale: { x: "independent" } },
    spec: {
      width: 260,
      height: 170,
      mark: { type: "line", strokeWidth: 1 },
      encoding: {
        x: { field: "iteration", type: "quantitative" },
        y: { field: "gap", type: "quantitative", scale: { type: "log" }, title: "objective - best" },
        color: { field: "restart", type: "nominal", legend: null },
      },
    },
  };
}

/** Distance to B of every restart's solution, per method, on a log scale. */
export function restartDistanceChart(results: RestartResult[]): VegaLiteSpec {
  // The best run of each method comes last, so its dot is drawn on top of the others.
  const values = results.flatMap((result) =>
    [...result.runs.filter((run) => run !== result.best), result.best].map((run) => ({
      method: METHOD_LABELS[result.method],
      restart: run.restart,
      // Distances reach round-off (1e-14); the floor keeps them on the log axis.
      distance: Math.max(run.distance ?? Number.NaN, 1e-16),
      best: run === result.best ? "lowest objective" : "other restarts",
    })),
  );
  return {
    $schema: SCHEMA,
    title: "Distance of each restart's solution to B",
    width: 460,
    height: 170,
    data: { values },
    mark: { type: "point", filled: true, size: 60 },
    encoding: {
      y: { field: "method", type: "nominal", title: null, sort: Object.values(METHOD_LABELS), axis: { labelLimit: 0 } },
      x: { field: "distance", type: "quantitative", scale: { type: "log" }, title: "||A A^+ - B B^+||_F" },
      color: { field: "best", type: "nominal", title: null, scale: { range: ["#d62728", "#7f7f7f"] } },
      opacity: { value: 0.8 },
    },
  };
}

export interface ResidualPanel {
  method: string;
  residuals: number[];
  threshold: number;
  isOutlier: boolean[];
}

/** Residual ||x_i - P x_i|| of every point for each detector, with its threshold as a rule. */
export function residualChart(panels: ResidualPanel[]): VegaLiteSpec {
  const values = panels.flatMap((panel) =>
    panel.residuals.map((residual, point) => ({
      method: panel.method,
      point,
      // Robust residuals of inliers are at round-off level; the floor keeps them visible.
      residual: Math.max(residual, 1e-16),
      kind: panel.isOutlier[point] ? "generated outlier" : "inlier",
      threshold: panel.threshold,
    })),
  );
  return {
    $schema: SCHEMA,
    title: "Residual of each point to the fitted subspace (dashed: data-driven threshold)",
    facet: { field: "method", type: "nominal", title: null },
    columns: 2,
    data: { values },
    spec: {
      width: 280,
      height: 200,
      layer: [
        {
          mark: { type: "point", filled: true, size: 30 },
          encoding: {
            x: { field: "point", type: "quantitative", title: "point index" },
            y: { field: "residual", type: "quantitative", scale: { type: "log" }, title: "||x_i - P x_i||" },
            color: { field: "kind", type: "nominal", title: null, scale: { range: ["#1f77b4", "#d62728"], domain: ["inlier", "generated outlier"] } },
          },
        },
        {
          mark: { type: "rule", strokeDash: [4, 3] },
          encoding: { y: { aggregate: "max", field: "threshold", type: "quantitative" } },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** Precision and recall (means over trials) against inlier noise, one panel per outlier count. */
export function detectionChart(rows: DetectionRow[]): VegaLiteSpec {
  const values = rows.flatMap((row) => [
    { method: row.method === "robust" ? "Eq. (2) residuals" : "PCA residuals", outliers: row.outliers, noise: row.noise, metric: "precision", value: row.precisionMean },
    { method: row.method === "robust" ? "Eq. (2) residuals" : "PCA residuals", outliers: row.outliers, noise: row.noise, metric: "recall", value: row.recallMean },
  ]).filter((value) => value.value !== null);
  return {
    $schema: SCHEMA,
    title: "Outlier detection: mean precision and recall over random trials",
    data: { values },
    facet: {
      row: { field: "metric", type: "nominal", title: null },
      column: { field: "outliers", type: "ordinal", title: "number of outliers" },
    },
    spec: {
      width: 120,
      height: 120,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "noise", type: "quantitative", title: "inlier noise std" },
        y: { field: "value", type: "quantitative", scale: { domain: [0, 1] }, title: null },
        color: { field: "method", type: "nominal", title: null },
        strokeDash: { field: "method", type: "nominal", title: null },
      },
    },
  };
}

/** Vega-Lite figures for Problem 1(b): learning curves and 2-D code scatter plots (Fig. 3). */
import type { VegaLiteSpec } from "../charts/vega";
import type { EpochRecord } from "../train/fit";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

export interface LearningCurve {
  label: string;
  history: EpochRecord[];
}

export interface ReferenceLine {
  label: string;
  value: number;
}

/**
 * Test (solid) and training (dashed) reconstruction error per image against the epoch, on a
 * log scale, with horizontal reference lines such as Hinton & Salakhutdinov's 3.00 and PCA's 13.87.
 */
export function learningCurveChart(curves: LearningCurve[], references: ReferenceLine[]): VegaLiteSpec {
  const values = curves.flatMap((curve) =>
    curve.history.flatMap((record) => {
      const points: Array<{ model: string; epoch: number; split: string; error: number }> = [];
      if (record.metrics.testError !== undefined) {
        points.push({ model: curve.label, epoch: record.epoch, split: "test", error: record.metrics.testError });
      }
      if (record.metrics.trainError !== undefined) {
        points.push({ model: curve.label, epoch: record.epoch, split: "train (first 10,000)", error: record.metrics.trainError });
      }
      return points;
    }),
  );
  return {
    $schema: SCHEMA,
    title: "Average squared reconstruction error per image (sum over 784 pixels)",
    width: 520,
    height: 320,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "epoch", type: "quantitative", scale: { padding: 12 }, axis: { format: "d", tickMinStep: 1 } },
          y: { field: "error", type: "quantitative", scale: { type: "log" }, title: "error per image" },
          color: { field: "model", type: "nominal", title: null, legend: { orient: "right", labelLimit: 0 } },
          strokeDash: {
            field: "split",
            type: "nominal",
            title: null,
            legend: { orient: "right", labelLimit: 0, symbolType: "stroke", symbolStrokeColor: "#333", symbolSize: 400 },
          },
        },
      },
      {
        data: { values: references },
        mark: { type: "rule", color: "#555", strokeDash: [2, 2] },
        encoding: { y: { field: "value", type: "quantitative" } },
      },
      {
        data: { values: references },
        mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#333" },
        encoding: { y: { field: "value", type: "quantitative" }, x: { value: 0 }, text: { field: "label" } },
      },
    ],
  };
}

export interface CodePanel {
  title: string;
  /** [count, 2] row-major codes. */
  codes: Float32Array;
  labels: ArrayLike<number>;
}

/** 2-D codes coloured by digit, one panel per method, as in Fig. 3 of Hinton & Salakhutdinov. */
export function codeScatterChart(panels: CodePanel[], title = "Two-dimensional codes of MNIST test digits, 500 per class"): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title,
    hconcat: panels.map((panel) => {
      const values = Array.from(panel.labels, (label, i) => ({
        x: panel.codes[2 * i],
        y: panel.codes[2 * i + 1],
        digit: String(label),
      }));
      return {
        title: panel.title,
        width: 330,
        height: 330,
        data: { values },
        mark: { type: "circle", size: 9, opacity: 0.7 },
        encoding: {
          x: { field: "x", type: "quantitative", title: "code 1", scale: { zero: false } },
          y: { field: "y", type: "quantitative", title: "code 2", scale: { zero: false } },
          color: { field: "digit", type: "nominal", scale: { scheme: "category10" }, title: "digit" },
        },
      };
    }),
  };
}

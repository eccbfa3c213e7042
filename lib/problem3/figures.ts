/**
 * Vega-Lite figures for Problem 3: GAN loss curves, the VAE's negative ELBO per epoch, and the
 * Monte Carlo checks of the change-of-variables density in one and two dimensions.
 */
import type { VegaLiteSpec } from "../charts/vega";
import type { DensityHistogram2d, DensityHistogramRow } from "../math/changeOfVariablesMonteCarlo";
import type { EpochRecord } from "../train/fit";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Discriminator and generator losses against the generator step (each point the mean over
 * one logging interval), with the value of both losses at the discriminator's chance level.
 */
export function ganLossChart(title: string, history: EpochRecord[]): VegaLiteSpec {
  const values = history.flatMap((record) => [
    { step: record.metrics.step, network: "discriminator", loss: record.trainLoss },
    { step: record.metrics.step, network: "generator", loss: record.metrics.generatorLoss },
  ]);
  return {
    $schema: SCHEMA,
    title,
    width: 520,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: "line" },
        encoding: {
          x: { field: "step", type: "quantitative", title: "generator step" },
          y: { field: "loss", type: "quantitative", title: "loss (nats)" },
          color: { field: "network", type: "nominal", title: null, legend: { orient: "right" } },
        },
      },
      {
        // At D(x) = 1/2 everywhere: D loss 2 ln 2, G loss ln 2 (before label smoothing).
        data: { values: [{ value: 2 * Math.LN2, label: "2 ln 2" }, { value: Math.LN2, label: "ln 2" }] },
        layer: [
          { mark: { type: "rule", color: "#777", strokeDash: [3, 3] }, encoding: { y: { field: "value", type: "quantitative" } } },
          {
            mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#555" },
            encoding: { y: { field: "value", type: "quantitative" }, x: { value: 0 }, text: { field: "label" } },
          },
        ],
      },
    ],
  };
}

/** Negative ELBO (nats per image) and its KL term per epoch, training (mean over the epoch) and test. */
export function vaeCurveChart(history: EpochRecord[]): VegaLiteSpec {
  // One record per epoch. Its fractional epoch falls just short of an integer, because the
  // last partial batch is dropped, so it is rounded for the axis.
  const rows = history.flatMap((record) => [
    { epoch: Math.round(record.epoch), split: "train (epoch mean)", quantity: "negative ELBO", value: record.trainLoss },
    { epoch: Math.round(record.epoch), split: "test", quantity: "negative ELBO", value: record.metrics.testLoss },
    { epoch: Math.round(record.epoch), split: "train (epoch mean)", quantity: "KL(q(z|x) || p(z))", value: record.metrics.kl },
    { epoch: Math.round(record.epoch), split: "test", quantity: "KL(q(z|x) || p(z))", value: record.metrics.testKl },
  ]);
  const panel = (quantity: string) => ({
    title: `${quantity} (nats per image)`,
    width: 250,
    height: 220,
    transform: [{ filter: { field: "quantity", equal: quantity } }],
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "epoch", type: "quantitative", axis: { tickMinStep: 1 } },
      y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
      color: { field: "split", type: "nominal", title: null },
    },
  });
  return {
    $schema: SCHEMA,
    title: "Gaussian VAE training",
    data: { values: rows },
    hconcat: [panel("negative ELBO"), panel("KL(q(z|x) || p(z))")],
  };
}

/** Histogram of one coordinate of X = Z^2 (bars) against the derived density (line). */
export function density1dChart(rows: DensityHistogramRow[], samples: number): VegaLiteSpec {
  const curve = rows.map((row) => ({ x: row.binCentre, density: row.derivedDensity }));
  return {
    $schema: SCHEMA,
    title: `X_1 = Z_1^2 from ${samples.toLocaleString("en-US")} half-normal samples against the derived density`,
    width: 520,
    height: 280,
    layer: [
      {
        data: { values: rows },
        mark: { type: "rect", color: "#9ecae1", stroke: "#6baed6" },
        encoding: {
          x: { field: "binStart", type: "quantitative", title: "x" },
          x2: { field: "binEnd" },
          y: { field: "empiricalDensity", type: "quantitative", title: "density", scale: { type: "sqrt" } },
          y2: { datum: 0 },
        },
      },
      {
        data: { values: curve },
        mark: { type: "line", color: "#d62728", strokeWidth: 2 },
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "density", type: "quantitative" } },
      },
    ],
  };
}

/** Empirical density of (X_1, X_2) per cell beside the derived density averaged over each cell. */
export function density2dChart(histogram: DensityHistogram2d, samples: number): VegaLiteSpec {
  const width = histogram.cells.length > 1 ? Math.abs(histogram.cells[1].x2Centre - histogram.cells[0].x2Centre) : 1;
  const values = histogram.cells.flatMap((cell) => {
    const box = { x1: cell.x1Centre - width / 2, x1End: cell.x1Centre + width / 2, x2: cell.x2Centre - width / 2, x2End: cell.x2Centre + width / 2 };
    return [
      { ...box, source: `Monte Carlo (${samples.toLocaleString("en-US")} samples)`, density: cell.empiricalDensity },
      { ...box, source: "derived p_X, cell average", density: cell.derivedBinMean },
    ];
  });
  return {
    $schema: SCHEMA,
    title: "Joint density of (X_1, X_2)",
    data: { values },
    facet: { column: { field: "source", type: "nominal", title: null } },
    spec: {
      width: 240,
      height: 240,
      mark: { type: "rect" },
      encoding: {
        x: { field: "x1", type: "quantitative", title: "x_1" },
        x2: { field: "x1End" },
        y: { field: "x2", type: "quantitative", title: "x_2" },
        y2: { field: "x2End" },
        color: { field: "density", type: "quantitative", scale: { type: "log", scheme: "viridis" }, title: "density" },
      },
    },
  };
}

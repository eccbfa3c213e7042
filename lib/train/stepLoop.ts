/**
 * A training loop counted in steps, for models that bring their own update (GANs, the VAE, the
 * classifier). It shuffles with a seed and uses full batches only, so the last partial batch of
 * each epoch is dropped. It shows live progress, keeps a record every `recordEvery` steps with
 * the mean of each step value since the previous record, and checks live tensors between records.
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../random";
import type { EpochRecord, FitResult, ProgressSink } from "./fit";

/** Numbers one step reports, for example { loss } or { discriminatorLoss, generatorLoss }. */
export type StepValues = Record<string, number>;

export interface StepLoopOptions {
  trainCount: number;
  batchSize: number;
  steps: number;
  seed: number;
  /** Runs one update on the dataset rows `rows`; `step` counts from 1. Values must be finite. */
  step: (rows: Int32Array, step: number) => StepValues;
  /** Steps per record. Default: one epoch. */
  recordEvery?: number;
  /** Metrics computed at each record (in inference mode). Must not leave tensors behind. */
  evaluate?: (step: number) => Record<string, number>;
  progress?: ProgressSink;
  /** Throw when the live tensor count differs from its value at the first record. Default true. */
  checkTensorLeaks?: boolean;
}

/**
 * Builds a record in the EpochRecord form, so the weight cache stores it like any learning curve.
 * `epoch` is the fractional epoch at the record and `trainLoss` the mean of the first step value.
 * `metrics` contains the means of the other step values, the evaluation metrics and `step`.
 */
function toRecord(
  step: number,
  epoch: number,
  means: StepValues,
  metrics: Record<string, number>,
  examplesPerSecond: number,
  elapsedSeconds: number,
): EpochRecord {
  const [first, ...rest] = Object.keys(means);
  const others = Object.fromEntries(rest.map((key) => [key, means[key]]));
  return {
    epoch,
    trainLoss: means[first],
    metrics: { step, ...others, ...metrics },
    learningRate: Number.NaN,
    examplesPerSecond,
    elapsedSeconds,
    numTensors: tf.memory().numTensors,
  };
}

/** Runs `steps` updates; throws on a non-finite step value (naming the step) or a tensor leak. */
export async function runSteps(options: StepLoopOptions): Promise<FitResult> {
  const { trainCount, batchSize, steps, progress } = options;
  const batchesPerEpoch = Math.floor(trainCount / batchSize);
  if (!(batchesPerEpoch >= 1 && steps >= 1)) {
    throw new Error(`runSteps needs steps >= 1 and batchSize <= trainCount, got steps ${steps}, batch ${batchSize}, ${trainCount} examples.`);
  }
  const recordEvery = options.recordEvery ?? batchesPerEpoch;
  const random = new Random(options.seed);
  const history: EpochRecord[] = [];
  const started = performance.now();
  let order = random.permutation(trainCount);
  let sums: StepValues = {};
  let count = 0;
  let intervalStarted = performance.now();
  let tensorsAtFirstRecord = -1;

  for (let step = 1; step <= steps; step++) {
    const batch = (step - 1) % batchesPerEpoch;
    if (batch === 0 && step > 1) order = random.permutation(trainCount);
    const values = options.step(order.subarray(batch * batchSize, (batch + 1) * batchSize), step);
    for (const [key, value] of Object.entries(values)) {
      if (!Number.isFinite(value)) {
        throw new Error(`Training diverged: ${key} is ${value} at step ${step}. Lower the learning rate or check the inputs.`);
      }
      sums[key] = (sums[key] ?? 0) + value;
    }
    count++;
    const elapsed = (performance.now() - started) / 1000;
    progress?.update({ step: `${step}/${steps}`, epoch: ((step * batchSize) / trainCount).toFixed(2), ...values, "examples/s": Math.round((step * batchSize) / elapsed) }, step / steps);
    // Let pending I/O (the notebook kernel's progress messages) run between steps.
    await new Promise<void>((resolve) => setImmediate(resolve));

    if (step % recordEvery === 0 || step === steps) {
      const intervalSeconds = (performance.now() - intervalStarted) / 1000;
      const means = Object.fromEntries(Object.entries(sums).map(([key, sum]) => [key, sum / count]));
      const metrics = options.evaluate ? options.evaluate(step) : {};
      const record = toRecord(step, (step * batchSize) / trainCount, means, metrics, (count * batchSize) / intervalSeconds, (performance.now() - started) / 1000);
      history.push(record);
      progress?.log(
        [`step ${step}/${steps}`, ...Object.entries({ ...means, ...metrics }).map(([key, value]) => `${key} ${value.toFixed(4)}`), `${Math.round(record.examplesPerSecond)} examples/s`].join(", "),
      );
      if (tensorsAtFirstRecord < 0) tensorsAtFirstRecord = record.numTensors;
      else if ((options.checkTensorLeaks ?? true) && record.numTensors !== tensorsAtFirstRecord) {
        throw new Error(
          `Tensor leak: ${record.numTensors} live tensors at step ${step}, ${tensorsAtFirstRecord} at the first record. ` +
            `Wrap the step or evaluation code in tf.tidy or dispose its results.`,
        );
      }
      sums = {};
      count = 0;
      intervalStarted = performance.now();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  progress?.done(`${steps} steps in ${seconds.toFixed(1)} s`);
  return { history, seconds };
}

/**
 * A generic minibatch training loop over data kept in JavaScript: seeded shuffling, one
 * `optimizer.minimize` per batch, a learning-rate schedule, per-epoch metrics, throughput and
 * time-left reporting, divergence detection and a live-tensor leak check.
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../random";
import { applyWeightDecay, createOptimizer, OptimizerConfig, setLearningRate, weightDecayOf } from "./optimizer";
import { describeSchedule, LearningRateSchedule, learningRateAt } from "./schedule";

/** Receives live progress. `createProgress` from lib/display/progress.ts satisfies it. */
export interface ProgressSink {
  /** `fraction` (0 to 1) is the share of all training steps done so far. */
  update(fields: Record<string, string | number>, fraction?: number): void;
  log(line: string): void;
  done(summary?: string): void;
}

export interface EpochRecord {
  /** One-based epoch number. */
  epoch: number;
  /** Mean of the per-batch training losses of this epoch (weights change during the epoch). */
  trainLoss: number;
  /** Metrics returned by `evaluate` after the epoch, for example the test error. */
  metrics: Record<string, number>;
  /** Learning rate of the epoch's last step. */
  learningRate: number;
  /** Training examples per second in this epoch, excluding evaluation. */
  examplesPerSecond: number;
  /** Seconds since the start of training, evaluation included. */
  elapsedSeconds: number;
  /** `tf.memory().numTensors` after the epoch and its evaluation. */
  numTensors: number;
}

export interface FitOptions {
  /** Variables to train. */
  variables: tf.Variable[];
  /** Variables the optimiser's decoupled weight decay shrinks (usually the kernels). Default none. */
  decayedVariables?: tf.Variable[];
  /**
   * Loss of one batch, called inside `optimizer.minimize` (so its intermediate tensors are freed).
   * `rows` are the dataset rows of the batch. Returns a scalar averaged over the batch.
   */
  batchLoss: (rows: Int32Array) => tf.Scalar;
  /** Number of training examples. */
  trainCount: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  /** Default constant. */
  schedule?: LearningRateSchedule;
  /** Seed of the per-epoch shuffling. */
  seed: number;
  /** Metrics computed after each epoch (in inference mode). Must not leave tensors behind. */
  evaluate?: (epoch: number) => Record<string, number>;
  progress?: ProgressSink;
  onEpochEnd?: (record: EpochRecord) => void;
  /** Throw when the live tensor count differs from its value after the first epoch. Default true. */
  checkTensorLeaks?: boolean;
}

export interface FitResult {
  history: EpochRecord[];
  /** Wall-clock seconds of the whole run, evaluation included. */
  seconds: number;
}

/** Raised when a batch loss is NaN or infinite. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly learningRate: number,
    readonly loss: number,
  ) {
    super(
      `Training diverged: the loss is ${loss} at epoch ${epoch}, step ${step} (learning rate ${learningRate}). ` +
        `Lower the learning rate (for example 10x) or check the inputs for NaN values.`,
    );
    this.name = "TrainingDivergedError";
  }
}

/**
 * Trains `variables` by minimising `batchLoss` over shuffled minibatches for `epochs` epochs.
 * The last batch of an epoch may be smaller. Throws TrainingDivergedError on a non-finite loss
 * and an Error when the number of live tensors changes between epochs (a leak).
 */
export async function fit(options: FitOptions): Promise<FitResult> {
  const { trainCount, epochs, batchSize, progress } = options;
  if (!(trainCount > 0 && epochs > 0 && batchSize > 0)) {
    throw new Error(`fit needs trainCount, epochs and batchSize > 0, got ${trainCount}, ${epochs}, ${batchSize}.`);
  }
  const schedule = options.schedule ?? { kind: "constant" };
  const stepsPerEpoch = Math.ceil(trainCount / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const random = new Random(options.seed);
  const optimizer = createOptimizer(options.optimizer);
  const checkLeaks = options.checkTensorLeaks ?? true;
  const weightDecay = weightDecayOf(options.optimizer);
  if (weightDecay > 0 && !options.decayedVariables?.length) {
    throw new Error(`The optimizer sets weightDecay ${weightDecay} but fit received no decayedVariables.`);
  }
  const history: EpochRecord[] = [];
  const started = performance.now();
  let tensorsAfterFirstEpoch = -1;

  progress?.log(
    `Training ${epochs} epochs of ${trainCount} examples, batch ${batchSize}, ${options.optimizer.name} ` +
      `lr ${options.optimizer.learningRate}, schedule ${describeSchedule(schedule)}.`,
  );
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = random.permutation(trainCount);
      const epochStarted = performance.now();
      let lossSum = 0;
      let learningRate = options.optimizer.learningRate;

      for (let batch = 0; batch < stepsPerEpoch; batch++) {
        const step = (epoch - 1) * stepsPerEpoch + batch;
        learningRate = learningRateAt(options.optimizer.learningRate, schedule, { step, stepsPerEpoch, totalSteps });
        setLearningRate(optimizer, learningRate);

        const rows = order.subarray(batch * batchSize, Math.min(trainCount, (batch + 1) * batchSize));
        const cost = optimizer.minimize(() => options.batchLoss(rows), true, options.variables);
        if (!cost) throw new Error("optimizer.minimize returned no loss.");
        const loss = (await cost.data())[0];
        cost.dispose();
        if (!Number.isFinite(loss)) throw new TrainingDivergedError(epoch, batch + 1, learningRate, loss);
        applyWeightDecay(options.decayedVariables ?? [], learningRate, weightDecay);
        lossSum += loss;

        const trainedSeconds = (performance.now() - epochStarted) / 1000;
        progress?.update(
          {
            epoch: `${epoch}/${epochs}`,
            step: `${batch + 1}/${stepsPerEpoch}`,
            loss,
            lr: learningRate,
            "examples/s": Math.round((batch * batchSize + rows.length) / trainedSeconds),
          },
          (step + 1) / totalSteps,
        );
        // Let pending I/O run between steps. In a notebook kernel this is where the kernel's
        // ZeroMQ socket finishes sending progress; without it, the next send finds the socket busy.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }

      const trainSeconds = (performance.now() - epochStarted) / 1000;
      const metrics = options.evaluate ? options.evaluate(epoch) : {};
      const numTensors = tf.memory().numTensors;
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / stepsPerEpoch,
        metrics,
        learningRate,
        examplesPerSecond: trainCount / trainSeconds,
        elapsedSeconds: (performance.now() - started) / 1000,
        numTensors,
      };
      history.push(record);
      progress?.log(formatEpoch(record, epochs));
      options.onEpochEnd?.(record);

      // Optimiser slots are created during the first epoch, so the count is fixed from then on.
      if (epoch === 1) tensorsAfterFirstEpoch = numTensors;
      else if (checkLeaks && numTensors !== tensorsAfterFirstEpoch) {
        throw new Error(
          `Tensor leak: ${numTensors} live tensors after epoch ${epoch}, ${tensorsAfterFirstEpoch} after epoch 1. ` +
            `Wrap the per-batch or evaluation code in tf.tidy or dispose its results.`,
        );
      }
    }
  } finally {
    optimizer.dispose();
  }

  const seconds = (performance.now() - started) / 1000;
  progress?.done(`${epochs} epochs in ${seconds.toFixed(1)} s`);
  return { history, seconds };
}

function formatEpoch(record: EpochRecord, epochs: number): string {
  const metrics = Object.entries(record.metrics).map(([name, value]) => `${name} ${value.toFixed(3)}`);
  return [
    `epoch ${record.epoch}/${epochs}`,
    `loss ${record.trainLoss.toFixed(3)}`,
    ...metrics,
    `lr ${record.learningRate.toExponential(2)}`,
    `${Math.round(record.examplesPerSecond)} examples/s`,
    `${record.elapsedSeconds.toFixed(1)} s`,
  ].join(", ");
}

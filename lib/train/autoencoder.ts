/** Training recipe of an autoencoder: the loss on pixel intensities and the per-epoch errors. */
import * as tf from "@tensorflow/tfjs";
import { Autoencoder, AUTOENCODER_CODE_VERSION, AutoencoderConfig, createAutoencoder } from "../models/autoencoder";
import { reconstructionError } from "../eval/reconstruction";
import { CachedTrainingResult, trainOrLoad } from "./cache";
import { batchTensor, checkDataset, DenseDataset } from "./dataset";
import { EpochRecord, fit, FitResult, ProgressSink } from "./fit";
import { OptimizerConfig } from "./optimizer";
import { LearningRateSchedule } from "./schedule";

/**
 * `crossEntropy`: Bernoulli cross-entropy between the pixel intensities and the sigmoid
 * outputs, summed over pixels (the fine-tuning loss of Hinton & Salakhutdinov).
 * `squaredError`: squared error of the outputs, summed over pixels. Both are averaged over the batch.
 */
export type ReconstructionLoss = "crossEntropy" | "squaredError";

/** Everything that determines a training run apart from the architecture and the data. */
export interface AutoencoderRecipe {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  schedule: LearningRateSchedule;
  loss: ReconstructionLoss;
  /** Seed of the shuffling (the weight seed is in the model config). */
  seed: number;
}

export interface TrainAutoencoderOptions {
  train: DenseDataset;
  /** Evaluated after every epoch when given (metric `testError`). */
  test?: DenseDataset;
  /**
   * Number of training images whose reconstruction error is measured after every epoch
   * (metric `trainError`, on the first rows). Default 10000; 0 skips it.
   */
  trainEvalCount?: number;
  progress?: ProgressSink;
  onEpochEnd?: (record: EpochRecord) => void;
}

/** Loss of one batch: [batch, dim] inputs in [0, 1] to a scalar averaged over the batch. */
export function reconstructionLoss(model: Autoencoder, x: tf.Tensor2D, loss: ReconstructionLoss): tf.Scalar {
  const logits = model.decodeLogits(model.encode(x, { training: true }), { training: true });
  const batchSize = x.shape[0];
  if (loss === "crossEntropy") {
    if (model.config.outputActivation !== "sigmoid") {
      throw new Error(`The crossEntropy loss needs outputActivation "sigmoid", got "${model.config.outputActivation}".`);
    }
    // -[x log s(z) + (1 - x) log(1 - s(z))] = softplus(z) - x z, stable for large |z|.
    return tf.div(tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits))), batchSize);
  }
  const output = model.config.outputActivation === "sigmoid" ? tf.sigmoid(logits) : logits;
  return tf.div(tf.sum(tf.squaredDifference(output, x)), batchSize);
}

/**
 * Trains `model` in place with `recipe`. Each epoch records the mean training loss and the
 * reconstruction error per image (squared error summed over pixels) on the test set and on
 * the first `trainEvalCount` training images.
 */
export async function trainAutoencoder(
  model: Autoencoder,
  recipe: AutoencoderRecipe,
  options: TrainAutoencoderOptions,
): Promise<FitResult> {
  const inputSize = model.config.layerSizes[0];
  checkDataset(options.train, "Training set");
  if (options.test) checkDataset(options.test, "Test set");
  for (const [label, dataset] of [["Training set", options.train], ["Test set", options.test]] as const) {
    if (dataset && dataset.dim !== inputSize) {
      throw new Error(`${label} rows have ${dataset.dim} values, the autoencoder expects ${inputSize}.`);
    }
  }
  const trainEvalCount = Math.min(options.trainEvalCount ?? 10000, options.train.count);

  return fit({
    variables: model.trainableVariables,
    decayedVariables: [...model.variables].filter(([name]) => name.endsWith("/kernel")).map(([, variable]) => variable),
    batchLoss: (rows) => reconstructionLoss(model, batchTensor(options.train, rows, 0, rows.length), recipe.loss),
    trainCount: options.train.count,
    epochs: recipe.epochs,
    batchSize: recipe.batchSize,
    optimizer: recipe.optimizer,
    schedule: recipe.schedule,
    seed: recipe.seed,
    evaluate: () => {
      const metrics: Record<string, number> = {};
      if (trainEvalCount > 0) metrics.trainError = reconstructionError(model, options.train, trainEvalCount);
      if (options.test) metrics.testError = reconstructionError(model, options.test);
      return metrics;
    },
    progress: options.progress,
    onEpochEnd: options.onEpochEnd,
  });
}

export interface CachedAutoencoderOptions extends TrainAutoencoderOptions {
  /** Readable prefix of the cache folder. */
  name: string;
  model: AutoencoderConfig;
  recipe: AutoencoderRecipe;
  /** Identifies the training data, for example the checksum of the dataset files. */
  datasetId: string;
  /** Ignore cached weights. Default: true when HW5_RETRAIN=1. */
  retrain?: boolean;
  /** Cache root. Default `dataDir()/weights`. */
  cacheRoot?: string;
}

/**
 * Returns the autoencoder trained with `recipe`, from the weight cache when this exact
 * configuration (model code version included) was trained before, else by training it now.
 */
export function trainAutoencoderCached(options: CachedAutoencoderOptions): Promise<CachedTrainingResult<Autoencoder>> {
  return trainOrLoad({
    name: options.name,
    key: {
      model: options.model,
      recipe: options.recipe,
      trainCount: options.train.count,
      codeVersion: AUTOENCODER_CODE_VERSION,
    },
    datasetId: options.datasetId,
    create: () => createAutoencoder(options.model),
    train: (model) => trainAutoencoder(model, options.recipe, options),
    retrain: options.retrain,
    root: options.cacheRoot,
  });
}

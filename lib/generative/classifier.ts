/**
 * Small CNN classifier for Fashion-MNIST whose penultimate layer supplies the features of the
 * Frechet distance (lib/metrics/frechet.ts), standing in for Inception features.
 *
 * Data flow: image [B, S, S, 1] in [0, 1] -> conv 3x3 f, ReLU -> max-pool 2 [S/2, S/2, f]
 * -> conv 3x3 2f, ReLU -> max-pool 2 [S/4, S/4, 2f] -> flatten -> dense featureDim, ReLU
 * (the penultimate features) -> dropout -> dense numClasses (logits).
 *
 * NOTE: the 90% test-accuracy target for the defaults (f = 32, featureDim = 128, Adam) is an
 * estimate for CNNs of this size after a few epochs; this file's tests train only toy data.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../random";
import { adam } from "../train/fusedAdam";
import { imageBatch, minimizeLoss, seededGlorotUniform, trainableVariables } from "./tensorUtils";

export interface ClassifierConfig {
  /** Image height and width, divisible by 4. */
  imageSize: number;
  numClasses: number;
  /** Filters f of the first conv layer; the second has 2f. */
  baseFilters: number;
  /** Width of the penultimate (feature) layer. */
  featureDim: number;
  dropout: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_CLASSIFIER_CONFIG: ClassifierConfig = {
  imageSize: 28,
  numClasses: 10,
  baseFilters: 32,
  featureDim: 128,
  dropout: 0.3,
  learningRate: 1e-3,
  seed: 0,
};

/** Labelled images as the data loader returns them: uint8 pixels (count x S x S) and class ids. */
export interface LabelledImages {
  images: Uint8Array;
  labels: ArrayLike<number>;
  count: number;
}

/** CNN classifier with access to its penultimate features. */
export class FashionClassifier {
  readonly config: ClassifierConfig;
  /** images [B, S, S, 1] -> logits [B, numClasses]. */
  readonly model: tf.LayersModel;
  /** images [B, S, S, 1] -> penultimate features [B, featureDim]; shares weights with `model`. */
  readonly featureModel: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  private readonly random: Random;

  constructor(overrides: Partial<ClassifierConfig> = {}) {
    this.config = { ...DEFAULT_CLASSIFIER_CONFIG, ...overrides };
    const { imageSize, baseFilters, featureDim, numClasses, dropout } = this.config;
    if (imageSize % 4 !== 0) throw new Error(`FashionClassifier: imageSize must be divisible by 4, got ${imageSize}.`);
    this.random = new Random(this.config.seed);

    const input = tf.input({ shape: [imageSize, imageSize, 1] });
    let hidden = input;
    for (const filters of [baseFilters, 2 * baseFilters]) {
      // [B, s, s, c] -> [B, s/2, s/2, filters]
      hidden = tf.layers
        .conv2d({ filters, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: seededGlorotUniform(this.random) })
        .apply(hidden) as tf.SymbolicTensor;
      hidden = tf.layers.maxPooling2d({ poolSize: 2 }).apply(hidden) as tf.SymbolicTensor;
    }
    const flat = tf.layers.flatten().apply(hidden); // [B, S/4 * S/4 * 2f]
    const features = tf.layers
      .dense({ units: featureDim, activation: "relu", kernelInitializer: seededGlorotUniform(this.random), name: "features" })
      .apply(flat) as tf.SymbolicTensor; // [B, featureDim]
    const dropped = tf.layers.dropout({ rate: dropout, seed: this.random.int(2 ** 31) }).apply(features);
    const logits = tf.layers
      .dense({ units: numClasses, kernelInitializer: seededGlorotUniform(this.random), name: "logits" })
      .apply(dropped) as tf.SymbolicTensor; // [B, numClasses]

    this.model = tf.model({ inputs: input, outputs: logits, name: "fashion_classifier" });
    this.featureModel = tf.model({ inputs: input, outputs: features, name: "fashion_classifier_features" });
    this.optimizer = adam(this.config.learningRate);
  }

  /** Runs one Adam step of softmax cross-entropy on images [B, S, S, 1] in [0, 1]; returns the mean loss in nats. */
  trainStep(images: tf.Tensor4D, labels: ArrayLike<number>): number {
    const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), "int32"), this.config.numClasses).toFloat());
    const loss = minimizeLoss(
      this.optimizer,
      () => tf.losses.softmaxCrossEntropy(targets, this.model.apply(images, { training: true }) as tf.Tensor) as tf.Scalar,
      trainableVariables(this.model),
    );
    targets.dispose();
    return loss;
  }

  /** Trains one epoch over `data` in shuffled batches; returns the mean batch loss. */
  trainEpoch(data: LabelledImages, batchSize: number): number {
    const order = this.random.permutation(data.count);
    let total = 0;
    let batches = 0;
    for (let start = 0; start < data.count; start += batchSize) {
      const indices = order.subarray(start, Math.min(start + batchSize, data.count));
      const labels = Array.from(indices, (i) => data.labels[i]);
      const images = imageBatch(data.images, indices, "unit", this.config.imageSize, this.config.imageSize);
      total += this.trainStep(images, labels);
      images.dispose();
      batches++;
    }
    return total / batches;
  }

  /** Fraction of `data` classified correctly, in inference mode. */
  accuracy(data: LabelledImages, batchSize = 500): number {
    let correct = 0;
    for (let start = 0; start < data.count; start += batchSize) {
      const indices = Int32Array.from({ length: Math.min(batchSize, data.count - start) }, (_, i) => start + i);
      const predictions = tf.tidy(() => {
        const images = imageBatch(data.images, indices, "unit", this.config.imageSize, this.config.imageSize);
        return tf.argMax(this.model.predict(images) as tf.Tensor, 1).dataSync();
      });
      indices.forEach((image, i) => {
        if (predictions[i] === data.labels[image]) correct++;
      });
    }
    return correct / data.count;
  }

  /** Computes the penultimate features [B, featureDim] of images [B, S, S, 1] in [0, 1], in inference mode. */
  penultimateFeatures(images: tf.Tensor4D): tf.Tensor2D {
    return this.featureModel.predict(images) as tf.Tensor2D;
  }

  /**
   * Computes the penultimate features of many images batch by batch and returns them as a row-major Float32Array
   * (count x featureDim) ready for frechetDistance. `images` are [N, S, S, 1] in [0, 1].
   */
  featuresOf(images: tf.Tensor4D, batchSize = 500): Float32Array {
    const count = images.shape[0];
    const out = new Float32Array(count * this.config.featureDim);
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      const values = tf.tidy(() => this.penultimateFeatures(tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1])).dataSync());
      out.set(values, start * this.config.featureDim);
    }
    return out;
  }

  /** Frees the weights and optimizer state. */
  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}

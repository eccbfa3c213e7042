/**
 * Conditional GAN (Mirza & Osindero 2014, arXiv 1411.1784): the class label is an input of
 * both networks. The generator receives [z, one-hot y]; the discriminator receives the image
 * plus a learned label map as a second channel (conv) or the one-hot label concatenated to
 * the flattened image (dense). See ganNetworks.ts for the layers and gan.ts for training.
 */
import * as tf from "@tensorflow/tfjs";

import { Gan, GanConfig, GanStepResult } from "./gan";

/** Class-conditional GAN; `numClasses` defaults to the 10 Fashion-MNIST classes. */
export class ConditionalGan extends Gan {
  constructor(overrides: Partial<GanConfig> = {}) {
    const numClasses = overrides.numClasses ?? 10;
    if (numClasses < 1) throw new Error(`ConditionalGan: numClasses must be at least 1, got ${numClasses}.`);
    super({ ...overrides, numClasses });
  }

  /**
   * Runs one training step on real images [B, S, S, 1] with their class ids (length B). Fake
   * images get uniformly random class ids. Returns losses as numbers.
   */
  trainStep(real: tf.Tensor4D, labels: ArrayLike<number>): GanStepResult {
    return this.trainStepWithLabels(real, labels);
  }

  /** Generates one image per class id in `labels`: [labels.length, S, S, 1]. */
  generate(labels: ArrayLike<number>, seed: number): tf.Tensor4D {
    return this.generateWithLabels(labels.length, seed, labels);
  }

  /** Computes the discriminator scores [B, 1] for images [B, S, S, 1] with class ids (inference). */
  score(images: tf.Tensor4D, labels: ArrayLike<number>): tf.Tensor2D {
    return tf.tidy(() => this.discriminator.apply([images, this.oneHot(labels)], { training: false }) as tf.Tensor2D);
  }
}

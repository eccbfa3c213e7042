/**
 * GAN training for Fashion-MNIST-sized images: the networks of ganNetworks.ts trained with
 * either the non-saturating loss (with optional one-sided label smoothing) or WGAN-GP.
 *
 * One `trainStep` updates the discriminator once on a real batch and, every `criticSteps`
 * calls, the generator once. Fake images for the discriminator update are generated outside
 * its gradient tape, so no gradient is computed for the generator's weights there.
 * ConditionalGan (conditionalGan.ts) reuses this class with class labels.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../random";
import { adam } from "../train/fusedAdam";
import {
  gradientPenalty,
  nonSaturatingDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
} from "./ganLosses";
import { GanNetworkConfig, buildDiscriminator, buildGenerator } from "./ganNetworks";
import { minimizeLoss, seededNormal, trainableVariables } from "./tensorUtils";

/** Training objective and its settings. */
export type GanLoss =
  | { kind: "non-saturating"; /** target for real images, 1 or e.g. 0.9 */ realLabel: number }
  | { kind: "wgan-gp"; /** penalty weight lambda */ penaltyWeight: number };

export interface GanConfig extends GanNetworkConfig {
  loss: GanLoss;
  /** Discriminator updates per generator update (5 is usual for WGAN-GP, 1 for NS-GAN). */
  criticSteps: number;
  generatorLearningRate: number;
  discriminatorLearningRate: number;
  /** Adam moment decays; (0.5, 0.999) for DCGAN, (0, 0.9) or (0.5, 0.9) for WGAN-GP. */
  adamBeta1: number;
  adamBeta2: number;
  seed: number;
}

export const DEFAULT_GAN_CONFIG: GanConfig = {
  imageSize: 28,
  latentDim: 64,
  numClasses: 0,
  architecture: "conv",
  baseFilters: 32,
  denseUnits: [256, 512],
  outputActivation: "tanh",
  leakySlope: 0.2,
  loss: { kind: "non-saturating", realLabel: 0.9 },
  criticSteps: 1,
  generatorLearningRate: 2e-4,
  discriminatorLearningRate: 2e-4,
  adamBeta1: 0.5,
  adamBeta2: 0.999,
  seed: 0,
};

/** Losses after one training step. */
export interface GanStepResult {
  discriminatorLoss: number;
  /** Loss of the latest generator update (NaN before the first one). */
  generatorLoss: number;
  /** True when this step updated the generator. */
  generatorUpdated: boolean;
}

/** Generator, discriminator, their Adam optimizers and the training step. */
export class Gan {
  readonly config: GanConfig;
  readonly generator: tf.LayersModel;
  readonly discriminator: tf.LayersModel;
  readonly generatorOptimizer: tf.Optimizer;
  readonly discriminatorOptimizer: tf.Optimizer;
  protected readonly random: Random;
  private stepCount = 0;
  private lastGeneratorLoss = Number.NaN;

  constructor(overrides: Partial<GanConfig> = {}) {
    this.config = { ...DEFAULT_GAN_CONFIG, ...overrides };
    if (!(Number.isInteger(this.config.criticSteps) && this.config.criticSteps >= 1)) {
      throw new Error(`GAN: criticSteps must be a positive integer, got ${this.config.criticSteps}.`);
    }
    this.random = new Random(this.config.seed);
    this.generator = buildGenerator(this.config, this.random);
    this.discriminator = buildDiscriminator(this.config, this.random);
    const { adamBeta1, adamBeta2 } = this.config;
    this.generatorOptimizer = adam(this.config.generatorLearningRate, adamBeta1, adamBeta2);
    this.discriminatorOptimizer = adam(this.config.discriminatorLearningRate, adamBeta1, adamBeta2);
  }

  /** Number of classes of the label input, 0 for an unconditional GAN. */
  get numClasses(): number {
    return this.config.numClasses;
  }

  /** One-hot float labels [B, numClasses] from integer class ids; throws on an id out of range. */
  protected oneHot(labels: ArrayLike<number>): tf.Tensor2D {
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      if (!(Number.isInteger(label) && label >= 0 && label < this.numClasses)) {
        throw new Error(`GAN: label ${label} at position ${i} is outside 0..${this.numClasses - 1}.`);
      }
    }
    return tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), "int32"), this.numClasses).toFloat() as tf.Tensor2D);
  }

  /** Uniformly random class ids for fake images. */
  protected randomLabels(count: number): number[] {
    return Array.from({ length: count }, () => this.random.int(this.numClasses));
  }

  /** Runs the generator on z [B, latentDim] and optional one-hot labels; returns [B, S, S, 1]. */
  protected runGenerator(z: tf.Tensor2D, oneHot: tf.Tensor2D | null, training: boolean): tf.Tensor4D {
    const inputs = oneHot ? [z, oneHot] : z;
    return this.generator.apply(inputs, { training }) as tf.Tensor4D;
  }

  /** Runs the discriminator on images [B, S, S, 1] and optional one-hot labels; returns scores [B, 1]. */
  protected runDiscriminator(images: tf.Tensor4D, oneHot: tf.Tensor2D | null): tf.Tensor2D {
    const inputs = oneHot ? [images, oneHot] : images;
    return this.discriminator.apply(inputs, { training: true }) as tf.Tensor2D;
  }

  /**
   * Runs one training step on real images [B, S, S, 1] in the generator's output range
   * (see imageBatch in tensorUtils.ts), with class ids `labels` (length B) for a
   * conditional GAN. Fake images get uniformly random class ids.
   * Returns losses as numbers; tf.memory().numTensors is unchanged after the first call.
   */
  protected trainStepWithLabels(real: tf.Tensor4D, labels: ArrayLike<number> | null): GanStepResult {
    const batch = real.shape[0];
    const conditional = this.numClasses > 0;
    if (conditional && (labels === null || labels.length !== batch)) {
      throw new Error(`GAN: a conditional GAN needs ${batch} labels, got ${labels === null ? "none" : labels.length}.`);
    }

    const realOneHot = conditional ? this.oneHot(labels as ArrayLike<number>) : null;
    const fakeOneHot = conditional ? this.oneHot(this.randomLabels(batch)) : null;
    const fake = tf.tidy(() => this.runGenerator(seededNormal([batch, this.config.latentDim], this.random) as tf.Tensor2D, fakeOneHot, true));
    const alpha = this.config.loss.kind === "wgan-gp" ? tf.randomUniform([batch, 1, 1, 1], 0, 1, "float32", this.random.int(2 ** 31)) : null;

    const discriminatorLoss = minimizeLoss(
      this.discriminatorOptimizer,
      () => {
        const realScores = this.runDiscriminator(real, realOneHot);
        const fakeScores = this.runDiscriminator(fake, fakeOneHot);
        const loss = this.config.loss;
        if (loss.kind === "non-saturating") return nonSaturatingDiscriminatorLoss(realScores, fakeScores, loss.realLabel);
        // The interpolates carry the real images' labels, a common choice for conditional WGAN-GP.
        const critic = (images: tf.Tensor4D) => this.runDiscriminator(images, realOneHot);
        const penalty = gradientPenalty(critic, real, fake, alpha as tf.Tensor4D);
        return tf.add(wassersteinCriticLoss(realScores, fakeScores), tf.mul(loss.penaltyWeight, penalty)) as tf.Scalar;
      },
      trainableVariables(this.discriminator),
    );
    tf.dispose([fake, realOneHot, fakeOneHot, alpha].filter((t): t is tf.Tensor => t !== null));

    this.stepCount++;
    const generatorUpdated = this.stepCount % this.config.criticSteps === 0;
    if (generatorUpdated) this.lastGeneratorLoss = this.generatorStep(batch);
    return { discriminatorLoss, generatorLoss: this.lastGeneratorLoss, generatorUpdated };
  }

  /** Runs one generator update on a fresh batch of `batch` latent vectors. */
  private generatorStep(batch: number): number {
    const oneHot = this.numClasses > 0 ? this.oneHot(this.randomLabels(batch)) : null;
    const loss = minimizeLoss(
      this.generatorOptimizer,
      () => {
        const z = seededNormal([batch, this.config.latentDim], this.random) as tf.Tensor2D;
        const scores = this.runDiscriminator(this.runGenerator(z, oneHot, true), oneHot);
        return this.config.loss.kind === "non-saturating" ? nonSaturatingGeneratorLoss(scores) : wassersteinGeneratorLoss(scores);
      },
      trainableVariables(this.generator),
    );
    oneHot?.dispose();
    return loss;
  }

  /**
   * Generates images [count, S, S, 1] in inference mode (batch-norm moving statistics),
   * from latents drawn with `seed`, for the given class ids when conditional.
   */
  protected generateWithLabels(count: number, seed: number, labels: ArrayLike<number> | null): tf.Tensor4D {
    const random = new Random(seed);
    return tf.tidy(() => {
      const z = seededNormal([count, this.config.latentDim], random) as tf.Tensor2D;
      const oneHot = labels ? this.oneHot(labels) : null;
      return this.runGenerator(z, oneHot, false);
    });
  }

  /** Frees the weights and optimizer state. */
  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
    this.generatorOptimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }
}

/** Unconditional GAN: `numClasses` is forced to 0. */
export class UnconditionalGan extends Gan {
  constructor(overrides: Partial<GanConfig> = {}) {
    super({ ...overrides, numClasses: 0 });
  }

  /** Runs one training step on real images [B, S, S, 1] (contract as in Gan.trainStepWithLabels). */
  trainStep(real: tf.Tensor4D): GanStepResult {
    return this.trainStepWithLabels(real, null);
  }

  /** Generates `count` images [count, S, S, 1] from latents drawn with `seed`. */
  generate(count: number, seed: number): tf.Tensor4D {
    return this.generateWithLabels(count, seed, null);
  }
}

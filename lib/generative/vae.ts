/**
 * Variational autoencoder with Gaussian q(z|x) and Gaussian p(x|z), both with diagonal
 * covariance, as in Kingma & Welling, "Auto-Encoding Variational Bayes" (arXiv 1312.6114),
 * Appendix C.
 *
 * Data flow: image x -> encoder -> (mu, logVar) of q(z|x) -> z = mu + exp(logVar/2) * eps
 * -> decoder -> (mean, logVar) of p(x|z). The loss is the negative ELBO in nats per image:
 * Gaussian negative log-likelihood of x plus KL(q(z|x) || N(0, I)) in closed form.
 *
 * Pixels are continuous values in [0, 1], so the likelihood is a density and the loss can be
 * negative. It is not comparable with Bernoulli (cross-entropy) VAE losses.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../random";
import { adam } from "../train/fusedAdam";
import { seededGlorotUniform as initializer, minimizeLoss, seededNormal, trainableVariables } from "./tensorUtils";

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Variance of p(x|z):
 * - "learned": a per-pixel log-variance head, squashed into [log minVariance, log maxVariance]
 *   by a sigmoid, so minVariance is a floor that keeps the likelihood bounded on constant
 *   background pixels;
 * - "fixed": the constant `variance` for every pixel;
 * - "learned-shared": one trainable scalar for all pixels, bounded like "learned".
 */
export type DecoderVariance =
  | { mode: "learned"; minVariance: number; maxVariance: number }
  | { mode: "fixed"; variance: number }
  | { mode: "learned-shared"; minVariance: number; maxVariance: number; initialVariance: number };

export interface VaeConfig {
  /** Image height, width and channels. */
  imageShape: [number, number, number];
  latentDim: number;
  /** "mlp": dense layers; "conv": stride-2 convolutions (needs height and width divisible by 4). */
  architecture: "mlp" | "conv";
  /** Encoder hidden widths for "mlp"; the decoder mirrors them. */
  hiddenUnits: number[];
  /** Encoder filters of the two stride-2 convolutions for "conv"; the decoder mirrors them. */
  convFilters: [number, number];
  /** Output of the decoder mean: "sigmoid" keeps it in (0, 1), "linear" leaves it free. */
  decoderMean: "sigmoid" | "linear";
  variance: DecoderVariance;
  learningRate: number;
  /** Seed for weight initialisation and the noise eps. */
  seed: number;
}

export const DEFAULT_VAE_CONFIG: VaeConfig = {
  imageShape: [28, 28, 1],
  latentDim: 20,
  architecture: "mlp",
  hiddenUnits: [512, 256],
  convFilters: [32, 64],
  decoderMean: "sigmoid",
  variance: { mode: "learned", minVariance: 1e-3, maxVariance: 1 },
  learningRate: 1e-3,
  seed: 0,
};

/**
 * Reparameterisation trick: z = mu + exp(logVar / 2) * eps with eps ~ N(0, I) given, so the
 * sample is a differentiable function of mu and logVar. dz/dmu = 1 and
 * dz/dlogVar = exp(logVar / 2) * eps / 2.
 */
export function reparameterize(mu: tf.Tensor2D, logVar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
  return tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
}

/**
 * Closed-form KL(N(mu, diag(exp(logVar))) || N(0, I)) per example, in nats:
 * -1/2 sum_j (1 + logVar_j - mu_j^2 - exp(logVar_j)). Inputs [B, latentDim], output [B].
 */
export function gaussianKl(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  const terms = tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar));
  return tf.mul(tf.sum(terms, 1), -0.5);
}

/**
 * Gaussian negative log-likelihood per example, in nats:
 * 1/2 sum over pixels of (log(2 pi sigma^2) + (x - mean)^2 / sigma^2).
 * x and mean are [B, ...]; logVar is the same shape or broadcasts to it (a scalar for the
 * fixed and shared modes). Output [B].
 */
export function gaussianNll(x: tf.Tensor, mean: tf.Tensor, logVar: tf.Tensor): tf.Tensor1D {
  const squaredError = tf.square(tf.sub(x, mean));
  const perPixel = tf.add(tf.add(LOG_2PI, logVar), tf.mul(squaredError, tf.exp(tf.neg(logVar))));
  // Broadcast a scalar logVar so the per-pixel term has the image shape before summing.
  const full = tf.add(perPixel, tf.zerosLike(x));
  const flat = tf.reshape(full, [x.shape[0], -1]); // [B, H*W*C]
  return tf.mul(tf.sum(flat, 1), 0.5);
}

/** Per-example parts of the negative ELBO, each [B], and their batch mean. */
export interface NegativeElbo {
  nll: tf.Tensor1D;
  kl: tf.Tensor1D;
  /** mean over the batch of nll + kl, nats per image. */
  loss: tf.Scalar;
}

/** Loss values of one training step, nats per image averaged over the batch. */
export interface VaeStepResult {
  loss: number;
  nll: number;
  kl: number;
}

function checkConfig(config: VaeConfig): void {
  const [height, width] = config.imageShape;
  if (config.architecture === "conv" && (height % 4 !== 0 || width % 4 !== 0)) {
    throw new Error(`VAE: the conv architecture needs height and width divisible by 4, got ${height}x${width}.`);
  }
  const variance = config.variance;
  if (variance.mode === "fixed" && !(variance.variance > 0)) {
    throw new Error(`VAE: fixed variance must be positive, got ${variance.variance}.`);
  }
  if (variance.mode !== "fixed" && !(variance.minVariance > 0 && variance.maxVariance > variance.minVariance)) {
    throw new Error(
      `VAE: needs 0 < minVariance < maxVariance, got ${variance.minVariance} and ${variance.maxVariance}.`,
    );
  }
  if (
    variance.mode === "learned-shared" &&
    !(variance.initialVariance > variance.minVariance && variance.initialVariance < variance.maxVariance)
  ) {
    throw new Error(`VAE: initialVariance ${variance.initialVariance} must lie strictly between minVariance and maxVariance.`);
  }
}

/** Inverse of the bounded map logVar = lo + (hi - lo) * sigmoid(raw), used to initialise raw. */
function rawFromLogVariance(logVariance: number, lo: number, hi: number): number {
  const fraction = (logVariance - lo) / (hi - lo);
  return Math.log(fraction / (1 - fraction));
}

/** VAE with Gaussian encoder and decoder; see the file header for the model. */
export class GaussianVae {
  readonly config: VaeConfig;
  /** x [B, H, W, C] -> [mu [B, latentDim], logVar [B, latentDim]]. */
  readonly encoder: tf.LayersModel;
  /** z [B, latentDim] -> [mean [B, H, W, C]] plus raw log-variance [B, H, W, C] in "learned" mode. */
  readonly decoder: tf.LayersModel;
  /** Unbounded scalar behind the shared log-variance ("learned-shared" mode only). */
  readonly sharedRawLogVariance: tf.Variable | null;
  readonly optimizer: tf.Optimizer;
  private readonly random: Random;

  constructor(overrides: Partial<VaeConfig> = {}) {
    this.config = { ...DEFAULT_VAE_CONFIG, ...overrides };
    checkConfig(this.config);
    this.random = new Random(this.config.seed);
    this.encoder = buildEncoder(this.config, this.random);
    this.decoder = buildDecoder(this.config, this.random);

    const variance = this.config.variance;
    this.sharedRawLogVariance =
      variance.mode === "learned-shared"
        ? tf.variable(
            tf.scalar(
              rawFromLogVariance(
                Math.log(variance.initialVariance),
                Math.log(variance.minVariance),
                Math.log(variance.maxVariance),
              ),
            ),
            true,
          )
        : null;
    this.optimizer = adam(this.config.learningRate);
  }

  /** Parameters of q(z|x) for images [B, H, W, C]. */
  encode(x: tf.Tensor4D, training = false): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    const [mu, logVar] = this.encoder.apply(x, { training }) as tf.Tensor2D[];
    return { mu, logVar };
  }

  /**
   * Parameters of p(x|z) for latents [B, latentDim]: mean [B, H, W, C] and a log-variance of
   * the same shape ("learned") or a scalar that broadcasts ("fixed", "learned-shared").
   */
  decode(z: tf.Tensor2D, training = false): { mean: tf.Tensor4D; logVar: tf.Tensor } {
    const outputs = this.decoder.apply(z, { training }) as tf.Tensor4D | tf.Tensor4D[];
    const variance = this.config.variance;
    if (variance.mode === "fixed") {
      return { mean: outputs as tf.Tensor4D, logVar: tf.scalar(Math.log(variance.variance)) };
    }
    const lo = Math.log(variance.minVariance);
    const hi = Math.log(variance.maxVariance);
    if (variance.mode === "learned") {
      const [mean, rawLogVar] = outputs as tf.Tensor4D[];
      return { mean, logVar: tf.add(lo, tf.mul(hi - lo, tf.sigmoid(rawLogVar))) };
    }
    const shared = this.sharedRawLogVariance as tf.Variable;
    return { mean: outputs as tf.Tensor4D, logVar: tf.add(lo, tf.mul(hi - lo, tf.sigmoid(shared))) };
  }

  /**
   * Negative ELBO of images x [B, H, W, C] with one sample z per image. `eps` [B, latentDim]
   * fixes the noise (for tests); by default it is drawn from the model's seeded generator.
   */
  negativeElbo(x: tf.Tensor4D, eps?: tf.Tensor2D, training = false): NegativeElbo {
    const { mu, logVar } = this.encode(x, training);
    const noise = eps ?? (seededNormal(mu.shape, this.random) as tf.Tensor2D);
    const z = reparameterize(mu, logVar, noise);
    const decoded = this.decode(z, training);
    const nll = gaussianNll(x, decoded.mean, decoded.logVar);
    const kl = gaussianKl(mu, logVar);
    return { nll, kl, loss: tf.mean(tf.add(nll, kl)) as tf.Scalar };
  }

  /** One Adam step on the negative ELBO of the batch x [B, H, W, C]; returns nats per image. */
  trainStep(x: tf.Tensor4D): VaeStepResult {
    let nll = 0;
    let kl = 0;
    const variables = trainableVariables(this.encoder, this.decoder);
    if (this.sharedRawLogVariance) variables.push(this.sharedRawLogVariance);
    const loss = minimizeLoss(
      this.optimizer,
      () => {
        const parts = this.negativeElbo(x, undefined, true);
        nll = tf.mean(parts.nll).dataSync()[0];
        kl = tf.mean(parts.kl).dataSync()[0];
        return parts.loss;
      },
      variables,
    );
    return { loss, nll, kl };
  }

  /** Mean negative ELBO of x over several noise draws, without training. */
  evaluate(x: tf.Tensor4D, samples = 1): VaeStepResult {
    return tf.tidy(() => {
      let total = { loss: 0, nll: 0, kl: 0 };
      for (let s = 0; s < samples; s++) {
        const parts = this.negativeElbo(x);
        total = {
          loss: total.loss + parts.loss.dataSync()[0] / samples,
          nll: total.nll + tf.mean(parts.nll).dataSync()[0] / samples,
          kl: total.kl + tf.mean(parts.kl).dataSync()[0] / samples,
        };
      }
      return total;
    });
  }

  /**
   * Draws `count` images: z ~ N(0, I), then the decoder mean [count, H, W, C], or a sample
   * from p(x|z) when `addPixelNoise` is set (usually noisy, which is why means are shown).
   */
  sample(count: number, seed: number, addPixelNoise = false): tf.Tensor4D {
    const random = new Random(seed);
    return tf.tidy(() => {
      const z = seededNormal([count, this.config.latentDim], random) as tf.Tensor2D;
      const { mean, logVar } = this.decode(z);
      if (!addPixelNoise) return mean;
      const pixelNoise = seededNormal(mean.shape, random);
      return tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), pixelNoise)) as tf.Tensor4D;
    });
  }

  /** Decoder mean at z = mu(x): the usual reconstruction of images [B, H, W, C]. */
  reconstruct(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.decode(this.encode(x).mu).mean);
  }

  /** Frees the weights and optimizer state. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.sharedRawLogVariance?.dispose();
    this.optimizer.dispose();
  }
}

/** Encoder: image -> hidden features -> two linear heads for mu and logVar. */
function buildEncoder(config: VaeConfig, random: Random): tf.LayersModel {
  const input = tf.input({ shape: config.imageShape });
  let hidden: tf.SymbolicTensor;
  if (config.architecture === "mlp") {
    hidden = tf.layers.flatten().apply(input) as tf.SymbolicTensor; // [B, H*W*C]
    for (const units of config.hiddenUnits) {
      hidden = tf.layers.dense({ units, activation: "relu", kernelInitializer: initializer(random) }).apply(hidden) as tf.SymbolicTensor;
    }
  } else {
    hidden = input;
    for (const filters of config.convFilters) {
      // [B, H, W, C] -> [B, H/2, W/2, filters]
      hidden = tf.layers
        .conv2d({ filters, kernelSize: 4, strides: 2, padding: "same", activation: "relu", kernelInitializer: initializer(random) })
        .apply(hidden) as tf.SymbolicTensor;
    }
    hidden = tf.layers.flatten().apply(hidden) as tf.SymbolicTensor; // [B, H/4 * W/4 * filters]
  }
  const mu = tf.layers.dense({ units: config.latentDim, kernelInitializer: initializer(random), name: "mu" }).apply(hidden);
  const logVar = tf.layers.dense({ units: config.latentDim, kernelInitializer: initializer(random), name: "log_var" }).apply(hidden);
  return tf.model({ inputs: input, outputs: [mu as tf.SymbolicTensor, logVar as tf.SymbolicTensor], name: "vae_encoder" });
}

/** Decoder: z -> hidden features -> mean image, plus a raw log-variance image in "learned" mode. */
function buildDecoder(config: VaeConfig, random: Random): tf.LayersModel {
  const [height, width, channels] = config.imageShape;
  const outputChannels = config.variance.mode === "learned" ? 2 * channels : channels;
  const input = tf.input({ shape: [config.latentDim] });
  let image: tf.SymbolicTensor; // [B, H, W, outputChannels], mean channels first
  if (config.architecture === "mlp") {
    let hidden: tf.SymbolicTensor = input;
    for (const units of [...config.hiddenUnits].reverse()) {
      hidden = tf.layers.dense({ units, activation: "relu", kernelInitializer: initializer(random) }).apply(hidden) as tf.SymbolicTensor;
    }
    const flat = tf.layers.dense({ units: height * width * outputChannels, kernelInitializer: initializer(random) }).apply(hidden);
    image = tf.layers.reshape({ targetShape: [height, width, outputChannels] }).apply(flat) as tf.SymbolicTensor;
  } else {
    const [first, second] = config.convFilters;
    const seedUnits = (height / 4) * (width / 4) * second;
    let hidden = tf.layers.dense({ units: seedUnits, activation: "relu", kernelInitializer: initializer(random) }).apply(input);
    hidden = tf.layers.reshape({ targetShape: [height / 4, width / 4, second] }).apply(hidden); // [B, H/4, W/4, second]
    hidden = tf.layers
      .conv2dTranspose({ filters: first, kernelSize: 4, strides: 2, padding: "same", activation: "relu", kernelInitializer: initializer(random) })
      .apply(hidden); // [B, H/2, W/2, first]
    image = tf.layers
      .conv2dTranspose({ filters: outputChannels, kernelSize: 4, strides: 2, padding: "same", kernelInitializer: initializer(random) })
      .apply(hidden) as tf.SymbolicTensor; // [B, H, W, outputChannels]
  }

  const meanActivation = config.decoderMean === "sigmoid" ? "sigmoid" : "linear";
  if (config.variance.mode !== "learned") {
    const mean = tf.layers.activation({ activation: meanActivation }).apply(image) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: mean, name: "vae_decoder" });
  }
  // Split the channels into the mean and the raw (unbounded) log-variance.
  const meanLogits = new ChannelSlice({ begin: 0, size: channels }).apply(image) as tf.SymbolicTensor;
  const rawLogVar = new ChannelSlice({ begin: channels, size: channels }).apply(image) as tf.SymbolicTensor;
  const mean = tf.layers.activation({ activation: meanActivation }).apply(meanLogits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [mean, rawLogVar], name: "vae_decoder" });
}

/** Layer that keeps channels [begin, begin + size) of a [B, H, W, C] tensor. */
class ChannelSlice extends tf.layers.Layer {
  static readonly className = "ChannelSlice";
  private readonly begin: number;
  private readonly size: number;

  constructor(args: { begin: number; size: number }) {
    super({});
    this.begin = args.begin;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tf.Shape): tf.Shape {
    return [...inputShape.slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // tf.slice has a gradient, unlike tf.stridedSlice.
    return tf.slice(x, [0, 0, 0, this.begin], [-1, -1, -1, this.size]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}
tf.serialization.registerClass(ChannelSlice);

/**
 * Generator and discriminator networks for 28x28 (or any size divisible by 4) grey images,
 * in a DCGAN-style convolutional form (Radford et al. 2016, arXiv 1511.06434) and a
 * dense-only form. With `numClasses` > 0 both take a one-hot class label as a second input:
 * the generator concatenates it to z, and the discriminator turns it into an extra image
 * channel (conv) or concatenates it to the flattened image (dense).
 *
 * Generator (conv):  [z, y] -> dense 4f*(S/4)^2 -> BN -> ReLU -> reshape [S/4, S/4, 4f]
 *                    -> conv2dTranspose 2f, stride 2 -> BN -> ReLU   [S/2, S/2, 2f]
 *                    -> conv2dTranspose 1, stride 2 -> tanh/sigmoid [S, S, 1]
 * Discriminator (conv): [x, label map] -> conv f, stride 2 -> LeakyReLU [S/2, S/2, f]
 *                    -> conv 2f, stride 2 -> LeakyReLU [S/4, S/4, 2f] -> flatten -> dense 1
 * The discriminator has no batch normalisation, so the WGAN-GP penalty (per-example
 * gradients, second-order differentiation) applies to it unchanged.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../random";
import { seededGlorotUniform } from "./tensorUtils";

export interface GanNetworkConfig {
  /** Image height and width; divisible by 4 for the conv architecture. */
  imageSize: number;
  latentDim: number;
  /** 0 for an unconditional GAN, else the number of classes of the one-hot label input. */
  numClasses: number;
  architecture: "conv" | "dense";
  /** Base filter count f of the conv networks (the widest conv layer has 4f in the generator). */
  baseFilters: number;
  /** Hidden widths of the dense networks (generator in this order, discriminator reversed). */
  denseUnits: number[];
  /** Generator output: "tanh" for images in [-1, 1], "sigmoid" for [0, 1]. */
  outputActivation: "tanh" | "sigmoid";
  /** Negative slope of the discriminator's LeakyReLU. */
  leakySlope: number;
}

/**
 * LeakyReLU written as relu(x) - slope * relu(-x). tf.leakyRelu has no second-order gradient
 * in tfjs 4.22 (its gradient uses Greater, which has none), and this form has one.
 */
export class TwiceDifferentiableLeakyReLU extends tf.layers.Layer {
  static readonly className = "TwiceDifferentiableLeakyReLU";
  private readonly slope: number;

  constructor(args: { slope: number; name?: string }) {
    super({ name: args.name });
    if (!(args.slope >= 0 && args.slope < 1)) throw new Error(`LeakyReLU slope must be in [0, 1), got ${args.slope}.`);
    this.slope = args.slope;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.sub(tf.relu(x), tf.mul(this.slope, tf.relu(tf.neg(x))));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), slope: this.slope };
  }
}
tf.serialization.registerClass(TwiceDifferentiableLeakyReLU);

function checkNetworkConfig(config: GanNetworkConfig): void {
  if (config.architecture === "conv" && config.imageSize % 4 !== 0) {
    throw new Error(`GAN: the conv architecture needs imageSize divisible by 4, got ${config.imageSize}.`);
  }
  if (!Number.isInteger(config.numClasses) || config.numClasses < 0) {
    throw new Error(`GAN: numClasses must be a non-negative integer, got ${config.numClasses}.`);
  }
}

function applyLayer(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}

/** Generator: inputs z [B, latentDim] (and one-hot labels [B, numClasses]), output [B, S, S, 1]. */
export function buildGenerator(config: GanNetworkConfig, random: Random): tf.LayersModel {
  checkNetworkConfig(config);
  const size = config.imageSize;
  const z = tf.input({ shape: [config.latentDim], name: "z" });
  const label = config.numClasses > 0 ? tf.input({ shape: [config.numClasses], name: "label" }) : null;
  let hidden = label ? applyLayer(tf.layers.concatenate(), [z, label]) : z; // [B, latentDim + numClasses]

  const denseBlock = (units: number): void => {
    hidden = applyLayer(tf.layers.dense({ units, useBias: false, kernelInitializer: seededGlorotUniform(random) }), hidden);
    hidden = applyLayer(tf.layers.batchNormalization(), hidden);
    hidden = applyLayer(tf.layers.reLU(), hidden);
  };

  let image: tf.SymbolicTensor;
  if (config.architecture === "conv") {
    const start = size / 4;
    const f = config.baseFilters;
    denseBlock(start * start * 4 * f);
    hidden = applyLayer(tf.layers.reshape({ targetShape: [start, start, 4 * f] }), hidden); // [B, S/4, S/4, 4f]
    hidden = applyLayer(
      tf.layers.conv2dTranspose({ filters: 2 * f, kernelSize: 4, strides: 2, padding: "same", useBias: false, kernelInitializer: seededGlorotUniform(random) }),
      hidden,
    ); // [B, S/2, S/2, 2f]
    hidden = applyLayer(tf.layers.batchNormalization(), hidden);
    hidden = applyLayer(tf.layers.reLU(), hidden);
    image = applyLayer(
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: "same", activation: config.outputActivation, kernelInitializer: seededGlorotUniform(random) }),
      hidden,
    ); // [B, S, S, 1]
  } else {
    for (const units of config.denseUnits) denseBlock(units);
    const flat = applyLayer(
      tf.layers.dense({ units: size * size, activation: config.outputActivation, kernelInitializer: seededGlorotUniform(random) }),
      hidden,
    ); // [B, S*S]
    image = applyLayer(tf.layers.reshape({ targetShape: [size, size, 1] }), flat); // [B, S, S, 1]
  }
  return tf.model({ inputs: label ? [z, label] : z, outputs: image, name: "generator" });
}

/**
 * Discriminator (critic for WGAN-GP): inputs images [B, S, S, 1] (and one-hot labels
 * [B, numClasses]), output one unbounded score per image [B, 1] (a logit for the
 * non-saturating loss).
 */
export function buildDiscriminator(config: GanNetworkConfig, random: Random): tf.LayersModel {
  checkNetworkConfig(config);
  const size = config.imageSize;
  const image = tf.input({ shape: [size, size, 1], name: "image" });
  const label = config.numClasses > 0 ? tf.input({ shape: [config.numClasses], name: "label" }) : null;
  const leaky = (input: tf.SymbolicTensor) => applyLayer(new TwiceDifferentiableLeakyReLU({ slope: config.leakySlope }), input);

  let hidden: tf.SymbolicTensor;
  if (config.architecture === "conv") {
    hidden = image;
    if (label) {
      // Learned label map: one-hot [B, K] -> [B, S*S] -> [B, S, S, 1], stacked as a second channel.
      const labelPlane = applyLayer(tf.layers.dense({ units: size * size, kernelInitializer: seededGlorotUniform(random) }), label);
      const labelMap = applyLayer(tf.layers.reshape({ targetShape: [size, size, 1] }), labelPlane);
      hidden = applyLayer(tf.layers.concatenate({ axis: -1 }), [image, labelMap]); // [B, S, S, 2]
    }
    for (const filters of [config.baseFilters, 2 * config.baseFilters]) {
      // [B, s, s, c] -> [B, s/2, s/2, filters]
      hidden = leaky(
        applyLayer(tf.layers.conv2d({ filters, kernelSize: 4, strides: 2, padding: "same", kernelInitializer: seededGlorotUniform(random) }), hidden),
      );
    }
    hidden = applyLayer(tf.layers.flatten(), hidden); // [B, S/4 * S/4 * 2f]
  } else {
    hidden = applyLayer(tf.layers.flatten(), image); // [B, S*S]
    if (label) hidden = applyLayer(tf.layers.concatenate(), [hidden, label]); // [B, S*S + K]
    for (const units of [...config.denseUnits].reverse()) {
      hidden = leaky(applyLayer(tf.layers.dense({ units, kernelInitializer: seededGlorotUniform(random) }), hidden));
    }
  }
  const score = applyLayer(tf.layers.dense({ units: 1, kernelInitializer: seededGlorotUniform(random) }), hidden); // [B, 1]
  return tf.model({ inputs: label ? [image, label] : image, outputs: score, name: "discriminator" });
}

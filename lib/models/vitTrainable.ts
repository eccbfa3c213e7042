/**
 * Trainable Vision Transformer classifier (Dosovitskiy et al. 2021, arXiv 2010.11929) as a
 * tf.LayersModel, with the architecture of the forward-only MAE reader in vit.ts: pre-norm
 * blocks, LayerNorm epsilon 1e-6, exact erf GELU, a class token and learned position
 * embeddings. The head is LayerNorm then a dense layer on the class token.
 *
 *   image [B, H, W, C]
 *   -> conv p x p, stride p, D filters (patch embedding)   [B, H/p, W/p, D]
 *   -> reshape                                              [B, T, D], T = HW / p^2
 *   -> prepend class token, add position embeddings         [B, T + 1, D]
 *   -> depth x { x + attention(norm1(x)); x + fc2(gelu(fc1(norm2(x)))) }
 *   -> norm -> class token -> dense numClasses (logits)     [B, numClasses]
 *
 * {@link CIFAR_VIT} is the small model for 32x32 images: patch 4 (64 patch tokens), width
 * 128, 4 blocks, 4 heads, MLP ratio 4, 0.81M parameters with 10 classes.
 *
 * The encoder weights carry the timm names and TF.js layouts of vit.ts, so
 * {@link loadVitWeights} can start training from an MAE checkpoint (maeVitWeights).
 */
import * as tf from "@tensorflow/tfjs";

import type { WeightMap } from "../checkpoints/tensor";
import { checkTensorSet } from "../checkpoints/validate";
import { Random } from "../random";
import { vitWeightSpecs, type VitConfig } from "./vit";
import { ClassTokenEmbedding, ClassTokenReadout, MultiHeadSelfAttention } from "./vitLayers";

/** Small ViT for 32x32 images with 10 classes. */
export const CIFAR_VIT: VitConfig = { imageSize: 32, patchSize: 4, embedDim: 128, depth: 4, numHeads: 4, mlpRatio: 4 };

export interface TrainableVitOptions {
  numClasses: number;
  /** Channels of the input images. */
  channels: number;
  /** Seed of the initial weights. */
  seed: number;
}

export const TRAINABLE_VIT_OPTIONS: TrainableVitOptions = { numClasses: 10, channels: 3, seed: 0 };

/** LayerNorm epsilon of timm and MAE ViTs (vit.ts uses the same). */
const LN_EPSILON = 1e-6;

type Node = tf.SymbolicTensor;

function apply(layer: tf.layers.Layer, input: Node): Node {
  return layer.apply(input) as Node;
}

function checkConfig(config: VitConfig, options: TrainableVitOptions): void {
  const { imageSize, patchSize, embedDim, numHeads, depth, mlpRatio } = config;
  if (!(Number.isInteger(imageSize / patchSize) && imageSize >= patchSize)) {
    throw new Error(`ViT: imageSize ${imageSize} is not a positive multiple of patchSize ${patchSize}.`);
  }
  if (!(Number.isInteger(embedDim / numHeads) && numHeads >= 1)) {
    throw new Error(`ViT: embedDim ${embedDim} is not divisible by numHeads ${numHeads}.`);
  }
  if (!(Number.isInteger(depth) && depth >= 1 && mlpRatio > 0)) {
    throw new Error(`ViT: depth must be a positive integer and mlpRatio positive, got depth ${depth}, mlpRatio ${mlpRatio}.`);
  }
  if (!(Number.isInteger(options.numClasses) && options.numClasses >= 2)) {
    throw new Error(`ViT: numClasses must be an integer >= 2, got ${options.numClasses}.`);
  }
}

/**
 * Builds a ViT classifier with fresh weights (Glorot-uniform kernels, zero biases, class token
 * and position embeddings from a normal with std 0.02 truncated at 2 std). The model maps
 * images [B, imageSize, imageSize, channels] to logits [B, numClasses] and is not compiled.
 * Layers are named as the timm keys of vit.ts (`blocks.0.attn`, `blocks.0.mlp.fc1`, `norm`, ...).
 * @throws if the config is inconsistent (image size not a multiple of the patch size, width
 * not divisible by the head count, ...).
 */
export function buildTrainableVit(config: VitConfig = CIFAR_VIT, overrides: Partial<TrainableVitOptions> = {}): tf.LayersModel {
  const options = { ...TRAINABLE_VIT_OPTIONS, ...overrides };
  checkConfig(config, options);
  const { imageSize, patchSize, embedDim } = config;
  const random = new Random(options.seed);
  const seed = () => random.int(2 ** 31);
  const glorot = () => tf.initializers.glorotUniform({ seed: seed() });
  const layerNorm = (name: string) => tf.layers.layerNormalization({ axis: -1, epsilon: LN_EPSILON, name });
  const dense = (units: number, name: string, activation?: "gelu") =>
    tf.layers.dense({ units, activation, kernelInitializer: glorot(), name });

  const image = tf.input({ shape: [imageSize, imageSize, options.channels], name: "image" });
  const patches = apply(
    tf.layers.conv2d({ filters: embedDim, kernelSize: patchSize, strides: patchSize, padding: "valid", kernelInitializer: glorot(), name: "patch_embed.proj" }),
    image,
  ); // [B, g, g, D]
  const grid = imageSize / patchSize;
  let x = apply(tf.layers.reshape({ targetShape: [grid * grid, embedDim], name: "patch_embed.flatten" }), patches); // [B, T, D]
  x = apply(new ClassTokenEmbedding({ seed: seed(), name: "embed" }), x); // [B, T + 1, D]

  const hidden = Math.round(embedDim * config.mlpRatio);
  for (let i = 0; i < config.depth; i++) {
    const prefix = `blocks.${i}.`;
    const attention = apply(new MultiHeadSelfAttention({ numHeads: config.numHeads, seed: seed(), name: `${prefix}attn` }), apply(layerNorm(`${prefix}norm1`), x));
    x = apply2(tf.layers.add({ name: `${prefix}attn_residual` }), x, attention);
    let mlp = apply(dense(hidden, `${prefix}mlp.fc1`, "gelu"), apply(layerNorm(`${prefix}norm2`), x)); // [B, T + 1, hidden]
    mlp = apply(dense(embedDim, `${prefix}mlp.fc2`), mlp); // [B, T + 1, D]
    x = apply2(tf.layers.add({ name: `${prefix}mlp_residual` }), x, mlp);
  }

  const classToken = apply(new ClassTokenReadout({ name: "cls_readout" }), apply(layerNorm("norm"), x)); // [B, D]
  const logits = apply(dense(options.numClasses, "head"), classToken);
  return tf.model({ inputs: image, outputs: logits, name: "vit" });
}

/** timm names of the tf.layers LayerNormalization weights. */
const LAYER_NORM_FIELDS: Record<string, string> = { gamma: "weight", beta: "bias" };

/**
 * timm name of a weight of {@link buildTrainableVit}'s model ("blocks.0.norm1/gamma" ->
 * "blocks.0.norm1.weight", "embed/cls_token" -> "cls_token"), as vit.ts's vitWeightSpecs lists
 * them; the classifier is "head.kernel" and "head.bias".
 */
export function vitWeightName(layerWeightName: string): string {
  const [layer, weight] = layerWeightName.split("/");
  if (layer === "embed") return weight;
  return `${layer}.${LAYER_NORM_FIELDS[weight] ?? weight}`;
}

/**
 * Copies encoder weights in vit.ts layout (`weights`, for example maeVitWeights(...).weights)
 * into a model of {@link buildTrainableVit} built with the same `config`. The classifier head
 * and `fc_norm` (which this model does not use) are left out. Returns the names of the model
 * weights that were not in `weights` (the head).
 * @throws naming the first missing, mis-shaped or unexpected encoder tensor.
 */
export function loadVitWeights(model: tf.LayersModel, config: VitConfig, weights: WeightMap): string[] {
  const encoderSpecs = vitWeightSpecs(config).filter((spec) => !spec.name.startsWith("fc_norm."));
  const encoder = new Map([...weights].filter(([name]) => !/^(fc_norm|head)\./.test(name)));
  checkTensorSet("ViT weights", encoderSpecs, encoder);
  const untouched: string[] = [];
  for (const variable of model.weights) {
    const name = vitWeightName(variable.originalName);
    const value = encoder.get(name);
    if (value === undefined) {
      untouched.push(name);
      continue;
    }
    const tensor = tf.tensor(value.data, value.shape, "float32");
    variable.write(tensor); // copies the values
    tensor.dispose();
  }
  return untouched;
}

function apply2(layer: tf.layers.Layer, a: Node, b: Node): Node {
  return layer.apply([a, b]) as Node;
}

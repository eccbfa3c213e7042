/**
 * ResNet-50 feature extractor as the SimCLR checkpoints define it (google-research/simclr,
 * resnet.py, TF1). It has post-activation bottlenecks with the stride on the 3x3 conv and
 * TensorFlow "fixed padding" (explicit pad, then VALID) for strided convs. A 3x3/2 SAME max pool,
 * batch norm with epsilon 1e-5 and a global average pool give 2048 x width-multiplier features.
 * Inputs are RGB in [0, 1] with no mean/std normalization. Forward inference only.
 *
 * Variable names follow TF1 creation order: `conv2d{,_N}/kernel` (HWIO) and
 * `batch_normalization{,_N}/{gamma,beta,moving_mean,moving_variance}`, where the projection
 * shortcut's conv and BN come before the block's own three.
 */
import * as tf from "@tensorflow/tfjs";
import { CheckpointTensor, TensorMap, WeightMap, toFloat32 } from "../checkpoints/tensor";
import { TensorSpec, checkTensorSet } from "../checkpoints/validate";

export interface ResNetConfig {
  /** Channels of the stem; 64 for ResNet-50 (1x), 64 * k for the k-times-wider variants. */
  baseWidth: number;
  /** Bottleneck blocks per stage; [3, 4, 6, 3] for ResNet-50. */
  layers: [number, number, number, number];
}

/** ResNet-50 (1x): 53 convolutions, 53 batch norms, 2048 features. */
export const RESNET50_1X: ResNetConfig = { baseWidth: 64, layers: [3, 4, 6, 3] };

const BN_EPSILON = 1e-5;
const BN_FIELDS = ["gamma", "beta", "moving_mean", "moving_variance"] as const;

interface ConvSpec {
  kernel: number;
  inChannels: number;
  outChannels: number;
  stride: number;
}

interface BlockPlan {
  projection?: number;
  convs: [number, number, number];
  stride: number;
}

/** Layer plan: the conv specs in creation order and, per block, indices into that list. */
function plan(config: ResNetConfig): { convs: ConvSpec[]; blocks: BlockPlan[] } {
  const convs: ConvSpec[] = [{ kernel: 7, inChannels: 3, outChannels: config.baseWidth, stride: 2 }];
  const blocks: BlockPlan[] = [];
  let channels = config.baseWidth;
  config.layers.forEach((count, stage) => {
    const filters = config.baseWidth * 2 ** stage;
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const block: BlockPlan = { convs: [0, 0, 0], stride };
      if (b === 0) {
        block.projection = convs.length;
        convs.push({ kernel: 1, inChannels: channels, outChannels: 4 * filters, stride });
      }
      block.convs = [convs.length, convs.length + 1, convs.length + 2];
      convs.push({ kernel: 1, inChannels: channels, outChannels: filters, stride: 1 });
      convs.push({ kernel: 3, inChannels: filters, outChannels: filters, stride });
      convs.push({ kernel: 1, inChannels: filters, outChannels: 4 * filters, stride: 1 });
      blocks.push(block);
      channels = 4 * filters;
    }
  });
  return { convs, blocks };
}

function suffix(index: number): string {
  return index === 0 ? "" : `_${index}`;
}

/** Expected variable names (without the `base_model/` prefix) and shapes, in creation order. */
export function simclrResNetSpecs(config: ResNetConfig = RESNET50_1X): TensorSpec[] {
  const specs: TensorSpec[] = [];
  plan(config).convs.forEach((conv, i) => {
    specs.push({ name: `conv2d${suffix(i)}/kernel`, shape: [conv.kernel, conv.kernel, conv.inChannels, conv.outChannels] });
    for (const field of BN_FIELDS) {
      specs.push({ name: `batch_normalization${suffix(i)}/${field}`, shape: [conv.outChannels] });
    }
  });
  return specs;
}

/** Feature dimension: 4 x 8 x base width (2048 for ResNet-50 1x). */
export function resNetFeatureSize(config: ResNetConfig): number {
  return 32 * config.baseWidth;
}

/**
 * Selects the ResNet variables under `prefix` ("base_model/", or "ema_model/" for the v2 EMA
 * copy) from a SimCLR checkpoint, skipping optimizer slots (`/Momentum`), heads and other
 * prefixes. Returns them without the prefix, as float32. Throws naming the first missing,
 * mis-shaped or unexpected variable.
 */
export function simclrResNetWeights(
  tensors: ReadonlyMap<string, CheckpointTensor> | TensorMap,
  config: ResNetConfig = RESNET50_1X,
  prefix = "base_model/",
  source = "SimCLR checkpoint",
): WeightMap {
  const selected = new Map<string, CheckpointTensor>();
  for (const [name, tensor] of tensors) {
    if (name.startsWith(prefix) && !name.endsWith("/Momentum")) selected.set(name.slice(prefix.length), tensor);
  }
  if (selected.size === 0) {
    const prefixes = [...new Set([...tensors.keys()].map((name) => name.split("/")[0]))].slice(0, 8);
    throw new Error(
      `${source}: no variables under "${prefix}" (found ${prefixes.join(", ") || "none"}); ` +
        "this is not a SimCLR ResNet checkpoint.",
    );
  }
  checkTensorSet(`${source} (${prefix})`, simclrResNetSpecs(config), selected);
  const weights: WeightMap = new Map();
  for (const [name, tensor] of selected) weights.set(name, { shape: tensor.shape, data: toFloat32(name, tensor) });
  return weights;
}

/** A SimCLR ResNet with its weights on the active TF.js backend. */
export class SimclrResNet {
  private readonly convs: ConvSpec[];
  private readonly blocks: BlockPlan[];
  private readonly kernels: tf.Tensor4D[] = [];
  private readonly norms: { gamma: tf.Tensor1D; beta: tf.Tensor1D; mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];

  /**
   * Builds the network from weights named as {@link simclrResNetSpecs} lists them (for example
   * the output of {@link simclrResNetWeights}). Throws naming the first missing, mis-shaped or
   * unexpected tensor.
   */
  constructor(
    readonly config: ResNetConfig,
    weights: WeightMap,
  ) {
    checkTensorSet("ResNet weights", simclrResNetSpecs(config), weights);
    ({ convs: this.convs, blocks: this.blocks } = plan(config));
    const get = (name: string): tf.Tensor => {
      const w = weights.get(name) as { shape: number[]; data: Float32Array };
      return tf.tensor(w.data, w.shape, "float32");
    };
    this.convs.forEach((_, i) => {
      this.kernels.push(get(`conv2d${suffix(i)}/kernel`) as tf.Tensor4D);
      const bn = `batch_normalization${suffix(i)}/`;
      this.norms.push({
        gamma: get(`${bn}gamma`) as tf.Tensor1D,
        beta: get(`${bn}beta`) as tf.Tensor1D,
        mean: get(`${bn}moving_mean`) as tf.Tensor1D,
        variance: get(`${bn}moving_variance`) as tf.Tensor1D,
      });
    });
  }

  /** Feature dimension of {@link features}. */
  get featureSize(): number {
    return resNetFeatureSize(this.config);
  }

  /**
   * Returns the globally pooled features [N, 32 * baseWidth] of RGB images [N, H, W, 3] with
   * values in [0, 1]. Batch norm uses the stored moving statistics.
   */
  features(images: tf.Tensor4D): tf.Tensor2D {
    if (images.rank !== 4 || images.shape[3] !== 3) {
      throw new Error(`SimclrResNet.features expects images [N, H, W, 3], got [${images.shape.join(", ")}].`);
    }
    return tf.tidy(() => {
      let x = this.convBn(images, 0, true);
      x = tf.maxPool(x, 3, 2, "same");
      for (const block of this.blocks) {
        const shortcut = block.projection === undefined ? x : this.convBn(x, block.projection, false);
        let y = this.convBn(x, block.convs[0], true);
        y = this.convBn(y, block.convs[1], true);
        y = this.convBn(y, block.convs[2], false);
        x = tf.relu(tf.add(y, shortcut)) as tf.Tensor4D;
      }
      return tf.mean(x, [1, 2]) as tf.Tensor2D;
    });
  }

  /** Releases the weight tensors. */
  dispose(): void {
    tf.dispose(this.kernels);
    for (const norm of this.norms) tf.dispose([norm.gamma, norm.beta, norm.mean, norm.variance]);
  }

  /** conv2d_fixed_padding, then inference batch norm, then an optional ReLU. */
  private convBn(x: tf.Tensor4D, index: number, relu: boolean): tf.Tensor4D {
    const { kernel, stride } = this.convs[index];
    let y: tf.Tensor4D;
    if (stride > 1) {
      // Pad (k - 1) // 2 before and the rest after, independent of the input size.
      const begin = Math.floor((kernel - 1) / 2);
      const end = kernel - 1 - begin;
      const padded = tf.pad(x, [[0, 0], [begin, end], [begin, end], [0, 0]]);
      y = tf.conv2d(padded, this.kernels[index], stride, "valid");
    } else {
      y = tf.conv2d(x, this.kernels[index], 1, "same");
    }
    const norm = this.norms[index];
    y = tf.batchNorm(y, norm.mean, norm.variance, norm.beta, norm.gamma, BN_EPSILON);
    return relu ? tf.relu(y) : y;
  }
}

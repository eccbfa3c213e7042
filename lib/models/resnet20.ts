/**
 * ResNet-20 for 32x32 images, the CIFAR network of He et al. 2016 ("Deep Residual Learning for
 * Image Recognition", arXiv 1512.03385, Sec. 4.2), as a trainable tf.LayersModel.
 *
 *   image [B, 32, 32, 3]
 *   -> conv 3x3, 16 -> BN -> ReLU                          [B, 32, 32, 16]
 *   -> stage 1: n basic blocks, 16 filters                 [B, 32, 32, 16]
 *   -> stage 2: n basic blocks, 32 filters, first stride 2 [B, 16, 16, 32]
 *   -> stage 3: n basic blocks, 64 filters, first stride 2 [B, 8, 8, 64]
 *   -> global average pool -> dense numClasses (logits)    [B, numClasses]
 *
 * A basic block is conv 3x3 -> BN -> ReLU -> conv 3x3 -> BN, plus the shortcut, then ReLU.
 * n = 3 gives ResNet-20 (6n + 2 layers with weights). Where a block changes the shape, the
 * shortcut is option B of the paper: a 1x1 conv with stride 2 and BN. The paper's CIFAR
 * networks use option A (subsampling and zero-padded channels, no parameters), which
 * differs by the 2,752 parameters of the two projections: 272,474 trainable parameters here
 * against about 0.27M in the paper, for 10 classes.
 *
 * Convolutions have no bias (BN follows each one) and He-normal initial weights. Batch norm
 * uses epsilon 1e-5 and moving-average momentum 0.9, the PyTorch defaults (PyTorch writes the
 * momentum as 0.1). Strided 3x3 convs use TensorFlow "same" padding (0 before, 1 after on even
 * sizes), where PyTorch CIFAR ResNets pad 1 on both sides: same shapes, shifted sampling grid.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../random";

export interface ResNet20Options {
  /** Image shape [height, width, channels]; [32, 32, 3] for CIFAR. Height and width >= 8. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Basic blocks per stage: 3 for ResNet-20, 5, 7 and 9 for ResNet-32, -44 and -56. */
  blocksPerStage: number;
  /** Seed of the initial weights. */
  seed: number;
}

export const RESNET20_OPTIONS: ResNet20Options = { inputShape: [32, 32, 3], numClasses: 10, blocksPerStage: 3, seed: 0 };

/** Filters of the three stages. */
export const RESNET20_STAGE_FILTERS = [16, 32, 64] as const;

const BN_EPSILON = 1e-5;
const BN_MOMENTUM = 0.9;

type Node = tf.SymbolicTensor;

function apply(layer: tf.layers.Layer, input: Node | Node[]): Node {
  return layer.apply(input) as Node;
}

/** Builds the layers of a network from one seed, naming them in data-flow order. */
class Builder {
  private readonly random: Random;

  constructor(seed: number) {
    this.random = new Random(seed);
  }

  /** conv (no bias, "same" padding) -> BN, then ReLU when `relu`. */
  convBn(x: Node, filters: number, kernelSize: number, strides: number, name: string, relu: boolean): Node {
    const conv = tf.layers.conv2d({
      filters,
      kernelSize,
      strides,
      padding: "same",
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: this.random.int(2 ** 31) }),
      name: `${name}_conv`,
    });
    let y = apply(conv, x);
    y = apply(tf.layers.batchNormalization({ epsilon: BN_EPSILON, momentum: BN_MOMENTUM, name: `${name}_bn` }), y);
    return relu ? apply(tf.layers.reLU({ name: `${name}_relu` }), y) : y;
  }

  /** Basic block; `strides` 2 halves height and width and goes with a projection shortcut. */
  basicBlock(x: Node, filters: number, strides: number, name: string): Node {
    const inChannels = x.shape[3] as number;
    let y = this.convBn(x, filters, 3, strides, `${name}_1`, true);
    y = this.convBn(y, filters, 3, 1, `${name}_2`, false);
    const projected = strides !== 1 || inChannels !== filters;
    const shortcut = projected ? this.convBn(x, filters, 1, strides, `${name}_shortcut`, false) : x;
    const sum = apply(tf.layers.add({ name: `${name}_add` }), [y, shortcut]);
    return apply(tf.layers.reLU({ name: `${name}_out` }), sum);
  }

  dense(x: Node, units: number, name: string): Node {
    const initializer = tf.initializers.glorotUniform({ seed: this.random.int(2 ** 31) });
    return apply(tf.layers.dense({ units, kernelInitializer: initializer, name }), x);
  }
}

/**
 * Builds ResNet-20 (or ResNet-(6n+2) with `blocksPerStage` n) with fresh weights. The model
 * maps images [B, H, W, C] to class logits [B, numClasses] and is not compiled. Train it with
 * `model.apply(images, { training: true })` inside an optimizer step, or with compile() and
 * fit(). In training mode batch norm uses batch statistics and updates its moving averages.
 * @throws if an option is out of range.
 */
export function buildResNet20(overrides: Partial<ResNet20Options> = {}): tf.LayersModel {
  const options = { ...RESNET20_OPTIONS, ...overrides };
  const [height, width, channels] = options.inputShape;
  if (!(height >= 8 && width >= 8 && channels >= 1)) {
    throw new Error(`ResNet-20: inputShape must be [H >= 8, W >= 8, C >= 1], got [${options.inputShape.join(", ")}].`);
  }
  if (!(Number.isInteger(options.blocksPerStage) && options.blocksPerStage >= 1)) {
    throw new Error(`ResNet-20: blocksPerStage must be a positive integer, got ${options.blocksPerStage}.`);
  }
  if (!(Number.isInteger(options.numClasses) && options.numClasses >= 2)) {
    throw new Error(`ResNet-20: numClasses must be an integer >= 2, got ${options.numClasses}.`);
  }

  const builder = new Builder(options.seed);
  const image = tf.input({ shape: options.inputShape, name: "image" });
  let x = builder.convBn(image, RESNET20_STAGE_FILTERS[0], 3, 1, "stem", true); // [B, H, W, 16]
  RESNET20_STAGE_FILTERS.forEach((filters, stage) => {
    for (let block = 0; block < options.blocksPerStage; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      x = builder.basicBlock(x, filters, strides, `stage${stage + 1}_block${block + 1}`);
    }
  }); // [B, H/4, W/4, 64]
  x = apply(tf.layers.globalAveragePooling2d({ name: "pool" }), x); // [B, 64]
  const logits = builder.dense(x, options.numClasses, "logits");
  const depth = 6 * options.blocksPerStage + 2;
  return tf.model({ inputs: image, outputs: logits, name: `resnet${depth}` });
}

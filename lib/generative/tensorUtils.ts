/**
 * Small tensor helpers shared by the generative models: image batches from uint8 pixels,
 * seeded noise, trainable-variable lists and a loss-minimising step that returns plain numbers.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../random";

/** Pixel scaling: "unit" maps 0..255 to [0, 1] (sigmoid outputs), "symmetric" to [-1, 1] (tanh outputs). */
export type PixelRange = "unit" | "symmetric";

/**
 * Gathers images `indices` from row-major uint8 pixels (count x height x width) into a
 * float tensor [B, height, width, 1] scaled to `range`. Throws on an index out of range.
 */
export function imageBatch(
  pixels: Uint8Array,
  indices: ArrayLike<number>,
  range: PixelRange,
  height = 28,
  width = 28,
): tf.Tensor4D {
  const size = height * width;
  const count = pixels.length / size;
  if (!Number.isInteger(count)) throw new Error(`imageBatch: ${pixels.length} pixels do not form ${height}x${width} images.`);
  const batch = new Float32Array(indices.length * size);
  const scale = range === "unit" ? 1 / 255 : 2 / 255;
  const offset = range === "unit" ? 0 : -1;
  for (let row = 0; row < indices.length; row++) {
    const image = indices[row];
    if (!(Number.isInteger(image) && image >= 0 && image < count)) {
      throw new Error(`imageBatch: index ${image} is outside 0..${count - 1}.`);
    }
    for (let p = 0; p < size; p++) batch[row * size + p] = pixels[image * size + p] * scale + offset;
  }
  return tf.tensor4d(batch, [indices.length, height, width, 1]);
}

/** Standard normal tensor whose tfjs seed is drawn from `random`, so runs repeat exactly. */
export function seededNormal(shape: number[], random: Random): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, "float32", random.int(2 ** 31));
}

/** Weight initialiser type of tf.layers. */
export type LayerInitializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** Glorot-uniform initialiser whose seed is drawn from `random`. */
export function seededGlorotUniform(random: Random): LayerInitializer {
  return tf.initializers.glorotUniform({ seed: random.int(2 ** 31) });
}

/** Collects the tf.Variables behind the trainable weights of layers models. */
export function trainableVariables(...models: tf.LayersModel[]): tf.Variable[] {
  return models.flatMap((model) => model.trainableWeights.map((weight) => weight.read() as tf.Variable));
}

/**
 * Runs one optimizer step on `loss` over `variables` and returns the loss value. Tensors
 * created by `loss` are disposed, so repeated calls keep tf.memory().numTensors constant
 * once the optimizer has created its slot variables. Throws when the loss is not finite.
 */
export function minimizeLoss(optimizer: tf.Optimizer, loss: () => tf.Scalar, variables: tf.Variable[]): number {
  const cost = optimizer.minimize(loss, true, variables);
  if (cost === null) throw new Error("minimizeLoss: the optimizer returned no cost.");
  const value = cost.dataSync()[0];
  cost.dispose();
  if (!Number.isFinite(value)) throw new Error(`minimizeLoss: loss is ${value}; lower the learning rate or check the inputs.`);
  return value;
}

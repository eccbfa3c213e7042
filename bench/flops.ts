/**
 * Analytic FLOP counts of the benchmark workloads, from the layer shapes.
 *
 * Convention: only the products of dense, convolution, transposed-convolution and attention
 * layers count (2 FLOPs per multiply-add). Biases, activations, normalization, softmax, losses
 * and the optimizer update are left out. A training step of a network costs 3x its forward
 * pass: the forward pass, the gradient with respect to the layer inputs, and the gradient with
 * respect to the weights. A network that is only differentiated through (the discriminator in
 * a generator update) costs 2x, and a forward pass alone 1x. For a convnet this undercounts by a few
 * percent. The effective GFLOP/s of the tables are comparable between runtimes, not with peak
 * figures of other conventions.
 */
import * as tf from "@tensorflow/tfjs";

import { MultiHeadSelfAttention } from "../lib/models/vitLayers";

/** FLOPs of a forward pass with `multiplyAdds` multiply-adds. */
export const FLOPS_PER_MULTIPLY_ADD = 2;

/** Passes over a network per training step: forward, input gradient, weight gradient. */
export const TRAINING_PASSES = 3;

function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((product, dim) => {
    if (dim === null) throw new Error(`FLOP count: shape [${shape.join(", ")}] has an unknown dimension.`);
    return product * dim;
  }, 1);
}

function kernelShape(layer: tf.layers.Layer): number[] {
  const kernel = layer.weights.find((weight) => /kernel$/.test(weight.originalName));
  if (kernel === undefined) throw new Error(`FLOP count: layer ${layer.name} (${layer.getClassName()}) has no kernel.`);
  return kernel.shape as number[];
}

/** Shape of the layer's (single) input or output symbolic tensor; the layer must be used once. */
function symbolicShape(tensor: tf.SymbolicTensor | tf.SymbolicTensor[], layer: tf.layers.Layer): tf.Shape {
  if (Array.isArray(tensor)) throw new Error(`FLOP count: layer ${layer.name} has several inputs or outputs.`);
  return tensor.shape;
}

/**
 * Multiply-adds of one example's forward pass through the layer, or 0 for layers that the
 * convention leaves out. Throws for a layer with products that it does not know.
 */
export function layerMultiplyAdds(layer: tf.layers.Layer): number {
  const className = layer.getClassName();
  const counted = ["Dense", "Conv2D", "Conv2DTranspose", MultiHeadSelfAttention.className];
  if (!counted.includes(className)) {
    if (/Conv|Attention/.test(className)) throw new Error(`FLOP count: layer class ${className} (${layer.name}) is not counted yet.`);
    return 0;
  }
  const input = symbolicShape(layer.input, layer).slice(1);
  const output = symbolicShape(layer.output, layer).slice(1);
  switch (className) {
    case "Dense":
      // Every position of a [B, ..., in] input goes through the same [in, out] kernel.
      return sizeOf(kernelShape(layer)) * sizeOf(input.slice(0, -1));
    case "Conv2D":
      // Each output pixel is a dot product over the whole [kh, kw, cin, cout] kernel.
      return sizeOf(kernelShape(layer)) * sizeOf(output.slice(0, -1));
    case "Conv2DTranspose":
      // Each input pixel is scattered through the whole kernel.
      return sizeOf(kernelShape(layer)) * sizeOf(input.slice(0, -1));
    case MultiHeadSelfAttention.className: {
      const [tokens, width] = input as number[];
      const projections = layer.weights.filter((weight) => /kernel$/.test(weight.originalName));
      const projectionMultiplyAdds = projections.reduce((sum, weight) => sum + tokens * sizeOf(weight.shape), 0);
      // q k^T and softmax(.) v: two [T, T] x head-width products per head, T^2 * width in all.
      return projectionMultiplyAdds + 2 * tokens * tokens * width;
    }
    default:
      return 0;
  }
}

/** Multiply-adds of one example's forward pass through a tf.LayersModel. */
export function modelMultiplyAdds(model: tf.LayersModel): number {
  return model.layers.reduce((sum, layer) => sum + layerMultiplyAdds(layer), 0);
}

/** Training FLOPs per example of a network with `multiplyAdds` forward multiply-adds. */
export function trainingFlops(multiplyAdds: number): number {
  return TRAINING_PASSES * FLOPS_PER_MULTIPLY_ADD * multiplyAdds;
}

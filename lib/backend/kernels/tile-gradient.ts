/**
 * Gradient of Tile as a few reshapes and sums, for every backend.
 *
 * tfjs-core 4.22.0 adds one slice of dy per repetition. tf.layers.layerNormalization tiles its
 * [1, 1, D] scale and offset to [B, T, D] on every call, so at B = 64, T = 65 its backward pass
 * ran 4,160 Slice and 4,160 Add kernels per tile. A batch-64 training step of the 4-block CIFAR
 * ViT (lib/models/vitTrainable.ts) took 40-110 s on wasm with 2 threads (shared 2-core machine),
 * and 2-3 s with this gradient. tfjs-core also has no Tile gradient for rank 5 and up.
 * Here dy is read as [r0, s0, r1, s1, ...] (axis i of the output is r_i repetitions of s_i
 * entries) and summed over every r_i.
 */
import * as tf from "@tensorflow/tfjs";

import { sizeOf } from "./wasm-kernel-utils";

/** An axis of dy after splitting: a repetition count to sum over, or entries of x to keep. */
interface SplitAxis {
  size: number;
  repeated: boolean;
}

/**
 * Splits each output axis into (repetitions, entries), drops size-1 parts and merges
 * neighbours of the same kind, so that the sums below run on as few axes as possible.
 */
function splitAxes(xShape: readonly number[], reps: readonly number[]): SplitAxis[] {
  const axes: SplitAxis[] = [];
  const push = (size: number, repeated: boolean) => {
    if (size === 1) return;
    const last = axes[axes.length - 1];
    if (last !== undefined && last.repeated === repeated) last.size *= size;
    else axes.push({ size, repeated });
  };
  xShape.forEach((size, axis) => {
    push(reps[axis], true);
    push(size, false);
  });
  return axes;
}

/**
 * Returns dx for dy = d(tile(x, reps)): the sum of dy over the repetitions, shaped like x.
 * Built from reshape and sum only, so it is differentiable again.
 */
export function tileGradient(dy: tf.Tensor, xShape: readonly number[], reps: readonly number[]): tf.Tensor {
  if (reps.length !== xShape.length) {
    throw new Error(`Tile gradient: reps [${reps}] and x shape [${xShape}] differ in rank.`);
  }
  return tf.tidy(() => {
    const axes = splitAxes(xShape, reps);
    let sizes = axes.map((axis) => axis.size);
    let grad = dy;
    // Sum the repeated axes from last to first, each as the middle axis of a rank-3 view
    // (rank-3 reductions avoid the slow rank-5+ transposes of the wasm backend).
    for (let i = axes.length - 1; i >= 0; i--) {
      if (!axes[i].repeated) continue;
      const outer = sizeOf(sizes.slice(0, i));
      const inner = sizeOf(sizes.slice(i + 1));
      grad = tf.sum(tf.reshape(grad, [outer, sizes[i], inner]), 1); // [outer, inner]
      sizes = [...sizes.slice(0, i), ...sizes.slice(i + 1)];
    }
    return tf.reshape(grad, [...xShape]);
  });
}

/** Gradient config replacing tfjs-core's for Tile. */
export const TILE_GRADIENT: tf.GradConfig = {
  kernelName: tf.Tile,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { reps } = attrs as unknown as { reps: number[] };
    return { x: () => tileGradient(dy as tf.Tensor, x.shape, reps) };
  },
};

let registered = false;

/** Registers {@link TILE_GRADIENT} in the global gradient registry (all backends), once. */
export function registerTileGradient(): void {
  if (registered) return;
  tf.registerGradient(TILE_GRADIENT);
  registered = true;
}

/**
 * Datasets kept in JavaScript typed arrays and moved to the TF.js backend one batch at a time,
 * because the wasm backend's heap is capped at 4 GiB.
 */
import * as tf from "@tensorflow/tfjs";

/** `count` rows of `dim` values, row-major. Batches are `values * scale` as float32. */
export interface DenseDataset {
  values: Uint8Array | Float32Array;
  count: number;
  dim: number;
  /** Factor applied when building batches, for example 1/255 for bytes. Default 1. */
  scale?: number;
}

/** Wraps 8-bit images (N x H x W, row-major) as a dataset of pixel intensities in [0, 1]. */
export function imageDataset(images: Uint8Array, count: number): DenseDataset {
  if (count < 1 || images.length % count !== 0) {
    throw new Error(`Image buffer of ${images.length} bytes does not hold ${count} images of equal size.`);
  }
  return { values: images, count, dim: images.length / count, scale: 1 / 255 };
}

/** Checks that `values.length === count * dim`; throws naming `label` otherwise. */
export function checkDataset(dataset: DenseDataset, label: string): void {
  if (dataset.values.length !== dataset.count * dataset.dim) {
    throw new Error(
      `${label} has ${dataset.values.length} values, expected count x dim = ${dataset.count} x ${dataset.dim}.`,
    );
  }
}

/** Copies the rows `rows[start..end)` into a new [end - start, dim] float32 tensor. */
export function batchTensor(dataset: DenseDataset, rows: ArrayLike<number>, start: number, end: number): tf.Tensor2D {
  const { values, dim } = dataset;
  const scale = dataset.scale ?? 1;
  const batch = new Float32Array((end - start) * dim);
  for (let i = start; i < end; i++) {
    const source = rows[i] * dim;
    const target = (i - start) * dim;
    for (let j = 0; j < dim; j++) batch[target + j] = values[source + j] * scale;
  }
  return tf.tensor2d(batch, [end - start, dim]);
}

/** Rows 0..count-1 in order. */
export function identityRows(count: number): Int32Array {
  const rows = new Int32Array(count);
  for (let i = 0; i < count; i++) rows[i] = i;
  return rows;
}

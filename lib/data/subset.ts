/**
 * The first rows of an image dataset, as views (no copy): the smoke profile trains and tests
 * on such prefixes.
 */
import type { ImageDataset } from "./types";

/** Pixels and labels of the first `count` images (all of them when the dataset is smaller). */
export interface DatasetPrefix {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Returns views on the first min(count, dataset.count) images and labels of `dataset`. */
export function firstRows(dataset: ImageDataset, count: number): DatasetPrefix {
  if (!(Number.isInteger(count) && count >= 0)) throw new Error(`firstRows: count must be a non-negative integer, got ${count}.`);
  const rows = Math.min(count, dataset.count);
  const pixels = dataset.height * dataset.width * dataset.channels;
  return { images: dataset.images.subarray(0, rows * pixels), labels: dataset.labels.subarray(0, rows), count: rows };
}

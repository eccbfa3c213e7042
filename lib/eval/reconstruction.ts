/** Batched inference of an autoencoder over a dataset kept in JavaScript. */
import * as tf from "@tensorflow/tfjs";
import { Autoencoder } from "../models/autoencoder";
import { batchTensor, DenseDataset, identityRows } from "../train/dataset";

const DEFAULT_BATCH = 1000;

/**
 * Average squared reconstruction error per image: the squared differences summed over all
 * `dim` values of an image, averaged over the first `count` images (default all). This is the
 * measure of Hinton & Salakhutdinov's Fig. 2B (3.00 for their MNIST autoencoder).
 */
export function reconstructionError(
  model: Autoencoder,
  dataset: DenseDataset,
  count: number = dataset.count,
  batchSize: number = DEFAULT_BATCH,
): number {
  const rows = identityRows(Math.min(count, dataset.count));
  let sum = 0;
  for (let start = 0; start < rows.length; start += batchSize) {
    const end = Math.min(rows.length, start + batchSize);
    const batchSum = tf.tidy(() => {
      const x = batchTensor(dataset, rows, start, end); // [batch, dim]
      return tf.sum(tf.squaredDifference(model.reconstruct(x), x));
    });
    sum += batchSum.dataSync()[0];
    batchSum.dispose();
  }
  return sum / rows.length;
}

/** Codes of every row of `dataset`, row-major [count, codeSize]. */
export function encodeDataset(model: Autoencoder, dataset: DenseDataset, batchSize: number = DEFAULT_BATCH): Float32Array {
  const codeSize = model.config.layerSizes[model.config.layerSizes.length - 1];
  const codes = new Float32Array(dataset.count * codeSize);
  const rows = identityRows(dataset.count);
  for (let start = 0; start < dataset.count; start += batchSize) {
    const end = Math.min(dataset.count, start + batchSize);
    const code = tf.tidy(() => model.encode(batchTensor(dataset, rows, start, end)));
    codes.set(code.dataSync(), start * codeSize);
    code.dispose();
  }
  return codes;
}

/**
 * Problem 1(b): the MNIST data, the PCA baselines and the cached training of the autoencoders
 * of Hinton & Salakhutdinov (2006), Fig. 2B (code size 30) and Fig. 3 (code size 2).
 */
import { createProgress } from "../display/progress";
import { loadMnist, MNIST } from "../data/index";
import { firstRows } from "../data/subset";
import { encodeDataset } from "../eval/reconstruction";
import { fitPca, pcaEncode, PcaModel } from "../eval/pca";
import type { Autoencoder } from "../models/autoencoder";
import { byProfile } from "../profile";
import { CachedTrainingResult } from "../train/cache";
import { DenseDataset, imageDataset } from "../train/dataset";
import { trainAutoencoderCached } from "../train/autoencoder";
import { mnistAutoencoderConfig, mnistAutoencoderRecipe, RecipeName } from "../train/recipes";
import * as tf from "@tensorflow/tfjs";

/** Published values of Fig. 2B: average squared error per test image. */
export const PAPER_ERRORS = { autoencoder: 3.0, logisticPca: 8.01, pca: 13.87 } as const;

export interface MnistSplits {
  train: DenseDataset;
  test: DenseDataset;
  trainLabels: Uint8Array;
  testLabels: Uint8Array;
  /** Identifies the data for the weight cache: the SHA-256 of the training images. */
  datasetId: string;
  /** True when the smoke profile cut the splits down. */
  subset: boolean;
}

/**
 * Loads MNIST (verified against the official checksums) as datasets of intensities in [0, 1].
 * The smoke profile keeps the first 2,000 training and 1,000 test images; the others keep all.
 */
export async function loadMnistSplits(): Promise<MnistSplits> {
  const [trainSet, testSet] = await Promise.all([loadMnist("train"), loadMnist("test")]);
  const trainCount = byProfile({ smoke: 2000, cpu: trainSet.count, full: trainSet.count });
  const testCount = byProfile({ smoke: 1000, cpu: testSet.count, full: testSet.count });
  const train = firstRows(trainSet, trainCount);
  const test = firstRows(testSet, testCount);
  // The decompressed training images' SHA-256, which every loaded copy was verified against.
  const trainImagesHash = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db";
  return {
    train: imageDataset(train.images, train.count),
    test: imageDataset(test.images, test.count),
    trainLabels: train.labels,
    testLabels: test.labels,
    datasetId: `${MNIST.id}-${trainImagesHash.slice(0, 16)}-${train.count}`,
    subset: train.count < trainSet.count,
  };
}

/** Fits a mean-centred PCA with `components` directions on the training images. */
export function fitMnistPca(splits: MnistSplits, components: number): PcaModel {
  return fitPca(splits.train, components, { center: true });
}

/** Computes the PCA reconstructions mean + V^T V (x - mean) of the given dataset rows, [rows, dim] row-major. */
export function pcaReconstruct(pca: PcaModel, dataset: DenseDataset, rows: number[]): Float32Array {
  const subset = datasetRows(dataset, rows);
  const codes = pcaEncode(pca, { values: subset, count: rows.length, dim: dataset.dim });
  const output = new Float32Array(subset.length);
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < pca.dim; j++) {
      let value = pca.mean[j];
      for (let c = 0; c < pca.components; c++) value += codes[i * pca.components + c] * pca.basis[c * pca.dim + j];
      output[i * pca.dim + j] = value;
    }
  }
  return output;
}

/** Computes the autoencoder reconstructions of the given dataset rows, [rows, dim] row-major. */
export function autoencoderReconstruct(model: Autoencoder, dataset: DenseDataset, rows: number[]): Float32Array {
  const subset = datasetRows(dataset, rows);
  return tf.tidy(() => model.reconstruct(tf.tensor2d(subset, [rows.length, dataset.dim])).dataSync() as Float32Array);
}

/** Copies the pixel intensities in [0, 1] of the given dataset rows, [rows, dim] row-major. */
export function datasetRows(dataset: DenseDataset, rows: number[]): Float32Array {
  const scale = dataset.scale ?? 1;
  const output = new Float32Array(rows.length * dataset.dim);
  rows.forEach((row, i) => {
    for (let j = 0; j < dataset.dim; j++) output[i * dataset.dim + j] = dataset.values[row * dataset.dim + j] * scale;
  });
  return output;
}

/** Concatenates row-major image blocks, for example the rows of an image grid. */
export function concatImages(blocks: Float32Array[]): Float32Array {
  const output = new Float32Array(blocks.reduce((total, block) => total + block.length, 0));
  let offset = 0;
  for (const block of blocks) {
    output.set(block, offset);
    offset += block.length;
  }
  return output;
}

/** Lists the row indices of the first `perClass` examples of each label 0..classes-1, grouped by class. */
export function firstPerClass(labels: Uint8Array, perClass: number, classes = 10): number[] {
  const countPerClass = new Array<number>(classes).fill(0);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (countPerClass[label] < perClass) {
      byClass[label].push(i);
      countPerClass[label]++;
    }
  }
  return byClass.flat();
}

/**
 * Trains (or loads from the weight cache) the 784-1000-500-250-`codeSize` autoencoder with a
 * recipe of lib/train/recipes.ts, showing live progress. Prints whether the weights were
 * trained now or loaded, and where they are.
 */
export async function trainMnistAutoencoder(
  splits: MnistSplits,
  recipeName: RecipeName,
  codeSize: number,
): Promise<CachedTrainingResult<Autoencoder>> {
  const model = mnistAutoencoderConfig(recipeName, codeSize);
  const recipe = mnistAutoencoderRecipe(recipeName);
  const title = `784-1000-500-250-${codeSize} autoencoder, recipe "${recipeName}", ${recipe.epochs} epochs`;
  const result = await trainAutoencoderCached({
    name: `mnist-ae${codeSize}-${recipeName}`,
    model,
    recipe,
    datasetId: splits.datasetId,
    train: splits.train,
    test: splits.test,
    progress: createProgress(title),
  });
  console.log(`${title}: ${result.message}`);
  return result;
}

/** Encodes every row of `dataset` with an autoencoder or a PCA, [count, dim] row-major. */
export function codesOf(encoder: Autoencoder | PcaModel, dataset: DenseDataset): Float32Array {
  return "basis" in encoder ? pcaEncode(encoder, dataset) : encodeDataset(encoder, dataset);
}

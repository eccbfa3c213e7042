/**
 * Measures of generation quality. Frechet distances use the classifier's penultimate features:
 * the FID statistic, with a Fashion-MNIST classifier in place of Inception. The other measures
 * are the conditional GAN's class accuracy, the class mix of unconditional samples, and a
 * nearest-training-image search that separates new items from memorised ones.
 */
import * as tf from "@tensorflow/tfjs";
import type { FashionClassifier, LabelledImages } from "../generative/classifier";
import { imageBatch } from "../generative/tensorUtils";
import { frechetDistance } from "../metrics/frechet";
import { Random } from "../random";
import { predictClasses } from "./classifierTraining";

/** Draws `count` images of `data` without replacement with `seed`, as [count, 28, 28, 1] in [0, 1]. */
export function randomImages(data: LabelledImages, count: number, seed: number): tf.Tensor4D {
  if (!(Number.isInteger(count) && count >= 1 && count <= data.count)) {
    throw new Error(`randomImages: count must be an integer in 1..${data.count}, got ${count}.`);
  }
  return imageBatch(data.images, new Random(seed).permutation(data.count).subarray(0, count), "unit");
}

/** One row of the Frechet table. */
export interface FrechetRow {
  source: string;
  /** Frechet distance to the reference features (training images). */
  frechet: number;
  samples: number;
}

/**
 * Computes the Frechet distance between the classifier features of each image set in `sets` ([N, S, S, 1]
 * in [0, 1]) and those of `reference`. Every set should have as many images as the others:
 * the estimate is biased upward for small N, so only equal-size rows compare.
 */
export function frechetRows(classifier: FashionClassifier, reference: tf.Tensor4D, sets: Array<{ source: string; images: tf.Tensor4D }>): FrechetRow[] {
  const dim = classifier.config.featureDim;
  const referenceFeatures = classifier.featuresOf(reference);
  return sets.map(({ source, images }) => ({
    source,
    frechet: frechetDistance(classifier.featuresOf(images), referenceFeatures, dim),
    samples: images.shape[0],
  }));
}

/** Accuracy of the classifier on conditional samples of one intended class. */
export interface ClassAccuracy {
  label: number;
  className: string;
  /** Fraction of the samples generated for this class that the classifier assigns to it. */
  accuracy: number;
  samples: number;
}

/**
 * Classifies `generated` ([N, S, S, 1] in [0, 1], generated for class ids `intended`) and
 * returns the accuracy per intended class, in label order.
 */
export function conditionalAccuracy(
  classifier: FashionClassifier,
  generated: tf.Tensor4D,
  intended: ArrayLike<number>,
  classNames: string[],
): ClassAccuracy[] {
  if (intended.length !== generated.shape[0]) {
    throw new Error(`conditionalAccuracy: ${generated.shape[0]} images but ${intended.length} intended labels.`);
  }
  const predicted = predictClasses(classifier, generated);
  const correct = new Array<number>(classNames.length).fill(0);
  const total = new Array<number>(classNames.length).fill(0);
  for (let i = 0; i < predicted.length; i++) {
    total[intended[i]]++;
    if (predicted[i] === intended[i]) correct[intended[i]]++;
  }
  return classNames.map((className, label) => ({ label, className, accuracy: total[label] ? correct[label] / total[label] : Number.NaN, samples: total[label] }));
}

/** Computes the share of images the classifier assigns to each class, in label order. */
export function predictedClassShares(classifier: FashionClassifier, images: tf.Tensor4D, classes: number): number[] {
  const predicted = predictClasses(classifier, images);
  const counts = new Array<number>(classes).fill(0);
  predicted.forEach((label) => counts[label]++);
  return counts.map((count) => count / predicted.length);
}

/** Nearest training image of one query image. */
export interface NearestImage {
  /** Row of the nearest training image. */
  index: number;
  /** Euclidean distance in pixel space (intensities in [0, 1], 784 pixels). */
  distance: number;
}

/**
 * Finds, for each query image (row-major [Q, P] in [0, 1]), the nearest of the first `pool`
 * training images in Euclidean pixel distance, by exhaustive search.
 */
export function nearestTrainingImages(queries: Float32Array, training: Uint8Array, pixels: number, pool: number): NearestImage[] {
  if (queries.length % pixels !== 0) throw new Error(`nearestTrainingImages: ${queries.length} values do not form images of ${pixels} pixels.`);
  const available = Math.floor(training.length / pixels);
  if (!(pool >= 1 && pool <= available)) throw new Error(`nearestTrainingImages: pool must be in 1..${available}, got ${pool}.`);
  const results: NearestImage[] = [];
  for (let q = 0; q < queries.length / pixels; q++) {
    let best = { index: -1, squared: Infinity };
    for (let n = 0; n < pool; n++) {
      let squared = 0;
      for (let p = 0; p < pixels && squared < best.squared; p++) {
        const difference = queries[q * pixels + p] - training[n * pixels + p] / 255;
        squared += difference * difference;
      }
      if (squared < best.squared) best = { index: n, squared };
    }
    results.push({ index: best.index, distance: Math.sqrt(best.squared) });
  }
  return results;
}

/** Copies the training images at `rows` as [rows.length, P] floats in [0, 1]. */
export function trainingImagesAt(training: Uint8Array, pixels: number, rows: number[]): Float32Array {
  const output = new Float32Array(rows.length * pixels);
  rows.forEach((row, i) => {
    for (let p = 0; p < pixels; p++) output[i * pixels + p] = training[row * pixels + p] / 255;
  });
  return output;
}

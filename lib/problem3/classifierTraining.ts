/**
 * The Fashion-MNIST classifier whose penultimate features stand in for Inception features in
 * the Frechet distance: trained once and cached, with its test accuracy after each epoch.
 */
import * as tf from "@tensorflow/tfjs";
import { createProgress } from "../display/progress";
import { FashionClassifier } from "../generative/classifier";
import { imageBatch } from "../generative/tensorUtils";
import { CachedTrainingResult, SaveableModel, trainOrLoad } from "../train/cache";
import { loadWeights, saveWeights } from "../train/layersWeights";
import { setLearningRate } from "../train/optimizer";
import { runSteps } from "../train/stepLoop";
import type { FashionSplits } from "./fashionData";
import type { ClassifierSettings } from "./settings";

/** A classifier that the weight cache can save and load. */
export class CachedClassifier implements SaveableModel {
  constructor(readonly classifier: FashionClassifier) {}

  save(dir: string): Promise<void> {
    return saveWeights(dir, { models: { classifier: this.classifier.model } });
  }

  load(dir: string): void {
    loadWeights(dir, { models: { classifier: this.classifier.model } });
  }

  dispose(): void {
    this.classifier.dispose();
  }
}

/** Trains the classifier with `settings` (or loads it from the cache) and prints which happened. */
export async function trainFashionClassifier(splits: FashionSplits, settings: ClassifierSettings): Promise<CachedTrainingResult<CachedClassifier>> {
  const stepsPerEpoch = Math.floor(splits.train.count / settings.batchSize);
  const title = `Fashion-MNIST classifier, ${settings.epochs} epoch${settings.epochs === 1 ? "" : "s"}`;
  const result = await trainOrLoad({
    name: "fashion-classifier",
    key: { model: settings.model, epochs: settings.epochs, batchSize: settings.batchSize, decay: settings.learningRateDecay, trainCount: splits.train.count },
    datasetId: splits.datasetId,
    create: () => new CachedClassifier(new FashionClassifier(settings.model)),
    train: ({ classifier }) =>
      runSteps({
        trainCount: splits.train.count,
        batchSize: settings.batchSize,
        steps: settings.epochs * stepsPerEpoch,
        seed: classifier.config.seed,
        step: (rows, step) => {
          const epoch = Math.floor((step - 1) / stepsPerEpoch);
          setLearningRate(classifier.optimizer, classifier.config.learningRate * settings.learningRateDecay ** epoch);
          const images = imageBatch(splits.train.images, rows, "unit");
          const loss = classifier.trainStep(images, Array.from(rows, (row) => splits.train.labels[row]));
          images.dispose();
          return { loss };
        },
        evaluate: () => ({ testAccuracy: classifier.accuracy(splits.test) }),
        progress: createProgress(title),
      }),
  });
  console.log(`${title}: ${result.message}`);
  return result;
}

/** Predicted class of each image [N, S, S, 1] in [0, 1], batch by batch. */
export function predictClasses(classifier: FashionClassifier, images: tf.Tensor4D, batchSize = 500): Int32Array {
  const count = images.shape[0];
  const predictions = new Int32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const batch = tf.tidy(() => tf.argMax(classifier.model.predict(tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1])) as tf.Tensor, 1).dataSync());
    predictions.set(batch, start);
  }
  return predictions;
}

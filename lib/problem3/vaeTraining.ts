/**
 * Problem 3(c): training the Gaussian VAE on Fashion-MNIST (cached), with the test negative
 * ELBO and its two terms after each epoch.
 */
import * as tf from "@tensorflow/tfjs";
import { createProgress } from "../display/progress";
import type { LabelledImages } from "../generative/classifier";
import { imageBatch } from "../generative/tensorUtils";
import { GaussianVae, VaeStepResult } from "../generative/vae";
import { CachedTrainingResult, SaveableModel, trainOrLoad } from "../train/cache";
import { loadWeights, saveWeights, WeightOwners } from "../train/layersWeights";
import { runSteps } from "../train/stepLoop";
import type { FashionSplits } from "./fashionData";
import type { VaeSettings } from "./settings";

/** A VAE that the weight cache can save and load. */
export class CachedVae implements SaveableModel {
  constructor(readonly vae: GaussianVae) {}

  private owners(): WeightOwners {
    const variables: Record<string, tf.Variable> = {};
    if (this.vae.sharedRawLogVariance) variables.sharedRawLogVariance = this.vae.sharedRawLogVariance;
    return { models: { encoder: this.vae.encoder, decoder: this.vae.decoder }, variables };
  }

  save(dir: string): Promise<void> {
    return saveWeights(dir, this.owners());
  }

  load(dir: string): void {
    loadWeights(dir, this.owners());
  }

  dispose(): void {
    this.vae.dispose();
  }
}

/**
 * Negative ELBO of every image of `data` in nats per image (one z sample per image), with its
 * reconstruction term (Gaussian negative log-likelihood) and KL term, averaged over the images.
 */
export function testNegativeElbo(vae: GaussianVae, data: LabelledImages, batchSize = 500): VaeStepResult {
  const total = { loss: 0, nll: 0, kl: 0 };
  for (let start = 0; start < data.count; start += batchSize) {
    const rows = Int32Array.from({ length: Math.min(batchSize, data.count - start) }, (_, i) => start + i);
    const images = imageBatch(data.images, rows, "unit");
    const batch = vae.evaluate(images);
    images.dispose();
    for (const key of ["loss", "nll", "kl"] as const) total[key] += batch[key] * rows.length;
  }
  return { loss: total.loss / data.count, nll: total.nll / data.count, kl: total.kl / data.count };
}

/** Trains the VAE with `settings` (or loads it from the cache) and prints which happened. */
export async function trainFashionVae(splits: FashionSplits, settings: VaeSettings): Promise<CachedTrainingResult<CachedVae>> {
  const stepsPerEpoch = Math.floor(splits.train.count / settings.batchSize);
  const title = `Gaussian VAE, ${settings.epochs} epoch${settings.epochs === 1 ? "" : "s"}`;
  const result = await trainOrLoad({
    name: "fashion-vae",
    key: { model: settings.model, epochs: settings.epochs, batchSize: settings.batchSize, trainCount: splits.train.count },
    datasetId: splits.datasetId,
    create: () => new CachedVae(new GaussianVae(settings.model)),
    train: ({ vae }) =>
      runSteps({
        trainCount: splits.train.count,
        batchSize: settings.batchSize,
        steps: settings.epochs * stepsPerEpoch,
        seed: vae.config.seed,
        step: (rows) => {
          const images = imageBatch(splits.train.images, rows, "unit");
          const { loss, nll, kl } = vae.trainStep(images);
          images.dispose();
          return { loss, nll, kl };
        },
        evaluate: () => {
          const test = testNegativeElbo(vae, splits.test);
          return { testLoss: test.loss, testNll: test.nll, testKl: test.kl };
        },
        progress: createProgress(title),
      }),
  });
  console.log(`${title}: ${result.message}`);
  return result;
}

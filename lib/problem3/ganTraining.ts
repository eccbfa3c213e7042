/**
 * Problem 3(a) and (b): training the GAN and the conditional GAN on Fashion-MNIST (cached),
 * with loss curves and samples from fixed latents at a few steps during training.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { createProgress } from "../display/progress";
import { ConditionalGan } from "../generative/conditionalGan";
import { UnconditionalGan } from "../generative/gan";
import { imageBatch } from "../generative/tensorUtils";
import { CachedTrainingResult, SaveableModel, trainOrLoad } from "../train/cache";
import { loadWeights, saveWeights } from "../train/layersWeights";
import { runSteps } from "../train/stepLoop";
import type { FashionSplits } from "./fashionData";
import type { GanSettings } from "./settings";

/** Seed of the latents behind every snapshot, so the snapshots show the same items evolving. */
export const SNAPSHOT_SEED = 2024;
/** Items per snapshot: one per class for the conditional GAN. */
export const SNAPSHOT_COUNT = 10;
const SNAPSHOT_FILE = "snapshots.json";

/** Generated images at one training step, [count, 28, 28] row-major in [0, 1]. */
export interface GanSnapshot {
  step: number;
  images: number[];
}

export type AnyGan = UnconditionalGan | ConditionalGan;

/**
 * Generates `count` images [count, S, S, 1] in [0, 1] from latents drawn with `seed`. The
 * conditional GAN receives class ids `labels`, by default 0, 1, ..., 9, 0, 1, ...
 */
export function generateImages(gan: AnyGan, count: number, seed: number, labels?: ArrayLike<number>): tf.Tensor4D {
  return tf.tidy(() => {
    const images =
      gan instanceof ConditionalGan
        ? gan.generate(labels ?? Array.from({ length: count }, (_, i) => i % gan.numClasses), seed)
        : gan.generate(count, seed);
    // tanh outputs in [-1, 1] -> [0, 1]
    return gan.config.outputActivation === "tanh" ? (tf.div(tf.add(images, 1), 2) as tf.Tensor4D) : images;
  });
}

/** A GAN with its training snapshots, which the weight cache can save and load. */
export class CachedGan implements SaveableModel {
  snapshots: GanSnapshot[] = [];

  constructor(readonly gan: AnyGan) {}

  async save(dir: string): Promise<void> {
    await saveWeights(dir, { models: { generator: this.gan.generator, discriminator: this.gan.discriminator } });
    fs.writeFileSync(path.join(dir, SNAPSHOT_FILE), JSON.stringify(this.snapshots));
  }

  load(dir: string): void {
    loadWeights(dir, { models: { generator: this.gan.generator, discriminator: this.gan.discriminator } });
    const file = path.join(dir, SNAPSHOT_FILE);
    if (!fs.existsSync(file)) throw new Error(`Training snapshots not found: ${file}.`);
    this.snapshots = JSON.parse(fs.readFileSync(file, "utf8")) as GanSnapshot[];
  }

  /** Stores the current samples from the snapshot latents as the snapshot of `step`. */
  takeSnapshot(step: number): void {
    const images = generateImages(this.gan, SNAPSHOT_COUNT, SNAPSHOT_SEED);
    this.snapshots.push({ step, images: Array.from(images.dataSync(), (value) => Math.round(value * 1000) / 1000) });
    images.dispose();
  }

  dispose(): void {
    this.gan.dispose();
  }
}

/**
 * Trains the GAN of `settings` (conditional when settings.model.numClasses > 0) or loads it
 * from the cache, and prints which happened.
 */
export async function trainFashionGan(splits: FashionSplits, settings: GanSettings): Promise<CachedTrainingResult<CachedGan>> {
  const conditional = (settings.model.numClasses ?? 0) > 0;
  const title = `${conditional ? "Conditional GAN" : "GAN"}, ${settings.steps} steps of batch ${settings.batchSize}`;
  const result = await trainOrLoad({
    name: conditional ? "fashion-cgan" : "fashion-gan",
    key: { model: settings.model, steps: settings.steps, batchSize: settings.batchSize, snapshots: settings.snapshotSteps, trainCount: splits.train.count },
    datasetId: splits.datasetId,
    create: () => new CachedGan(conditional ? new ConditionalGan(settings.model) : new UnconditionalGan(settings.model)),
    train: (cached) =>
      runSteps({
        trainCount: splits.train.count,
        batchSize: settings.batchSize,
        steps: settings.steps,
        seed: cached.gan.config.seed,
        recordEvery: settings.curveInterval,
        step: (rows, step) => {
          const real = imageBatch(splits.train.images, rows, cached.gan.config.outputActivation === "tanh" ? "symmetric" : "unit");
          const gan = cached.gan;
          const losses = gan instanceof ConditionalGan ? gan.trainStep(real, Array.from(rows, (row) => splits.train.labels[row])) : gan.trainStep(real);
          real.dispose();
          if (settings.snapshotSteps.includes(step)) cached.takeSnapshot(step);
          return { discriminatorLoss: losses.discriminatorLoss, generatorLoss: losses.generatorLoss };
        },
        progress: createProgress(title),
      }),
  });
  console.log(`${title}: ${result.message}`);
  return result;
}

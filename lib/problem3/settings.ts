/**
 * Problem 3 training settings per profile. With `cpu`, the whole notebook trained from scratch in
 * 23 minutes on 2 cores with the native sgemm addon, within its 45-minute budget. `full` is
 * what a GPU user would run, with more epochs and wider GANs.
 */
import type { ClassifierConfig } from "../generative/classifier";
import type { GanConfig } from "../generative/gan";
import type { VaeConfig } from "../generative/vae";
import { byProfile, ProfileName, profileName } from "../profile";

export interface ClassifierSettings {
  model: Partial<ClassifierConfig>;
  epochs: number;
  batchSize: number;
  /** Factor applied to the learning rate after each epoch (1 keeps it constant). */
  learningRateDecay: number;
}

export interface VaeSettings {
  model: Partial<VaeConfig>;
  epochs: number;
  batchSize: number;
}

export interface GanSettings {
  model: Partial<GanConfig>;
  /** Generator updates (with criticSteps discriminator updates each). */
  steps: number;
  batchSize: number;
  /** Steps at which 10 samples from fixed latents are kept, to show training progress. */
  snapshotSteps: number[];
  /** Steps averaged into one point of the loss curve. */
  curveInterval: number;
}

export interface EvaluationSettings {
  /** Generated and real images compared by the Frechet distance, per model. */
  frechetSamples: number;
  /** Generated images per class for the conditional accuracy. */
  conditionalSamplesPerClass: number;
  /** Training images searched for the nearest neighbour of each generated item. */
  nearestNeighbourPool: number;
}

export interface Problem3Settings {
  profile: ProfileName;
  classifier: ClassifierSettings;
  vae: VaeSettings;
  gan: GanSettings;
  conditionalGan: GanSettings;
  evaluation: EvaluationSettings;
}

/** Snapshot steps: a few early ones, then evenly spaced, always ending at `steps`. */
function snapshots(steps: number): number[] {
  const points = [Math.round(steps * 0.05), Math.round(steps * 0.25), Math.round(steps * 0.5), steps];
  return [...new Set(points.filter((step) => step >= 1))];
}

function ganSettings(profile: ProfileName, numClasses: number): GanSettings {
  const steps = byProfile({ smoke: 40, cpu: 1500, full: 28000 }, profile);
  return {
    model: {
      numClasses,
      architecture: "conv",
      baseFilters: byProfile({ smoke: 8, cpu: 32, full: 64 }, profile),
      latentDim: 64,
      loss: { kind: "non-saturating", realLabel: 0.9 },
      criticSteps: 1,
      generatorLearningRate: 2e-4,
      discriminatorLearningRate: 2e-4,
      adamBeta1: 0.5,
      adamBeta2: 0.999,
      seed: numClasses > 0 ? 2 : 1,
    },
    steps,
    batchSize: 64,
    snapshotSteps: snapshots(steps),
    curveInterval: byProfile({ smoke: 5, cpu: 25, full: 200 }, profile),
  };
}

/** Settings of the active profile (HW5_PROFILE). */
export function problem3Settings(profile: ProfileName = profileName()): Problem3Settings {
  return {
    profile,
    classifier: {
      model: { baseFilters: 32, featureDim: 128, dropout: 0.3, learningRate: 1e-3, seed: 3 },
      epochs: byProfile({ smoke: 1, cpu: 5, full: 15 }, profile),
      batchSize: 128,
      learningRateDecay: byProfile({ smoke: 1, cpu: 0.5, full: 0.8 }, profile),
    },
    vae: {
      model: {
        architecture: "mlp",
        hiddenUnits: [512, 256],
        latentDim: 20,
        decoderMean: "sigmoid",
        variance: { mode: "learned", minVariance: 1e-3, maxVariance: 1 },
        learningRate: 1e-3,
        seed: 4,
      },
      epochs: byProfile({ smoke: 1, cpu: 10, full: 100 }, profile),
      batchSize: 128,
    },
    gan: ganSettings(profile, 0),
    conditionalGan: ganSettings(profile, 10),
    evaluation: {
      frechetSamples: byProfile({ smoke: 200, cpu: 5000, full: 10000 }, profile),
      conditionalSamplesPerClass: byProfile({ smoke: 20, cpu: 500, full: 1000 }, profile),
      nearestNeighbourPool: byProfile({ smoke: 2000, cpu: 60000, full: 60000 }, profile),
    },
  };
}

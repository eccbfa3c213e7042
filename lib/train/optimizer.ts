/** Optimiser configs that can be stored in a cache key, and a learning-rate setter for them. */
import * as tf from "@tensorflow/tfjs";
import { adam } from "./fusedAdam";

export type OptimizerConfig =
  | {
      name: "adam";
      learningRate: number;
      beta1?: number;
      beta2?: number;
      epsilon?: number;
      /**
       * Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): after each step the decayed
       * variables are multiplied by 1 - learningRate * weightDecay, as PyTorch's AdamW does.
       */
      weightDecay?: number;
    }
  | { name: "sgd"; learningRate: number }
  | { name: "momentum"; learningRate: number; momentum: number; nesterov?: boolean };

/** Creates the TF.js optimiser (Adam: the fused one of fusedAdam.ts). Adam defaults: beta1 0.9, beta2 0.999, epsilon 1e-8 (PyTorch's). */
export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  switch (config.name) {
    case "adam":
      return adam(config.learningRate, config.beta1 ?? 0.9, config.beta2 ?? 0.999, config.epsilon ?? 1e-8);
    case "sgd":
      return tf.train.sgd(config.learningRate);
    case "momentum":
      return tf.train.momentum(config.learningRate, config.momentum, config.nesterov ?? false);
  }
}

/** Decoupled weight decay factor of the config (0 when it has none). */
export function weightDecayOf(config: OptimizerConfig): number {
  return config.name === "adam" ? config.weightDecay ?? 0 : 0;
}

/** Shrinks each variable by the factor 1 - learningRate * weightDecay. */
export function applyWeightDecay(variables: tf.Variable[], learningRate: number, weightDecay: number): void {
  if (weightDecay === 0) return;
  const factor = 1 - learningRate * weightDecay;
  tf.tidy(() => {
    for (const variable of variables) variable.assign(tf.mul(variable, factor));
  });
}

/**
 * Sets the learning rate used by the next `applyGradients`. SGD and momentum cache it in a
 * tensor, so they go through `setLearningRate`. Adam reads its `learningRate` field on every
 * step (checked in @tensorflow/tfjs-core 4.22.0 adam_optimizer.js). `instanceof` cannot tell
 * them apart because tf.Optimizer overrides Symbol.hasInstance, so the class name is used.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const className = optimizer.getClassName();
  if (className === "SGD" || className === "Momentum") {
    (optimizer as tf.SGDOptimizer).setLearningRate(learningRate);
  } else if (className === "Adam") {
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
  } else {
    throw new Error(`Cannot set the learning rate of ${className}: use adam, sgd or momentum.`);
  }
}

/**
 * Image-classifier training step shared by the ResNet-20 and ViT workloads: a tf.LayersModel
 * run with `training: true` (batch norm on batch statistics), softmax cross-entropy against
 * one-hot labels, Adam (learning rate 1e-3), one `optimizer.minimize` per step. Inputs are
 * standard-normal images and uniform random labels, uploaded batch by batch.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../../lib/random";
import { adam } from "../../lib/train/fusedAdam";
import { modelMultiplyAdds, trainingFlops } from "../flops";
import { checkedLoss, type WorkloadSession } from "./workload";

const DISTINCT_BATCHES = 4;

/** Sets up `model` (already built with its seed) for training on batches of `batchSize`. */
export function classifierSession(
  name: string,
  model: tf.LayersModel,
  numClasses: number,
  batchSize: number,
  seed: number,
): WorkloadSession {
  const imageShape = model.inputs[0].shape.slice(1) as number[];
  const imageSize = imageShape.reduce((a, b) => a * b, 1);
  const random = new Random(seed);
  const batches = Array.from({ length: DISTINCT_BATCHES }, () => ({
    images: Float32Array.from({ length: batchSize * imageSize }, () => random.normal()),
    labels: Int32Array.from({ length: batchSize }, () => random.int(numClasses)),
  }));
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const optimizer = adam(1e-3);
  let stepIndex = 0;

  return {
    flopsPerExample: trainingFlops(modelMultiplyAdds(model)),
    async step() {
      const batch = batches[stepIndex++ % DISTINCT_BATCHES];
      const images = tf.tensor(batch.images, [batchSize, ...imageShape]);
      const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels, "int32"), numClasses));
      const loss = optimizer.minimize(() => {
        const logits = model.apply(images, { training: true }) as tf.Tensor2D;
        return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
      }, true, variables);
      if (loss === null) throw new Error(`${name}: optimizer.minimize returned no loss.`);
      const value = (await loss.data())[0];
      tf.dispose([loss, images, oneHot]);
      return checkedLoss(name, value);
    },
    dispose() {
      model.dispose();
      optimizer.dispose();
    },
  };
}

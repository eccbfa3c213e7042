/**
 * Dense autoencoder of Problem 1 (Hinton and Salakhutdinov 2006): 784-1000-500-250-30 with the
 * mirrored decoder 30-250-500-1000-784, sigmoid hidden units, a linear 30-unit code, sigmoid
 * output with sigmoid cross-entropy loss, Adam (learning rate 1e-3), batch 256, one
 * `optimizer.minimize` per step. Inputs are uniform random "pixels" in [0, 1), uploaded batch
 * by batch as real training does.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../../lib/random";
import { adam } from "../../lib/train/fusedAdam";
import { trainingFlops } from "../flops";
import { checkedLoss, type Workload, type WorkloadSession } from "./workload";

export const LAYER_SIZES = [784, 1000, 500, 250, 30, 250, 500, 1000, 784];
const CODE_LAYER = 4; // index in LAYER_SIZES of the linear code
const DISTINCT_BATCHES = 4;

interface Layer {
  weights: tf.Variable;
  bias: tf.Variable;
}

function createLayers(): Layer[] {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < LAYER_SIZES.length; i++) {
    const [fanIn, fanOut] = [LAYER_SIZES[i], LAYER_SIZES[i + 1]];
    layers.push({
      weights: tf.variable(tf.randomNormal([fanIn, fanOut], 0, Math.sqrt(1 / fanIn), "float32", i + 1)),
      bias: tf.variable(tf.zeros([fanOut])),
    });
  }
  return layers;
}

/** Logits of the reconstruction, [batch, 784]. */
function reconstructionLogits(layers: Layer[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  layers.forEach((layer, i) => {
    const preActivation = tf.add(tf.matMul(h, layer.weights), layer.bias) as tf.Tensor2D;
    const outputIndex = i + 1;
    const linear = outputIndex === CODE_LAYER || outputIndex === LAYER_SIZES.length - 1;
    h = linear ? preActivation : tf.sigmoid(preActivation);
  });
  return h;
}

/** Multiply-adds of one example's forward pass: the sum of in x out over the 8 layers. */
function forwardMultiplyAdds(): number {
  let sum = 0;
  for (let i = 0; i + 1 < LAYER_SIZES.length; i++) sum += LAYER_SIZES[i] * LAYER_SIZES[i + 1];
  return sum;
}

export const denseAutoencoder: Workload = {
  name: "dense-ae",
  title: `Dense autoencoder ${LAYER_SIZES.join("-")}, sigmoid cross-entropy, Adam`,
  defaultBatchSize: 256,
  scalingBatchSizes: [64, 256, 1024],
  slowOnCpu: false,
  requiredKernels: [],
  async create(batchSize: number, seed: number): Promise<WorkloadSession> {
    const layers = createLayers();
    const variables = layers.flatMap((layer) => [layer.weights, layer.bias]);
    const optimizer = adam(1e-3);
    const random = new Random(seed);
    const batches = Array.from({ length: DISTINCT_BATCHES }, () => Float32Array.from({ length: batchSize * LAYER_SIZES[0] }, () => random.uniform()));
    let stepIndex = 0;
    return {
      flopsPerExample: trainingFlops(forwardMultiplyAdds()),
      async step() {
        const x = tf.tensor2d(batches[stepIndex++ % DISTINCT_BATCHES], [batchSize, LAYER_SIZES[0]]);
        const loss = optimizer.minimize(() => tf.losses.sigmoidCrossEntropy(x, reconstructionLogits(layers, x)) as tf.Scalar, true, variables);
        if (loss === null) throw new Error("dense-ae: optimizer.minimize returned no loss.");
        const value = (await loss.data())[0];
        tf.dispose([loss, x]);
        return checkedLoss("dense-ae", value);
      },
      dispose() {
        tf.dispose(variables);
        optimizer.dispose();
      },
    };
  },
};

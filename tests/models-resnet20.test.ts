import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { buildResNet20, RESNET20_STAGE_FILTERS } from "../lib/models/resnet20";

before(async () => {
  tf.enableProdMode();
  await tf.setBackend("cpu");
});

/**
 * Trainable parameters of ResNet-(6n+2) with option-B shortcuts, counted from the layer list
 * of He et al. 2016, Sec. 4.2: 3x3 convs without bias, BN gamma and beta after each conv, 1x1 projection conv
 * and BN where the width changes, and the dense classifier.
 */
function expectedParameters(blocksPerStage: number, numClasses: number, channels = 3): number {
  const convBn = (kernel: number, inChannels: number, outChannels: number) => kernel * kernel * inChannels * outChannels + 2 * outChannels;
  let count = convBn(3, channels, 16);
  let width = 16;
  for (const filters of RESNET20_STAGE_FILTERS) {
    for (let block = 0; block < blocksPerStage; block++) {
      count += convBn(3, width, filters) + convBn(3, filters, filters);
      if (width !== filters) count += convBn(1, width, filters);
      width = filters;
    }
  }
  return count + width * numClasses + numClasses;
}

function trainableCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, weight) => sum + weight.shape.reduce<number>((a, b) => a * (b as number), 1), 0);
}

test("ResNet-20 output shape and parameter count", () => {
  const model = buildResNet20();
  const logits = model.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor;
  assert.deepEqual(logits.shape, [2, 10]);
  assert.equal(trainableCount(model), expectedParameters(3, 10));
  // He et al. 2016 list ResNet-20 (option A) at 0.27M parameters in their CIFAR-10 table.
  assert.ok(Math.abs(trainableCount(model) - 0.27e6) < 0.005e6, `${trainableCount(model)} parameters`);
  const convs = model.layers.filter((layer) => layer.getClassName() === "Conv2D");
  assert.equal(convs.length, 19 + 2); // 19 3x3 convs plus the two projection shortcuts
  tf.dispose(logits);
  model.dispose();
});

test("ResNet depth and classes options", () => {
  const model = buildResNet20({ blocksPerStage: 1, numClasses: 100, inputShape: [16, 16, 1] });
  const logits = model.predict(tf.zeros([3, 16, 16, 1])) as tf.Tensor;
  assert.deepEqual(logits.shape, [3, 100]);
  assert.equal(trainableCount(model), expectedParameters(1, 100, 1));
  assert.equal(model.name, "resnet8");
  tf.dispose(logits);
  model.dispose();
});

test("ResNet stages halve the resolution", () => {
  const model = buildResNet20({ seed: 3 });
  const outputShape = (layer: string) => (model.getLayer(layer).output as tf.SymbolicTensor).shape;
  assert.deepEqual(outputShape("stage1_block3_out"), [null, 32, 32, 16]);
  assert.deepEqual(outputShape("stage2_block1_out"), [null, 16, 16, 32]);
  assert.deepEqual(outputShape("stage3_block3_out"), [null, 8, 8, 64]);
  model.dispose();
});

test("ResNet seeds fix the initial weights", () => {
  const first = buildResNet20({ seed: 7 });
  const second = buildResNet20({ seed: 7 });
  const other = buildResNet20({ seed: 8 });
  const kernel = (model: tf.LayersModel) => model.getLayer("stage2_block1_1_conv").getWeights()[0].dataSync();
  assert.deepEqual(kernel(first), kernel(second));
  assert.notDeepEqual(kernel(first), kernel(other));
  for (const model of [first, second, other]) model.dispose();
});

test("ResNet option errors", () => {
  assert.throws(() => buildResNet20({ blocksPerStage: 0 }), /blocksPerStage/);
  assert.throws(() => buildResNet20({ numClasses: 1 }), /numClasses/);
  assert.throws(() => buildResNet20({ inputShape: [4, 4, 3] }), /inputShape/);
});

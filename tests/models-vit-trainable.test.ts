import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import type { WeightMap } from "../lib/checkpoints/tensor";
import { Random } from "../lib/random";
import { VisionTransformer, vitWeightSpecs, type VitConfig } from "../lib/models/vit";
import { buildTrainableVit, CIFAR_VIT, loadVitWeights, vitWeightName } from "../lib/models/vitTrainable";

before(async () => {
  tf.enableProdMode();
  await tf.setBackend("cpu");
});

const TINY: VitConfig = { imageSize: 8, patchSize: 4, embedDim: 16, depth: 2, numHeads: 2, mlpRatio: 2 };

function parameterCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, weight) => sum + weight.shape.reduce<number>((a, b) => a * (b as number), 1), 0);
}

test("CIFAR ViT output shape and parameter count", () => {
  const model = buildTrainableVit(CIFAR_VIT, { numClasses: 10 });
  const logits = model.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor;
  assert.deepEqual(logits.shape, [2, 10]);
  // The encoder is exactly the tensors vit.ts reads from an MAE checkpoint, minus fc_norm.
  const encoder = vitWeightSpecs(CIFAR_VIT)
    .filter((spec) => !spec.name.startsWith("fc_norm."))
    .reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
  const head = CIFAR_VIT.embedDim * 10 + 10;
  assert.equal(parameterCount(model), encoder + head);
  assert.ok(parameterCount(model) > 0.8e6, `${parameterCount(model)} parameters`);
  assert.ok(parameterCount(model) < 0.82e6, `${parameterCount(model)} parameters`);
  tf.dispose(logits);
  model.dispose();
});

test("ViT weight names follow vit.ts", () => {
  const model = buildTrainableVit(TINY, { numClasses: 3 });
  const specs = new Map(vitWeightSpecs(TINY).map((spec) => [spec.name, spec.shape]));
  const names = model.weights.map((weight) => vitWeightName(weight.originalName));
  for (const [index, name] of names.entries()) {
    if (name.startsWith("head.")) continue;
    assert.deepEqual(model.weights[index].shape, specs.get(name), `shape of ${name}`);
  }
  const missing = [...specs.keys()].filter((name) => !name.startsWith("fc_norm.") && !names.includes(name));
  assert.deepEqual(missing, []);
  model.dispose();
});

function randomWeights(config: VitConfig, seed: number): WeightMap {
  const random = new Random(seed);
  const weights: WeightMap = new Map();
  for (const spec of vitWeightSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const scale = spec.name.endsWith(".weight") && spec.shape.length === 1 ? 1 : 0.3;
    const data = Float32Array.from({ length: size }, () => (scale === 1 ? 1 + 0.2 * random.normal() : scale * random.normal()));
    weights.set(spec.name, { shape: [...spec.shape], data });
  }
  return weights;
}

test("ViT class token matches the reader", () => {
  const weights = randomWeights(TINY, 5);
  const model = buildTrainableVit(TINY, { numClasses: 3 });
  assert.deepEqual(loadVitWeights(model, TINY, weights), ["head.kernel", "head.bias"]);
  const encoder = tf.model({ inputs: model.inputs, outputs: model.getLayer("cls_readout").output });
  const reader = new VisionTransformer(TINY, weights);

  const random = new Random(9);
  const images = tf.tensor4d(Float32Array.from({ length: 3 * 8 * 8 * 3 }, () => random.normal()), [3, 8, 8, 3]);
  const trainable = (encoder.predict(images) as tf.Tensor).dataSync();
  const { cls, pooled } = reader.forward(images);
  const expected = cls.dataSync();
  assert.equal(trainable.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(trainable[i] - expected[i]) < 1e-4, `feature ${i}: ${trainable[i]} vs reader ${expected[i]}`);
  }
  tf.dispose([images, cls, pooled]);
  reader.dispose();
  model.dispose();
});

test("ViT weight loading rejects another config", () => {
  const model = buildTrainableVit(TINY, { numClasses: 3 });
  const wider = randomWeights({ ...TINY, embedDim: 32 }, 1);
  assert.throws(() => loadVitWeights(model, TINY, wider), /has shape \[.*\], expected/);
  model.dispose();
});

test("ViT config errors", () => {
  assert.throws(() => buildTrainableVit({ ...TINY, imageSize: 10 }), /not a positive multiple of patchSize/);
  assert.throws(() => buildTrainableVit({ ...TINY, numHeads: 3 }), /not divisible by numHeads/);
  assert.throws(() => buildTrainableVit(TINY, { numClasses: 1 }), /numClasses/);
});

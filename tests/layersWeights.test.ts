import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

import { CachedGan, generateImages } from "../lib/problem3/ganTraining";
import { CachedVae } from "../lib/problem3/vaeTraining";
import { ConditionalGan } from "../lib/generative/conditionalGan";
import { GaussianVae } from "../lib/generative/vae";
import { loadWeights, saveWeights } from "../lib/train/layersWeights";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "layers-weights-test-"));

before(async () => {
  tf.enableProdMode();
  await tf.setBackend("cpu");
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

function smallModel(seed: number, units = 3): tf.LayersModel {
  const input = tf.input({ shape: [4] });
  const hidden = tf.layers.dense({ units, kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input);
  const normed = tf.layers.batchNormalization().apply(hidden) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: normed });
}

function weightValues(model: tf.LayersModel): number[][] {
  return model.weights.map((weight) => Array.from(weight.read().dataSync()));
}

test("weights round-trip between two instances with different layer names", async () => {
  const source = smallModel(1);
  const target = smallModel(2);
  assert.notDeepEqual(weightValues(source), weightValues(target));
  const dir = path.join(root, "round-trip");
  await saveWeights(dir, { models: { net: source } });
  loadWeights(dir, { models: { net: target } });
  assert.deepEqual(weightValues(target), weightValues(source));
});

test("loading rejects a missing, mis-shaped or corrupted weight before changing anything", async () => {
  const dir = path.join(root, "checks");
  await saveWeights(dir, { models: { net: smallModel(1) } });

  const wider = smallModel(2, 5);
  assert.throws(() => loadWeights(dir, { models: { net: wider } }), /net\/000.*shape \[4, 3\].*expected \[4, 5\]/);
  assert.throws(() => loadWeights(dir, { models: { other: smallModel(2) } }), /"other\/000" is missing/);

  const target = smallModel(3);
  const before = weightValues(target);
  const file = path.join(dir, "weights.bin");
  const bytes = fs.readFileSync(file);
  bytes[5] ^= 0xff;
  fs.writeFileSync(file, bytes);
  assert.throws(() => loadWeights(dir, { models: { net: target } }), /SHA-256 .* changed after it was saved/);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 4));
  assert.throws(() => loadWeights(dir, { models: { net: target } }), /has \d+ bytes, expected \d+/);
  assert.deepEqual(weightValues(target), before);
});

test("cached GAN restores generator samples and snapshots", async () => {
  const config = { architecture: "dense" as const, latentDim: 8, denseUnits: [16, 32], numClasses: 10, seed: 5 };
  const trained = new CachedGan(new ConditionalGan(config));
  trained.takeSnapshot(1);
  const dir = path.join(root, "gan");
  await trained.save(dir);
  const restored = new CachedGan(new ConditionalGan({ ...config, seed: 6 }));
  restored.load(dir);
  assert.deepEqual(restored.snapshots, trained.snapshots);
  const a = generateImages(trained.gan, 10, 11);
  const b = generateImages(restored.gan, 10, 11);
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  tf.dispose([a, b]);
  trained.dispose();
  restored.dispose();
});

test("cached VAE with a shared learned variance restores it", async () => {
  const config = { hiddenUnits: [16], latentDim: 2, variance: { mode: "learned-shared" as const, minVariance: 1e-3, maxVariance: 1, initialVariance: 0.1 } };
  const trained = new CachedVae(new GaussianVae({ ...config, seed: 1 }));
  trained.vae.sharedRawLogVariance?.assign(tf.scalar(0.25));
  const dir = path.join(root, "vae");
  await trained.save(dir);
  const restored = new CachedVae(new GaussianVae({ ...config, seed: 2 }));
  restored.load(dir);
  assert.equal(restored.vae.sharedRawLogVariance?.dataSync()[0], 0.25);
  trained.dispose();
  restored.dispose();
});

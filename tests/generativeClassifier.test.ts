import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { FashionClassifier, LabelledImages } from "../lib/generative/classifier";
import { frechetDistance } from "../lib/metrics/frechet";
import { Random } from "../lib/random";

before(async () => {
  tf.enableProdMode();
  await tf.setBackend("cpu");
});

/** 8x8 images of class 0 (bright top half), 1 (bright left half) or 2 (bright centre), with noise. */
function toyImages(count: number, seed: number): LabelledImages {
  const random = new Random(seed);
  const images = new Uint8Array(count * 64);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = random.int(3);
    labels[i] = label;
    for (let row = 0; row < 8; row++) {
      for (let column = 0; column < 8; column++) {
        let bright = row >= 2 && row < 6 && column >= 2 && column < 6;
        if (label === 0) bright = row < 4;
        if (label === 1) bright = column < 4;
        images[i * 64 + row * 8 + column] = Math.min(255, (bright ? 180 : 20) + random.int(60));
      }
    }
  }
  return { images, labels, count };
}

test("classifier learns toy classes", () => {
  const classifier = new FashionClassifier({ imageSize: 8, numClasses: 3, baseFilters: 4, featureDim: 8, learningRate: 1e-2, seed: 2 });
  const train = toyImages(96, 1);
  const test = toyImages(60, 2);
  const before = classifier.accuracy(test);
  const firstLoss = classifier.trainEpoch(train, 16);
  let lastLoss = firstLoss;
  for (let epoch = 0; epoch < 4; epoch++) lastLoss = classifier.trainEpoch(train, 16);
  const after = classifier.accuracy(test);
  assert.ok(lastLoss < firstLoss, `loss ${firstLoss} -> ${lastLoss}`);
  assert.ok(after >= 0.9, `accuracy ${before} -> ${after}`);
  classifier.dispose();
});

test("penultimate features feed Frechet distance", () => {
  const classifier = new FashionClassifier({ imageSize: 8, numClasses: 3, baseFilters: 4, featureDim: 6, seed: 3 });
  const data = toyImages(40, 4);
  const images = tf.tidy(() => tf.tensor4d(Float32Array.from(data.images, (v) => v / 255), [40, 8, 8, 1]));
  const single = classifier.penultimateFeatures(images.slice([0, 0, 0, 0], [5, -1, -1, -1]));
  assert.deepEqual(single.shape, [5, 6]);
  const tensorsBefore = tf.memory().numTensors;
  const features = classifier.featuresOf(images, 16);
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(features.length, 40 * 6);
  // Batched extraction equals the one-shot features.
  const firstRows = single.dataSync();
  for (let i = 0; i < firstRows.length; i++) assert.ok(Math.abs(features[i] - firstRows[i]) < 1e-5);
  assert.ok(frechetDistance(features, features, 6) < 1e-6);
  tf.dispose([images, single]);
  classifier.dispose();
});

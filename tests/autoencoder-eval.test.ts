import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { knnAccuracy, knnPredict } from "../lib/eval/knn";
import { fitPca, pcaEncode, pcaReconstructionError } from "../lib/eval/pca";
import { reconstructionError, encodeDataset } from "../lib/eval/reconstruction";
import { createAutoencoder } from "../lib/models/autoencoder";
import { Random } from "../lib/random";
import { DenseDataset } from "../lib/train/dataset";

before(async () => {
  await tf.setBackend("cpu");
});

/** `count` points mean + B z in 12 dimensions, with a random rank-`rank` B and mean (3, 3, ...). */
function lowRank(count: number, rank: number, seed: number): DenseDataset {
  const random = new Random(seed);
  const dim = 12;
  const basis = Array.from({ length: rank * dim }, () => random.normal());
  const values = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const z = Array.from({ length: rank }, () => random.normal());
    for (let j = 0; j < dim; j++) {
      let value = 3;
      for (let r = 0; r < rank; r++) value += basis[r * dim + j] * z[r];
      values[i * dim + j] = value;
    }
  }
  return { values, count, dim };
}

test("PCA reconstructs low-rank data exactly", () => {
  const data = lowRank(300, 3, 1);
  const pca = fitPca(data, 3, { chunkRows: 64 });
  assert.ok(pcaReconstructionError(pca, data) < 1e-6, "3 centred components span the data");
  assert.ok(pcaReconstructionError(fitPca(data, 2), data) > 0.1, "2 components cannot");
  assert.ok(pca.variances[0] >= pca.variances[1]);
  assert.ok(pca.variances[1] >= pca.variances[2]);
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      let dot = 0;
      for (let j = 0; j < 12; j++) dot += pca.basis[a * 12 + j] * pca.basis[b * 12 + j];
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-9, `basis rows ${a}, ${b}: ${dot}`);
    }
  }
});

test("uncentred PCA needs one more component", () => {
  const data = lowRank(300, 3, 2);
  assert.ok(pcaReconstructionError(fitPca(data, 3, { center: false }), data) > 0.1);
  assert.ok(pcaReconstructionError(fitPca(data, 4, { center: false }), data) < 1e-6);
});

test("PCA codes have the fitted variances", () => {
  const data = lowRank(400, 2, 3);
  const pca = fitPca(data, 2);
  const codes = pcaEncode(pca, data);
  for (let c = 0; c < 2; c++) {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < data.count; i++) {
      sum += codes[i * 2 + c];
      squares += codes[i * 2 + c] ** 2;
    }
    assert.ok(Math.abs(sum / data.count) < 1e-4, `code ${c} mean`);
    assert.ok(Math.abs(squares / data.count - pca.variances[c]) < 1e-3 * pca.variances[c], `code ${c} variance`);
  }
});

test("kNN separates distant clusters", () => {
  const random = new Random(5);
  const centres = [[0, 0], [10, 0], [0, 10]];
  const sample = (count: number) => {
    const points = new Float32Array(count * 2);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 3;
      points[i * 2] = centres[labels[i]][0] + random.normal();
      points[i * 2 + 1] = centres[labels[i]][1] + random.normal();
    }
    return { points, labels };
  };
  const reference = sample(300);
  const queries = sample(90);
  const input = { reference: reference.points, referenceLabels: reference.labels, queries: queries.points, dim: 2, k: 5 };
  assert.equal(knnAccuracy({ ...input, queryLabels: queries.labels }), 1);
  const shuffled = queries.labels.map((label) => (label + 1) % 3);
  assert.equal(knnAccuracy({ ...input, queryLabels: shuffled }), 0);
});

test("kNN tie goes to the nearest class", () => {
  const reference = Float32Array.from([1, 0, -2, 0, 5, 0, -6, 0]);
  const predictions = knnPredict({ reference, referenceLabels: [7, 8, 7, 8], queries: Float32Array.from([0, 0, 0.2, 0]), dim: 2, k: 2 });
  assert.deepEqual(Array.from(predictions), [7, 7]);
  const left = knnPredict({ reference, referenceLabels: [7, 8, 7, 8], queries: Float32Array.from([-1.6, 0]), dim: 2, k: 4 });
  assert.deepEqual(Array.from(left), [8]);
});

test("autoencoder error matches a direct sum", () => {
  const data = lowRank(50, 2, 4);
  const scaled: DenseDataset = { ...data, scale: 0.1 };
  const model = createAutoencoder({ layerSizes: [12, 5, 2], hiddenActivation: "tanh", init: "lecunNormal", seed: 1 });
  const x = tf.tensor2d(Float32Array.from(data.values, (v) => v * 0.1), [50, 12]);
  const output = model.reconstruct(x);
  const direct = tf.sum(tf.squaredDifference(output, x)).dataSync()[0] / 50;
  const batched = reconstructionError(model, scaled, 50, 7);
  assert.ok(Math.abs(batched - direct) < 1e-4 * direct, `${batched} vs ${direct}`);
  const codes = encodeDataset(model, scaled, 7);
  const expected = model.encode(x).dataSync();
  assert.equal(codes.length, 100);
  codes.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-6));
  tf.dispose([x, output]);
  model.dispose();
});

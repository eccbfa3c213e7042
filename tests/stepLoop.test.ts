import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { runSteps } from "../lib/train/stepLoop";

before(async () => {
  await tf.setBackend("cpu");
});

test("records hold the mean of each step value over the interval", async () => {
  const seen: number[][] = [];
  const result = await runSteps({
    trainCount: 10,
    batchSize: 4,
    steps: 5,
    seed: 1,
    recordEvery: 2,
    step: (rows, step) => {
      seen.push(Array.from(rows));
      return { loss: step, other: 10 * step };
    },
    evaluate: (step) => ({ evaluated: step }),
  });
  // 2 full batches per epoch, the last 2 examples of each epoch dropped.
  assert.ok(seen.every((rows) => rows.length === 4));
  assert.equal(new Set(seen[0].concat(seen[1])).size, 8);
  assert.deepEqual(
    result.history.map((record) => [record.metrics.step, record.trainLoss, record.metrics.other, record.metrics.evaluated]),
    [
      [2, 1.5, 15, 2],
      [4, 3.5, 35, 4],
      [5, 5, 50, 5],
    ],
  );
  assert.equal(result.history[2].epoch, 2);
});

test("a non-finite step value stops training and names the step", async () => {
  await assert.rejects(
    runSteps({ trainCount: 8, batchSize: 2, steps: 6, seed: 1, step: (_, step) => ({ loss: step === 3 ? Number.NaN : 1 }) }),
    /loss is NaN at step 3/,
  );
});

test("a step that leaks tensors is reported", async () => {
  const leaked: tf.Tensor[] = [];
  await assert.rejects(
    runSteps({
      trainCount: 8,
      batchSize: 2,
      steps: 8,
      seed: 1,
      recordEvery: 2,
      step: () => {
        leaked.push(tf.scalar(1));
        return { loss: 1 };
      },
    }),
    /Tensor leak/,
  );
  tf.dispose(leaked);
});

test("a batch larger than the data set is rejected", async () => {
  await assert.rejects(runSteps({ trainCount: 3, batchSize: 4, steps: 1, seed: 1, step: () => ({ loss: 1 }) }), /batchSize <= trainCount/);
});

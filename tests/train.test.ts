import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createAutoencoder, AutoencoderConfig } from "../lib/models/autoencoder";
import { Random } from "../lib/random";
import { trainAutoencoder, AutoencoderRecipe } from "../lib/train/autoencoder";
import { DenseDataset } from "../lib/train/dataset";
import { fit, TrainingDivergedError } from "../lib/train/fit";
import { createOptimizer, setLearningRate } from "../lib/train/optimizer";
import { mnistAutoencoderConfig, mnistAutoencoderRecipe } from "../lib/train/recipes";
import { learningRateAt } from "../lib/train/schedule";

before(async () => {
  await tf.setBackend("cpu");
});

/** Points near one fixed 2-D subspace of [0, 1]^16: values 0.5 + B z, clipped to [0, 1]. `seed` draws z. */
function lowRankDataset(count: number, seed: number): DenseDataset {
  const random = new Random(seed);
  const basisRandom = new Random(1);
  const dim = 16;
  const basis = Array.from({ length: 2 * dim }, () => basisRandom.normal() / 5);
  const values = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const z = [random.normal(), random.normal()];
    for (let j = 0; j < dim; j++) values[i * dim + j] = Math.min(1, Math.max(0, 0.5 + basis[j] * z[0] + basis[dim + j] * z[1]));
  }
  return { values, count, dim };
}

const SMALL: AutoencoderConfig = { layerSizes: [16, 12, 2], hiddenActivation: "relu", init: "heNormal", seed: 3 };
const RECIPE: AutoencoderRecipe = {
  epochs: 4,
  batchSize: 32,
  optimizer: { name: "adam", learningRate: 1e-2 },
  schedule: { kind: "cosine" },
  loss: "crossEntropy",
  seed: 5,
};

test("training lowers the test error", async () => {
  const model = createAutoencoder(SMALL);
  const { history } = await trainAutoencoder(model, { ...RECIPE, epochs: 6 }, {
    train: lowRankDataset(1024, 1),
    test: lowRankDataset(128, 2),
  });
  const first = history[0].metrics.testError;
  const last = history[history.length - 1].metrics.testError;
  assert.equal(history.length, 6);
  assert.ok(last < 0.7 * first, `test error should fall: ${first} -> ${last}`);
  assert.ok(history.every((record) => record.examplesPerSecond > 0));
  model.dispose();
});

test("live tensor count constant across epochs", async () => {
  for (const batchNorm of [false, true]) {
    const model = createAutoencoder({ ...SMALL, batchNorm });
    const { history } = await trainAutoencoder(model, RECIPE, { train: lowRankDataset(200, 1), test: lowRankDataset(50, 2) });
    const counts = history.map((record) => record.numTensors);
    assert.equal(counts.length, 4);
    assert.ok(counts.every((count) => count === counts[0]), `batchNorm ${batchNorm}: counts ${counts}`);
    model.dispose();
  }
});

test("tensor leak stops training", async () => {
  const weight = tf.variable(tf.zeros([1]));
  const leaked: tf.Tensor[] = [];
  await assert.rejects(
    fit({
      variables: [weight],
      batchLoss: () => tf.sum(tf.square(tf.sub(weight, 1))),
      trainCount: 8,
      epochs: 3,
      batchSize: 4,
      optimizer: { name: "sgd", learningRate: 0.1 },
      seed: 1,
      evaluate: () => {
        leaked.push(tf.zeros([1]));
        return {};
      },
    }),
    /Tensor leak: \d+ live tensors after epoch 2/,
  );
  tf.dispose(leaked);
  weight.dispose();
});

test("NaN input stops training with the step", async () => {
  const model = createAutoencoder(SMALL);
  const train = lowRankDataset(64, 1);
  train.values[40 * 16 + 3] = NaN;
  await assert.rejects(trainAutoencoder(model, RECIPE, { train }), (error: unknown) => {
    assert.ok(error instanceof TrainingDivergedError);
    assert.equal(error.epoch, 1);
    assert.match(error.message, /loss is NaN at epoch 1, step [12] \(learning rate .*\)\. Lower the learning rate/);
    return true;
  });
  model.dispose();
});

test("absurd learning rate stops training", async () => {
  const model = createAutoencoder({ ...SMALL, hiddenActivation: "linear" });
  const recipe: AutoencoderRecipe = { ...RECIPE, optimizer: { name: "sgd", learningRate: 1e30 }, loss: "squaredError" };
  await assert.rejects(
    trainAutoencoder(model, recipe, { train: lowRankDataset(256, 1) }),
    /Training diverged: the loss is (NaN|Infinity) at epoch \d+, step \d+ \(learning rate [0-9.]+e\+(29|30)\)/,
  );
  model.dispose();
});

test("same seeds give identical runs", async () => {
  const losses: number[][] = [];
  for (let run = 0; run < 2; run++) {
    const model = createAutoencoder(SMALL);
    const { history } = await trainAutoencoder(model, { ...RECIPE, epochs: 2 }, { train: lowRankDataset(128, 1) });
    losses.push(history.map((record) => record.trainLoss));
    model.dispose();
  }
  assert.deepEqual(losses[0], losses[1]);
});

test("progress sink receives steps and epochs", async () => {
  const updates: { fields: Record<string, string | number>; fraction?: number }[] = [];
  const lines: string[] = [];
  let summary = "";
  const model = createAutoencoder(SMALL);
  await trainAutoencoder(model, { ...RECIPE, epochs: 2 }, {
    train: lowRankDataset(64, 1),
    test: lowRankDataset(16, 2),
    progress: {
      update: (fields, fraction) => updates.push({ fields, fraction }),
      log: (line) => lines.push(line),
      done: (text) => (summary = text ?? ""),
    },
  });
  assert.equal(updates.length, 4); // 2 epochs x 2 batches of 32
  assert.equal(updates[3].fraction, 1);
  assert.equal(updates[0].fields.epoch, "1/2");
  assert.ok(Number(updates[0].fields["examples/s"]) > 0);
  assert.match(lines[lines.length - 1], /^epoch 2\/2, loss .*testError/);
  assert.match(summary, /2 epochs in/);
  model.dispose();
});

test("cosine and step schedules", () => {
  const clock = { stepsPerEpoch: 10, totalSteps: 100 };
  const cosine = { kind: "cosine" as const };
  assert.equal(learningRateAt(1, cosine, { ...clock, step: 0 }), 1);
  assert.ok(Math.abs(learningRateAt(1, cosine, { ...clock, step: 50 }) - 0.5) < 1e-12);
  assert.ok(learningRateAt(1, cosine, { ...clock, step: 99 }) < 0.001);
  const warm = { kind: "cosine" as const, warmupEpochs: 1 };
  assert.ok(Math.abs(learningRateAt(1, warm, { ...clock, step: 0 }) - 0.1) < 1e-12);
  assert.equal(learningRateAt(1, warm, { ...clock, step: 10 }), 1);
  const step = { kind: "step" as const, everyEpochs: 3, factor: 0.1 };
  assert.equal(learningRateAt(2, step, { ...clock, step: 29 }), 2);
  assert.ok(Math.abs(learningRateAt(2, step, { ...clock, step: 30 }) - 0.2) < 1e-12);
});

test("setLearningRate changes the step size", () => {
  for (const name of ["adam", "sgd", "momentum"] as const) {
    const weight = tf.variable(tf.zeros([3]));
    const optimizer = createOptimizer(
      name === "momentum" ? { name, learningRate: 1, momentum: 0.9 } : { name, learningRate: 1 },
    );
    setLearningRate(optimizer, 0.25);
    // The gradient of sum(w) is 1 per entry: every optimiser moves by -0.25 on its first step.
    optimizer.minimize(() => tf.sum(weight), false, [weight]);
    const moved = Array.from(weight.dataSync());
    assert.ok(moved.every((value) => Math.abs(value + 0.25) < 1e-5), `${name}: ${moved}`);
    optimizer.dispose();
    weight.dispose();
  }
});

test("MNIST recipes build both code sizes", () => {
  for (const name of ["logistic", "reluBatchNorm"] as const) {
    for (const codeSize of [30, 2]) {
      const model = createAutoencoder(mnistAutoencoderConfig(name, codeSize));
      const x = tf.zeros([2, 784]) as tf.Tensor2D;
      const code = model.encode(x);
      assert.deepEqual(code.shape, [2, codeSize]);
      tf.dispose([x, code]);
      model.dispose();
    }
    assert.equal(mnistAutoencoderRecipe(name, "smoke").epochs, 1);
    assert.ok(mnistAutoencoderRecipe(name, "full").epochs > mnistAutoencoderRecipe(name, "cpu").epochs);
  }
});

test("weight decay shrinks kernels only", async () => {
  const kernel = tf.variable(tf.fill([2], 2));
  const bias = tf.variable(tf.fill([2], 2));
  // A zero loss leaves Adam's update at zero, so only the decay moves the kernel.
  await fit({
    variables: [kernel, bias],
    decayedVariables: [kernel],
    batchLoss: () => tf.mul(tf.sum(tf.add(kernel, bias)), 0),
    trainCount: 3,
    epochs: 1,
    batchSize: 1,
    optimizer: { name: "adam", learningRate: 0.1, weightDecay: 0.5 },
    seed: 1,
  });
  const expected = 2 * Math.pow(1 - 0.1 * 0.5, 3);
  assert.ok(Array.from(kernel.dataSync()).every((value) => Math.abs(value - expected) < 1e-6));
  assert.deepEqual(Array.from(bias.dataSync()), [2, 2]);
  tf.dispose([kernel, bias]);
});

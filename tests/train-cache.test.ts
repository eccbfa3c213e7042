import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { AutoencoderConfig } from "../lib/models/autoencoder";
import { Random } from "../lib/random";
import { AutoencoderRecipe, trainAutoencoderCached } from "../lib/train/autoencoder";
import { cacheDir, cacheHash } from "../lib/train/cache";
import { DenseDataset } from "../lib/train/dataset";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "weight-cache-test-"));

before(async () => {
  await tf.setBackend("cpu");
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function uniformDataset(count: number, dim: number): DenseDataset {
  const random = new Random(4);
  return { values: Float32Array.from({ length: count * dim }, () => random.uniform()), count, dim };
}

const MODEL: AutoencoderConfig = { layerSizes: [8, 6, 2], hiddenActivation: "sigmoid", init: "glorotUniform", seed: 1 };
const RECIPE: AutoencoderRecipe = {
  epochs: 2,
  batchSize: 16,
  optimizer: { name: "adam", learningRate: 1e-2 },
  schedule: { kind: "constant" },
  loss: "crossEntropy",
  seed: 2,
};
const train = uniformDataset(64, 8);

function run(recipe: AutoencoderRecipe, retrain?: boolean) {
  return trainAutoencoderCached({ name: "tiny", model: MODEL, recipe, datasetId: "uniform-64", train, retrain, cacheRoot: root });
}

test("weight cache miss then hit", async () => {
  const first = await run(RECIPE);
  assert.equal(first.source, "trained");
  assert.match(first.message, /^trained in \d+ s, saved to .*tiny-[0-9a-f]{16}$/);
  assert.ok(fs.existsSync(path.join(first.dir, "weights.bin")));

  const second = await run(RECIPE);
  assert.equal(second.source, "cache");
  assert.equal(second.message, `loaded cached weights from ${first.dir}`);
  assert.equal(second.dir, first.dir);
  assert.deepEqual(second.history, first.history);
  assert.equal(second.trainSeconds, first.trainSeconds);
  for (const [name, variable] of first.model.variables) {
    assert.deepEqual(Array.from(second.model.variables.get(name)!.dataSync()), Array.from(variable.dataSync()), name);
  }
  first.model.dispose();
  second.model.dispose();
});

test("weight cache key covers the recipe", async () => {
  const changed = await run({ ...RECIPE, epochs: 3 });
  assert.equal(changed.source, "trained");
  assert.equal(changed.history.length, 3);
  changed.model.dispose();
});

test("weight cache retrain option and HW5_RETRAIN", async () => {
  const forced = await run(RECIPE, true);
  assert.equal(forced.source, "trained");
  forced.model.dispose();

  process.env.HW5_RETRAIN = "1";
  try {
    const fromEnv = await run(RECIPE);
    assert.equal(fromEnv.source, "trained");
    fromEnv.model.dispose();
  } finally {
    delete process.env.HW5_RETRAIN;
  }
  const cached = await run(RECIPE);
  assert.equal(cached.source, "cache");
  cached.model.dispose();
});

test("weight cache rejects a corrupt entry", async () => {
  const entry = await run(RECIPE);
  entry.model.dispose();
  fs.writeFileSync(path.join(entry.dir, "weights.bin"), Buffer.alloc(12));
  await assert.rejects(run(RECIPE), /Cached weights in .* could not be loaded: .*\(rm -rf .* set HW5_RETRAIN=1/);
  const repaired = await run(RECIPE, true);
  assert.equal(repaired.source, "trained");
  repaired.model.dispose();
});

test("cache hash ignores key order", () => {
  assert.equal(cacheHash({ a: 1, b: { c: 2, d: [1, 2] } }), cacheHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
  assert.notEqual(cacheHash({ a: 1 }), cacheHash({ a: 2 }));
  const key = { model: MODEL };
  assert.notEqual(cacheDir({ name: "x", key, datasetId: "one" }), cacheDir({ name: "x", key, datasetId: "two" }));
  assert.throws(() => cacheDir({ name: "a/b", key, datasetId: "one" }), /Invalid cache name "a\/b"/);
});

import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { AutoencoderConfig, createAutoencoder, loadAutoencoder } from "../lib/models/autoencoder";

before(async () => {
  await tf.setBackend("cpu");
});

const PAPER: AutoencoderConfig = {
  layerSizes: [784, 1000, 500, 250, 30],
  hiddenActivation: "sigmoid",
  init: "glorotUniform",
  seed: 1,
};

const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), "autoencoder-test-"));
let tempCount = 0;

after(() => {
  fs.rmSync(tempRoot, { recursive: true, force: true });
});

function tempDir(): string {
  tempCount += 1;
  return path.join(tempRoot, `model-${tempCount}`);
}

test("encoder and decoder output shapes", () => {
  for (const batchNorm of [false, true]) {
    const model = createAutoencoder({ ...PAPER, batchNorm });
    const x = tf.randomUniform([3, 784]) as tf.Tensor2D;
    const code = model.encode(x);
    const output = model.reconstruct(x);
    assert.deepEqual(code.shape, [3, 30]);
    assert.deepEqual(model.decode(code).shape, [3, 784]);
    assert.deepEqual(output.shape, [3, 784]);
    const values = output.dataSync();
    assert.ok(values.every((v) => v >= 0 && v <= 1), "sigmoid outputs must lie in [0, 1]");
    tf.dispose([x, code, output]);
    model.dispose();
  }
});

test("parameter count of the 784-1000-500-250-30 autoencoder", () => {
  const model = createAutoencoder(PAPER);
  const encoder = 784 * 1000 + 1000 + 1000 * 500 + 500 + 500 * 250 + 250 + 250 * 30 + 30;
  const decoder = 30 * 250 + 250 + 250 * 500 + 500 + 500 * 1000 + 1000 + 1000 * 784 + 784;
  assert.equal(model.parameterCount, encoder + decoder);
  assert.deepEqual([...model.variables.keys()].slice(0, 2), ["encoder/dense_1/kernel", "encoder/dense_1/bias"]);
  model.dispose();
});

test("wrong input width is rejected", () => {
  const model = createAutoencoder({ ...PAPER, layerSizes: [10, 4, 2] });
  const x = tf.zeros([2, 11]) as tf.Tensor2D;
  assert.throws(() => model.encode(x), /\[batch, 10\], got \[2, 11\]/);
  x.dispose();
  model.dispose();
});

test("same seed gives same weights", () => {
  const a = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3], init: "heNormal" });
  const b = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3], init: "heNormal" });
  const c = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3], init: "heNormal", seed: 2 });
  const kernel = (m: typeof a) => Array.from(m.variables.get("encoder/dense_1/kernel")!.dataSync());
  assert.deepEqual(kernel(a), kernel(b));
  assert.notDeepEqual(kernel(a), kernel(c));
  [a, b, c].forEach((m) => m.dispose());
});

test("save and load round trip", async () => {
  const dir = tempDir();
  const config: AutoencoderConfig = { ...PAPER, layerSizes: [20, 8, 3], batchNorm: true, hiddenActivation: "relu" };
  const original = createAutoencoder(config);
  // Move the batch-norm statistics away from their initial values so that they are checked too.
  const x = tf.randomNormal([16, 20], 0.5, 1, "float32", 7) as tf.Tensor2D;
  tf.tidy(() => original.encode(x, { training: true }));
  await original.save(dir);

  const restored = createAutoencoder({ ...config, seed: 99 });
  restored.load(dir);
  for (const [name, variable] of original.variables) {
    assert.deepEqual(Array.from(restored.variables.get(name)!.dataSync()), Array.from(variable.dataSync()), name);
  }
  const fromFolder = loadAutoencoder(dir);
  assert.deepEqual(fromFolder.config, original.config);
  const expected = original.reconstruct(x);
  const actual = fromFolder.reconstruct(x);
  assert.deepEqual(Array.from(actual.dataSync()), Array.from(expected.dataSync()));
  tf.dispose([x, expected, actual]);
  [original, restored, fromFolder].forEach((m) => m.dispose());
});

test("load rejects a mis-shaped tensor", async () => {
  const dir = tempDir();
  const saved = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3] });
  await saved.save(dir);
  const wider = createAutoencoder({ ...PAPER, layerSizes: [20, 9, 3] });
  const before = Array.from(wider.variables.get("encoder/dense_1/kernel")!.dataSync());
  assert.throws(() => wider.load(dir), /Weight "encoder\/dense_1\/kernel" .* has shape \[20, 8\] .* expected \[20, 9\]/);
  assert.deepEqual(Array.from(wider.variables.get("encoder/dense_1/kernel")!.dataSync()), before);
  saved.dispose();
  wider.dispose();
});

test("load rejects a missing tensor", async () => {
  const dir = tempDir();
  const saved = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3] });
  await saved.save(dir);
  const withBatchNorm = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3], batchNorm: true });
  assert.throws(() => withBatchNorm.load(dir), /Weight "encoder\/batch_norm_1\/gamma" is missing/);
  saved.dispose();
  withBatchNorm.dispose();
});

test("load rejects a truncated weight file", async () => {
  const dir = tempDir();
  const saved = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3] });
  await saved.save(dir);
  const file = path.join(dir, "weights.bin");
  fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100));
  assert.throws(() => saved.load(dir), /weights\.bin has 100 bytes, expected/);
  saved.dispose();
});

test("load rejects a weight file changed in place", async () => {
  const dir = tempDir();
  const saved = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3] });
  await saved.save(dir);
  const file = path.join(dir, "weights.bin");
  const bytes = fs.readFileSync(file);
  bytes.writeFloatLE(3.0, bytes.length - 4);
  fs.writeFileSync(file, bytes);
  assert.throws(() => saved.load(dir), /weights\.bin has SHA-256 [0-9a-f]{64}, but .* records [0-9a-f]{64}/);
  saved.dispose();
});

test("inference leaves no tensors behind", () => {
  const model = createAutoencoder({ ...PAPER, layerSizes: [20, 8, 3], batchNorm: true });
  const x = tf.ones([4, 20]) as tf.Tensor2D;
  const count = tf.memory().numTensors;
  const output = model.reconstruct(x);
  assert.equal(tf.memory().numTensors, count + 1);
  output.dispose();
  x.dispose();
  model.dispose();
});

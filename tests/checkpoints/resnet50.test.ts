// SimCLR ResNet-50: variable naming, loading from a generated tensor bundle, and features
// against a float64 PyTorch reference with TensorFlow padding (scripts/make_checkpoint_fixtures.py).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { TensorBundle } from "../../lib/checkpoints/tensorBundle";
import { readTorchStateDict } from "../../lib/checkpoints/pytorch";
import { RESNET50_1X, ResNetConfig, SimclrResNet, simclrResNetSpecs, simclrResNetWeights } from "../../lib/models/resnet50";
import { FIXTURE_DIR, loadArray, relativeError } from "./fixtureArrays";

const W8: ResNetConfig = { baseWidth: 8, layers: [3, 4, 6, 3] };
const TINY: ResNetConfig = { baseWidth: 4, layers: [1, 1, 1, 1] };
const TOLERANCE = 1e-4;

function readBundle(name: string) {
  const bundle = new TensorBundle(path.join(FIXTURE_DIR, name));
  const tensors = bundle.readAll();
  bundle.close();
  return tensors;
}

function features(net: SimclrResNet, inputName: string): Float32Array {
  const input = loadArray(inputName);
  return tf.tidy(() => net.features(tf.tensor4d(input.data, input.shape as [number, number, number, number])).dataSync() as Float32Array);
}

test("ResNet-50 1x lists 53 convs and 53 batch norms", () => {
  const specs = simclrResNetSpecs(RESNET50_1X);
  const kernels = specs.filter((s) => s.name.endsWith("/kernel"));
  assert.equal(kernels.length, 53);
  assert.equal(specs.filter((s) => s.name.endsWith("/moving_variance")).length, 53);
  assert.equal(specs.length, 53 * 5);
  assert.deepEqual(kernels[0], { name: "conv2d/kernel", shape: [7, 7, 3, 64] });
  // The first block's projection shortcut is created before the block's own convs.
  assert.deepEqual(kernels[1], { name: "conv2d_1/kernel", shape: [1, 1, 64, 256] });
  assert.deepEqual(kernels[2], { name: "conv2d_2/kernel", shape: [1, 1, 64, 64] });
  assert.deepEqual(kernels[52], { name: "conv2d_52/kernel", shape: [1, 1, 512, 2048] });
  const parameters = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
  // 23.5M without the final dense layer (25.6M with it).
  assert.ok(parameters > 23.4e6, `parameter count ${parameters}`);
  assert.ok(parameters < 23.7e6, `parameter count ${parameters}`);
});

test("ResNet features match the PyTorch reference", () => {
  const weights = simclrResNetWeights(readBundle("simclr_r50_w8.ckpt"), W8);
  const net = new SimclrResNet(W8, weights);
  assert.equal(net.featureSize, 256);
  // 64 px is even, where TensorFlow's asymmetric padding differs from PyTorch's; 57 px is odd.
  for (const size of [64, 57]) {
    const actual = features(net, `simclr_r50_w8_input_${size}`);
    const expected = loadArray(`simclr_r50_w8_features_${size}`);
    const error = relativeError(actual, expected.data);
    console.log(`ResNet width 8, ${size} px: max relative error ${error.toExponential(2)}`);
    assert.ok(error < TOLERANCE, `relative error ${error} at ${size} px`);
  }
  net.dispose();
});

test("ResNet loads the ema_model copy", () => {
  const tensors = readBundle("simclr_tiny_ema.ckpt");
  for (const [prefix, expectedName] of [
    ["base_model/", "simclr_tiny_base_features_40"],
    ["ema_model/", "simclr_tiny_ema_features_40"],
  ]) {
    const net = new SimclrResNet(TINY, simclrResNetWeights(tensors, TINY, prefix));
    const error = relativeError(features(net, "simclr_tiny_input_40"), loadArray(expectedName).data);
    assert.ok(error < TOLERANCE, `${prefix}: relative error ${error}`);
    net.dispose();
  }
});

test("ResNet loading names the first bad tensor", () => {
  const tensors = readBundle("simclr_r50_w8.ckpt");
  // One more final block: conv2d_53 is missing.
  assert.throws(() => simclrResNetWeights(tensors, { baseWidth: 8, layers: [3, 4, 6, 4] }), /missing tensor "conv2d_53\/kernel"/);
  // ResNet-101: the 7th block of stage 3 takes the number of stage 4's projection.
  assert.throws(() => simclrResNetWeights(tensors, { baseWidth: 8, layers: [3, 4, 23, 3] }), /"conv2d_43\/kernel" has shape \[1, 1, 128, 256\]/);
  // Wider configuration: every shape differs, the stem first.
  assert.throws(() => simclrResNetWeights(tensors, RESNET50_1X), /"conv2d\/kernel" has shape \[7, 7, 3, 8\], expected \[7, 7, 3, 64\]/);
  // One block fewer at the end: the checkpoint has variables the model does not.
  assert.throws(() => simclrResNetWeights(tensors, { baseWidth: 8, layers: [3, 4, 6, 2] }), /unexpected tensor "batch_normalization_50\/beta"/);
  // A PyTorch ViT state dict has no SimCLR variables at all.
  const vit = readTorchStateDict(path.join(FIXTURE_DIR, "mae_vit_tiny.pth"));
  assert.throws(() => simclrResNetWeights(vit, W8), /no variables under "base_model\/" \(found cls_token, pos_embed/);
});

test("tensor bundle detects a corrupted data shard", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
  try {
    for (const suffix of [".index", ".data-00000-of-00001"]) {
      fs.copyFileSync(path.join(FIXTURE_DIR, `simclr_tiny_ema.ckpt${suffix}`), path.join(dir, `model.ckpt${suffix}`));
    }
    const shard = path.join(dir, "model.ckpt.data-00000-of-00001");
    const bundle = new TensorBundle(path.join(dir, "model.ckpt"));
    const info = bundle.info("base_model/conv2d/kernel");
    const bytes = fs.readFileSync(shard);
    bytes[info.offset + 5] ^= 0x10;
    fs.writeFileSync(shard, bytes);
    assert.throws(() => bundle.read("base_model/conv2d/kernel"), /"base_model\/conv2d\/kernel": CRC-32C mismatch/);
    // Other tensors still verify.
    assert.equal(bundle.read("base_model/conv2d_1/kernel").dtype, "float32");
    bundle.close();

    fs.truncateSync(shard, bytes.length - 10);
    const truncated = new TensorBundle(path.join(dir, "model.ckpt"));
    const last = truncated.list().reduce((a, b) => (a.offset > b.offset ? a : b));
    assert.throws(() => truncated.read(last.name), /lie beyond the end .* the shard is truncated/);
    truncated.close();

    const index = fs.readFileSync(path.join(dir, "model.ckpt.index"));
    index[20] ^= 0x01;
    fs.writeFileSync(path.join(dir, "model.ckpt.index"), index);
    assert.throws(() => new TensorBundle(path.join(dir, "model.ckpt")), /CRC-32C mismatch in the block/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

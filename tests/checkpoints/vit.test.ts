// MAE ViT encoder: loading a torch.save checkpoint with timm keys and matching the outputs of a
// float64 torchvision VisionTransformer (scripts/make_checkpoint_fixtures.py).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { TensorBundle } from "../../lib/checkpoints/tensorBundle";
import { readTorchStateDict } from "../../lib/checkpoints/pytorch";
import { VIT_B16, VisionTransformer, VitConfig, interpolatePosEmbed, maeVitSpecs, maeVitWeights } from "../../lib/models/vit";
import { FIXTURE_DIR, loadArray, relativeError } from "./fixtureArrays";

const TINY: VitConfig = { imageSize: 32, patchSize: 8, embedDim: 48, depth: 2, numHeads: 3, mlpRatio: 4 };
const TOLERANCE = 1e-4;
const CHECKPOINT = path.join(FIXTURE_DIR, "mae_vit_tiny.pth");

function run(vit: VisionTransformer, size: number): { cls: Float32Array; pooled: Float32Array } {
  const input = loadArray(`mae_vit_tiny_input_${size}`);
  const images = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
  const out = vit.forward(images);
  const result = { cls: out.cls.dataSync() as Float32Array, pooled: out.pooled.dataSync() as Float32Array };
  tf.dispose([images, out.cls, out.pooled]);
  return result;
}

test("ViT-B/16 spec matches the MAE checkpoint layout", () => {
  const { required, optional } = maeVitSpecs(VIT_B16);
  const byName = new Map(required.map((s) => [s.name, s.shape]));
  assert.deepEqual(byName.get("pos_embed"), [1, 197, 768]);
  assert.deepEqual(byName.get("blocks.11.attn.qkv.weight"), [2304, 768]);
  assert.deepEqual(byName.get("patch_embed.proj.weight"), [768, 3, 16, 16]);
  assert.equal(required.length, 4 + 12 * 12 + 2);
  assert.deepEqual(optional.map((s) => s.name), ["fc_norm.weight", "fc_norm.bias"]);
  const parameters = required.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
  assert.ok(parameters > 85.5e6, `parameter count ${parameters}`);
  assert.ok(parameters < 86.5e6, `parameter count ${parameters}`);
});

test("ViT outputs match torchvision at 32 and 48 px", () => {
  const { weights, initialized } = maeVitWeights(readTorchStateDict(CHECKPOINT), TINY);
  assert.deepEqual(initialized, []);
  const vit = new VisionTransformer(TINY, weights);
  for (const size of [32, 48]) {
    const out = run(vit, size);
    const clsError = relativeError(out.cls, loadArray(`mae_vit_tiny_cls_${size}`).data);
    const pooledError = relativeError(out.pooled, loadArray(`mae_vit_tiny_pooled_${size}`).data);
    console.log(`ViT ${size} px: max relative error cls ${clsError.toExponential(2)}, pooled ${pooledError.toExponential(2)}`);
    assert.ok(clsError < TOLERANCE, `cls relative error ${clsError} at ${size} px`);
    assert.ok(pooledError < TOLERANCE, `pooled relative error ${pooledError} at ${size} px`);
  }
  vit.dispose();
});

test("ViT position embedding bicubic resize", () => {
  const { weights } = maeVitWeights(readTorchStateDict(CHECKPOINT), TINY);
  const resized = interpolatePosEmbed(weights.get("pos_embed")!, 6, 6);
  assert.deepEqual(resized.shape, [1, 37, 48]);
  const error = relativeError(resized.data, loadArray("mae_vit_tiny_pos_embed_48").data);
  assert.ok(error < 1e-6, `relative error ${error}`);
  // The same grid is an identity.
  assert.deepEqual(interpolatePosEmbed(weights.get("pos_embed")!, 4, 4).data, weights.get("pos_embed")!.data);
});

test("ViT initializes a missing fc_norm", () => {
  const tensors = readTorchStateDict(CHECKPOINT);
  tensors.delete("fc_norm.weight");
  tensors.delete("fc_norm.bias");
  const { weights, initialized } = maeVitWeights(tensors, TINY);
  assert.deepEqual(initialized, ["fc_norm.weight", "fc_norm.bias"]);
  const vit = new VisionTransformer(TINY, weights);
  const out = run(vit, 32);
  const error = relativeError(out.pooled, loadArray("mae_vit_tiny_pooled_identity_fc_norm_32").data);
  assert.ok(error < TOLERANCE, `relative error ${error}`);
  vit.dispose();
});

test("ViT loading names the first bad key", () => {
  const tensors = readTorchStateDict(CHECKPOINT);
  assert.throws(() => maeVitWeights(tensors, { ...TINY, depth: 3 }), /missing tensor "blocks\.2\.norm1\.weight"/);
  assert.throws(() => maeVitWeights(tensors, { ...TINY, depth: 1 }), /unexpected tensor "blocks\.1\.norm1\.weight"/);
  assert.throws(() => maeVitWeights(tensors, { ...TINY, imageSize: 64 }), /"pos_embed" has shape \[1, 17, 48\], expected \[1, 65, 48\]/);
  assert.throws(() => maeVitWeights(tensors, VIT_B16), /"cls_token" has shape \[1, 1, 48\], expected \[1, 1, 768\]/);
  // A classifier head is ignored; any other extra key is not.
  tensors.set("head.weight", { dtype: "float32", shape: [10, 48], data: new Float32Array(480) });
  assert.doesNotThrow(() => maeVitWeights(tensors, TINY));
  tensors.set("decoder_embed.weight", { dtype: "float32", shape: [1], data: new Float32Array(1) });
  assert.throws(() => maeVitWeights(tensors, TINY), /unexpected tensor "decoder_embed\.weight"/);
  // A SimCLR TensorFlow checkpoint lacks every timm key.
  const bundle = new TensorBundle(path.join(FIXTURE_DIR, "simclr_tiny_ema.ckpt"));
  assert.throws(() => maeVitWeights(bundle.readAll(), TINY), /missing tensor "cls_token"/);
  bundle.close();
});

test("ViT rejects inputs off the patch grid", () => {
  const { weights } = maeVitWeights(readTorchStateDict(CHECKPOINT), TINY);
  const vit = new VisionTransformer(TINY, weights);
  const images = tf.zeros([1, 30, 32, 3]) as tf.Tensor4D;
  assert.throws(() => vit.forward(images), /multiples of 8/);
  images.dispose();
  vit.dispose();
});

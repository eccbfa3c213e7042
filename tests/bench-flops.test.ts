import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { modelMultiplyAdds } from "../bench/flops";
import { UnconditionalGan } from "../lib/generative/gan";
import { buildResNet20 } from "../lib/models/resnet20";
import { buildTrainableVit, CIFAR_VIT } from "../lib/models/vitTrainable";

before(async () => {
  tf.enableProdMode();
  await tf.setBackend("cpu");
});

test("ResNet-20 multiply-adds", () => {
  const model = buildResNet20();
  // conv output pixels x kernel size, stage by stage (He et al. 2016 quote about 41M).
  const conv = (side: number, kernel: number, inChannels: number, outChannels: number) => side * side * kernel * kernel * inChannels * outChannels;
  const stem = conv(32, 3, 3, 16);
  const stage1 = 6 * conv(32, 3, 16, 16);
  const stage2 = conv(16, 3, 16, 32) + 5 * conv(16, 3, 32, 32) + conv(16, 1, 16, 32);
  const stage3 = conv(8, 3, 32, 64) + 5 * conv(8, 3, 64, 64) + conv(8, 1, 32, 64);
  assert.equal(modelMultiplyAdds(model), stem + stage1 + stage2 + stage3 + 64 * 10);
  model.dispose();
});

test("ViT multiply-adds", () => {
  const model = buildTrainableVit(CIFAR_VIT, { numClasses: 10 });
  const tokens = 65;
  const width = 128;
  const patchEmbedding = 64 * (4 * 4 * 3) * width;
  const block = tokens * width * 3 * width + 2 * tokens * tokens * width + tokens * width * width + 2 * tokens * width * 4 * width;
  assert.equal(modelMultiplyAdds(model), patchEmbedding + 4 * block + width * 10);
  model.dispose();
});

test("DCGAN multiply-adds", () => {
  const gan = new UnconditionalGan();
  // Transposed convs: input pixels x kernel size; convs: output pixels x kernel size.
  const generator = 64 * 7 * 7 * 128 + 7 * 7 * (4 * 4 * 128 * 64) + 14 * 14 * (4 * 4 * 64 * 1);
  const discriminator = 14 * 14 * (4 * 4 * 1 * 32) + 7 * 7 * (4 * 4 * 32 * 64) + 7 * 7 * 64;
  assert.equal(modelMultiplyAdds(gan.generator), generator);
  assert.equal(modelMultiplyAdds(gan.discriminator), discriminator);
  gan.dispose();
});

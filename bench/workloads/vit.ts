/**
 * Small ViT (lib/models/vitTrainable.ts, CIFAR_VIT: patch 4, 64 patch tokens and a class
 * token, width 128, 4 blocks, 4 heads, MLP ratio 4) training step on 32x32x3 images, 10
 * classes, batch 64.
 */
import { buildTrainableVit, CIFAR_VIT } from "../../lib/models/vitTrainable";
import { classifierSession } from "./classifier";
import type { Workload } from "./workload";

const NUM_CLASSES = 10;

export const vit: Workload = {
  name: "vit",
  title: "ViT patch 4, width 128, 4 blocks, 4 heads, MLP ratio 4, 32x32x3, softmax cross-entropy, Adam",
  defaultBatchSize: 64,
  scalingBatchSizes: [],
  slowOnCpu: true,
  requiredKernels: ["Conv2DBackpropFilter"],
  async create(batchSize, seed) {
    const model = buildTrainableVit(CIFAR_VIT, { numClasses: NUM_CLASSES, channels: 3, seed });
    return classifierSession("vit", model, NUM_CLASSES, batchSize, seed);
  },
};

/** ResNet-20 (lib/models/resnet20.ts) training step on 32x32x3 images, 10 classes, batch 64. */
import { buildResNet20 } from "../../lib/models/resnet20";
import { classifierSession } from "./classifier";
import type { Workload } from "./workload";

const NUM_CLASSES = 10;

export const resnet20: Workload = {
  name: "resnet20",
  title: "ResNet-20 (option-B shortcuts), 32x32x3, softmax cross-entropy, Adam",
  defaultBatchSize: 64,
  // At batch 256 the wasm backends run out of their 4 GiB heap (RuntimeError: memory access
  // out of bounds in _register_tensor after the first step, wasm-fixed-1).
  scalingBatchSizes: [16, 64, 128],
  slowOnCpu: true,
  requiredKernels: ["Conv2DBackpropFilter"],
  async create(batchSize, seed) {
    const model = buildResNet20({ inputShape: [32, 32, 3], numClasses: NUM_CLASSES, seed });
    return classifierSession("resnet20", model, NUM_CLASSES, batchSize, seed);
  },
};

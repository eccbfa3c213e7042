/**
 * DCGAN training step on 28x28x1 images, batch 64: lib/generative/gan.ts's UnconditionalGan
 * with its default config (conv architecture, baseFilters 32, latent 64, non-saturating loss
 * with real label 0.9, Adam 2e-4 with beta1 0.5). One step is one discriminator update on a
 * real and a generated batch plus one generator update. Real images are uniform in [-1, 1).
 */
import * as tf from "@tensorflow/tfjs";

import { UnconditionalGan } from "../../lib/generative/gan";
import { Random } from "../../lib/random";
import { FLOPS_PER_MULTIPLY_ADD, modelMultiplyAdds, TRAINING_PASSES } from "../flops";
import { checkedLoss, type Workload } from "./workload";

const DISTINCT_BATCHES = 4;

/**
 * Computes the training FLOPs per real example. The generator runs forward for the fakes
 * (1 pass). The discriminator update takes 3 passes on 2 images (real and fake). The generator
 * update takes 3 passes of the generator and 2 of the discriminator, whose weights get no
 * gradient.
 */
function ganFlopsPerExample(generatorMultiplyAdds: number, discriminatorMultiplyAdds: number): number {
  const generatorPasses = 1 + TRAINING_PASSES;
  const discriminatorPasses = 2 * TRAINING_PASSES + 2;
  return FLOPS_PER_MULTIPLY_ADD * (generatorPasses * generatorMultiplyAdds + discriminatorPasses * discriminatorMultiplyAdds);
}

export const dcgan: Workload = {
  name: "dcgan",
  title: "DCGAN (UnconditionalGan defaults), 28x28x1, one discriminator and one generator update, Adam",
  defaultBatchSize: 64,
  scalingBatchSizes: [],
  slowOnCpu: true,
  requiredKernels: ["Conv2DBackpropFilter"],
  async create(batchSize, seed) {
    const gan = new UnconditionalGan({ seed });
    const size = gan.config.imageSize;
    const random = new Random(seed);
    const batches = Array.from({ length: DISTINCT_BATCHES }, () => Float32Array.from({ length: batchSize * size * size }, () => 2 * random.uniform() - 1));
    let stepIndex = 0;
    return {
      flopsPerExample: ganFlopsPerExample(modelMultiplyAdds(gan.generator), modelMultiplyAdds(gan.discriminator)),
      async step() {
        const real = tf.tensor4d(batches[stepIndex++ % DISTINCT_BATCHES], [batchSize, size, size, 1]);
        const losses = gan.trainStep(real); // reads both losses, so the step has finished
        real.dispose();
        checkedLoss("dcgan generator", losses.generatorLoss);
        return checkedLoss("dcgan discriminator", losses.discriminatorLoss);
      },
      dispose() {
        gan.dispose();
      },
    };
  },
};

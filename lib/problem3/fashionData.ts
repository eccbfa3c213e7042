/**
 * Problem 3 data: Fashion-MNIST (verified against its checksums) as uint8 images with labels,
 * cut to a prefix in the smoke profile.
 */
import { FASHION_MNIST, loadFashionMnist } from "../data/index";
import { firstRows } from "../data/subset";
import type { LabelledImages } from "../generative/classifier";
import { byProfile } from "../profile";

export interface FashionSplits {
  train: LabelledImages & { labels: Uint8Array };
  test: LabelledImages & { labels: Uint8Array };
  /** Class names in label order ("T-shirt/top", ..., "Ankle boot"). */
  classNames: string[];
  /** Identifies the training data for the weight cache. */
  datasetId: string;
  /** True when the smoke profile cut the splits down. */
  subset: boolean;
}

/**
 * Loads the 60,000 training and 10,000 test images. The smoke profile keeps the first 2,000
 * training and 1,000 test images.
 */
export async function loadFashionSplits(): Promise<FashionSplits> {
  const [trainSet, testSet] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
  const train = firstRows(trainSet, byProfile({ smoke: 2000, cpu: trainSet.count, full: trainSet.count }));
  const test = firstRows(testSet, byProfile({ smoke: 1000, cpu: testSet.count, full: testSet.count }));
  // The decompressed training images' SHA-256, which every loaded copy was verified against.
  const check = FASHION_MNIST.remotes[0].files[0].check;
  const trainImagesHash = check.kind === "sha256" ? check.sha256 : FASHION_MNIST.remotes[0].files[0].name;
  return {
    train,
    test,
    classNames: [...FASHION_MNIST.classNames],
    datasetId: `${FASHION_MNIST.id}-${trainImagesHash.slice(0, 16)}-${train.count}`,
    subset: train.count < trainSet.count,
  };
}

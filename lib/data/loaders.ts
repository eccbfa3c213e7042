import * as fs from "fs";
import { parseCifar100Records, CIFAR_CHANNELS, CIFAR_SIDE } from "./cifar";
import { ensureDataFiles } from "./fetch";
import { parseIdxImages, parseIdxLabels } from "./idx";
import { CIFAR100, FASHION_MNIST, MNIST } from "./specs";
import { Cifar100Dataset, Cifar100Spec, DataOptions, DatasetSource, FileStatus, IdxDatasetSpec, ImageDataset, Split, SPLITS } from "./types";
import { nonEmptyLines } from "./verify";

/** Loader settings plus an optional replacement of the dataset's checksum table. */
export interface LoadOptions<Spec> extends DataOptions {
  /** Dataset table to use instead of the official one (file names, checksums, counts, URLs). */
  spec?: Spec;
}

function checkSplit(split: string): asserts split is Split {
  if (!(SPLITS as readonly string[]).includes(split)) {
    throw new Error(`Invalid split "${split}". Use one of: ${SPLITS.join(", ")}.`);
  }
}

/**
 * Loads one split of an IDX dataset, fetching and checking its two files first.
 * Throws DataFileError for a missing or corrupt file and Error for a malformed header, a count
 * other than the table's, or image and label counts that differ.
 */
export async function loadIdxDataset(spec: IdxDatasetSpec, split: Split, options: DataOptions = {}): Promise<ImageDataset> {
  checkSplit(split);
  const { images: imagesName, labels: labelsName, count } = spec.splits[split];
  const [imageStatus, labelStatus] = await ensureDataFiles(spec, [imagesName, labelsName], options);

  const images = parseIdxImages(await fs.promises.readFile(imageStatus.path), imageStatus.path);
  const labels = parseIdxLabels(await fs.promises.readFile(labelStatus.path), labelStatus.path, spec.classNames.length);
  if (images.count !== labels.length) {
    throw new Error(`Image and label counts differ: ${imageStatus.path} contains ${images.count} images, ${labelStatus.path} contains ${labels.length} labels.`);
  }
  if (images.count !== count) {
    throw new Error(`Invalid image count in ${imageStatus.path}: ${images.count}, expected ${count} for the ${split} split.`);
  }
  if (images.height !== spec.height || images.width !== spec.width) {
    throw new Error(
      `Invalid image size in ${imageStatus.path}: ${images.height}x${images.width}, expected ${spec.height}x${spec.width}.`,
    );
  }

  return {
    name: spec.id,
    split,
    images: images.pixels,
    labels,
    count,
    height: images.height,
    width: images.width,
    channels: 1,
    classNames: [...spec.classNames],
  };
}

/**
 * Loads MNIST digits (28x28 grayscale, labels 0..9): 60,000 train or 10,000 test images.
 * Looks in the cache, then HW5_DATA_MIRRORS, then downloads; see `ensureDataFiles` for errors.
 */
export function loadMnist(split: Split, options: LoadOptions<IdxDatasetSpec> = {}): Promise<ImageDataset> {
  return loadIdxDataset(options.spec ?? MNIST, split, options);
}

/** Loads Fashion-MNIST (28x28 grayscale, 10 clothing classes); same sources and errors as MNIST. */
export function loadFashionMnist(split: Split, options: LoadOptions<IdxDatasetSpec> = {}): Promise<ImageDataset> {
  return loadIdxDataset(options.spec ?? FASHION_MNIST, split, options);
}

/**
 * Loads CIFAR-100 (32x32 RGB, NHWC): 50,000 train or 10,000 test images with fine labels
 * (100 classes) in `labels` and superclass labels (20) in `coarseLabels`.
 * Throws DataFileError for a missing or corrupt file and Error for a wrong record count or an
 * out-of-range label.
 */
export async function loadCifar100(split: Split, options: LoadOptions<Cifar100Spec> = {}): Promise<Cifar100Dataset> {
  checkSplit(split);
  const spec = options.spec ?? CIFAR100;
  const { records, count } = spec.splits[split];
  const [recordStatus, fineStatus, coarseStatus] = await ensureDataFiles(
    spec,
    [records, spec.fineNames, spec.coarseNames],
    options,
  );

  const parsed = parseCifar100Records(await fs.promises.readFile(recordStatus.path), recordStatus.path, count);
  return {
    name: spec.id,
    split,
    images: parsed.images,
    labels: parsed.fineLabels,
    coarseLabels: parsed.coarseLabels,
    count: parsed.count,
    height: CIFAR_SIDE,
    width: CIFAR_SIDE,
    channels: CIFAR_CHANNELS,
    classNames: nonEmptyLines(fs.readFileSync(fineStatus.path, "utf8")),
    coarseClassNames: nonEmptyLines(fs.readFileSync(coarseStatus.path, "utf8")),
  };
}

/**
 * Fetches and checks every file of a dataset without parsing it; returns one status per file in
 * table order. Used by `npm run data`.
 */
export function prepareDataset(source: DatasetSource, options: DataOptions = {}): Promise<FileStatus[]> {
  const names = source.remotes.flatMap((remote) => remote.files.map((file) => file.name));
  return ensureDataFiles(source, names, options);
}

/**
 * Converts 0..255 pixels to floats, `pixel * scale` (default 1/255, giving 0..1). Allocates
 * 4 bytes per pixel: 188 MB for the 50,000 CIFAR-100 training images.
 */
export function toFloat32(images: Uint8Array, scale = 1 / 255): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = images[i] * scale;
  return out;
}

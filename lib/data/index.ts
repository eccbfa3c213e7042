/**
 * Dataset loaders for MNIST, Fashion-MNIST and CIFAR-100. Files are checked against SHA-256
 * tables, cached decompressed under `dataDir()`, looked up first in the read-only mirror folders
 * of HW5_DATA_MIRRORS and downloaded only when no mirror has them. Data stays in typed arrays.
 */
export { loadMnist, loadFashionMnist, loadCifar100, loadIdxDataset, prepareDataset, toFloat32 } from "./loaders";
export type { LoadOptions } from "./loaders";
export { ensureDataFiles, cacheFolder, mirrorsFromEnv } from "./fetch";
export { MNIST, FASHION_MNIST, CIFAR100, CIFAR100_FINE_NAMES, CIFAR100_COARSE_NAMES } from "./specs";
export { DataFileError } from "./verify";
export { parseIdxImages, parseIdxLabels, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from "./idx";
export { parseCifar100Records, CIFAR100_RECORD_BYTES } from "./cifar";
export { TarReader } from "./tar";
export type { TarEntry, TarEntrySink } from "./tar";
export * from "./types";
export { firstRows } from "./subset";
export type { DatasetPrefix } from "./subset";

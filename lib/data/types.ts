/** Dataset split as published: the training set or the test set. */
export type Split = "train" | "test";

/** Split names in publication order. */
export const SPLITS: readonly Split[] = ["train", "test"];

/**
 * Images with one label each, as JS typed arrays (no tensors, so nothing lands on a backend's
 * heap until a caller converts a batch).
 */
export interface ImageDataset {
  /** Dataset id, for example "mnist". */
  name: string;
  split: Split;
  /** Pixels 0..255, row-major NHWC: `images[((n * height + y) * width + x) * channels + c]`. */
  images: Uint8Array;
  /** Class index of each image, `labels[n]` in 0..classNames.length-1. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Name of each class, indexed by label. */
  classNames: string[];
}

/** CIFAR-100: `labels` contains the 100 fine classes; each image also has one of 20 superclasses. */
export interface Cifar100Dataset extends ImageDataset {
  /** Superclass index of each image, 0..19. */
  coarseLabels: Uint8Array;
  /** Name of each superclass, indexed by coarse label. */
  coarseClassNames: string[];
}

/** Content check applied to a stored file before any parser reads it. */
export type ContentCheck =
  /** Exact size and SHA-256 of the decompressed bytes. */
  | { kind: "sha256"; bytes: number; sha256: string }
  /** Text file compared by its non-empty lines (trimmed), not by its bytes. */
  | { kind: "lines"; lines: readonly string[] };

/** One decompressed file that the parsers read, stored under the dataset's cache folder. */
export interface DataFile {
  /** File name in the cache, and the uncompressed name looked up in mirror folders. */
  name: string;
  check: ContentCheck;
  /** Path of this file inside its tar archive (tar.gz downloads only). */
  member?: string;
}

/** Checksums of a file as the dataset's authors publish it; reported, not required. */
export interface OfficialChecksums {
  bytes?: number;
  md5?: string;
  sha256?: string;
}

/** One file on the download hosts: a gzip file holding one data file, or a tar.gz archive. */
export interface RemoteFile {
  /** File name appended to each base URL, for example "train-images-idx3-ubyte.gz". */
  name: string;
  format: "gzip" | "tar.gz";
  /** The data files it contains (exactly one for gzip). */
  files: readonly DataFile[];
  official?: OfficialChecksums;
}

/** Download locations, mirror folder names and checksum table of one dataset. */
export interface DatasetSource {
  /** Dataset id, also the cache subfolder and the preferred mirror subfolder. */
  id: string;
  /** Human-readable name for messages. */
  title: string;
  /** Other subfolder names under which a mirror may hold this dataset. */
  mirrorFolders: readonly string[];
  /** Download base URLs, tried in order; each ends with "/". */
  baseUrls: readonly string[];
  remotes: readonly RemoteFile[];
}

/** IDX-format dataset (MNIST, Fashion-MNIST): one image file and one label file per split. */
export interface IdxDatasetSpec extends DatasetSource {
  splits: Record<Split, { images: string; labels: string; count: number }>;
  height: number;
  width: number;
  classNames: readonly string[];
}

/** CIFAR-100 binary version: one record file per split plus the two label-name files. */
export interface Cifar100Spec extends DatasetSource {
  splits: Record<Split, { records: string; count: number }>;
  fineNames: string;
  coarseNames: string;
}

/** Progress of one download, reported about once a second and at the end. */
export interface DownloadProgress {
  url: string;
  bytes: number;
  /** Content-Length, when the server sent one. */
  totalBytes?: number;
  done: boolean;
}

/** Cache, mirror, download and reporting settings; every field has a default. */
export interface DataOptions {
  /** Cache root; default `dataDir()` (HW5_DATA_DIR, else `<repo>/data`). */
  dataDir?: string;
  /** Read-only mirror folders searched before any download; default HW5_DATA_MIRRORS. */
  mirrors?: readonly string[];
  /** Replaces the dataset's download base URLs; an empty list disables downloads. */
  baseUrls?: readonly string[];
  /** Receives warnings (a mirror file that failed its check, a failed download). */
  log?: (message: string) => void;
  /** Receives download progress; default prints to stderr. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Idle timeout of a download connection, in milliseconds; default 30000. */
  timeoutMs?: number;
}

/** Origin, size and check result of one data file, as listed by `npm run data`. */
export interface FileStatus {
  dataset: string;
  file: string;
  /** Absolute path of the verified file in the cache. */
  path: string;
  origin: "cache" | "mirror" | "download";
  /** Cache path, mirror file path or download URL that supplied the bytes. */
  location: string;
  bytes: number;
  /** SHA-256 of the stored file; for a "lines" check, of its bytes as stored. */
  sha256: string;
  /** "stamp": size and mtime matched a previous full check; "hashed": checked now. */
  verification: "stamp" | "hashed";
  /** Wall time to obtain and check the file, in seconds. */
  seconds: number;
  /** Whether the compressed file matched the authors' published checksum, when one is known. */
  archive?: "official" | "differs" | "unknown";
}

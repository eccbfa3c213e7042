/**
 * Converted-weights cache in the TF.js weights format: a folder with `model.json`, whose
 * `weightsManifest` follows tf.io.WeightsManifestConfig (one float32 group in `weights.bin`),
 * plus metadata on the model and the source files it came from.
 */
import * as fs from "fs";
import * as path from "path";
import { WeightMap, shapeSize } from "./tensor";

export const CACHE_FORMAT = "hw5-weights/1";

/** Source file of cached weights. */
export interface WeightSource {
  file: string;
  url?: string;
  bytes: number;
  sha256: string;
}

/** Contents of `model.json`. */
export interface CachedModelInfo {
  format: typeof CACHE_FORMAT;
  model: string;
  config: unknown;
  sources: WeightSource[];
  /** Weights absent from the source and initialized by the converter. */
  initialized: string[];
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: "float32" }[] }[];
}

/**
 * Writes `weights` and their metadata to `dir` atomically: everything goes to a temporary
 * sibling folder first, which then replaces `dir`, so a failed write leaves no partial cache.
 */
export function writeWeightsCache(
  dir: string,
  weights: WeightMap,
  info: Omit<CachedModelInfo, "format" | "weightsManifest">,
): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), `.${path.basename(dir)}.tmp-`));
  try {
    const specs = [...weights].map(([name, w]) => ({ name, shape: w.shape, dtype: "float32" as const }));
    const manifest: CachedModelInfo = {
      format: CACHE_FORMAT,
      ...info,
      weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
    };
    const fd = fs.openSync(path.join(staging, "weights.bin"), "w");
    try {
      for (const w of weights.values()) fs.writeSync(fd, new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    } finally {
      fs.closeSync(fd);
    }
    fs.writeFileSync(path.join(staging, "model.json"), JSON.stringify(manifest, null, 1));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Reads a cache folder written by {@link writeWeightsCache}. Throws when `model.json` is missing
 * or of another format, or `weights.bin` does not have the listed size.
 */
export function readWeightsCache(dir: string): { info: CachedModelInfo; weights: WeightMap } {
  const manifestPath = path.join(dir, "model.json");
  if (!fs.existsSync(manifestPath)) throw new Error(`Cached weights ${manifestPath} not found; run \`npm run weights\`.`);
  const info = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as CachedModelInfo;
  if (info.format !== CACHE_FORMAT) {
    throw new Error(`${manifestPath} has format ${JSON.stringify(info.format)}, expected ${CACHE_FORMAT}; rerun \`npm run weights\`.`);
  }
  const weights: WeightMap = new Map();
  for (const group of info.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((file) => fs.readFileSync(path.join(dir, file))));
    const expected = group.weights.reduce((sum, w) => sum + 4 * shapeSize(w.shape), 0);
    if (bytes.length !== expected) {
      throw new Error(`${dir}: weight files hold ${bytes.length} bytes, the manifest lists ${expected}; rerun \`npm run weights\`.`);
    }
    // One aligned copy; each tensor is a view into it.
    const all = new Float32Array(new Uint8Array(bytes).buffer);
    let offset = 0;
    for (const spec of group.weights) {
      const size = shapeSize(spec.shape);
      weights.set(spec.name, { shape: spec.shape, data: all.subarray(offset, offset + size) });
      offset += size;
    }
  }
  return { info, weights };
}

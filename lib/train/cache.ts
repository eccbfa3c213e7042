/**
 * Trained-weight cache: weights live under `dataDir()/weights/<name>-<hash>/`, where the hash
 * covers the whole configuration (architecture, recipe, epochs, seeds, dataset checksum id and
 * the library version), so re-running a notebook reuses them and any change retrains.
 * The learning curves and timing are stored beside the weights, so a cached run still plots them.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { dataDir, displayPath, libraryVersion } from "../paths";
import { EpochRecord, FitResult } from "./fit";

/** A model whose weights can be written to and read from a folder. */
export interface SaveableModel {
  save(dir: string): Promise<void>;
  load(dir: string): void;
  dispose(): void;
}

export interface CachedTrainingOptions<M extends SaveableModel> {
  /** Readable prefix of the cache folder, for example "mnist-autoencoder-30". */
  name: string;
  /** Every setting that changes the trained weights. Must be JSON-serialisable. */
  key: Record<string, unknown>;
  /** Identifies the training data, for example the checksum of the dataset files. */
  datasetId: string;
  /** Builds the untrained model (also used to receive cached weights). */
  create: () => M;
  /** Trains the model in place. */
  train: (model: M) => Promise<FitResult>;
  /** Ignore and overwrite cached weights. Default: true when HW5_RETRAIN=1. */
  retrain?: boolean;
  /** Cache root. Default `dataDir()/weights`. */
  root?: string;
}

export interface CachedTrainingResult<M> {
  model: M;
  /** Per-epoch records of the run that produced the weights. */
  history: EpochRecord[];
  /** Seconds the original training took. */
  trainSeconds: number;
  source: "cache" | "trained";
  /** Folder holding the weights, `training.json` and `key.json`. */
  dir: string;
  /** "loaded cached weights from <dir>" or "trained in <N> s, saved to <dir>". */
  message: string;
}

const TRAINING_FILE = "training.json";
const KEY_FILE = "key.json";

/** JSON with object keys sorted at every level, so equal configs give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new Error(`Cache keys must be JSON-serialisable, got the number ${value}.`);
  }
  return JSON.stringify(value);
}

/** First 16 hex digits of the SHA-256 of the canonical JSON of the full key. */
export function cacheHash(fullKey: Record<string, unknown>): string {
  return crypto.createHash("sha256").update(canonicalJson(fullKey)).digest("hex").slice(0, 16);
}

/** The key actually hashed: the caller's key plus the dataset id and the library version. */
function fullKeyOf(options: { key: Record<string, unknown>; datasetId: string }): Record<string, unknown> {
  return { ...options.key, datasetId: options.datasetId, libraryVersion: libraryVersion() };
}

/** Cache folder for these options (whether or not it exists yet). */
export function cacheDir(options: { name: string; key: Record<string, unknown>; datasetId: string; root?: string }): string {
  if (!/^[A-Za-z0-9._-]+$/.test(options.name)) {
    throw new Error(`Invalid cache name "${options.name}": use letters, digits, ".", "_" and "-".`);
  }
  const root = options.root ?? path.join(dataDir(), "weights");
  return path.join(root, `${options.name}-${cacheHash(fullKeyOf(options))}`);
}

/**
 * Loads the cached weights for this configuration, or trains and caches them. A cached folder
 * that cannot be read raises an error naming it (delete it or set HW5_RETRAIN=1).
 */
export async function trainOrLoad<M extends SaveableModel>(options: CachedTrainingOptions<M>): Promise<CachedTrainingResult<M>> {
  const dir = cacheDir(options);
  const retrain = options.retrain ?? process.env.HW5_RETRAIN === "1";
  const model = options.create();
  try {
    if (!retrain && fs.existsSync(path.join(dir, TRAINING_FILE))) {
      try {
        model.load(dir);
      } catch (error) {
        throw new Error(
          `Cached weights in ${displayPath(dir)} could not be loaded: ${(error as Error).message} ` +
            `Delete that folder (rm -rf ${displayPath(dir)}) to train this model again, or set HW5_RETRAIN=1 to retrain every model.`,
        );
      }
      const stored = JSON.parse(fs.readFileSync(path.join(dir, TRAINING_FILE), "utf8")) as FitResult;
      return {
        model,
        history: stored.history,
        trainSeconds: stored.seconds,
        source: "cache",
        dir,
        message: `loaded cached weights from ${displayPath(dir)}`,
      };
    }

    const result = await options.train(model);
    await writeAtomically(dir, async (staging) => {
      await model.save(staging);
      fs.writeFileSync(path.join(staging, TRAINING_FILE), JSON.stringify(result));
      fs.writeFileSync(path.join(staging, KEY_FILE), JSON.stringify(fullKeyOf(options), null, 1));
    });
    return {
      model,
      history: result.history,
      trainSeconds: result.seconds,
      source: "trained",
      dir,
      message: `trained in ${result.seconds.toFixed(0)} s, saved to ${displayPath(dir)}`,
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Fills a staging folder beside `dir`, then renames it to `dir`, so readers never see half a cache entry. */
async function writeAtomically(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    await fill(staging);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Official pretrained encoders: where to get them, how to convert them to the weights cache
 * under `dataDir()/weights/`, and how to load the cached models.
 *
 * - SimCLR v2 ResNet-50 (1x, no selective kernels): TF1 tensor bundle `model.ckpt-250228` from
 *   the public simclr-checkpoints bucket (google-research/simclr README).
 * - MAE ViT-B/16 encoder: `mae_pretrain_vit_base.pth` (facebookresearch/mae README), a
 *   torch.save archive of {'model': state_dict}.
 *
 * NOTE: neither project publishes checksums for these files, so none is verified. The SHA-256 of
 * each file used is computed and recorded in the cache's model.json.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import { dataDir } from "../paths";
import { RESNET50_1X, ResNetConfig, SimclrResNet, simclrResNetWeights } from "../models/resnet50";
import { VIT_B16, VisionTransformer, VitConfig, maeVitWeights } from "../models/vit";
import { readTorchStateDict } from "./pytorch";
import { TensorBundle } from "./tensorBundle";
import { readWeightsCache, writeWeightsCache, WeightSource } from "./weightsCache";

/** A downloadable file; `sha256` is checked when set. */
export interface RemoteFile {
  name: string;
  url: string;
  sha256?: string;
}

export const SIMCLR_V2_R50_1X = {
  id: "simclr_v2_r50_1x_sk0",
  checkpointPrefix: "model.ckpt-250228",
  files: [
    {
      name: "model.ckpt-250228.index",
      url: "https://storage.googleapis.com/simclr-checkpoints/simclrv2/pretrained/r50_1x_sk0/model.ckpt-250228.index",
    },
    {
      name: "model.ckpt-250228.data-00000-of-00001",
      url: "https://storage.googleapis.com/simclr-checkpoints/simclrv2/pretrained/r50_1x_sk0/model.ckpt-250228.data-00000-of-00001",
    },
  ] as RemoteFile[],
};

export const MAE_VIT_BASE = {
  id: "mae_pretrain_vit_base",
  files: [
    { name: "mae_pretrain_vit_base.pth", url: "https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_base.pth" },
  ] as RemoteFile[],
};

/** Root of the converted-weights cache: `dataDir()/weights`. */
export function weightsDir(): string {
  return path.join(dataDir(), "weights");
}

export interface PrepareOptions {
  /** A local copy: for SimCLR the checkpoint folder, prefix or `.index` file; for MAE the `.pth`. */
  localPath?: string;
  /** Replaces the folder part of every download URL (a local test server, a mirror). */
  baseUrl?: string;
  /** Cache root; defaults to {@link weightsDir}. */
  cacheRoot?: string;
  /** Model size; the official checkpoints need the defaults (ResNet-50 1x, ViT-B/16). */
  config?: ResNetConfig | VitConfig;
  /** SimCLR only: "base_model/" (default) or "ema_model/" (the v2 moving-average copy). */
  variablePrefix?: string;
  /** Reconvert even when the cache exists. */
  force?: boolean;
  log?: (line: string) => void;
}

/**
 * Makes sure the SimCLR v2 ResNet-50 weights are in the cache and returns the cache folder.
 * Sources, in order: `localPath`, folders in HW5_DATA_MIRRORS, `<cache>/downloads/`, then a
 * download. Files downloaded here are deleted after conversion. Throws naming the missing file
 * and where to put it when a download fails, and writes nothing to the cache when the
 * checkpoint is invalid.
 */
export async function prepareSimclr(options: PrepareOptions = {}): Promise<string> {
  const root = options.cacheRoot ?? weightsDir();
  const prefix = options.variablePrefix ?? "base_model/";
  const target = path.join(root, simclrCacheName(prefix));
  if (!options.force && fs.existsSync(path.join(target, "model.json"))) return target;
  const config = (options.config as ResNetConfig | undefined) ?? RESNET50_1X;

  const local = options.localPath ? localSimclrFiles(options.localPath) : undefined;
  return withSources(SIMCLR_V2_R50_1X.files, "--simclr", root, options, local, async (paths, sources) => {
    const bundle = new TensorBundle(paths[0].slice(0, -".index".length));
    try {
      options.log?.(`Converting ${bundle.prefix} (${prefix}) ...`);
      const tensors = bundle.readAll((name) => name.startsWith(prefix) && !name.endsWith("/Momentum"));
      const weights = simclrResNetWeights(tensors, config, prefix, bundle.prefix);
      writeWeightsCache(target, weights, { model: "simclr-resnet", config, sources, initialized: [] });
    } finally {
      bundle.close();
    }
    return target;
  });
}

/** Same as {@link prepareSimclr} for the MAE ViT-B/16 encoder. */
export async function prepareMae(options: PrepareOptions = {}): Promise<string> {
  const root = options.cacheRoot ?? weightsDir();
  const target = path.join(root, MAE_VIT_BASE.id);
  if (!options.force && fs.existsSync(path.join(target, "model.json"))) return target;
  const config = (options.config as VitConfig | undefined) ?? VIT_B16;

  let local: string[] | undefined;
  if (options.localPath) {
    if (!fs.existsSync(options.localPath) || !fs.statSync(options.localPath).isFile()) {
      throw new Error(`--mae ${options.localPath}: file not found; pass the path of mae_pretrain_vit_base.pth.`);
    }
    local = [options.localPath];
  }
  return withSources(MAE_VIT_BASE.files, "--mae", root, options, local, async (paths, sources) => {
    options.log?.(`Converting ${paths[0]} ...`);
    const { weights, initialized } = maeVitWeights(readTorchStateDict(paths[0]), config, paths[0]);
    writeWeightsCache(target, weights, { model: "mae-vit", config, sources, initialized });
    return target;
  });
}

function simclrCacheName(variablePrefix: string): string {
  return variablePrefix === "base_model/" ? SIMCLR_V2_R50_1X.id : `${SIMCLR_V2_R50_1X.id}_${variablePrefix.replace(/\/$/, "")}`;
}

/**
 * Loads the cached SimCLR encoder (`variablePrefix` "ema_model/" for the EMA copy); throws
 * telling to run `npm run weights` when absent.
 */
export function loadSimclrResNet(cacheRoot = weightsDir(), variablePrefix = "base_model/"): SimclrResNet {
  const { info, weights } = readWeightsCache(path.join(cacheRoot, simclrCacheName(variablePrefix)));
  return new SimclrResNet(info.config as ResNetConfig, weights);
}

/** Loads the cached MAE encoder; throws telling to run `npm run weights` when absent. */
export function loadMaeVit(cacheRoot = weightsDir()): VisionTransformer {
  const { info, weights } = readWeightsCache(path.join(cacheRoot, MAE_VIT_BASE.id));
  return new VisionTransformer(info.config as VitConfig, weights);
}

/**
 * Finds or downloads `files`, hashes them, runs `convert` on their paths, and deletes what it
 * downloaded afterwards (also on failure).
 */
async function withSources(
  files: RemoteFile[],
  flag: string,
  root: string,
  options: PrepareOptions,
  localFiles: string[] | undefined,
  convert: (paths: string[], sources: WeightSource[]) => Promise<string>,
): Promise<string> {
  const downloaded: string[] = [];
  const downloads = path.join(root, "downloads");
  try {
    const paths: string[] = [];
    const sources: WeightSource[] = [];
    for (const [i, file] of files.entries()) {
      let found = localFiles ? localFiles[i] : findLocal(file.name, downloads);
      const url = options.baseUrl ? new URL(file.name, withSlash(options.baseUrl)).toString() : file.url;
      if (!found) {
        found = path.join(downloads, file.name);
        options.log?.(`Downloading ${url} ...`);
        await downloadFile(url, found, `${flag} PATH`, downloaded);
      }
      const sha256 = await hashFile(found);
      if (file.sha256 && file.sha256 !== sha256) {
        throw new Error(`${found}: SHA-256 ${sha256} does not match the published ${file.sha256}; delete it and retry.`);
      }
      options.log?.(`${file.name}: SHA-256 ${sha256}`);
      paths.push(found);
      sources.push({ file: file.name, url, bytes: fs.statSync(found).size, sha256 });
    }
    return await convert(paths, sources);
  } finally {
    for (const file of downloaded) fs.rmSync(file, { force: true });
    if (fs.existsSync(downloads) && fs.readdirSync(downloads).length === 0) fs.rmdirSync(downloads);
  }
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** Looks for `name` in the HW5_DATA_MIRRORS folders (and their weights/), then in the downloads folder. */
function findLocal(name: string, downloads: string): string | undefined {
  const mirrors = (process.env.HW5_DATA_MIRRORS ?? "").split(":").filter(Boolean);
  for (const folder of [...mirrors.flatMap((m) => [m, path.join(m, "weights")]), downloads]) {
    const candidate = path.join(folder, name);
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Resolves a user-given SimCLR checkpoint (folder, prefix or `.index` file) to its index and
 * single data shard. Throws naming the missing file.
 */
function localSimclrFiles(localPath: string): string[] {
  let prefix = localPath;
  if (fs.existsSync(localPath) && fs.statSync(localPath).isDirectory()) {
    const indexes = fs.readdirSync(localPath).filter((name) => name.endsWith(".index"));
    if (indexes.length !== 1) {
      throw new Error(`--simclr ${localPath}: expected one .index file in the folder, found ${indexes.length}.`);
    }
    prefix = path.join(localPath, indexes[0]);
  }
  if (prefix.endsWith(".index")) prefix = prefix.slice(0, -".index".length);
  const files = [`${prefix}.index`, `${prefix}.data-00000-of-00001`];
  for (const file of files) {
    if (!fs.existsSync(file)) throw new Error(`--simclr ${localPath}: ${file} not found; both the .index and the .data file are needed.`);
  }
  return files;
}

/**
 * Downloads `url` to `dest` through a `.partial` file, following up to 5 redirects. Records
 * `dest` in `downloaded` once complete. Throws with the file name, the URL, and where to put a
 * manually downloaded copy.
 */
async function downloadFile(url: string, dest: string, flagHelp: string, downloaded: string[]): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  try {
    await fetchToFile(url, partial, 5);
    fs.renameSync(partial, dest);
    downloaded.push(dest);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new Error(
      `Download of ${path.basename(dest)} from ${url} failed (${(error as Error).message}). ` +
        `Without network access, download it elsewhere and put it at ${dest}, or pass ${flagHelp}.`,
    );
  }
}

function fetchToFile(url: string, dest: string, redirects: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith("https:") ? https : url.startsWith("http:") ? http : undefined;
    if (!client) return reject(new Error(`unsupported URL scheme in ${url}`));
    const request = client.get(url, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects === 0) return reject(new Error("too many redirects"));
        const next = new URL(response.headers.location, url).toString();
        return fetchToFile(next, dest, redirects - 1).then(resolve, reject);
      }
      if (status !== 200) {
        response.resume();
        return reject(new Error(`HTTP ${status}`));
      }
      const expected = Number(response.headers["content-length"] ?? NaN);
      const out = fs.createWriteStream(dest);
      let received = 0;
      response.on("data", (chunk: Buffer) => (received += chunk.length));
      response.on("error", reject);
      response.on("aborted", () => reject(new Error("connection closed early")));
      response.pipe(out);
      out.on("error", reject);
      out.on("finish", () => {
        if (Number.isFinite(expected) && received !== expected) {
          reject(new Error(`received ${received} of ${expected} bytes`));
        } else {
          resolve();
        }
      });
    });
    request.setTimeout(60_000, () => request.destroy(new Error("timed out after 60 s without data")));
    request.on("error", reject);
  });
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash("sha256");
    fs.createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

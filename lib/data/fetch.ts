import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Readable, Transform, Writable } from "stream";
import { pipeline } from "stream/promises";
import * as zlib from "zlib";
import { dataDir } from "../paths";
import { openDownload, stderrProgress } from "./download";
import { TarEntrySink, TarReader } from "./tar";
import { DataFile, DataOptions, DatasetSource, DownloadProgress, FileStatus, RemoteFile } from "./types";
import { DataFileError, Digest, describeMismatch, verifyStoredFile, writeStamp } from "./verify";

/*
 * Obtaining data files: the cache first, then each read-only mirror folder, then each download
 * URL. Bytes from a mirror or a download are decompressed into a temporary file inside the cache
 * folder, checked, and only then renamed to their final name. So this code stores no file that
 * failed its check, and it opens mirror folders only for reading.
 */

const DEFAULT_TIMEOUT_MS = 30000;

/** Mirror folders from HW5_DATA_MIRRORS (colon-separated; empty entries are ignored). */
export function mirrorsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.HW5_DATA_MIRRORS ?? "")
    .split(":")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => path.resolve(entry));
}

/** Cache folder of one dataset: `<dataDir>/<dataset id>`. */
export function cacheFolder(source: DatasetSource, options: DataOptions = {}): string {
  return path.join(path.resolve(options.dataDir ?? dataDir()), source.id);
}

/** A place that can supply a data file, compressed or not. */
interface Candidate {
  origin: "mirror" | "download";
  /** Mirror file path or URL. */
  location: string;
  format: "raw" | "gzip" | "tar.gz";
  /** True when this is the download file itself, so its published checksums apply. */
  isRemoteFile: boolean;
}

/** Resolved settings for one call. */
interface Context {
  source: DatasetSource;
  folder: string;
  mirrors: readonly string[];
  baseUrls: readonly string[];
  log: (message: string) => void;
  onProgress: (progress: DownloadProgress) => void;
  timeoutMs: number;
}

function resolveContext(source: DatasetSource, options: DataOptions): Context {
  const folder = cacheFolder(source, options);
  const mirrors = (options.mirrors ?? mirrorsFromEnv()).map((mirror) => path.resolve(mirror));
  for (const mirror of mirrors) {
    const relative = path.relative(mirror, folder);
    if (relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative))) {
      throw new Error(
        `Cache folder ${folder} lies inside mirror folder ${mirror}, but mirrors are read-only. ` +
          `Set HW5_DATA_DIR to a folder outside every entry of HW5_DATA_MIRRORS.`,
      );
    }
  }
  return {
    source,
    folder,
    mirrors,
    baseUrls: options.baseUrls ?? source.baseUrls,
    log: options.log ?? ((message) => console.error(message)),
    onProgress: options.onProgress ?? stderrProgress(),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

/** Finds the download file that contains the data file `name`. */
function findFile(source: DatasetSource, name: string): { remote: RemoteFile; file: DataFile } {
  for (const remote of source.remotes) {
    const file = remote.files.find((candidate) => candidate.name === name);
    if (file !== undefined) return { remote, file };
  }
  throw new Error(`${source.title} has no file named "${name}" in its checksum table.`);
}

/**
 * Makes sure each named data file is in the dataset's cache folder and matches its checksum
 * table entry, fetching it from a mirror or a download URL when it is missing. Returns one
 * status per name, in order.
 *
 * Throws DataFileError when a cached file is corrupt (the message says to delete it) or when no
 * source supplied a file that passed its check (the message lists every source tried).
 */
export async function ensureDataFiles(
  source: DatasetSource,
  names: readonly string[],
  options: DataOptions = {},
): Promise<FileStatus[]> {
  const context = resolveContext(source, options);
  fs.mkdirSync(context.folder, { recursive: true });
  removeAbandonedTempFiles(context.folder);

  const statuses: FileStatus[] = [];
  // Files stored during this call, so that members extracted in one pass report their source.
  const fresh = new Map<string, Obtained>();
  for (const name of names) {
    const started = process.hrtime.bigint();
    const { remote, file } = findFile(source, name);
    const target = path.join(context.folder, file.name);
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;

    if (fs.existsSync(target) && !fresh.has(file.name)) {
      const checked = await verifyStoredFile(target, file);
      statuses.push({
        dataset: source.id,
        file: file.name,
        path: target,
        origin: "cache",
        location: target,
        bytes: checked.bytes,
        sha256: checked.sha256,
        verification: checked.verification,
        seconds: seconds(),
      });
      continue;
    }

    let obtained = fresh.get(file.name);
    if (obtained === undefined) {
      const stored = await obtain(context, remote, file);
      stored.forEach((value, key) => fresh.set(key, value));
      obtained = stored.get(file.name)!;
    }
    statuses.push({
      dataset: source.id,
      file: file.name,
      path: target,
      origin: obtained.candidate.origin,
      location: obtained.candidate.location,
      bytes: obtained.digest.bytes,
      sha256: obtained.digest.sha256,
      verification: "hashed",
      seconds: seconds(),
      archive: obtained.archive,
    });
  }
  return statuses;
}

interface Obtained {
  candidate: Candidate;
  digest: Digest;
  archive?: FileStatus["archive"];
}

/**
 * Tries every mirror candidate, then every download URL, until one supplies `file`. Returns
 * every file stored from that source (several for a tar.gz).
 */
async function obtain(context: Context, remote: RemoteFile, file: DataFile): Promise<Map<string, Obtained>> {
  const failures: string[] = [];
  const candidates: Candidate[] = [
    ...mirrorCandidates(context, remote, file),
    ...context.baseUrls.map((base): Candidate => ({
      origin: "download",
      location: joinUrl(base, remote.name),
      format: remote.format,
      isRemoteFile: true,
    })),
  ];

  for (const candidate of candidates) {
    try {
      return await materialize(context, candidate, remote, file);
    } catch (error) {
      const reason = (error as Error).message;
      failures.push(`${candidate.origin} ${candidate.location}: ${reason}`);
      context.log(`${context.source.title}: ${candidate.location} could not supply ${file.name}: ${reason}`);
    }
  }

  throw new DataFileError(unavailableMessage(context, remote, file, failures), path.join(context.folder, file.name),
    file.check.kind === "sha256" ? file.check.sha256 : undefined);
}

function unavailableMessage(context: Context, remote: RemoteFile, file: DataFile, failures: string[]): string {
  const expected =
    file.check.kind === "sha256"
      ? `${file.check.bytes} bytes with SHA-256 ${file.check.sha256}`
      : `${file.check.lines.length} names, one per line`;
  const tried = failures.length > 0 ? failures.map((failure) => `  - ${failure}`).join("\n") : "  (no mirror file, no download URL)";
  const mirrorState =
    context.mirrors.length > 0
      ? `No folder in HW5_DATA_MIRRORS (${context.mirrors.join(", ")}) contains a valid copy.`
      : "HW5_DATA_MIRRORS is not set.";
  const accepted = [...new Set([file.name, `${file.name}.gz`, remote.name])].join(", ");
  const network =
    context.baseUrls.length > 0
      ? `, or check the network connection to ${context.baseUrls.join(" and ")}`
      : " (downloads are disabled)";
  return (
    `${context.source.title} file ${file.name} is not available (expected ${expected}). Tried:\n${tried}\n` +
    `${mirrorState} Fix: add a folder containing ${accepted} (directly or in a subfolder ` +
    `"${context.source.id}") to HW5_DATA_MIRRORS${network}. Nothing was stored in ${context.folder}.`
  );
}

function joinUrl(base: string, name: string): string {
  return base.endsWith("/") ? base + name : `${base}/${name}`;
}

/**
 * Files in the mirror folders that may contain `file`: the uncompressed file, its gzip, or the
 * download file. Subfolders named after the dataset come first, in every mirror, and the mirror
 * folders themselves last, because MNIST and Fashion-MNIST share file names.
 */
function mirrorCandidates(context: Context, remote: RemoteFile, file: DataFile): Candidate[] {
  const { source } = context;
  const found: Candidate[] = [];
  const seen = new Set<string>();
  const add = (location: string, format: Candidate["format"], isRemoteFile: boolean) => {
    if (seen.has(location) || !isFile(location)) return;
    seen.add(location);
    found.push({ origin: "mirror", location, format, isRemoteFile });
  };

  const subfolders = context.mirrors.flatMap((mirror) =>
    [source.id, ...source.mirrorFolders].map((name) => path.join(mirror, name)),
  );
  for (const folder of [...subfolders, ...context.mirrors]) {
    add(path.join(folder, file.name), "raw", false);
    if (file.member !== undefined) add(path.join(folder, file.member), "raw", false);
    add(path.join(folder, `${file.name}.gz`), "gzip", remote.format === "gzip" && remote.name === `${file.name}.gz`);
    add(path.join(folder, remote.name), remote.format, true);
  }
  return found;
}

function isFile(location: string): boolean {
  try {
    return fs.statSync(location).isFile();
  } catch {
    return false;
  }
}

/**
 * Temporary file that receives one data file's bytes while hashing them. Lives in the cache
 * folder (same file system, so the final rename is atomic) and is named with the process id so
 * that leftovers of a killed process can be recognized.
 */
class TempFile implements TarEntrySink {
  readonly path: string;
  private fd: number | undefined;
  private readonly hash = crypto.createHash("sha256");
  private bytes = 0;
  private readonly textParts: Buffer[] | undefined;
  ended = false;

  constructor(folder: string, readonly file: DataFile) {
    const token = crypto.randomBytes(4).toString("hex");
    this.path = path.join(folder, `.${file.name}.${process.pid}.${token}.partial`);
    this.fd = fs.openSync(this.path, "wx");
    this.textParts = file.check.kind === "lines" ? [] : undefined;
  }

  write(chunk: Buffer): void {
    if (this.fd === undefined) throw new Error(`Write to closed temporary file ${this.path}.`);
    fs.writeSync(this.fd, chunk);
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.textParts?.push(Buffer.from(chunk));
  }

  end(): void {
    this.close();
    this.ended = true;
  }

  digest(): Digest {
    const digest: Digest = { bytes: this.bytes, sha256: this.hash.copy().digest("hex") };
    if (this.textParts !== undefined) digest.text = Buffer.concat(this.textParts).toString("utf8");
    return digest;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  discard(): void {
    this.close();
    fs.rmSync(this.path, { force: true });
  }
}

/** Deletes temporary files left by processes that no longer run. */
function removeAbandonedTempFiles(folder: string): void {
  for (const name of fs.readdirSync(folder)) {
    const match = /^\..+\.(\d+)\.[0-9a-f]+\.partial$/.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && !isProcessAlive(pid)) fs.rmSync(path.join(folder, name), { force: true });
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Counts and hashes the bytes of the file as read (compressed), and reports progress. */
class ByteMeter extends Transform {
  bytes = 0;
  readonly md5 = crypto.createHash("md5");
  readonly sha256 = crypto.createHash("sha256");

  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.onBytes?.(this.bytes);
    callback(null, chunk);
  }
}

/** Writable that forwards everything to one temporary file. */
function fileWritable(temp: TempFile): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        temp.write(chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    final(callback) {
      temp.end();
      callback();
    },
  });
}

/**
 * Reads one candidate, decompresses it into temporary files in the cache folder, checks each
 * one and renames those that pass. For a tar.gz every listed member is extracted in the same
 * pass. Returns the stored files by name. Throws when `file` itself was not stored, and removes
 * every temporary file before returning or throwing.
 */
async function materialize(
  context: Context,
  candidate: Candidate,
  remote: RemoteFile,
  file: DataFile,
): Promise<Map<string, Obtained>> {
  const targets = candidate.format === "tar.gz" ? remote.files : [file];
  const temps = new Map<string, TempFile>();
  let meter: ByteMeter | undefined;
  let totalBytes: number | undefined;

  try {
    let input: Readable;
    if (candidate.origin === "download") {
      const opened = await openDownload(candidate.location, context.timeoutMs);
      input = opened.body;
      totalBytes = opened.totalBytes;
    } else {
      input = fs.createReadStream(candidate.location, { flags: "r", highWaterMark: 1 << 20 });
    }
    const report =
      candidate.origin === "download"
        ? (bytes: number) => context.onProgress({ url: candidate.location, bytes, totalBytes, done: false })
        : undefined;
    meter = new ByteMeter(report);

    // Bytes as read -> meter -> gunzip (unless raw) -> temporary file(s).
    const gunzip = candidate.format === "raw" ? undefined : zlib.createGunzip();
    const run = (sink: Writable) =>
      gunzip === undefined ? pipeline(input, meter!, sink) : pipeline(input, meter!, gunzip, sink);
    if (candidate.format === "tar.gz") {
      const sink = new TarReader((entry) => {
        if (entry.type !== "file") return undefined;
        const match = targets.find(
          (target) => !temps.has(target.name) && (entry.name === target.member || path.posix.basename(entry.name) === target.name),
        );
        if (match === undefined) return undefined;
        const temp = new TempFile(context.folder, match);
        temps.set(match.name, temp);
        return temp;
      });
      await run(sink);
    } else {
      const temp = new TempFile(context.folder, file);
      temps.set(file.name, temp);
      await run(fileWritable(temp));
    }
    if (candidate.origin === "download") {
      context.onProgress({ url: candidate.location, bytes: meter.bytes, totalBytes, done: true });
    }
  } catch (error) {
    const partial = temps.get(file.name);
    const detail = partial !== undefined ? `; ${describePartial(file, partial.digest())}` : "";
    for (const temp of temps.values()) temp.discard();
    // Node reports a connection closed mid-response only as "aborted".
    const read = meter !== undefined ? meter.bytes : 0;
    const stopped =
      candidate.origin === "download" && meter !== undefined
        ? `transfer stopped after ${read}${totalBytes !== undefined ? ` of ${totalBytes}` : ""} bytes: `
        : "";
    throw new Error(`${stopped}${(error as Error).message}${detail}`);
  }

  const stored = new Map<string, Obtained>();
  let failure: string | undefined;
  for (const target of targets) {
    const temp = temps.get(target.name);
    const mismatch =
      temp === undefined || !temp.ended
        ? `${target.member ?? target.name} not found in the archive`
        : describeMismatch(target.check, temp.digest());
    if (mismatch !== undefined) {
      temp?.discard();
      if (target.name === file.name) failure = mismatch;
      else context.log(`${context.source.title}: ${target.name} from ${candidate.location} was not stored: ${mismatch}`);
      continue;
    }

    const digest = temp!.digest();
    const finalPath = path.join(context.folder, target.name);
    fs.renameSync(temp!.path, finalPath);
    if (target.check.kind === "sha256") writeStamp(finalPath, digest.sha256);
    stored.set(target.name, { candidate, digest, archive: candidate.isRemoteFile ? compareOfficial(remote, meter!) : undefined });
  }
  if (!stored.has(file.name)) throw new Error(failure ?? `${file.name} was not produced`);
  return stored;
}

/** Describes what arrived before a read or decompression failed. */
function describePartial(file: DataFile, partial: Digest): string {
  const expected =
    file.check.kind === "sha256" ? `expected ${file.check.bytes} bytes with SHA-256 ${file.check.sha256}` : "expected a names file";
  return `${expected}, received ${partial.bytes} bytes with SHA-256 ${partial.sha256} before the failure (truncated or corrupt)`;
}

/** Compares the compressed bytes read with the authors' published checksum of the download file. */
function compareOfficial(remote: RemoteFile, meter: ByteMeter): FileStatus["archive"] {
  const official = remote.official;
  if (official?.sha256 !== undefined) return meter.sha256.copy().digest("hex") === official.sha256 ? "official" : "differs";
  if (official?.md5 !== undefined) return meter.md5.copy().digest("hex") === official.md5 ? "official" : "differs";
  return "unknown";
}

import * as crypto from "crypto";
import * as fs from "fs";
import { ContentCheck, DataFile } from "./types";

/** Error for a data file that is missing, fails its check or cannot be read. The message names the fix. */
export class DataFileError extends Error {
  constructor(
    message: string,
    /** Path or URL of the offending file. */
    readonly file: string,
    readonly expectedSha256?: string,
    readonly actualSha256?: string,
  ) {
    super(message);
    this.name = "DataFileError";
  }
}

/** Size and SHA-256 of some bytes, plus the bytes themselves for small text files. */
export interface Digest {
  bytes: number;
  sha256: string;
  /** Content as text, kept only for files checked by lines. */
  text?: string;
}

/** Streams a file through SHA-256. Throws the fs error (ENOENT, EACCES, ...) unchanged. */
export async function digestFile(path: string): Promise<Digest> {
  const hash = crypto.createHash("sha256");
  let bytes = 0;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest("hex") };
}

/** Non-empty trimmed lines of a text file, the unit that label-name files are compared by. */
export function nonEmptyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * Compares a digest with the expected content. Returns undefined on a match, else one sentence
 * stating expected and actual size and checksum (or the first differing line).
 */
export function describeMismatch(check: ContentCheck, actual: Digest): string | undefined {
  if (check.kind === "sha256") {
    if (actual.bytes === check.bytes && actual.sha256 === check.sha256) return undefined;
    const truncated = actual.bytes < check.bytes ? " (truncated)" : "";
    return (
      `expected ${check.bytes} bytes with SHA-256 ${check.sha256}, ` +
      `found ${actual.bytes} bytes${truncated} with SHA-256 ${actual.sha256}`
    );
  }
  const lines = nonEmptyLines(actual.text ?? "");
  const expected = check.lines;
  const count = Math.max(lines.length, expected.length);
  for (let i = 0; i < count; i++) {
    if (lines[i] !== expected[i]) {
      return (
        `expected ${expected.length} names, found ${lines.length}; line ${i + 1} is ` +
        `${JSON.stringify(lines[i] ?? "<missing>")} instead of ${JSON.stringify(expected[i] ?? "<none>")} ` +
        `(SHA-256 of the file ${actual.sha256})`
      );
    }
  }
  return undefined;
}

/**
 * Proof that a cached file passed its full check: the file's size and mtime at that moment.
 * Stored beside the file as `<name>.verified.json`. A later load skips hashing only while the
 * file is unchanged, so any change of size or mtime forces a full check again.
 */
interface Stamp {
  sha256: string;
  bytes: number;
  mtimeMs: number;
}

/** Path of the stamp that records a full check of `path`. */
export function stampPath(path: string): string {
  return `${path}.verified.json`;
}

function readStamp(path: string): Stamp | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(stampPath(path), "utf8")) as Partial<Stamp>;
    if (typeof value.sha256 === "string" && typeof value.bytes === "number" && typeof value.mtimeMs === "number") {
      return value as Stamp;
    }
  } catch {
    // A missing or unreadable stamp only means the file is hashed again.
  }
  return undefined;
}

/** Records that `path` matched `sha256`, written atomically (temp file, then rename). */
export function writeStamp(path: string, sha256: string): void {
  const stat = fs.statSync(path);
  const stamp: Stamp = { sha256, bytes: stat.size, mtimeMs: stat.mtimeMs };
  const temp = `${stampPath(path)}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(stamp) + "\n");
  fs.renameSync(temp, stampPath(path));
}

/** Result of checking one stored file. */
export interface StoredCheck extends Digest {
  verification: "stamp" | "hashed";
}

/**
 * Checks a file in the cache against its table entry. A SHA-256 entry is hashed unless the
 * stamp from an earlier full check still matches the file's size and mtime. A lines entry is
 * always read (label-name files are under 1 KiB).
 *
 * Throws DataFileError naming the file, both checksums and the fix when the content differs.
 */
export async function verifyStoredFile(path: string, file: DataFile): Promise<StoredCheck> {
  const check = file.check;
  if (check.kind === "sha256") {
    const stamp = readStamp(path);
    const stat = fs.statSync(path);
    if (
      stamp !== undefined &&
      stamp.sha256 === check.sha256 &&
      stamp.bytes === stat.size &&
      stamp.mtimeMs === stat.mtimeMs &&
      stat.size === check.bytes
    ) {
      return { bytes: stat.size, sha256: stamp.sha256, verification: "stamp" };
    }
  }

  const digest = await digestStoredFile(path, check);
  const mismatch = describeMismatch(check, digest);
  if (mismatch !== undefined) {
    throw new DataFileError(
      `Cached file ${path} is corrupt: ${mismatch}. Delete it and load again, which fetches it ` +
        `from a mirror folder in HW5_DATA_MIRRORS or downloads it.`,
      path,
      check.kind === "sha256" ? check.sha256 : undefined,
      digest.sha256,
    );
  }
  if (check.kind === "sha256") writeStamp(path, digest.sha256);
  return { ...digest, verification: "hashed" };
}

/** Digest of a stored file, with its text when the check compares lines. */
async function digestStoredFile(path: string, check: ContentCheck): Promise<Digest> {
  if (check.kind === "sha256") return digestFile(path);
  const content = fs.readFileSync(path);
  return {
    bytes: content.length,
    sha256: crypto.createHash("sha256").update(content).digest("hex"),
    text: content.toString("utf8"),
  };
}

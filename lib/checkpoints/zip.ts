/**
 * Minimal ZIP archive reader for `torch.save` files: it reads the central directory (ZIP64
 * records included), returns stored entries as views into the file and inflates deflated ones.
 * Every entry's CRC-32 is checked on read. Encrypted entries and other methods are rejected.
 */
import * as fs from "fs";
import * as zlib from "zlib";

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/** One central-directory record. Offsets and sizes are in bytes. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export class ZipArchive {
  private readonly byName = new Map<string, ZipEntry>();

  /**
   * Parses the central directory of `bytes`. `source` names the file in error messages.
   * Throws when the end-of-central-directory record is missing (not a ZIP file, or truncated)
   * or a record lies outside the file.
   */
  constructor(
    private readonly bytes: Uint8Array,
    readonly source = "ZIP archive",
  ) {
    for (const entry of this.readCentralDirectory()) this.byName.set(entry.name, entry);
  }

  /** Reads a whole file into memory and parses it. */
  static open(file: string): ZipArchive {
    return new ZipArchive(fs.readFileSync(file), file);
  }

  /** Entry names in central-directory order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entry(name: string): ZipEntry {
    const entry = this.byName.get(name);
    if (!entry) throw new Error(`${this.source}: entry "${name}" not found in the ZIP archive.`);
    return entry;
  }

  /**
   * Returns the uncompressed bytes of an entry (a view into the file for stored entries) after
   * checking its length and CRC-32.
   */
  read(name: string): Uint8Array {
    const entry = this.entry(name);
    const view = this.dataView();
    const at = entry.localHeaderOffset;
    this.requireRange(at, 30, `local header of "${name}"`);
    if (view.getUint32(at, true) !== LOCAL_SIGNATURE) {
      throw new Error(`${this.source}: invalid local header signature for entry "${name}".`);
    }
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    const start = at + 30 + nameLength + extraLength;
    this.requireRange(start, entry.compressedSize, `data of "${name}"`);
    const stored = this.bytes.subarray(start, start + entry.compressedSize);

    let data: Uint8Array;
    if (entry.flags & 0x1) {
      throw new Error(`${this.source}: entry "${name}" is encrypted, which is not supported.`);
    } else if (entry.method === 0) {
      data = stored;
    } else if (entry.method === 8) {
      data = zlib.inflateRawSync(stored);
    } else {
      throw new Error(
        `${this.source}: entry "${name}" uses compression method ${entry.method}; ` +
          "only stored (0) and deflate (8) are supported.",
      );
    }
    if (data.length !== entry.uncompressedSize) {
      throw new Error(
        `${this.source}: entry "${name}" has ${data.length} bytes, expected ${entry.uncompressedSize}.`,
      );
    }
    const crc = zlib.crc32(data) >>> 0;
    if (crc !== entry.crc32) {
      throw new Error(
        `${this.source}: CRC-32 mismatch in entry "${name}" ` +
          `(stored ${hex(entry.crc32)}, computed ${hex(crc)}); the file is corrupt.`,
      );
    }
    return data;
  }

  private dataView(): DataView {
    return new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  private requireRange(offset: number, length: number, what: string): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new Error(
        `${this.source}: the ${what} lies beyond the end of the file ` +
          `(byte ${offset + length} of ${this.bytes.length}); the archive is truncated or corrupt.`,
      );
    }
  }

  private findEndOfCentralDirectory(): number {
    const view = this.dataView();
    const lowest = Math.max(0, this.bytes.length - EOCD_SIZE - MAX_COMMENT);
    for (let at = this.bytes.length - EOCD_SIZE; at >= lowest; at--) {
      if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
    }
    throw new Error(
      `${this.source}: end-of-central-directory record not found; ` +
        "the file is not a ZIP archive or is truncated.",
    );
  }

  private readCentralDirectory(): ZipEntry[] {
    const view = this.dataView();
    const eocd = this.findEndOfCentralDirectory();
    let count = view.getUint16(eocd + 10, true);
    let size = view.getUint32(eocd + 12, true);
    let offset = view.getUint32(eocd + 16, true);

    // ZIP64: the classic record contains 0xFFFF/0xFFFFFFFF and a locator precedes it.
    const locator = eocd - 20;
    if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
      const zip64 = readUint64(view, locator + 8, this.source);
      this.requireRange(zip64, 56, "ZIP64 end-of-central-directory record");
      if (view.getUint32(zip64, true) !== ZIP64_EOCD_SIGNATURE) {
        throw new Error(`${this.source}: invalid ZIP64 end-of-central-directory signature.`);
      }
      count = readUint64(view, zip64 + 32, this.source);
      size = readUint64(view, zip64 + 40, this.source);
      offset = readUint64(view, zip64 + 48, this.source);
    }
    this.requireRange(offset, size, "central directory");

    const entries: ZipEntry[] = [];
    let at = offset;
    for (let i = 0; i < count; i++) {
      this.requireRange(at, 46, "central directory record");
      if (view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
        throw new Error(`${this.source}: invalid central directory record ${i} at byte ${at}.`);
      }
      const nameLength = view.getUint16(at + 28, true);
      const extraLength = view.getUint16(at + 30, true);
      const commentLength = view.getUint16(at + 32, true);
      this.requireRange(at + 46, nameLength + extraLength + commentLength, "central directory record");
      const name = Buffer.from(this.bytes.subarray(at + 46, at + 46 + nameLength)).toString("utf8");
      const entry: ZipEntry = {
        name,
        flags: view.getUint16(at + 8, true),
        method: view.getUint16(at + 10, true),
        crc32: view.getUint32(at + 16, true),
        compressedSize: view.getUint32(at + 20, true),
        uncompressedSize: view.getUint32(at + 24, true),
        localHeaderOffset: view.getUint32(at + 42, true),
      };
      this.applyZip64Extra(entry, at + 46 + nameLength, extraLength);
      entries.push(entry);
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  /** Replaces the 0xFFFFFFFF placeholders of an entry with the values of its ZIP64 extra field. */
  private applyZip64Extra(entry: ZipEntry, start: number, length: number): void {
    const view = this.dataView();
    const end = start + length;
    for (let at = start; at + 4 <= end; ) {
      const id = view.getUint16(at, true);
      const size = view.getUint16(at + 2, true);
      if (id === 0x0001) {
        let field = at + 4;
        const next = (): number => {
          const value = readUint64(view, field, this.source);
          field += 8;
          return value;
        };
        if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
        if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      }
      at += 4 + size;
    }
  }
}

function readUint64(view: DataView, at: number, source: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`${source}: 64-bit ZIP field ${value} at byte ${at} is out of range.`);
  }
  return Number(value);
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

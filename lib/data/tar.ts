import { Writable } from "stream";

/*
 * Streaming reader for tar archives: POSIX ustar headers, with the two common extensions for
 * long names and large sizes (GNU 'L' long-name entries and base-256 sizes, POSIX pax 'x'
 * headers for path and size). Entries arrive as they are parsed, so an archive of any size
 * passes through a fixed amount of memory.
 */

const BLOCK = 512;
/** Largest GNU long-name or pax header body accepted; real ones are a few hundred bytes. */
const MAX_META_BYTES = 1 << 20;

/** One archive member as described by its header. */
export interface TarEntry {
  /** Path inside the archive, without a leading "./". Directories end with "/". */
  name: string;
  /** Size of the member's data in bytes. */
  size: number;
  type: "file" | "directory" | "other";
  /** Byte offset of the member's header in the uncompressed archive. */
  offset: number;
}

/** Receives one member's data, in order, then `end()` once all `size` bytes have arrived. */
export interface TarEntrySink {
  write(chunk: Buffer): void;
  end(): void;
}

/** Returns a sink for the members to keep; undefined skips the member's data. */
export type TarEntryHandler = (entry: TarEntry) => TarEntrySink | undefined;

/** Header fields that a preceding GNU long-name or pax header replaces. */
interface Overrides {
  path?: string;
  size?: number;
}

/**
 * Writable stream that parses an uncompressed tar archive and hands each member's data to the
 * sink returned by `handler`. Fails the stream on a header whose checksum does not match, a
 * malformed number field, or an archive that ends inside a member.
 */
export class TarReader extends Writable {
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Data bytes still to come for the current member. */
  private remaining = 0;
  /** Zero bytes after the current member's data, up to the next 512-byte boundary. */
  private padding = 0;
  private sink: TarEntrySink | undefined;
  private meta: { kind: "longname" | "pax" | "ignored"; parts: Buffer[] } | undefined;
  private overrides: Overrides = {};
  private currentName = "";
  private offset = 0;
  private entries = 0;
  /** True after the first all-zero header block, the end-of-archive marker. */
  private finished = false;

  constructor(private readonly handler: TarEntryHandler) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.remaining > 0 || this.headerFill > 0) {
      const where = this.remaining > 0 ? `inside member "${this.currentName}"` : "inside a header";
      callback(new Error(`Tar archive is truncated: it ends ${where} at byte ${this.offset}.`));
      return;
    }
    if (this.entries === 0 && !this.finished) {
      callback(new Error("Tar archive is empty: no header block found."));
      return;
    }
    callback();
  }

  private consume(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - pos);
        this.deliver(chunk.subarray(pos, pos + n));
        this.remaining -= n;
        pos += n;
        this.offset += n;
        if (this.remaining === 0) this.endMember();
      } else if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - pos);
        this.padding -= n;
        pos += n;
        this.offset += n;
      } else if (this.finished) {
        // Trailing zero blocks and the compressor's padding after the end marker.
        this.offset += chunk.length - pos;
        pos = chunk.length;
      } else {
        const n = Math.min(BLOCK - this.headerFill, chunk.length - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + n);
        this.headerFill += n;
        pos += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.readHeader(this.header, this.offset);
          this.offset += BLOCK;
        }
      }
    }
  }

  private deliver(data: Buffer): void {
    if (this.meta !== undefined) {
      this.meta.parts.push(Buffer.from(data));
    } else if (this.sink !== undefined) {
      this.sink.write(data);
    }
  }

  private readHeader(header: Buffer, offset: number): void {
    if (header.every((byte) => byte === 0)) {
      this.finished = true;
      return;
    }
    checkHeaderChecksum(header, offset);

    const typeflag = header[156] === 0 ? "0" : String.fromCharCode(header[156]);
    let name = readString(header, 0, 100);
    // POSIX ustar splits long paths into prefix + name; GNU tar uses those bytes for other data.
    if (header.toString("latin1", 257, 263) === "ustar\0") {
      const prefix = readString(header, 345, 155);
      if (prefix.length > 0) name = `${prefix}/${name}`;
    }
    let size = readNumber(header, 124, 12, offset);

    if (typeflag === "L" || typeflag === "x" || typeflag === "g") {
      if (size > MAX_META_BYTES) {
        throw new Error(`Tar header at byte ${offset} has an extension record of ${size} bytes; the archive is corrupt.`);
      }
      let kind: "longname" | "pax" | "ignored" = "ignored";
      if (typeflag === "L") kind = "longname";
      if (typeflag === "x") kind = "pax";
      this.meta = { kind, parts: [] };
      this.startData(size);
      return;
    }

    name = this.overrides.path ?? name;
    size = this.overrides.size ?? size;
    this.overrides = {};
    this.entries += 1;
    this.currentName = name.replace(/^(\.\/)+/, "");

    // Links, devices, directories and FIFOs carry no data blocks, whatever their size field contains.
    const hasData = !"123456".includes(typeflag);
    let type: TarEntry["type"] = "other";
    if (typeflag === "0" || typeflag === "7") type = "file";
    if (typeflag === "5") type = "directory";
    const entry: TarEntry = { name: this.currentName, size: hasData ? size : 0, type, offset };
    this.sink = this.handler(entry);
    this.startData(entry.size);
  }

  private startData(size: number): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endMember();
  }

  private endMember(): void {
    if (this.meta !== undefined) {
      const body = Buffer.concat(this.meta.parts);
      if (this.meta.kind === "longname") this.overrides.path = readString(body, 0, body.length);
      if (this.meta.kind === "pax") Object.assign(this.overrides, parsePax(body));
      this.meta = undefined;
      return;
    }
    const sink = this.sink;
    this.sink = undefined;
    sink?.end();
  }
}

/** Rejects a header whose stored checksum differs from the sum of its bytes. */
function checkHeaderChecksum(header: Buffer, offset: number): void {
  const stored = readNumber(header, 148, 8, offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    // The checksum field itself counts as eight spaces.
    const byte = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some historic writers summed signed bytes; both forms are valid.
  if (stored !== unsigned && stored !== signed) {
    throw new Error(
      `Invalid tar header at byte ${offset}: stored checksum ${stored}, computed ${unsigned}. ` +
        `The archive is corrupt or not a tar file.`,
    );
  }
}

/** NUL-terminated string field. */
function readString(buffer: Buffer, start: number, length: number): string {
  const field = buffer.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.toString("utf8", 0, end === -1 ? field.length : end);
}

/** Numeric header field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function readNumber(buffer: Buffer, start: number, length: number, offset: number): number {
  if (buffer[start] & 0x80) {
    let value = buffer[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + buffer[i];
    if (!Number.isSafeInteger(value)) {
      throw new Error(`Tar header at byte ${offset}: base-256 number too large.`);
    }
    return value;
  }
  const text = buffer.toString("latin1", start, start + length).replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new Error(`Invalid tar header at byte ${offset}: numeric field "${text}" is not octal.`);
  }
  return parseInt(text, 8);
}

/** Reads `path` and `size` from pax extended-header records of the form "<len> <key>=<value>\n". */
function parsePax(body: Buffer): Overrides {
  const result: Overrides = {};
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(body.toString("latin1", pos, space), 10);
    if (!(length > 0) || pos + length > body.length) {
      throw new Error("Invalid pax extended header: record length out of range.");
    }
    const record = body.toString("utf8", space + 1, pos + length - 1);
    const equals = record.indexOf("=");
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === "path") result.path = value;
    if (key === "size") {
      if (!/^[0-9]+$/.test(value)) throw new Error(`Invalid pax size "${value}".`);
      result.size = Number(value);
    }
    pos += length;
  }
  return result;
}

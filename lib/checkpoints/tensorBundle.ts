/**
 * Reader for TensorFlow tensor bundles ("V2 checkpoints"): `PREFIX.index` is an SSTable mapping
 * tensor names to BundleEntryProtos (the empty key maps to the BundleHeaderProto), and
 * `PREFIX.data-NNNNN-of-MMMMM` shards contain the raw little-endian tensor bytes. Every tensor read
 * is checked against the masked CRC-32C of its entry.
 */
import * as fs from "fs";
import { crc32cExtend, maskCrc, unmaskCrc } from "./crc32c";
import { BundleEntry, BundleHeader, ByteReader, decodeBundleEntry, decodeBundleHeader } from "./protobuf";
import { readTable } from "./sstable";
import { CheckpointDtype, CheckpointTensor, DTYPE_WIDTH, TensorMap, decodeElements, formatShape, shapeSize } from "./tensor";

/** TensorFlow DataType enum values (types.proto) that this reader decodes. */
const TF_DTYPES: Record<number, CheckpointDtype> = {
  1: "float32",
  2: "float64",
  3: "int32",
  4: "uint8",
  5: "int16",
  6: "int8",
  7: "string",
  9: "int64",
  10: "bool",
  14: "bfloat16",
  17: "uint16",
  19: "float16",
  22: "uint32",
  23: "uint64",
};

/** Index metadata of one tensor. `dtype` is "DT_<code>" for types this reader cannot decode. */
export interface BundleTensorInfo {
  name: string;
  dtype: CheckpointDtype | `DT_${number}`;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  crc32c: number;
}

export class TensorBundle {
  readonly header: BundleHeader;
  private readonly entries = new Map<string, BundleEntry>();
  private readonly shardHandles = new Map<number, number>();

  /**
   * Opens the bundle with the given prefix (`dir/model.ckpt-250228`; a path ending in `.index`
   * is accepted too) and parses its index. Data shards are opened when a tensor is read.
   * Throws when the index is missing, corrupt, big-endian or lacks its header entry.
   */
  constructor(prefix: string) {
    this.prefix = prefix.endsWith(".index") ? prefix.slice(0, -".index".length) : prefix;
    const indexPath = `${this.prefix}.index`;
    if (!fs.existsSync(indexPath)) {
      throw new Error(`Checkpoint index ${indexPath} not found; pass the checkpoint prefix (without .index).`);
    }
    let header: BundleHeader | undefined;
    for (const { key, value } of readTable(fs.readFileSync(indexPath), indexPath)) {
      const name = Buffer.from(key).toString("utf8");
      if (name === "") header = decodeBundleHeader(value, `${indexPath} header`);
      else this.entries.set(name, decodeBundleEntry(value, `${indexPath} entry "${name}"`));
    }
    if (!header) throw new Error(`${indexPath}: the header entry (empty key) is missing.`);
    if (header.endianness !== 0) {
      throw new Error(`${indexPath}: big-endian tensor bundles are not supported.`);
    }
    if (header.numShards < 1) throw new Error(`${indexPath}: invalid shard count ${header.numShards}.`);
    this.header = header;
  }

  readonly prefix: string;

  /** Tensor names in index (sorted) order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Index metadata of every tensor, in index order. */
  list(): BundleTensorInfo[] {
    return this.names().map((name) => this.info(name));
  }

  info(name: string): BundleTensorInfo {
    const entry = this.entry(name);
    return {
      name,
      dtype: TF_DTYPES[entry.dtype] ?? `DT_${entry.dtype}`,
      shape: [...entry.shape],
      shardId: entry.shardId,
      offset: entry.offset,
      size: entry.size,
      crc32c: entry.crc32c,
    };
  }

  /** Path of data shard `shard`. */
  shardPath(shard: number): string {
    const pad = (n: number): string => String(n).padStart(5, "0");
    return `${this.prefix}.data-${pad(shard)}-of-${pad(this.header.numShards)}`;
  }

  /**
   * Reads one tensor, checking its size and CRC-32C. Throws naming the tensor when its shard is
   * missing or too short, its dtype is unsupported, it is partitioned into slices, or its bytes
   * do not match the stored checksum.
   */
  read(name: string): CheckpointTensor {
    const entry = this.entry(name);
    const where = `${this.prefix}: tensor "${name}"`;
    const dtype = TF_DTYPES[entry.dtype];
    if (!dtype) throw new Error(`${where} has unsupported dtype code ${entry.dtype}.`);
    if (entry.sliceCount > 0 || entry.unknownRank) {
      throw new Error(`${where} is partitioned into ${entry.sliceCount} slices, which is not supported.`);
    }
    const bytes = this.readShardBytes(entry, where);
    const count = shapeSize(entry.shape);

    if (dtype === "string") return { dtype, shape: [...entry.shape], data: decodeStrings(bytes, count, entry, where) };

    const expectedSize = count * DTYPE_WIDTH[dtype];
    if (entry.size !== expectedSize) {
      throw new Error(`${where}: ${entry.size} stored bytes, but ${dtype} ${formatShape(entry.shape)} needs ${expectedSize}.`);
    }
    const actual = maskCrc(crc32cExtend(0, bytes));
    if (actual !== entry.crc32c) {
      throw new Error(
        `${where}: CRC-32C mismatch (stored ${hex(entry.crc32c)}, computed ${hex(actual)}); ` +
          `the data shard ${this.shardPath(entry.shardId)} is corrupt.`,
      );
    }
    return { dtype, shape: [...entry.shape], data: decodeElements(dtype, bytes, count) };
  }

  /** Reads every tensor whose name passes `filter` (all by default), in index order. */
  readAll(filter: (name: string) => boolean = () => true): TensorMap {
    const out: TensorMap = new Map();
    for (const name of this.names()) if (filter(name)) out.set(name, this.read(name));
    return out;
  }

  /** Closes the data shard files opened by {@link read}. */
  close(): void {
    for (const fd of this.shardHandles.values()) fs.closeSync(fd);
    this.shardHandles.clear();
  }

  private entry(name: string): BundleEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`${this.prefix}: tensor "${name}" not found in the checkpoint index.`);
    return entry;
  }

  private readShardBytes(entry: BundleEntry, where: string): Uint8Array {
    if (entry.shardId >= this.header.numShards) {
      throw new Error(`${where} names shard ${entry.shardId} of ${this.header.numShards}.`);
    }
    const file = this.shardPath(entry.shardId);
    let fd = this.shardHandles.get(entry.shardId);
    if (fd === undefined) {
      if (!fs.existsSync(file)) throw new Error(`${where}: data shard ${file} not found.`);
      fd = fs.openSync(file, "r");
      this.shardHandles.set(entry.shardId, fd);
    }
    const fileSize = fs.fstatSync(fd).size;
    if (entry.offset + entry.size > fileSize) {
      throw new Error(
        `${where}: bytes ${entry.offset}..${entry.offset + entry.size} lie beyond the end of ` +
          `${file} (${fileSize} bytes); the shard is truncated.`,
      );
    }
    const bytes = new Uint8Array(entry.size);
    let done = 0;
    while (done < entry.size) {
      const n = fs.readSync(fd, bytes, done, entry.size - done, entry.offset + done);
      if (n === 0) throw new Error(`${where}: unexpected end of ${file}.`);
      done += n;
    }
    return bytes;
  }
}

/**
 * Decodes a DT_STRING tensor. Layout: one varint64 length per element, a 4-byte masked CRC-32C
 * of the lengths, then the element bytes. TensorFlow's entry CRC covers each length as a
 * 4-byte little-endian integer, then the 4 stored checksum bytes, then the element bytes.
 */
function decodeStrings(bytes: Uint8Array, count: number, entry: BundleEntry, where: string): Uint8Array[] {
  const reader = new ByteReader(bytes, 0, bytes.length, where);
  const lengths: number[] = [];
  let crc = 0;
  const word = new Uint8Array(4);
  const wordView = new DataView(word.buffer);
  for (let i = 0; i < count; i++) {
    const length = reader.varint();
    if (length > 0xffffffff) throw new Error(`${where}: string element ${i} of ${length} bytes is too long.`);
    lengths.push(length);
    wordView.setUint32(0, length, true);
    crc = crc32cExtend(crc, word);
  }
  const checksumBytes = reader.take(4);
  const storedLengthCrc = new DataView(checksumBytes.buffer, checksumBytes.byteOffset, 4).getUint32(0, true);
  if (unmaskCrc(storedLengthCrc) !== crc) {
    throw new Error(`${where}: CRC-32C mismatch in the string lengths; the data shard is corrupt.`);
  }
  crc = crc32cExtend(crc, checksumBytes);
  const values = lengths.map((length) => reader.take(length).slice());
  for (const value of values) crc = crc32cExtend(crc, value);
  if (!reader.done()) throw new Error(`${where}: ${bytes.length - reader.pos} unexpected bytes after the strings.`);
  if (maskCrc(crc) !== entry.crc32c) {
    throw new Error(`${where}: CRC-32C mismatch (stored ${hex(entry.crc32c)}); the data shard is corrupt.`);
  }
  return values;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

/**
 * Reader for LevelDB-format tables (SSTables), the format of TensorFlow's checkpoint `.index`
 * files: data blocks of prefix-compressed keys with restart points, an index block of block
 * handles, and a 48-byte footer ending in the table magic. Each block's masked CRC-32C is
 * checked, and Snappy-compressed blocks are decompressed.
 */
import { crc32cExtend, unmaskCrc } from "./crc32c";
import { ByteReader } from "./protobuf";

// snappyjs ships no type declarations; only `uncompress` is used.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snappy = require("snappyjs") as { uncompress(input: Uint8Array): Uint8Array };

const FOOTER_SIZE = 48;
const TRAILER_SIZE = 5;
const MAGIC_LOW = 0x8b80fb57;
const MAGIC_HIGH = 0xdb477524;

export interface BlockHandle {
  offset: number;
  size: number;
}

export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/**
 * Returns every key/value pair of the table in key order. Throws naming `source` when the
 * magic, a block CRC, a compression type or a block layout is invalid.
 */
export function readTable(bytes: Uint8Array, source: string): TableEntry[] {
  if (bytes.length < FOOTER_SIZE) {
    throw new Error(`${source}: ${bytes.length} bytes is too short for an SSTable footer; the file is truncated.`);
  }
  const footerStart = bytes.length - FOOTER_SIZE;
  const footer = new ByteReader(bytes, footerStart, bytes.length - 8, `${source} footer`);
  const magic = new ByteReader(bytes, bytes.length - 8, bytes.length, source);
  if (magic.uint32() !== MAGIC_LOW || magic.uint32() !== MAGIC_HIGH) {
    throw new Error(`${source}: table magic number not found; the file is not a checkpoint index or is truncated.`);
  }
  readHandle(footer); // metaindex block: unused by tensor bundles
  const indexHandle = readHandle(footer);

  const entries: TableEntry[] = [];
  for (const indexEntry of parseBlock(readBlock(bytes, indexHandle, source), `${source} index block`)) {
    const handle = readHandle(new ByteReader(indexEntry.value, 0, indexEntry.value.length, source));
    entries.push(...parseBlock(readBlock(bytes, handle, source), `${source} data block at ${handle.offset}`));
  }
  return entries;
}

function readHandle(reader: ByteReader): BlockHandle {
  return { offset: reader.varint(), size: reader.varint() };
}

/** Returns a block's contents after checking its trailer CRC and undoing its compression. */
function readBlock(bytes: Uint8Array, handle: BlockHandle, source: string): Uint8Array {
  const end = handle.offset + handle.size;
  if (end + TRAILER_SIZE > bytes.length) {
    throw new Error(`${source}: block at byte ${handle.offset} (${handle.size} bytes) lies beyond the end of the file.`);
  }
  const contents = bytes.subarray(handle.offset, end);
  const type = bytes[end];
  const stored = new ByteReader(bytes, end + 1, end + TRAILER_SIZE, source).uint32();
  // The CRC covers the block contents followed by the compression-type byte.
  const actual = crc32cExtend(crc32cExtend(0, contents), bytes.subarray(end, end + 1));
  if (unmaskCrc(stored) !== actual) {
    throw new Error(`${source}: CRC-32C mismatch in the block at byte ${handle.offset}; the file is corrupt.`);
  }
  if (type === 0) return contents;
  if (type === 1) return snappy.uncompress(contents);
  throw new Error(`${source}: block at byte ${handle.offset} uses unknown compression type ${type}.`);
}

/** Decodes a block's entries: varints (shared, non_shared, value_length), key delta, value. */
function parseBlock(block: Uint8Array, source: string): TableEntry[] {
  if (block.length < 4) throw new Error(`${source}: block of ${block.length} bytes has no restart count.`);
  const restarts = new ByteReader(block, block.length - 4, block.length, source).uint32();
  const entriesEnd = block.length - 4 - 4 * restarts;
  if (restarts < 1 || entriesEnd < 0) throw new Error(`${source}: invalid restart count ${restarts}.`);

  const reader = new ByteReader(block, 0, entriesEnd, source);
  const entries: TableEntry[] = [];
  let previous = new Uint8Array(0);
  while (!reader.done()) {
    const shared = reader.varint();
    const nonShared = reader.varint();
    const valueLength = reader.varint();
    if (shared > previous.length) {
      throw new Error(`${source}: key shares ${shared} bytes with a ${previous.length}-byte previous key.`);
    }
    const key = new Uint8Array(shared + nonShared);
    key.set(previous.subarray(0, shared));
    key.set(reader.take(nonShared), shared);
    entries.push({ key, value: reader.take(valueLength) });
    previous = key;
  }
  return entries;
}

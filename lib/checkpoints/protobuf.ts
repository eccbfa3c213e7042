/**
 * Minimal protocol-buffer wire-format decoding: varints and the field walk needed for
 * TensorFlow's BundleHeaderProto and BundleEntryProto (tensor_bundle.proto).
 */

/** A cursor over a byte array that reads varints. */
export class ByteReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
    readonly source = "buffer",
  ) {
    this.pos = start;
  }

  /** Reads an unsigned varint of up to 64 bits; throws past `end` or on values beyond 2^53. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error(`${this.source}: truncated varint at byte ${this.pos}.`);
      const byte = this.bytes[this.pos++];
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) {
          throw new Error(`${this.source}: varint ${result} is beyond 2^53 at byte ${this.pos}.`);
        }
        return result;
      }
      scale *= 128;
    }
    throw new Error(`${this.source}: varint longer than 10 bytes at byte ${this.pos}.`);
  }

  take(length: number): Uint8Array {
    if (length < 0 || this.pos + length > this.end) {
      throw new Error(`${this.source}: ${length} bytes requested at byte ${this.pos}, past the end ${this.end}.`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  uint32(): number {
    const raw = this.take(4);
    return (raw[0] | (raw[1] << 8) | (raw[2] << 16) | (raw[3] << 24)) >>> 0;
  }

  done(): boolean {
    return this.pos >= this.end;
  }
}

/** One decoded field: varints and fixed32 as numbers, length-delimited as bytes. */
export interface ProtoField {
  number: number;
  wireType: number;
  value: number | Uint8Array;
}

/** Splits a message into its fields; fixed64 is returned as 8 raw bytes. Groups are rejected. */
export function decodeFields(bytes: Uint8Array, source: string): ProtoField[] {
  const reader = new ByteReader(bytes, 0, bytes.length, source);
  const fields: ProtoField[] = [];
  while (!reader.done()) {
    const tag = reader.varint();
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    let value: number | Uint8Array;
    if (wireType === 0) value = reader.varint();
    else if (wireType === 1) value = reader.take(8);
    else if (wireType === 2) value = reader.take(reader.varint());
    else if (wireType === 5) value = reader.uint32();
    else throw new Error(`${source}: unsupported protobuf wire type ${wireType} for field ${number}.`);
    fields.push({ number, wireType, value });
  }
  return fields;
}

/** TensorFlow's BundleHeaderProto. */
export interface BundleHeader {
  numShards: number;
  /** 0 = little-endian, 1 = big-endian. */
  endianness: number;
  producer: number;
}

/** TensorFlow's BundleEntryProto (without slices, which are only counted). */
export interface BundleEntry {
  dtype: number;
  shape: number[];
  unknownRank: boolean;
  shardId: number;
  offset: number;
  size: number;
  crc32c: number;
  sliceCount: number;
}

export function decodeBundleHeader(bytes: Uint8Array, source: string): BundleHeader {
  const header: BundleHeader = { numShards: 0, endianness: 0, producer: 0 };
  for (const field of decodeFields(bytes, source)) {
    if (field.number === 1) header.numShards = field.value as number;
    else if (field.number === 2) header.endianness = field.value as number;
    else if (field.number === 3) {
      for (const version of decodeFields(field.value as Uint8Array, source)) {
        if (version.number === 1) header.producer = version.value as number;
      }
    }
  }
  return header;
}

export function decodeBundleEntry(bytes: Uint8Array, source: string): BundleEntry {
  const entry: BundleEntry = {
    dtype: 0,
    shape: [],
    unknownRank: false,
    shardId: 0,
    offset: 0,
    size: 0,
    crc32c: 0,
    sliceCount: 0,
  };
  for (const field of decodeFields(bytes, source)) {
    switch (field.number) {
      case 1:
        entry.dtype = field.value as number;
        break;
      case 2:
        decodeShape(field.value as Uint8Array, entry, source);
        break;
      case 3:
        entry.shardId = field.value as number;
        break;
      case 4:
        entry.offset = field.value as number;
        break;
      case 5:
        entry.size = field.value as number;
        break;
      case 6:
        entry.crc32c = field.value as number;
        break;
      case 7:
        entry.sliceCount++;
        break;
    }
  }
  return entry;
}

/** TensorShapeProto: repeated Dim dim = 2 (Dim.size = 1), bool unknown_rank = 3. */
function decodeShape(bytes: Uint8Array, entry: BundleEntry, source: string): void {
  for (const field of decodeFields(bytes, source)) {
    if (field.number === 2) {
      let size = 0;
      for (const dim of decodeFields(field.value as Uint8Array, source)) {
        if (dim.number === 1) size = dim.value as number;
      }
      entry.shape.push(size);
    } else if (field.number === 3) {
      entry.unknownRank = field.value !== 0;
    }
  }
}

/**
 * Tensor records shared by the checkpoint readers: a dtype name, a shape and a typed array in
 * row-major (C) order. float16 and bfloat16 values are widened to float32 on read, and the
 * dtype field keeps the stored type.
 */

export type CheckpointDtype =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "bool"
  | "string";

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Uint8Array[];

/** One tensor read from a checkpoint. For dtype "string" the data is one byte array per element. */
export interface CheckpointTensor {
  dtype: CheckpointDtype;
  shape: number[];
  data: TensorData;
}

/** Tensors keyed by their name in the checkpoint, in the order the file lists them. */
export type TensorMap = Map<string, CheckpointTensor>;

/** Returns the number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Formats a shape as `[a, b, c]` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Returns the tensor's values as a Float32Array, converting float64, integer and bool data.
 * Throws for string tensors and for 64-bit integers beyond 2^53 in magnitude.
 */
export function toFloat32(name: string, tensor: CheckpointTensor): Float32Array {
  const { data } = tensor;
  if (data instanceof Float32Array) return data;
  if (Array.isArray(data)) {
    throw new Error(`Tensor "${name}" contains strings and cannot be converted to float32.`);
  }
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new Error(`Tensor "${name}" has the 64-bit value ${value}, too large for float32.`);
      }
      out[i] = Number(value);
    }
    return out;
  }
  out.set(data);
  return out;
}

/** Decodes one IEEE 754 half-precision value given as its 16 bits. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Widens little-endian float16 values to float32. */
export function decodeFloat16(bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  return out;
}

/** Widens little-endian bfloat16 values (the upper 16 bits of a float32) to float32. */
export function decodeBfloat16(bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  const widened = new Uint32Array(count);
  for (let i = 0; i < count; i++) widened[i] = view.getUint16(2 * i, true) << 16;
  return new Float32Array(widened.buffer);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per element of each fixed-width dtype. */
export const DTYPE_WIDTH: Record<Exclude<CheckpointDtype, "string">, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
};

/**
 * Decodes `count` little-endian elements of a fixed-width dtype from `bytes` into a fresh typed
 * array (the copy also fixes any misalignment of the source bytes).
 */
export function decodeElements(
  dtype: Exclude<CheckpointDtype, "string">,
  bytes: Uint8Array,
  count: number,
): Exclude<TensorData, Uint8Array[]> {
  const width = DTYPE_WIDTH[dtype];
  if (bytes.length < count * width) {
    throw new Error(`Expected ${count * width} bytes of ${dtype} data but found ${bytes.length}.`);
  }
  if (!HOST_IS_LITTLE_ENDIAN) {
    throw new Error("Checkpoint tensors are little-endian and this host is big-endian; it is not supported.");
  }
  if (dtype === "float16") return decodeFloat16(bytes, count);
  if (dtype === "bfloat16") return decodeBfloat16(bytes, count);
  // Copy into an aligned buffer first: typed-array views need offsets that are multiples of width.
  const copy = new Uint8Array(count * width);
  copy.set(bytes.subarray(0, count * width));
  switch (dtype) {
    case "float32":
      return new Float32Array(copy.buffer);
    case "float64":
      return new Float64Array(copy.buffer);
    case "int8":
      return new Int8Array(copy.buffer);
    case "int16":
      return new Int16Array(copy.buffer);
    case "int32":
      return new Int32Array(copy.buffer);
    case "int64":
      return new BigInt64Array(copy.buffer);
    case "uint16":
      return new Uint16Array(copy.buffer);
    case "uint32":
      return new Uint32Array(copy.buffer);
    case "uint64":
      return new BigUint64Array(copy.buffer);
    case "uint8":
    case "bool":
      return copy;
  }
}

/** A float32 tensor in TF.js layout, ready to become a tf.Tensor. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

/** Model weights keyed by the model's own variable names. */
export type WeightMap = Map<string, Float32Tensor>;

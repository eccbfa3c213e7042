/**
 * Access to wasm tensors as ranges of one Float32Array over the wasm heap, for kernels that
 * hand tensors to the native OpenBLAS addon (lib/backend/native-blas.ts) without copying.
 * Relies on BackendWasm internals of tfjs-backend-wasm 4.22.0 (pinned): `dataIdMap` entries
 * carry `memoryOffset` (bytes), and the module exposes `HEAPF32`.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * Returns the wasm heap as float32. Call it after any allocation, because an allocation may
 * grow the heap, which replaces the buffer behind earlier views.
 */
export function heapFloats(backend: BackendWasm): Float32Array {
  return (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
}

/** Returns the index of a float32 tensor's first element in heapFloats(backend). */
export function heapIndex(backend: BackendWasm, tensor: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(tensor.dataId);
  if (data === undefined || data.dtype !== "float32") {
    throw new Error(`Expected a float32 tensor on the wasm backend, got ${data?.dtype ?? "an unknown tensor"}.`);
  }
  // malloc aligns to at least 8 bytes, so the byte offset is a whole number of floats.
  return data.memoryOffset / Float32Array.BYTES_PER_ELEMENT;
}

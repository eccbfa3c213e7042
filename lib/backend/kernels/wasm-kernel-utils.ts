/**
 * Helpers for kernels that replace or add TF.js wasm kernels: calling other registered wasm
 * kernels, and handing the C++ side "views" (tensor ids that alias a range of an existing
 * tensor's memory) so that a batch slice needs no copy.
 * They rely on BackendWasm internals of tfjs-backend-wasm 4.22.0 (pinned): `dataIdMap`
 * entries carry `id` and `memoryOffset`, and `dataIdNextNumber` hands out tensor ids.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** The arguments every wasm kernel function receives. */
export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}

/** A kernel function of the wasm backend with a single output. */
export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo;

/** A kernel function of the wasm backend with several outputs. */
export type WasmMultiKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo[];

/** Bridge functions that stock init() of tfjs-backend-wasm adds to the module. */
interface Bridge {
  registerTensor(id: number, size: number, memoryOffset: number): void;
  disposeData(id: number): void;
}

/** Returns the kernel input `name`, which the kernel's op always passes. */
export function kernelInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const input = inputs[name];
  if (input === undefined) throw new Error(`Kernel input "${name}" is missing.`);
  return input;
}

/** Returns the C++ tensor id of a tensor on the wasm backend. */
export function wasmTensorId(backend: BackendWasm, tensor: tf.TensorInfo): number {
  return backend.dataIdMap.get(tensor.dataId)!.id;
}

/** Runs the wasm kernel registered now under `kernelName` (a replaced one if replaced). */
export function runWasmKernel(
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  backend: BackendWasm,
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, "wasm");
  if (kernel === undefined) throw new Error(`Kernel ${kernelName} is not registered for wasm.`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`Kernel ${kernelName} returned several outputs.`);
  return out;
}

/** Reshapes without copying, as the stock Reshape kernel does (it increments a refcount). */
export function reshapeWasm(backend: BackendWasm, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runWasmKernel(tf.Reshape, { x }, { shape }, backend);
}

/** Transposes the last two axes into a new contiguous tensor. */
export function transposeLastTwo(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, axis) => axis);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runWasmKernel(tf.Transpose, { x }, { perm }, backend);
}

/** Releases an intermediate tensor created inside a kernel. */
export function disposeIntermediate(backend: BackendWasm, tensor: tf.TensorInfo): void {
  backend.disposeData(tensor.dataId);
}

/** A range of float32 elements inside an existing wasm tensor. */
export interface FloatRange {
  tensor: tf.TensorInfo;
  /** First element of the range. */
  start: number;
  /** Number of elements. */
  size: number;
}

/**
 * Registers each range as a temporary C++ tensor id aliasing that memory, runs `body` with
 * the ids, then unregisters them (which also frees XNNPACK operators cached on those ids,
 * because the C++ disposal callbacks run on unregister). The memory itself is not freed.
 */
export function withFloatViews<T>(
  backend: BackendWasm,
  ranges: FloatRange[],
  body: (ids: number[]) => T,
): T {
  const bridge = (backend.wasm as unknown as { tfjs: Bridge }).tfjs;
  const counter = backend as unknown as { dataIdNextNumber: number };
  const ids: number[] = [];
  try {
    for (const range of ranges) {
      const data = backend.dataIdMap.get(range.tensor.dataId)!;
      if (data.dtype !== "float32") throw new Error(`Views need float32 tensors, got ${data.dtype}.`);
      const id = counter.dataIdNextNumber++;
      bridge.registerTensor(id, range.size, data.memoryOffset + 4 * range.start);
      ids.push(id);
    }
    return body(ids);
  } finally {
    for (const id of ids) bridge.disposeData(id);
  }
}

/** Product of the dimensions, 1 for an empty shape. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

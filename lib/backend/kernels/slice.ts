/**
 * Slice and SplitV for the wasm backend by copies of whole contiguous runs.
 *
 * Stock tfjs-backend-wasm 4.22.0 slices 2-D to 4-D tensors one innermost row at a time, with a
 * new subarray per row. So splitting the ViT's [64, 12, 65, 32] query-key-value tensor took
 * 16,640 copies of 32 floats per output. The 5 SplitV calls of a training step took 49 ms
 * (per-kernel profile of `npm run bench`, 2-core AMD EPYC). Here the trailing axes that a slice
 * takes whole merge into one run: 64 runs of 8,320 floats, and SplitV left the profile's top 8.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { kernelInput, sizeOf, type WasmKernelArgs, type WasmKernelFunc, type WasmMultiKernelFunc } from "./wasm-kernel-utils";

type Elements = Float32Array | Int32Array | Uint8Array;

/**
 * Copies the block of `x` (shape `shape`) that starts at `begin` and has shape `size` to the
 * start of `out`, in row-major order.
 */
export function copyBlock(x: Elements, shape: number[], begin: number[], size: number[], out: Elements): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape).concat([1]);
  // Axes after `axis` are taken whole (so they start at 0): each index of axes 0..axis - 1 starts one run.
  let axis = rank - 1;
  while (axis > 0 && size[axis] === shape[axis]) axis--;
  const run = size[axis] * strides[axis];
  const outer = sizeOf(size.slice(0, axis));
  const index = new Array<number>(axis).fill(0);
  let target = 0;
  for (let count = 0; count < outer; count++) {
    let source = begin[axis] * strides[axis];
    for (let a = 0; a < axis; a++) source += (begin[a] + index[a]) * strides[a];
    out.set(x.subarray(source, source + run), target);
    target += run;
    // Odometer over the outer axes, last axis fastest.
    for (let a = axis - 1; a >= 0; a--) {
      if (++index[a] < size[a]) break;
      index[a] = 0;
    }
  }
}

/** Slices a numeric or bool tensor `x` on the wasm heap. */
function sliceHeap(backend: BackendWasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (sizeOf(size) === 0) return out;
  // Views are taken after the allocation, which may grow the heap.
  const input = backend.typedArrayFromHeap(x) as Elements;
  const output = backend.typedArrayFromHeap(out) as Elements;
  if (x.shape.length === 0) {
    output[0] = input[0];
    return out;
  }
  copyBlock(input, x.shape, begin, size, output);
  return out;
}

/** Replacement for the stock Slice kernel function `stock`, which still handles strings. */
export function makeSlice(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const x = kernelInput(args.inputs, "x");
    if (x.dtype === "string") return stock(args);
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x, begin, size);
    return sliceHeap(args.backend, x, begin_, size_);
  };
}

/** Replacement for the stock SplitV kernel function, which still handles strings. */
export function makeSplitV(stock: WasmMultiKernelFunc): WasmMultiKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo[] => {
    const x = kernelInput(args.inputs, "x");
    if (x.dtype === "string") return stock(args);
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const splitAxis = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, splitAxis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((length) => {
      const size = x.shape.slice();
      size[splitAxis] = length;
      const part = sliceHeap(args.backend, x, begin.slice(), size);
      begin[splitAxis] += length;
      return part;
    });
  };
}

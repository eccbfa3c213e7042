/**
 * Tile for the wasm backend by block copies in JavaScript.
 *
 * Stock tfjs-backend-wasm 4.22.0 tiles element by element, computing a multi-index for every
 * output element. Batch-norm gradients tile per-channel vectors to the full activation shape,
 * so that loop ran on every training step of a convnet. Here each innermost row is copied once
 * and every repetition is a copyWithin of an already finished block (memcpy speed).
 */
import * as tf from "@tensorflow/tfjs";
import { kernelInput, sizeOf, type WasmKernelArgs, type WasmKernelFunc } from "./wasm-kernel-utils";

type Elements = Float32Array | Int32Array | Uint8Array;

/**
 * Writes the tiling of the input block at `inStart` (axes `axis`.. of `shape`) to `out` at
 * `outStart`, where `inStrides` and `outBlock` are the input strides and the output block
 * sizes per axis.
 */
function tileBlock(
  input: Elements,
  out: Elements,
  shape: number[],
  reps: number[],
  inStrides: number[],
  outBlock: number[],
  axis: number,
  inStart: number,
  outStart: number,
): void {
  const last = axis === shape.length - 1;
  const innerOut = last ? 1 : outBlock[axis + 1];
  if (last) {
    out.set(input.subarray(inStart, inStart + shape[axis]), outStart);
  } else {
    for (let i = 0; i < shape[axis]; i++) {
      tileBlock(input, out, shape, reps, inStrides, outBlock, axis + 1, inStart + i * inStrides[axis], outStart + i * innerOut);
    }
  }
  // The first repetition is complete: copy it, doubling the copied length each time.
  const once = shape[axis] * innerOut;
  let filled = once;
  const total = once * reps[axis];
  while (filled < total) {
    const length = Math.min(filled, total - filled);
    out.copyWithin(outStart + filled, outStart, outStart + length);
    filled += length;
  }
}

/** Replacement for the stock Tile kernel function `stock`, which still handles string tensors. */
export function makeTile(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const x = kernelInput(args.inputs, "x");
    const { reps } = args.attrs as { reps: number[] };
    const backend = args.backend;
    if (x.dtype === "string" || x.dtype === "complex64" || x.shape.length === 0) return stock(args);

    const outShape = x.shape.map((dim, axis) => dim * reps[axis]);
    // The output is allocated before the heap views are taken, because allocation can grow
    // (and so detach) the wasm memory.
    const out = backend.makeOutput(outShape, x.dtype);
    if (sizeOf(outShape) === 0) return out;
    const input = backend.typedArrayFromHeap(x) as Elements;
    const output = backend.typedArrayFromHeap(out) as Elements;

    const inStrides = tf.util.computeStrides(x.shape).concat([1]);
    const outBlock = outShape.map((_, axis) => sizeOf(outShape.slice(axis)));
    tileBlock(input, output, x.shape, reps, inStrides, outBlock, 0, 0, 0);
    return out;
  };
}

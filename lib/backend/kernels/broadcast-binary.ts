/**
 * Add, Sub, Multiply and RealDiv for the wasm backend when one operand has the output shape and
 * the other is broadcast (a per-channel vector, a [B, T, 1] statistic, ...).
 *
 * Stock tfjs-backend-wasm 4.22.0 computes a broadcast element by element through an index
 * loop. On the 2-core AVX-512 machine of bench/README.md, [64, 32, 32, 16] x [16] took 2.8 ms
 * against 0.4 ms for two [64, 32, 32, 16] operands. Batch-norm gradients and Adam run hundreds
 * of such products per ResNet-20 step. Here the broadcast operand is first tiled to the output
 * shape (the Tile kernel of tile.ts, block copies), and then the stock kernel runs on equal shapes.
 */
import * as tf from "@tensorflow/tfjs";

import { disposeIntermediate, kernelInput, reshapeWasm, runWasmKernel, sizeOf, type WasmKernelArgs, type WasmKernelFunc } from "./wasm-kernel-utils";

/**
 * Outputs smaller than this go to the stock kernel. NOTE: an estimate, not measured: the extra
 * Tile kernel call is assumed to cost more than it saves below about 4,096 elements.
 */
export const MIN_TILED_OUTPUT = 4096;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, axis) => dim === b[axis]);
}

/**
 * Replacement for a stock binary kernel function `stock` (Add, Sub, Multiply or RealDiv). It
 * calls the stock kernel directly for equal shapes, for other dtypes than float32, for small
 * outputs, and when neither operand has the output shape.
 */
export function makeBroadcastBinary(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const a = kernelInput(args.inputs, "a");
    const b = kernelInput(args.inputs, "b");
    if (sameShape(a.shape, b.shape) || a.dtype !== "float32" || b.dtype !== "float32") return stock(args);
    let outShape: number[];
    try {
      outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return stock(args); // the stock kernel raises its own error
    }
    const aIsFull = sameShape(a.shape, outShape);
    const bIsFull = sameShape(b.shape, outShape);
    if (aIsFull === bIsFull || sizeOf(outShape) < MIN_TILED_OUTPUT) return stock(args);

    const backend = args.backend;
    const small = aIsFull ? b : a;
    // Align the ranks with leading 1s, then repeat each axis up to the output's size.
    const aligned = [...new Array<number>(outShape.length - small.shape.length).fill(1), ...small.shape];
    const reshaped = reshapeWasm(backend, small, aligned);
    const reps = outShape.map((dim, axis) => dim / aligned[axis]);
    const tiled = runWasmKernel(tf.Tile, { x: reshaped }, { reps }, backend);
    disposeIntermediate(backend, reshaped);
    try {
      const inputs = aIsFull ? { a, b: tiled } : { a: tiled, b };
      return stock({ inputs, attrs: args.attrs, backend });
    } finally {
      disposeIntermediate(backend, tiled);
    }
  };
}

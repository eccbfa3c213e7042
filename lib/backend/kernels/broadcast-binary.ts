/**
 * Add, Sub, Multiply and RealDiv for the wasm backend when one operand has the output shape and
 * the other is broadcast (a per-channel vector, a [B, T, 1] statistic, ...).
 *
 * Stock tfjs-backend-wasm 4.22.0 computes a broadcast element by element through an index
 * loop. On the 2-core AVX-512 machine of bench/README.md, [64, 32, 32, 16] x [16] took 2.8 ms
 * against 0.4 ms for two [64, 32, 32, 16] operands. Batch-norm gradients run hundreds of such
 * products per ResNet-20 step, and LayerNorm many [B, T, 1] x [B, T, D] ones per ViT step.
 * In order of preference:
 * - an operand of the output's size but another rank (such as [1, B, T, D]) is reshaped, and
 *   the stock kernel runs on equal shapes;
 * - with the native addon loaded, a broadcast operand that repeats along rows (a suffix of the
 *   output's axes, such as a per-channel vector) or along columns (a prefix, such as [B, T, 1])
 *   goes to NativeBlas.broadcastBinary, one vectorized pass;
 * - otherwise the broadcast operand is tiled to the output shape (the Tile kernel of tile.ts,
 *   block copies), and then the stock kernel runs on equal shapes.
 */
import * as tf from "@tensorflow/tfjs";

import { nativeBlas, type NativeBinaryOp } from "../native-blas";
import { heapFloats, heapIndex } from "./native-heap";
import { disposeIntermediate, kernelInput, reshapeWasm, runWasmKernel, sizeOf, type WasmKernelArgs, type WasmKernelFunc } from "./wasm-kernel-utils";

/**
 * Outputs smaller than this go to the stock kernel. NOTE: an estimate, not measured: the extra
 * Tile kernel call is assumed to cost more than it saves below about 4,096 elements.
 */
export const MIN_TILED_OUTPUT = 4096;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, axis) => dim === b[axis]);
}

/** Repetition pattern of a broadcast operand over the output seen as a [rows, columns] matrix. */
export interface BroadcastLayout {
  layout: "row" | "column";
  rows: number;
  columns: number;
}

/**
 * Returns the layout of a broadcast operand `aligned` (padded to the output's rank with leading
 * 1s), or undefined. "row" (one value per column): 1s, then a suffix of the output's axes.
 * "column" (one value per row): a prefix of the output's axes, then 1s. All 1s is one column.
 */
export function broadcastLayout(aligned: readonly number[], outShape: readonly number[]): BroadcastLayout | undefined {
  const rank = outShape.length;
  const first = aligned.findIndex((dim) => dim !== 1);
  if (first === -1) return { layout: "column", rows: 1, columns: sizeOf(outShape) };
  let last = rank - 1;
  while (aligned[last] === 1) last--;
  const suffix = aligned.slice(first).every((dim, i) => dim === outShape[first + i]);
  if (suffix) return { layout: "row", rows: sizeOf(outShape.slice(0, first)), columns: sizeOf(outShape.slice(first)) };
  const prefix = aligned.slice(0, last + 1).every((dim, i) => dim === outShape[i]);
  if (prefix) return { layout: "column", rows: sizeOf(outShape.slice(0, last + 1)), columns: sizeOf(outShape.slice(last + 1)) };
  return undefined;
}

/**
 * Returns the replacement for a stock binary kernel function (Add, Sub, Multiply or RealDiv,
 * named by `op`). Equal shapes, dtypes other than float32 and broadcasts of both operands go
 * to the stock kernel. So do small outputs when the native addon is not loaded.
 */
export function makeBroadcastBinary(op: NativeBinaryOp): (stock: WasmKernelFunc) => WasmKernelFunc {
  return (stock) =>
    (args: WasmKernelArgs): tf.TensorInfo => {
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
      if (aIsFull === bIsFull) return stock(args);

      const backend = args.backend;
      const full = aIsFull ? a : b;
      const small = aIsFull ? b : a;
      const withSmall = (replacement: tf.TensorInfo) => (aIsFull ? { a, b: replacement } : { a: replacement, b });
      if (sizeOf(small.shape) === sizeOf(outShape)) {
        const reshaped = reshapeWasm(backend, small, outShape);
        try {
          return stock({ inputs: withSmall(reshaped), attrs: args.attrs, backend });
        } finally {
          disposeIntermediate(backend, reshaped);
        }
      }

      // Align the ranks with leading 1s.
      const aligned = [...new Array<number>(outShape.length - small.shape.length).fill(1), ...small.shape];
      const blas = nativeBlas();
      const layout = blas === undefined ? undefined : broadcastLayout(aligned, outShape);
      if (blas !== undefined && layout !== undefined) {
        const out = backend.makeOutput(outShape, "float32");
        const heap = heapFloats(backend);
        const offsets = [full, small, out].map((tensor) => heapIndex(backend, tensor));
        blas.broadcastBinary(op, heap, offsets[0], offsets[1], offsets[2], layout.rows, layout.columns, layout.layout, !aIsFull);
        return out;
      }
      if (sizeOf(outShape) < MIN_TILED_OUTPUT) return stock(args);

      // Repeat each axis up to the output's size.
      const reshaped = reshapeWasm(backend, small, aligned);
      const reps = outShape.map((dim, axis) => dim / aligned[axis]);
      const tiled = runWasmKernel(tf.Tile, { x: reshaped }, { reps }, backend);
      disposeIntermediate(backend, reshaped);
      try {
        return stock({ inputs: withSmall(tiled), attrs: args.attrs, backend });
      } finally {
        disposeIntermediate(backend, tiled);
      }
    };
}

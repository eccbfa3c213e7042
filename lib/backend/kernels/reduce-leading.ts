/**
 * Sum and Mean for the wasm backend over a block of axes that excludes the last one: the
 * native addon's sumRows when it is loaded, else a matrix product with a row of ones.
 *
 * Stock tfjs-backend-wasm 4.22.0 reduces only innermost axes, so for any other axes it first
 * transposes the whole input. Batch-norm statistics, their gradients and every bias gradient
 * reduce [batch, height, width, channels] over the first three axes.
 * On [64, 32, 32, 16] the stock Sum took 1.8 ms, half of it in the transpose. The same input
 * viewed as [65536, 16] and reduced as ones[1, 65536] @ x through the BatchMatMul kernel took
 * 0.3 ms, and sumRows 0.2 ms (2-core AMD EPYC, mean of 50 calls). sumRows also avoids the
 * OpenBLAS thread wake-ups that made that product take 2.2 ms per call inside ResNet-20 training.
 * Other axes go to the stock kernels.
 */
import * as tf from "@tensorflow/tfjs";
import { nativeBlas } from "../native-blas";
import { heapFloats, heapIndex } from "./native-heap";
import {
  disposeIntermediate,
  kernelInput,
  reshapeWasm,
  runWasmKernel,
  sizeOf,
  type WasmKernelArgs,
  type WasmKernelFunc,
} from "./wasm-kernel-utils";

/** The input seen as [outer, reduced, inner], with `reduced` summed away. */
interface LeadingBlock {
  outer: number;
  reduced: number;
  inner: number;
}

/**
 * Returns the [outer, reduced, inner] view when the (normalised, sorted) reduction axes form
 * one contiguous block that leaves at least the last axis, else undefined.
 */
export function leadingBlock(shape: number[], axis: number | number[]): LeadingBlock | undefined {
  const rank = shape.length;
  if (rank < 2) return undefined;
  const axes = tf.util.parseAxisParam(axis, shape).sort((p, q) => p - q);
  if (axes.length === 0) return undefined;
  const first = axes[0];
  const last = axes[axes.length - 1];
  if (last - first + 1 !== axes.length || last === rank - 1) return undefined;
  return {
    outer: sizeOf(shape.slice(0, first)),
    reduced: sizeOf(shape.slice(first, last + 1)),
    inner: sizeOf(shape.slice(last + 1)),
  };
}

/** Output shape of a reduction over `axis`, with the reduced axes kept as 1 when keepDims. */
function reducedShape(shape: number[], axis: number | number[], keepDims: boolean): number[] {
  const axes = new Set(tf.util.parseAxisParam(axis, shape));
  const out: number[] = [];
  shape.forEach((dim, index) => {
    if (!axes.has(index)) out.push(dim);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Replacement for a stock Sum or Mean kernel function: `scale` maps the number of reduced
 * elements to the factor applied to the sums (1 for Sum, 1 / count for Mean).
 */
function makeLeadingReduction(stock: WasmKernelFunc, scale: (count: number) => number): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const x = kernelInput(args.inputs, "x");
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const block = x.dtype === "float32" ? leadingBlock(x.shape, axis) : undefined;
    if (block === undefined || sizeOf(x.shape) === 0) return stock(args);
    const backend = args.backend;
    const { outer, reduced, inner } = block;
    const outShape = reducedShape(x.shape, axis, keepDims);
    if (inner === 1) {
      // Only axes of size 1 follow: the reduced axes are innermost in memory, which the stock
      // kernel handles without a transpose, faster than `outer` tiny products or sums of runs of 1.
      const x2 = reshapeWasm(backend, x, [outer, reduced]);
      const rows = stock({ inputs: { x: x2 }, attrs: { axis: [1], keepDims: false }, backend });
      disposeIntermediate(backend, x2);
      const out = reshapeWasm(backend, rows, outShape);
      disposeIntermediate(backend, rows);
      return out;
    }
    const blas = nativeBlas();
    if (blas !== undefined) {
      const out = backend.makeOutput(outShape, "float32");
      blas.sumRows(heapFloats(backend), heapIndex(backend, x), heapIndex(backend, out), outer, reduced, inner, scale(reduced));
      return out;
    }

    // ones [1, 1, reduced] @ x [outer, reduced, inner] -> [outer, 1, inner]
    const ones = backend.makeOutput([1, 1, reduced], "float32");
    const factor = scale(reduced);
    backend.typedArrayFromHeap(ones).fill(factor);
    const x3 = reshapeWasm(backend, x, [outer, reduced, inner]);
    const product = runWasmKernel(tf.BatchMatMul, { a: ones, b: x3 }, { transposeA: false, transposeB: false }, backend);
    disposeIntermediate(backend, ones);
    disposeIntermediate(backend, x3);
    const out = reshapeWasm(backend, product, outShape);
    disposeIntermediate(backend, product);
    return out;
  };
}

/** Sum over a leading block of axes; see the file comment. */
export function makeLeadingSum(stock: WasmKernelFunc): WasmKernelFunc {
  return makeLeadingReduction(stock, () => 1);
}

/** Mean over a leading block of axes: the row of ones holds 1 / count instead of 1. */
export function makeLeadingMean(stock: WasmKernelFunc): WasmKernelFunc {
  return makeLeadingReduction(stock, (count) => 1 / count);
}

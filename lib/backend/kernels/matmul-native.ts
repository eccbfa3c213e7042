/**
 * Matrix products of the wasm matMul kernels on the native OpenBLAS sgemm
 * (lib/backend/native-blas.ts). sgemm reads the operands and writes the output in place on
 * the wasm heap, and its transpose flags replace the explicit transposes of the XNNPACK path.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { NativeBlas } from "../native-blas";
import type { ProductShape } from "./matmul";
import { heapFloats, heapIndex } from "./native-heap";
import { sizeOf } from "./wasm-kernel-utils";

/**
 * Checks whether the native route applies: float32, a non-empty output, and each batch
 * dimension equal to the output's or absent (size 1), as in the XNNPACK route. An empty inner
 * dimension (k = 0) is allowed, and sgemm then writes zeros.
 * NOTE: there is no size threshold. bench/matmul-native.ts (2-core AMD EPYC, OpenBLAS 0.3.21)
 * measured sgemm faster than the wasm paths at every size from 2 x 2 x 2 up, with 1 and 2
 * threads. Tiny products cost about 3 us, against 5-18 us on the stock kernel.
 */
export function nativeApplies(a: tf.TensorInfo, b: tf.TensorInfo, shape: ProductShape): boolean {
  const batch = sizeOf(shape.batchShape);
  if (a.dtype !== "float32" || b.dtype !== "float32") return false;
  if (batch === 0 || shape.m * shape.n === 0) return false;
  return (shape.batchA === batch || shape.batchA === 1) && (shape.batchB === batch || shape.batchB === 1);
}

/**
 * With an unbatched b and an untransposed a, the batches of a are consecutive rows of one
 * [batchA * m, k] matrix, and so are those of the output: one sgemm call covers all of them.
 */
function mergesBatches(transposeA: boolean, shape: ProductShape): boolean {
  return shape.batchB === 1 && !transposeA;
}

/**
 * Computes out = op(a) @ op(b) + beta * out for every batch slice with native sgemm, where
 * `out` is a float32 tensor of shape [...shape.batchShape, m, n] on the same backend. With
 * beta = 0 the previous contents of `out` are ignored.
 */
export function nativeProduct(
  blas: NativeBlas,
  backend: BackendWasm,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  shape: ProductShape,
  out: tf.TensorInfo,
  beta: number,
): void {
  const { m, k, n, batchA, batchB, batchShape } = shape;
  const heap = heapFloats(backend);
  const aStart = heapIndex(backend, a);
  const bStart = heapIndex(backend, b);
  const outStart = heapIndex(backend, out);
  // Row strides as stored: a is [m, k] or, transposed, [k, m], and b is [k, n] or [n, k].
  // BLAS requires at least 1 even for k = 0.
  const lda = Math.max(1, transposeA ? m : k);
  const ldb = Math.max(1, transposeB ? k : n);
  if (mergesBatches(transposeA, shape)) {
    blas.sgemm(false, transposeB, batchA * m, n, k, 1, heap, aStart, lda, heap, bStart, ldb, beta, heap, outStart, n);
    return;
  }
  const batch = sizeOf(batchShape);
  for (let i = 0; i < batch; i++) {
    const aSlice = aStart + (batchA === 1 ? 0 : i) * m * k;
    const bSlice = bStart + (batchB === 1 ? 0 : i) * k * n;
    blas.sgemm(transposeA, transposeB, m, n, k, 1, heap, aSlice, lda, heap, bSlice, ldb, beta, heap, outStart + i * m * n, n);
  }
}

/**
 * Checks whether `bias` broadcasts to the output as one row of n values, so that
 * fillRowsWithBias applies. Such a bias has n elements and last dimension n. Its rank must not
 * exceed the output's, because a higher rank would add dimensions to the result.
 */
export function isRowBias(bias: tf.TensorInfo, n: number, outRank: number): boolean {
  const rank = bias.shape.length;
  return bias.dtype === "float32" && rank >= 1 && rank <= outRank && bias.shape[rank - 1] === n && sizeOf(bias.shape) === n;
}

/** Copies the n values of `bias` into every row of `out` (a float32 tensor of rows of n). */
export function fillRowsWithBias(backend: BackendWasm, out: tf.TensorInfo, bias: tf.TensorInfo, n: number): void {
  const heap = heapFloats(backend);
  const outStart = heapIndex(backend, out);
  const size = sizeOf(out.shape);
  heap.copyWithin(outStart, heapIndex(backend, bias), heapIndex(backend, bias) + n);
  // Doubling the filled prefix needs log2(rows) copies instead of one per row.
  for (let filled = n; filled < size; filled *= 2) {
    heap.copyWithin(outStart + filled, outStart, outStart + Math.min(filled, size - filled));
  }
}

/**
 * BatchMatMul and _FusedMatMul for the wasm backend that reach XNNPACK in every layout, or the
 * native OpenBLAS sgemm when its addon is loaded (see matmul-native.ts).
 *
 * Stock tfjs-backend-wasm 4.22.0 runs a product on XNNPACK (about 43 GFLOP/s per thread on
 * AVX-512) only when neither operand is transposed and both batch sizes are 1. Any other case
 * falls back to a naive blocked loop (about 1-3 GFLOP/s). Every matMul gradient transposes
 * one operand, so dense training spent most of its time in that loop. The kernels here
 * transpose operands explicitly (a memory copy, O(size) against O(m*n*k) for the product)
 * and run each batch slice as an XNNPACK product on aliased views of the batch tensors.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  disposeIntermediate,
  kernelInput,
  runWasmKernel,
  sizeOf,
  transposeLastTwo,
  wasmTensorId,
  withFloatViews,
  type WasmKernelArgs,
  type WasmKernelFunc,
} from "./wasm-kernel-utils";
import { nativeBlas, type NativeBlas } from "../native-blas";
import { biasAndActivation } from "./fused-epilogue";
import { fillRowsWithBias, isRowBias, nativeProduct, nativeApplies } from "./matmul-native";

/**
 * Below this many multiply-adds per XNNPACK call the stock kernel is kept, because creating an
 * XNNPACK operator (which packs the right operand) costs about 20 us. Measured for 64 products
 * a @ b^T of s x s matrices on one thread: XNNPACK was 3.7x slower at s = 16, even at s = 24
 * and 2.3x faster at s = 32.
 */
export const MIN_XNNPACK_MULTIPLY_ADDS = 16384;

type BatchMatMulCall = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: number,
  transposeB: number,
  outId: number,
) => void;

const batchMatMulCalls = new WeakMap<object, BatchMatMulCall>();

/** The C++ BatchMatMul entry point of this backend's module (the one stock BatchMatMul wraps). */
function batchMatMulCall(backend: BackendWasm): BatchMatMulCall {
  let call = batchMatMulCalls.get(backend.wasm);
  if (call === undefined) {
    const argTypes = ["number", "array", "number", "number", "array", "number", "number", "number", "number"];
    const module = backend.wasm as unknown as { cwrap(name: string, returns: null, args: string[]): unknown };
    call = module.cwrap(tf.BatchMatMul, null, argTypes) as BatchMatMulCall;
    batchMatMulCalls.set(backend.wasm, call);
  }
  return call;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** out[rows, n] = a[rows, k] @ b[k, n] on XNNPACK, for C++ tensor ids of contiguous data. */
function xnnpackProduct(
  backend: BackendWasm,
  aId: number,
  rows: number,
  k: number,
  bId: number,
  n: number,
  outId: number,
): void {
  // Batch 1 and no transposes select the XNNPACK path of the C++ kernel.
  batchMatMulCall(backend)(aId, shapeBytes([1, rows, k]), 3, bId, shapeBytes([1, k, n]), 3, 0, 0, outId);
}

/** Sizes of a batched product, read from the operands and transpose flags. */
export interface ProductShape {
  m: number;
  k: number;
  n: number;
  batchA: number;
  batchB: number;
  /** Broadcast batch shape of the output. */
  batchShape: number[];
}

/** Returns the product's sizes, or undefined where the stock kernel must decide (errors). */
function productShape(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): ProductShape | undefined {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) return undefined;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (k !== kB) return undefined;
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  let batchShape: number[];
  try {
    batchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  } catch {
    return undefined;
  }
  return { m, k, n, batchA: sizeOf(aBatchShape), batchB: sizeOf(bBatchShape), batchShape };
}

/**
 * Checks whether the XNNPACK route applies: float32, non-empty, and large enough per XNNPACK
 * call. Each batch dimension must equal the output's or be absent (size 1). Then slice i of the
 * flattened batch pairs with slice i (or 0) of each operand.
 */
function worthXnnpack(a: tf.TensorInfo, b: tf.TensorInfo, shape: ProductShape): boolean {
  const batch = sizeOf(shape.batchShape);
  if (a.dtype !== "float32" || b.dtype !== "float32") return false;
  if (batch === 0 || shape.m * shape.k * shape.n === 0) return false;
  // With an unbatched b, all batches of a form one product (see makeBatchMatMul).
  const rowsPerCall = shape.batchB === 1 ? shape.batchA * shape.m : shape.m;
  if (rowsPerCall * shape.k * shape.n < MIN_XNNPACK_MULTIPLY_ADDS) return false;
  return (shape.batchA === batch || shape.batchA === 1) && (shape.batchB === batch || shape.batchB === 1);
}

/** Reads the operands, transpose flags and product shape of a (fused) matMul kernel call. */
function readProduct(args: WasmKernelArgs) {
  const a = kernelInput(args.inputs, "a");
  const b = kernelInput(args.inputs, "b");
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  return { a, b, transposeA, transposeB, backend: args.backend, shape: productShape(a, b, transposeA, transposeB) };
}

/**
 * Checks for a float32 product with an empty inner dimension (k = 0), which is all zeros. The
 * stock kernel returns uninitialized memory for it.
 */
function isEmptySum(a: tf.TensorInfo, b: tf.TensorInfo, shape: ProductShape): boolean {
  return shape.k === 0 && a.dtype === "float32" && b.dtype === "float32";
}

/**
 * Replacement for the stock BatchMatMul kernel function `stock`. Float32 products go to the
 * native sgemm when its addon is loaded. Otherwise an empty inner dimension gives zeros, and
 * the stock kernel still runs products that are already on XNNPACK, tiny, non-float32 or
 * invalid (for its error message).
 */
export function makeBatchMatMul(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const { a, b, transposeA, transposeB, backend, shape } = readProduct(args);
    const blas = nativeBlas();
    if (blas !== undefined && shape !== undefined && nativeApplies(a, b, shape)) {
      const out = backend.makeOutput([...shape.batchShape, shape.m, shape.n], "float32");
      nativeProduct(blas, backend, a, b, transposeA, transposeB, shape, out, 0);
      return out;
    }
    if (shape !== undefined && isEmptySum(a, b, shape)) {
      return runWasmKernel(tf.Fill, {}, { shape: [...shape.batchShape, shape.m, shape.n], value: 0, dtype: "float32" }, backend);
    }
    if (shape === undefined || !worthXnnpack(a, b, shape)) return stock(args);
    const alreadyFast = !transposeA && !transposeB && shape.batchA === 1 && shape.batchB === 1;
    if (alreadyFast) return stock(args);

    const { m, k, n, batchA, batchB, batchShape } = shape;
    // aRows: [batchA, m, k] and bRows: [batchB, k, n], both contiguous.
    const aRows = transposeA ? transposeLastTwo(backend, a) : a;
    const bRows = transposeB ? transposeLastTwo(backend, b) : b;
    const out = backend.makeOutput([...batchShape, m, n], "float32");
    try {
      if (batchB === 1) {
        // One product for every batch of a: [batchA * m, k] @ [k, n].
        const outId = wasmTensorId(backend, out);
        xnnpackProduct(backend, wasmTensorId(backend, aRows), batchA * m, k, wasmTensorId(backend, bRows), n, outId);
      } else {
        const batch = sizeOf(batchShape);
        for (let i = 0; i < batch; i++) {
          const ranges = [
            { tensor: aRows, start: (batchA === 1 ? 0 : i) * m * k, size: m * k },
            { tensor: bRows, start: i * k * n, size: k * n },
            { tensor: out, start: i * m * n, size: m * n },
          ];
          withFloatViews(backend, ranges, ([aId, bId, outId]) =>
            xnnpackProduct(backend, aId, m, k, bId, n, outId),
          );
        }
      }
    } finally {
      if (aRows !== a) disposeIntermediate(backend, aRows);
      if (bRows !== b) disposeIntermediate(backend, bRows);
    }
    return out;
  };
}

/**
 * Batched fused product as three kernels: product, bias add, activation. Stock wasm's loop
 * for batched (or transposed) fused products reads the bias at min(i * n + j, n - 1), which
 * is right for row 0 only.
 */
function unfusedMatMul(args: WasmKernelArgs): tf.TensorInfo {
  const backend = args.backend;
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const a = kernelInput(args.inputs, "a");
  const b = kernelInput(args.inputs, "b");
  const product = runWasmKernel(tf.BatchMatMul, { a, b }, { transposeA, transposeB }, backend);
  return biasAndActivation(backend, product, args, false);
}

/**
 * Computes a fused product on the native sgemm. A bias that is one row is copied into the
 * output first, and sgemm adds the product to it. Any other bias goes through the Add kernel.
 * The activation runs as a separate kernel.
 */
function nativeFusedMatMul(blas: NativeBlas, args: WasmKernelArgs, shape: ProductShape): tf.TensorInfo {
  const { a, b, transposeA, transposeB, backend } = readProduct(args);
  const bias = args.inputs.bias;
  const outShape = [...shape.batchShape, shape.m, shape.n];
  const product = backend.makeOutput(outShape, "float32");
  const biasInProduct = bias !== undefined && isRowBias(bias, shape.n, outShape.length);
  if (biasInProduct) fillRowsWithBias(backend, product, bias, shape.n);
  nativeProduct(blas, backend, a, b, transposeA, transposeB, shape, product, biasInProduct ? 1 : 0);
  return biasAndActivation(backend, product, args, biasInProduct);
}

/**
 * Replacement for the stock _FusedMatMul kernel function `stock`. Float32 products go to the
 * native sgemm when its addon is loaded (see nativeFusedMatMul). Otherwise an unbatched
 * product with a transposed operand is transposed explicitly, so the stock kernel takes its
 * XNNPACK path with bias and activation fused. A batched product or one with an empty inner
 * dimension runs unfused (see unfusedMatMul), because the stock loop both is slow and
 * broadcasts the bias wrongly, and the stock kernel leaves an empty sum uninitialized.
 */
export function makeFusedMatMul(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const { a, b, transposeA, transposeB, backend, shape } = readProduct(args);
    const blas = nativeBlas();
    if (blas !== undefined && shape !== undefined && nativeApplies(a, b, shape)) {
      return nativeFusedMatMul(blas, args, shape);
    }
    if (shape === undefined || a.dtype !== "float32" || b.dtype !== "float32") return stock(args);
    if (shape.batchA !== 1 || shape.batchB !== 1 || isEmptySum(a, b, shape)) return unfusedMatMul(args);
    if (!transposeA && !transposeB) return stock(args);

    const aRows = transposeA ? transposeLastTwo(backend, a) : a;
    const bRows = transposeB ? transposeLastTwo(backend, b) : b;
    try {
      return stock({
        inputs: { ...args.inputs, a: aRows, b: bRows },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
        backend,
      });
    } finally {
      if (aRows !== a) disposeIntermediate(backend, aRows);
      if (bRows !== b) disposeIntermediate(backend, bRows);
    }
  };
}

/**
 * Optional native OpenBLAS GEMM for the wasm backend's matMul and conv2d gradient kernels.
 *
 * The addon in native/blas (built by `npm run native` from the Debian package libopenblas-dev)
 * runs cblas_sgemm and builds convolution patch matrices (im2col) on Float32Arrays, including
 * views on the wasm heap. This module loads it
 * once, if it was built. Set HW5_NATIVE_BLAS=0 to run without it. When it is disabled, not
 * built or fails to load, the kernels keep their wasm paths and `nativeBlasStatus()` returns
 * the reason.
 */
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../paths";

/** Path of the built addon (node-gyp's Release output in native/blas). */
export const NATIVE_BLAS_ADDON = path.join(repoRoot, "native", "blas", "build", "Release", "openblas_sgemm.node");

/**
 * Sizes of a 2-D convolution on NHWC data without dilation, for im2col and col2im. The output
 * size must match the input size, filter, strides and padding, as in TF.js's Conv2DInfo.
 */
export interface PatchGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  /** Rows of zeros above the input. */
  padTop: number;
  /** Columns of zeros left of the input. */
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

/** The functions that the addon (native/blas/addon.c) exports. */
export interface NativeBlas {
  /**
   * Computes c = alpha * op(a) @ op(b) + beta * c on row-major float32 matrices, where op(a)
   * is m x k and op(b) is k x n (op transposes when its flag is set). Offsets and leading
   * dimensions (row strides) count elements of the arrays. With beta = 0, c is only written.
   * @throws TypeError for a wrong argument type, RangeError for a size, offset or leading
   * dimension that reaches outside its array, or for c overlapping a or b.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    aOffset: number,
    lda: number,
    b: Float32Array,
    bOffset: number,
    ldb: number,
    beta: number,
    c: Float32Array,
    cOffset: number,
    ldc: number,
  ): void;
  /** Sets the OpenBLAS thread count (1..1024) and returns the count in effect. */
  setThreads(threads: number): number;
  /** Returns the OpenBLAS thread count. */
  getThreads(): number;
  /** OpenBLAS build configuration and the CPU kernel set it selected, such as "Cooperlake". */
  config(): { config: string; corename: string };
  /**
   * Writes the patch matrix P of x [batch, inHeight, inWidth, inChannels] into `patches`, one
   * row per output position (b, oh, ow) and one column per tap and channel (kh, kw, c):
   * P[(b, oh, ow), (kh, kw, c)] = x[b, oh * strideHeight + kh - padTop, ow * strideWidth + kw - padLeft, c],
   * and 0 outside x.
   * @throws TypeError for a wrong argument type, RangeError when an array is too short for
   * the geometry or x and patches overlap.
   */
  im2col(x: Float32Array, xOffset: number, patches: Float32Array, patchesOffset: number, geometry: PatchGeometry): void;
  /**
   * Adds each entry of a matrix shaped like im2col's P to x at the position that im2col reads
   * it from (the adjoint of im2col). x is not cleared first. Throws as im2col does.
   */
  col2im(patches: Float32Array, patchesOffset: number, x: Float32Array, xOffset: number, geometry: PatchGeometry): void;
  /**
   * Runs one Adam step of one variable in a single pass over `memory`, with the float32
   * operations of tf.train.adam. `offsets` lists the first elements of seven runs of `length`
   * floats: variable, first moment, second moment, gradient, then the new variable and moments.
   * @throws TypeError for a wrong argument type, RangeError for a run outside memory or an
   * output overlapping another run.
   */
  adamStep(memory: Float32Array, offsets: number[], length: number, hyper: AdamHyper): void;
  /**
   * Writes y[i] = op(x[i]) for the runs of `length` floats at xOffset and yOffset in `memory`,
   * vectorized through glibc's libmvec.
   * @throws TypeError for a wrong argument type, RangeError for an unknown op, a run outside
   * memory or overlapping runs.
   */
  unary(op: NativeUnaryOp, memory: Float32Array, xOffset: number, yOffset: number, length: number): void;
  /**
   * Computes out = F op S for a [rows, columns] matrix F and a vector S, runs of `memory`: with
   * layout "row", S has `columns` floats and out[r, c] = F[r, c] op S[c]; with "column", S has
   * `rows` floats and out[r, c] = F[r, c] op S[r]. With smallFirst, the result is S op F.
   * @throws TypeError for a wrong argument type, RangeError for an unknown op or layout, a run
   * outside memory or out overlapping F or S.
   */
  broadcastBinary(
    op: NativeBinaryOp,
    memory: Float32Array,
    fullOffset: number,
    smallOffset: number,
    outOffset: number,
    rows: number,
    columns: number,
    layout: "row" | "column",
    smallFirst: boolean,
  ): void;
  /**
   * Writes out[o, i] = scale * (sum over r of x[o, r, i]) for x, an [outer, reduced, inner]
   * block of `memory` at xOffset, into the [outer, inner] block at outOffset, summing in double.
   * @throws TypeError for a wrong argument type, RangeError for a block outside memory or
   * overlapping blocks.
   */
  sumRows(memory: Float32Array, xOffset: number, outOffset: number, outer: number, reduced: number, inner: number, scale: number): void;
}

/** Binary ops of NativeBlas.broadcastBinary. */
export type NativeBinaryOp = "add" | "sub" | "mul" | "div";

/** Elementwise functions of NativeBlas.unary. */
export type NativeUnaryOp = "exp" | "erf";

/** Hyperparameters of NativeBlas.adamStep: accBeta1 and accBeta2 are beta1^t and beta2^t. */
export interface AdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: number;
  accBeta2: number;
}

/** Whether the addon is in use, and the reason when it is not. */
export type NativeBlasStatus =
  | { available: true; addon: NativeBlas; corename: string }
  | { available: false; reason: string };

/** Functions the library calls; an addon built from older sources may lack some. */
const ADDON_FUNCTIONS: (keyof NativeBlas)[] = ["sgemm", "setThreads", "getThreads", "config", "im2col", "col2im", "adamStep", "unary", "broadcastBinary", "sumRows"];

let status: NativeBlasStatus | undefined;

/**
 * Reads HW5_NATIVE_BLAS from `env`: "0" disables the addon, "1" or unset allows it.
 * @throws for any other value.
 */
export function nativeBlasAllowed(env: NodeJS.ProcessEnv): boolean {
  const value = env.HW5_NATIVE_BLAS?.trim();
  if (value === undefined || value === "" || value === "1") return true;
  if (value === "0") return false;
  throw new Error(`Invalid HW5_NATIVE_BLAS="${env.HW5_NATIVE_BLAS}": use 0 (off) or 1 (on when built).`);
}

function loadStatus(): NativeBlasStatus {
  if (!nativeBlasAllowed(process.env)) return { available: false, reason: "disabled by HW5_NATIVE_BLAS=0" };
  if (!fs.existsSync(NATIVE_BLAS_ADDON)) {
    return { available: false, reason: "addon not built, npm run native builds it" };
  }
  // OpenBLAS reads this when it loads. By default its idle threads spin for 2^28 cycles after
  // each call (THREAD_TIMEOUT 28 in its blas_server.c), taking a core from the wasm threads.
  // With 2 threads on the 2-core AMD EPYC, 4 (the minimum) raised ResNet-20 training from 83 to
  // 95 examples/s and the dense autoencoder from 4,383 to 5,652 (`npm run bench`, one run each).
  process.env.OPENBLAS_THREAD_TIMEOUT ??= "4";
  try {
    const addon = require(NATIVE_BLAS_ADDON) as NativeBlas;
    const missing = ADDON_FUNCTIONS.filter((name) => typeof addon[name] !== "function");
    if (missing.length > 0) {
      return { available: false, reason: `addon lacks ${missing.join(", ")}, rebuild it with npm run native` };
    }
    return { available: true, addon, corename: addon.config().corename };
  } catch (error) {
    const firstLine = String(error).split("\n")[0];
    return { available: false, reason: `addon failed to load, rebuild it with npm run native: ${firstLine}` };
  }
}

/**
 * Loads the addon on the first call and returns whether it is available, with the addon or
 * the reason it is not. Later calls return the same result.
 * @throws if HW5_NATIVE_BLAS is set to something other than 0 or 1.
 */
export function nativeBlasStatus(): NativeBlasStatus {
  status ??= loadStatus();
  return status;
}

/** Returns the addon, or undefined when it is disabled, not built or failed to load. */
export function nativeBlas(): NativeBlas | undefined {
  const current = nativeBlasStatus();
  return current.available === true ? current.addon : undefined;
}

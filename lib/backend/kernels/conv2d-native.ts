/**
 * Conv2D and its gradients on the native OpenBLAS sgemm (lib/backend/native-blas.ts), through
 * patch matrices (im2col).
 *
 * The kernels take NHWC data, stride (sh, sw), padding (top, left), no dilation and a filter W
 * of shape [fh, fw, ci, co]. The patch matrix P has one row per output position (b, oh, ow)
 * and one column per filter tap (kh, kw, c):
 *   P[(b, oh, ow), (kh, kw, c)] = x[b, oh * sh + kh - top, ow * sw + kw - left, c], 0 outside x.
 * With dy as a [B * OH * OW, co] matrix and W as [fh * fw * ci, co]:
 *   forward: y = P @ W, where a 1x1 filter with stride 1 and no padding reads x itself as P;
 *   filter gradient: dW = P^T @ dy;
 *   input gradient: dP = dy @ W^T, and each entry of dP is added to dx at the x position that
 *   the same entry of P was read from (col2im).
 * P and dP live in a JavaScript scratch buffer, built for a chunk of the batch at a time by
 * the addon's im2col and col2im.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { NativeBlas, PatchGeometry } from "../native-blas";
import { fillRowsWithBias } from "./matmul-native";
import { heapFloats, heapIndex } from "./native-heap";

/**
 * Default maximum floats of one patch-matrix chunk (64 MiB). A single batch element larger
 * than this still runs as one chunk.
 */
export const MAX_PATCH_FLOATS = 1 << 24;

let scratch = new Float32Array(0);

/**
 * Returns a scratch buffer of at least `size` floats. It is reused across calls and keeps the
 * largest size requested.
 */
function scratchBuffer(size: number): Float32Array {
  if (scratch.length < size) scratch = new Float32Array(size);
  return scratch;
}

/** Sizes of a convolution, read from Conv2DInfo. */
interface ConvGeometry extends PatchGeometry {
  outChannels: number;
}

function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(`Native conv2d kernels support dilation 1 only, got ${info.dilationHeight} x ${info.dilationWidth}.`);
  }
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Returns the floats of one batch element of x. */
function inputSize(g: ConvGeometry): number {
  return g.inHeight * g.inWidth * g.inChannels;
}

/** Returns the columns of P: one per filter tap and input channel. */
function patchSize(g: ConvGeometry): number {
  return g.filterHeight * g.filterWidth * g.inChannels;
}

/** Returns the batch elements per chunk, so that a chunk of P stays within `maxPatchFloats`. */
function batchChunk(g: ConvGeometry, maxPatchFloats: number): number {
  const floatsPerElement = g.outHeight * g.outWidth * patchSize(g);
  return Math.max(1, Math.min(g.batch, Math.floor(maxPatchFloats / Math.max(1, floatsPerElement))));
}

/**
 * Builds the patch matrix P of x one batch chunk at a time (at most `maxPatchFloats` floats)
 * and calls `use` with it, the chunk's first batch element and its number of rows of P.
 */
function forEachPatchChunk(
  blas: NativeBlas,
  heap: Float32Array,
  xStart: number,
  g: ConvGeometry,
  maxPatchFloats: number,
  use: (patches: Float32Array, firstElement: number, rows: number) => void,
): void {
  const positions = g.outHeight * g.outWidth;
  const chunk = batchChunk(g, maxPatchFloats);
  const patches = scratchBuffer(chunk * positions * patchSize(g));
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const b1 = Math.min(g.batch, b0 + chunk);
    blas.im2col(heap, xStart + b0 * inputSize(g), patches, 0, { ...g, batch: b1 - b0 });
    use(patches, b0, (b1 - b0) * positions);
  }
}

/** Tells whether P equals x read as a [B * H * W, ci] matrix: a 1x1 filter, stride 1, no padding. */
function patchesAreInput(g: ConvGeometry): boolean {
  const onePixel = g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1;
  return onePixel && g.padTop === 0 && g.padLeft === 0 && g.outHeight === g.inHeight && g.outWidth === g.inWidth;
}

/**
 * Computes y [B, OH, OW, co] = P @ W on sgemm for each batch chunk of at most
 * `maxPatchFloats` floats of P. A `bias` of co values is copied into every row of y first, and
 * sgemm adds the product to it.
 */
export function nativeConv2D(
  blas: NativeBlas,
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  bias?: tf.TensorInfo,
  maxPatchFloats = MAX_PATCH_FLOATS,
): tf.TensorInfo {
  const g = geometry(info);
  const columns = patchSize(g);
  const positions = g.outHeight * g.outWidth;
  const out = backend.makeOutput([g.batch, g.outHeight, g.outWidth, g.outChannels], "float32");
  const size = g.batch * positions * g.outChannels;
  if (size === 0) return out;
  if (bias !== undefined) fillRowsWithBias(backend, out, bias, g.outChannels);
  const beta = bias !== undefined ? 1 : 0;
  const heap = heapFloats(backend);
  const outStart = heapIndex(backend, out);
  const xStart = heapIndex(backend, x);
  const filterStart = heapIndex(backend, filter);
  if (patchesAreInput(g)) {
    blas.sgemm(false, false, g.batch * positions, g.outChannels, columns, 1, heap, xStart, Math.max(1, columns), heap, filterStart, g.outChannels, beta, heap, outStart, g.outChannels);
    return out;
  }

  forEachPatchChunk(blas, heap, xStart, g, maxPatchFloats, (patches, b0, rows) => {
    const outChunk = outStart + b0 * positions * g.outChannels;
    blas.sgemm(false, false, rows, g.outChannels, columns, 1, patches, 0, Math.max(1, columns), heap, filterStart, g.outChannels, beta, heap, outChunk, g.outChannels);
  });
  return out;
}

/**
 * Computes the filter gradient dW [fh, fw, ci, co] = P^T @ dy on sgemm, accumulating over
 * batch chunks of at most `maxPatchFloats` floats of P. `info` is the forward convolution's
 * geometry.
 */
export function nativeConv2DBackpropFilter(
  blas: NativeBlas,
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  maxPatchFloats = MAX_PATCH_FLOATS,
): tf.TensorInfo {
  const g = geometry(info);
  const columns = patchSize(g);
  const positions = g.outHeight * g.outWidth;
  const out = backend.makeOutput([g.filterHeight, g.filterWidth, g.inChannels, g.outChannels], "float32");
  const heap = heapFloats(backend);
  const outStart = heapIndex(backend, out);
  if (g.batch * positions === 0) {
    heap.fill(0, outStart, outStart + columns * g.outChannels);
    return out;
  }

  const xStart = heapIndex(backend, x);
  const dyStart = heapIndex(backend, dy);
  forEachPatchChunk(blas, heap, xStart, g, maxPatchFloats, (patches, b0, rows) => {
    const dyChunk = dyStart + b0 * positions * g.outChannels;
    const beta = b0 === 0 ? 0 : 1;
    blas.sgemm(true, false, columns, g.outChannels, rows, 1, patches, 0, columns, heap, dyChunk, g.outChannels, beta, heap, outStart, g.outChannels);
  });
  return out;
}

/**
 * Computes the input gradient dx [B, H, W, ci]: dP = dy @ W^T on sgemm for each batch chunk
 * of at most `maxPatchFloats` floats of dP, then col2im adds dP into dx. `info` is the forward
 * convolution's geometry.
 */
export function nativeConv2DBackpropInput(
  blas: NativeBlas,
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  maxPatchFloats = MAX_PATCH_FLOATS,
): tf.TensorInfo {
  const g = geometry(info);
  const columns = patchSize(g);
  const positions = g.outHeight * g.outWidth;
  const out = backend.makeOutput([g.batch, g.inHeight, g.inWidth, g.inChannels], "float32");
  const heap = heapFloats(backend);
  const outStart = heapIndex(backend, out);
  heap.fill(0, outStart, outStart + g.batch * g.inHeight * g.inWidth * g.inChannels);
  if (g.batch * positions === 0) return out;

  const dyStart = heapIndex(backend, dy);
  const filterStart = heapIndex(backend, filter);
  const chunk = batchChunk(g, maxPatchFloats);
  const patchGrads = scratchBuffer(chunk * positions * columns);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const b1 = Math.min(g.batch, b0 + chunk);
    const rows = (b1 - b0) * positions;
    const dyChunk = dyStart + b0 * positions * g.outChannels;
    blas.sgemm(false, true, rows, columns, g.outChannels, 1, heap, dyChunk, g.outChannels, heap, filterStart, g.outChannels, 0, patchGrads, 0, columns);
    blas.col2im(patchGrads, 0, heap, outStart + b0 * inputSize(g), { ...g, batch: b1 - b0 });
  }
  return out;
}

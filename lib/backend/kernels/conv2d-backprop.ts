/**
 * Conv2D gradients for the wasm backend, both expressed as one XNNPACK Conv2D, or on the
 * native OpenBLAS sgemm when its addon is loaded (see conv2d-native.ts).
 *
 * Stock tfjs-backend-wasm 4.22.0 registers no Conv2DBackpropFilter (so no convolution can be
 * trained on wasm), and its Conv2DBackpropInput (also the forward pass of conv2dTranspose)
 * is a naive loop at about 5 GFLOP/s. Both kernels here handle NHWC data with equal or
 * unequal strides and no dilation (TF.js has no conv2d gradient for dilation > 1). Other
 * cases go to the stock kernel, or raise an error where there is none.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { disposeIntermediate, kernelInput, runWasmKernel, type WasmKernelArgs, type WasmKernelFunc } from "./wasm-kernel-utils";
import { nativeBlas } from "../native-blas";
import { nativeConv2DBackpropFilter, nativeConv2DBackpropInput } from "./conv2d-native";

interface BackpropAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}

function pair(value: number | [number, number]): [number, number] {
  return typeof value === "number" ? [value, value] : value;
}

/** Forward convolution geometry (padding resolved) for input `xShape` and filter `filterShape`. */
function forwardInfo(xShape: number[], filterShape: number[], attrs: BackpropAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}

/** Runs the wasm Conv2D (XNNPACK) with per-axis stride and dilation and padding [top, bottom, left, right]. */
function conv2d(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  [top, bottom, left, right]: number[],
): tf.TensorInfo {
  const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
  return runWasmKernel(tf.Conv2D, { x, filter }, { strides, dilations, pad, dataFormat: "NHWC" }, backend);
}

/** Keeps the first `size` entries along each axis (no copy when nothing is cut). */
function cropTo(backend: BackendWasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const whole = x.shape.every((dim, axis) => begin[axis] === 0 && size[axis] === dim);
  if (whole) return x;
  const out = runWasmKernel(tf.Slice, { x }, { begin, size }, backend);
  disposeIntermediate(backend, x);
  return out;
}

/**
 * Filter gradient dW[kh, kw, ci, co] = sum over b, oh, ow of
 * x[b, oh * sh + kh - padTop, ow * sw + kw - padLeft, ci] * dy[b, oh, ow, co].
 * Read with ci as the batch and b as the channels, this is a Conv2D of x with dy as the filter,
 * with the forward stride as dilation and stride 1.
 */
export function makeConv2DBackpropFilter(stock: WasmKernelFunc | undefined): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const attrs = args.attrs as unknown as BackpropAttrs & { filterShape: number[] };
    if (attrs.dataFormat !== "NHWC") {
      if (stock !== undefined) return stock(args);
      throw new Error(`Conv2DBackpropFilter on wasm supports dataFormat NHWC only, got ${attrs.dataFormat}.`);
    }
    const backend = args.backend;
    const x = kernelInput(args.inputs, "x");
    const dy = kernelInput(args.inputs, "dy");
    const info = forwardInfo(x.shape, attrs.filterShape, attrs);
    const blas = nativeBlas();
    if (blas !== undefined && x.dtype === "float32" && dy.dtype === "float32") {
      return nativeConv2DBackpropFilter(blas, backend, x, dy, info);
    }
    const [filterHeight, filterWidth, inChannels, outChannels] = attrs.filterShape;
    const [strideHeight, strideWidth] = pair(attrs.strides);
    const { top, left } = info.padInfo;

    // Padding after the input covers the last filter tap of the last output. Any extra rows or
    // columns this adds to the result are cropped below.
    const bottom = Math.max(0, filterHeight + strideHeight * (info.outHeight - 1) - info.inHeight - top);
    const right = Math.max(0, filterWidth + strideWidth * (info.outWidth - 1) - info.inWidth - left);

    const xByChannel = runWasmKernel(tf.Transpose, { x }, { perm: [3, 1, 2, 0] }, backend); // [ci, H, W, B]
    const dyAsFilter = runWasmKernel(tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] }, backend); // [OH, OW, B, co]
    const product = conv2d(backend, xByChannel, dyAsFilter, [1, 1], [strideHeight, strideWidth], [top, bottom, left, right]);
    disposeIntermediate(backend, xByChannel);
    disposeIntermediate(backend, dyAsFilter);

    const cropped = cropTo(backend, product, [0, 0, 0, 0], [inChannels, filterHeight, filterWidth, outChannels]);
    const out = runWasmKernel(tf.Transpose, { x: cropped }, { perm: [1, 2, 0, 3] }, backend); // [fh, fw, ci, co]
    disposeIntermediate(backend, cropped);
    return out;
  };
}

/**
 * Builds the sub-pixel filter [jh, jw, co, (rh * sw + rw) * ci + c] for the input gradient.
 * Output phase (rh, rw) uses the filter taps W[rh + sh * j, rw + sw * j'], flipped so that the
 * full convolution becomes a correlation. Taps past the filter's edge are zero.
 */
function subPixelFilter(
  weights: Float32Array,
  [filterHeight, filterWidth, inChannels, outChannels]: number[],
  [strideHeight, strideWidth]: [number, number],
): { values: Float32Array; shape: number[] } {
  const tapsHigh = Math.ceil(filterHeight / strideHeight);
  const tapsWide = Math.ceil(filterWidth / strideWidth);
  const phaseChannels = strideHeight * strideWidth * inChannels;
  const values = new Float32Array(tapsHigh * tapsWide * outChannels * phaseChannels);
  for (let jh = 0; jh < tapsHigh; jh++) {
    for (let jw = 0; jw < tapsWide; jw++) {
      for (let rh = 0; rh < strideHeight; rh++) {
        const kh = rh + strideHeight * (tapsHigh - 1 - jh);
        if (kh >= filterHeight) continue;
        for (let rw = 0; rw < strideWidth; rw++) {
          const kw = rw + strideWidth * (tapsWide - 1 - jw);
          if (kw >= filterWidth) continue;
          const phase = rh * strideWidth + rw;
          for (let c = 0; c < inChannels; c++) {
            const source = ((kh * filterWidth + kw) * inChannels + c) * outChannels;
            for (let o = 0; o < outChannels; o++) {
              const target = ((jh * tapsWide + jw) * outChannels + o) * phaseChannels + phase * inChannels + c;
              values[target] = weights[source + o];
            }
          }
        }
      }
    }
  }
  return { values, shape: [tapsHigh, tapsWide, outChannels, phaseChannels] };
}

/**
 * Input gradient (transposed convolution) by sub-pixel decomposition: padded input row
 * i + padTop = q * sh + rh receives sum over j of dy[q - j] * W[rh + sh * j]. So each phase
 * (rh, rw) is a stride-1 correlation of dy with a flipped sub-filter. All phases run as one
 * Conv2D with sh * sw * ci output channels, DepthToSpace interleaves them, and a crop removes
 * the padding. Unlike zero insertion, no multiply hits a known zero of dy.
 */
export function makeConv2DBackpropInput(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const attrs = args.attrs as unknown as BackpropAttrs & { inputShape: number[] };
    const [strideHeight, strideWidth] = pair(attrs.strides);
    const backend = args.backend;
    const dy = kernelInput(args.inputs, "dy");
    const filter = kernelInput(args.inputs, "filter");
    const blas = nativeBlas();
    const useNative = blas !== undefined && dy.dtype === "float32" && filter.dtype === "float32";
    if (attrs.dataFormat === "NHWC" && useNative) {
      return nativeConv2DBackpropInput(blas, backend, dy, filter, forwardInfo(attrs.inputShape, filter.shape, attrs));
    }
    // DepthToSpace has one block size for both axes.
    if (attrs.dataFormat !== "NHWC" || strideHeight !== strideWidth) return stock(args);
    const info = forwardInfo(attrs.inputShape, filter.shape, attrs);
    const [batch, inHeight, inWidth, inChannels] = attrs.inputShape;
    const { top, left } = info.padInfo;

    const { values, shape } = subPixelFilter(backend.readSync(filter.dataId) as Float32Array, filter.shape, [
      strideHeight,
      strideWidth,
    ]);
    const phaseFilter = backend.makeOutput(shape, "float32", undefined, values);
    const [tapsHigh, tapsWide] = shape;
    // Phase rows q = 0 .. rows - 1 cover padded input rows 0 .. top + inHeight - 1.
    const rows = Math.floor((top + inHeight - 1) / strideHeight) + 1;
    const columns = Math.floor((left + inWidth - 1) / strideWidth) + 1;
    const padding = [tapsHigh - 1, Math.max(0, rows - info.outHeight), tapsWide - 1, Math.max(0, columns - info.outWidth)];
    const phases = conv2d(backend, dy, phaseFilter, [1, 1], [1, 1], padding);
    disposeIntermediate(backend, phaseFilter);

    // phases: [B, >= rows, >= columns, sh * sw * ci]
    const croppedPhases = cropTo(backend, phases, [0, 0, 0, 0], [batch, rows, columns, shape[3]]);
    let padded = croppedPhases;
    if (strideHeight > 1) {
      padded = runWasmKernel(tf.DepthToSpace, { x: croppedPhases }, { blockSize: strideHeight, dataFormat: "NHWC" }, backend);
      disposeIntermediate(backend, croppedPhases);
    }
    // padded: [B, rows * sh, columns * sw, ci]
    return cropTo(backend, padded, [0, top, left, 0], [batch, inHeight, inWidth, inChannels]);
  };
}

/**
 * Conv2D and FusedConv2D for the wasm backend on the native OpenBLAS sgemm (im2col, see
 * conv2d-native.ts) when its addon is loaded, and the stock XNNPACK kernels otherwise.
 *
 * Kernel times of one training step at batch 64 on 1 thread (per-kernel profile of `npm run
 * bench`, 2-core AMD EPYC), stock against sgemm: ResNet-20's 21 FusedConv2D calls took 175 ms
 * against 134-142 ms. The DCGAN's 2 Conv2D calls took 31 ms against 11 ms, and its 6
 * FusedConv2D calls 24 ms against 11 ms.
 */
import * as tf from "@tensorflow/tfjs";
import { nativeBlas } from "../native-blas";
import { nativeConv2D } from "./conv2d-native";
import { biasAndActivation } from "./fused-epilogue";
import { isRowBias } from "./matmul-native";
import { kernelInput, type WasmKernelArgs, type WasmKernelFunc } from "./wasm-kernel-utils";

interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dilations: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Returns the convolution geometry when the native route applies (float32 NHWC, dilation 1), else undefined. */
function nativeInfo(args: WasmKernelArgs): tf.backend_util.Conv2DInfo | undefined {
  const attrs = args.attrs as unknown as ConvAttrs;
  const x = kernelInput(args.inputs, "x");
  const filter = kernelInput(args.inputs, "filter");
  if (x.dtype !== "float32" || filter.dtype !== "float32" || attrs.dataFormat !== "NHWC") return undefined;
  const dilations = typeof attrs.dilations === "number" ? [attrs.dilations, attrs.dilations] : attrs.dilations;
  if (dilations[0] !== 1 || dilations[1] !== 1) return undefined;
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}

/** Replacement for the stock Conv2D kernel function `stock`. */
export function makeConv2D(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const blas = nativeBlas();
    const info = blas === undefined ? undefined : nativeInfo(args);
    if (blas === undefined || info === undefined) return stock(args);
    return nativeConv2D(blas, args.backend, kernelInput(args.inputs, "x"), kernelInput(args.inputs, "filter"), info);
  };
}

/**
 * Replacement for the stock FusedConv2D kernel function `stock`: a bias of one value per
 * output channel is added by sgemm, any other bias and the activation run as separate kernels.
 */
export function makeFusedConv2D(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const blas = nativeBlas();
    const info = blas === undefined ? undefined : nativeInfo(args);
    if (blas === undefined || info === undefined) return stock(args);
    const bias = args.inputs.bias;
    const biasInProduct = bias !== undefined && isRowBias(bias, info.outChannels, 4);
    const x = kernelInput(args.inputs, "x");
    const filter = kernelInput(args.inputs, "filter");
    const product = nativeConv2D(blas, args.backend, x, filter, info, biasInProduct ? bias : undefined);
    return biasAndActivation(args.backend, product, args, biasInProduct);
  };
}

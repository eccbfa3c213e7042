/**
 * The bias and activation that _FusedMatMul and FusedConv2D apply to their product, run as
 * separate wasm kernels after a product computed without them.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { disposeIntermediate, kernelInput, runWasmKernel, type WasmKernelArgs } from "./wasm-kernel-utils";

/** Applies the fused activation named in `args.attrs` to `x` with a separate wasm kernel. */
function applyActivation(backend: BackendWasm, x: tf.TensorInfo, args: WasmKernelArgs): tf.TensorInfo {
  const { activation, leakyreluAlpha } = args.attrs as { activation: string; leakyreluAlpha?: number };
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      return runWasmKernel(tf.Relu, { x }, {}, backend);
    case "relu6":
      return runWasmKernel(tf.Relu6, { x }, {}, backend);
    case "sigmoid":
      return runWasmKernel(tf.Sigmoid, { x }, {}, backend);
    case "elu":
      return runWasmKernel(tf.Elu, { x }, {}, backend);
    case "leakyrelu":
      return runWasmKernel(tf.LeakyRelu, { x }, { alpha: leakyreluAlpha ?? 0.2 }, backend);
    case "prelu":
      return runWasmKernel(tf.Prelu, { x, alpha: kernelInput(args.inputs, "preluActivationWeights") }, {}, backend);
    default:
      throw new Error(`Activation "${activation}" is not supported by fused kernels on wasm.`);
  }
}

/**
 * Adds `args.inputs.bias` to `product` unless `biasAdded`, then applies the activation, and
 * returns the result. Intermediates, `product` included when replaced, are released.
 */
export function biasAndActivation(
  backend: BackendWasm,
  product: tf.TensorInfo,
  args: WasmKernelArgs,
  biasAdded: boolean,
): tf.TensorInfo {
  const bias = args.inputs.bias;
  let preActivation = product;
  if (bias !== undefined && !biasAdded) {
    preActivation = runWasmKernel(tf.Add, { a: product, b: bias }, {}, backend);
    disposeIntermediate(backend, product);
  }
  const out = applyActivation(backend, preActivation, args);
  if (out !== preActivation) disposeIntermediate(backend, preActivation);
  return out;
}

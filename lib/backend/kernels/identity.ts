/**
 * Identity for the wasm backend without a copy: the output shares the input's memory and
 * raises its reference count, as the cpu backend's Identity and the wasm Reshape do.
 *
 * Stock tfjs-backend-wasm 4.22.0 copies the whole tensor. Gradients call Identity on every
 * activation they pass through unchanged: 625 calls and 38 ms of kernel time in one ResNet-20
 * training step at batch 64 (per-kernel profile of `npm run bench`, 2-core AMD EPYC). Sharing is
 * safe because no kernel writes into its inputs.
 */
import * as tf from "@tensorflow/tfjs";
import { kernelInput, type WasmKernelArgs, type WasmKernelFunc } from "./wasm-kernel-utils";

/** Replacement for the stock Identity kernel function `stock`, which still handles strings. */
export function makeIdentity(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const x = kernelInput(args.inputs, "x");
    if (x.dtype === "string") return stock(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

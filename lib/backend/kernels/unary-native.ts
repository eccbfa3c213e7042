/**
 * Exp and Erf for the wasm backend on the native addon's vectorized loops
 * (NativeBlas.unary, glibc's libmvec) when the addon is loaded, and the stock kernels otherwise.
 *
 * The stock kernels evaluate one float at a time. In one ViT training step at batch 64, the 7
 * Exp calls (softmax and the GELU gradient) took 59 ms and the 4 Erf calls (GELU) 48 ms
 * (per-kernel profile of `npm run bench`, 2-core AMD EPYC). On [64, 65, 512] the native loops
 * took 2.4 ms (exp) and 2.0 ms (erf) against 15 ms and 31 ms for the stock kernels (mean of 10
 * calls). The stock Sigmoid already runs on XNNPACK's vectorized code (1.4 ms there).
 */
import * as tf from "@tensorflow/tfjs";
import { nativeBlas, type NativeUnaryOp } from "../native-blas";
import { heapFloats, heapIndex } from "./native-heap";
import { kernelInput, sizeOf, type WasmKernelArgs, type WasmKernelFunc } from "./wasm-kernel-utils";

/** Returns a maker of the replacement for the stock kernel of `op`; other dtypes stay stock. */
export function makeNativeUnary(op: NativeUnaryOp): (stock: WasmKernelFunc) => WasmKernelFunc {
  return (stock) =>
    (args: WasmKernelArgs): tf.TensorInfo => {
      const x = kernelInput(args.inputs, "x");
      const blas = nativeBlas();
      if (blas === undefined || x.dtype !== "float32") return stock(args);
      const backend = args.backend;
      const out = backend.makeOutput(x.shape, "float32");
      const length = sizeOf(x.shape);
      if (length > 0) blas.unary(op, heapFloats(backend), heapIndex(backend, x), heapIndex(backend, out), length);
      return out;
    };
}

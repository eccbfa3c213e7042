/**
 * Registers this project's replacements and additions to the TF.js wasm kernels.
 * Each fix names the stock behaviour it replaces in its own file. All of them depend on
 * tfjs-backend-wasm 4.22.0 internals, so the package versions are pinned exactly.
 */
import * as tf from "@tensorflow/tfjs";
import { ADAM_UPDATE, registerAdamUpdateKernel } from "./adam-update";
import { makeBroadcastBinary } from "./broadcast-binary";
import { makeConv2DBackpropFilter, makeConv2DBackpropInput } from "./conv2d-backprop";
import { makeConv2D, makeFusedConv2D } from "./conv2d-forward";
import { makeIdentity } from "./identity";
import { makeBatchMatMul, makeFusedMatMul } from "./matmul";
import { makeLeadingMean, makeLeadingSum } from "./reduce-leading";
import { makeSlice, makeSplitV } from "./slice";
import { makeNativeUnary } from "./unary-native";
import { makeTile } from "./tile";
import { registerTileGradient } from "./tile-gradient";
import { makeUnsortedSegmentSum } from "./unsorted-segment-sum";
import type { WasmKernelFunc, WasmMultiKernelFunc } from "./wasm-kernel-utils";

/** A kernel fix: builds the new kernel function from the stock one (undefined if missing). */
interface KernelFix {
  kernelName: string;
  make(stock: WasmKernelFunc | undefined): WasmKernelFunc | WasmMultiKernelFunc;
}

function replacing<F extends WasmKernelFunc | WasmMultiKernelFunc>(make: (stock: F) => F): KernelFix["make"] {
  return (stock) => {
    if (stock === undefined) throw new Error("The stock wasm kernel to replace is not registered.");
    return make(stock as unknown as F);
  };
}

const FIXES: KernelFix[] = [
  { kernelName: tf.BatchMatMul, make: replacing(makeBatchMatMul) },
  { kernelName: tf._FusedMatMul, make: replacing(makeFusedMatMul) },
  { kernelName: tf.Conv2D, make: replacing(makeConv2D) },
  { kernelName: tf.FusedConv2D, make: replacing(makeFusedConv2D) },
  { kernelName: tf.Conv2DBackpropFilter, make: makeConv2DBackpropFilter },
  { kernelName: tf.Conv2DBackpropInput, make: replacing(makeConv2DBackpropInput) },
  { kernelName: tf.UnsortedSegmentSum, make: makeUnsortedSegmentSum },
  { kernelName: tf.Tile, make: replacing(makeTile) },
  { kernelName: tf.Add, make: replacing(makeBroadcastBinary("add")) },
  { kernelName: tf.Sub, make: replacing(makeBroadcastBinary("sub")) },
  { kernelName: tf.Multiply, make: replacing(makeBroadcastBinary("mul")) },
  { kernelName: tf.RealDiv, make: replacing(makeBroadcastBinary("div")) },
  { kernelName: tf.Identity, make: replacing(makeIdentity) },
  { kernelName: tf.Slice, make: replacing(makeSlice) },
  { kernelName: tf.SplitV, make: replacing(makeSplitV) },
  { kernelName: tf.Exp, make: replacing(makeNativeUnary("exp")) },
  { kernelName: tf.Erf, make: replacing(makeNativeUnary("erf")) },
  { kernelName: tf.Sum, make: replacing(makeLeadingSum) },
  { kernelName: tf.Mean, make: replacing(makeLeadingMean) },
];

let registered: string[] | undefined;

/**
 * Replaces or adds the fixed kernels in the "wasm" kernel registry and returns their names.
 * Call it after `@tensorflow/tfjs-backend-wasm` is imported and before the wasm backend is
 * first initialized (kernel setup functions run at initialization). Repeated calls return
 * the same list and change nothing.
 */
export function registerWasmKernelFixes(): string[] {
  if (registered !== undefined) return registered;
  // Not a wasm kernel: it replaces the Tile gradient of every backend (see tile-gradient.ts).
  registerTileGradient();
  const names: string[] = [];
  for (const fix of FIXES) {
    const stock = tf.getKernel(fix.kernelName, "wasm");
    if (stock !== undefined) tf.unregisterKernel(fix.kernelName, "wasm");
    tf.registerKernel({
      kernelName: fix.kernelName,
      backendName: "wasm",
      // The stock setup wires the C++ entry points that the stock kernel function uses.
      setupFunc: stock?.setupFunc,
      kernelFunc: fix.make(stock?.kernelFunc as WasmKernelFunc | undefined) as unknown as tf.KernelFunc,
    });
    names.push(fix.kernelName);
  }
  // A new kernel rather than a replacement: see adam-update.ts.
  registerAdamUpdateKernel("wasm");
  names.push(ADAM_UPDATE);
  registered = names;
  return names;
}

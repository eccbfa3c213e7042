/**
 * Backend configurations that the benchmarks compare. Each one is set up in a fresh process,
 * because a process can initialize the TF.js kernels of a backend only once.
 */
import * as fs from "fs";
import * as os from "os";
import * as tf from "@tensorflow/tfjs";

import { describeBackend, initBackend, MAX_WASM_THREADS, tensorflowBackendInstalled } from "../lib/backend";
import { NATIVE_BLAS_ADDON } from "../lib/backend/native-blas";

export interface BenchBackend {
  /** Name used on the command line and in the results table. */
  id: string;
  /** Initializes the backend in this process and returns a one-line description. */
  init(): Promise<string>;
}

/** Stock tfjs-backend-wasm as shipped: one thread, no kernel fixes. */
async function initStockWasm(): Promise<string> {
  tf.enableProdMode();
  const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("The stock wasm backend failed to initialize.");
  return `stock wasm (${wasm.getThreadsCount()} thread, no kernel fixes), tfjs ${tf.version.tfjs}`;
}

/** Describes this project's wasm backend with its kernel fixes, on the wasm matMul paths only. */
function fixedWasm(threads: number): BenchBackend {
  return {
    id: `wasm-fixed-${threads}`,
    init: async () => {
      process.env.HW5_NATIVE_BLAS = "0";
      return describeBackend(await initBackend({ backend: "wasm", threads }));
    },
  };
}

/** Describes the fixed wasm backend with its matMul kernels on the native OpenBLAS sgemm addon. */
function blasWasm(threads: number): BenchBackend {
  return {
    id: `wasm-blas-${threads}`,
    init: async () => {
      process.env.HW5_NATIVE_BLAS = "1";
      const info = await initBackend({ backend: "wasm", threads });
      if (info.nativeBlas?.enabled !== true) {
        throw new Error(`wasm-blas-${threads} needs the native OpenBLAS addon: ${describeBackend(info)}`);
      }
      return describeBackend(info);
    },
  };
}

/**
 * Lists the configurations available on this machine: libtensorflow (when tfjs-node or
 * tfjs-node-gpu is installed), cpu, stock wasm with 1 thread, fixed wasm with 1 thread, and
 * fixed wasm with all logical cores (when there is more than one). When the native OpenBLAS
 * addon is built, fixed wasm with the addon on 1 thread and on all logical cores come last.
 */
export function availableBackends(): BenchBackend[] {
  const backends: BenchBackend[] = [];
  if (tensorflowBackendInstalled()) {
    backends.push({
      id: "tensorflow",
      init: async () => describeBackend(await initBackend({ backend: "tensorflow" })),
    });
  }
  backends.push({ id: "cpu", init: async () => describeBackend(await initBackend({ backend: "cpu" })) });
  backends.push({ id: "wasm-stock-1", init: initStockWasm });
  backends.push(fixedWasm(1));
  const cores = Math.min(os.availableParallelism(), MAX_WASM_THREADS);
  if (cores > 1) backends.push(fixedWasm(cores));
  if (fs.existsSync(NATIVE_BLAS_ADDON)) {
    if (cores > 1) backends.push(blasWasm(1));
    backends.push(blasWasm(cores));
  }
  return backends;
}

/**
 * Chooses and initializes the TF.js backend for the whole process.
 *
 * Order when nothing is requested: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`
 * (both run libtensorflow and are used only if installed). Next comes the wasm backend with
 * SIMD, all cores and this project's kernel fixes, and last the pure-JS cpu backend. Request one with the `backend`
 * option or the environment variable HW5_BACKEND (tensorflow | wasm | cpu), and the wasm
 * thread count with `threads` or HW5_THREADS.
 */
import * as os from "os";
import * as tf from "@tensorflow/tfjs";
import type * as tfwasm from "@tensorflow/tfjs-backend-wasm";
import { registerWasmKernelFixes } from "./kernels/index";
import { nativeBlasAllowed, nativeBlasStatus } from "./native-blas";
import { createThreadedWasmBackend, MAX_WASM_THREADS, withoutGlueProcessListeners } from "./wasm-threaded";

export { MAX_WASM_THREADS };

export type BackendRequest = "tensorflow" | "wasm" | "cpu";

export const BACKEND_REQUESTS: readonly BackendRequest[] = ["tensorflow", "wasm", "cpu"];

export interface BackendOptions {
  /** Backend to use; default HW5_BACKEND, else the fastest one that loads. */
  backend?: BackendRequest;
  /** wasm threads; default HW5_THREADS, else all logical cores (at most 8). */
  threads?: number;
}

/** Description of the backend that initBackend selected. */
export interface BackendInfo {
  /**
   * "tensorflow-gpu" or "tensorflow" (libtensorflow through tfjs-node), "wasm-simd-threaded",
   * "wasm-simd" or "wasm" (no SIMD), or "cpu".
   */
  name: string;
  /** Threads the backend computes with (wasm: XNNPACK pool size; cpu: 1; tensorflow: cores). */
  threads: number;
  /** Names of the kernels replaced or added on the wasm backend; empty elsewhere. */
  kernelFixes: string[];
  /** Version of @tensorflow/tfjs. */
  tfjsVersion: string;
  /**
   * wasm only: whether the matMul kernels use the native OpenBLAS sgemm addon, with its
   * thread count, or the reason they do not.
   */
  nativeBlas?: { enabled: true; threads: number } | { enabled: false; reason: string };
}

/** Backend packages with libtensorflow, tried in this order; never listed as dependencies. */
const TENSORFLOW_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** Tells whether tfjs-node or tfjs-node-gpu is installed (it may still fail to load). */
export function tensorflowBackendInstalled(): boolean {
  return TENSORFLOW_PACKAGES.some((packageName) => {
    try {
      require.resolve(packageName);
      return true;
    } catch {
      return false;
    }
  });
}

/** The request after options and environment are read; `backend` undefined means "auto". */
export interface ResolvedRequest {
  backend: BackendRequest | undefined;
  threads: number;
}

function parseBackend(value: string, source: string): BackendRequest {
  const name = value.trim().toLowerCase();
  if (!(BACKEND_REQUESTS as readonly string[]).includes(name)) {
    throw new Error(`Invalid ${source}="${value}". Use one of: ${BACKEND_REQUESTS.join(", ")}.`);
  }
  return name as BackendRequest;
}

function parseThreads(value: string | number, source: string): number {
  const threads = typeof value === "number" ? value : Number(value.trim());
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`Invalid ${source}=${JSON.stringify(value)}: use a whole number of threads >= 1.`);
  }
  return threads;
}

/**
 * Reads the backend request from `options`, then the environment (HW5_BACKEND,
 * HW5_THREADS). Threads default to the logical core count and are capped at 8 (the most the
 * wasm build supports). Throws on an invalid name or thread count, and on an invalid
 * HW5_NATIVE_BLAS, which would otherwise fail the wasm backend and fall back to cpu.
 */
export function resolveBackendRequest(
  options: BackendOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedRequest {
  let backend: BackendRequest | undefined;
  if (options.backend !== undefined) backend = parseBackend(options.backend, "backend option");
  else if (env.HW5_BACKEND) backend = parseBackend(env.HW5_BACKEND, "HW5_BACKEND");

  let threads: number;
  if (options.threads !== undefined) threads = parseThreads(options.threads, "threads option");
  else if (env.HW5_THREADS) threads = parseThreads(env.HW5_THREADS, "HW5_THREADS");
  else threads = os.availableParallelism();
  nativeBlasAllowed(env);
  return { backend, threads: Math.min(threads, MAX_WASM_THREADS) };
}

function isMissingPackage(error: unknown, packageName: string): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === "MODULE_NOT_FOUND" && (message ?? "").includes(`'${packageName}'`);
}

/**
 * Loads the first libtensorflow package that imports and selects its "tensorflow" backend.
 * Returns undefined when neither is installed. Throws when one is installed but fails to load
 * or registers its backend in another copy of @tensorflow/tfjs-core.
 */
async function tryTensorflow(): Promise<BackendInfo | undefined> {
  for (const packageName of TENSORFLOW_PACKAGES) {
    try {
      // A computed name, so that bundlers and tsc never try to resolve these optional packages.
      require(packageName);
    } catch (error) {
      if (isMissingPackage(error, packageName)) continue;
      throw new Error(
        `${packageName} is installed but failed to load (${String(error)}). Reinstall it, or set ` +
          `HW5_BACKEND=wasm to skip it.`,
      );
    }
    if (tf.findBackendFactory("tensorflow") === null || !(await tf.setBackend("tensorflow"))) {
      throw new Error(
        `${packageName} loaded, but its "tensorflow" backend is not available to this ` +
          `@tensorflow/tfjs ${tf.version.tfjs}. Install ${packageName}@${tf.version.tfjs} so ` +
          `both share one @tensorflow/tfjs-core.`,
      );
    }
    const name = packageName.endsWith("-gpu") ? "tensorflow-gpu" : "tensorflow";
    return { name, threads: os.availableParallelism(), kernelFixes: [], tfjsVersion: tf.version.tfjs };
  }
  return undefined;
}

/**
 * Gives the native OpenBLAS sgemm, when its addon loads, as many threads as the wasm backend
 * has, and reports its state.
 */
function configureNativeBlas(threads: number): NonNullable<BackendInfo["nativeBlas"]> {
  const status = nativeBlasStatus();
  // `=== false` rather than `!`: tslab compiles without strictNullChecks, where only an
  // equality test narrows this union.
  if (status.available === false) return { enabled: false, reason: status.reason };
  return { enabled: true, threads: status.addon.setThreads(threads) };
}

/**
 * Selects the wasm backend with the kernel fixes: the threaded-SIMD build when SIMD is there
 * and `threads` > 1, else the stock single-threaded build. The matMul kernels use the native
 * OpenBLAS sgemm when its addon loads (see native-blas.ts).
 */
async function initWasm(threads: number): Promise<BackendInfo> {
  const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof tfwasm;
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) as boolean;
  const threaded = simd && threads > 1;
  if (threaded) {
    // Importing the package registered its single-threaded factory under the same name.
    const WASM_PRIORITY = 2;
    tf.removeBackend("wasm");
    tf.registerBackend("wasm", () => createThreadedWasmBackend(wasm, threads), WASM_PRIORITY);
  } else {
    wasm.setThreadsCount(1);
  }
  const kernelFixes = registerWasmKernelFixes();
  // The stock single-threaded build also installs the glue's process listeners.
  if (!(await withoutGlueProcessListeners(() => tf.setBackend("wasm")))) {
    throw new Error(
      `The wasm backend failed to initialize (${threaded ? `threaded, ${threads} threads` : "single-threaded"}); ` +
        `the error is printed above. Set HW5_BACKEND=cpu to run without it.`,
    );
  }
  let name = "wasm";
  if (simd) name = threaded ? "wasm-simd-threaded" : "wasm-simd";
  const wasmThreads = wasm.getThreadsCount();
  const nativeBlas = configureNativeBlas(wasmThreads);
  return { name, threads: wasmThreads, kernelFixes, tfjsVersion: tf.version.tfjs, nativeBlas };
}

async function initCpu(): Promise<BackendInfo> {
  if (!(await tf.setBackend("cpu"))) throw new Error("The TF.js cpu backend failed to initialize.");
  return { name: "cpu", threads: 1, kernelFixes: [], tfjsVersion: tf.version.tfjs };
}

async function select(request: ResolvedRequest): Promise<BackendInfo> {
  tf.enableProdMode();
  switch (request.backend) {
    case "tensorflow": {
      const info = await tryTensorflow();
      if (info === undefined) {
        throw new Error(
          `HW5_BACKEND=tensorflow needs ${TENSORFLOW_PACKAGES.join(" or ")}, and neither is ` +
            `installed. Install one (npm i -E @tensorflow/tfjs-node@${tf.version.tfjs}) or use ` +
            `HW5_BACKEND=wasm.`,
        );
      }
      return info;
    }
    case "wasm":
      return initWasm(request.threads);
    case "cpu":
      return initCpu();
    case undefined: {
      try {
        const tensorflow = await tryTensorflow();
        if (tensorflow !== undefined) return tensorflow;
      } catch (error) {
        console.warn(`Skipping the tensorflow backend: ${String(error)}`);
      }
      try {
        return await initWasm(request.threads);
      } catch (error) {
        console.warn(`Falling back to the TF.js cpu backend: ${String(error)}`);
        return initCpu();
      }
    }
  }
}

/** Returns the request name that selects the backend described by `info`. */
function requestKind(info: BackendInfo): BackendRequest {
  if (info.name.startsWith("wasm")) return "wasm";
  if (info.name.startsWith("tensorflow")) return "tensorflow";
  return "cpu";
}

let current: { request: ResolvedRequest; info: Promise<BackendInfo> } | undefined;

/**
 * Selects and initializes the TF.js backend for this process (see the module comment for the
 * order) and enables TF.js production mode. Call it before creating tensors. Later calls
 * return the same info. A later call that requests another backend or thread count throws,
 * because a backend cannot be swapped out under live tensors.
 * @throws if the requested backend cannot be loaded, naming it and the fix.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const request = resolveBackendRequest(options);
  if (current === undefined) {
    current = { request, info: select(request) };
    current.info.catch(() => {
      current = undefined;
    });
    return current.info;
  }
  // Only explicit options can conflict: the environment was already read by the first call.
  const info = await current.info;
  const backendChanged = options.backend !== undefined && options.backend !== requestKind(info);
  const threadsChanged = options.threads !== undefined && requestKind(info) === "wasm" && request.threads !== info.threads;
  if (backendChanged || threadsChanged) {
    throw new Error(
      `The TF.js backend is already initialized as ${describeBackend(info)}; it cannot switch to ` +
        `${JSON.stringify(options)} in this process. Restart the process (or notebook kernel).`,
    );
  }
  return info;
}

/**
 * Formats `info` as one line, such as "backend wasm (SIMD, 2 threads, 6 kernel fixes, native
 * OpenBLAS sgemm), tfjs 4.22.0", or "native OpenBLAS sgemm off: <reason>" in its place.
 */
export function describeBackend(info: BackendInfo): string {
  const details: string[] = [];
  if (info.name.startsWith("wasm")) {
    details.push(info.name.includes("simd") ? "SIMD" : "no SIMD");
    details.push(`${info.threads} thread${info.threads === 1 ? "" : "s"}`);
    details.push(`${info.kernelFixes.length} kernel fixes`);
    if (info.nativeBlas !== undefined) {
      const native = info.nativeBlas;
      details.push(native.enabled === true ? "native OpenBLAS sgemm" : `native OpenBLAS sgemm off: ${native.reason}`);
    }
  } else if (info.name.startsWith("tensorflow")) {
    details.push(info.name.endsWith("gpu") ? "libtensorflow, GPU" : "libtensorflow, CPU");
  } else {
    details.push("pure JavaScript");
  }
  return `backend ${requestKind(info) === "wasm" ? "wasm" : info.name} (${details.join(", ")}), tfjs ${info.tfjsVersion}`;
}

/**
 * Multi-threaded TF.js wasm backend for Node.
 *
 * tfjs-backend-wasm 4.22.0 never runs threads in Node. Its WASM_HAS_MULTITHREAD_SUPPORT flag
 * returns false whenever IS_NODE is set, and its pthread workers are created from blob: URLs
 * that Node's Worker cannot open. Its C++ init also caps the XNNPACK thread pool at half the
 * logical cores (1 on a 2-core machine). This module loads the threaded-SIMD build shipped in
 * the same package with each fix done from JavaScript:
 * - the pthread script is read from a file (wasm-pthread-worker.js) instead of a blob: URL;
 * - the C++ code reads a core count of 2x the requested thread count, so its halving cap
 *   gives exactly the requested count;
 * - running pool workers are unref'd, so they do not keep the process alive;
 * - the process-wide uncaughtException and unhandledRejection listeners that the emscripten
 *   glue installs are removed again (see withoutGlueProcessListeners).
 * Everything here depends on the emscripten glue of tfjs-backend-wasm 4.22.0 (pinned).
 */
import * as fs from "fs";
import * as path from "path";
import type { Worker } from "worker_threads";
import type * as tfwasm from "@tensorflow/tfjs-backend-wasm";

/** The parts of the WebAssembly API used here (the project compiles without DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
type WasmImports = Record<string, Record<string, unknown>>;
declare const WebAssembly: {
  instantiate(binary: Uint8Array, imports: WasmImports): Promise<{ instance: object; module: object }>;
};

/** Maximum thread count: the C++ init caps the pool at 8, the number of workers the build pre-creates. */
export const MAX_WASM_THREADS = 8;

const THREADED_GLUE = "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js";
const THREADED_BINARY = "tfjs-backend-wasm-threaded-simd.wasm";
const PTHREAD_SCRIPT = "tfjs-backend-wasm-threaded-simd.worker.js";
const HEAP_VIEWS = {
  HEAP8: Int8Array,
  HEAPU8: Uint8Array,
  HEAP16: Int16Array,
  HEAPU16: Uint16Array,
  HEAP32: Int32Array,
  HEAPU32: Uint32Array,
  HEAPF32: Float32Array,
  HEAPF64: Float64Array,
} as const;

/** The parts of the emscripten module object that this file touches. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  wasmMemory: WasmMemory;
  PThread: { runningWorkers: Worker[]; unusedWorkers: Worker[] };
  tfjs?: Record<string, (...args: number[]) => number>;
}

interface FactoryConfig {
  locateFile(file: string, prefix: string): string;
  instantiateWasm(
    imports: WasmImports,
    receiveInstance: (instance: object, module: object) => void,
  ): object;
}

type ThreadedFactory = (config: FactoryConfig) => Promise<ThreadedModule>;

/**
 * Creates the threaded wasm module with `threads` XNNPACK threads (the calling thread counts
 * as one, so `threads - 1` workers run). Rejects if the module fails to compile or start.
 */
async function createThreadedModule(threads: number): Promise<ThreadedModule> {
  const gluePath = require.resolve(THREADED_GLUE);
  const binary = fs.readFileSync(path.join(path.dirname(gluePath), THREADED_BINARY));
  const factory = require(gluePath) as ThreadedFactory;

  let rejectInstantiation: (error: Error) => void = () => undefined;
  const instantiationFailed = new Promise<never>((_, reject) => {
    rejectInstantiation = reject;
  });
  const config: FactoryConfig = {
    // Stock: a blob: URL of the pthread script, which Node's Worker rejects.
    locateFile: (file, prefix) =>
      file === PTHREAD_SCRIPT ? path.join(__dirname, "wasm-pthread-worker.js") : prefix + file,
    instantiateWasm: (imports, receiveInstance) => {
      // Stock: the C++ static initializer sets its core count to half of
      // emscripten_num_logical_cores() and caps the pool at that. Reporting twice the
      // requested count makes the cap equal the request.
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(binary, imports).then(
        (result) => receiveInstance(result.instance, result.module),
        (error: unknown) =>
          rejectInstantiation(new Error(`Failed to instantiate ${THREADED_BINARY}: ${String(error)}`)),
      );
      return {};
    },
  };
  return withoutGlueProcessListeners(() => Promise.race([factory(config), instantiationFailed]));
}

/**
 * Runs `start` (anything that creates an emscripten module) and then removes the process-wide
 * uncaughtException and unhandledRejection listeners it added. The tfjs-backend-wasm 4.22.0
 * glue adds listeners that rethrow, so any later uncaught error would print the whole
 * minified glue source, and a notebook kernel that reports uncaught errors would die.
 */
export async function withoutGlueProcessListeners<T>(start: () => Promise<T>): Promise<T> {
  const uncaughtBefore = process.listeners("uncaughtException");
  const rejectionBefore = process.listeners("unhandledRejection");
  try {
    return await start();
  } finally {
    for (const listener of process.listeners("uncaughtException")) {
      if (!uncaughtBefore.includes(listener)) process.removeListener("uncaughtException", listener);
    }
    for (const listener of process.listeners("unhandledRejection")) {
      if (!rejectionBefore.includes(listener)) process.removeListener("unhandledRejection", listener);
    }
  }
}

/**
 * Makes every `HEAP*` view of the module re-create itself after the shared memory grows.
 * Stock BackendWasm reads `module.HEAPU8` directly, and the glue only refreshes the views on
 * the thread that grew the memory, so a view on the main thread could go stale.
 */
function refreshHeapViewsOnGrowth(module: ThreadedModule): void {
  for (const [name, View] of Object.entries(HEAP_VIEWS)) {
    let view = new View(module.wasmMemory.buffer);
    Object.defineProperty(module, name, {
      configurable: true,
      get: () => {
        const buffer = module.wasmMemory.buffer;
        if (view.buffer.byteLength !== buffer.byteLength) view = new View(buffer);
        return view;
      },
      // The glue assigns fresh views after growth; the getter already returns those.
      set: () => undefined,
    });
  }
}

/** Adds the `tfjs` bridge functions that stock `init()` of tfjs-backend-wasm 4.22.0 adds. */
function addBridge(module: ThreadedModule): void {
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
}

/**
 * Creates a BackendWasm on the threaded-SIMD build with `threads` threads (2..8).
 * Meant as the factory passed to `tf.registerBackend("wasm", ...)`.
 */
export async function createThreadedWasmBackend(
  wasm: typeof tfwasm,
  threads: number,
): Promise<tfwasm.BackendWasm> {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new Error(
      `Threaded wasm needs 2..${MAX_WASM_THREADS} threads, got ${threads}; use the stock build for 1.`,
    );
  }
  const module = await createThreadedModule(threads);
  refreshHeapViewsOnGrowth(module);
  addBridge(module);

  // The constructor calls init_with_threads_count, which starts the pool's pthreads.
  wasm.setThreadsCount(threads);
  const backend = new wasm.BackendWasm(module as unknown as tfwasm.BackendWasm["wasm"]);

  // Stock glue ref()s a worker while its pthread runs; pool threads run forever, so the
  // process would never exit. Idle workers are already unref'd by the glue.
  for (const worker of module.PThread.runningWorkers) worker.unref();
  return backend;
}

"use strict";
/**
 * Entry script of one pthread of the threaded-SIMD TF.js wasm build, run as a Node worker
 * thread (see wasm-threaded.ts).
 *
 * tfjs-backend-wasm 4.22.0 ships the emscripten pthread script only as a string
 * (`wasmWorkerContents`) and starts it from a blob: URL, which Node's Worker cannot open.
 * This file is a real path that Node can start: it evaluates that string with this
 * module's `require` and the string's own file name (used as `location.href`).
 */
const scriptPath = require.resolve(
  "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js",
);
const { wasmWorkerContents } = require(scriptPath);

// The string came out of a template literal, so each "\n" escape inside its JS string
// literals is now a raw line break, which is a syntax error. Turning the line breaks back
// into escapes is safe because the minified script has no other line breaks.
const source = wasmWorkerContents.replace(/\n/g, "\\n");
new Function("require", "__filename", source)(require, scriptPath);

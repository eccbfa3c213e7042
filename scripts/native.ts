/*
 * Builds the optional native OpenBLAS sgemm addon in native/blas with npm's bundled node-gyp.
 *
 *   npm run native
 *
 * Prints one status line: built (with the OpenBLAS version and CPU kernel set), or skipped
 * with the reason and what to install. It exits with status 0 either way, because everything
 * runs without the addon (the matMul kernels then stay on wasm). The full node-gyp output of
 * a failed build is kept in native/blas/build/build.log.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { NATIVE_BLAS_ADDON, nativeBlasAllowed, type NativeBlas } from "../lib/backend/native-blas";
import { displayPath, repoRoot } from "../lib/paths";

const ADDON_DIR = path.join(repoRoot, "native", "blas");
const LOG_FILE = path.join(ADDON_DIR, "build", "build.log");
const STATUS_PREFIX = "native OpenBLAS sgemm:";

/**
 * npm's bundled node-gyp: npm names it in npm_config_node_gyp for the scripts it runs, and
 * otherwise it sits beside the npm that ships with this Node.
 */
function findNodeGyp(): string | undefined {
  const prefix = path.dirname(path.dirname(process.execPath));
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  return candidates.find((candidate): candidate is string => candidate !== undefined && fs.existsSync(candidate));
}

/**
 * Installation prefix whose include/node contains this Node's headers. It is passed to
 * node-gyp as --nodedir, so that node-gyp never downloads headers.
 */
function findNodeHeaders(): string | undefined {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

/** Names the missing piece behind a failed node-gyp run, from its output. */
function explainBuildFailure(output: string): string {
  if (/cblas\.h|-lopenblas|openblas/i.test(output)) {
    return "OpenBLAS headers or library not found; install the Debian package libopenblas-dev";
  }
  if (/find any Python/i.test(output)) return "node-gyp needs python3; install the Debian package python3";
  return "node-gyp failed; it needs gcc, make, python3 and libopenblas-dev";
}

/** Loads the built addon and checks one 2 x 2 product, returning its OpenBLAS description. */
function checkAddon(): string {
  const addon = require(NATIVE_BLAS_ADDON) as NativeBlas;
  const c = new Float32Array(4);
  addon.sgemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 0, 2, new Float32Array([5, 6, 7, 8]), 0, 2, 0, c, 0, 2);
  if (c.join(",") !== "19,22,43,50") throw new Error(`a 2 x 2 test product gave [${c.join(", ")}], expected [19, 22, 43, 50]`);
  const { config, corename } = addon.config();
  return `${config.split(" ").slice(0, 2).join(" ")}, ${corename} kernels`;
}

/** Builds and checks the addon and returns the status line. */
function build(): string {
  if (!nativeBlasAllowed(process.env)) return `${STATUS_PREFIX} skipped, HW5_NATIVE_BLAS=0.`;
  const nodeGyp = findNodeGyp();
  if (nodeGyp === undefined) return `${STATUS_PREFIX} skipped, npm's bundled node-gyp was not found; reinstall npm.`;
  const nodeDir = findNodeHeaders();
  if (nodeDir === undefined) {
    return `${STATUS_PREFIX} skipped, the Node.js headers (include/node/node_api.h) are missing next to ${process.execPath}; install the Node.js package that ships them.`;
  }

  const result = spawnSync(process.execPath, [nodeGyp, "rebuild", `--nodedir=${nodeDir}`], {
    cwd: ADDON_DIR,
    encoding: "utf8",
  });
  if (result.error !== undefined || result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`;
    fs.mkdirSync(path.dirname(LOG_FILE), { recursive: true });
    fs.writeFileSync(LOG_FILE, output);
    return `${STATUS_PREFIX} skipped, ${explainBuildFailure(output)} (node-gyp output in ${displayPath(LOG_FILE)}).`;
  }

  try {
    return `${STATUS_PREFIX} built ${displayPath(NATIVE_BLAS_ADDON)} (${checkAddon()}).`;
  } catch (error) {
    return `${STATUS_PREFIX} skipped, the built addon failed its check: ${String(error).split("\n")[0]}. Reinstall libopenblas-dev.`;
  }
}

console.log(build());

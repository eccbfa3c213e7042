/**
 * Result format and process handling shared by the benchmark runner and its child processes.
 * Every measurement runs in a fresh process (a TF.js backend can be initialized only once per
 * process, and peak RSS is per process). A child prints one line RESULT_PREFIX + JSON of a
 * {@link RunResult} as its last stdout line: bench/child.ts for TF.js and
 * bench/pytorch/workloads.py for PyTorch write the same fields.
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";

export const RESULT_PREFIX = "RESULT ";

export const REPO_ROOT = path.join(__dirname, "..");

/** Python interpreter of Debian's python3-torch. */
export const PYTHON = "/usr/bin/python3";

/** Time of the kernels of one name during one profiled training step. */
export interface KernelTime {
  kernel: string;
  milliseconds: number;
  calls: number;
}

/** Live tensors and resident memory after the first and the last of `steps` steps. */
export interface MemoryCheck {
  steps: number;
  startTensors: number;
  endTensors: number;
  startRssBytes: number;
  endRssBytes: number;
}

/** Measurements of one child process: one workload in one configuration. */
export interface RunResult {
  runtime: "tfjs" | "pytorch";
  /** Backend configuration id (bench/backends.ts), or "pytorch-<threads>". */
  config: string;
  /** One line naming the backend or library version and its settings. */
  description: string;
  workload: string;
  batchSize: number;
  threads: number;
  warmupSteps: number;
  /** Throughput of each timed step, in examples per second. */
  examplesPerSecond: number[];
  /**
   * Live tensors after each timed step: tf.memory().numTensors for TF.js; empty for PyTorch
   * outside the memory check (counting its tensors walks the garbage collector's objects).
   */
  tensorCounts: number[];
  /** Loss after each timed step. */
  losses: number[];
  /** Analytic FLOPs of one training step per example (TF.js children only; see bench/flops.ts). */
  flopsPerExample?: number;
  /** Peak resident set size of the child process, in bytes. */
  peakRssBytes: number;
  memory?: MemoryCheck;
  /** Kernels of one profiled step, slowest first (TF.js with --profile only). */
  profile?: KernelTime[];
}

/** A run that did not produce a result: the child failed, timed out, or was not started. */
export interface RunFailure {
  runtime: "tfjs" | "pytorch";
  config: string;
  workload: string;
  batchSize: number;
  threads: number;
  /** Why, in one line (for a failed child, the first line of its error). */
  reason: string;
}

export type RunOutcome = RunResult | RunFailure;

export function isResult(outcome: RunOutcome): outcome is RunResult {
  return "examplesPerSecond" in outcome;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Threads a TF.js configuration computes with: the number that ends its id (`wasm-fixed-2`),
 * 1 for `cpu` and ids ending in no number, except `tensorflow`, which uses every core.
 */
export function configThreads(configId: string): number {
  const suffix = /-(\d+)$/.exec(configId);
  if (suffix !== null) return Number(suffix[1]);
  return configId === "tensorflow" ? os.availableParallelism() : 1;
}

/** Command line of a child process and the labels of its failure. */
export interface ChildCommand {
  runtime: "tfjs" | "pytorch";
  config: string;
  workload: string;
  batchSize: number;
  threads: number;
  /** Executable and arguments. */
  command: string;
  args: string[];
  /** Wall-clock limit; the child is killed after it. */
  timeoutSeconds: number;
}

/** Picks the most telling line of a child's stderr: the first line that names an error. */
function errorLine(stderr: string, stdout: string): string {
  const lines = `${stderr}\n${stdout}`.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const error = lines.find((line) => /error|exception|not registered|cannot|failed/i.test(line));
  return (error ?? lines[lines.length - 1] ?? "no output").slice(0, 200);
}

/**
 * Runs one child process and parses its RESULT line. A child that fails, times out or cannot
 * start gives a RunFailure; only a malformed RESULT line throws.
 */
export function runChild(child: ChildCommand): RunOutcome {
  const started = performance.now();
  const run = spawnSync(child.command, child.args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: child.timeoutSeconds * 1000,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
  });
  const label = { runtime: child.runtime, config: child.config, workload: child.workload, batchSize: child.batchSize, threads: child.threads };
  if (run.error !== undefined && (run.error as NodeJS.ErrnoException).code === "ETIMEDOUT") {
    return { ...label, reason: `timed out after ${child.timeoutSeconds} s` };
  }
  if (run.error !== undefined) return { ...label, reason: `could not start ${child.command}: ${run.error.message}` };
  const lastLine = (run.stdout ?? "").trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !lastLine.startsWith(RESULT_PREFIX)) {
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    return { ...label, reason: `exit ${run.status ?? run.signal} after ${seconds} s: ${errorLine(run.stderr ?? "", run.stdout ?? "")}` };
  }
  return JSON.parse(lastLine.slice(RESULT_PREFIX.length)) as RunResult;
}

/** Tells whether Debian's python3-torch imports; returns its version or undefined. */
export function pytorchVersion(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 60_000 });
  if (probe.status !== 0) return undefined;
  return probe.stdout.trim();
}

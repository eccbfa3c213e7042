/**
 * Runs one benchmark per backend configuration, each in its own Node process, and
 * summarizes per-step throughput.
 */
import { spawnSync } from "child_process";
import * as path from "path";

/** Result line of a benchmark child process (its last stdout line, after RESULT_PREFIX). */
export interface StepResult {
  backendId: string;
  backend: string;
  /** Throughput of each timed step, in examples per second. */
  examplesPerSecond: number[];
  /** tf.memory().numTensors after each timed step. */
  tensorCounts: number[];
}

export const RESULT_PREFIX = "RESULT ";

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs `script` (a TypeScript file) with `--child <backendId>` plus `args` in a new process
 * and returns its parsed result. Throws with the child's stderr if it fails.
 */
export function runChild(script: string, backendId: string, args: string[]): StepResult {
  const child = spawnSync(process.execPath, ["--import", "tsx", script, "--child", backendId, ...args], {
    cwd: path.join(__dirname, ".."),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lastLine = child.stdout.trim().split("\n").pop() ?? "";
  if (child.status !== 0 || !lastLine.startsWith(RESULT_PREFIX)) {
    throw new Error(`Benchmark ${backendId} failed (exit ${child.status}):\n${child.stderr}${child.stdout}`);
  }
  return JSON.parse(lastLine.slice(RESULT_PREFIX.length)) as StepResult;
}

/** Formats one table row: median, min and max examples/s over the timed steps, and the tensor check. */
export function formatRow(result: StepResult): string {
  const rates = result.examplesPerSecond;
  const counts = new Set(result.tensorCounts);
  const tensors = counts.size === 1 ? `${result.tensorCounts[0]} constant` : `CHANGED ${result.tensorCounts.join(",")}`;
  return [
    result.backendId.padEnd(14),
    median(rates).toFixed(0).padStart(8),
    `[${Math.min(...rates).toFixed(0)}, ${Math.max(...rates).toFixed(0)}]`.padEnd(16),
    String(rates.length).padStart(5),
    tensors.padEnd(14),
    result.backend,
  ].join("  ");
}

export const TABLE_HEADER = [
  "config".padEnd(14),
  "ex/s med".padStart(8),
  "[min, max]".padEnd(16),
  "steps".padStart(5),
  "live tensors".padEnd(14),
  "backend",
].join("  ");

/** Checks whether the live tensor count stayed the same over every timed step. */
export function tensorCountConstant(result: StepResult): boolean {
  return new Set(result.tensorCounts).size === 1;
}

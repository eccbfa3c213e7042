/**
 * Plans and runs the benchmark's child processes: the main throughput table (TF.js
 * configurations alternated with PyTorch at the same thread count, with one profiled step per
 * TF.js configuration), batch-size scaling of the fastest TF.js configuration, and the memory
 * check.
 */
import * as fs from "fs";
import * as path from "path";

import { availableBackends } from "./backends";
import {
  configThreads,
  isResult,
  median,
  PYTHON,
  pytorchVersion,
  runChild,
  type ChildCommand,
  type RunOutcome,
} from "./harness";
import type { BenchOptions } from "./options";
import { aggregate, fastestTfjs } from "./stats";
import { findWorkload, type Workload } from "./workloads/index";

const CHILD_SCRIPT = path.join(__dirname, "child.ts");
const PYTORCH_SCRIPT = path.join(__dirname, "pytorch", "workloads.py");

export const PYTORCH_MISSING = "PyTorch not installed (apt install python3-torch)";

/** A (workload, configuration) pair left out of the default run. */
export interface SkippedPair {
  workload: string;
  config: string;
  reason: string;
}

export interface SuiteResults {
  configs: string[];
  /** PyTorch version, or undefined when it is not installed or was switched off. */
  pytorch: string | undefined;
  /** Reason for the missing PyTorch rows, when there are none. */
  pytorchNote: string | undefined;
  main: RunOutcome[];
  skipped: SkippedPair[];
  scaling: RunOutcome[];
  startedAt: Date;
  finishedAt: Date;
  loadBefore: number[];
  loadAfter: number[];
}

/** 1-, 5- and 15-minute load averages from /proc/loadavg (empty where unreadable). */
export function loadAverages(): number[] {
  try {
    return fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

/** Checks the requested configuration ids against availableBackends(); all of them by default. */
export function resolveConfigs(requested: string[] | undefined): string[] {
  const available = availableBackends().map((backend) => backend.id);
  if (requested === undefined) return available;
  for (const id of requested) {
    if (!available.includes(id)) throw new Error(`Unknown or unavailable configuration "${id}". Available: ${available.join(", ")}.`);
  }
  return requested;
}

interface RunSettings {
  warmup: number;
  steps: number;
  seconds: number;
  timeoutSeconds: number;
  memorySteps?: number;
  profile?: boolean;
}

function settingArgs(settings: RunSettings): string[] {
  const args = ["--warmup", String(settings.warmup), "--steps", String(settings.steps), "--seconds", String(settings.seconds)];
  if (settings.memorySteps !== undefined) args.push("--memory-steps", String(settings.memorySteps));
  return args;
}

function tfjsCommand(config: string, workload: string, batchSize: number, settings: RunSettings): ChildCommand {
  const args = ["--import", "tsx", CHILD_SCRIPT, "--config", config, "--workload", workload, "--batch", String(batchSize), ...settingArgs(settings)];
  if (settings.profile) args.push("--profile");
  return { runtime: "tfjs", config, workload, batchSize, threads: configThreads(config), command: process.execPath, args, timeoutSeconds: settings.timeoutSeconds };
}

function pytorchCommand(threads: number, workload: string, batchSize: number, settings: RunSettings): ChildCommand {
  const args = [PYTORCH_SCRIPT, "--workload", workload, "--batch", String(batchSize), "--threads", String(threads), ...settingArgs(settings)];
  return { runtime: "pytorch", config: `pytorch-${threads}`, workload, batchSize, threads, command: PYTHON, args, timeoutSeconds: settings.timeoutSeconds };
}

/** Runs a child and prints one progress line. */
function runLogged(command: ChildCommand, log: (line: string) => void): RunOutcome {
  const outcome = runChild(command);
  const label = `${command.workload} batch ${command.batchSize} ${command.config}`;
  if (isResult(outcome)) {
    const rates = outcome.examplesPerSecond;
    log(`${label}: ${median(rates).toFixed(1)} examples/s (median of ${rates.length} steps)`);
  } else {
    log(`${label}: ${outcome.reason}`);
  }
  return outcome;
}

/** Returns why a default run leaves `config` out for `workload`, or undefined to run it. */
function skipReason(workload: Workload, config: string, configsNamed: boolean): string | undefined {
  if (!configsNamed && config === "cpu" && workload.slowOnCpu) {
    return "skipped: the pure-JavaScript backend needs minutes per step (name it in --configs to run it)";
  }
  return undefined;
}

/**
 * Main table: for each workload and repeat, every configuration in turn, each successful
 * TF.js run followed by a PyTorch run with the same thread count. A pair whose run failed is
 * not retried in later repeats. TF.js runs of the last repeat add a profiled step unless
 * --no-profile is given.
 */
function runMainTable(options: BenchOptions, configs: string[], pytorch: boolean, log: (line: string) => void) {
  const main: RunOutcome[] = [];
  const skipped: SkippedPair[] = [];
  const settings: RunSettings = { warmup: options.warmup, steps: options.steps, seconds: options.seconds, timeoutSeconds: options.timeoutSeconds };
  for (const name of options.workloads) {
    const workload = findWorkload(name);
    const batchSize = workload.defaultBatchSize;
    const failed = new Set<string>();
    const pytorchThreads = new Set<number>();
    for (const config of configs) {
      const reason = skipReason(workload, config, options.configs !== undefined);
      if (reason !== undefined) {
        skipped.push({ workload: name, config, reason });
        failed.add(config);
      }
    }
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      const profile = options.profile && repeat === options.repeats - 1;
      for (const config of configs) {
        if (failed.has(config)) continue;
        const outcome = runLogged(tfjsCommand(config, name, batchSize, { ...settings, profile }), log);
        main.push(outcome);
        if (!isResult(outcome)) {
          failed.add(config);
          continue;
        }
        if (pytorch) {
          main.push(runLogged(pytorchCommand(outcome.threads, name, batchSize, settings), log));
          pytorchThreads.add(outcome.threads);
        }
      }
    }
    // Every thread count of the table gets a PyTorch row, even when its TF.js runs failed.
    if (pytorch) {
      for (const threads of new Set(configs.filter((config) => !skipped.some((s) => s.workload === name && s.config === config)).map(configThreads))) {
        if (!pytorchThreads.has(threads)) main.push(runLogged(pytorchCommand(threads, name, batchSize, settings), log));
      }
    }
  }
  return { main, skipped };
}

/** Batch-size scaling runs of the fastest TF.js configuration and PyTorch at its thread count. */
function runScaling(options: BenchOptions, main: RunOutcome[], pytorch: boolean, log: (line: string) => void): RunOutcome[] {
  const outcomes: RunOutcome[] = [];
  const aggregates = aggregate(main);
  const settings: RunSettings = { warmup: options.warmup, steps: options.steps, seconds: options.seconds, timeoutSeconds: options.timeoutSeconds };
  for (const name of options.workloads) {
    const workload = findWorkload(name);
    const fastest = fastestTfjs(aggregates, name, workload.defaultBatchSize);
    if (fastest === undefined) continue;
    for (const batchSize of workload.scalingBatchSizes) {
      if (batchSize === workload.defaultBatchSize) continue;
      outcomes.push(runLogged(tfjsCommand(fastest.config, name, batchSize, settings), log));
      if (pytorch) outcomes.push(runLogged(pytorchCommand(fastest.threads, name, batchSize, settings), log));
    }
  }
  return outcomes;
}

/** Finds PyTorch unless switched off; returns its version or the note for the tables. */
function findPytorch(options: BenchOptions): { version: string | undefined; note: string | undefined } {
  if (!options.pytorch) return { version: undefined, note: "PyTorch runs switched off (--no-pytorch)" };
  const version = pytorchVersion();
  return { version, note: version === undefined ? PYTORCH_MISSING : undefined };
}

/** Runs the throughput benchmark: the main table, then the scaling runs unless switched off. */
export function runThroughputSuite(options: BenchOptions, log: (line: string) => void = console.log): SuiteResults {
  const startedAt = new Date();
  const loadBefore = loadAverages();
  const configs = resolveConfigs(options.configs);
  const pytorch = findPytorch(options);
  if (pytorch.note !== undefined) log(pytorch.note);
  const hasPytorch = pytorch.version !== undefined;

  const { main, skipped } = runMainTable(options, configs, hasPytorch, log);
  const scaling = options.scaling ? runScaling(options, main, hasPytorch, log) : [];
  return {
    configs,
    pytorch: pytorch.version,
    pytorchNote: pytorch.note,
    main,
    skipped,
    scaling,
    startedAt,
    finishedAt: new Date(),
    loadBefore,
    loadAfter: loadAverages(),
  };
}

/**
 * Default configuration of the memory check: tensorflow when installed, else the last
 * configuration of availableBackends() among those with the most threads.
 */
export function defaultMemoryConfig(configs: string[]): string {
  if (configs.includes("tensorflow")) return "tensorflow";
  const maxThreads = Math.max(...configs.map(configThreads));
  return configs.filter((config) => configThreads(config) === maxThreads).pop() as string;
}

/** Memory check: `memorySteps` steps of each workload per configuration, and in PyTorch. */
export function runMemorySuite(options: BenchOptions, log: (line: string) => void = console.log): { outcomes: RunOutcome[]; pytorchNote: string | undefined } {
  const memorySteps = options.memorySteps as number;
  const configs = options.configs === undefined ? [defaultMemoryConfig(resolveConfigs(undefined))] : resolveConfigs(options.configs);
  const pytorch = findPytorch(options);
  // Long checks get 5 s per step on top of the usual limit.
  const timeoutSeconds = options.timeoutSeconds + 5 * memorySteps;
  const settings: RunSettings = { warmup: 0, steps: memorySteps, seconds: options.seconds, timeoutSeconds, memorySteps };
  const outcomes: RunOutcome[] = [];
  for (const name of options.workloads) {
    const batchSize = findWorkload(name).defaultBatchSize;
    for (const config of configs) {
      outcomes.push(runLogged(tfjsCommand(config, name, batchSize, settings), log));
      if (pytorch.version !== undefined) outcomes.push(runLogged(pytorchCommand(configThreads(config), name, batchSize, settings), log));
    }
  }
  return { outcomes, pytorchNote: pytorch.note };
}

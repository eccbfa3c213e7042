/** Command-line options of `npm run bench` (bench/index.ts). */
import * as path from "path";
import { parseArgs } from "util";

import { REPO_ROOT } from "./harness";
import { findWorkload, WORKLOADS } from "./workloads/index";

export interface BenchOptions {
  /** Workload names, in table order. */
  workloads: string[];
  /** TF.js configuration ids; undefined means every available one (bench/backends.ts). */
  configs: string[] | undefined;
  warmup: number;
  /** Most timed steps per run. */
  steps: number;
  /** Timed steps of a run stop once this many seconds have passed (at least 3 steps run). */
  seconds: number;
  /** Runs of each (workload, configuration) pair, alternated with the other configurations. */
  repeats: number;
  pytorch: boolean;
  scaling: boolean;
  profile: boolean;
  /** Memory check mode: steps per run, or undefined for the throughput benchmark. */
  memorySteps: number | undefined;
  /** Markdown page to write, or undefined to write none. */
  output: string | undefined;
  /** Wall-clock limit of one child process, in seconds. */
  timeoutSeconds: number;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  workloads: WORKLOADS.map((workload) => workload.name),
  configs: undefined,
  warmup: 2,
  steps: 20,
  seconds: 6,
  repeats: 2,
  pytorch: true,
  scaling: true,
  profile: true,
  memorySteps: undefined,
  output: path.join(REPO_ROOT, "BENCHMARKS.md"),
  timeoutSeconds: 300,
};

export const HELP = `Usage: npm run bench -- [options]

Measures training throughput of the workloads on every TF.js backend configuration and in
PyTorch (Debian's python3-torch, when installed), alternating TF.js and PyTorch runs, and
writes BENCHMARKS.md. See bench/README.md.

  --workloads a,b      workloads to run (default all: ${DEFAULT_OPTIONS.workloads.join(", ")})
  --configs a,b        TF.js configurations (default every available one; naming one runs it
                       even where it is slow, such as cpu on the conv workloads)
  --warmup N           untimed steps at the start of each run (default ${DEFAULT_OPTIONS.warmup})
  --steps N            maximum timed steps per run (default ${DEFAULT_OPTIONS.steps})
  --seconds S          stop the timed steps of a run after S seconds, once 3 steps ran (default ${DEFAULT_OPTIONS.seconds})
  --repeats N          runs per workload and configuration, alternated (default ${DEFAULT_OPTIONS.repeats})
  --no-pytorch         skip the PyTorch runs
  --no-scaling         skip the batch-size scaling runs
  --no-profile         skip the per-kernel profile of one step
  --memory-steps N     memory check instead: N steps per workload, live tensors and RSS at
                       the first and the last step (default configuration: tensorflow when
                       installed, else the last listed one with the most threads)
  --output FILE        markdown page to write (default BENCHMARKS.md at the repository root)
  --no-write           write no markdown page
  --timeout S          kill a child process after S seconds (default ${DEFAULT_OPTIONS.timeoutSeconds})
  --help               print this help
`;

function wholeNumber(text: string | undefined, name: string, minimum: number, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`Invalid ${name} ${JSON.stringify(text)}: use a whole number >= ${minimum}.`);
  return value;
}

function positiveNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new Error(`Invalid ${name} ${JSON.stringify(text)}: use a positive number.`);
  return value;
}

function list(text: string | undefined): string[] | undefined {
  return text?.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

type OptionSpecs = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** parseArgs in strict mode, with a pointer to --help in its errors. */
function parseStrict<T extends OptionSpecs>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, strict: true, options });
  } catch (error) {
    throw new Error(`${(error as Error).message}. Run \`npm run bench -- --help\` for the options.`);
  }
}

/**
 * Parses the command line; returns undefined after printing the help for --help.
 * @throws on an unknown option, an invalid number or an unknown workload name.
 */
export function parseBenchOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseStrict(argv, {
    workloads: { type: "string" },
    configs: { type: "string" },
    warmup: { type: "string" },
    steps: { type: "string" },
    seconds: { type: "string" },
    repeats: { type: "string" },
    "no-pytorch": { type: "boolean", default: false },
    "no-scaling": { type: "boolean", default: false },
    "no-profile": { type: "boolean", default: false },
    "memory-steps": { type: "string" },
    output: { type: "string" },
    "no-write": { type: "boolean", default: false },
    timeout: { type: "string" },
    help: { type: "boolean", default: false },
  });
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const workloads = list(values.workloads) ?? DEFAULT_OPTIONS.workloads;
  workloads.forEach(findWorkload);
  return {
    workloads,
    configs: list(values.configs),
    warmup: wholeNumber(values.warmup, "--warmup", 0, DEFAULT_OPTIONS.warmup),
    steps: wholeNumber(values.steps, "--steps", 1, DEFAULT_OPTIONS.steps),
    seconds: positiveNumber(values.seconds, "--seconds", DEFAULT_OPTIONS.seconds),
    repeats: wholeNumber(values.repeats, "--repeats", 1, DEFAULT_OPTIONS.repeats),
    pytorch: !values["no-pytorch"],
    scaling: !values["no-scaling"],
    profile: !values["no-profile"],
    memorySteps: values["memory-steps"] === undefined ? undefined : wholeNumber(values["memory-steps"], "--memory-steps", 2, 2),
    output: values["no-write"] ? undefined : path.resolve(values.output ?? (DEFAULT_OPTIONS.output as string)),
    timeoutSeconds: positiveNumber(values.timeout, "--timeout", DEFAULT_OPTIONS.timeoutSeconds),
  };
}

/**
 * Lists the options that differ from the defaults in the direction of fewer measurements
 * (fewer steps, seconds or repeats, or skipped parts): a page made with them is a short run.
 */
export function shortRunReasons(options: BenchOptions): string[] {
  const reasons: string[] = [];
  if (options.steps < DEFAULT_OPTIONS.steps) reasons.push(`--steps ${options.steps}`);
  if (options.seconds < DEFAULT_OPTIONS.seconds) reasons.push(`--seconds ${options.seconds}`);
  if (options.repeats < DEFAULT_OPTIONS.repeats) reasons.push(`--repeats ${options.repeats}`);
  if (options.warmup < DEFAULT_OPTIONS.warmup) reasons.push(`--warmup ${options.warmup}`);
  return reasons;
}

/**
 * Child process of the benchmark: initializes one TF.js backend configuration, runs one
 * workload and prints a RESULT line (format in bench/harness.ts). The runner (bench/suite.ts)
 * starts it as
 *
 *   node --import tsx bench/child.ts --config wasm-fixed-2 --workload resnet20 --batch 64 \
 *     --warmup 2 --steps 20 --seconds 6 [--memory-steps 1000] [--profile]
 *
 * Timed steps stop after --steps steps or once --seconds have passed, whichever comes first,
 * but never before MIN_TIMED_STEPS. With --memory-steps N it instead runs N steps and records
 * live tensors and RSS after the first and the last. With --profile it adds the kernel times
 * of one more step.
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "util";

import { availableBackends } from "./backends";
import { configThreads, RESULT_PREFIX, type KernelTime, type MemoryCheck, type RunResult } from "./harness";
import { findWorkload, type WorkloadSession } from "./workloads/index";

/** Minimum timed steps per run, even when --seconds has passed. */
export const MIN_TIMED_STEPS = 3;

function wholeNumber(text: string | undefined, name: string, minimum: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < minimum) {
    throw new Error(`bench/child.ts: invalid ${name} ${JSON.stringify(text)}; use a whole number >= ${minimum}.`);
  }
  return value;
}

function residentBytes(): number {
  return process.memoryUsage().rss;
}

/** Sums the profiled time of each registered kernel; op scopes that wrap kernels are skipped. */
function kernelTimes(profile: Awaited<ReturnType<typeof tf.profile>>): KernelTime[] {
  const backend = tf.getBackend();
  const byName = new Map<string, KernelTime>();
  for (const kernel of profile.kernels) {
    if (tf.getKernel(kernel.name, backend) === undefined) continue;
    const entry = byName.get(kernel.name) ?? { kernel: kernel.name, milliseconds: 0, calls: 0 };
    entry.milliseconds += kernel.kernelTimeMs as number;
    entry.calls += 1;
    byName.set(kernel.name, entry);
  }
  return [...byName.values()].sort((a, b) => b.milliseconds - a.milliseconds);
}

interface TimedSteps {
  examplesPerSecond: number[];
  tensorCounts: number[];
  losses: number[];
}

async function timedSteps(session: WorkloadSession, batchSize: number, maxSteps: number, seconds: number): Promise<TimedSteps> {
  const timed: TimedSteps = { examplesPerSecond: [], tensorCounts: [], losses: [] };
  const deadline = performance.now() + seconds * 1000;
  while (timed.examplesPerSecond.length < maxSteps) {
    if (timed.examplesPerSecond.length >= MIN_TIMED_STEPS && performance.now() > deadline) break;
    const start = performance.now();
    const loss = await session.step();
    timed.examplesPerSecond.push(batchSize / ((performance.now() - start) / 1000));
    timed.tensorCounts.push(tf.memory().numTensors);
    timed.losses.push(loss);
  }
  return timed;
}

async function memoryCheck(session: WorkloadSession, batchSize: number, steps: number): Promise<{ timed: TimedSteps; memory: MemoryCheck }> {
  await session.step();
  const startTensors = tf.memory().numTensors;
  const startRssBytes = residentBytes();
  const timed = await timedSteps(session, batchSize, steps - 1, Number.POSITIVE_INFINITY);
  const memory = { steps, startTensors, endTensors: tf.memory().numTensors, startRssBytes, endRssBytes: residentBytes() };
  return { timed, memory };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      workload: { type: "string" },
      batch: { type: "string" },
      warmup: { type: "string", default: "2" },
      steps: { type: "string", default: "20" },
      seconds: { type: "string", default: "6" },
      "memory-steps": { type: "string" },
      profile: { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
    },
  });
  const configId = values.config ?? "";
  const backend = availableBackends().find((candidate) => candidate.id === configId);
  if (backend === undefined) {
    const ids = availableBackends().map((candidate) => candidate.id);
    throw new Error(`bench/child.ts: unknown or unavailable configuration "${configId}"; available: ${ids.join(", ")}.`);
  }
  const workload = findWorkload(values.workload ?? "");
  const batchSize = wholeNumber(values.batch ?? String(workload.defaultBatchSize), "--batch", 1);
  const warmupSteps = wholeNumber(values.warmup, "--warmup", 0);
  const seed = wholeNumber(values.seed, "--seed", 0);

  const description = await backend.init();
  for (const kernel of workload.requiredKernels) {
    if (tf.getKernel(kernel, tf.getBackend()) === undefined) {
      throw new Error(`Kernel '${kernel}' not registered for backend '${tf.getBackend()}': ${workload.name} cannot train on ${configId}.`);
    }
  }
  const session = await workload.create(batchSize, seed);
  let timed: TimedSteps;
  let memory: MemoryCheck | undefined;
  if (values["memory-steps"] !== undefined) {
    ({ timed, memory } = await memoryCheck(session, batchSize, wholeNumber(values["memory-steps"], "--memory-steps", 2)));
  } else {
    for (let i = 0; i < warmupSteps; i++) await session.step();
    const seconds = Number(values.seconds);
    if (!(seconds > 0)) throw new Error(`bench/child.ts: invalid --seconds ${values.seconds}; use a positive number.`);
    timed = await timedSteps(session, batchSize, wholeNumber(values.steps, "--steps", 1), seconds);
  }
  const profile = values.profile ? kernelTimes(await tf.profile(() => session.step())) : undefined;
  session.dispose();

  const result: RunResult = {
    runtime: "tfjs",
    config: configId,
    description,
    workload: workload.name,
    batchSize,
    threads: configThreads(configId),
    warmupSteps,
    ...timed,
    flopsPerExample: session.flopsPerExample,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    memory,
    profile,
  };
  console.log(RESULT_PREFIX + JSON.stringify(result));
}

main(process.argv.slice(2)).then(
  // Thread-pool workers of the wasm backend may keep the event loop alive.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

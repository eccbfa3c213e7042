/** Pools the runs of one (runtime, configuration, workload, batch size) into table figures. */
import { isResult, median, type RunOutcome, type RunResult } from "./harness";

export interface Aggregate {
  runtime: "tfjs" | "pytorch";
  config: string;
  workload: string;
  batchSize: number;
  threads: number;
  /** Runs that produced a result. */
  runs: number;
  /** Timed steps over all runs. */
  steps: number;
  /** Median, min and max examples/s over every timed step of every run (NaN without runs). */
  median: number;
  min: number;
  max: number;
  flopsPerExample: number | undefined;
  /** Largest peak RSS over the runs, in bytes. */
  peakRssBytes: number;
  /**
   * Live tensors when they stayed the same after every timed step of every run; "changed"
   * otherwise; undefined when not counted (PyTorch).
   */
  tensors: number | "changed" | undefined;
  description: string | undefined;
  /** Reasons of the runs that failed. */
  failures: string[];
}

function key(outcome: { runtime: string; config: string; workload: string; batchSize: number }): string {
  return `${outcome.runtime}|${outcome.config}|${outcome.workload}|${outcome.batchSize}`;
}

function tensorVerdict(results: RunResult[]): Aggregate["tensors"] {
  // A run's count can differ from another run's (other warm-up), but never within a run.
  const counts = results.map((result) => new Set(result.tensorCounts));
  if (counts.every((set) => set.size === 0)) return undefined;
  if (counts.some((set) => set.size > 1)) return "changed";
  return Math.max(...results.map((result) => result.tensorCounts[0] ?? 0));
}

/** Groups outcomes by (runtime, config, workload, batch size), in order of first appearance. */
export function aggregate(outcomes: readonly RunOutcome[]): Aggregate[] {
  const groups = new Map<string, RunOutcome[]>();
  for (const outcome of outcomes) {
    const group = groups.get(key(outcome)) ?? [];
    group.push(outcome);
    groups.set(key(outcome), group);
  }
  return [...groups.values()].map((group) => {
    const results = group.filter(isResult);
    const rates = results.flatMap((result) => result.examplesPerSecond);
    const first = group[0];
    return {
      runtime: first.runtime,
      config: first.config,
      workload: first.workload,
      batchSize: first.batchSize,
      threads: first.threads,
      runs: results.length,
      steps: rates.length,
      median: median(rates),
      min: rates.length > 0 ? Math.min(...rates) : Number.NaN,
      max: rates.length > 0 ? Math.max(...rates) : Number.NaN,
      flopsPerExample: results.find((result) => result.flopsPerExample !== undefined)?.flopsPerExample,
      peakRssBytes: Math.max(0, ...results.map((result) => result.peakRssBytes)),
      tensors: tensorVerdict(results),
      description: results[0]?.description,
      failures: group.filter((outcome) => !isResult(outcome)).map((outcome) => (outcome as { reason: string }).reason),
    };
  });
}

/** Finds the TF.js aggregate with the highest median for `workload` at `batchSize`, if any ran. */
export function fastestTfjs(aggregates: readonly Aggregate[], workload: string, batchSize: number): Aggregate | undefined {
  const candidates = aggregates.filter((a) => a.runtime === "tfjs" && a.workload === workload && a.batchSize === batchSize && a.runs > 0);
  return candidates.reduce<Aggregate | undefined>((best, a) => (best === undefined || a.median > best.median ? a : best), undefined);
}

/** Finds the PyTorch aggregate for `workload` at `batchSize` with `threads` threads, if any ran. */
export function pytorchAt(aggregates: readonly Aggregate[], workload: string, batchSize: number, threads: number): Aggregate | undefined {
  return aggregates.find((a) => a.runtime === "pytorch" && a.workload === workload && a.batchSize === batchSize && a.threads === threads && a.runs > 0);
}

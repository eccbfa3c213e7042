/** Markdown page (BENCHMARKS.md) and console tables from the benchmark's results. */
import { isResult, type KernelTime, type RunOutcome, type RunResult } from "./harness";
import type { MachineInfo } from "./machine";
import { aggregate, fastestTfjs, pytorchAt, type Aggregate } from "./stats";
import type { SuiteResults } from "./suite";
import { findWorkload } from "./workloads/index";

/** Ratios to PyTorch below this are listed with the kernels that dominate. */
export const LOW_RATIO = 0.5;

/** A 1-minute load average above this before the run means other jobs competed for the cores. */
const BUSY_LOAD = 0.5;

/** Kernels listed per profiled workload. */
const PROFILE_ROWS = 8;

const MIB = 2 ** 20;

function rate(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (value >= 100) return value.toFixed(0);
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** FLOPs per example of `workload` (from any TF.js run; PyTorch runs the same model). */
function flopsPerExample(aggregates: readonly Aggregate[], workload: string): number | undefined {
  return aggregates.find((a) => a.workload === workload && a.flopsPerExample !== undefined)?.flopsPerExample;
}

function gflops(aggregates: readonly Aggregate[], a: Aggregate): string {
  const flops = flopsPerExample(aggregates, a.workload);
  return flops === undefined || a.runs === 0 ? "-" : ((flops * a.median) / 1e9).toFixed(1);
}

function ratio(aggregates: readonly Aggregate[], a: Aggregate): number | undefined {
  if (a.runtime !== "tfjs" || a.runs === 0) return undefined;
  const reference = pytorchAt(aggregates, a.workload, a.batchSize, a.threads);
  return reference === undefined ? undefined : a.median / reference.median;
}

function tensorsCell(a: Aggregate): string {
  if (a.tensors === undefined) return "-";
  return a.tensors === "changed" ? "**changed**" : `${a.tensors}, constant`;
}

function throughputRow(aggregates: readonly Aggregate[], a: Aggregate): string[] {
  if (a.runs === 0) return [a.config, String(a.threads), `failed: ${a.failures[0]}`, "-", "-", "-", "-", "-"];
  const r = ratio(aggregates, a);
  return [
    a.config,
    String(a.threads),
    `${rate(a.median)} [${rate(a.min)}, ${rate(a.max)}]`,
    `${a.steps} (${a.runs})`,
    gflops(aggregates, a),
    r === undefined ? "-" : r.toFixed(2),
    (a.peakRssBytes / MIB).toFixed(0),
    tensorsCell(a),
  ];
}

function throughputTable(results: SuiteResults, aggregates: readonly Aggregate[], workload: string): string {
  const batchSize = findWorkload(workload).defaultBatchSize;
  const rows: string[][] = [];
  for (const config of results.configs) {
    const skipped = results.skipped.find((s) => s.workload === workload && s.config === config);
    if (skipped !== undefined) {
      rows.push([config, "-", skipped.reason, "-", "-", "-", "-", "-"]);
      continue;
    }
    const a = aggregates.find((candidate) => candidate.runtime === "tfjs" && candidate.workload === workload && candidate.config === config && candidate.batchSize === batchSize);
    if (a !== undefined) rows.push(throughputRow(aggregates, a));
  }
  const pytorchRows = aggregates.filter((a) => a.runtime === "pytorch" && a.workload === workload && a.batchSize === batchSize);
  for (const a of pytorchRows.sort((x, y) => x.threads - y.threads)) rows.push(throughputRow(aggregates, a));
  if (results.pytorchNote !== undefined) rows.push(["PyTorch", "-", results.pytorchNote, "-", "-", "-", "-", "-"]);
  const header = ["configuration", "threads", "examples/s median [min, max]", "steps (runs)", "GFLOP/s", "/ PyTorch", "peak RSS MiB", "live tensors"];
  return table(header, rows);
}

function scalingTable(results: SuiteResults, aggregates: readonly Aggregate[], workload: string): string | undefined {
  const spec = findWorkload(workload);
  const fastest = fastestTfjs(aggregates, workload, spec.defaultBatchSize);
  if (fastest === undefined || spec.scalingBatchSizes.length === 0) return undefined;
  const rows = spec.scalingBatchSizes.map((batchSize) => {
    const tfjs = aggregates.find((a) => a.runtime === "tfjs" && a.workload === workload && a.config === fastest.config && a.batchSize === batchSize);
    const torch = pytorchAt(aggregates, workload, batchSize, fastest.threads);
    let tfjsCell = "-";
    if (tfjs !== undefined && tfjs.runs === 0) tfjsCell = `failed: ${tfjs.failures[0]}`;
    else if (tfjs !== undefined) tfjsCell = `${rate(tfjs.median)} [${rate(tfjs.min)}, ${rate(tfjs.max)}]`;
    const r = tfjs !== undefined && tfjs.runs > 0 && torch !== undefined ? (tfjs.median / torch.median).toFixed(2) : "-";
    return [
      String(batchSize),
      tfjsCell,
      tfjs === undefined ? "-" : gflops(aggregates, tfjs),
      torch === undefined ? (results.pytorchNote ?? "-") : `${rate(torch.median)} [${rate(torch.min)}, ${rate(torch.max)}]`,
      torch === undefined ? "-" : gflops(aggregates, torch),
      r,
    ];
  });
  const header = ["batch", `${fastest.config} examples/s`, "GFLOP/s", `pytorch-${fastest.threads} examples/s`, "GFLOP/s", "/ PyTorch"];
  return `${spec.title}, ${fastest.config} (fastest at batch ${spec.defaultBatchSize}):\n\n${table(header, rows)}`;
}

/**
 * Builds the thread-scaling table from the main table. A TF.js family is a configuration id
 * without its thread count. Per workload, the table lists each family that ran with 1 and with
 * the most threads, and the fastest family in any case. PyTorch runs at the same two counts.
 */
function threadsTable(aggregates: readonly Aggregate[], workloads: string[]): string {
  const maxThreads = Math.max(1, ...aggregates.map((a) => a.threads));
  const speedUp = (a?: Aggregate, b?: Aggregate) => (a !== undefined && b !== undefined ? (b.median / a.median).toFixed(2) : "-");
  const rows: string[][] = [];
  for (const workload of workloads) {
    const batchSize = findWorkload(workload).defaultBatchSize;
    const ran = aggregates.filter((a) => a.runtime === "tfjs" && a.workload === workload && a.batchSize === batchSize && a.runs > 0);
    const find = (family: string, threads: number) => ran.find((a) => a.config === `${family}-${threads}`);
    const fastest = fastestTfjs(aggregates, workload, batchSize);
    const families = [...new Set(ran.map((a) => a.config.replace(/-\d+$/, "")))];
    const listedFamilies = families.filter((family) => fastest?.config.startsWith(`${family}-`) || (find(family, 1) && find(family, maxThreads)));
    const torchOne = pytorchAt(aggregates, workload, batchSize, 1);
    const torchMany = pytorchAt(aggregates, workload, batchSize, maxThreads);
    for (const family of listedFamilies) {
      const single = find(family, 1);
      const many = find(family, maxThreads);
      const label = fastest?.config.startsWith(`${family}-`) ? `${family} (fastest)` : family;
      rows.push([
        workload,
        label,
        single === undefined ? `no ${family}-1 configuration` : rate(single.median),
        many === undefined ? "-" : rate(many.median),
        speedUp(single, many),
        torchOne === undefined ? "-" : rate(torchOne.median),
        torchMany === undefined ? "-" : rate(torchMany.median),
        speedUp(torchOne, torchMany),
      ]);
    }
  }
  const header = ["workload", "TF.js family", "1 thread", `${maxThreads} threads`, "speed-up", "PyTorch 1", `PyTorch ${maxThreads}`, "speed-up"];
  return table(header, rows);
}

function profileShares(profile: KernelTime[]): { total: number; top: KernelTime[] } {
  const total = profile.reduce((sum, kernel) => sum + kernel.milliseconds, 0);
  return { total, top: profile.slice(0, PROFILE_ROWS) };
}

/** The profiled run of `config` on `workload` in the main table, if any. */
function profiledRun(main: readonly RunOutcome[], workload: string, config: string): (RunResult & { profile: KernelTime[] }) | undefined {
  const run = main.find((outcome) => isResult(outcome) && outcome.workload === workload && outcome.config === config && outcome.profile !== undefined);
  return run as (RunResult & { profile: KernelTime[] }) | undefined;
}

/** Profile tables of each workload's fastest TF.js configuration. */
function profileSection(main: readonly RunOutcome[], aggregates: readonly Aggregate[], workloads: string[]): string {
  const parts: string[] = [];
  for (const workload of workloads) {
    const fastest = fastestTfjs(aggregates, workload, findWorkload(workload).defaultBatchSize);
    const outcome = fastest === undefined ? undefined : profiledRun(main, workload, fastest.config);
    if (outcome === undefined) continue;
    const { total, top } = profileShares(outcome.profile);
    const rows = top.map((kernel) => [kernel.kernel, kernel.milliseconds.toFixed(1), `${((100 * kernel.milliseconds) / total).toFixed(0)}%`, String(kernel.calls)]);
    parts.push(`${outcome.workload}, ${outcome.config}, batch ${outcome.batchSize}: ${total.toFixed(0)} ms of kernels in the profiled step.\n\n${table(["kernel", "ms", "share", "calls"], rows)}`);
  }
  return parts.join("\n\n");
}

/** Lines naming each TF.js configuration below LOW_RATIO of PyTorch, with the dominant kernels. */
function lowRatioLines(main: readonly RunOutcome[], aggregates: readonly Aggregate[]): string[] {
  const lines: string[] = [];
  for (const a of aggregates) {
    const r = ratio(aggregates, a);
    if (r === undefined || r >= LOW_RATIO) continue;
    const profile = profiledRun(main, a.workload, a.config);
    let kernels = "";
    if (profile !== undefined) {
      const { total, top } = profileShares(profile.profile);
      kernels = `; kernel time: ${top.slice(0, 3).map((k) => `${k.kernel} ${((100 * k.milliseconds) / total).toFixed(0)}%`).join(", ")}`;
    }
    lines.push(`- ${a.workload} on ${a.config}: ${r.toFixed(2)} of PyTorch with ${a.threads} thread${a.threads === 1 ? "" : "s"}${kernels}`);
  }
  return lines;
}

function machineTable(machine: MachineInfo, results: SuiteResults): string {
  const load = (values: number[]) => (values.length === 0 ? "unknown" : values.map((v) => v.toFixed(2)).join(", "));
  return table(
    ["", ""],
    [
      ["CPU", `${machine.cpuModel} (${machine.vectorFlags.join(", ") || "no AVX flags listed"})`],
      ["logical cores", String(machine.logicalCores)],
      ["memory", `${machine.memoryGiB.toFixed(1)} GiB`],
      ["OS", machine.os],
      ["Node", machine.node],
      ["TF.js", machine.tfjs],
      ["PyTorch", results.pytorch ?? results.pytorchNote ?? "-"],
      ["date", `${results.startedAt.toISOString()} to ${results.finishedAt.toISOString()}`],
      ["load average (1, 5, 15 min)", `before ${load(results.loadBefore)}; after ${load(results.loadAfter)}`],
    ],
  );
}

/** Builds the BENCHMARKS.md page. `shortRun` lists the options that make this a short run. */
export function benchmarkPage(results: SuiteResults, machine: MachineInfo, command: string, workloads: string[], shortRun: string[]): string {
  const aggregates = aggregate([...results.main, ...results.scaling]);
  const mainAggregates = aggregate(results.main);

  const sections: string[] = ["# Benchmarks", ""];
  if (shortRun.length > 0) {
    sections.push(
      `**Short verification run (${shortRun.join(", ")}): too few steps for stable figures. ` +
        "Run `npm run bench` with the defaults on an otherwise idle machine for comparable numbers.**",
      "",
    );
  }
  const loadBefore = results.loadBefore[0];
  if (loadBefore !== undefined && loadBefore > BUSY_LOAD) {
    sections.push(
      `**The 1-minute load average was ${loadBefore.toFixed(2)} when the run started: other jobs competed for the cores, ` +
        (results.pytorchNote === undefined
          ? "so the figures are low and noisy (multi-threaded PyTorch most of all, whose OpenMP threads wait for each other).**"
          : "so the figures are low and noisy.**"),
      "",
    );
  }
  sections.push(
    `Written by \`${command}\` (bench/index.ts; workloads, options and the FLOP convention in bench/README.md).`,
    "",
    "## Machine",
    "",
    machineTable(machine, results),
    "",
    "## Training throughput",
    "",
    "Examples per second of each timed step, pooled over the runs of a configuration: median " +
      "[min, max]. Each run is a fresh process with warm-up steps first" +
      (results.pytorchNote === undefined ? "; TF.js runs alternate with PyTorch runs at the same thread count. " : ". ") +
      "GFLOP/s is the analytic training FLOPs per " +
      "example times the median. \"/ PyTorch\" is the median divided by the PyTorch median at " +
      "the same thread count. Peak RSS is the child process's maximum resident set size. Live " +
      "tensors is tf.memory().numTensors after every timed step.",
    "",
  );

  for (const workload of workloads) {
    sections.push(`### ${workload}: ${findWorkload(workload).title}, batch ${findWorkload(workload).defaultBatchSize}`, "", throughputTable(results, mainAggregates, workload), "");
  }

  // Without scaling runs (--no-scaling) the tables would only repeat the main table.
  const scaling = results.scaling.length === 0 ? [] : workloads.map((workload) => scalingTable(results, aggregates, workload)).filter((part): part is string => part !== undefined);
  if (scaling.length > 0) sections.push("## Batch-size scaling", "", scaling.join("\n\n"), "");
  const maxThreads = Math.max(1, ...mainAggregates.map((a) => a.threads));
  if (maxThreads > 1) {
    sections.push("## Threads", "", "From the training-throughput tables: examples/s medians at the default batch size.", "", threadsTable(mainAggregates, workloads), "");
  } else {
    sections.push("## Threads", "", "Only 1-thread configurations ran, so there is no thread comparison.", "");
  }

  const profiles = profileSection(results.main, mainAggregates, workloads);
  if (profiles !== "") {
    sections.push(
      "## Where the time goes",
      "",
      "Kernel times of one extra training step (after the timed ones) in each workload's fastest TF.js " +
        "configuration, from tf.profile. The profiler times each kernel on its own, so the sum exceeds a " +
        "normal step's time by its overhead.",
      "",
      profiles,
      "",
    );
  }

  const low = lowRatioLines(results.main, mainAggregates);
  let lowText = low.length === 0 ? "None." : low.join("\n");
  if (results.pytorchNote !== undefined) lowText = `No ratios: ${results.pytorchNote}.`;
  sections.push(`## Ratios below ${LOW_RATIO}`, "", lowText, "");
  return sections.join("\n");
}

/** Console table of a memory check. */
export function memoryTable(outcomes: RunOutcome[], pytorchNote: string | undefined): string {
  const rows = outcomes.map((outcome) => {
    if (!isResult(outcome) || outcome.memory === undefined) {
      return [outcome.workload, outcome.config, "-", "-", "-", isResult(outcome) ? "no memory figures" : outcome.reason];
    }
    const m = outcome.memory;
    const growth = (m.endRssBytes - m.startRssBytes) / MIB;
    const tensors = `${m.startTensors} -> ${m.endTensors}`;
    const verdict = m.startTensors === m.endTensors ? "tensors flat" : "TENSOR COUNT CHANGED";
    return [outcome.workload, outcome.config, String(m.steps), tensors, `${(m.startRssBytes / MIB).toFixed(0)} -> ${(m.endRssBytes / MIB).toFixed(0)} (${growth >= 0 ? "+" : ""}${growth.toFixed(0)})`, verdict];
  });
  if (pytorchNote !== undefined) rows.push(["-", "PyTorch", "-", "-", "-", pytorchNote]);
  return table(["workload", "configuration", "steps", "live tensors first -> last", "RSS MiB first -> last (change)", "verdict"], rows);
}

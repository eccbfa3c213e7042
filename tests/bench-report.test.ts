import { test } from "node:test";
import * as assert from "node:assert/strict";

import type { RunOutcome, RunResult } from "../bench/harness";
import type { MachineInfo } from "../bench/machine";
import { benchmarkPage, memoryTable } from "../bench/report";
import { aggregate } from "../bench/stats";
import type { SuiteResults } from "../bench/suite";

const MACHINE: MachineInfo = {
  cpuModel: "Test CPU",
  vectorFlags: ["avx2"],
  logicalCores: 2,
  memoryGiB: 8,
  os: "Linux test",
  node: "v20.0.0",
  tfjs: "4.22.0",
};

function run(config: string, threads: number, rates: number[], extra: Partial<RunResult> = {}): RunResult {
  return {
    runtime: config.startsWith("pytorch") ? "pytorch" : "tfjs",
    config,
    description: config,
    workload: "dense-ae",
    batchSize: 256,
    threads,
    warmupSteps: 1,
    examplesPerSecond: rates,
    tensorCounts: config.startsWith("pytorch") ? [] : rates.map(() => 66),
    losses: rates.map(() => 0.7),
    flopsPerExample: config.startsWith("pytorch") ? undefined : 1e7,
    peakRssBytes: 300 * 2 ** 20,
    ...extra,
  };
}

function results(main: RunOutcome[], pytorchNote?: string): SuiteResults {
  return {
    configs: ["wasm-stock-1", "wasm-fixed-1", "wasm-fixed-2"],
    pytorch: pytorchNote === undefined ? "1.13.0" : undefined,
    pytorchNote,
    main,
    skipped: [],
    scaling: [],
    startedAt: new Date("2026-01-01T00:00:00Z"),
    finishedAt: new Date("2026-01-01T00:10:00Z"),
    loadBefore: [0.1, 0.2, 0.3],
    loadAfter: [1, 1, 1],
  };
}

test("aggregate pools steps over runs", () => {
  const [fixed] = aggregate([run("wasm-fixed-2", 2, [100, 300]), run("wasm-fixed-2", 2, [200])]);
  assert.equal(fixed.runs, 2);
  assert.equal(fixed.steps, 3);
  assert.equal(fixed.median, 200);
  assert.equal(fixed.min, 100);
  assert.equal(fixed.max, 300);
  assert.equal(fixed.tensors, 66);
});

test("aggregate flags a changing tensor count", () => {
  const [leaking] = aggregate([run("wasm-fixed-2", 2, [1, 1], { tensorCounts: [66, 70] })]);
  assert.equal(leaking.tensors, "changed");
});

test("page ratios GFLOP/s and low ratios", () => {
  const main: RunOutcome[] = [
    run("wasm-fixed-1", 1, [100]),
    run("pytorch-1", 1, [400]),
    run("wasm-fixed-2", 2, [300]),
    run("pytorch-2", 2, [500]),
    { runtime: "tfjs", config: "wasm-stock-1", workload: "dense-ae", batchSize: 256, threads: 1, reason: "exit 1: Kernel X not registered" },
  ];
  const page = benchmarkPage(results(main), MACHINE, "npm run bench", ["dense-ae"], []);
  // 100 / 400 at 1 thread, 300 / 500 at 2 threads; 1e7 FLOPs x 300 examples/s = 3 GFLOP/s.
  assert.match(page, /\| wasm-fixed-1 \| 1 \| 100 \[100, 100\] \| 1 \(1\) \| 1\.0 \| 0\.25 \|/);
  assert.match(page, /\| wasm-fixed-2 \| 2 \| 300 \[300, 300\] \| 1 \(1\) \| 3\.0 \| 0\.60 \|/);
  assert.match(page, /\| wasm-stock-1 \| 1 \| failed: exit 1: Kernel X not registered \|/);
  assert.match(page, /- dense-ae on wasm-fixed-1: 0\.25 of PyTorch with 1 thread/);
  assert.doesNotMatch(page, /- dense-ae on wasm-fixed-2/);
  assert.match(page, /\| dense-ae \| wasm-fixed \(fastest\) \| 100 \| 300 \| 3\.00 \| 400 \| 500 \| 1\.25 \|/);
  assert.match(page, /Test CPU/);
  assert.doesNotMatch(page, /Short verification run/);
  assert.doesNotMatch(page, /load average was/);
});

test("page without PyTorch says how to install it", () => {
  const note = "PyTorch not installed (apt install python3-torch)";
  const page = benchmarkPage(results([run("wasm-fixed-2", 2, [300])], note), MACHINE, "npm run bench", ["dense-ae"], []);
  assert.match(page, /\| PyTorch \| - \| PyTorch not installed \(apt install python3-torch\) \|/);
  assert.match(page, /\| wasm-fixed-2 \| 2 \| 300 \[300, 300\] \| 1 \(1\) \| 3\.0 \| - \|/);
  assert.match(page, /No ratios: PyTorch not installed/);
  assert.doesNotMatch(page, /## Batch-size scaling/);
});

test("page with 1-thread runs only skips the thread table", () => {
  const page = benchmarkPage(results([run("wasm-fixed-1", 1, [100]), run("pytorch-1", 1, [400])]), MACHINE, "npm run bench", ["dense-ae"], []);
  assert.match(page, /Only 1-thread configurations ran/);
  assert.doesNotMatch(page, /\| 1 thread \| 1 threads \|/);
});

test("page marks short and busy runs", () => {
  const busy = { ...results([run("wasm-fixed-2", 2, [300])]), loadBefore: [2.5, 2, 2] };
  const page = benchmarkPage(busy, MACHINE, "npm run bench -- --steps 2", ["dense-ae"], ["--steps 2"]);
  assert.match(page, /Short verification run \(--steps 2\)/);
  assert.match(page, /load average was 2\.50/);
});

test("memory table verdicts", () => {
  const memory = (start: number, end: number) => ({ steps: 10, startTensors: start, endTensors: end, startRssBytes: 2 ** 28, endRssBytes: 2 ** 28 + 2 ** 20 });
  const text = memoryTable([run("wasm-fixed-2", 2, [1], { memory: memory(66, 66) }), run("wasm-fixed-1", 1, [1], { memory: memory(66, 70) })], undefined);
  assert.match(text, /\| dense-ae \| wasm-fixed-2 \| 10 \| 66 -> 66 \| 256 -> 257 \(\+1\) \| tensors flat \|/);
  assert.match(text, /\| dense-ae \| wasm-fixed-1 \| 10 \| 66 -> 70 \| .* \| TENSOR COUNT CHANGED \|/);
});

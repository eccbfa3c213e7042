/**
 * `npm run bench` measures the training throughput of the benchmark workloads on every TF.js
 * backend configuration and in PyTorch, and writes BENCHMARKS.md. With --memory-steps N it
 * instead checks that live tensors and RSS stay flat over N steps.
 * Options: `npm run bench -- --help`.
 */
import * as fs from "fs";
import * as path from "path";

import { isResult } from "./harness";
import { machineInfo } from "./machine";
import { parseBenchOptions, shortRunReasons } from "./options";
import { benchmarkPage, memoryTable } from "./report";
import { aggregate } from "./stats";
import { runMemorySuite, runThroughputSuite } from "./suite";

function main(argv: string[]): number {
  const options = parseBenchOptions(argv);
  if (options === undefined) return 0;
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;

  if (options.memorySteps !== undefined) {
    const { outcomes, pytorchNote } = runMemorySuite(options);
    console.log(`\n${memoryTable(outcomes, pytorchNote)}`);
    const changed = outcomes.some((outcome) => isResult(outcome) && outcome.runtime === "tfjs" && outcome.memory !== undefined && outcome.memory.startTensors !== outcome.memory.endTensors);
    if (changed) console.error("A live tensor count changed between the first and the last step: some step leaks tensors.");
    return changed || outcomes.some((outcome) => !isResult(outcome)) ? 1 : 0;
  }

  const results = runThroughputSuite(options);
  const page = benchmarkPage(results, machineInfo(), command, options.workloads, shortRunReasons(options));
  console.log(`\n${page}`);
  if (options.output !== undefined) {
    fs.writeFileSync(options.output, page);
    const relative = path.relative(process.cwd(), options.output);
    console.log(`Wrote ${relative === "" || relative.startsWith("..") ? options.output : relative}.`);
  }
  const leaking = aggregate(results.main).some((a) => a.tensors === "changed");
  if (leaking) console.error("A live tensor count changed between timed steps: some step leaks tensors.");
  return leaking ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

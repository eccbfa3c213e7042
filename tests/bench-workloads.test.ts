import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

import { configThreads, PYTHON, pytorchVersion, RESULT_PREFIX, type RunResult } from "../bench/harness";
import { LAYER_SIZES } from "../bench/workloads/dense-autoencoder";
import { WORKLOADS } from "../bench/workloads/index";
import { initBackend } from "../lib/backend";

const BATCH_SIZE = 4;
const STEPS = 3;

before(async () => {
  await initBackend();
});

for (const workload of WORKLOADS) {
  test(`${workload.name} workload trains without leaking`, async () => {
    const session = await workload.create(BATCH_SIZE, 1);
    // The first step creates the optimizer's slot variables.
    await session.step();
    const counts: number[] = [];
    for (let step = 0; step < STEPS; step++) {
      const loss = await session.step();
      assert.ok(Number.isFinite(loss), `loss ${loss} at step ${step}`);
      counts.push(tf.memory().numTensors);
    }
    assert.deepEqual(counts, counts.map(() => counts[0]), `live tensors per step: ${counts.join(", ")}`);
    assert.ok(session.flopsPerExample > 0);
    session.dispose();
  });
}

test("dense-ae FLOPs follow the convention", async () => {
  const session = await WORKLOADS[0].create(2, 1);
  let multiplyAdds = 0;
  for (let i = 0; i + 1 < LAYER_SIZES.length; i++) multiplyAdds += LAYER_SIZES[i] * LAYER_SIZES[i + 1];
  assert.equal(session.flopsPerExample, 3 * 2 * multiplyAdds);
  session.dispose();
});

test("thread counts of configuration ids", () => {
  assert.equal(configThreads("wasm-fixed-2"), 2);
  assert.equal(configThreads("wasm-stock-1"), 1);
  assert.equal(configThreads("cpu"), 1);
});

const torch = pytorchVersion();

test("PyTorch workloads print a result line", { skip: torch === undefined ? "python3-torch is not installed" : false }, () => {
  const script = path.join(__dirname, "..", "bench", "pytorch", "workloads.py");
  for (const workload of WORKLOADS) {
    const args = [script, "--workload", workload.name, "--batch", "2", "--threads", "1", "--warmup", "0", "--steps", "1"];
    const run = spawnSync(PYTHON, args, { encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 0, `${workload.name}: ${run.stderr}`);
    const line = run.stdout.trim().split("\n").pop() ?? "";
    assert.ok(line.startsWith(RESULT_PREFIX), `${workload.name}: ${line}`);
    const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as RunResult;
    assert.equal(result.workload, workload.name);
    assert.equal(result.examplesPerSecond.length, 1);
    assert.ok(Number.isFinite(result.losses[0]), `${workload.name} loss ${result.losses[0]}`);
    assert.ok(result.peakRssBytes > 0);
  }
});

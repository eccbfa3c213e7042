import { test } from "node:test";
import assert from "node:assert/strict";
import { createDisplay, displayBundle, inKernel, plainText } from "../lib/display/output";
import { createProgress, formatDuration, formatValue } from "../lib/display/progress";

/** Runs `body` while collecting what it writes to process.stdout. */
function captureStdout(body: () => void): string {
  const original = process.stdout.write;
  let captured = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    captured += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    body();
  } finally {
    process.stdout.write = original;
  }
  return captured;
}

test("display outside kernel prints text", () => {
  assert.equal(inKernel(), false);
  const printed = captureStdout(() => {
    displayBundle({ "image/png": new Uint8Array([1, 2]), "text/plain": "Loss curve" });
    displayBundle({ "image/png": new Uint8Array([1, 2]) });
    createDisplay().update({ "text/plain": "epoch 1" });
  });
  assert.equal(printed, "Loss curve\n[image/png]\nepoch 1\n");
});

test("displayBundle rejects an empty bundle", () => {
  assert.throws(() => displayBundle({}), /at least one MIME type/);
});

test("plainText prefers text/plain", () => {
  assert.equal(plainText({ "text/markdown": "# A", "text/plain": "A" }), "A");
  assert.equal(plainText({ "text/markdown": "# A" }), "# A");
});

test("formatDuration and formatValue", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(61.4), "1:01");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(NaN), "?");
  assert.equal(formatValue(12), "12");
  assert.equal(formatValue(0.123456), "0.1235");
  assert.equal(formatValue(1.5e-5), "1.500e-5");
  assert.equal(formatValue("3/10"), "3/10");
});

test("progress rate-limits log lines", (t) => {
  let clock = 0;
  const lines: string[] = [];
  const progress = createProgress("train", { logIntervalMs: 2000, now: () => clock, writeLine: (l) => lines.push(l) });
  t.after(() => progress.done());
  for (const ms of [0, 500, 1000, 1999, 2100, 2500]) {
    clock = ms;
    progress.update({ epoch: ms });
  }
  assert.deepEqual(lines, ["train: epoch 0 | elapsed 0:00", "train: epoch 2100 | elapsed 0:02"]);
  clock = 3000;
  progress.done("loss 0.1");
  assert.equal(lines.length, 3);
  assert.equal(lines[2], "train: epoch 2500 | elapsed 0:03 | done, loss 0.1");
});

test("progress estimates time left", () => {
  let clock = 0;
  const lines: string[] = [];
  const progress = createProgress("fit", { now: () => clock, writeLine: (l) => lines.push(l) });
  clock = 10_000;
  progress.update({ step: 5 }, 0.25);
  assert.equal(lines[0], "fit: step 5 | left 0:30 | elapsed 0:10");
  assert.throws(() => progress.update({}, 1.5), /fraction must be in \[0, 1\]/);
  progress.done();
});

test("progress writes a pending line later", async () => {
  const lines: string[] = [];
  const progress = createProgress("train", { logIntervalMs: 30, writeLine: (l) => lines.push(l) });
  progress.update({ epoch: 1 });
  progress.update({ epoch: 2 });
  assert.equal(lines.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(lines.length, 2);
  assert.match(lines[1], /^train: epoch 2 \|/);
  progress.log("checkpoint saved");
  assert.equal(lines[2], "checkpoint saved");
  progress.done();
});

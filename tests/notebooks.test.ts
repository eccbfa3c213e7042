/**
 * The headless notebook runner (scripts/run_notebooks.py): every project notebook in the smoke
 * profile, plus the failure modes of the tslab kernel on small fixture notebooks. Executed
 * copies go to a temporary folder, so committed notebooks are never rewritten.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../lib/paths";

const PYTHON = "/usr/bin/python3";
const RUNNER = path.join(repoRoot, "scripts", "run_notebooks.py");
const FIXTURES = path.join(repoRoot, "tests", "fixtures", "notebooks");

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  outputDir: string;
}

interface Cell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: Array<{ output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }>;
}

const jupyterMissing = (() => {
  const probe = spawnSync(PYTHON, ["-c", "import nbclient"], { encoding: "utf8" });
  return probe.status === 0 ? false : `${PYTHON} cannot import nbclient (install python3-nbclient)`;
})();

function runNotebooks(notebooks: string[], extraArgs: string[] = [], timeoutMs = 120_000): RunResult {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), "hw5-notebooks-"));
  const result = spawnSync(PYTHON, [RUNNER, ...notebooks, "--output-dir", outputDir, "--no-trust", ...extraArgs], {
    encoding: "utf8",
    env: { ...process.env, HW5_PROFILE: "smoke" },
    timeout: timeoutMs,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, outputDir };
}

function readCells(file: string): Cell[] {
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { cells: Cell[] }).cells;
}

/** Joins a saved text value: nbformat stores multi-line strings as arrays of lines. */
function joined(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

function streamText(cell: Cell): string {
  return (cell.outputs ?? []).map((o) => (o.output_type === "stream" ? joined(o.text) : "")).join("");
}

function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

test("all notebooks run in smoke profile", { skip: jupyterMissing, timeout: 30 * 60_000 }, (t) => {
  const notebooks = fs
    .readdirSync(path.join(repoRoot, "notebooks"))
    .filter((name) => name.endsWith(".ipynb"))
    .sort();
  if (notebooks.length === 0) {
    t.skip("notebooks/ has no .ipynb files yet");
    return;
  }
  const run = runNotebooks([], [], 25 * 60_000);
  t.after(() => fs.rmSync(run.outputDir, { recursive: true, force: true }));
  assert.equal(run.status, 0, `runner failed:\n${run.stdout}\n${run.stderr}`);
  for (const name of notebooks) {
    const cells = readCells(path.join(run.outputDir, name)).filter((c) => c.cell_type === "code");
    const unnumbered = cells.filter((c) => c.execution_count == null).length;
    assert.equal(unnumbered, 0, `${name}: ${unnumbered} code cells without a prompt number`);
  }
});

test("passing notebook fills prompt numbers", { skip: jupyterMissing }, (t) => {
  const source = fixture("passing.ipynb");
  const before = fs.readFileSync(source, "utf8");
  const run = runNotebooks([source]);
  t.after(() => fs.rmSync(run.outputDir, { recursive: true, force: true }));

  assert.equal(run.status, 0, `runner failed:\n${run.stdout}\n${run.stderr}`);
  assert.equal(fs.readFileSync(source, "utf8"), before, "the runner rewrote the source notebook");
  const cells = readCells(path.join(run.outputDir, "passing.ipynb"));
  assert.deepEqual(cells.map((c) => c.execution_count ?? null), [null, 1, 2]);
  assert.match(streamText(cells[1]), /answer = 42/);
  assert.match(streamText(cells[1]), /profile = smoke/, "HW5_PROFILE did not reach the kernel");
  assert.match(run.stdout, /answer = 42/, "cell output was not echoed to the terminal");
  assert.match(run.stderr, /a line on stderr/, "cell stderr was not echoed to the terminal");
  assert.match(run.stdout, /ok passing\.ipynb in \d+\.\d s/);
});

test("failing cell stops with its source", { skip: jupyterMissing }, (t) => {
  const run = runNotebooks([fixture("failing.ipynb")]);
  t.after(() => fs.rmSync(run.outputDir, { recursive: true, force: true }));

  assert.equal(run.status, 1);
  assert.match(run.stderr, /FAILED failing\.ipynb: cell 1: the cell raised an error/);
  assert.match(run.stderr, /--- cell source ---\nconst shape = \[2, 3\];/);
  assert.match(run.stderr, /--- error output ---[\s\S]*Error: invalid shape 2,3/);
  const cells = readCells(path.join(run.outputDir, "failing.ipynb"));
  assert.equal(cells[0].execution_count, 1);
  assert.match(streamText(cells[0]), /before the failure/);
  assert.equal(cells[1].execution_count, 2);
  assert.match(streamText(cells[1]), /invalid shape 2,3/);
  assert.equal(cells[2].execution_count, null);
  assert.deepEqual(cells[2].outputs, []);
});

test("timer exception fails the run", { skip: jupyterMissing }, (t) => {
  const run = runNotebooks([fixture("timer-error.ipynb"), fixture("late-timer.ipynb")]);
  t.after(() => fs.rmSync(run.outputDir, { recursive: true, force: true }));

  assert.equal(run.status, 1);
  assert.match(run.stderr, /FAILED timer-error\.ipynb: cell 1: an uncaught exception was printed/);
  assert.match(run.stderr, /UncaughtException: Error: thrown from a timer/);
  assert.match(run.stderr, /FAILED late-timer\.ipynb: cell 1: an uncaught exception was printed after the last cell/);
  assert.match(run.stderr, /UncaughtException: Error: thrown after the last cell/);
  assert.match(run.stderr, /2 of 2 notebooks failed/);
  const late = readCells(path.join(run.outputDir, "late-timer.ipynb"));
  assert.match(streamText(late[1]), /thrown after the last cell/, "late output missing from the saved cell");
});

test("cell timeout fails the run", { skip: jupyterMissing }, (t) => {
  const run = runNotebooks([fixture("slow.ipynb")], ["--timeout", "2"]);
  t.after(() => fs.rmSync(run.outputDir, { recursive: true, force: true }));

  assert.equal(run.status, 1);
  assert.match(run.stderr, /FAILED slow\.ipynb: cell 0: timed out after 2(\.0)? s/);
  assert.ok(fs.existsSync(path.join(run.outputDir, "slow.ipynb")), "partial notebook not written");
});

test("display helpers work in the kernel", { skip: jupyterMissing }, (t) => {
  const run = runNotebooks([fixture("display.ipynb")]);
  t.after(() => fs.rmSync(run.outputDir, { recursive: true, force: true }));

  assert.equal(run.status, 0, `runner failed:\n${run.stdout}\n${run.stderr}`);
  const cells = readCells(path.join(run.outputDir, "display.ipynb"));
  const bundles = cells.map((c) => (c.outputs ?? []).filter((o) => o.output_type === "display_data").map((o) => o.data ?? {}));
  assert.match(streamText(cells[1]), /in kernel: true/);
  assert.equal(joined(bundles[1][0]["text/markdown"]), "**bold** text");

  // Progress: one display updated in place, lines on the kernel's fd 2 (the runner's stderr).
  assert.equal(bundles[2].length, 1);
  assert.match(joined(bundles[2][0]["text/plain"]), /^fixture training: epoch 3 \| loss 0\.3333 .*done, final loss 0\.3333$/);
  assert.match(streamText(cells[2]), /checkpoint line/);
  assert.match(run.stderr, /fixture training: epoch 1 \| loss 1 \|/);
  assert.match(run.stderr, /fixture training: epoch 3 .*done, final loss 0\.3333/);

  const chart = bundles[3][0];
  assert.deepEqual(Object.keys(chart).sort(), ["application/vnd.vegalite.v5+json", "image/png", "image/svg+xml", "text/plain"]);
  assert.equal((chart["application/vnd.vegalite.v5+json"] as { $schema: string }).$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  assert.match(joined(chart["image/svg+xml"]), /Fixture chart/);
  assert.equal(joined(chart["text/plain"]), "Fixture chart");
  assert.equal(Buffer.from(joined(chart["image/png"]), "base64").subarray(1, 4).toString(), "PNG");

  assert.deepEqual(Object.keys(bundles[4][0]).sort(), ["image/png", "text/plain"]);
  assert.equal(joined(bundles[4][0]["text/plain"]), "Fixture grid");
  assert.match(joined(bundles[5][0]["text/html"]), /<caption>Fixture table<\/caption>/);
  assert.match(joined(bundles[5][0]["text/plain"]), /\| PCA \| 0\.25 \|/);

  // HTML export keeps the chart as PNG (nbconvert 6.5 would empty the SVG).
  const htmlDir = path.join(run.outputDir, "html");
  const exported = spawnSync(PYTHON, [path.join(repoRoot, "scripts", "export_notebooks.py"), path.join(run.outputDir, "display.ipynb"), "--output-dir", htmlDir], { encoding: "utf8" });
  assert.equal(exported.status, 0, exported.stderr);
  const page = fs.readFileSync(path.join(htmlDir, "display.html"), "utf8");
  assert.equal((page.match(/<img src="data:image\/png;base64,/g) ?? []).length, 2, "chart and grid PNGs expected");
  assert.ok(page.includes("<caption>Fixture table</caption>"));
});

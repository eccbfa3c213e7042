import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PNG } from "pngjs";
import { renderPng, renderSvg, toV5Spec, chartTitle, VEGA_LITE_V5_SCHEMA, VegaLiteSpec } from "../lib/charts/vega";
import { rasterizeSvg } from "../lib/charts/raster";
import { fontSetup } from "../lib/charts/fonts";
import { gridLayout, imageGrid } from "../lib/charts/image-grid";
import { tableCells, toMarkdown, toHtml } from "../lib/charts/table";

const lineSpec: VegaLiteSpec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: "Reconstruction error by rank",
  data: { values: [{ k: 1, error: 0.9 }, { k: 2, error: 0.5 }, { k: 4, error: 0.2 }] },
  mark: "line",
  encoding: {
    x: { field: "k", type: "quantitative" },
    y: { field: "error", type: "quantitative" },
  },
};

function darkPixels(png: PNG): number {
  let dark = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (png.data[i + 3] > 0 && png.data[i] < 100) dark++;
  }
  return dark;
}

test("renderSvg draws the title", async () => {
  const svg = await renderSvg(lineSpec);
  assert.match(svg, /^<svg/);
  assert.ok(svg.includes("Reconstruction error by rank"), "title text missing from the SVG");
  assert.ok(svg.includes("<path"), "no path marks in the SVG");
});

test("renderPng scales and decodes", async () => {
  const small = PNG.sync.read(Buffer.from(await renderPng(lineSpec, 1)));
  const large = PNG.sync.read(Buffer.from(await renderPng(lineSpec, 2)));
  assert.ok(small.width > 100, `unexpected width ${small.width}`);
  assert.ok(small.height > 100, `unexpected height ${small.height}`);
  assert.ok(Math.abs(large.width - 2 * small.width) <= 1);
  assert.ok(Math.abs(large.height - 2 * small.height) <= 1);
  assert.ok(darkPixels(small) > 100, "the PNG is nearly blank");
});

test("rasterizeSvg draws text with fonts", () => {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30">' +
    '<rect width="120" height="30" fill="white"/>' +
    '<text x="4" y="22" font-family="sans-serif" font-size="20" fill="black">Wxyz 123</text></svg>';
  const raster = rasterizeSvg(svg, 1);
  assert.equal(raster.width, 120);
  assert.equal(raster.height, 30);
  assert.equal(raster.rgba.length, 120 * 30 * 4);
  let dark = 0;
  for (let i = 0; i < raster.rgba.length; i += 4) if (raster.rgba[i] < 100) dark++;
  assert.ok(dark > 50, `only ${dark} dark pixels: text was not drawn`);
});

test("fontSetup rejects a folder without fonts", (t) => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-fonts-"));
  const saved = process.env.HW5_FONT_DIRS;
  process.env.HW5_FONT_DIRS = empty;
  t.after(() => {
    if (saved === undefined) delete process.env.HW5_FONT_DIRS;
    else process.env.HW5_FONT_DIRS = saved;
    fs.rmSync(empty, { recursive: true });
  });
  assert.throws(() => fontSetup(), /No font files .* HW5_FONT_DIRS/s);
});

test("toV5Spec rewrites only the schema", () => {
  const v5 = toV5Spec(lineSpec);
  assert.equal(v5.$schema, VEGA_LITE_V5_SCHEMA);
  assert.equal(lineSpec.$schema, "https://vega.github.io/schema/vega-lite/v6.json");
  assert.deepEqual({ ...v5, $schema: undefined }, { ...lineSpec, $schema: undefined });
});

test("chartTitle reads string and object titles", () => {
  assert.equal(chartTitle(lineSpec), "Reconstruction error by rank");
  assert.equal(chartTitle({ title: { text: "Loss", subtitle: "train" } }), "Loss");
  assert.equal(chartTitle({ mark: "point" }), undefined);
});

test("imageGrid places grayscale pixels", () => {
  const count = 5, height = 4, width = 3, columns = 3, scale = 2, gap = 1;
  // Pixel (n, y, x) contains (10n + 3y + x) / 255, a distinct value per image and position.
  const images = new Float32Array(count * height * width);
  for (let n = 0; n < count; n++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) images[(n * height + y) * width + x] = (10 * n + 3 * y + x) / 255;

  const png = PNG.sync.read(Buffer.from(imageGrid(images, { count, height, width, channels: 1, columns, scale, gap })));
  assert.equal(png.width, 3 * width * scale + 2 * gap);
  assert.equal(png.height, 2 * height * scale + gap);

  for (let n = 0; n < count; n++) {
    const originX = (n % columns) * (width * scale + gap);
    const originY = Math.floor(n / columns) * (height * scale + gap);
    for (const [y, x] of [[0, 0], [3, 2], [1, 2]]) {
      for (const [dy, dx] of [[0, 0], [1, 1]]) {
        const offset = ((originY + y * scale + dy) * png.width + originX + x * scale + dx) * 4;
        const expected = 10 * n + 3 * y + x;
        assert.deepEqual([...png.data.subarray(offset, offset + 4)], [expected, expected, expected, 255], `image ${n} pixel (${y}, ${x})`);
      }
    }
  }
  const gapOffset = (0 * png.width + width * scale) * 4; // first gap column, top row
  assert.deepEqual([...png.data.subarray(gapOffset, gapOffset + 4)], [255, 255, 255, 255]);
  const emptyCell = ((height * scale + gap) * png.width + 2 * (width * scale + gap)) * 4; // empty slot after the last image (index 5)
  assert.deepEqual([...png.data.subarray(emptyCell, emptyCell + 4)], [255, 255, 255, 255]);
});

test("imageGrid keeps RGB channels", () => {
  const images = new Uint8Array([10, 20, 30, 40, 50, 60]); // two 1x1 RGB images
  const png = PNG.sync.read(Buffer.from(imageGrid(images, { count: 2, height: 1, width: 1, channels: 3, columns: 2, gap: 0 })));
  assert.equal(png.width, 2);
  assert.equal(png.height, 1);
  assert.deepEqual([...png.data], [10, 20, 30, 255, 40, 50, 60, 255]);
});

test("imageGrid clips floats to the range", () => {
  const images = new Float32Array([-1, 0.5, 2, 1]);
  const png = PNG.sync.read(Buffer.from(imageGrid(images, { count: 1, height: 2, width: 2, channels: 1, columns: 1, range: [0, 1] })));
  assert.deepEqual([png.data[0], png.data[4], png.data[8], png.data[12]], [0, 128, 255, 255]);
});

test("imageGrid draws labels", () => {
  const options = {
    count: 4, height: 5, width: 5, channels: 1 as const, columns: 2, scale: 3,
    rowLabels: ["input", "output"], columnLabels: ["a", "b"],
  };
  const images = new Float32Array(4 * 25).fill(0.2);
  const png = PNG.sync.read(Buffer.from(imageGrid(images, options)));
  const layout = gridLayout(options);
  assert.ok(layout.left > 0);
  assert.ok(layout.top > 0);
  assert.equal(png.width, layout.width);
  assert.equal(png.height, layout.height);
  let labelInk = 0;
  for (let y = layout.top; y < png.height; y++)
    for (let x = 0; x < layout.left; x++) if (png.data[(y * png.width + x) * 4] < 128) labelInk++;
  assert.ok(labelInk > 20, `only ${labelInk} dark pixels in the row-label margin`);
  const origin = layout.cellOrigin(3);
  const offset = (origin.y * png.width + origin.x) * 4;
  assert.equal(png.data[offset], Math.round(0.2 * 255));
});

test("imageGrid rejects bad input", () => {
  const base = { count: 2, height: 2, width: 2, channels: 1 as const, columns: 2 };
  assert.throws(() => imageGrid(new Float32Array(7), base), /expected 2x2x2x1 = 8 values, got 7/);
  const withNaN = new Float32Array(8);
  withNaN[5] = NaN;
  assert.throws(() => imageGrid(withNaN, base), /index 5 is NaN/);
  assert.throws(() => imageGrid(new Float32Array(8), { ...base, rowLabels: ["a", "b"] }), /2 row labels for 1 rows/);
  assert.throws(() => imageGrid(new Float32Array(8), { ...base, scale: 1.5 }), /scale must be a positive integer/);
});

test("tableCells accepts rows and DataFrames", async () => {
  const rows = tableCells([{ model: "PCA", error: 0.123456 }, { model: "AE", k: 10 }]);
  assert.deepEqual(rows.columns, ["model", "error", "k"]);
  assert.deepEqual(rows.rows, [["PCA", "0.1235", ""], ["AE", "", "10"]]);

  const pl = (await import("nodejs-polars")).default;
  const frame = tableCells(pl.DataFrame({ a: [1, 2], b: ["x", "y"] }));
  assert.deepEqual(frame.columns, ["a", "b"]);
  assert.deepEqual(frame.rows, [["1", "x"], ["2", "y"]]);
});

test("table formats escape markup", () => {
  const md = toMarkdown(["name", "value"], [["a|b", "1"], ["<c>", "2.5"]]);
  assert.equal(md.split("\n")[1], "| --- | ---: |");
  assert.ok(md.includes("a\\|b"));
  const html = toHtml(["name"], [["<c>"]], "T & U");
  assert.ok(html.includes("<td>&lt;c&gt;</td>"));
  assert.ok(html.includes("<caption>T &amp; U</caption>"));
});

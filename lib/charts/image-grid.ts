/**
 * Grids of small images (dataset samples, reconstructions, filters) as one PNG, with optional
 * row and column labels. Pixels are copied exactly (nearest-neighbour upscaling), and only the
 * label text goes through the SVG rasterizer.
 */
import { PNG } from "pngjs";
import { displayBundle } from "../display/output";
import { rasterizeSvg } from "./raster";

export interface ImageGridOptions {
  /** Number of images in `images`. */
  count: number;
  height: number;
  width: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: 1 | 3;
  /** Images per row of the grid. */
  columns: number;
  /** Output pixels per image pixel (a positive integer). Default 1. */
  scale?: number;
  /** Pixels of white space between neighbouring images. Default 2. */
  gap?: number;
  /** One label per grid row, drawn left of the row. */
  rowLabels?: string[];
  /** One label per grid column, drawn above the column. */
  columnLabels?: string[];
  /** Label font size in pixels. Default 12. */
  fontSize?: number;
  /**
   * Value range of Float32Array input mapped to black..white (default [0, 1]). Values outside
   * are clipped, as image viewers do. Uint8Array input is always 0..255.
   */
  range?: [number, number];
}

/** Pixel geometry of a grid; `cellOrigin` gives the top-left pixel of an image. */
export interface GridLayout {
  width: number;
  height: number;
  rows: number;
  left: number;
  top: number;
  cellOrigin(index: number): { x: number; y: number };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`imageGrid: ${name} must be a positive integer; got ${value}.`);
  }
  return value;
}

/** Computes where each image and label goes. Exported for tests and for callers adding marks. */
export function gridLayout(options: ImageGridOptions): GridLayout {
  const { count, columns, rowLabels, columnLabels } = options;
  positiveInteger("count", count);
  positiveInteger("columns", columns);
  const scale = positiveInteger("scale", options.scale ?? 1);
  const gap = options.gap ?? 2;
  const fontSize = options.fontSize ?? 12;
  const rows = Math.ceil(count / columns);
  const usedColumns = Math.min(columns, count);
  if (rowLabels && rowLabels.length !== rows) {
    throw new Error(`imageGrid: ${rowLabels.length} row labels for ${rows} rows.`);
  }
  if (columnLabels && columnLabels.length !== usedColumns) {
    throw new Error(`imageGrid: ${columnLabels.length} column labels for ${usedColumns} columns.`);
  }

  const cellWidth = options.width * scale;
  const cellHeight = options.height * scale;
  // Estimate: DejaVu Sans glyphs average about 0.6 em wide.
  const longest = Math.max(0, ...(rowLabels ?? []).map((label) => label.length));
  const left = rowLabels ? Math.ceil(longest * fontSize * 0.6) + 8 : 0;
  const top = columnLabels ? Math.ceil(fontSize * 1.5) : 0;
  return {
    width: left + usedColumns * cellWidth + (usedColumns - 1) * gap,
    height: top + rows * cellHeight + (rows - 1) * gap,
    rows,
    left,
    top,
    cellOrigin(index: number) {
      const row = Math.floor(index / columns);
      const column = index % columns;
      return { x: left + column * (cellWidth + gap), y: top + row * (cellHeight + gap) };
    },
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Renders the white background and the labels; returns RGBA bytes of the whole grid. */
function drawBackground(layout: GridLayout, options: ImageGridOptions): Uint8Array {
  const { rowLabels, columnLabels } = options;
  if (!rowLabels && !columnLabels) return new Uint8Array(layout.width * layout.height * 4).fill(255);

  const fontSize = options.fontSize ?? 12;
  const cellWidth = options.width * (options.scale ?? 1);
  const cellHeight = options.height * (options.scale ?? 1);
  const texts: string[] = [];
  (rowLabels ?? []).forEach((label, row) => {
    const y = layout.cellOrigin(row * options.columns).y + cellHeight / 2;
    texts.push(
      `<text x="${layout.left - 4}" y="${y}" text-anchor="end" dominant-baseline="central">` +
        `${escapeXml(label)}</text>`,
    );
  });
  (columnLabels ?? []).forEach((label, column) => {
    const x = layout.cellOrigin(column).x + cellWidth / 2;
    texts.push(`<text x="${x}" y="${layout.top - 4}" text-anchor="middle">${escapeXml(label)}</text>`);
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<g font-family="sans-serif" font-size="${fontSize}" fill="black">${texts.join("")}</g></svg>`;
  const raster = rasterizeSvg(svg, 1);
  if (raster.width !== layout.width || raster.height !== layout.height) {
    throw new Error(
      `imageGrid: label layer is ${raster.width}x${raster.height}, expected ` +
        `${layout.width}x${layout.height}.`,
    );
  }
  return raster.rgba;
}

function toByte(value: number, low: number, high: number, index: number): number {
  if (Number.isNaN(value)) throw new Error(`imageGrid: pixel value at index ${index} is NaN.`);
  const scaled = Math.round(((value - low) / (high - low)) * 255);
  return Math.min(255, Math.max(0, scaled));
}

/**
 * Arranges `count` images stored image after image in row-major (height, width, channels)
 * order into a grid and returns it as PNG bytes. Throws when the buffer length does not match
 * `count * height * width * channels`, on NaN pixels and on label counts that do not match.
 */
export function imageGrid(images: Float32Array | Uint8Array, options: ImageGridOptions): Uint8Array {
  const { count, channels } = options;
  const height = positiveInteger("height", options.height);
  const width = positiveInteger("width", options.width);
  if (channels !== 1 && channels !== 3) {
    throw new Error(`imageGrid: channels must be 1 or 3; got ${channels}.`);
  }
  const imageSize = height * width * channels;
  if (images.length !== count * imageSize) {
    throw new Error(
      `imageGrid: expected ${count}x${height}x${width}x${channels} = ${count * imageSize} ` +
        `values, got ${images.length}.`,
    );
  }
  const [low, high] = images instanceof Uint8Array ? [0, 255] : (options.range ?? [0, 1]);
  if (!(high > low)) throw new Error(`imageGrid: range [${low}, ${high}] is empty.`);

  const layout = gridLayout(options);
  const scale = options.scale ?? 1;
  const rgba = drawBackground(layout, options);
  for (let n = 0; n < count; n++) {
    const origin = layout.cellOrigin(n);
    for (let y = 0; y < height * scale; y++) {
      for (let x = 0; x < width * scale; x++) {
        const source = n * imageSize + (Math.floor(y / scale) * width + Math.floor(x / scale)) * channels;
        const target = ((origin.y + y) * layout.width + origin.x + x) * 4;
        for (let c = 0; c < 3; c++) {
          const channel = channels === 1 ? 0 : c;
          rgba[target + c] = toByte(images[source + channel], low, high, source + channel);
        }
        rgba[target + 3] = 255;
      }
    }
  }

  const png = new PNG({ width: layout.width, height: layout.height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

/** Displays an image grid as PNG, with `title` (default "image grid (N images)") as text/plain. */
export function showImageGrid(
  images: Float32Array | Uint8Array,
  options: ImageGridOptions & { title?: string },
): void {
  const title = options.title ?? `image grid (${options.count} images)`;
  displayBundle({ "image/png": imageGrid(images, options), "text/plain": title });
}

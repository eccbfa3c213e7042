/**
 * Vega-Lite charts for notebooks. `showChart` sends one output with the interactive spec for
 * JupyterLab (application/vnd.vegalite.v5+json) plus SVG and PNG rendered here in Node, because
 * classic Notebook 6.4, nbconvert 6.5, GitHub and PDF export render no Vega-Lite MIME type.
 */
import { displayBundle } from "../display/output";
import { rasterizeSvg } from "./raster";

/** A Vega-Lite spec as a plain JSON object (https://vega.github.io/vega-lite/docs/spec.html). */
export type VegaLiteSpec = { $schema?: string; title?: unknown } & Record<string, unknown>;

/** The newest Vega-Lite schema that JupyterLab's built-in renderer registers (vega-lite v5). */
export const VEGA_LITE_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
export const VEGA_LITE_V5_MIME = "application/vnd.vegalite.v5+json";

interface VegaModules {
  vega: {
    parse(spec: unknown): unknown;
    View: new (runtime: unknown, options: { renderer: string }) => {
      toSVG(scale?: number): Promise<string>;
      finalize(): void;
    };
  };
  vegaLite: { compile(spec: unknown): { spec: unknown } };
}

// A real import() that TypeScript's CommonJS output keeps as is: vega 6 and vega-lite 6 are
// ES modules with top-level await, which Node 20's require() cannot load.
const importModule = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<Record<string, unknown>>;

let loading: Promise<VegaModules> | undefined;

function loadVega(): Promise<VegaModules> {
  loading ??= Promise.all([importModule("vega"), importModule("vega-lite")]).then(
    ([vega, vegaLite]) => ({ vega, vegaLite }) as unknown as VegaModules,
  );
  return loading;
}

/** Returns a copy of `spec` whose `$schema` is the Vega-Lite v5 schema. */
export function toV5Spec(spec: VegaLiteSpec): VegaLiteSpec {
  return { ...spec, $schema: VEGA_LITE_V5_SCHEMA };
}

/** Returns the chart title as text: a string title, or the `text` of a title object. */
export function chartTitle(spec: VegaLiteSpec): string | undefined {
  const title = spec.title;
  if (typeof title === "string") return title;
  if (Array.isArray(title)) return title.join(" ");
  if (title !== null && typeof title === "object" && "text" in title) {
    const text = (title as { text: unknown }).text;
    return Array.isArray(text) ? text.join(" ") : String(text);
  }
  return undefined;
}

/** Compiles a Vega-Lite spec and renders it headlessly to an SVG document. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite spec to PNG bytes at `scale` pixels per SVG pixel. */
export async function renderPng(spec: VegaLiteSpec, scale = 2): Promise<Uint8Array> {
  return rasterizeSvg(await renderSvg(spec), scale).png;
}

export interface ShowChartOptions {
  /** PNG pixels per SVG pixel. Default 2. */
  scale?: number;
  /** Include the PNG (default true). Without it the output is smaller, but PDF export needs it. */
  png?: boolean;
  /**
   * Include the SVG (default true). Scatter plots of thousands of points make SVGs of several
   * MB; without it static viewers show the PNG.
   */
  svg?: boolean;
}

/**
 * Displays a chart as one output: the v5 Vega-Lite spec, SVG and PNG (each optional) and the title
 * as text/plain.
 * Outside the kernel only the title is printed.
 */
export async function showChart(spec: VegaLiteSpec, options: ShowChartOptions = {}): Promise<void> {
  const svg = await renderSvg(spec);
  const bundle: Record<string, string | Uint8Array | object> = {
    [VEGA_LITE_V5_MIME]: toV5Spec(spec),
    "text/plain": chartTitle(spec) ?? "Vega-Lite chart",
  };
  if (options.svg ?? true) bundle["image/svg+xml"] = svg;
  if (options.png ?? true) bundle["image/png"] = rasterizeSvg(svg, options.scale ?? 2).png;
  displayBundle(bundle);
}

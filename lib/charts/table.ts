/**
 * Tables in notebook outputs, from a nodejs-polars DataFrame or an array of row objects. The
 * output carries HTML for Jupyter front ends and Markdown (also sent as text/plain) for static
 * viewers and the console.
 */
import type { DataFrame } from "nodejs-polars";
import { displayBundle } from "../display/output";
import { formatValue } from "../display/progress";

export type Row = Record<string, unknown>;

export interface TableOptions {
  /** Caption shown above the table. */
  title?: string;
  /** Rows shown at most; the rest is summarized in one line. Default 50. */
  maxRows?: number;
}

function isDataFrame(value: unknown): value is DataFrame {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as DataFrame).toRecords === "function" &&
    Array.isArray((value as DataFrame).columns)
  );
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return formatValue(value);
  if (typeof value === "bigint") return value.toString();
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Column names and cell texts of a table: a DataFrame's columns, or the union of row keys in order. */
export function tableCells(table: DataFrame | Row[]): { columns: string[]; rows: string[][] } {
  const records = isDataFrame(table) ? (table.toRecords() as Row[]) : table;
  if (!Array.isArray(records)) {
    throw new Error("showTable expects a nodejs-polars DataFrame or an array of row objects.");
  }
  const columns = isDataFrame(table) ? [...table.columns] : [];
  if (!isDataFrame(table)) {
    for (const record of records) {
      for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key);
    }
  }
  return { columns, rows: records.map((record) => columns.map((c) => cellText(record[c]))) };
}

/** Formats a table as GitHub-flavoured Markdown (pipes in cells escaped). */
export function toMarkdown(columns: string[], rows: string[][]): string {
  const escape = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === "" || !Number.isNaN(Number(r[i]))));
  const line = (cells: string[]) => `| ${cells.map(escape).join(" | ")} |`;
  const rule = `|${numeric.map((isNumber) => (isNumber ? " ---: " : " --- ")).join("|")}|`;
  return [line(columns), rule, ...rows.map(line)].join("\n");
}

/** Formats a table as an HTML `<table>` with an optional caption. */
export function toHtml(columns: string[], rows: string[][], caption?: string): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`);
  const captionHtml = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return `<table>${captionHtml}<thead><tr>${head}</tr></thead><tbody>${body.join("")}</tbody></table>`;
}

/**
 * Displays a table (text/html, text/markdown, and the Markdown again as text/plain). Numbers
 * are shown with 4 significant digits, integers in full.
 */
export function showTable(table: DataFrame | Row[], options: TableOptions = {}): void {
  const { columns, rows } = tableCells(table);
  const maxRows = options.maxRows ?? 50;
  const shown = rows.slice(0, maxRows);
  const more = rows.length > maxRows ? `(${rows.length - maxRows} more rows not shown)` : "";
  const title = options.title ? `**${options.title}**\n\n` : "";
  const md = `${title}${toMarkdown(columns, shown)}${more ? `\n\n${more}` : ""}`;
  const htmlMore = more ? `<p>${escapeHtml(more)}</p>` : "";
  displayBundle({
    "text/html": toHtml(columns, shown, options.title) + htmlMore,
    "text/markdown": md,
    "text/plain": md,
  });
}

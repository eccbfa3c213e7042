/**
 * Live progress for long loops such as training. In a notebook the cell shows one line that is
 * updated in place. Each update is also written as a plain line to file descriptor 2 of the
 * kernel process, which tslab does not capture. So it appears in the terminal of the process
 * that started the kernel: the headless runner's log, or the Jupyter server's console.
 * Outside the kernel the lines go to stderr.
 */
import * as fs from "fs";
import { createDisplay, DisplayHandle, inKernel, sendWhenReady } from "./output";

export type ProgressFields = Record<string, string | number>;

export interface ProgressOptions {
  /** Minimum milliseconds between two log lines; the latest update is always written. Default 2000. */
  logIntervalMs?: number;
  /** Minimum milliseconds between two in-place display updates. Default 250. */
  displayIntervalMs?: number;
  /** Receives each log line (default: a synchronous write to file descriptor 2). */
  writeLine?: (line: string) => void;
  /** Clock in milliseconds, replaceable in tests. Default Date.now. */
  now?: () => number;
}

export interface Progress {
  /**
   * Replaces the shown fields. `fraction` (0 to 1) of the work done adds an estimate of the
   * time left, extrapolated linearly from the elapsed time.
   */
  update(fields: ProgressFields, fraction?: number): void;
  /**
   * Prints one line below the progress display: to the cell's stdout in the kernel (the headless
   * runner echoes it), else through `writeLine`.
   */
  log(line: string): void;
  /** Shows and logs the final state at once, with an optional summary. */
  done(summary?: string): void;
}

/** Formats seconds as `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Formats a field value: integers as they are, other numbers with 4 significant digits. */
export function formatValue(value: string | number): string {
  if (typeof value === "string") return value;
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)
    ? value.toExponential(3)
    : String(Number(value.toPrecision(4)));
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function writeToFd2(line: string): void {
  fs.writeSync(2, line + "\n");
}

/**
 * Starts a progress display titled `title`. Call `update` as often as convenient: display and
 * log updates are rate-limited, and a pending one is written after the interval or by `done`.
 */
export function createProgress(title: string, options: ProgressOptions = {}): Progress {
  const now = options.now ?? Date.now;
  const logInterval = options.logIntervalMs ?? 2000;
  const displayInterval = options.displayIntervalMs ?? 250;
  const writeLine = options.writeLine ?? writeToFd2;
  const display: DisplayHandle | undefined = inKernel() ? createDisplay() : undefined;

  const started = now();
  let fields: ProgressFields = {};
  let lastLogAt = -Infinity;
  let lastDisplayAt = -Infinity;
  let pendingLog = false;
  let pendingDisplay = false;
  let timer: NodeJS.Timeout | undefined;

  function allFields(): ProgressFields {
    return { ...fields, elapsed: formatDuration((now() - started) / 1000) };
  }

  function line(extra?: string): string {
    const parts = Object.entries(allFields()).map(([k, v]) => `${k} ${formatValue(v)}`);
    return `${title}: ${parts.join(" | ")}${extra ? ` | ${extra}` : ""}`;
  }

  function showDisplay(extra?: string): void {
    lastDisplayAt = now();
    pendingDisplay = false;
    if (display === undefined) return;
    const entries = Object.entries(allFields());
    const head = entries.map(([k]) => `<th>${escapeHtml(k)}</th>`).join("");
    const row = entries.map(([, v]) => `<td>${escapeHtml(formatValue(v))}</td>`).join("");
    const caption = `<b>${escapeHtml(title)}</b>${extra ? ` ${escapeHtml(extra)}` : ""}`;
    display.update({
      "text/html": `<div>${caption}<table><tr>${head}</tr><tr>${row}</tr></table></div>`,
      "text/plain": line(extra),
    });
  }

  function writeLog(extra?: string): void {
    lastLogAt = now();
    pendingLog = false;
    writeLine(line(extra));
  }

  function flushLater(): void {
    if (timer !== undefined) return;
    const wait = Math.max(0, Math.min(lastLogAt + logInterval, lastDisplayAt + displayInterval) - now());
    timer = setTimeout(() => {
      timer = undefined;
      if (pendingDisplay) showDisplay();
      if (pendingLog && now() - lastLogAt >= logInterval) writeLog();
      if (pendingDisplay || pendingLog) flushLater();
    }, wait);
    timer.unref(); // A pending line never keeps the process alive.
  }

  return {
    update(next: ProgressFields, fraction?: number): void {
      fields = { ...next };
      if (fraction !== undefined) {
        if (!(fraction >= 0 && fraction <= 1)) {
          throw new Error(`Progress fraction must be in [0, 1]; got ${fraction}.`);
        }
        const elapsed = (now() - started) / 1000;
        fields.left = fraction > 0 ? formatDuration((elapsed * (1 - fraction)) / fraction) : "?";
      }
      const t = now();
      pendingDisplay = true;
      pendingLog = true;
      if (t - lastDisplayAt >= displayInterval) showDisplay();
      if (t - lastLogAt >= logInterval) writeLog();
      if (pendingDisplay || pendingLog) flushLater();
    },

    log(text: string): void {
      if (display !== undefined) {
        // tslab sends stdout to the cell, where the headless runner also echoes it.
        sendWhenReady(() => process.stdout.write(text + "\n"));
      } else {
        writeLine(text);
      }
    },

    done(summary?: string): void {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const extra = summary ? `done, ${summary}` : "done";
      showDisplay(extra);
      writeLog(extra);
    },
  };
}

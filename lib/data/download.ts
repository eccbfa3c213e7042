import * as http from "http";
import * as https from "https";
import { DownloadProgress } from "./types";

const MAX_REDIRECTS = 5;

/** An HTTP response body ready to be read, after redirects. */
export interface OpenedDownload {
  body: http.IncomingMessage;
  /** Final URL after redirects. */
  url: string;
  /** Content-Length, when the server sent one. */
  totalBytes?: number;
}

/**
 * Sends a GET request and resolves once a 200 response arrives, following up to five redirects.
 * The connection fails after `timeoutMs` milliseconds without any data.
 *
 * Throws on a non-200 status, an unsupported protocol, too many redirects or a network error,
 * with the URL in the message.
 */
export function openDownload(url: string, timeoutMs: number, redirects = 0): Promise<OpenedDownload> {
  return new Promise((resolve, reject) => {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      reject(new Error(`Unsupported protocol in download URL ${url}; use http or https.`));
      return;
    }
    const client = parsed.protocol === "https:" ? https : http;

    const request = client.get(parsed, { headers: { "user-agent": "hw5-data-loader" } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== undefined) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) {
          reject(new Error(`Too many redirects (more than ${MAX_REDIRECTS}) from ${url}.`));
          return;
        }
        openDownload(new URL(location, parsed).toString(), timeoutMs, redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        response.resume();
        reject(new Error(`HTTP ${status} ${response.statusMessage ?? ""} from ${url}.`.replace(" .", ".")));
        return;
      }
      const length = Number(response.headers["content-length"]);
      resolve({ body: response, url, totalBytes: Number.isFinite(length) && length > 0 ? length : undefined });
    });
    request.setTimeout(timeoutMs, () => {
      request.destroy(new Error(`Download from ${url} timed out after ${timeoutMs} ms without data.`));
    });
    request.on("error", (error) => reject(new Error(`Download from ${url} failed: ${error.message}`)));
  });
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/**
 * Returns a progress callback that prints to stderr: in place on a terminal (at most about
 * twice a second), otherwise one line per 10% (or per 10 MiB without a Content-Length).
 */
export function stderrProgress(): (progress: DownloadProgress) => void {
  const isTerminal = process.stderr.isTTY === true;
  let lastTime = 0;
  let lastStep = -1;
  return (progress) => {
    const total = progress.totalBytes;
    const percent = total !== undefined ? (100 * progress.bytes) / total : undefined;
    const text =
      `Downloading ${progress.url}: ${formatMiB(progress.bytes)}` +
      (total !== undefined ? ` of ${formatMiB(total)} (${percent!.toFixed(1)}%)` : "") +
      (progress.done ? " done" : "");
    if (isTerminal) {
      const now = Date.now();
      if (!progress.done && now - lastTime < 500) return;
      lastTime = now;
      process.stderr.write(`\r${text}${progress.done ? "\n" : ""}`);
      return;
    }
    const step = percent !== undefined ? Math.floor(percent / 10) : Math.floor(progress.bytes / (10 << 20));
    // The final "done" line stands for 100%, so the step that reaches it prints nothing.
    if (!progress.done && (step === lastStep || progress.bytes === total)) return;
    lastStep = step;
    process.stderr.write(`${text}\n`);
  };
}

/**
 * Rich output for notebook cells. Inside the tslab kernel each call sends one Jupyter
 * `display_data` message carrying a whole MIME bundle, so a front end picks the richest type it
 * can render (an interactive chart in JupyterLab, SVG or PNG in static viewers). Outside the
 * kernel (tests, scripts under tsx) the text/plain part is printed to stdout instead.
 */
import { randomBytes } from "crypto";

/** One output in several MIME types. Binary values are sent base64-encoded. */
export type MimeBundle = Record<string, string | Uint8Array | object>;

interface DisplayDataContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

type WriteDisplayData = (content: DisplayDataContent, update: boolean) => void;

/**
 * Returns the kernel's display writer, or undefined outside the kernel. tslab 1.0.22 keeps it
 * in `lastWriteDisplayData` of its `dist/jupyter` module and replaces it at each execute
 * request. Reading the module from `require.cache` (rather than requiring it) keeps tests from
 * loading tslab and its ZeroMQ binding.
 */
function kernelWriter(): WriteDisplayData | undefined {
  let resolved: string;
  try {
    resolved = require.resolve("tslab/dist/jupyter");
  } catch {
    return undefined;
  }
  const write = require.cache[resolved]?.exports?.lastWriteDisplayData;
  return typeof write === "function" ? (write as WriteDisplayData) : undefined;
}

/** Tells whether this process is a tslab kernel that has started executing cells. */
export function inKernel(): boolean {
  return kernelWriter() !== undefined;
}

function encodeBundle(bundle: MimeBundle): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(bundle)) {
    data[mime] = value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value;
  }
  return data;
}

/** Text printed for a bundle outside the kernel: its text/plain part, else its MIME types. */
export function plainText(bundle: MimeBundle): string {
  const plain = bundle["text/plain"] ?? bundle["text/markdown"];
  if (typeof plain === "string") return plain;
  return `[${Object.keys(bundle).join(", ")}]`;
}

/**
 * Tells whether `error` is ZeroMQ's EBUSY. tslab 1.0.22 sends each message without waiting for the
 * previous one, and zeromq.js 6 throws this when a send is still pending, which happens while a
 * long computation keeps the event loop busy.
 */
export function isSocketBusy(error: unknown): boolean {
  return error instanceof Error && /busy writing/i.test(error.message);
}

/** Delay between attempts to resend a message the busy socket rejected, and the attempt limit. */
const RETRY_DELAY_MS = 5;
const MAX_ATTEMPTS = 2000;

/** Sends waiting for the busy socket, by key; a newer send with the same key replaces the older. */
const pendingSends = new Map<string, () => void>();

/**
 * Calls `attempt` until the kernel's socket accepts it, retrying later (never blocking) while
 * the socket is busy. Calls for the same `key` replace one another, so a burst of progress
 * updates sends only the newest. Any other error, or a socket still busy after 2,000 attempts
 * 5 ms apart (at least 10 s), is rethrown from the retry timer.
 */
export function sendWhenReady(attempt: () => void, key?: string): void {
  if (key !== undefined && pendingSends.has(key)) {
    pendingSends.set(key, attempt);
    return;
  }
  try {
    attempt();
    return;
  } catch (error) {
    if (!isSocketBusy(error)) throw error;
  }
  const retryKey = key ?? `once-${randomBytes(8).toString("hex")}`;
  pendingSends.set(retryKey, attempt);
  let attempts = 1;
  const retry = (): void => {
    const latest = pendingSends.get(retryKey);
    if (latest === undefined) return;
    try {
      latest();
      pendingSends.delete(retryKey);
    } catch (error) {
      attempts++;
      if (!isSocketBusy(error) || attempts >= MAX_ATTEMPTS) {
        pendingSends.delete(retryKey);
        throw error;
      }
      setTimeout(retry, RETRY_DELAY_MS);
    }
  };
  setTimeout(retry, RETRY_DELAY_MS);
}

function send(bundle: MimeBundle, displayId: string | undefined, update: boolean): void {
  if (Object.keys(bundle).length === 0) {
    throw new Error("A display bundle needs at least one MIME type; got an empty object.");
  }
  const write = kernelWriter();
  if (write === undefined) {
    process.stdout.write(plainText(bundle).replace(/\n?$/, "\n"));
    return;
  }
  const transient = displayId === undefined ? {} : { display_id: displayId };
  const content = { data: encodeBundle(bundle), metadata: {}, transient };
  // Waiting updates of one display replace each other. The first output is never replaced,
  // because Jupyter drops updates of a display that was never shown.
  sendWhenReady(() => write(content, update), update && displayId !== undefined ? displayId : undefined);
}

/**
 * Displays one output with several MIME types, for example
 * `{"image/svg+xml": svg, "image/png": pngBytes, "text/plain": "Loss curve"}`.
 * Include text/plain: static viewers and the console fallback show it.
 */
export function displayBundle(bundle: MimeBundle): void {
  send(bundle, undefined, false);
}

/** Displays Markdown (rendered by every Jupyter front end), with the source as text/plain. */
export function markdown(source: string): void {
  displayBundle({ "text/markdown": source, "text/plain": source });
}

/** Displays HTML, with `plain` (default: the HTML with tags removed) as text/plain. */
export function html(markup: string, plain?: string): void {
  displayBundle({ "text/html": markup, "text/plain": plain ?? markup.replace(/<[^>]*>/g, "") });
}

/**
 * An output that later calls replace in place (Jupyter's display_id mechanism), for progress
 * lines and figures that refresh during training. The first `update` creates the output.
 */
export class DisplayHandle {
  /** The Jupyter display_id shared by the first output and its updates. */
  readonly id: string = randomBytes(8).toString("hex");
  private displayed = false;

  /** Shows `bundle` in place of this handle's previous output (or as its first output). */
  update(bundle: MimeBundle): void {
    send(bundle, this.id, this.displayed);
    this.displayed = true;
  }
}

/** Creates a handle for an output that is updated in place. */
export function createDisplay(): DisplayHandle {
  return new DisplayHandle();
}

/**
 * The first call of every notebook: selects the TF.js backend and prints a header with the
 * run's profile, backend, thread count, library and runtime versions, so an executed notebook
 * records how it was produced.
 */
import * as os from "os";

import { BackendInfo, describeBackend, initBackend } from "../backend/index";
import { libraryVersion } from "../paths";
import { ProfileName, profileName } from "../profile";

export interface NotebookSession {
  title: string;
  profile: ProfileName;
  backend: BackendInfo;
  /** Wall-clock start, for `elapsed()`. */
  startedAt: number;
  /** Seconds since the session started. */
  elapsed(): number;
}

/** Starts a notebook: reads HW5_PROFILE, initializes the backend and prints the run header. */
export async function startNotebook(title: string): Promise<NotebookSession> {
  const profile = profileName();
  const backend = await initBackend();
  const startedAt = Date.now();
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  console.log(
    [
      `${title}`,
      `profile ${profile} (set HW5_PROFILE=smoke|cpu|full)`,
      `${describeBackend(backend)}, ${backend.threads} thread${backend.threads === 1 ? "" : "s"}`,
      `hw5 library ${libraryVersion()}, node ${process.version}, ${os.cpus().length} x ${cpu}`,
      `started ${new Date(startedAt).toISOString()}`,
    ].join("\n"),
  );
  return {
    title,
    profile,
    backend,
    startedAt,
    elapsed: () => (Date.now() - startedAt) / 1000,
  };
}

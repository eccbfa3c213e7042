/*
 * Fetches or verifies MNIST, Fashion-MNIST and CIFAR-100 and parses every split.
 *
 *   npm run data                      all three datasets
 *   npm run data -- mnist cifar-100   only these (ids: mnist, fashion-mnist, cifar-100)
 *   npm run data -- --offline         cache and mirror folders only, no downloads
 *
 * Prints one line per file (dataset, file, bytes, SHA-256 prefix, check, seconds, source) and
 * one per split. Exits with status 1 and the loader's message when anything fails.
 */
import {
  CIFAR100,
  Cifar100Spec,
  DataOptions,
  FASHION_MNIST,
  FileStatus,
  IdxDatasetSpec,
  MNIST,
  SPLITS,
  cacheFolder,
  loadCifar100,
  loadIdxDataset,
  mirrorsFromEnv,
  prepareDataset,
} from "../lib/data";

const DATASETS: Array<IdxDatasetSpec | Cifar100Spec> = [MNIST, FASHION_MNIST, CIFAR100];

function formatStatus(status: FileStatus): string {
  const source = status.origin === "cache" ? "cache" : `${status.origin} ${status.location}`;
  const archiveNotes = { official: ", official archive", differs: ", re-compressed archive", unknown: "" };
  const archive = status.archive !== undefined ? archiveNotes[status.archive] : "";
  return [
    status.dataset.padEnd(14),
    status.file.padEnd(24),
    `${String(status.bytes).padStart(10)} B`,
    `sha256 ${status.sha256.slice(0, 12)}`,
    `${status.verification.padEnd(6)}`,
    `${status.seconds.toFixed(2).padStart(6)} s`,
    `${source}${archive}`,
  ].join("  ");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log("Usage: npm run data -- [--offline] [mnist] [fashion-mnist] [cifar-100]");
    console.log("Fetches or verifies the datasets into the cache (HW5_DATA_DIR, default data/), searching");
    console.log("the folders of HW5_DATA_MIRRORS first. --offline uses only the cache and the mirrors.");
    return;
  }
  const unknownOptions = args.filter((arg) => arg.startsWith("-") && arg !== "--offline");
  if (unknownOptions.length > 0) {
    throw new Error(`Unknown option ${unknownOptions.join(", ")}. Options: --offline, --help.`);
  }
  const offline = args.includes("--offline");
  const requested = args.filter((arg) => !arg.startsWith("--"));
  const unknown = requested.filter((id) => !DATASETS.some((spec) => spec.id === id));
  if (unknown.length > 0) {
    throw new Error(`Unknown dataset ${unknown.join(", ")}. Use: ${DATASETS.map((spec) => spec.id).join(", ")}.`);
  }
  const selected = DATASETS.filter((spec) => requested.length === 0 || requested.includes(spec.id));
  const options: DataOptions = offline ? { baseUrls: [] } : {};

  const mirrors = mirrorsFromEnv();
  console.log(`mirrors: ${mirrors.length > 0 ? mirrors.join(", ") : "none (HW5_DATA_MIRRORS is not set)"}`);
  for (const spec of selected) {
    console.log(`${spec.title}: cache ${cacheFolder(spec, options)}`);
    for (const status of await prepareDataset(spec, options)) console.log(formatStatus(status));

    for (const split of SPLITS) {
      const started = performance.now();
      const data = "classNames" in spec ? await loadIdxDataset(spec, split, options) : await loadCifar100(split, { ...options, spec });
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `${spec.id.padEnd(14)}  ${split.padEnd(24)}  ${data.count} images of ${data.height}x${data.width}x${data.channels}, ` +
          `${data.classNames.length} classes, parsed in ${seconds.toFixed(2)} s`,
      );
    }
  }
}

main().catch((error: Error) => {
  console.error(`npm run data failed: ${error.message}`);
  process.exit(1);
});

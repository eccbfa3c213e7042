/**
 * Saving and loading the weights of several layers models (and loose variables) as one
 * checked folder: `weights.json` (format, a manifest of named tensors, the SHA-256 of the
 * weight file) and `weights.bin`. Weights are named by their owner and position, such as
 * `generator/003`, because tf.layers gives layers process-wide unique names that differ
 * between two instances of the same network. Loading checks every name, shape and the
 * checksum before it assigns anything.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

const FORMAT = "hw5-layers-weights-v1";
const MANIFEST_FILE = "weights.json";
const WEIGHTS_FILE = "weights.bin";

/** Owners of the saved weights: named layers models (all their weights, trainable or not) and loose variables. */
export interface WeightOwners {
  models: Record<string, tf.LayersModel>;
  variables?: Record<string, tf.Variable>;
}

interface WeightsManifest {
  format: string;
  weights: (tf.io.WeightsManifestEntry & { layerName?: string })[];
  sha256: string;
}

interface NamedWeight {
  name: string;
  /** The layer weight's own name, kept in the manifest for readers. */
  layerName?: string;
  variable: tf.Variable;
}

function namedWeights(owners: WeightOwners): NamedWeight[] {
  const weights: NamedWeight[] = [];
  for (const [owner, model] of Object.entries(owners.models)) {
    model.weights.forEach((weight, i) => {
      weights.push({ name: `${owner}/${String(i).padStart(3, "0")}`, layerName: weight.originalName, variable: weight.read() as tf.Variable });
    });
  }
  for (const [name, variable] of Object.entries(owners.variables ?? {})) weights.push({ name, variable });
  return weights;
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** Writes the weights of `owners` into `dir` (created if missing). */
export async function saveWeights(dir: string, owners: WeightOwners): Promise<void> {
  const weights = namedWeights(owners);
  const { data, specs } = await tf.io.encodeWeights(weights.map(({ name, variable }) => ({ name, tensor: variable })));
  const bytes = Buffer.from(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data);
  const manifest: WeightsManifest = {
    format: FORMAT,
    weights: specs.map((spec, i) => ({ ...spec, layerName: weights[i].layerName })),
    sha256: sha256(bytes),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, WEIGHTS_FILE), bytes);
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1));
}

/**
 * Replaces the weights of `owners` with those saved in `dir`. Throws, before changing any
 * weight, when the manifest is missing or of another format, a weight is missing, unexpected
 * or of another shape, or the weight file's size or SHA-256 differs from the manifest.
 */
export function loadWeights(dir: string, owners: WeightOwners): void {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(manifestFile)) throw new Error(`Weight manifest not found: ${manifestFile}.`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as WeightsManifest;
  if (manifest.format !== FORMAT || !Array.isArray(manifest.weights)) {
    throw new Error(`${manifestFile} has format "${manifest.format}", expected "${FORMAT}".`);
  }

  const expected = namedWeights(owners);
  const specByName = new Map(manifest.weights.map((spec) => [spec.name, spec]));
  for (const { name, variable } of expected) {
    const spec = specByName.get(name);
    if (!spec) throw new Error(`Weight "${name}" is missing from ${manifestFile}.`);
    if (spec.dtype !== variable.dtype || spec.shape.join(",") !== variable.shape.join(",")) {
      throw new Error(
        `Weight "${name}" in ${manifestFile} has shape [${spec.shape.join(", ")}] and dtype ${spec.dtype}, ` +
          `expected [${variable.shape.join(", ")}] and ${variable.dtype}.`,
      );
    }
  }
  const expectedNames = new Set(expected.map(({ name }) => name));
  const unexpected = manifest.weights.find((spec) => !expectedNames.has(spec.name));
  if (unexpected) throw new Error(`${manifestFile} contains an unexpected weight "${unexpected.name}": it was saved from another architecture. Delete the folder to retrain.`);

  const weightsFile = path.join(dir, WEIGHTS_FILE);
  if (!fs.existsSync(weightsFile)) throw new Error(`Weight file not found: ${weightsFile}.`);
  const bytes = fs.readFileSync(weightsFile);
  const expectedBytes = manifest.weights.reduce((sum, spec) => sum + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== expectedBytes) {
    throw new Error(`${weightsFile} has ${bytes.byteLength} bytes, expected ${expectedBytes} from the manifest.`);
  }
  const actual = sha256(bytes);
  if (actual !== manifest.sha256) {
    throw new Error(`${weightsFile} has SHA-256 ${actual}, but ${manifestFile} records ${manifest.sha256}: the file changed after it was saved.`);
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const tensors = tf.io.decodeWeights(buffer, manifest.weights);
  for (const { name, variable } of expected) variable.assign(tensors[name]);
  tf.dispose(tensors);
}

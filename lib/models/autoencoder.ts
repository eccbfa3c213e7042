/**
 * Fully connected autoencoder of Hinton & Salakhutdinov, "Reducing the Dimensionality of Data
 * with Neural Networks", Science 313 (2006): an encoder 784-1000-500-250-30 with logistic
 * hidden units and a linear code layer, and a mirrored decoder 30-250-500-1000-784 whose
 * logistic outputs are pixel intensities in [0, 1].
 *
 * The weights are plain tf.Variables named `encoder/dense_1/kernel` and so on, so that training
 * can call `optimizer.minimize` directly (faster than `LayersModel.fit` in TF.js 4.22) and the
 * saved manifest lists every tensor by a stable name.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../random";

/** Version of this file's weight layout and forward pass. Part of every weight-cache key. */
export const AUTOENCODER_CODE_VERSION = 1;

export type Activation = "sigmoid" | "relu" | "elu" | "leakyRelu" | "tanh" | "linear";

/**
 * Weight initialisation of the dense kernels (biases start at zero, batch-norm scales at one).
 * `glorotUniform`: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)). `heNormal`: N(0, 2 / fanIn).
 * `lecunNormal`: N(0, 1 / fanIn). The normal ones are not truncated.
 */
export type Initializer = "glorotUniform" | "heNormal" | "lecunNormal";

export interface AutoencoderConfig {
  /** Encoder widths from input to code, for example [784, 1000, 500, 250, 30]. The decoder mirrors them. */
  layerSizes: number[];
  /** Activation of every hidden layer of the encoder and the decoder. */
  hiddenActivation: Activation;
  /** Activation of the code layer. Default "linear", as in Hinton & Salakhutdinov (2006). */
  codeActivation?: Activation;
  /** Activation of the reconstruction. Default "sigmoid" (pixels in [0, 1]). */
  outputActivation?: "sigmoid" | "linear";
  init: Initializer;
  /** Batch normalisation before the activation of every hidden layer (not the code or output layer). */
  batchNorm?: boolean;
  /** Seed of the weight initialisation. */
  seed: number;
}

/** One dense layer: `activation(batchNorm(x W + b))`. With batch norm there is no bias (beta replaces it). */
interface DenseLayer {
  name: string;
  kernel: tf.Variable; // [in, out]
  bias?: tf.Variable; // [out]
  batchNorm?: BatchNormVariables;
  activation: Activation;
}

interface BatchNormVariables {
  gamma: tf.Variable; // [out]
  beta: tf.Variable; // [out]
  movingMean: tf.Variable; // [out], not trained
  movingVariance: tf.Variable; // [out], not trained
}

/** Batch-norm constants, as in PyTorch's BatchNorm1d (its momentum 0.1 is a decay of 0.9 here). */
const BATCH_NORM_EPSILON = 1e-5;
const BATCH_NORM_DECAY = 0.9;

export interface ForwardOptions {
  /**
   * Training mode: batch norm normalises with the batch statistics and updates its moving
   * averages. Default false (moving averages are used, nothing is updated).
   */
  training?: boolean;
}

export interface Autoencoder {
  readonly config: Required<AutoencoderConfig>;
  /** Every variable, trained or not, keyed by its saved name, in data-flow order. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** The variables the optimiser updates (kernels, biases, batch-norm gamma and beta). */
  readonly trainableVariables: tf.Variable[];
  /** Number of trained parameters. */
  readonly parameterCount: number;
  /** Codes of a batch: [batch, inputSize] to [batch, codeSize]. */
  encode(x: tf.Tensor2D, options?: ForwardOptions): tf.Tensor2D;
  /** Output pre-activations (logits for a sigmoid output): [batch, codeSize] to [batch, inputSize]. */
  decodeLogits(code: tf.Tensor2D, options?: ForwardOptions): tf.Tensor2D;
  /** Reconstruction from codes, after the output activation. */
  decode(code: tf.Tensor2D): tf.Tensor2D;
  /** decode(encode(x)): [batch, inputSize] to [batch, inputSize]. */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D;
  /** Writes `model.json` (config and weight manifest) and `weights.bin` into `dir`, creating it. */
  save(dir: string): Promise<void>;
  /**
   * Replaces every variable with the tensors saved in `dir`. Throws naming the first expected
   * tensor that is missing or has another shape, before any variable changes.
   */
  load(dir: string): void;
  /** Frees every variable. */
  dispose(): void;
}

const MANIFEST_FILE = "model.json";
const WEIGHTS_FILE = "weights.bin";
const MANIFEST_FORMAT = "hw5-autoencoder";

function withDefaults(config: AutoencoderConfig): Required<AutoencoderConfig> {
  const sizes = config.layerSizes;
  if (sizes.length < 2 || sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error(
      `Invalid layerSizes [${sizes.join(", ")}]: expected at least two positive integers, input size first.`,
    );
  }
  return {
    layerSizes: [...sizes],
    hiddenActivation: config.hiddenActivation,
    codeActivation: config.codeActivation ?? "linear",
    outputActivation: config.outputActivation ?? "sigmoid",
    init: config.init,
    batchNorm: config.batchNorm ?? false,
    seed: config.seed,
  };
}

function initialKernel(fanIn: number, fanOut: number, init: Initializer, random: Random): Float32Array {
  const values = new Float32Array(fanIn * fanOut);
  if (init === "glorotUniform") {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < values.length; i++) values[i] = (2 * random.uniform() - 1) * limit;
  } else {
    const std = Math.sqrt((init === "heNormal" ? 2 : 1) / fanIn);
    for (let i = 0; i < values.length; i++) values[i] = random.normal() * std;
  }
  return values;
}

function applyActivation(x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case "sigmoid":
      return tf.sigmoid(x);
    case "relu":
      return tf.relu(x);
    case "elu":
      return tf.elu(x);
    case "leakyRelu":
      return tf.leakyRelu(x, 0.1);
    case "tanh":
      return tf.tanh(x);
    case "linear":
      return x;
  }
}

function applyBatchNorm(x: tf.Tensor2D, bn: BatchNormVariables, training: boolean): tf.Tensor2D {
  if (!training) {
    return tf.batchNorm(x, bn.movingMean, bn.movingVariance, bn.beta, bn.gamma, BATCH_NORM_EPSILON) as tf.Tensor2D;
  }
  const { mean, variance } = tf.moments(x, 0); // [out] each
  // The moving variance uses the unbiased batch variance, as PyTorch does.
  const batchSize = x.shape[0];
  const unbiased = batchSize > 1 ? tf.mul(variance, batchSize / (batchSize - 1)) : variance;
  bn.movingMean.assign(tf.add(tf.mul(bn.movingMean, BATCH_NORM_DECAY), tf.mul(mean, 1 - BATCH_NORM_DECAY)));
  bn.movingVariance.assign(
    tf.add(tf.mul(bn.movingVariance, BATCH_NORM_DECAY), tf.mul(unbiased, 1 - BATCH_NORM_DECAY)),
  );
  return tf.batchNorm(x, mean, variance, bn.beta, bn.gamma, BATCH_NORM_EPSILON) as tf.Tensor2D;
}

function runLayers(x: tf.Tensor2D, layers: DenseLayer[], training: boolean): tf.Tensor2D {
  let h = x;
  for (const layer of layers) {
    let z: tf.Tensor2D = tf.matMul(h, layer.kernel as tf.Tensor2D); // [batch, out]
    if (layer.bias) z = tf.add(z, layer.bias);
    if (layer.batchNorm) z = applyBatchNorm(z, layer.batchNorm, training);
    h = applyActivation(z, layer.activation);
  }
  return h;
}

/**
 * Creates an autoencoder with freshly initialised weights. The same config (seed included)
 * gives the same weights on every backend, because they are drawn in JavaScript with
 * lib/random.ts and uploaded.
 */
export function createAutoencoder(config: AutoencoderConfig): Autoencoder {
  const full = withDefaults(config);
  const random = new Random(full.seed);
  const sizes = full.layerSizes;
  const depth = sizes.length - 1;
  const variables = new Map<string, tf.Variable>();

  const makeVariable = (name: string, values: Float32Array, shape: number[], trainable: boolean) => {
    const variable = tf.variable(tf.tensor(values, shape, "float32"), trainable, `${name}_${tf.util.now()}_${variables.size}`);
    variables.set(name, variable);
    return variable;
  };

  const makeLayer = (
    part: "encoder" | "decoder",
    index: number,
    fanIn: number,
    fanOut: number,
    activation: Activation,
    hidden: boolean,
  ): DenseLayer => {
    const name = `${part}/dense_${index}`;
    const kernel = makeVariable(`${name}/kernel`, initialKernel(fanIn, fanOut, full.init, random), [fanIn, fanOut], true);
    const useBatchNorm = full.batchNorm && hidden;
    const layer: DenseLayer = { name, kernel, activation };
    if (!useBatchNorm) {
      layer.bias = makeVariable(`${name}/bias`, new Float32Array(fanOut), [fanOut], true);
      return layer;
    }
    const bnName = `${part}/batch_norm_${index}`;
    layer.batchNorm = {
      gamma: makeVariable(`${bnName}/gamma`, new Float32Array(fanOut).fill(1), [fanOut], true),
      beta: makeVariable(`${bnName}/beta`, new Float32Array(fanOut), [fanOut], true),
      movingMean: makeVariable(`${bnName}/moving_mean`, new Float32Array(fanOut), [fanOut], false),
      movingVariance: makeVariable(`${bnName}/moving_variance`, new Float32Array(fanOut).fill(1), [fanOut], false),
    };
    return layer;
  };

  // Encoder: sizes[0] -> ... -> sizes[depth] (the code).
  const encoderLayers: DenseLayer[] = [];
  for (let i = 0; i < depth; i++) {
    const isCode = i === depth - 1;
    encoderLayers.push(
      makeLayer("encoder", i + 1, sizes[i], sizes[i + 1], isCode ? full.codeActivation : full.hiddenActivation, !isCode),
    );
  }

  // Decoder: the mirror image, sizes[depth] -> ... -> sizes[0]. Its last layer returns logits;
  // the output activation is applied by decode() so that the loss can use the logits.
  const decoderLayers: DenseLayer[] = [];
  for (let i = depth; i > 0; i--) {
    const isOutput = i === 1;
    decoderLayers.push(
      makeLayer("decoder", depth - i + 1, sizes[i], sizes[i - 1], isOutput ? "linear" : full.hiddenActivation, !isOutput),
    );
  }

  const trainableVariables = [...variables.values()].filter((variable) => variable.trainable);
  const parameterCount = trainableVariables.reduce((sum, variable) => sum + variable.size, 0);

  const checkInput = (x: tf.Tensor, expected: number, what: string) => {
    if (x.rank !== 2 || x.shape[1] !== expected) {
      throw new Error(`${what} must have shape [batch, ${expected}], got [${x.shape.join(", ")}].`);
    }
  };

  const encode = (x: tf.Tensor2D, options: ForwardOptions = {}) => {
    checkInput(x, sizes[0], "Autoencoder input");
    return tf.tidy(() => runLayers(x, encoderLayers, options.training ?? false));
  };
  const decodeLogits = (code: tf.Tensor2D, options: ForwardOptions = {}) => {
    checkInput(code, sizes[depth], "Autoencoder code");
    return tf.tidy(() => runLayers(code, decoderLayers, options.training ?? false));
  };
  const decode = (code: tf.Tensor2D) =>
    tf.tidy(() => {
      const logits = decodeLogits(code);
      return full.outputActivation === "sigmoid" ? tf.sigmoid(logits) : logits;
    });

  return {
    config: full,
    variables,
    trainableVariables,
    parameterCount,
    encode,
    decodeLogits,
    decode,
    reconstruct: (x) => tf.tidy(() => decode(encode(x))),
    save: (dir) => saveVariables(dir, full, variables),
    load: (dir) => loadVariables(dir, variables),
    dispose: () => variables.forEach((variable) => variable.dispose()),
  };
}

interface Manifest {
  format: string;
  codeVersion: number;
  config: Required<AutoencoderConfig>;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  /** SHA-256 of the weight file, so a file changed after saving is rejected rather than used. */
  weightsSha256: string;
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

async function saveVariables(
  dir: string,
  config: Required<AutoencoderConfig>,
  variables: ReadonlyMap<string, tf.Variable>,
): Promise<void> {
  const named = [...variables].map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    codeVersion: AUTOENCODER_CODE_VERSION,
    config,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
    weightsSha256: "",
  };
  fs.mkdirSync(dir, { recursive: true });
  const bytes = Buffer.from(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data);
  manifest.weightsSha256 = sha256(bytes);
  fs.writeFileSync(path.join(dir, WEIGHTS_FILE), bytes);
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1));
}

/** Reads `model.json` of a saved autoencoder. Throws if it is missing or of another format. */
export function readAutoencoderManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new Error(`Autoencoder manifest not found: ${file}.`);
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  if (manifest.format !== MANIFEST_FORMAT || !Array.isArray(manifest.weightsManifest)) {
    throw new Error(`${file} is not an autoencoder manifest (format "${manifest.format}", expected "${MANIFEST_FORMAT}").`);
  }
  return manifest;
}

/** Creates an autoencoder from the config saved in `dir` and loads its weights. */
export function loadAutoencoder(dir: string): Autoencoder {
  const model = createAutoencoder(readAutoencoderManifest(dir).config);
  try {
    model.load(dir);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

function loadVariables(dir: string, variables: ReadonlyMap<string, tf.Variable>): void {
  const manifest = readAutoencoderManifest(dir);
  const specs = manifest.weightsManifest.flatMap((group) => group.weights);
  const paths = manifest.weightsManifest.flatMap((group) => group.paths);
  if (manifest.weightsManifest.length !== 1 || paths.length !== 1) {
    throw new Error(`${path.join(dir, MANIFEST_FILE)} must list exactly one weight file, got [${paths.join(", ")}].`);
  }

  // Check names and shapes before reading any data.
  const specByName = new Map(specs.map((spec) => [spec.name, spec]));
  for (const [name, variable] of variables) {
    const spec = specByName.get(name);
    if (!spec) throw new Error(`Weight "${name}" is missing from ${path.join(dir, MANIFEST_FILE)}.`);
    if (spec.dtype !== "float32" || spec.shape.join(",") !== variable.shape.join(",")) {
      throw new Error(
        `Weight "${name}" in ${path.join(dir, MANIFEST_FILE)} has shape [${spec.shape.join(", ")}] ` +
          `and dtype ${spec.dtype}, expected [${variable.shape.join(", ")}] and float32.`,
      );
    }
  }

  const weightsFile = path.join(dir, paths[0]);
  const bytes = fs.readFileSync(weightsFile);
  const expectedBytes = specs.reduce((sum, spec) => sum + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== expectedBytes) {
    throw new Error(`${weightsFile} has ${bytes.byteLength} bytes, expected ${expectedBytes} from the manifest.`);
  }
  const actualSha256 = sha256(bytes);
  if (actualSha256 !== manifest.weightsSha256) {
    throw new Error(
      `${weightsFile} has SHA-256 ${actualSha256}, but ${path.join(dir, MANIFEST_FILE)} records ` +
        `${manifest.weightsSha256 || "none"}: the file changed after it was saved.`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const tensors = tf.io.decodeWeights(buffer, specs);
  for (const [name, variable] of variables) variable.assign(tensors[name]);
  tf.dispose(tensors);
}

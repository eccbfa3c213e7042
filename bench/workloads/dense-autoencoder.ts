/**
 * Training throughput of the deep autoencoder 784-1000-500-250-30 with the mirrored decoder
 * 30-250-500-1000-784: sigmoid hidden units, linear 30-unit code, sigmoid output with sigmoid
 * cross-entropy loss, Adam (learning rate 1e-3), batch 256, one `optimizer.minimize` per step.
 * Inputs are uniform random "pixels" in [0, 1), uploaded batch by batch as real training does.
 *
 *   npx tsx bench/dense-autoencoder.ts [--backends cpu,wasm-fixed-2] [--steps N] [--warmup N]
 *
 * Each backend runs in its own process. The table lists examples/s per timed step (median,
 * min, max) and checks that tf.memory().numTensors is the same after every timed step.
 */
import * as tf from "@tensorflow/tfjs";

import { Random } from "../lib/random";
import { availableBackends } from "./backends";
import { formatRow, RESULT_PREFIX, runChild, TABLE_HEADER, tensorCountConstant, type StepResult } from "./harness";

const LAYER_SIZES = [784, 1000, 500, 250, 30, 250, 500, 1000, 784];
const CODE_LAYER = 4; // index in LAYER_SIZES of the linear code
const BATCH_SIZE = 256;
const DISTINCT_BATCHES = 4;

/** Timed steps per backend unless --steps is given: the pure-JS cpu backend is ~30x slower. */
function defaultSteps(backendId: string): number {
  return backendId === "cpu" ? 3 : backendId.startsWith("wasm-stock") ? 5 : 20;
}

interface Layer {
  weights: tf.Variable;
  bias: tf.Variable;
}

function createLayers(): Layer[] {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < LAYER_SIZES.length; i++) {
    const [fanIn, fanOut] = [LAYER_SIZES[i], LAYER_SIZES[i + 1]];
    layers.push({
      weights: tf.variable(tf.randomNormal([fanIn, fanOut], 0, Math.sqrt(1 / fanIn), "float32", i + 1)),
      bias: tf.variable(tf.zeros([fanOut])),
    });
  }
  return layers;
}

/** Logits of the reconstruction, [batch, 784]. */
function reconstructionLogits(layers: Layer[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  layers.forEach((layer, i) => {
    const preActivation = tf.add(tf.matMul(h, layer.weights), layer.bias) as tf.Tensor2D;
    const outputIndex = i + 1;
    const linear = outputIndex === CODE_LAYER || outputIndex === LAYER_SIZES.length - 1;
    h = linear ? preActivation : tf.sigmoid(preActivation);
  });
  return h;
}

function randomBatches(random: Random): Float32Array[] {
  return Array.from({ length: DISTINCT_BATCHES }, () => {
    const batch = new Float32Array(BATCH_SIZE * LAYER_SIZES[0]);
    for (let i = 0; i < batch.length; i++) batch[i] = random.uniform();
    return batch;
  });
}

/** Trains for warmup + steps steps on the backend `backendId` and returns per-step figures. */
async function measure(backendId: string, steps: number, warmup: number): Promise<StepResult> {
  const backend = availableBackends().find((candidate) => candidate.id === backendId);
  if (backend === undefined) throw new Error(`Unknown or unavailable backend configuration "${backendId}".`);
  const description = await backend.init();

  const layers = createLayers();
  const variables = layers.flatMap((layer) => [layer.weights, layer.bias]);
  const optimizer = tf.train.adam(1e-3);
  const batches = randomBatches(new Random(1));

  const examplesPerSecond: number[] = [];
  const tensorCounts: number[] = [];
  for (let step = 0; step < warmup + steps; step++) {
    const start = performance.now();
    const x = tf.tensor2d(batches[step % DISTINCT_BATCHES], [BATCH_SIZE, LAYER_SIZES[0]]);
    const loss = optimizer.minimize(
      () => tf.losses.sigmoidCrossEntropy(x, reconstructionLogits(layers, x)) as tf.Scalar,
      true,
      variables,
    );
    if (loss === null) throw new Error("optimizer.minimize returned no loss.");
    const lossValue = (await loss.data())[0];
    loss.dispose();
    x.dispose();
    const seconds = (performance.now() - start) / 1000;
    if (!Number.isFinite(lossValue)) throw new Error(`Loss is ${lossValue} at step ${step}.`);
    if (step >= warmup) {
      examplesPerSecond.push(BATCH_SIZE / seconds);
      tensorCounts.push(tf.memory().numTensors);
    }
  }
  return { backendId, backend: description, examplesPerSecond, tensorCounts };
}

function option(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`Invalid ${name} ${text}: use a whole number >= 1.`);
  return value;
}

/**
 * Runs the benchmark for each requested backend configuration (default: all available) in
 * its own process, prints the table and returns false if a live tensor count changed.
 */
export function runDenseAutoencoderBench(argv: string[]): boolean {
  const requested = option(argv, "--backends")?.split(",");
  const ids = requested ?? availableBackends().map((backend) => backend.id);
  const steps = positiveInteger(option(argv, "--steps"), "--steps");
  const warmup = positiveInteger(option(argv, "--warmup"), "--warmup") ?? 2;

  console.log(`Dense autoencoder ${LAYER_SIZES.join("-")}, batch ${BATCH_SIZE}, Adam, optimizer.minimize`);
  console.log(TABLE_HEADER);
  let tensorsConstant = true;
  for (const id of ids) {
    const args = ["--steps", String(steps ?? defaultSteps(id)), "--warmup", String(warmup)];
    const result = runChild(__filename, id, args);
    console.log(formatRow(result));
    tensorsConstant &&= tensorCountConstant(result);
  }
  return tensorsConstant;
}

async function main(argv: string[]): Promise<void> {
  const childId = option(argv, "--child");
  if (childId === undefined) {
    if (!runDenseAutoencoderBench(argv)) process.exitCode = 1;
    return;
  }
  const steps = positiveInteger(option(argv, "--steps"), "--steps") ?? defaultSteps(childId);
  const warmup = positiveInteger(option(argv, "--warmup"), "--warmup") ?? 2;
  const result = await measure(childId, steps, warmup);
  console.log(RESULT_PREFIX + JSON.stringify(result));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

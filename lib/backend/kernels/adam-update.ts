/**
 * One Adam step of one variable in a single pass, as a kernel of the wasm and cpu backends.
 *
 * tf.train.adam issues about a dozen elementwise kernels per variable and step, each a full
 * pass over memory. On the 2.8M-parameter dense autoencoder of Problem 1 they took 45% of the
 * kernel time of a training step on wasm with native sgemm. This kernel reads the variable,
 * both moments and the gradient once and writes the three results once. On that model, the 16
 * kernel calls of a step took 3.8 ms in the native addon's vectorized loop and 23.6 ms in the
 * JavaScript loop below (the fallback), from the per-kernel profile of `npm run bench`.
 */
import * as tf from "@tensorflow/tfjs";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { nativeBlas } from "../native-blas";
import { heapFloats, heapIndex } from "./native-heap";

/** Name under which the kernel is registered. */
export const ADAM_UPDATE = "AdamUpdate";

/** Backends that have the kernel. */
export const ADAM_UPDATE_BACKENDS = ["wasm", "cpu"] as const;

/** Hyperparameters of the step. */
export interface AdamUpdateAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Float32 views of the kernel's inputs and outputs, all of one length. */
interface AdamArrays {
  variable: Float32Array;
  firstMoment: Float32Array;
  secondMoment: Float32Array;
  gradient: Float32Array;
  newVariable: Float32Array;
  newFirstMoment: Float32Array;
  newSecondMoment: Float32Array;
}

/**
 * Writes m' = beta1 m + (1 - beta1) g, v' = beta2 v + (1 - beta2) g^2 and
 * w' = w - lr (m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon), the formula of
 * tf.train.adam, where `accBeta1` = beta1^t and `accBeta2` = beta2^t.
 */
export function adamStep(arrays: AdamArrays, attrs: AdamUpdateAttrs, accBeta1: number, accBeta2: number): void {
  const { variable, firstMoment, secondMoment, gradient, newVariable, newFirstMoment, newSecondMoment } = arrays;
  const { learningRate, beta1, beta2, epsilon } = attrs;
  const gradientWeight = 1 - beta1;
  const squareWeight = 1 - beta2;
  const correction1 = 1 - accBeta1;
  const correction2 = 1 - accBeta2;
  for (let i = 0; i < variable.length; i++) {
    const g = gradient[i];
    const m = beta1 * firstMoment[i] + gradientWeight * g;
    const v = beta2 * secondMoment[i] + squareWeight * g * g;
    newFirstMoment[i] = m;
    newSecondMoment[i] = v;
    newVariable[i] = variable[i] - (learningRate * (m / correction1)) / (Math.sqrt(v / correction2) + epsilon);
  }
}

/** Kernel inputs: the variable, its two moments, its gradient and the scalars beta1^t, beta2^t. */
const INPUT_NAMES = ["variable", "firstMoment", "secondMoment", "gradient", "accBeta1", "accBeta2"] as const;

/** Returns the six inputs, checking that the first four are float32 tensors of one shape. */
function adamInputs(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  const tensors = INPUT_NAMES.map((name) => {
    const tensor = inputs[name];
    if (tensor === undefined) throw new Error(`${ADAM_UPDATE}: input "${name}" is missing.`);
    if (tensor.dtype !== "float32") throw new Error(`${ADAM_UPDATE}: input "${name}" is ${tensor.dtype}, expected float32.`);
    return tensor;
  });
  const shape = tensors[0].shape;
  for (let i = 1; i < 4; i++) {
    if (!tf.util.arraysEqual(tensors[i].shape, shape)) {
      throw new Error(
        `${ADAM_UPDATE}: ${INPUT_NAMES[i]} has shape [${tensors[i].shape}] but the variable has [${shape}].`,
      );
    }
  }
  return tensors;
}

/**
 * Runs the step on the wasm heap with the native addon's adamStep when it is loaded, else
 * with adamStep above.
 */
function adamUpdateWasm(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo[] {
  const { backend } = args;
  const attrs = args.attrs as unknown as AdamUpdateAttrs;
  const tensors = adamInputs(args.inputs);
  const shape = tensors[0].shape;
  // Allocate first: a heap growth would detach views taken earlier.
  const outputs = [0, 1, 2].map(() => backend.makeOutput(shape, "float32"));
  const heap = heapFloats(backend);
  const accBeta1 = heap[heapIndex(backend, tensors[4])];
  const accBeta2 = heap[heapIndex(backend, tensors[5])];
  const blas = nativeBlas();
  if (blas !== undefined) {
    const offsets = [...tensors.slice(0, 4), ...outputs].map((tensor) => heapIndex(backend, tensor));
    blas.adamStep(heap, offsets, tf.util.sizeFromShape(shape), { ...attrs, accBeta1, accBeta2 });
    return outputs;
  }
  const view = (tensor: tf.TensorInfo) => backend.typedArrayFromHeap(tensor) as Float32Array;
  const [variable, firstMoment, secondMoment, gradient] = tensors.map(view);
  const [newVariable, newFirstMoment, newSecondMoment] = outputs.map(view);
  const arrays = { variable, firstMoment, secondMoment, gradient, newVariable, newFirstMoment, newSecondMoment };
  adamStep(arrays, attrs, accBeta1, accBeta2);
  return outputs;
}

/** Runs the step on the cpu backend. */
function adamUpdateCpu(args: { inputs: tf.NamedTensorInfoMap; backend: MathBackendCPU; attrs: tf.NamedAttrMap }): tf.TensorInfo[] {
  const { backend } = args;
  const tensors = adamInputs(args.inputs);
  const [variable, firstMoment, secondMoment, gradient, accBeta1, accBeta2] = tensors.map(
    (tensor) => backend.readSync(tensor.dataId) as Float32Array,
  );
  const size = variable.length;
  const [newVariable, newFirstMoment, newSecondMoment] = [0, 1, 2].map(() => new Float32Array(size));
  const arrays = { variable, firstMoment, secondMoment, gradient, newVariable, newFirstMoment, newSecondMoment };
  adamStep(arrays, args.attrs as unknown as AdamUpdateAttrs, accBeta1[0], accBeta2[0]);
  return [newVariable, newFirstMoment, newSecondMoment].map((values) =>
    backend.makeTensorInfo(tensors[0].shape, "float32", values),
  );
}

/**
 * Registers the kernel for `backendName` ("wasm" or "cpu"), before or after that backend
 * starts; repeated calls change nothing. The wasm kernel belongs to this project's wasm
 * fixes (lib/backend/kernels/index.ts), so that stock wasm keeps the stock Adam ops.
 */
export function registerAdamUpdateKernel(backendName: (typeof ADAM_UPDATE_BACKENDS)[number]): void {
  if (tf.getKernel(ADAM_UPDATE, backendName) !== undefined) return;
  const kernelFunc = backendName === "wasm" ? adamUpdateWasm : adamUpdateCpu;
  tf.registerKernel({ kernelName: ADAM_UPDATE, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

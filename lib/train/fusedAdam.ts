/**
 * Adam with one fused kernel per variable and step (lib/backend/kernels/adam-update.ts) on
 * the cpu backend and on wasm with this project's kernel fixes, and the stock tf.train.adam
 * ops on any other backend.
 * Same formula, state, weights format and class name ("Adam") as tf.train.adam, so
 * setLearningRate, getWeights and setWeights work unchanged.
 */
import * as tf from "@tensorflow/tfjs";
import { ADAM_UPDATE, registerAdamUpdateKernel } from "../backend/kernels/adam-update";

registerAdamUpdateKernel("cpu");

/** A moment variable with the name it is saved under. */
interface MomentVariable {
  originalName: string;
  variable: tf.Variable;
}

/** Private state of tf.AdamOptimizer (@tensorflow/tfjs-core 4.22.0, pinned) that the step updates. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (MomentVariable | undefined)[];
  accumulatedSecondMoment: (MomentVariable | undefined)[];
}

/** tf.AdamOptimizer whose applyGradients runs the fused kernel where it is registered. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0]): void {
    if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const gradients = names.map((name, i) => (Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name]));
    // Every variable and gradient is checked first, so that a bad one leaves all variables unchanged.
    const variables = names.map((name, i) => {
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new Error(`Adam: variable "${name}" is not registered: it was disposed, or the gradients belong to another model.`);
      const gradient = gradients[i];
      if (gradient != null && gradient.isDisposed) throw new Error(`Adam: the gradient of "${name}" was disposed before applyGradients.`);
      if (gradient != null && !tf.util.arraysEqual(gradient.shape, variable.shape)) {
        throw new Error(`Adam: the gradient of "${name}" has shape [${gradient.shape}] but the variable has [${variable.shape}].`);
      }
      return variable;
    });
    tf.tidy(() => {
      names.forEach((name, i) => {
        const variable = variables[i];
        const gradient = gradients[i];
        // Moments are indexed by position, as in tf.AdamOptimizer, and created on first use.
        const firstMoment = momentOf(state.accumulatedFirstMoment, i, `${name}/m`, variable);
        const secondMoment = momentOf(state.accumulatedSecondMoment, i, `${name}/v`, variable);
        if (gradient == null) return;
        const inputs = {
          variable,
          firstMoment,
          secondMoment,
          gradient,
          accBeta1: state.accBeta1,
          accBeta2: state.accBeta2,
        };
        const attrs = { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
        const [newVariable, newFirstMoment, newSecondMoment] = tf
          .engine()
          .runKernel(ADAM_UPDATE, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        firstMoment.assign(newFirstMoment);
        secondMoment.assign(newSecondMoment);
        variable.assign(newVariable);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/** Returns the moment variable at `index`, creating it as zeros like `variable` if absent. */
function momentOf(
  moments: (MomentVariable | undefined)[],
  index: number,
  originalName: string,
  variable: tf.Variable,
): tf.Variable {
  let moment = moments[index];
  if (moment === undefined || moment === null) {
    moment = { originalName, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) };
    moments[index] = moment;
  }
  return moment.variable;
}

/**
 * Creates the fused Adam optimiser; the arguments are those of tf.train.adam, and without
 * `epsilon` the backend's epsilon is used, as there.
 */
export function adam(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}

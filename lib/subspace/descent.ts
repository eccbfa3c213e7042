/**
 * First-order solvers for the autoencoder objectives of objectives.ts over an unconstrained
 * A (D x k):
 *
 * - `gradientDescent`: gradient descent with Armijo backtracking, for Eq. (1) or any smooth loss.
 * - `subgradientDescent`: plain subgradient steps with a diminishing step size, for Eq. (2) as
 *   written (non-differentiable wherever a residual is exactly zero).
 * - `smoothedContinuation`: gradient descent on sum sqrt(||r_i||^2 + eps^2) with eps shrunk
 *   stage by stage, for Eq. (2).
 *
 * Every solver records the objective it targets after each iteration, so trace[0] is the value at
 * the starting point, and throws a clear error when the iterate stops being finite.
 */
import { Matrix } from "ml-matrix";

import { copy, Dense, frobeniusNorm, fromMatrix, toMatrix } from "./dense";
import {
  computeResiduals,
  gradientFromResiduals,
  Loss,
  lossAndGradient,
  lossFromNorms,
  lossValue,
  NORM,
  Residuals,
  SQUARED,
} from "./objectives";

/** Result of one solver run from one starting point. */
export interface SolverResult {
  /** D x k solution. */
  A: Matrix;
  /** Objective of the target equation after each iteration; trace[0] is the starting value. */
  trace: number[];
  /** Target objective at `A`. */
  objective: number;
  iterations: number;
  /** True when a stopping tolerance was met before the iteration budget ran out. */
  converged: boolean;
}

export interface GradientDescentOptions {
  /** Iteration budget (default 2000). */
  maxIterations?: number;
  /** Stop when the Frobenius norm of the gradient falls below this (default 1e-9). */
  gradientTolerance?: number;
  /** Stop when one step lowers the objective by less than this fraction of it (default 1e-12). */
  relativeTolerance?: number;
  /** First trial step (default 1). Later trials start from `growth` x the last accepted step. */
  initialStep?: number;
  /** Armijo constant c: accept a step t when f(A - t g) <= f(A) - c t ||g||^2 (default 1e-4). */
  armijo?: number;
  /** Factor that shrinks a rejected step (default 0.5). */
  backtrack?: number;
  /** Factor that enlarges the next trial step after an accepted one (default 2). */
  growth?: number;
}

const GD_DEFAULTS: Required<GradientDescentOptions> = {
  maxIterations: 2000,
  gradientTolerance: 1e-9,
  relativeTolerance: 1e-12,
  initialStep: 1,
  armijo: 1e-4,
  backtrack: 0.5,
  growth: 2,
};

interface ArmijoState {
  A: Dense;
  step: number;
  iterations: number;
  converged: boolean;
}

/** Smallest trial step before a line search gives up (the direction is then not a descent one
 * to working precision, so the iterate is as good as float64 allows). */
const MIN_STEP = 1e-30;

/**
 * Runs Armijo-backtracking gradient descent on `loss` from A, calling `record(norms)` with the
 * residual norms after each accepted step.
 */
function armijoDescent(
  X: Dense,
  start: Dense,
  loss: Loss,
  options: Required<GradientDescentOptions>,
  record: (norms: Float64Array) => void,
  initialStep: number,
): ArmijoState {
  let A = copy(start);
  let current = lossAndGradient(X, A, loss);
  let step = initialStep;
  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    const gradientNorm = frobeniusNorm(current.gradient);
    if (gradientNorm <= options.gradientTolerance) {
      return { A, step, iterations: iteration, converged: true };
    }
    const decreasePerStep = options.armijo * gradientNorm * gradientNorm;
    const trial = copy(A);
    let trialState: Residuals;
    for (;;) {
      for (let i = 0; i < A.data.length; i++) trial.data[i] = A.data[i] - step * current.gradient.data[i];
      trialState = computeResiduals(X, trial);
      if (lossFromNorms(trialState.norms, loss) <= current.value - step * decreasePerStep) break;
      step *= options.backtrack;
      if (step < MIN_STEP) return { A, step: initialStep, iterations: iteration, converged: true };
    }
    const previousValue = current.value;
    A = trial;
    current = gradientFromResiduals(X, A, trialState, loss);
    record(current.norms);
    step *= options.growth;
    if (previousValue - current.value <= options.relativeTolerance * Math.abs(previousValue)) {
      return { A, step, iterations: iteration + 1, converged: true };
    }
  }
  return { A, step, iterations: options.maxIterations, converged: false };
}

/**
 * Minimises `loss` (Eq. (1) by default) by gradient descent with Armijo backtracking from the
 * D x k starting point A0. The trace records the value of `loss` itself.
 */
export function gradientDescent(
  X: Matrix,
  A0: Matrix,
  options: GradientDescentOptions = {},
  loss: Loss = SQUARED,
): SolverResult {
  const settings = { ...GD_DEFAULTS, ...options };
  const data = fromMatrix(X);
  const start = fromMatrix(A0);
  const trace = [lossValue(data, start, loss)];
  const state = armijoDescent(
    data,
    start,
    loss,
    settings,
    (norms) => trace.push(lossFromNorms(norms, loss)),
    settings.initialStep,
  );
  return {
    A: toMatrix(state.A),
    trace,
    objective: trace[trace.length - 1],
    iterations: state.iterations,
    converged: state.converged,
  };
}

export interface SubgradientOptions {
  /** Number of subgradient steps (default 500). */
  iterations?: number;
  /** Step size at iteration 0 (default 2, chosen on the 100 x 200 assignment data). */
  learningRate?: number;
  /** Step size schedule: lr / sqrt(t + 1) ("sqrt", default), lr / (t + 1) ("harmonic") or lr. */
  schedule?: "sqrt" | "harmonic" | "constant";
}

const SUBGRADIENT_DEFAULTS: Required<SubgradientOptions> = {
  iterations: 500,
  learningRate: 2,
  schedule: "sqrt",
};

function scheduledStep(options: Required<SubgradientOptions>, t: number): number {
  if (options.schedule === "sqrt") return options.learningRate / Math.sqrt(t + 1);
  if (options.schedule === "harmonic") return options.learningRate / (t + 1);
  return options.learningRate;
}

/**
 * Minimises Eq. (2) by plain subgradient descent, A <- A - step_t g_t, where g_t is the gradient
 * of (1/n) sum ||r_i|| with the terms whose residual is exactly zero left out (a valid
 * subgradient, see objectives.ts). The method is not a descent method, so the trace is not
 * monotone, and the result is the best iterate seen.
 */
export function subgradientDescent(X: Matrix, A0: Matrix, options: SubgradientOptions = {}): SolverResult {
  const settings = { ...SUBGRADIENT_DEFAULTS, ...options };
  const data = fromMatrix(X);
  let A = fromMatrix(A0);
  let current = lossAndGradient(data, A, NORM);
  const trace = [current.value];
  let best = { A: copy(A), value: current.value };
  for (let t = 0; t < settings.iterations; t++) {
    const step = scheduledStep(settings, t);
    for (let i = 0; i < A.data.length; i++) A.data[i] -= step * current.gradient.data[i];
    try {
      current = lossAndGradient(data, A, NORM);
    } catch (error) {
      throw new Error(`subgradientDescent: iteration ${t + 1} with step ${step}: ${(error as Error).message}`);
    }
    trace.push(current.value);
    if (current.value < best.value) best = { A: copy(A), value: current.value };
  }
  return {
    A: toMatrix(best.A),
    trace,
    objective: best.value,
    iterations: settings.iterations,
    converged: false,
  };
}

export interface SmoothedContinuationOptions {
  /** Smoothing of the first stage (default 1, the largest residual of a unit-norm point under a
   * projector). */
  epsStart?: number;
  /** Smoothing of the last stage (default 1e-8). */
  epsEnd?: number;
  /** eps is multiplied by this after each stage (default 0.1). */
  epsFactor?: number;
  /** Gradient-descent settings of each stage: maxIterations is per stage (default 300), and
   * gradientTolerance defaults to 1e-4, loose on purpose because the next stage refines. */
  stage?: GradientDescentOptions;
}

const SMOOTHED_DEFAULTS = {
  epsStart: 1,
  epsEnd: 1e-8,
  epsFactor: 0.1,
};

/**
 * Minimises Eq. (2) through its smooth surrogate (1/n) sum sqrt(||r_i||^2 + eps^2), which is
 * within eps of Eq. (2) everywhere. Each stage runs Armijo gradient descent from the previous
 * stage's solution, then eps shrinks by `epsFactor` until it reaches `epsEnd` (continuation). The
 * trace records the true Eq. (2) objective after every step of every stage, and `epsTrace` records
 * the eps in force at each of those entries.
 */
export function smoothedContinuation(
  X: Matrix,
  A0: Matrix,
  options: SmoothedContinuationOptions = {},
): SolverResult & { epsTrace: number[] } {
  const { epsStart, epsEnd, epsFactor } = { ...SMOOTHED_DEFAULTS, ...options };
  if (!(epsStart > 0 && epsEnd > 0 && epsEnd <= epsStart && epsFactor > 0 && epsFactor < 1)) {
    throw new Error(
      `smoothedContinuation needs 0 < epsEnd <= epsStart and 0 < epsFactor < 1, got ` +
        `epsStart=${epsStart}, epsEnd=${epsEnd}, epsFactor=${epsFactor}.`,
    );
  }
  const stage = { ...GD_DEFAULTS, maxIterations: 300, gradientTolerance: 1e-4, ...options.stage };

  const data = fromMatrix(X);
  let A = fromMatrix(A0);
  const trace = [lossValue(data, A, NORM)];
  const epsTrace = [epsStart];
  let iterations = 0;
  let converged = true;
  let step = stage.initialStep;

  for (let eps = epsStart; ; eps = Math.max(eps * epsFactor, epsEnd)) {
    const state = armijoDescent(
      data,
      A,
      { kind: "smoothed", eps },
      stage,
      (norms) => {
        trace.push(lossFromNorms(norms, NORM));
        epsTrace.push(eps);
      },
      step,
    );
    A = state.A;
    step = state.step * epsFactor; // the curvature near inliers grows like 1 / eps
    iterations += state.iterations;
    converged = state.converged;
    if (eps <= epsEnd) break;
  }
  return {
    A: toMatrix(A),
    trace,
    epsTrace,
    objective: trace[trace.length - 1],
    iterations,
    converged,
  };
}

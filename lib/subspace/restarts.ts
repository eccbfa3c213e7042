/**
 * Random restarts for the non-convex problems Eq. (1) and Eq. (2): every method starts from the
 * same seeded Gaussian initial points, and each run reports its objective trace, final objective,
 * wall time and, when the true basis B is known, the distance of span(A) to span(B).
 */
import { Matrix } from "ml-matrix";

import { byProfile } from "../profile";
import { Random } from "../random";
import { gaussianMatrix } from "./data";
import {
  GradientDescentOptions,
  gradientDescent,
  SmoothedContinuationOptions,
  smoothedContinuation,
  SolverResult,
  SubgradientOptions,
  subgradientDescent,
} from "./descent";
import { subspaceDistance } from "./distance";
import { irls, IrlsOptions } from "./irls";

/**
 * Solver names: `squared-gd` solves Eq. (1), the other three solve Eq. (2).
 */
export type SubspaceMethod = "squared-gd" | "norm-subgradient" | "norm-smoothed" | "norm-irls";

export const SUBSPACE_METHODS: readonly SubspaceMethod[] = [
  "squared-gd",
  "norm-subgradient",
  "norm-smoothed",
  "norm-irls",
];

/** Per-method solver settings; anything left out takes the solver's default. */
export interface MethodOptions {
  "squared-gd"?: GradientDescentOptions;
  "norm-subgradient"?: SubgradientOptions;
  "norm-smoothed"?: SmoothedContinuationOptions;
  "norm-irls"?: IrlsOptions;
}

/** Runs one method from the D x k starting point A0. */
export function runMethod(method: SubspaceMethod, X: Matrix, A0: Matrix, options: MethodOptions = {}): SolverResult {
  switch (method) {
    case "squared-gd":
      return gradientDescent(X, A0, options["squared-gd"]);
    case "norm-subgradient":
      return subgradientDescent(X, A0, options["norm-subgradient"]);
    case "norm-smoothed":
      return smoothedContinuation(X, A0, options["norm-smoothed"]);
    case "norm-irls":
      return irls(X, A0, options["norm-irls"]);
    default:
      throw new Error(`Unknown subspace method "${method}". Use one of: ${SUBSPACE_METHODS.join(", ")}.`);
  }
}

/** Default restart count per profile: smoke 2, cpu 10, full 20. */
export function defaultRestarts(): number {
  return byProfile({ smoke: 2, cpu: 10, full: 20 });
}

/**
 * Seeded starting points: `restarts` D x k matrices with iid N(0, 1/D) entries, so each column
 * has norm about 1. The same seed gives the same list for every method.
 */
export function initialPoints(D: number, k: number, restarts: number, seed: number): Matrix[] {
  const rng = new Random(seed);
  return Array.from({ length: restarts }, () => gaussianMatrix(rng, D, k, 1 / Math.sqrt(D)));
}

export interface RestartRun {
  restart: number;
  /** Objective of the method's equation per iteration (the convergence curve). */
  trace: number[];
  objective: number;
  iterations: number;
  converged: boolean;
  /** ||A A^+ - B B^+||_F, or null when no reference basis was given. */
  distance: number | null;
  seconds: number;
  A: Matrix;
}

export interface RestartResult {
  method: SubspaceMethod;
  runs: RestartRun[];
  /** The run with the lowest final objective. */
  best: RestartRun;
}

export interface RestartOptions {
  /** Number of random starting points (default: `defaultRestarts()`). */
  restarts?: number;
  /** Seed of the starting points (default 0). */
  seed?: number;
  /** True basis B (D x k) to measure each solution against. */
  reference?: Matrix;
  solvers?: MethodOptions;
}

/**
 * Solves one method from `restarts` seeded random starting points for data X (n x D) and
 * subspace dimension k, and picks the run with the lowest objective.
 */
export function solveWithRestarts(
  X: Matrix,
  k: number,
  method: SubspaceMethod,
  options: RestartOptions = {},
): RestartResult {
  const { restarts = defaultRestarts(), seed = 0, reference, solvers } = options;
  if (!Number.isInteger(restarts) || restarts < 1) {
    throw new Error(`solveWithRestarts: restarts must be a positive integer, got ${restarts}.`);
  }
  const runs = initialPoints(X.columns, k, restarts, seed).map((A0, restart): RestartRun => {
    const started = performance.now();
    const result = runMethod(method, X, A0, solvers);
    const seconds = (performance.now() - started) / 1000;
    return {
      restart,
      trace: result.trace,
      objective: result.objective,
      iterations: result.iterations,
      converged: result.converged,
      distance: reference === undefined ? null : subspaceDistance(result.A, reference),
      seconds,
      A: result.A,
    };
  });
  const best = runs.reduce((a, b) => (b.objective < a.objective ? b : a));
  return { method, runs, best };
}

/**
 * The form every benchmark workload takes: a named training step at a given batch size, with
 * its analytic FLOP count. bench/pytorch/workloads.py defines the same workloads under the same
 * names for PyTorch.
 */

/** A workload set up on the active TF.js backend. */
export interface WorkloadSession {
  /**
   * Runs one training step and returns its loss once the backend has computed it (the await
   * covers the whole step). Throws if the loss is not finite.
   */
  step(): Promise<number>;
  /** Analytic FLOPs of one training step per example (convention in bench/flops.ts). */
  flopsPerExample: number;
  /** Releases weights, optimizer state and input batches. */
  dispose(): void;
}

export interface Workload {
  /** Name on the command line and in bench/pytorch/workloads.py. */
  name: string;
  /** One line for the tables: model, batch, loss, optimizer. */
  title: string;
  defaultBatchSize: number;
  /** Batch sizes of the batch-size scaling table (empty: not in it). */
  scalingBatchSizes: number[];
  /**
   * Whether a step takes more than about 10 s on the pure-JavaScript `cpu` backend; such
   * pairs run only when `--configs` names `cpu` explicitly.
   */
  slowOnCpu: boolean;
  /**
   * Kernels the training step needs that not every backend registers (stock wasm lacks
   * Conv2DBackpropFilter). The child process checks them first, so that such a run fails at
   * once and not after a slow forward pass.
   */
  requiredKernels: string[];
  /** Builds the model, optimizer and a few input batches; `seed` fixes all of them. */
  create(batchSize: number, seed: number): Promise<WorkloadSession>;
}

/** Throws when a training loss is not finite, naming the workload. */
export function checkedLoss(workload: string, loss: number): number {
  if (!Number.isFinite(loss)) throw new Error(`${workload}: the training loss is ${loss}; the step diverged or a kernel returned NaN.`);
  return loss;
}

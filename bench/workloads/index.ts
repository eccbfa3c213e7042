/** The benchmark workloads in table order. */
import { dcgan } from "./dcgan";
import { denseAutoencoder } from "./dense-autoencoder";
import { resnet20 } from "./resnet20";
import { vit } from "./vit";
import type { Workload } from "./workload";

export type { Workload, WorkloadSession } from "./workload";

export const WORKLOADS: readonly Workload[] = [denseAutoencoder, dcgan, resnet20, vit];

/** Returns the workload called `name`; throws listing the valid names. */
export function findWorkload(name: string): Workload {
  const workload = WORKLOADS.find((candidate) => candidate.name === name);
  if (workload === undefined) {
    throw new Error(`Unknown workload "${name}". Use one of: ${WORKLOADS.map((w) => w.name).join(", ")}.`);
  }
  return workload;
}

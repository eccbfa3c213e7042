/** Key and shape checks shared by the model loaders. */
import { formatShape } from "./tensor";

/** An expected tensor: its name and exact shape. */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/**
 * Checks that `actual` contains exactly the tensors of `specs` (in spec order), ignoring names for
 * which `isIgnored` returns true. Throws naming `source` and the first missing or mis-shaped
 * tensor, else the first unexpected one.
 */
export function checkTensorSet(
  source: string,
  specs: readonly TensorSpec[],
  actual: ReadonlyMap<string, { shape: number[] }>,
  isIgnored: (name: string) => boolean = () => false,
): void {
  for (const spec of specs) {
    const tensor = actual.get(spec.name);
    if (!tensor) {
      throw new Error(`${source}: missing tensor "${spec.name}" (expected shape ${formatShape(spec.shape)}).`);
    }
    if (!sameShape(tensor.shape, spec.shape)) {
      throw new Error(
        `${source}: tensor "${spec.name}" has shape ${formatShape(tensor.shape)}, expected ` +
          `${formatShape(spec.shape)}; the checkpoint is for another model configuration.`,
      );
    }
  }
  const expected = new Set(specs.map((spec) => spec.name));
  for (const name of actual.keys()) {
    if (!expected.has(name) && !isIgnored(name)) {
      throw new Error(`${source}: unexpected tensor "${name}"; the checkpoint is for another architecture or depth.`);
    }
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

// Helpers for the checkpoint tests: the generated fixture folder and its float32 arrays.
import * as fs from "fs";
import * as path from "path";

export const FIXTURE_DIR = path.join(__dirname, "..", "fixtures", "checkpoints");

const shapes = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "arrays.json"), "utf8")) as Record<string, number[]>;

/** Reads a raw little-endian float32 array written by scripts/make_checkpoint_fixtures.py. */
export function loadArray(name: string): { shape: number[]; data: Float32Array } {
  const shape = shapes[name];
  if (!shape) throw new Error(`Fixture array "${name}" is not listed in arrays.json.`);
  const bytes = fs.readFileSync(path.join(FIXTURE_DIR, `${name}.f32`));
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { shape, data };
}

/** Max absolute difference divided by the max absolute reference value. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`Length ${actual.length} != ${expected.length}.`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

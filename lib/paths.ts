import * as fs from "fs";
import * as path from "path";

const PACKAGE_NAME = "csci5527-hw5";

/**
 * Finds the project root: the nearest folder above this file whose package.json names this
 * project. Searching (rather than `__dirname/..`) also works when the notebooks reach the
 * library through the `notebooks/lib` symlink, where `__dirname` keeps the link's path.
 */
function findRepoRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name;
      if (name === PACKAGE_NAME) return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`No package.json named "${PACKAGE_NAME}" was found above ${start}.`);
    }
    dir = parent;
  }
}

/** Absolute path of the project root. */
export const repoRoot: string = findRepoRoot(__dirname);

/** Cache folder for datasets and trained weights: `HW5_DATA_DIR`, or `data/` in the project. */
export function dataDir(): string {
  const fromEnv = process.env.HW5_DATA_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.join(repoRoot, "data");
}

/**
 * Formats `file` relative to the project root when it lies inside it, so printed paths do not
 * depend on where the project was cloned.
 */
export function displayPath(file: string): string {
  const relative = path.relative(repoRoot, file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** The project's version from package.json, printed in each notebook's first output. */
export function libraryVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
  return (manifest as { version: string }).version;
}

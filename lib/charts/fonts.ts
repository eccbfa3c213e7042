/**
 * Fonts for rasterizing SVG with resvg, which reads no fontconfig: without font files it
 * draws charts with no text at all, so a missing font is an error here rather than a blank axis.
 */
import * as fs from "fs";
import * as path from "path";

/** Folders searched when `HW5_FONT_DIRS` is unset (Debian's fonts-dejavu-core, a conda env). */
const DEFAULT_FONT_DIRS = [
  "/usr/share/fonts/truetype/dejavu",
  ...(process.env.CONDA_PREFIX ? [path.join(process.env.CONDA_PREFIX, "fonts")] : []),
  "/usr/share/fonts",
  "/Library/Fonts",
];

export interface FontSetup {
  /** Folders with at least one .ttf, .otf or .ttc file. */
  dirs: string[];
  /** Family used for `sans-serif` and unnamed text (Vega's default font is sans-serif). */
  family: string;
}

function hasFontFile(dir: string, depth: number): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (entry.isFile() && /\.(ttf|otf|ttc)$/i.test(entry.name)) return true;
    if (entry.isDirectory() && depth > 0 && hasFontFile(path.join(dir, entry.name), depth - 1)) {
      return true;
    }
  }
  return false;
}

const cache = new Map<string, FontSetup>();

/**
 * Finds the font folders: `HW5_FONT_DIRS` (colon-separated) if set, else the first default
 * folder that contains fonts. The family is `HW5_FONT_FAMILY`, default "DejaVu Sans".
 * Throws, naming the folders searched and the fix, when no font file is found.
 */
export function fontSetup(): FontSetup {
  const fromEnv = process.env.HW5_FONT_DIRS;
  const family = process.env.HW5_FONT_FAMILY ?? "DejaVu Sans";
  const key = `${fromEnv ?? ""}\n${family}`;
  const known = cache.get(key);
  if (known) return known;
  const candidates = fromEnv ? fromEnv.split(path.delimiter).filter((d) => d) : DEFAULT_FONT_DIRS;
  const dirs = fromEnv
    ? candidates.filter((d) => hasFontFile(d, 2))
    : candidates.filter((d) => hasFontFile(d, 2)).slice(0, 1);
  if (dirs.length === 0) {
    throw new Error(
      `No font files (.ttf, .otf, .ttc) found in ${candidates.join(", ")}, so chart text ` +
        "cannot be drawn. Install fonts-dejavu-core (Debian/Ubuntu) or point HW5_FONT_DIRS " +
        "at a folder of fonts.",
    );
  }
  const setup = { dirs, family };
  cache.set(key, setup);
  return setup;
}

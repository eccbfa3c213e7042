/**
 * Checks two ways a library file can break only inside the tslab kernel. First, tslab resolves a
 * bare `require("name")` to a sibling `name.js`, so a file named like a module it imports (say
 * `http.ts` importing "http") recurses forever. Second, tslab resolves no folder `index.ts`.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

const libDir = path.join(__dirname, "..", "lib");
const importPattern = /(?:from\s+|require\(\s*|import\(\s*)["']([^"']+)["']/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

test("lib files shadow no bare import of their folder", () => {
  for (const file of sourceFiles(libDir)) {
    const siblings = new Set(fs.readdirSync(path.dirname(file)).map((name) => name.replace(/\.(ts|js)$/, "")));
    for (const [, specifier] of fs.readFileSync(file, "utf8").matchAll(importPattern)) {
      if (specifier.startsWith(".")) continue;
      const firstSegment = specifier.split("/")[0];
      const message = `${path.relative(libDir, file)} imports "${specifier}", which tslab resolves to a sibling file of that name; rename the sibling.`;
      assert.ok(!siblings.has(specifier), message);
      assert.ok(!siblings.has(firstSegment), message);
    }
  }
});

test("lib relative imports name files, not folders", () => {
  for (const file of sourceFiles(libDir)) {
    for (const [, specifier] of fs.readFileSync(file, "utf8").matchAll(importPattern)) {
      if (!specifier.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), specifier);
      const isFolder = fs.existsSync(target) && fs.statSync(target).isDirectory();
      assert.ok(!isFolder, `${path.relative(libDir, file)} imports the folder "${specifier}"; tslab cannot resolve it, import "${specifier}/index" instead.`);
    }
  }
});

#!/usr/bin/env node
// Starts the tslab kernel installed in this project's node_modules, so no global install is needed.
// The kernel runs in the notebook's folder: search upward from there first, then from this file,
// which also covers a copy of this folder installed with `jupyter kernelspec install`.
"use strict";
const fs = require("fs");
const path = require("path");

function findTslab(start) {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, "node_modules", "tslab", "dist", "main.js");
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const main = findTslab(process.cwd()) || findTslab(__dirname);
if (!main) {
  console.error(
    `tslab was not found in node_modules above ${process.cwd()} or ${__dirname}. ` +
      "Run `npm ci` in the project folder, then restart the kernel.",
  );
  process.exit(1);
}
require(main).main();

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import { DataOptions, ImageDataset, Split, loadCifar100, loadFashionMnist, loadMnist, mirrorsFromEnv } from "../lib/data";
import { makeTempDir, removeDir } from "./data/fixtures";

/*
 * Loads of the real datasets from the mirror folders in HW5_DATA_MIRRORS, into a fresh cache
 * (cold: decompress and hash) and again (warm: stamp check and parse). Skipped when no mirror
 * contains the files; downloads are disabled, so these tests never use the network.
 */

const mirrors = mirrorsFromEnv();
const cache = makeTempDir("real-cache");
after(() => removeDir(cache));

/** Finds `name` in a mirror, directly or in one of `subfolders`. */
function inMirrors(subfolders: string[], name: string): boolean {
  return mirrors.some((mirror) =>
    [mirror, ...subfolders.map((sub) => path.join(mirror, sub))].some((folder) => fs.existsSync(path.join(folder, name))),
  );
}

const options: DataOptions = { dataDir: cache, baseUrls: [], onProgress: () => undefined, log: () => undefined };

function labelCounts(data: ImageDataset): number[] {
  const counts = new Array<number>(data.classNames.length).fill(0);
  for (const label of data.labels) counts[label] += 1;
  return counts;
}

/** Loads twice and reports both times; returns the second result. */
async function coldAndWarm<T>(t: { diagnostic(message: string): void }, name: string, load: () => Promise<T>): Promise<T> {
  let started = performance.now();
  await load();
  const cold = performance.now() - started;
  started = performance.now();
  const data = await load();
  t.diagnostic(`${name}: cold load ${(cold / 1000).toFixed(2)} s, warm load ${((performance.now() - started) / 1000).toFixed(2)} s`);
  return data;
}

const split: Split = "test";

describe("real datasets from HW5_DATA_MIRRORS", () => {
  const hasMnist = inMirrors(["mnist"], "t10k-images-idx3-ubyte.gz");
  test("MNIST test split", { skip: hasMnist ? false : "no MNIST files in HW5_DATA_MIRRORS" }, async (t) => {
    const data = await coldAndWarm(t, "MNIST test", () => loadMnist(split, options));
    assert.equal(data.count, 10000);
    assert.equal(data.images.length, 10000 * 28 * 28);
    assert.deepEqual(labelCounts(data), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  const hasFashion = inMirrors(["fashion-mnist"], "t10k-images-idx3-ubyte.gz");
  test("Fashion-MNIST test split", { skip: hasFashion ? false : "no Fashion-MNIST files in HW5_DATA_MIRRORS" }, async (t) => {
    const data = await coldAndWarm(t, "Fashion-MNIST test", () => loadFashionMnist(split, options));
    assert.equal(data.count, 10000);
    assert.deepEqual(labelCounts(data), new Array(10).fill(1000));
    assert.equal(data.classNames[9], "Ankle boot");
  });

  const hasCifar = inMirrors(["cifar-100"], "cifar-100-binary.tar.gz");
  test("CIFAR-100 test split", { skip: hasCifar ? false : "no CIFAR-100 archive in HW5_DATA_MIRRORS" }, async (t) => {
    const data = await coldAndWarm(t, "CIFAR-100 test", () => loadCifar100(split, options));
    assert.equal(data.count, 10000);
    assert.equal(data.images.length, 10000 * 32 * 32 * 3);
    assert.deepEqual(labelCounts(data), new Array(100).fill(100));
    assert.equal(data.classNames[99], "worm");
    assert.equal(data.coarseClassNames[0], "aquatic_mammals");
  });
});

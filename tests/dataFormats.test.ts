import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Writable } from "stream";
import { pipeline } from "stream/promises";
import * as zlib from "zlib";
import { CIFAR100_RECORD_BYTES, TarEntry, TarReader, parseCifar100Records, parseIdxImages, parseIdxLabels } from "../lib/data";
import { Random } from "../lib/random";
import { cifarRecords, idxFile, makeTempDir, randomBytes, removeDir, ustarArchive } from "./data/fixtures";

describe("IDX parser", () => {
  const random = new Random(3);
  const pixels = randomBytes(random, 2 * 4 * 3);

  test("images header and pixels", () => {
    const images = parseIdxImages(idxFile(2051, [2, 4, 3], pixels), "images");
    assert.equal(images.count, 2);
    assert.equal(images.height, 4);
    assert.equal(images.width, 3);
    assert.deepEqual(images.pixels, pixels);
  });

  test("label magic in an image file", () => {
    assert.throws(() => parseIdxImages(idxFile(2049, [2, 4, 3], pixels), "x.idx"), /x\.idx has IDX magic number 2049, expected 2051/);
  });

  test("image magic in a label file", () => {
    assert.throws(() => parseIdxLabels(idxFile(2051, [2], new Uint8Array(2)), "y.idx", 10), /magic number 2051, expected 2049/);
  });

  test("image file size differs from header", () => {
    assert.throws(() => parseIdxImages(idxFile(2051, [3, 4, 3], pixels), "x.idx"), /size is 40 bytes, .*requires 52/);
    assert.throws(() => parseIdxImages(Buffer.from([0, 0, 8]), "x.idx"), /shorter than its 16-byte header/);
    assert.throws(() => parseIdxImages(idxFile(2051, [0, 4, 3], new Uint8Array(0)), "x.idx"), /empty dimension/);
  });

  test("labels count and range", () => {
    assert.deepEqual(parseIdxLabels(idxFile(2049, [3], new Uint8Array([0, 9, 4])), "y", 10), new Uint8Array([0, 9, 4]));
    assert.throws(() => parseIdxLabels(idxFile(2049, [4], new Uint8Array([0, 9, 4])), "y", 10), /requires 12/);
    assert.throws(() => parseIdxLabels(idxFile(2049, [3], new Uint8Array([0, 10, 4])), "y", 10), /label 10 at index 1 is outside 0\.\.9/);
  });
});

describe("CIFAR-100 record parser", () => {
  const random = new Random(4);
  const records = cifarRecords(random, 3);

  test("planar CHW becomes NHWC", () => {
    const parsed = parseCifar100Records(records, "r.bin", 3);
    assert.equal(parsed.count, 3);
    assert.equal(parsed.images.length, 3 * 3072);
    for (let n = 0; n < 3; n++) {
      const record = n * CIFAR100_RECORD_BYTES;
      assert.equal(parsed.coarseLabels[n], records[record]);
      assert.equal(parsed.fineLabels[n], records[record + 1]);
      for (let pixel = 0; pixel < 1024; pixel += 97) {
        for (let channel = 0; channel < 3; channel++) {
          assert.equal(parsed.images[n * 3072 + pixel * 3 + channel], records[record + 2 + channel * 1024 + pixel]);
        }
      }
    }
  });

  test("record size and count", () => {
    assert.throws(() => parseCifar100Records(records.subarray(0, 3073), "r.bin", 1), /3073 bytes is not a whole number of 3074-byte records/);
    assert.throws(() => parseCifar100Records(records, "r.bin", 50000), /found 3 records, expected 50000/);
  });

  test("label ranges", () => {
    const badFine = Buffer.from(records);
    badFine[CIFAR100_RECORD_BYTES + 1] = 100;
    assert.throws(() => parseCifar100Records(badFine, "r.bin", 3), /record 1 has coarse label \d+ and fine label 100/);
    const badCoarse = Buffer.from(records);
    badCoarse[2 * CIFAR100_RECORD_BYTES] = 20;
    assert.throws(() => parseCifar100Records(badCoarse, "r.bin", 3), /record 2 has coarse label 20/);
  });
});

/** Feeds `archive` to a TarReader in chunks of `chunkSize` bytes; returns entries and their data. */
async function readTar(archive: Buffer, chunkSize = 4096): Promise<Array<{ entry: TarEntry; data: Buffer }>> {
  const result: Array<{ entry: TarEntry; data: Buffer }> = [];
  const reader = new TarReader((entry) => {
    const parts: Buffer[] = [];
    return {
      write: (chunk) => parts.push(Buffer.from(chunk)),
      end: () => result.push({ entry, data: Buffer.concat(parts) }),
    };
  });
  async function* chunks() {
    for (let pos = 0; pos < archive.length; pos += chunkSize) yield archive.subarray(pos, pos + chunkSize);
  }
  await pipeline(chunks(), reader);
  return result;
}

describe("tar reader", () => {
  const random = new Random(5);
  const big = Buffer.from(randomBytes(random, 5000));
  const small = Buffer.from("seven\n");

  test("ustar members in any chunking", async () => {
    const archive = ustarArchive([{ name: "d/" }, { name: "d/big.bin", data: big }, { name: "./d/small.txt", data: small }, { name: "d/empty", data: new Uint8Array(0) }]);
    for (const chunkSize of [1, 7, 512, 100000]) {
      const entries = await readTar(archive, chunkSize);
      assert.deepEqual(
        entries.map(({ entry }) => [entry.name, entry.type, entry.size]),
        [
          ["d/", "directory", 0],
          ["d/big.bin", "file", 5000],
          ["d/small.txt", "file", 6],
          ["d/empty", "file", 0],
        ],
        `chunk size ${chunkSize}`,
      );
      assert.deepEqual(entries[1].data, big);
      assert.deepEqual(entries[2].data, small);
    }
  });

  test("corrupt header checksum", async () => {
    const archive = ustarArchive([{ name: "a.bin", data: small }]);
    archive[3] ^= 0x20;
    await assert.rejects(readTar(archive), /Invalid tar header at byte 0: stored checksum \d+, computed \d+/);
  });

  test("archive ending inside a member", async () => {
    const archive = ustarArchive([{ name: "a.bin", data: big }]);
    await assert.rejects(readTar(archive.subarray(0, 2048)), /truncated: it ends inside member "a\.bin"/);
  });

  test("empty input", async () => {
    await assert.rejects(readTar(Buffer.alloc(0)), /empty/);
  });

  const temp = makeTempDir("tar");
  after(() => removeDir(temp));
  const hasTar = (() => {
    try {
      execFileSync("tar", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  // GNU tar writes long names as 'L' entries (gnu format) or pax 'x' headers (pax format).
  for (const format of ["gnu", "pax", "ustar"]) {
    test(`GNU tar ${format} archive with a long path`, { skip: hasTar ? false : "tar not installed" }, async () => {
      const folder = path.join(temp, format);
      const deep = format === "ustar" ? "p".repeat(60) + "/" + "q".repeat(60) : "n".repeat(150);
      fs.mkdirSync(path.join(folder, deep), { recursive: true });
      fs.writeFileSync(path.join(folder, deep, "member.bin"), big);
      const archivePath = path.join(temp, `${format}.tar.gz`);
      execFileSync("tar", [`--format=${format}`, "-czf", archivePath, "-C", folder, deep]);

      const archive = zlib.gunzipSync(fs.readFileSync(archivePath));
      const entries = await readTar(archive, 1000);
      const member = entries.find(({ entry }) => entry.type === "file");
      assert.equal(member?.entry.name, `${deep}/member.bin`);
      assert.deepEqual(member?.data, big);
    });
  }
});

import assert from "node:assert/strict";
import { after, beforeEach, describe, test } from "node:test";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import {
  DataFileError,
  DataOptions,
  DownloadProgress,
  cacheFolder,
  loadCifar100,
  loadMnist,
  prepareDataset,
  toFloat32,
} from "../lib/data";
import { stampPath } from "../lib/data/verify";
import {
  listFiles,
  makeTempDir,
  removeDir,
  sha256,
  snapshotFolder,
  startServer,
  syntheticCifar,
  syntheticIdx,
  ustarArchive,
} from "./data/fixtures";

const TEST_IMAGES = "t10k-images-idx3-ubyte";
const TEST_LABELS = "t10k-labels-idx1-ubyte";

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  temps.push(dir);
  return dir;
}
after(() => temps.forEach(removeDir));

/** Options for one isolated load: fresh cache, the given mirrors, no downloads, messages kept. */
function isolated(mirrors: string[], extra: DataOptions = {}): DataOptions & { messages: string[] } {
  const messages: string[] = [];
  return {
    dataDir: tempDir("cache"),
    mirrors,
    baseUrls: [],
    log: (message) => messages.push(message),
    onProgress: () => undefined,
    messages,
    ...extra,
  };
}

/** Writes files into `dir` (created), gzipped when `gzip` is set. */
function writeFiles(dir: string, files: Record<string, Buffer>, gzip: boolean): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    if (gzip) fs.writeFileSync(path.join(dir, `${name}.gz`), zlib.gzipSync(bytes));
    else fs.writeFileSync(path.join(dir, name), bytes);
  }
}

function corruptCopy(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] ^= 0xff;
  return copy;
}

describe("IDX loading from mirrors", () => {
  const { spec, files } = syntheticIdx();

  test("mirror subfolder with gzip files", async () => {
    const mirror = tempDir("mirror");
    writeFiles(path.join(mirror, "mnist"), files, true);
    const options = isolated([mirror]);

    const data = await loadMnist("test", { ...options, spec });

    assert.equal(data.count, 3);
    assert.equal(data.height, 4);
    assert.equal(data.width, 3);
    assert.equal(data.channels, 1);
    assert.deepEqual(data.images, new Uint8Array(files[TEST_IMAGES].subarray(16)));
    assert.deepEqual(data.labels, new Uint8Array(files[TEST_LABELS].subarray(8)));
    assert.equal(data.images.byteLength, data.images.buffer.byteLength, "images own their buffer");
    assert.deepEqual(data.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert.deepEqual(listFiles(cacheFolder(spec, options)), [
      TEST_IMAGES,
      `${TEST_IMAGES}.verified.json`,
      TEST_LABELS,
      `${TEST_LABELS}.verified.json`,
    ]);
  });

  test("uncompressed files in mirror root", async () => {
    const mirror = tempDir("mirror");
    writeFiles(mirror, files, false);
    const data = await loadMnist("train", { ...isolated([mirror]), spec });
    assert.equal(data.count, 5);
    assert.deepEqual(data.labels, new Uint8Array(files["train-labels-idx1-ubyte"].subarray(8)));
    assert.equal(data.labels.byteLength, data.labels.buffer.byteLength, "labels own their buffer");
  });

  test("mirror hit sends no request", async () => {
    const mirror = tempDir("mirror");
    writeFiles(mirror, files, true);
    const server = await startServer(() => undefined);
    try {
      const statuses = await prepareDataset(spec, { ...isolated([mirror]), baseUrls: [server.url] });
      assert.deepEqual(server.requests, []);
      assert.equal(statuses.length, 4);
      for (const status of statuses) {
        assert.equal(status.origin, "mirror");
        assert.equal(status.location, path.join(mirror, `${status.file}.gz`));
        assert.equal(status.sha256, sha256(files[status.file]));
      }
    } finally {
      await server.close();
    }
  });

  test("mirror folder is never written", async () => {
    const mirror = tempDir("mirror");
    writeFiles(path.join(mirror, "mnist"), files, true);
    writeFiles(mirror, { [TEST_LABELS]: files[TEST_LABELS] }, false);
    // A corrupt copy makes the loader try (and reject) a mirror file before the good one.
    writeFiles(mirror, { [TEST_IMAGES]: corruptCopy(files[TEST_IMAGES], 20) }, false);
    fs.chmodSync(mirror, 0o555);
    const before = snapshotFolder(mirror);
    const options = isolated([mirror]);

    await loadMnist("test", { ...options, spec });
    await loadMnist("test", { ...options, spec });
    await prepareDataset(spec, options);

    assert.deepEqual(snapshotFolder(mirror), before);
    fs.chmodSync(mirror, 0o755);
  });

  test("cache inside a mirror is rejected", async () => {
    const mirror = tempDir("mirror");
    writeFiles(mirror, files, true);
    await assert.rejects(
      loadMnist("test", { ...isolated([mirror]), dataDir: path.join(mirror, "cache"), spec }),
      /lies inside mirror folder .*read-only/,
    );
    assert.equal(fs.existsSync(path.join(mirror, "cache")), false);
  });

  test("HW5_DATA_DIR and HW5_DATA_MIRRORS are read", async () => {
    const mirror = tempDir("mirror");
    writeFiles(path.join(mirror, "mnist"), files, true);
    const cache = tempDir("cache");
    const saved = { dir: process.env.HW5_DATA_DIR, mirrors: process.env.HW5_DATA_MIRRORS };
    process.env.HW5_DATA_DIR = cache;
    process.env.HW5_DATA_MIRRORS = `/nonexistent-mirror::${mirror}`;
    try {
      const data = await loadMnist("test", { spec, log: () => undefined });
      assert.equal(data.count, 3);
      assert.ok(fs.existsSync(path.join(cache, "mnist", TEST_IMAGES)));
    } finally {
      restoreEnv("HW5_DATA_DIR", saved.dir);
      restoreEnv("HW5_DATA_MIRRORS", saved.mirrors);
    }
  });

  test("invalid split is rejected", async () => {
    await assert.rejects(loadMnist("validation" as "test", { ...isolated([]), spec }), /Invalid split "validation"/);
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe("IDX corrupt and truncated files", () => {
  const { spec, files } = syntheticIdx();
  const expected = sha256(files[TEST_IMAGES]);

  /** Loads the test split from a mirror holding `images` in place of the real image file. */
  async function loadWithImages(images: Buffer, gzip: boolean) {
    const mirror = tempDir("mirror");
    writeFiles(mirror, { ...files, [TEST_IMAGES]: images }, gzip);
    const options = isolated([mirror]);
    const error = await loadMnist("test", { ...options, spec }).then(
      () => assert.fail("load succeeded"),
      (reason: unknown) => reason,
    );
    return { error, options, mirror };
  }

  for (const gzip of [false, true]) {
    const kind = gzip ? "gzip" : "raw";

    test(`corrupted ${kind} file`, async () => {
      const corrupt = corruptCopy(files[TEST_IMAGES], 30);
      const { error, options } = await loadWithImages(corrupt, gzip);
      assert.ok(error instanceof DataFileError);
      assert.match(error.message, new RegExp(TEST_IMAGES));
      assert.match(error.message, new RegExp(expected));
      assert.match(error.message, new RegExp(sha256(corrupt)));
      assert.match(error.message, /HW5_DATA_MIRRORS/);
      assert.equal(error.expectedSha256, expected);
      assert.equal(options.messages.length, 1, "one warning for the rejected mirror file");
      assert.deepEqual(listFiles(cacheFolder(spec, options)), [], "nothing cached");
    });

    test(`truncated ${kind} file`, async () => {
      const full = gzip ? zlib.gzipSync(files[TEST_IMAGES]) : files[TEST_IMAGES];
      const truncated = full.subarray(0, full.length - 10);
      const mirror = tempDir("mirror");
      writeFiles(mirror, { [TEST_LABELS]: files[TEST_LABELS] }, false);
      fs.writeFileSync(path.join(mirror, gzip ? `${TEST_IMAGES}.gz` : TEST_IMAGES), truncated);
      const options = isolated([mirror]);

      const error = await loadMnist("test", { ...options, spec }).then(
        () => assert.fail("load succeeded"),
        (reason: unknown) => reason as Error,
      );
      assert.ok(error instanceof DataFileError);
      assert.match(error.message, new RegExp(`${TEST_IMAGES}.* is not available`));
      assert.match(error.message, new RegExp(expected));
      assert.match(error.message, /truncated/);
      assert.match(error.message, /HW5_DATA_MIRRORS/);
      assert.deepEqual(listFiles(cacheFolder(spec, options)), [], "nothing cached");
    });
  }

  test("missing file names the fix", async () => {
    const options = isolated([tempDir("empty-mirror")]);
    await assert.rejects(loadMnist("test", { ...options, spec }), (error: Error) => {
      assert.ok(error instanceof DataFileError);
      assert.match(error.message, new RegExp(`MNIST file ${TEST_IMAGES} is not available`));
      assert.match(error.message, new RegExp(expected));
      assert.match(error.message, /No folder in HW5_DATA_MIRRORS \(.*\) contains a valid copy/);
      assert.match(error.message, new RegExp(`add a folder containing ${TEST_IMAGES}, ${TEST_IMAGES}.gz .*to HW5_DATA_MIRRORS`));
      assert.match(error.message, /downloads are disabled/);
      return true;
    });
  });

  test("bad IDX magic number is rejected", async () => {
    const badMagic = Buffer.from(files[TEST_IMAGES]);
    badMagic.writeUInt32BE(2049, 0);
    // The table entry matches the bad file, so the checksum passes and the parser must catch it.
    const badSpec = {
      ...spec,
      remotes: spec.remotes.map((remote) =>
        remote.files[0].name !== TEST_IMAGES
          ? remote
          : { ...remote, files: [{ name: TEST_IMAGES, check: { kind: "sha256" as const, bytes: badMagic.length, sha256: sha256(badMagic) } }] },
      ),
    };
    const mirror = tempDir("mirror");
    writeFiles(mirror, { ...files, [TEST_IMAGES]: badMagic }, true);
    await assert.rejects(loadMnist("test", { ...isolated([mirror]), spec: badSpec }), /magic number 2049, expected 2051/);
  });

  test("image and label count mismatch", async () => {
    const labels = Buffer.concat([files[TEST_LABELS], Buffer.from([1])]);
    labels.writeUInt32BE(4, 4);
    const mismatchSpec = {
      ...spec,
      remotes: spec.remotes.map((remote) =>
        remote.files[0].name !== TEST_LABELS
          ? remote
          : { ...remote, files: [{ name: TEST_LABELS, check: { kind: "sha256" as const, bytes: labels.length, sha256: sha256(labels) } }] },
      ),
    };
    const mirror = tempDir("mirror");
    writeFiles(mirror, { ...files, [TEST_LABELS]: labels }, false);
    await assert.rejects(loadMnist("test", { ...isolated([mirror]), spec: mismatchSpec }), /contains 3 images, .* contains 4 labels/);
  });
});

describe("cache verification", () => {
  const { spec, files } = syntheticIdx();

  async function loadedCache() {
    const mirror = tempDir("mirror");
    writeFiles(mirror, files, true);
    const options = isolated([mirror]);
    await loadMnist("test", { ...options, spec });
    return { options, imagesPath: path.join(cacheFolder(spec, options), TEST_IMAGES) };
  }

  test("warm load uses the stamp", async () => {
    const { options } = await loadedCache();
    const statuses = await prepareDataset({ ...spec, remotes: spec.remotes.slice(2) }, options);
    assert.deepEqual(
      statuses.map((status) => [status.origin, status.verification]),
      [
        ["cache", "stamp"],
        ["cache", "stamp"],
      ],
    );
  });

  test("changed mtime forces a full check", async () => {
    const { options, imagesPath } = await loadedCache();
    fs.utimesSync(imagesPath, new Date(), new Date(Date.now() + 5000));
    const [status] = await prepareDataset({ ...spec, remotes: spec.remotes.slice(2, 3) }, options);
    assert.equal(status.verification, "hashed");
  });

  test("corrupted cached file is rejected", async () => {
    const { options, imagesPath } = await loadedCache();
    const bytes = fs.readFileSync(imagesPath);
    bytes[40] ^= 0x01;
    fs.writeFileSync(imagesPath, bytes);
    fs.utimesSync(imagesPath, new Date(), new Date(Date.now() + 5000));

    await assert.rejects(loadMnist("test", { ...options, spec }), (error: Error) => {
      assert.ok(error instanceof DataFileError);
      assert.match(error.message, new RegExp(`Cached file ${imagesPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is corrupt`));
      assert.match(error.message, new RegExp(sha256(files[TEST_IMAGES])));
      assert.match(error.message, new RegExp(sha256(bytes)));
      assert.match(error.message, /Delete it/);
      return true;
    });
  });

  test("truncated cached file is rejected", async () => {
    const { options, imagesPath } = await loadedCache();
    fs.truncateSync(imagesPath, 20);
    await assert.rejects(loadMnist("test", { ...options, spec }), /found 20 bytes \(truncated\).*Delete it/);
  });

  test("stamp for other content is ignored", async () => {
    const { options, imagesPath } = await loadedCache();
    const stamp = JSON.parse(fs.readFileSync(stampPath(imagesPath), "utf8"));
    fs.writeFileSync(stampPath(imagesPath), JSON.stringify({ ...stamp, sha256: "0".repeat(64) }));
    const [status] = await prepareDataset({ ...spec, remotes: spec.remotes.slice(2, 3) }, options);
    assert.equal(status.verification, "hashed");
  });
});

describe("downloads from a loopback server", () => {
  const { spec, files } = syntheticIdx();
  const served: Record<string, Buffer> = {};
  for (const [name, bytes] of Object.entries(files)) served[`/files/${name}.gz`] = zlib.gzipSync(bytes);

  let progress: DownloadProgress[] = [];
  beforeEach(() => {
    progress = [];
  });

  function downloadOptions(baseUrls: string[]) {
    return { ...isolated([]), baseUrls, onProgress: (event: DownloadProgress) => progress.push(event) };
  }

  test("download stores verified files", async () => {
    const server = await startServer((pathname) => served[pathname]);
    try {
      const options = downloadOptions([server.url]);
      const data = await loadMnist("test", { ...options, spec });
      assert.equal(data.count, 3);
      assert.deepEqual(server.requests, [`/files/${TEST_IMAGES}.gz`, `/files/${TEST_LABELS}.gz`]);

      const last = progress.filter((event) => event.url.endsWith(`${TEST_IMAGES}.gz`)).at(-1);
      assert.equal(last?.done, true);
      assert.equal(last?.bytes, served[`/files/${TEST_IMAGES}.gz`].length);
      assert.equal(last?.totalBytes, served[`/files/${TEST_IMAGES}.gz`].length);

      await loadMnist("test", { ...options, spec });
      assert.equal(server.requests.length, 2, "second load reads the cache");
    } finally {
      await server.close();
    }
  });

  test("second base URL after a 404", async () => {
    const server = await startServer((pathname) => (pathname.startsWith("/files/") ? served[pathname] : undefined));
    try {
      const options = downloadOptions([server.url.replace("/files/", "/missing/"), server.url]);
      const data = await loadMnist("test", { ...options, spec });
      assert.equal(data.count, 3);
      assert.match(options.messages[0], /HTTP 404/);
    } finally {
      await server.close();
    }
  });

  type Respond = (pathname: string, response: import("http").ServerResponse) => Uint8Array | undefined | "handled";
  const badBodies: Array<[string, RegExp, Respond]> = [
    [
      "wrong payload",
      new RegExp(`expected 52 bytes with SHA-256 ${sha256(files[TEST_IMAGES])}, found 52 bytes with SHA-256 [0-9a-f]{64}`),
      (pathname) => (pathname.includes("images") ? zlib.gzipSync(corruptCopy(files[TEST_IMAGES], 50)) : served[pathname]),
    ],
    ["not gzip", /incorrect header check/, (pathname) => (pathname.includes("images") ? Buffer.from("<html>moved</html>") : served[pathname])],
    [
      "connection cut mid-body",
      /transfer stopped after \d+ of \d+ bytes/,
      (pathname, response) => {
        const body = served[pathname];
        if (!pathname.includes("images")) return body;
        response.writeHead(200, { "content-length": body.length });
        response.write(body.subarray(0, body.length >> 1), () => response.destroy());
        return "handled";
      },
    ],
  ];
  for (const [name, reason, respond] of badBodies) {
    test(`${name} leaves the cache empty`, async () => {
      const server = await startServer(respond);
      try {
        const options = downloadOptions([server.url]);
        await assert.rejects(loadMnist("test", { ...options, spec }), (error: Error) => {
          assert.ok(error instanceof DataFileError);
          assert.match(error.message, new RegExp(`download ${server.url}${TEST_IMAGES}.gz`));
          assert.match(error.message, /check the network connection/);
          assert.match(error.message, reason);
          return true;
        });
        assert.deepEqual(listFiles(cacheFolder(spec, options)), []);
      } finally {
        await server.close();
      }
    });
  }
});

describe("CIFAR-100 from tar.gz", () => {
  const { spec, archive, records } = syntheticCifar();
  const archiveGz = zlib.gzipSync(archive);

  test("mirror archive loads both splits", async () => {
    const mirror = tempDir("mirror");
    fs.mkdirSync(path.join(mirror, "cifar-100"));
    fs.writeFileSync(path.join(mirror, "cifar-100", "cifar-100-binary.tar.gz"), archiveGz);
    const options = isolated([mirror]);

    const test = await loadCifar100("test", { ...options, spec });
    const train = await loadCifar100("train", { ...options, spec });

    assert.equal(test.count, 2);
    assert.equal(train.count, 6);
    assert.equal(train.height, 32);
    assert.equal(train.width, 32);
    assert.equal(train.channels, 3);
    assert.equal(train.classNames.length, 100);
    assert.equal(train.classNames[0], "apple");
    assert.equal(train.coarseClassNames.length, 20);
    assert.equal(train.coarseClassNames[19], "vehicles_2");
    for (let n = 0; n < 6; n++) {
      const record = records.train.subarray(n * 3074, (n + 1) * 3074);
      assert.equal(train.coarseLabels[n], record[0]);
      assert.equal(train.labels[n], record[1]);
      // NHWC pixel (y, x, c) comes from plane c at y * 32 + x.
      for (const [y, x, c] of [[0, 0, 0], [0, 1, 1], [31, 31, 2], [5, 17, 1]]) {
        assert.equal(train.images[n * 3072 + (y * 32 + x) * 3 + c], record[2 + c * 1024 + y * 32 + x]);
      }
    }
    assert.deepEqual(listFiles(cacheFolder(spec, options)), [
      "coarse_label_names.txt",
      "fine_label_names.txt",
      "test.bin",
      "test.bin.verified.json",
      "train.bin",
      "train.bin.verified.json",
    ]);
  });

  test("extracted members in mirror", async () => {
    const mirror = tempDir("mirror");
    const folder = path.join(mirror, "cifar-100-binary");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "test.bin"), records.test);
    for (const index of [2, 3]) {
      const file = spec.remotes[0].files[index];
      if (file.check.kind === "lines") fs.writeFileSync(path.join(folder, file.name), file.check.lines.join("\r\n"));
    }
    const data = await loadCifar100("test", { ...isolated([mirror]), spec });
    assert.equal(data.count, 2);
  });

  test("download of the archive", async () => {
    const server = await startServer((pathname) => (pathname === "/files/cifar-100-binary.tar.gz" ? archiveGz : undefined));
    try {
      const data = await loadCifar100("test", { ...isolated([]), baseUrls: [server.url], spec });
      assert.equal(data.count, 2);
      assert.deepEqual(server.requests, ["/files/cifar-100-binary.tar.gz"]);
    } finally {
      await server.close();
    }
  });

  test("corrupt member is not stored", async () => {
    const bad = ustarArchive([
      { name: "cifar-100-binary/test.bin", data: records.test },
      { name: "cifar-100-binary/train.bin", data: corruptCopy(records.train, 7) },
      { name: "cifar-100-binary/fine_label_names.txt", data: Buffer.from(nameLines(2)) },
      { name: "cifar-100-binary/coarse_label_names.txt", data: Buffer.from(nameLines(3)) },
    ]);
    const mirror = tempDir("mirror");
    fs.writeFileSync(path.join(mirror, "cifar-100-binary.tar.gz"), zlib.gzipSync(bad));
    const options = isolated([mirror]);

    const test = await loadCifar100("test", { ...options, spec });
    assert.equal(test.count, 2);
    assert.equal(fs.existsSync(path.join(cacheFolder(spec, options), "train.bin")), false);
    assert.match(options.messages.join("\n"), /train\.bin .* was not stored: expected/);
    await assert.rejects(loadCifar100("train", { ...options, spec }), /CIFAR-100 file train\.bin is not available/);
  });

  test("wrong class names are rejected", async () => {
    const swapped = nameLines(2).replace("apple\naquarium_fish", "aquarium_fish\napple");
    const bad = ustarArchive([
      { name: "cifar-100-binary/test.bin", data: records.test },
      { name: "cifar-100-binary/fine_label_names.txt", data: Buffer.from(swapped) },
      { name: "cifar-100-binary/coarse_label_names.txt", data: Buffer.from(nameLines(3)) },
    ]);
    const mirror = tempDir("mirror");
    fs.writeFileSync(path.join(mirror, "cifar-100-binary.tar.gz"), zlib.gzipSync(bad));
    await assert.rejects(
      loadCifar100("test", { ...isolated([mirror]), spec }),
      /fine_label_names\.txt is not available[\s\S]*line 1 is "aquarium_fish" instead of "apple"/,
    );
  });

  function nameLines(index: number): string {
    const check = spec.remotes[0].files[index].check;
    assert.equal(check.kind, "lines");
    return (check.kind === "lines" ? check.lines : []).join("\n") + "\n";
  }
});

test("toFloat32 scales pixels", () => {
  const scaled = toFloat32(new Uint8Array([0, 51, 255]));
  assert.ok(scaled instanceof Float32Array);
  assert.equal(scaled[0], 0);
  assert.ok(Math.abs(scaled[1] - 0.2) < 1e-7);
  assert.equal(scaled[2], 1);
  assert.deepEqual(Array.from(toFloat32(new Uint8Array([2, 4]), 0.5)), [1, 2]);
});

describe("npm run data", () => {
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "scripts", "data.ts"), ...args], {
      env: { ...process.env, ...env },
      encoding: "utf8",
    });

  test("missing files exit with status 1", () => {
    const result = run(["--offline", "mnist"], { HW5_DATA_DIR: tempDir("cache"), HW5_DATA_MIRRORS: "" });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /npm run data failed: MNIST file train-images-idx3-ubyte is not available/);
    assert.match(result.stderr, /HW5_DATA_MIRRORS is not set/);
  });

  test("unknown dataset exits with status 1", () => {
    const result = run(["--offline", "cifar-10"], { HW5_DATA_DIR: tempDir("cache"), HW5_DATA_MIRRORS: "" });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Unknown dataset cifar-10\. Use: mnist, fashion-mnist, cifar-100\./);
  });
});

// Weight preparation (lib/checkpoints/pretrained.ts, scripts/weights.ts) against a local HTTP
// server on 127.0.0.1 and local files: downloads, conversion to the cache, and failures that
// must leave the cache empty.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { loadMaeVit, loadSimclrResNet, prepareMae, prepareSimclr } from "../../lib/checkpoints/pretrained";
import { readWeightsCache } from "../../lib/checkpoints/weightsCache";
import { ResNetConfig } from "../../lib/models/resnet50";
import { VitConfig } from "../../lib/models/vit";
import { FIXTURE_DIR, loadArray, relativeError } from "./fixtureArrays";

const W8: ResNetConfig = { baseWidth: 8, layers: [3, 4, 6, 3] };
const TINY_VIT: VitConfig = { imageSize: 32, patchSize: 8, embedDim: 48, depth: 2, numHeads: 3, mlpRatio: 4 };
const REPO = path.join(__dirname, "..", "..");

/** URL path -> fixture file, and the bytes to send before dropping the connection (default all). */
type Routes = Record<string, { file: string; cut?: number }>;

async function withServer<T>(routes: Routes, body: (baseUrl: string, hits: string[]) => Promise<T>): Promise<T> {
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(request.url ?? "");
    const route = routes[request.url ?? ""];
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    const bytes = fs.readFileSync(path.join(FIXTURE_DIR, route.file));
    response.writeHead(200, { "content-length": bytes.length });
    if (route.cut === undefined) response.end(bytes);
    else response.end(bytes.subarray(0, route.cut), () => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "weights-"));
}

/** Lists every file below `dir`, relative to it. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)));
}

function sha256(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

const SIMCLR_ROUTES: Routes = {
  "/r50/model.ckpt-250228.index": { file: "simclr_r50_w8.ckpt.index" },
  "/r50/model.ckpt-250228.data-00000-of-00001": { file: "simclr_r50_w8.ckpt.data-00000-of-00001" },
};

test("weights downloads and converts SimCLR", async () => {
  const root = tempDir();
  try {
    await withServer(SIMCLR_ROUTES, async (baseUrl, hits) => {
      const dir = await prepareSimclr({ baseUrl: `${baseUrl}r50/`, cacheRoot: root, config: W8 });
      assert.deepEqual(hits, Object.keys(SIMCLR_ROUTES));
      assert.deepEqual(listFiles(root).sort(), ["simclr_v2_r50_1x_sk0/model.json", "simclr_v2_r50_1x_sk0/weights.bin"]);
      const { info } = readWeightsCache(dir);
      assert.equal(info.sources[1].sha256, sha256(path.join(FIXTURE_DIR, "simclr_r50_w8.ckpt.data-00000-of-00001")));
      assert.equal(info.weightsManifest[0].weights.length, 53 * 5);
      // A second call uses the cache and downloads nothing.
      await prepareSimclr({ baseUrl: `${baseUrl}r50/`, cacheRoot: root, config: W8 });
      assert.equal(hits.length, 2);
    });
    const net = loadSimclrResNet(root);
    const input = loadArray("simclr_r50_w8_input_64");
    const out = tf.tidy(() => net.features(tf.tensor4d(input.data, input.shape as [number, number, number, number])).dataSync());
    const error = relativeError(out, loadArray("simclr_r50_w8_features_64").data);
    assert.ok(error < 1e-4, `relative error ${error}`);
    net.dispose();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("weights converts a local MAE file", async () => {
  const root = tempDir();
  try {
    await prepareMae({ localPath: path.join(FIXTURE_DIR, "mae_vit_tiny.pth"), cacheRoot: root, config: TINY_VIT });
    const vit = loadMaeVit(root);
    const input = loadArray("mae_vit_tiny_input_32");
    const images = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
    const out = vit.forward(images);
    const error = relativeError(out.cls.dataSync(), loadArray("mae_vit_tiny_cls_32").data);
    assert.ok(error < 1e-4, `relative error ${error}`);
    tf.dispose([images, out.cls, out.pooled]);
    vit.dispose();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("weights rejects bad files, cache stays empty", async () => {
  const root = tempDir();
  const scratch = tempDir();
  try {
    const truncated = path.join(scratch, "mae_pretrain_vit_base.pth");
    const bytes = fs.readFileSync(path.join(FIXTURE_DIR, "mae_vit_tiny.pth"));
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 200));
    const cases: [string, () => Promise<string>, RegExp][] = [
      ["truncated archive", () => prepareMae({ localPath: truncated, cacheRoot: root, config: TINY_VIT }), /truncated/],
      [
        "forbidden global",
        () => prepareMae({ localPath: path.join(FIXTURE_DIR, "forbidden_global.pth"), cacheRoot: root, config: TINY_VIT }),
        /forbidden global "os\.system"/,
      ],
      [
        "ViT-B/16 expected, tiny ViT given",
        () => prepareMae({ localPath: path.join(FIXTURE_DIR, "mae_vit_tiny.pth"), cacheRoot: root }),
        /"cls_token" has shape \[1, 1, 48\], expected \[1, 1, 768\]/,
      ],
      [
        "ResNet-50 1x expected, width 8 given",
        () => prepareSimclr({ localPath: path.join(FIXTURE_DIR, "simclr_r50_w8.ckpt"), cacheRoot: root }),
        /"conv2d\/kernel" has shape \[7, 7, 3, 8\], expected \[7, 7, 3, 64\]/,
      ],
      [
        "TensorFlow checkpoint of another model",
        () => prepareSimclr({ localPath: path.join(FIXTURE_DIR, "simclr_tiny_ema.ckpt.index"), cacheRoot: root, config: W8 }),
        /has shape|missing tensor/,
      ],
      ["missing data shard", () => prepareSimclr({ localPath: path.join(scratch, "model.ckpt"), cacheRoot: root }), /model\.ckpt\.index not found/],
    ];
    for (const [label, run, message] of cases) {
      await assert.rejects(run, message, label);
      assert.deepEqual(listFiles(root), [], `${label} wrote to the cache`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

test("weights rejects broken downloads", async () => {
  const root = tempDir();
  try {
    const routes: Routes = {
      "/cut/mae_pretrain_vit_base.pth": { file: "mae_vit_tiny.pth", cut: 1000 },
      "/bad/mae_pretrain_vit_base.pth": { file: "forbidden_global.pth" },
    };
    await withServer(routes, async (baseUrl) => {
      await assert.rejects(
        prepareMae({ baseUrl: `${baseUrl}cut/`, cacheRoot: root, config: TINY_VIT }),
        /Download of mae_pretrain_vit_base\.pth from http:\/\/127\.0\.0\.1:\d+\/cut\/mae_pretrain_vit_base\.pth failed/,
      );
      assert.deepEqual(listFiles(root), []);
      await assert.rejects(prepareMae({ baseUrl: `${baseUrl}missing/`, cacheRoot: root, config: TINY_VIT }), /failed \(HTTP 404\)/);
      assert.deepEqual(listFiles(root), []);
      await assert.rejects(prepareMae({ baseUrl: `${baseUrl}bad/`, cacheRoot: root, config: TINY_VIT }), /forbidden global/);
      assert.deepEqual(listFiles(root), []);
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

function runCli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(REPO, "scripts", "weights.ts"), ...args],
      { cwd: REPO, env: { ...process.env, HW5_DATA_DIR: dataDir, HW5_DATA_MIRRORS: "" }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("weights CLI offline names missing files", async () => {
  const dataDir = tempDir();
  try {
    // A port that was just closed: connections to it are refused.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const base = `http://127.0.0.1:${port}/`;
    const result = await runCli(["--simclr-url", base, "--mae-url", base], dataDir);
    assert.equal(result.code, 1);
    const downloads = path.join(dataDir, "weights", "downloads");
    assert.match(result.stderr, new RegExp(`put it at ${downloads}/model\\.ckpt-250228\\.index, or pass --simclr PATH`));
    assert.match(result.stderr, new RegExp(`put it at ${downloads}/mae_pretrain_vit_base\\.pth, or pass --mae PATH`));
    assert.deepEqual(listFiles(dataDir), []);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test("weights CLI reports a bad local file", async () => {
  const dataDir = tempDir();
  try {
    const result = await runCli(["--only", "mae", "--mae", path.join(FIXTURE_DIR, "forbidden_global.pth")], dataDir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /MAE ViT-B\/16: .*forbidden global "os\.system"/);
    assert.deepEqual(listFiles(dataDir), []);
    const usage = await runCli(["--only", "resnet"], dataDir);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--only resnet: use "simclr" or "mae"/);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { Random } from "../../lib/random";
import { Cifar100Spec, IdxDatasetSpec, MNIST, CIFAR100 } from "../../lib/data";

/* Small synthetic datasets, archives and a loopback HTTP server for the loader tests. */

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** Creates a fresh folder under the system temp folder; remove it with `removeDir`. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hw5-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Big-endian IDX file: magic, dimension sizes, then the bytes. */
export function idxFile(magic: number, dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

export function randomBytes(random: Random, length: number, below = 256): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = random.int(below);
  return out;
}

/** One tar member: a regular file, or a directory when `data` is undefined. */
export interface TarMember {
  name: string;
  data?: Uint8Array;
}

/** Writes a POSIX ustar archive (names up to 100 bytes) followed by two zero blocks. */
export function ustarArchive(members: TarMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const member of members) {
    const header = Buffer.alloc(512);
    const size = member.data?.length ?? 0;
    header.write(member.name, 0, 100, "utf8");
    header.write(member.data === undefined ? "0000755\0" : "0000644\0", 100, "latin1");
    header.write("0000000\0", 108, "latin1");
    header.write("0000000\0", 116, "latin1");
    header.write(size.toString(8).padStart(11, "0") + "\0", 124, "latin1");
    header.write("14544400200\0", 136, "latin1");
    header.write("        ", 148, "latin1");
    header.write(member.data === undefined ? "5" : "0", 156, "latin1");
    header.write("ustar\0" + "00", 257, "latin1");
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
    blocks.push(header);
    if (member.data !== undefined) {
      blocks.push(Buffer.from(member.data));
      blocks.push(Buffer.alloc((512 - (size % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Synthetic IDX dataset: decompressed files by name, and a table whose checksums match them. */
export interface SyntheticIdx {
  spec: IdxDatasetSpec;
  files: Record<string, Buffer>;
}

/**
 * Builds a 4x3-pixel MNIST-shaped dataset (5 train, 3 test images, labels 0..9) and a copy of
 * the MNIST table pointing at it, with downloads disabled unless a test sets `baseUrls`.
 */
export function syntheticIdx(seed = 1): SyntheticIdx {
  const random = new Random(seed);
  const height = 4;
  const width = 3;
  const counts = { train: 5, test: 3 };
  const files: Record<string, Buffer> = {};
  for (const split of ["train", "test"] as const) {
    const names = MNIST.splits[split];
    const count = counts[split];
    files[names.images] = idxFile(2051, [count, height, width], randomBytes(random, count * height * width));
    files[names.labels] = idxFile(2049, [count], randomBytes(random, count, 10));
  }
  const spec: IdxDatasetSpec = {
    ...MNIST,
    baseUrls: [],
    remotes: MNIST.remotes.map((remote) => {
      const name = remote.files[0].name;
      return { ...remote, files: [{ name, check: { kind: "sha256", bytes: files[name].length, sha256: sha256(files[name]) } }] };
    }),
    splits: {
      train: { ...MNIST.splits.train, count: counts.train },
      test: { ...MNIST.splits.test, count: counts.test },
    },
    height,
    width,
  };
  return { spec, files };
}

/** Synthetic CIFAR-100 archive (6 train and 2 test records) and a matching table. */
export interface SyntheticCifar {
  spec: Cifar100Spec;
  archive: Buffer;
  records: Record<"train" | "test", Buffer>;
}

export function cifarRecords(random: Random, count: number): Buffer {
  const out = Buffer.alloc(count * 3074);
  for (let n = 0; n < count; n++) {
    out[n * 3074] = random.int(20);
    out[n * 3074 + 1] = random.int(100);
    out.set(randomBytes(random, 3072), n * 3074 + 2);
  }
  return out;
}

export function syntheticCifar(seed = 2): SyntheticCifar {
  const random = new Random(seed);
  const records = { train: cifarRecords(random, 6), test: cifarRecords(random, 2) };
  // Names files as official copies write them: one name per line, the coarse file with a trailing blank line.
  const fine = Buffer.from(namesText(2));
  const coarse = Buffer.from(namesText(3) + "\n");
  const archive = ustarArchive([
    { name: "cifar-100-binary/" },
    { name: "cifar-100-binary/coarse_label_names.txt", data: coarse },
    { name: "cifar-100-binary/fine_label_names.txt", data: fine },
    { name: "cifar-100-binary/test.bin", data: records.test },
    { name: "cifar-100-binary/train.bin", data: records.train },
  ]);
  const remote = CIFAR100.remotes[0];
  const spec: Cifar100Spec = {
    ...CIFAR100,
    baseUrls: [],
    remotes: [
      {
        ...remote,
        files: remote.files.map((file) => {
          if (file.check.kind === "lines") return file;
          const bytes = file.name === "train.bin" ? records.train : records.test;
          return { ...file, check: { kind: "sha256", bytes: bytes.length, sha256: sha256(bytes) } };
        }),
      },
    ],
    splits: { train: { records: "train.bin", count: 6 }, test: { records: "test.bin", count: 2 } },
  };
  return { spec, archive, records };
}

/** Joins the official names of table entry `index` (2 fine, 3 coarse), one per line. */
function namesText(index: number): string {
  const check = CIFAR100.remotes[0].files[index].check;
  if (check.kind !== "lines") throw new Error("expected a names entry");
  return check.lines.join("\n") + "\n";
}

/** Loopback HTTP server that serves fixed bodies by path and records every request path. */
export interface TestServer {
  /** Base URL ending with "/". */
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 with a random port. `respond` returns the body for a path, or
 * undefined for 404; it may also write the response itself and return "handled".
 */
export async function startServer(
  respond: (pathname: string, response: http.ServerResponse) => Uint8Array | undefined | "handled",
): Promise<TestServer> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    requests.push(pathname);
    const body = respond(pathname, response);
    if (body === "handled") return;
    if (body === undefined) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-length": body.length, "content-type": "application/octet-stream" });
    response.end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/files/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Size, mtime and SHA-256 of every file under `dir`, keyed by relative path. */
export function snapshotFolder(dir: string): Map<string, string> {
  const result = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const relative = path.relative(dir, full);
      const stat = fs.statSync(full);
      if (entry.isDirectory()) {
        result.set(relative + "/", `dir ${stat.mtimeMs}`);
        walk(full);
      } else {
        result.set(relative, `${stat.size} ${stat.mtimeMs} ${sha256(fs.readFileSync(full))}`);
      }
    }
  };
  walk(dir);
  return result;
}

/** Names of all files under `dir` (recursive), sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return [...snapshotFolder(dir).keys()].filter((name) => !name.endsWith("/")).sort();
}

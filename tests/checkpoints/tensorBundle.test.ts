// Reads real TensorFlow-written checkpoints from the folder in HW5_FIXTURES and checks every
// name, dtype, shape, shard, offset and size, and the decoded values, against the tables of
// the README.md in that folder.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { TensorBundle } from "../../lib/checkpoints/tensorBundle";
import { CheckpointTensor } from "../../lib/checkpoints/tensor";

const FIXTURES = process.env.HW5_FIXTURES;
const SKIP = FIXTURES
  ? false
  : "HW5_FIXTURES is not set: point it at the folder of real TensorFlow checkpoints and their README.md";

const DTYPE_NAMES: Record<string, string> = {
  DT_FLOAT: "float32",
  DT_INT32: "int32",
  DT_INT64: "int64",
  DT_STRING: "string",
  DT_BOOL: "bool",
  DT_HALF: "float16",
};

interface ReadmeRow {
  name: string;
  dtype: string;
  shape: number[];
  shard: number;
  offset: number;
  size: number;
}

interface ReadmeValue {
  name: string;
  values: string[];
  firstBytesHex: string;
}

interface ReadmeSection {
  folder: string;
  rows: ReadmeRow[];
  values: ReadmeValue[];
  numShards: number | undefined;
}

/** Splits the README into one section per `## \`folder/\`` heading and parses its tables. */
function parseReadme(text: string): ReadmeSection[] {
  const sections: ReadmeSection[] = [];
  let current: ReadmeSection | undefined;
  for (const line of text.split("\n")) {
    const heading = /^## `([^`]+)\/`/.exec(line);
    if (heading) {
      current = { folder: heading[1], rows: [], values: [], numShards: undefined };
      sections.push(current);
      continue;
    }
    if (!current) continue;
    const header = /^Header entry \(key ""\): num_shards=(\d+)/.exec(line);
    if (header) current.numShards = Number(header[1]);
    const row = /^\| \d+ \| `([^`]+)` \| (DT_\w+) \| \[([\d, ]*)\] \| (\d+) \| (\d+) \| (\d+) \|$/.exec(line);
    if (row) {
      current.rows.push({
        name: row[1],
        dtype: row[2],
        shape: row[3].trim() ? row[3].split(",").map((d) => Number(d.trim())) : [],
        shard: Number(row[4]),
        offset: Number(row[5]),
        size: Number(row[6]),
      });
    }
    const value = /^- `([^`]+)` \(DT_\w+ \[[^\]]*\]\): \[([^\]]*)\]; first element bytes \(LE hex\): `([0-9a-f]+)`/.exec(line);
    if (value) {
      const values = value[2].split(",").map((v) => v.trim()).filter((v) => v && !v.startsWith("..."));
      current.values.push({ name: value[1], values, firstBytesHex: value[3] });
    }
  }
  return sections;
}

function findIndex(folder: string): string {
  const stack = [folder];
  while (stack.length) {
    const dir = stack.pop() as string;
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      if (fs.statSync(full).isDirectory()) stack.push(full);
      else if (name.endsWith(".index")) return full;
    }
  }
  throw new Error(`No .index file in ${folder}.`);
}

function firstElementHex(tensor: CheckpointTensor): string {
  const data = tensor.data;
  if (Array.isArray(data)) throw new Error("string tensor");
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.BYTES_PER_ELEMENT);
  return Buffer.from(bytes).toString("hex");
}

const sections = FIXTURES ? parseReadme(fs.readFileSync(path.join(FIXTURES, "README.md"), "utf8")) : [];

test("README lists the checkpoint folders", { skip: SKIP }, () => {
  assert.ok(sections.length >= 5, `expected at least 5 sections, found ${sections.length}`);
  for (const section of sections) assert.ok(section.rows.length > 0, `${section.folder} has no tensor table`);
});

for (const section of sections) {
  test(`tensor bundle ${section.folder}: index matches README`, () => {
    const bundle = new TensorBundle(findIndex(path.join(FIXTURES as string, section.folder)));
    assert.equal(bundle.header.endianness, 0);
    assert.equal(bundle.header.producer, 1);
    if (section.numShards !== undefined) assert.equal(bundle.header.numShards, section.numShards);
    const listed = bundle.list();
    assert.deepEqual(listed.map((t) => t.name), section.rows.map((r) => r.name));
    for (const [i, row] of section.rows.entries()) {
      const info = listed[i];
      assert.equal(info.dtype, DTYPE_NAMES[row.dtype] ?? row.dtype, `dtype of ${row.name}`);
      assert.deepEqual(info.shape, row.shape, `shape of ${row.name}`);
      assert.equal(info.shardId, row.shard, `shard of ${row.name}`);
      assert.equal(info.offset, row.offset, `offset of ${row.name}`);
      assert.equal(info.size, row.size, `size of ${row.name}`);
    }
  });

  const complete = section.values.length > 0;
  test(`tensor bundle ${section.folder}: values and CRCs`, { skip: complete ? false : "index only, no data shard" }, () => {
    const bundle = new TensorBundle(findIndex(path.join(FIXTURES as string, section.folder)));
    // Reading every tensor verifies every entry CRC-32C, including DT_STRING ones.
    const tensors = bundle.readAll();
    assert.equal(tensors.size, section.rows.length);
    for (const expected of section.values) {
      const tensor = tensors.get(expected.name);
      assert.ok(tensor, `missing ${expected.name}`);
      assert.equal(firstElementHex(tensor), expected.firstBytesHex, `first bytes of ${expected.name}`);
      const data = tensor.data;
      expected.values.forEach((text, i) => {
        const actual = (data as ArrayLike<number | bigint>)[i];
        if (typeof actual === "bigint") assert.equal(actual, BigInt(text), `${expected.name}[${i}]`);
        else assert.equal(actual, Math.fround(Number(text)), `${expected.name}[${i}]`);
      });
    }
    bundle.close();
  });
}

test("tensor bundle string tensor holds the object graph", { skip: SKIP }, () => {
  const bundle = new TensorBundle(path.join(FIXTURES as string, "tf2-keras-2shard", "model.ckpt"));
  const graph = bundle.read("_CHECKPOINTABLE_OBJECT_GRAPH");
  assert.equal(graph.dtype, "string");
  assert.deepEqual(graph.shape, []);
  const [bytes] = graph.data as Uint8Array[];
  assert.equal(bytes.length, 2085);
  // The serialized TrackableObjectGraph names the children of its root node.
  assert.ok(Buffer.from(bytes).includes("layer-1"));
  bundle.close();
});

test("tensor bundle reads a Snappy-compressed index", { skip: SKIP }, () => {
  const bundle = new TensorBundle(path.join(FIXTURES as string, "index-only-minigo-snappy", "minigo"));
  const names = bundle.names();
  assert.equal(names.length, 333);
  assert.equal(names.filter((n) => /^conv2d(_\d+)?\/kernel$/.test(n)).length, 41);
  assert.throws(() => bundle.read("conv2d/kernel"), /data shard .* not found/);
});

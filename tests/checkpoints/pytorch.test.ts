// The torch.save reader on generated archives: dtypes, strided views, shared storages, nested
// dicts, deflated entries, and rejection of unsafe or damaged files.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { decodeTorchCheckpoint, readTorchCheckpoint, readTorchStateDict, stateDictFromTree } from "../../lib/checkpoints/pytorch";
import { PickleDict, unpickle } from "../../lib/checkpoints/pickle";
import { FIXTURE_DIR } from "./fixtureArrays";

const DTYPES_FILE = path.join(FIXTURE_DIR, "torch_dtypes.pth");
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "torch_dtypes.json"), "utf8")) as {
  values: Record<string, (number | string)[]>;
  shapes: Record<string, number[]>;
};

const EXPECTED_DTYPES: Record<string, string> = {
  float32: "float32",
  float16: "float16",
  bfloat16: "bfloat16",
  float64: "float64",
  int64: "int64",
  num_batches_tracked: "int64",
  int32: "int32",
  bool: "bool",
  transposed: "float32",
  offset_view: "float32",
  shared_a: "float32",
  shared_b: "float32",
};

for (const file of ["torch_dtypes.pth", "torch_dtypes_deflate.pth"]) {
  test(`torch reader ${file}: values, dtypes, shapes`, () => {
    const tensors = readTorchStateDict(path.join(FIXTURE_DIR, file), "model");
    assert.deepEqual([...tensors.keys()], Object.keys(EXPECTED_DTYPES));
    for (const [name, dtype] of Object.entries(EXPECTED_DTYPES)) {
      const tensor = tensors.get(name)!;
      assert.equal(tensor.dtype, dtype, `dtype of ${name}`);
      assert.deepEqual(tensor.shape, expected.shapes[name], `shape of ${name}`);
      const actual = Array.from(tensor.data as ArrayLike<number | bigint>);
      const values = expected.values[name];
      assert.equal(actual.length, values.length, `length of ${name}`);
      values.forEach((value, i) => {
        const got = actual[i];
        if (typeof got === "bigint") assert.equal(got, BigInt(value), `${name}[${i}]`);
        else if (dtype === "float64") assert.equal(got, value, `${name}[${i}]`);
        else assert.equal(got, Math.fround(value as number), `${name}[${i}]`);
      });
    }
  });
}

test("torch reader keeps nested dicts and scalars", () => {
  const root = readTorchCheckpoint(DTYPES_FILE);
  assert.ok(root instanceof Map);
  assert.equal(root.get("epoch"), 7);
  assert.equal(root.get("name"), "fixture");
  const nested = stateDictFromTree(root, DTYPES_FILE, "nested");
  assert.deepEqual([...nested.keys()], ["inner.weight"]);
  assert.deepEqual(Array.from(nested.get("inner.weight")!.data as Float32Array), [1, 1, 1, 1]);
});

test("torch reader selects 'model' automatically", () => {
  const tensors = readTorchStateDict(DTYPES_FILE);
  assert.ok(tensors.has("float32"));
  assert.ok(!tensors.has("inner.weight"));
});

test("torch reader rejects a missing entry", () => {
  assert.throws(() => readTorchStateDict(DTYPES_FILE, "optimizer"), /entry "optimizer" not found.*keys model, nested, epoch, name/);
});

test("torch reader rejects a forbidden global", () => {
  assert.throws(() => readTorchCheckpoint(path.join(FIXTURE_DIR, "forbidden_global.pth")), /forbidden global "os\.system"/);
});

test("torch reader rejects truncated archives", () => {
  const bytes = fs.readFileSync(DTYPES_FILE);
  // Cut inside the central directory, inside the storages, and to a few bytes.
  for (const keep of [bytes.length - 30, Math.floor(bytes.length / 2), 100]) {
    assert.throws(
      () => decodeTorchCheckpoint(bytes.subarray(0, keep), "cut.pth"),
      /cut\.pth: .*(truncated|not a ZIP archive)/,
      `kept ${keep} of ${bytes.length} bytes`,
    );
  }
});

test("torch reader detects a corrupted storage", () => {
  const bytes = Buffer.from(fs.readFileSync(DTYPES_FILE));
  // The float32 storage of "float32" contains 1.5 = 0x3fc00000 as its first element.
  const at = bytes.indexOf(Buffer.from([0x00, 0x00, 0xc0, 0x3f]));
  assert.ok(at > 0);
  bytes[at + 3] ^= 0x01;
  assert.throws(() => decodeTorchCheckpoint(bytes, "flipped.pth"), /CRC-32 mismatch/);
});

test("torch reader rejects the legacy format", () => {
  const legacy = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  assert.throws(() => decodeTorchCheckpoint(legacy, "old.pth"), /legacy \(pre-1\.6\) torch\.save format/);
});

const noGlobals = { allowedGlobals: new Set<string>(), reduce: () => null };

test("unpickler rejects INST and STACK_GLOBAL", () => {
  // (S'ls'\nios\nsystem\n.  : protocol-0 INST calling os.system('ls').
  const inst = Buffer.from("(S'ls'\nios\nsystem\n.", "latin1");
  assert.throws(() => unpickle(inst, noGlobals, "inst.pkl"), /opcode STRING \(0x53\) is not allowed/);
  const instOnly = Buffer.from("(ios\nsystem\n.", "latin1");
  assert.throws(() => unpickle(instOnly, noGlobals, "inst.pkl"), /opcode INST \(0x69\) is not allowed/);
  // Protocol 4: SHORT_BINUNICODE 'builtins', SHORT_BINUNICODE 'eval', STACK_GLOBAL.
  const stackGlobal = Buffer.from([0x80, 0x04, 0x8c, 8, ...Buffer.from("builtins"), 0x8c, 4, ...Buffer.from("eval"), 0x93, 0x2e]);
  assert.throws(() => unpickle(stackGlobal, noGlobals, "eval.pkl"), /forbidden global "builtins\.eval"/);
});

test("unpickler decodes plain containers", () => {
  // pickle.dumps({'a': [1, -2, 3.5, True, None, 2**70], 'b': (300, 'x')}, protocol=2) in Python 3.11.
  const bytes = Buffer.from(
    "80027d71002858010000006171015d7102284b014afeffffff47400c000000000000884e8a09000000000000000040" +
      "6558010000006271034d2c015801000000787104867105752e",
    "hex",
  );
  const value = unpickle(bytes, noGlobals, "plain.pkl");
  assert.ok(value instanceof PickleDict);
  const items = value.items;
  assert.deepEqual(items.get("a"), [1, -2, 3.5, true, null, 2n ** 70n]);
  assert.deepEqual(items.get("b"), [300, "x"]);
});

import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

import { initBackend } from "../lib/backend";
import { assertMatchesCpu, type OpCase } from "./backend/cpu-reference";

// Convolution sums run over up to a few hundred float32 terms in another order than on cpu.
const TOLERANCE = 2e-5;

before(async () => {
  const info = await initBackend({ backend: "wasm", threads: 2 });
  assert.equal(info.name, "wasm-simd-threaded");
});

test("fixed kernels are registered", async () => {
  const info = await initBackend();
  for (const name of ["Conv2DBackpropFilter", "Conv2DBackpropInput", "UnsortedSegmentSum", "Tile", "Identity", "Sum", "Mean", "AdamUpdate"]) {
    assert.ok(info.kernelFixes.includes(name), `${name} in ${info.kernelFixes.join(", ")}`);
    assert.notEqual(tf.getKernel(name, "wasm"), undefined, name);
  }
});

type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding;

/** [x shape, filter shape, strides, padding] of a forward conv2d. */
const CONV_CASES: [number[], number[], number | [number, number], Pad][] = [
  [[2, 9, 9, 3], [3, 3, 3, 4], 1, "same"],
  [[2, 9, 9, 3], [3, 3, 3, 4], 2, "same"],
  [[2, 10, 11, 5], [5, 5, 5, 6], 2, "same"],
  [[3, 8, 8, 4], [4, 4, 4, 2], 2, "valid"],
  [[2, 11, 10, 3], [4, 4, 3, 2], 3, "same"],
  [[1, 7, 9, 2], [2, 3, 2, 3], [2, 1], "valid"], // unequal strides: stock input gradient
  [[2, 6, 6, 3], [1, 1, 3, 5], 1, "valid"],
  [[2, 8, 7, 3], [3, 3, 3, 4], 2, [[0, 0], [1, 2], [0, 1], [0, 0]]],
  [[4, 16, 16, 16], [5, 5, 16, 32], 2, "same"],
];

function convLabel([xShape, filterShape, strides, pad]: (typeof CONV_CASES)[number]): string {
  return `x ${JSON.stringify(xShape)} filter ${JSON.stringify(filterShape)} stride ${JSON.stringify(strides)} pad ${JSON.stringify(pad)}`;
}

test("conv2d gradients match cpu", async () => {
  for (const [index, spec] of CONV_CASES.entries()) {
    const [xShape, filterShape, strides, pad] = spec;
    const opCase: OpCase = {
      label: `conv2d ${convLabel(spec)}`,
      shapes: [xShape, filterShape],
      op: (x, filter) => tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, strides, pad),
    };
    await assertMatchesCpu("wasm", opCase, { seed: 300 + index, relativeTolerance: TOLERANCE });
  }
});

test("conv2dTranspose matches cpu with gradients", async () => {
  for (const [index, spec] of CONV_CASES.entries()) {
    const [xShape, filterShape, strides, pad] = spec;
    // The transposed conv maps the forward conv's output shape back to xShape.
    const forward = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      strides,
      1,
      pad,
    );
    const opCase: OpCase = {
      label: `conv2dTranspose ${convLabel(spec)}`,
      shapes: [forward.outShape, filterShape],
      op: (dy, filter) =>
        tf.conv2dTranspose(dy as tf.Tensor4D, filter as tf.Tensor4D, xShape as [number, number, number, number], strides, pad),
    };
    await assertMatchesCpu("wasm", opCase, { seed: 400 + index, relativeTolerance: TOLERANCE });
  }
});

test("tile matches cpu with gradients", async () => {
  const cases: [number[], number[]][] = [
    [[3], [4]],
    [[2, 3], [3, 2]],
    [[1, 1, 1, 5], [2, 3, 4, 1]], // a batch-norm per-channel vector
    [[2, 1, 3, 1], [1, 4, 1, 2]],
    [[3, 5, 7], [1, 1, 1]],
    [[2, 3, 1, 2], [2, 1, 3, 2]],
  ];
  for (const [index, [shape, reps]] of cases.entries()) {
    const opCase: OpCase = { label: `tile ${JSON.stringify(shape)} by ${JSON.stringify(reps)}`, shapes: [shape], op: (x) => tf.tile(x, reps) };
    await assertMatchesCpu("wasm", opCase, { seed: 500 + index, relativeTolerance: 1e-6 });
  }
});

test("tile of int32 and bool matches cpu", async () => {
  const results: number[][] = [];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    const ints = tf.tidy(() => tf.tile(tf.tensor2d([[1, -2, 3]], [1, 3], "int32"), [2, 2]).dataSync());
    const bools = tf.tidy(() => tf.tile(tf.tensor1d([true, false, true], "bool"), [3]).dataSync());
    results.push([...ints, ...bools]);
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[0].slice(0, 6), [1, -2, 3, 1, -2, 3]);
});

test("unsortedSegmentSum matches cpu with gradients", async () => {
  // The gradient (a gather) accepts negative ids but rejects ids >= numSegments.
  const segmentIds = [0, 2, 2, -1, 1, 0, 3];
  const cases: OpCase[] = [
    {
      label: "unsortedSegmentSum [7, 3], a negative id",
      shapes: [[7, 3]],
      op: (x) => tf.unsortedSegmentSum(x, tf.tensor1d(segmentIds, "int32"), 4),
    },
    {
      label: "unsortedSegmentSum [7], empty segments",
      shapes: [[7]],
      op: (x) => tf.unsortedSegmentSum(x, tf.tensor1d(segmentIds, "int32"), 6),
    },
    {
      label: "gather rows with repeats (gradient is unsortedSegmentSum)",
      shapes: [[6, 4]],
      op: (params) => tf.gather(params, tf.tensor1d([5, 0, 5, 2, 2, 2], "int32")),
    },
    {
      label: "gather columns of a 3-d tensor",
      shapes: [[2, 5, 3]],
      op: (params) => tf.gather(params, tf.tensor1d([4, 1, 4], "int32"), 1),
    },
  ];
  for (const [index, opCase] of cases.entries()) {
    await assertMatchesCpu("wasm", opCase, { seed: 600 + index, relativeTolerance: 1e-6 });
  }
  const tooLarge: OpCase = {
    label: "unsortedSegmentSum, id >= numSegments",
    shapes: [[4, 2]],
    op: (x) => tf.unsortedSegmentSum(x, tf.tensor1d([1, 5, 0, 1], "int32"), 3),
  };
  await assertMatchesCpu("wasm", tooLarge, { seed: 610, relativeTolerance: 1e-6, withGrads: false });
});

test("unsortedSegmentSum of int32 matches cpu", async () => {
  const results: number[][] = [];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    const sums = tf.tidy(() =>
      tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32"), tf.tensor1d([1, 1, 0], "int32"), 3).dataSync(),
    );
    results.push([...sums]);
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[0], [5, 6, 4, 6, 0, 0]);
});

test("identity shares memory and survives disposal", async () => {
  await tf.setBackend("wasm");
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const x = tf.tensor2d([[1, -2], [3, 4]]);
  const idsBefore = backend.numDataIds();
  const copy = tf.clone(x);
  assert.equal(backend.numDataIds(), idsBefore, "clone allocated new memory");
  x.dispose();
  assert.deepEqual([...copy.dataSync()], [1, -2, 3, 4]);
  copy.dispose();
  assert.equal(backend.numDataIds(), idsBefore - 1);
});

test("identity keeps int32 and string tensors", async () => {
  await tf.setBackend("wasm");
  const labels = tf.tensor1d([3, 1], "int32");
  const labelsCopy = tf.clone(labels);
  assert.equal(labelsCopy.dtype, "int32");
  assert.deepEqual([...labelsCopy.dataSync()], [3, 1]);
  const words = tf.tensor1d(["a", "b"], "string");
  const wordsCopy = tf.clone(words);
  assert.deepEqual(wordsCopy.arraySync(), ["a", "b"]);
  tf.dispose([labels, labelsCopy, words, wordsCopy]);
});

/**
 * The native OpenBLAS sgemm addon (native/blas) and the wasm matMul, conv2d, Adam, Exp, Erf,
 * broadcast binary, Sum and Mean kernels that use it.
 * When the addon is not built these tests skip, unless HW5_REQUIRE_NATIVE_BLAS=1 (as in CI),
 * which makes them fail with the reason.
 */
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

import { describeBackend, initBackend, type BackendInfo } from "../lib/backend/index";
import { nativeConv2D, nativeConv2DBackpropFilter, nativeConv2DBackpropInput } from "../lib/backend/kernels/conv2d-native";
import { sizeOf } from "../lib/backend/kernels/wasm-kernel-utils";
import { nativeBlasAllowed, nativeBlasStatus, type NativeBinaryOp, type NativeBlas, type PatchGeometry } from "../lib/backend/native-blas";
import { adamStep } from "../lib/backend/kernels/adam-update";
import { Random } from "../lib/random";
import { assertClose, assertMatchesCpu, normalData, type OpCase } from "./backend/cpu-reference";

const status = nativeBlasStatus();
const required = process.env.HW5_REQUIRE_NATIVE_BLAS === "1";
const skip = status.available || required ? false : `native OpenBLAS addon unavailable: ${status.reason}`;

// float32 products over up to ~200 terms, summed in another order than the reference.
const TOLERANCE = 2e-5;

/** The part of the WebAssembly API used here (the project compiles without DOM types). */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike };
};

/** Returns the addon, failing the test with the reason when it is unavailable. */
function addon(): NativeBlas {
  assert.ok(status.available, `The native OpenBLAS addon is required (HW5_REQUIRE_NATIVE_BLAS=1) but unavailable: ${
    status.available ? "" : status.reason
  }`);
  return status.addon;
}

/**
 * Creates a row-major operand of rows x cols with row stride ld from element offset. Its
 * values are random, and NaN padding around them makes any read outside show in the result.
 */
function paddedMatrix(rows: number, cols: number, ld: number, offset: number, random: Random): Float32Array {
  const data = new Float32Array(offset + rows * ld + 3).fill(Number.NaN);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) data[offset + i * ld + j] = random.normal();
  }
  return data;
}

/** c = alpha * op(a) @ op(b) + beta * c in float64 with a triple loop (the reference). */
function referenceGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOffset: number,
  lda: number,
  b: Float32Array,
  bOffset: number,
  ldb: number,
  beta: number,
  c: Float32Array,
  cOffset: number,
  ldc: number,
): Float32Array {
  const result = c.slice();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aValue = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
        const bValue = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
        sum += aValue * bValue;
      }
      const index = cOffset + i * ldc + j;
      result[index] = alpha * sum + (beta === 0 ? 0 : beta * c[index]);
    }
  }
  return result;
}

test("sgemm matches a triple loop for all transposes", { skip }, () => {
  const blas = addon();
  // [m, n, k, extra row stride, offset]
  const sizes: [number, number, number, number, number][] = [
    [1, 1, 1, 0, 0],
    [7, 5, 3, 0, 0],
    [3, 7, 5, 2, 5],
    [33, 17, 65, 3, 1],
    [64, 1, 129, 0, 7],
    [1, 97, 31, 1, 2],
  ];
  let seed = 10;
  for (const [m, n, k, extra, offset] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const random = new Random(seed++);
        const [aRows, aCols] = transA ? [k, m] : [m, k];
        const [bRows, bCols] = transB ? [n, k] : [k, n];
        const [lda, ldb, ldc] = [aCols + extra, bCols + extra, n + extra];
        const a = paddedMatrix(aRows, aCols, lda, offset, random);
        const b = paddedMatrix(bRows, bCols, ldb, offset + 1, random);
        const c = paddedMatrix(m, n, ldc, offset + 2, random);
        const [alpha, beta] = [0.75, -0.5];
        const expected = referenceGemm(transA, transB, m, n, k, alpha, a, offset, lda, b, offset + 1, ldb, beta, c, offset + 2, ldc);
        blas.sgemm(transA, transB, m, n, k, alpha, a, offset, lda, b, offset + 1, ldb, beta, c, offset + 2, ldc);
        const label = `sgemm ${m}x${n}x${k} transA ${transA} transB ${transB} ld +${extra} offset ${offset}`;
        // NaN padding between rows and after c must stay NaN: compare the written elements only.
        for (let i = 0; i < c.length; i++) {
          if (Number.isNaN(expected[i])) assert.ok(Number.isNaN(c[i]), `${label}: padding element ${i} was written`);
        }
        const written = (values: Float32Array) => values.filter((_, i) => !Number.isNaN(expected[i]));
        assertClose(written(c), written(expected), TOLERANCE, label);
      }
    }
  }
});

test("sgemm with k = 0 scales c by beta", { skip }, () => {
  const blas = addon();
  const empty = new Float32Array(0);
  const c = new Float32Array([1, Number.NaN, 3, 4]);
  blas.sgemm(false, false, 2, 2, 0, 1, empty, 0, 1, empty, 0, 2, 0, c, 0, 2);
  assert.deepEqual([...c], [0, 0, 0, 0]);
  const d = new Float32Array([1, 2, 3, 4]);
  blas.sgemm(true, true, 2, 2, 0, 1, empty, 0, 2, empty, 0, 1, 2, d, 0, 2);
  assert.deepEqual([...d], [2, 4, 6, 8]);
});

test("sgemm reads and writes shared wasm memory", { skip }, () => {
  const blas = addon();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  const heap = new Float32Array(memory.buffer);
  heap.set([1, 2, 3, 4, 5, 6], 10); // a: 2 x 3
  heap.set([7, 8, 9, 10, 11, 12], 20); // b: 3 x 2
  blas.sgemm(false, false, 2, 2, 3, 1, heap, 10, 3, heap, 20, 2, 0, heap, 30, 2);
  assert.deepEqual([...heap.subarray(30, 34)], [58, 64, 139, 154]);
  // A view with a byte offset: element 0 of the view is element 40 of the heap.
  const view = new Float32Array(memory.buffer, 40 * 4, 4);
  blas.sgemm(false, false, 2, 2, 3, 1, heap, 10, 3, heap, 20, 2, 0, view, 0, 2);
  assert.deepEqual([...heap.subarray(40, 44)], [58, 64, 139, 154]);
});

test("sgemm rejects bad arguments by name", { skip }, () => {
  const blas = addon();
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  const c = new Float32Array(4);
  const call = (overrides: Partial<Record<"transA" | "m" | "aOffset" | "lda" | "ldc" | "a" | "c", unknown>>) => () =>
    (blas.sgemm as (...args: unknown[]) => void)(
      overrides.transA ?? false, false, overrides.m ?? 2, 2, 3, 1,
      overrides.a ?? a, overrides.aOffset ?? 0, overrides.lda ?? 3,
      b, 0, 2, 0,
      overrides.c ?? c, 0, overrides.ldc ?? 2,
    );
  call({})(); // the valid call the cases below change
  assert.throws(call({ aOffset: 1 }), { name: "RangeError", message: /a needs elements \[1, 7\).*length is 6/ });
  assert.throws(call({ lda: 2 }), { name: "RangeError", message: /lda = 2 is less than 3/ });
  assert.throws(call({ ldc: 3 }), { name: "RangeError", message: /c needs elements \[0, 5\).*length is 4/ });
  assert.throws(call({ m: 2.5 }), { name: "RangeError", message: /m = 2\.5 is invalid/ });
  assert.throws(call({ m: -1 }), { name: "RangeError", message: /m = -1 is invalid/ });
  assert.throws(call({ aOffset: Number.NaN }), { name: "RangeError", message: /aOffset = nan is invalid/i });
  assert.throws(call({ transA: 1 }), { name: "TypeError", message: /transA must be a boolean/ });
  assert.throws(call({ a: new Float64Array(6) }), { name: "TypeError", message: /a must be a Float32Array/ });
  assert.throws(call({ c: [0, 0, 0, 0] }), { name: "TypeError", message: /c must be a Float32Array/ });
  const shared = new Float32Array(16);
  assert.throws(call({ a: shared, c: shared.subarray(4, 8) }), { name: "RangeError", message: /c overlaps a/ });
  assert.throws(() => (blas.sgemm as (...args: unknown[]) => void)(false, false, 2), {
    name: "TypeError",
    message: /expects 16 arguments.*got 3/,
  });
  assert.throws(() => blas.setThreads(0), { name: "RangeError", message: /setThreads: 0 is invalid/ });
});

/** im2col in plain JavaScript (the reference): P[(b, oh, ow), (kh, kw, c)], zero outside x. */
function referenceIm2col(x: Float32Array, g: PatchGeometry): Float32Array {
  const columns = g.filterHeight * g.filterWidth * g.inChannels;
  const patches = new Float32Array(g.batch * g.outHeight * g.outWidth * columns);
  let index = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        for (let kh = 0; kh < g.filterHeight; kh++) {
          for (let kw = 0; kw < g.filterWidth; kw++) {
            for (let c = 0; c < g.inChannels; c++) {
              const ih = oh * g.strideHeight + kh - g.padTop;
              const iw = ow * g.strideWidth + kw - g.padLeft;
              const inside = ih >= 0 && ih < g.inHeight && iw >= 0 && iw < g.inWidth;
              patches[index++] = inside ? x[((b * g.inHeight + ih) * g.inWidth + iw) * g.inChannels + c] : 0;
            }
          }
        }
      }
    }
  }
  return patches;
}

/** Patch geometries with padding on every side, strides 1 to 3 and a filter wider than x. */
const PATCH_GEOMETRIES: PatchGeometry[] = [
  { batch: 2, inHeight: 5, inWidth: 6, inChannels: 3, filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, outHeight: 5, outWidth: 6 },
  { batch: 1, inHeight: 7, inWidth: 5, inChannels: 2, filterHeight: 4, filterWidth: 2, strideHeight: 2, strideWidth: 3, padTop: 0, padLeft: 1, outHeight: 3, outWidth: 2 },
  { batch: 3, inHeight: 2, inWidth: 3, inChannels: 4, filterHeight: 5, filterWidth: 5, strideHeight: 1, strideWidth: 1, padTop: 2, padLeft: 2, outHeight: 2, outWidth: 3 },
  { batch: 2, inHeight: 9, inWidth: 9, inChannels: 1, filterHeight: 3, filterWidth: 3, strideHeight: 3, strideWidth: 3, padTop: 0, padLeft: 0, outHeight: 4, outWidth: 4 },
];

test("im2col matches a plain loop", { skip }, () => {
  const blas = addon();
  for (const [index, g] of PATCH_GEOMETRIES.entries()) {
    const random = new Random(1200 + index);
    const x = normalData(3 + g.batch * g.inHeight * g.inWidth * g.inChannels, random);
    const expected = referenceIm2col(x.subarray(3), g);
    const patches = new Float32Array(expected.length + 4).fill(Number.NaN);
    blas.im2col(x, 3, patches, 2, g);
    assert.deepEqual(patches.subarray(2, 2 + expected.length), expected, `im2col geometry ${index}`);
    assert.ok(Number.isNaN(patches[1]), `im2col geometry ${index}: wrote before the output offset`);
    assert.ok(Number.isNaN(patches[expected.length + 2]), `im2col geometry ${index}: wrote past the output end`);
  }
});

test("col2im is the adjoint of im2col", { skip }, () => {
  // <im2col(x), p> = <x, col2im(p)> for all x and p, checked on random ones.
  const blas = addon();
  for (const [index, g] of PATCH_GEOMETRIES.entries()) {
    const random = new Random(1300 + index);
    const x = normalData(g.batch * g.inHeight * g.inWidth * g.inChannels, random);
    const p = normalData(g.batch * g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels, random);
    const patches = new Float32Array(p.length);
    blas.im2col(x, 0, patches, 0, g);
    const start = normalData(x.length, random);
    const added = start.slice();
    blas.col2im(p, 0, added, 0, g);
    let left = 0;
    let right = 0;
    for (let i = 0; i < p.length; i++) left += patches[i] * p[i];
    for (let i = 0; i < x.length; i++) right += x[i] * (added[i] - start[i]);
    assert.ok(Math.abs(left - right) <= 1e-4 * Math.max(1, Math.abs(left)), `geometry ${index}: ${left} vs ${right}`);
  }
});

test("im2col rejects bad arguments by name", { skip }, () => {
  const blas = addon();
  const g = PATCH_GEOMETRIES[0];
  const x = new Float32Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
  const patches = new Float32Array(g.batch * g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels);
  blas.im2col(x, 0, patches, 0, g); // the valid call the cases below change
  assert.throws(() => blas.im2col(x, 1, patches, 0, g), { name: "RangeError", message: /im2col: x needs 180 elements from offset 1/ });
  assert.throws(() => blas.col2im(patches.subarray(1), 0, x, 0, g), { name: "RangeError", message: /col2im: patches needs 1620 elements from offset 0 .* length is 1619/ });
  assert.throws(() => blas.im2col(x, 0, patches, 0, { ...g, strideWidth: 0 }), { name: "RangeError", message: /strideWidth = 0 is invalid/ });
  const { padTop, ...withoutPadTop } = g;
  assert.equal(padTop, 1);
  assert.throws(() => blas.im2col(x, 0, patches, 0, withoutPadTop as PatchGeometry), { name: "TypeError", message: /padTop must be a number/ });
  const shared = new Float32Array(4000);
  assert.throws(() => blas.im2col(shared, 0, shared.subarray(100), 0, g), { name: "RangeError", message: /x and patches overlap/ });
  assert.throws(() => (blas.im2col as (...args: unknown[]) => void)(x, 0, patches), { name: "TypeError", message: /expects 5 arguments/ });
});

/** Seven runs of `length` floats in one array (w, m, v, g, w', m', v'), with NaN between them. */
function adamMemory(length: number, random: Random): { memory: Float32Array; offsets: number[] } {
  const stride = length + 2;
  const memory = new Float32Array(7 * stride + 1).fill(Number.NaN);
  const offsets = Array.from({ length: 7 }, (_, run) => 1 + run * stride);
  for (let run = 0; run < 4; run++) {
    for (let i = 0; i < length; i++) {
      // Second moments must not be negative.
      const value = random.normal();
      memory[offsets[run] + i] = run === 2 ? value * value : value;
    }
  }
  return { memory, offsets };
}

test("adamStep matches the JavaScript step", { skip }, () => {
  const blas = addon();
  const hyper = { learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 0.05, accBeta1: 0.8 ** 3, accBeta2: 0.99 ** 3 };
  for (const length of [1, 7, 1000]) {
    const { memory, offsets } = adamMemory(length, new Random(length));
    const run = (index: number) => memory.subarray(offsets[index], offsets[index] + length);
    const expected = [4, 5, 6].map(() => new Float32Array(length));
    const arrays = {
      variable: run(0),
      firstMoment: run(1),
      secondMoment: run(2),
      gradient: run(3),
      newVariable: expected[0],
      newFirstMoment: expected[1],
      newSecondMoment: expected[2],
    };
    adamStep(arrays, hyper, hyper.accBeta1, hyper.accBeta2);
    blas.adamStep(memory, offsets, length, hyper);
    for (const [i, index] of [4, 5, 6].entries()) assertClose(run(index), expected[i], 1e-6, `length ${length} run ${index}`);
    // The NaN guards around each run are untouched.
    assert.ok(offsets.every((offset) => Number.isNaN(memory[offset - 1]) && Number.isNaN(memory[offset + length])));
  }
});

test("adamStep rejects bad arguments by name", { skip }, () => {
  const blas = addon();
  const hyper = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, accBeta1: 0.9, accBeta2: 0.999 };
  const { memory, offsets } = adamMemory(5, new Random(1));
  blas.adamStep(memory, offsets, 5, hyper); // the valid call the cases below change
  assert.throws(() => blas.adamStep(memory, offsets.slice(1), 5, hyper), { name: "RangeError", message: /offsets has 6 entries, expected 7/ });
  const late = [...offsets.slice(0, 6), memory.length - 4];
  assert.throws(() => blas.adamStep(memory, late, 5, hyper), { name: "RangeError", message: /newSecondMoment needs elements \[46, 51\), but memory has 50/ });
  const inPlace = [...offsets.slice(0, 4), offsets[0], ...offsets.slice(5)];
  assert.throws(() => blas.adamStep(memory, inPlace, 5, hyper), { name: "RangeError", message: /newVariable at offset 1 overlaps variable at offset 1/ });
  const { epsilon, ...withoutEpsilon } = hyper;
  assert.equal(epsilon, 1e-7);
  assert.throws(() => blas.adamStep(memory, offsets, 5, withoutEpsilon as typeof hyper), { name: "TypeError", message: /epsilon must be a number/ });
  assert.throws(() => (blas.adamStep as (...args: unknown[]) => void)(memory, offsets, 5), { name: "TypeError", message: /expects 4 arguments/ });
});

test("exp and erf on the addon match cpu", { skip }, async () => {
  addon();
  const cases: OpCase[] = [
    { label: "exp", shapes: [[3, 1000]], op: (x) => tf.exp(x) },
    { label: "erf", shapes: [[7, 333]], op: (x) => tf.erf(x) },
    { label: "gelu", shapes: [[64, 17]], op: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) },
  ];
  for (const [index, opCase] of cases.entries()) {
    await assertMatchesCpu("wasm", opCase, { seed: 1200 + index, relativeTolerance: 1e-6 });
  }
  // Special values, to 5 digits: the cpu backend evaluates erf by an approximation.
  const inputs = [Infinity, -Infinity, Number.NaN, 0, -100, 100, 88, -87, 1e-3];
  const results: string[][] = [];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    results.push(
      tf.tidy(() => {
        const x = tf.tensor1d(inputs);
        return [...tf.exp(x).dataSync(), ...tf.erf(x).dataSync()].map((value) => value.toPrecision(5));
      }),
    );
  }
  assert.deepEqual(results[1], results[0]);
});

test("unary rejects bad arguments by name", { skip }, () => {
  const blas = addon();
  const memory = new Float32Array(10);
  blas.unary("exp", memory, 0, 5, 5); // the valid call the cases below change
  assert.throws(() => blas.unary("tanh" as "exp", memory, 0, 5, 5), { name: "RangeError", message: /op "tanh" is unknown, use exp or erf/ });
  assert.throws(() => blas.unary("erf", memory, 0, 6, 5), { name: "RangeError", message: /y needs elements \[6, 11\), but memory has 10/ });
  assert.throws(() => blas.unary("erf", memory, 0, 3, 5), { name: "RangeError", message: /x at offset 0 and y at offset 3 overlap/ });
  assert.throws(() => blas.unary("exp", new Float64Array(10) as unknown as Float32Array, 0, 5, 5), { name: "TypeError", message: /memory must be/ });
  assert.throws(() => (blas.unary as (...args: unknown[]) => void)("exp", memory, 0, 5), { name: "TypeError", message: /expects 5 arguments/ });
});

test("broadcastBinary matches a plain loop", { skip }, () => {
  const blas = addon();
  const random = new Random(1300);
  const [rows, columns] = [5, 7];
  const full = normalData(rows * columns, random);
  const ops: [NativeBinaryOp, (x: number, y: number) => number][] = [
    ["add", (x, y) => x + y],
    ["sub", (x, y) => x - y],
    ["mul", (x, y) => x * y],
    ["div", (x, y) => x / y],
  ];
  for (const layout of ["row", "column"] as const) {
    const small = normalData(layout === "row" ? columns : rows, random);
    for (const [op, apply] of ops) {
      for (const smallFirst of [false, true]) {
        const memory = new Float32Array([...full, ...small, ...new Array<number>(rows * columns).fill(Number.NaN)]);
        const outOffset = full.length + small.length;
        blas.broadcastBinary(op, memory, 0, full.length, outOffset, rows, columns, layout, smallFirst);
        const expected = new Float32Array(rows * columns);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < columns; c++) {
            const s = small[layout === "row" ? c : r];
            const f = full[r * columns + c];
            expected[r * columns + c] = smallFirst ? apply(s, f) : apply(f, s);
          }
        }
        assertClose(memory.subarray(outOffset), expected, 1e-6, `${op} ${layout} smallFirst ${smallFirst}`);
      }
    }
  }
});

test("broadcastBinary rejects bad arguments by name", { skip }, () => {
  const blas = addon();
  const memory = new Float32Array(20);
  blas.broadcastBinary("add", memory, 0, 6, 10, 2, 3, "row", false); // the valid call the cases below change
  assert.throws(() => blas.broadcastBinary("pow" as "add", memory, 0, 6, 10, 2, 3, "row", false), { name: "RangeError", message: /op "pow" is unknown/ });
  assert.throws(() => blas.broadcastBinary("add", memory, 0, 6, 10, 2, 3, "diagonal" as "row", false), { name: "RangeError", message: /layout "diagonal" is unknown/ });
  assert.throws(() => blas.broadcastBinary("add", memory, 0, 6, 15, 2, 3, "row", false), { name: "RangeError", message: /out needs elements \[15, 21\), but memory has 20/ });
  assert.throws(() => blas.broadcastBinary("add", memory, 0, 6, 4, 2, 3, "row", false), { name: "RangeError", message: /out at offset 4 overlaps/ });
  assert.throws(() => blas.broadcastBinary("add", memory, 0, 6, 10, 2, 3, "row", 1 as unknown as boolean), { name: "TypeError", message: /smallFirst must be/ });
  assert.throws(() => (blas.broadcastBinary as (...args: unknown[]) => void)("add", memory), { name: "TypeError", message: /expects 9 arguments/ });
});

test("sumRows matches a plain loop", { skip }, () => {
  const blas = addon();
  const random = new Random(1400);
  for (const [outer, reduced, inner] of [[1, 300, 16], [3, 7, 1], [2, 5, 1100], [4, 0, 3]]) {
    const size = outer * reduced * inner;
    const memory = new Float32Array([...normalData(size, random), ...new Array<number>(outer * inner).fill(Number.NaN)]);
    blas.sumRows(memory, 0, size, outer, reduced, inner, 0.5);
    const expected = new Float32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let sum = 0;
        for (let r = 0; r < reduced; r++) sum += memory[(o * reduced + r) * inner + i];
        expected[o * inner + i] = 0.5 * sum;
      }
    }
    assertClose(memory.subarray(size), expected, 1e-6, `sumRows ${outer} x ${reduced} x ${inner}`);
  }
});

test("sumRows rejects bad arguments by name", { skip }, () => {
  const blas = addon();
  const memory = new Float32Array(30);
  blas.sumRows(memory, 0, 24, 2, 3, 3, 1); // the valid call the cases below change
  assert.throws(() => blas.sumRows(memory, 13, 0, 2, 3, 3, 1), { name: "RangeError", message: /x needs 2 x 3 x 3 elements from offset 13, but memory has 30/ });
  assert.throws(() => blas.sumRows(memory, 0, 26, 2, 3, 3, 1), { name: "RangeError", message: /out needs 6 elements from offset 26/ });
  assert.throws(() => blas.sumRows(memory, 0, 12, 2, 3, 3, 1), { name: "RangeError", message: /x at offset 0 and out at offset 12 overlap/ });
  assert.throws(() => blas.sumRows(memory, 0, 24, 2, 3, 3, "1" as unknown as number), { name: "TypeError", message: /scale must be a number/ });
  assert.throws(() => (blas.sumRows as (...args: unknown[]) => void)(memory, 0, 24), { name: "TypeError", message: /expects 7 arguments/ });
});

test("setThreads sets the OpenBLAS thread count", { skip }, () => {
  const blas = addon();
  const before = blas.getThreads();
  try {
    assert.equal(blas.setThreads(1), 1);
    assert.equal(blas.getThreads(), 1);
  } finally {
    blas.setThreads(before);
  }
  assert.equal(blas.getThreads(), before);
});

test("HW5_NATIVE_BLAS accepts 0, 1 or unset", () => {
  assert.equal(nativeBlasAllowed({}), true);
  assert.equal(nativeBlasAllowed({ HW5_NATIVE_BLAS: "1" }), true);
  assert.equal(nativeBlasAllowed({ HW5_NATIVE_BLAS: "0" }), false);
  assert.throws(() => nativeBlasAllowed({ HW5_NATIVE_BLAS: "yes" }), /Invalid HW5_NATIVE_BLAS="yes"/);
});

let info: BackendInfo | undefined;
/** Counts sgemm calls made by the kernels, through a wrapper around the addon's function. */
let sgemmCalls = 0;

before(async () => {
  info = await initBackend({ backend: "wasm", threads: 2 });
  if (!status.available) return;
  const blas = status.addon;
  const sgemm = blas.sgemm;
  blas.sgemm = (...args: Parameters<NativeBlas["sgemm"]>) => {
    sgemmCalls++;
    sgemm(...args);
  };
});

test("wasm backend reports native sgemm", { skip }, () => {
  addon();
  assert.deepEqual(info?.nativeBlas, { enabled: true, threads: 2 });
  assert.match(describeBackend(info!), /^backend wasm \(SIMD, 2 threads, \d+ kernel fixes, native OpenBLAS sgemm\)/);
});

/** Asserts that `opCase` matches the cpu backend and that the wasm run called sgemm. */
async function assertNativeMatchesCpu(opCase: OpCase, seed: number, withGrads = true): Promise<void> {
  const callsBefore = sgemmCalls;
  await assertMatchesCpu("wasm", opCase, { seed, relativeTolerance: TOLERANCE, withGrads });
  assert.ok(sgemmCalls > callsBefore, `${opCase.label}: no sgemm call`);
}

test("matMul on sgemm matches cpu with gradients", { skip }, async () => {
  addon();
  let seed = 700;
  for (const [m, k, n] of [[65, 130, 70], [256, 33, 17], [9, 200, 31]]) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const opCase: OpCase = {
          label: `matMul ${m}x${k}x${n} transposeA ${transposeA} transposeB ${transposeB}`,
          shapes: [transposeA ? [k, m] : [m, k], transposeB ? [n, k] : [k, n]],
          op: (a, b) => tf.matMul(a, b, transposeA, transposeB),
        };
        await assertNativeMatchesCpu(opCase, seed++);
      }
    }
  }
  const tiny: OpCase = { label: "matMul 2x3x2", shapes: [[2, 3], [3, 2]], op: (a, b) => tf.matMul(a, b) };
  await assertNativeMatchesCpu(tiny, seed);
});

test("batched matMul on sgemm matches cpu", { skip }, async () => {
  addon();
  const cases: [string, number[], number[], boolean, boolean, boolean][] = [
    // label, a shape, b shape, transposeA, transposeB, with gradients
    ["batch 3", [3, 40, 50], [3, 50, 60], false, false, true],
    ["batch 3, both transposed", [3, 50, 40], [3, 60, 50], true, true, true],
    ["batch [2, 2], transposeA", [2, 2, 50, 40], [2, 2, 50, 60], true, false, true],
    ["b unbatched (one merged call)", [3, 40, 50], [50, 60], false, false, false],
    ["b unbatched, transposeA", [3, 50, 40], [50, 60], true, false, false],
    ["a unbatched, transposeB", [40, 50], [3, 60, 50], false, true, false],
  ];
  for (const [index, [label, aShape, bShape, transposeA, transposeB, withGrads]] of cases.entries()) {
    const opCase: OpCase = {
      label: `batched matMul ${label}`,
      shapes: [aShape, bShape],
      op: (a, b) => tf.matMul(a, b, transposeA, transposeB),
    };
    await assertNativeMatchesCpu(opCase, 800 + index, withGrads);
  }
});

test("fused matMul on sgemm matches cpu", { skip }, async () => {
  addon();
  const cases: [string, number[], number[], number[] | undefined, boolean, boolean, tf.fused.Activation][] = [
    // label, a shape, b shape, bias shape, transposeA, transposeB, activation
    ["bias [n], relu", [64, 100], [100, 80], [80], false, false, "relu"],
    ["bias [n], relu, transposeA", [100, 64], [100, 80], [80], true, false, "relu"],
    ["bias [1, n], sigmoid, transposeB", [64, 100], [80, 100], [1, 80], false, true, "sigmoid"],
    ["bias [m, n] through Add, relu", [64, 100], [100, 80], [64, 80], false, false, "relu"],
    ["bias [m, 1] through Add, linear, transposeA", [100, 64], [100, 80], [64, 1], true, false, "linear"],
    ["no bias, elu, transposeB", [64, 100], [80, 100], undefined, false, true, "elu"],
    ["batch 2, bias [n], relu", [2, 40, 50], [2, 50, 60], [60], false, false, "relu"],
    ["batch 2, bias [n], relu, both transposed", [2, 50, 40], [2, 60, 50], [60], true, true, "relu"],
  ];
  for (const [index, [label, aShape, bShape, biasShape, transposeA, transposeB, activation]] of cases.entries()) {
    const shapes = biasShape === undefined ? [aShape, bShape] : [aShape, bShape, biasShape];
    const opCase: OpCase = {
      label: `fused matMul ${label}`,
      shapes,
      op: (a, b, bias) => tf.fused.matMul({ a, b, bias, transposeA, transposeB, activation }),
    };
    await assertNativeMatchesCpu(opCase, 900 + index);
  }
  const prelu: OpCase = {
    label: "fused matMul bias [n], prelu",
    shapes: [[64, 100], [100, 80], [80], [80]],
    op: (a, b, bias, alpha) => tf.fused.matMul({ a, b, bias, activation: "prelu", preluActivationWeights: alpha }),
  };
  await assertNativeMatchesCpu(prelu, 950);
});

test("conv2d gradients on sgemm match cpu", { skip }, async () => {
  addon();
  type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding;
  const cases: [number[], number[], number | [number, number], Pad][] = [
    // x shape, filter shape, strides, padding
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, "same"],
    [[2, 9, 9, 3], [5, 5, 3, 4], 2, "same"],
    [[3, 8, 8, 4], [4, 4, 4, 2], 2, "valid"],
    [[2, 11, 10, 3], [4, 4, 3, 2], 3, "same"],
    [[1, 7, 9, 2], [2, 3, 2, 3], [2, 1], "valid"],
    [[2, 8, 7, 3], [3, 3, 3, 4], 2, [[0, 0], [1, 2], [0, 1], [0, 0]]],
    [[2, 4, 4, 3], [5, 5, 3, 2], 1, "same"], // filter wider than the input
    [[2, 6, 6, 32], [3, 3, 32, 8], 1, "same"], // channel runs long enough for subarray copies
    [[2, 5, 6, 7], [1, 1, 7, 3], 1, "valid"], // 1x1: the input is the patch matrix
    [[2, 5, 6, 7], [1, 1, 7, 3], 2, "same"], // 1x1 stride 2: a ResNet shortcut
  ];
  for (const [index, [xShape, filterShape, strides, pad]] of cases.entries()) {
    const opCase: OpCase = {
      label: `conv2d x ${JSON.stringify(xShape)} filter ${JSON.stringify(filterShape)} stride ${JSON.stringify(strides)} pad ${JSON.stringify(pad)}`,
      shapes: [xShape, filterShape],
      op: (x, filter) => tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, strides, pad),
    };
    await assertNativeMatchesCpu(opCase, 1000 + index);
  }
});

test("fused conv2d on sgemm matches cpu", { skip }, async () => {
  addon();
  const cases: [string, number[], (x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor) => tf.Tensor][] = [
    // label, bias shape, op
    ["bias, relu", [4], (x, filter, bias) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 2, pad: "same", bias, activation: "relu" })],
    ["bias [1, 1, 1, co], linear", [1, 1, 1, 4], (x, filter, bias) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: "valid", bias })],
    ["scalar bias, leakyrelu", [1], (x, filter, bias) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: "same", bias, activation: "leakyrelu", leakyreluAlpha: 0.1 })],
    ["bias, prelu", [4], (x, filter, bias) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: "same", bias, activation: "prelu", preluActivationWeights: tf.fill([4], 0.3) })],
  ];
  for (const [index, [label, biasShape, op]] of cases.entries()) {
    const opCase: OpCase = { label: `fused conv2d ${label}`, shapes: [[2, 7, 6, 3], [3, 3, 3, 4], biasShape], op };
    await assertNativeMatchesCpu(opCase, 1050 + index);
  }
});

test("conv2d kernels agree across batch chunks", { skip }, async () => {
  const blas = addon();
  await tf.setBackend("wasm");
  const backend = tf.backend() as BackendWasm;
  const random = new Random(1100);
  const [xShape, filterShape]: [number, number, number, number][] = [[5, 7, 6, 3], [3, 3, 3, 4]];
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, 2, 1, "same");
  const dyShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  tf.tidy(() => {
    const x = tf.tensor(normalData(sizeOf(xShape), random), xShape);
    const filter = tf.tensor(normalData(sizeOf(filterShape), random), filterShape);
    const dy = tf.tensor(normalData(sizeOf(dyShape), random), dyShape);
    const asTensor = (info: tf.TensorInfo) => tf.engine().makeTensorFromTensorInfo(info);
    // One batch element's patch matrix has 4 * 3 * 27 = 324 floats: 700 makes chunks of 2, 2, 1.
    for (const maxPatchFloats of [700, 1]) {
      const chunkedForward = asTensor(nativeConv2D(blas, backend, x, filter, info, undefined, maxPatchFloats));
      const wholeForward = asTensor(nativeConv2D(blas, backend, x, filter, info));
      assertClose(chunkedForward.dataSync() as Float32Array, wholeForward.dataSync() as Float32Array, 0, `forward, chunks of ${maxPatchFloats} floats`);
      const chunked = asTensor(nativeConv2DBackpropFilter(blas, backend, x, dy, info, maxPatchFloats));
      const whole = asTensor(nativeConv2DBackpropFilter(blas, backend, x, dy, info));
      assertClose(chunked.dataSync() as Float32Array, whole.dataSync() as Float32Array, 1e-6, `filter gradient, chunks of ${maxPatchFloats} floats`);
      const chunkedInput = asTensor(nativeConv2DBackpropInput(blas, backend, dy, filter, info, maxPatchFloats));
      const wholeInput = asTensor(nativeConv2DBackpropInput(blas, backend, dy, filter, info));
      assertClose(chunkedInput.dataSync() as Float32Array, wholeInput.dataSync() as Float32Array, 0, `input gradient, chunks of ${maxPatchFloats} floats`);
    }
  });
});

test("matMul with k = 0 gives zeros", async () => {
  // Runs on the native path when the addon is loaded, else on the wasm kernels.
  const cases: OpCase[] = [
    { label: "matMul k = 0", shapes: [[3, 0], [0, 4]], op: (a, b) => tf.matMul(a, b) },
    { label: "batched matMul k = 0, transposeA", shapes: [[2, 0, 3], [2, 0, 4]], op: (a, b) => tf.matMul(a, b, true, false) },
    {
      label: "fused matMul k = 0, bias, relu",
      shapes: [[3, 0], [0, 4], [4]],
      op: (a, b, bias) => tf.fused.matMul({ a, b, bias, activation: "relu" }),
    },
  ];
  for (const [index, opCase] of cases.entries()) {
    await assertMatchesCpu("wasm", opCase, { seed: 980 + index, relativeTolerance: 0 });
  }
});

test("matMul inputs survive the native path", { skip }, async () => {
  addon();
  await tf.setBackend("wasm");
  const random = new Random(990);
  const aData = normalData(70 * 80, random);
  const bData = normalData(80 * 90, random);
  tf.tidy(() => {
    const a = tf.tensor2d(aData, [70, 80]);
    const b = tf.tensor2d(bData, [80, 90]);
    tf.matMul(a, b, false, false).dataSync();
    tf.matMul(a, b.reshape([90, 80]), false, true).dataSync();
    assert.deepEqual(a.dataSync(), aData);
    assert.deepEqual(b.dataSync(), bData);
  });
});

test("HW5_NATIVE_BLAS=0 turns the addon off", { skip }, () => {
  addon();
  const script = [
    `const { describeBackend, initBackend } = require(${JSON.stringify(path.join(__dirname, "..", "lib", "backend", "index"))});`,
    `initBackend({ backend: "wasm", threads: 2 }).then((info) => console.log(describeBackend(info)));`,
  ].join("\n");
  const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, HW5_NATIVE_BLAS: "0" },
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /native OpenBLAS sgemm off: disabled by HW5_NATIVE_BLAS=0\)/);
});

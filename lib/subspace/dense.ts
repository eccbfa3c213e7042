/**
 * Row-major float64 matrices and the few products the subspace solvers run in their inner loops.
 *
 * ml-matrix stays the public type (`Matrix`), but its `mmul` goes through `get`/`set` and is
 * several times slower than a plain loop over one Float64Array, which matters when a solver
 * evaluates its objective thousands of times. Convert at the API boundary with `fromMatrix` and
 * `toMatrix`.
 */
import { Matrix } from "ml-matrix";

/** A rows x cols matrix stored row by row: entry (i, j) is `data[i * cols + j]`. */
export interface Dense {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function zeros(rows: number, cols: number): Dense {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function fromMatrix(matrix: Matrix): Dense {
  const out = zeros(matrix.rows, matrix.columns);
  for (let i = 0; i < matrix.rows; i++) out.data.set(matrix.getRow(i), i * matrix.columns);
  return out;
}

export function toMatrix(dense: Dense): Matrix {
  const out = new Matrix(dense.rows, dense.cols);
  for (let i = 0; i < dense.rows; i++) {
    out.setRow(i, dense.data.subarray(i * dense.cols, (i + 1) * dense.cols));
  }
  return out;
}

export function copy(dense: Dense): Dense {
  return { rows: dense.rows, cols: dense.cols, data: dense.data.slice() };
}

function checkInner(name: string, left: number, right: number): void {
  if (left !== right) {
    throw new Error(`${name}: inner dimensions differ (${left} vs ${right}).`);
  }
}

export function transpose(a: Dense): Dense {
  const out = zeros(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j];
  }
  return out;
}

/**
 * a b^T for a (m x p) and b (n x p): every entry is a dot product of two contiguous rows. This
 * is the one product kernel. Four partial sums let V8 overlap the multiply-adds, which ran about
 * 3x faster than an axpy-ordered loop for 100 x 200 times 200 x 20 on this project's test machine.
 */
export function matmulTransB(a: Dense, b: Dense): Dense {
  checkInner("matmulTransB", a.cols, b.cols);
  const m = a.rows;
  const p = a.cols;
  const n = b.rows;
  const out = zeros(m, n);
  const ad = a.data;
  const bd = b.data;
  const od = out.data;
  for (let i = 0; i < m; i++) {
    const aRow = i * p;
    for (let j = 0; j < n; j++) {
      const bRow = j * p;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let l = 0;
      for (; l + 3 < p; l += 4) {
        s0 += ad[aRow + l] * bd[bRow + l];
        s1 += ad[aRow + l + 1] * bd[bRow + l + 1];
        s2 += ad[aRow + l + 2] * bd[bRow + l + 2];
        s3 += ad[aRow + l + 3] * bd[bRow + l + 3];
      }
      for (; l < p; l++) s0 += ad[aRow + l] * bd[bRow + l];
      od[i * n + j] = s0 + s1 + s2 + s3;
    }
  }
  return out;
}

/** a b for a (m x p) and b (p x n). */
export function matmul(a: Dense, b: Dense): Dense {
  checkInner("matmul", a.cols, b.rows);
  return matmulTransB(a, transpose(b));
}

/** a^T b for a (p x m) and b (p x n). */
export function matmulTransA(a: Dense, b: Dense): Dense {
  checkInner("matmulTransA", a.rows, b.rows);
  return matmulTransB(transpose(a), transpose(b));
}

/** Squared l2 norm of each row. */
export function rowSquaredNorms(a: Dense): Float64Array {
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let sum = 0;
    for (let j = 0; j < a.cols; j++) {
      const value = a.data[i * a.cols + j];
      sum += value * value;
    }
    out[i] = sum;
  }
  return out;
}

/** Multiplies row i of `a` by `factors[i]` (a new matrix). */
export function scaleRows(a: Dense, factors: ArrayLike<number>): Dense {
  const out = copy(a);
  for (let i = 0; i < a.rows; i++) {
    const factor = factors[i];
    for (let j = 0; j < a.cols; j++) out.data[i * a.cols + j] *= factor;
  }
  return out;
}

/** Frobenius norm. */
export function frobeniusNorm(a: Dense): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += a.data[i] * a.data[i];
  return Math.sqrt(sum);
}

/**
 * Throws when any entry is NaN or infinite, naming `what` (for example "gradient") so
 * the message points at the diverged quantity.
 */
export function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new Error(
        `${what} contains a non-finite value (${values[i]} at flat index ${i}). ` +
          "The iteration diverged: lower the learning rate or initial step, or check the input.",
      );
    }
  }
}

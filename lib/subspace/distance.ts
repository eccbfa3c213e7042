/**
 * Distances between subspaces given by (not necessarily orthonormal) spanning matrices.
 *
 * The projector onto span(B) is B B^+ with the Moore-Penrose pseudoinverse B^+, so the distance
 * ||B1 B1^+ - B2 B2^+||_F compares spans and ignores the basis chosen for each. Principal angles
 * give the same number another way: for spans of dimensions k1 >= k2 with angles t_1..t_k2,
 * distance^2 = (k1 - k2) + 2 * sum_i sin^2(t_i).
 */
import { Matrix, pseudoInverse, SingularValueDecomposition } from "ml-matrix";

function checkSameAmbient(B1: Matrix, B2: Matrix, caller: string): void {
  if (B1.rows !== B2.rows) {
    throw new Error(
      `${caller}: bases live in different spaces (B1 has ${B1.rows} rows, B2 has ${B2.rows}). ` +
        "Pass D x k matrices whose columns span each subspace.",
    );
  }
}

/** Computes the orthogonal projector B B^+ (D x D) onto the column space of B. */
export function projector(B: Matrix): Matrix {
  return B.mmul(pseudoInverse(B));
}

/**
 * Returns ||B1 B1^+ - B2 B2^+||_F for D x k1 and D x k2 bases. It is 0 for equal spans,
 * sqrt(k1 + k2) for orthogonal spans, and sqrt(2 k) at most when k1 = k2 = k. Rank-deficient
 * bases are handled by the pseudoinverse, whose rank cutoff is ml-matrix's default
 * (machine epsilon x max(D, k) x largest singular value).
 */
export function subspaceDistance(B1: Matrix, B2: Matrix): number {
  checkSameAmbient(B1, B2, "subspaceDistance");
  return projector(B1).sub(projector(B2)).norm("frobenius");
}

/**
 * Returns an orthonormal basis (D x r) of the column space of B, with r its numerical rank
 * under the same cutoff as `pseudoInverse`.
 */
export function orthonormalColumns(B: Matrix): Matrix {
  if (B.columns > B.rows) {
    throw new Error(`orthonormalColumns: B is ${B.rows} x ${B.columns}; a basis needs columns <= rows.`);
  }
  const svd = new SingularValueDecomposition(B, { computeRightSingularVectors: false });
  const values = svd.diagonal;
  const cutoff = Number.EPSILON * Math.max(B.rows, B.columns) * values[0];
  let rank = 0;
  while (rank < values.length && values[rank] > cutoff) rank++;
  if (rank === 0) throw new Error("orthonormalColumns: B is zero, so it spans no subspace.");
  return svd.leftSingularVectors.subMatrix(0, B.rows - 1, 0, rank - 1);
}

/**
 * Returns the principal angles (radians, ascending) between span(B1) and span(B2), one per
 * dimension of the smaller span. Cosines come from the singular values of Q1^T Q2 and sines from
 * those of (I - Q1 Q1^T) Q2. Each angle uses asin(sine) below pi/4 and acos(cosine) above, because
 * acos alone loses all digits for angles near 0 (cos t = 1 - t^2/2 rounds to 1 below 1e-8).
 */
export function principalAngles(B1: Matrix, B2: Matrix): number[] {
  checkSameAmbient(B1, B2, "principalAngles");
  let Q1 = orthonormalColumns(B1);
  let Q2 = orthonormalColumns(B2);
  if (Q1.columns < Q2.columns) [Q1, Q2] = [Q2, Q1]; // Q1 spans the larger subspace
  const cross = Q1.transpose().mmul(Q2); // k1 x k2
  const cosines = new SingularValueDecomposition(cross, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  }).diagonal; // descending, k2 values
  const residual = Q2.clone().sub(Q1.mmul(cross)); // D x k2
  const sines = new SingularValueDecomposition(residual, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  })
    .diagonal.slice()
    .reverse(); // ascending, matching the descending cosines
  return cosines.map((cosine, i) => {
    const clippedCosine = Math.min(1, Math.max(0, cosine));
    const clippedSine = Math.min(1, Math.max(0, sines[i]));
    return clippedSine < Math.SQRT1_2 ? Math.asin(clippedSine) : Math.acos(clippedCosine);
  });
}

/**
 * Converts principal angles back to the projector distance: for spans of dimensions k1 and k2,
 * distance^2 = |k1 - k2| + 2 * sum sin^2(angle).
 */
export function distanceFromAngles(angles: number[], k1: number, k2: number): number {
  const sum = angles.reduce((acc, angle) => acc + Math.sin(angle) ** 2, 0);
  return Math.sqrt(Math.abs(k1 - k2) + 2 * sum);
}

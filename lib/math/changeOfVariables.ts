/**
 * Change of variables for X = f(Z) = Z^2 (elementwise), with Z_1..Z_d iid half-normal.
 *
 * The multivariate formula p_X(x) = p_Z(g(x)) |det J_f(g(x))|^{-1} with the inverse
 * g(x) = sqrt(x) and the Jacobian J_f(z) = diag(2 z_1, ..., 2 z_d) gives, on the support
 * x_j > 0 for every j,
 *   p_X(x) = prod_j sqrt(2/pi) exp(-x_j/2) / (2 sqrt(x_j)) = prod_j exp(-x_j/2) / sqrt(2 pi x_j),
 * the product of chi-square densities with one degree of freedom.
 * The determinant is also derived symbolically with mathjs, so the two routes can be compared.
 */
import * as math from "mathjs";

/** Half-normal density 2/sqrt(2 pi) exp(-z^2/2) for z >= 0, and 0 for z < 0. */
export function halfNormalDensity(z: number): number {
  if (Number.isNaN(z)) throw new Error("halfNormalDensity: z is NaN.");
  return z < 0 ? 0 : (2 / Math.sqrt(2 * Math.PI)) * Math.exp(-0.5 * z * z);
}

/** Joint density of d iid half-normal coordinates. */
export function halfNormalJointDensity(z: readonly number[]): number {
  return z.reduce((product, zj) => product * halfNormalDensity(zj), 1);
}

/** Forward map f(z) = z^2 elementwise. */
export function forwardMap(z: readonly number[]): number[] {
  return z.map((zj) => zj * zj);
}

/** Inverse map g(x) = sqrt(x) elementwise, defined on x_j >= 0. */
export function inverseMap(x: readonly number[]): number[] {
  return x.map((xj, j) => {
    if (!(xj >= 0)) throw new Error(`inverseMap: x[${j}] = ${xj} is outside the domain x >= 0.`);
    return Math.sqrt(xj);
  });
}

/** Diagonal of the Jacobian J_f(z) = diag(2 z_j); the off-diagonal entries are 0. */
export function jacobianDiagonal(z: readonly number[]): number[] {
  return z.map((zj) => 2 * zj);
}

/** det J_f(z) = prod_j 2 z_j. */
export function jacobianDeterminant(z: readonly number[]): number {
  return jacobianDiagonal(z).reduce((product, entry) => product * entry, 1);
}

/** True when x lies in the support of X, that is every x_j > 0. */
export function inSupport(x: readonly number[]): boolean {
  return x.every((xj) => xj > 0);
}

function assertFinitePoint(x: readonly number[], caller: string): void {
  if (x.length === 0) throw new Error(`${caller}: x must have at least one coordinate.`);
  x.forEach((xj, j) => {
    if (!Number.isFinite(xj)) throw new Error(`${caller}: x[${j}] = ${xj} is not finite.`);
  });
}

/**
 * Density of X = Z^2 at x, evaluated literally through the change-of-variables formula
 * p_Z(g(x)) / |det J_f(g(x))|. Returns 0 outside the support (some x_j <= 0).
 * Throws on an empty or non-finite x.
 */
export function derivedDensity(x: readonly number[]): number {
  assertFinitePoint(x, "derivedDensity");
  if (!inSupport(x)) return 0;
  const z = inverseMap(x);
  return halfNormalJointDensity(z) / Math.abs(jacobianDeterminant(z));
}

/**
 * Closed form of the same density: prod_j exp(-x_j/2) / sqrt(2 pi x_j), the chi-square density
 * with one degree of freedom per coordinate. Returns 0 outside the support.
 */
export function chiSquareOneDofDensity(x: readonly number[]): number {
  assertFinitePoint(x, "chiSquareOneDofDensity");
  if (!inSupport(x)) return 0;
  return x.reduce((product, xj) => product * Math.exp(-0.5 * xj) / Math.sqrt(2 * Math.PI * xj), 1);
}

/** Symbolic Jacobian determinant of f(z) = z^2 in dimension d, before and after z = g(x). */
export interface SymbolicJacobian {
  /** Jacobian entries d f_i / d z_j as simplified expression strings, row i, column j. */
  entries: string[][];
  /** Simplified determinant in the variables z1..zd. */
  determinantInZ: string;
  /** Simplified determinant after substituting z_j = sqrt(x_j). */
  determinantInX: string;
  /** Evaluates the determinant at z (length d). */
  evaluateInZ(z: readonly number[]): number;
  /** Evaluates the determinant at x (length d, every x_j >= 0). */
  evaluateInX(x: readonly number[]): number;
}

/** Builds the determinant by Laplace expansion along the first row, skipping zero entries. */
function symbolicDeterminant(matrix: math.MathNode[][]): math.MathNode {
  const n = matrix.length;
  if (n === 1) return matrix[0][0];
  const terms: math.MathNode[] = [];
  for (let column = 0; column < n; column++) {
    const entry = matrix[0][column];
    if (math.isConstantNode(entry) && entry.value === 0) continue;
    const minor = matrix.slice(1).map((row) => row.filter((_, j) => j !== column));
    let term: math.MathNode = new math.OperatorNode("*", "multiply", [entry, symbolicDeterminant(minor)]);
    if (column % 2 === 1) term = new math.OperatorNode("-", "unaryMinus", [term]);
    terms.push(term);
  }
  if (terms.length === 0) return new math.ConstantNode(0);
  return terms.reduce((sum, term) => new math.OperatorNode("+", "add", [sum, term]));
}

function evaluatorFor(
  compiled: math.EvalFunction,
  prefix: string,
  dimension: number,
): (point: readonly number[]) => number {
  return (point) => {
    if (point.length !== dimension) {
      throw new Error(`Symbolic Jacobian: expected ${dimension} coordinates, got ${point.length}.`);
    }
    const scope: Record<string, number> = {};
    point.forEach((value, j) => {
      scope[`${prefix}${j + 1}`] = value;
    });
    const value = compiled.evaluate(scope);
    if (typeof value !== "number") {
      throw new Error(`Symbolic Jacobian: evaluation at [${point.join(", ")}] gave a non-real value ${value}.`);
    }
    return value;
  };
}

/**
 * Derives J_f and det J_f for f(z) = (z1^2, ..., zd^2) with mathjs: `derivative` per entry,
 * Laplace expansion of the symbolic matrix, `simplify`, then the substitution z_j = sqrt(x_j).
 * Expansion cost grows like d!, so d is limited to 1..6.
 */
export function symbolicJacobianDeterminant(dimension: number): SymbolicJacobian {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 6) {
    throw new Error(`symbolicJacobianDeterminant: dimension must be an integer in 1..6, got ${dimension}.`);
  }
  const zNames = Array.from({ length: dimension }, (_, j) => `z${j + 1}`);
  const components = zNames.map((name) => math.parse(`${name}^2`));

  // J[i][j] = d f_i / d z_j
  const jacobian = components.map((component) => zNames.map((name) => math.derivative(component, name)));
  const determinantInZ = math.simplify(symbolicDeterminant(jacobian));

  const substituted = determinantInZ.transform((node) =>
    math.isSymbolNode(node) && zNames.includes(node.name) ? math.parse(`sqrt(x${node.name.slice(1)})`) : node,
  );
  const determinantInX = math.simplify(substituted);

  return {
    entries: jacobian.map((row) => row.map((entry) => entry.toString())),
    determinantInZ: determinantInZ.toString(),
    determinantInX: determinantInX.toString(),
    evaluateInZ: evaluatorFor(determinantInZ.compile(), "z", dimension),
    evaluateInX: evaluatorFor(determinantInX.compile(), "x", dimension),
  };
}

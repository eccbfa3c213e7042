/**
 * Composite Simpson quadrature on finite intervals, used to check that densities integrate
 * to one. Integrands with an integrable endpoint singularity must be transformed first
 * (for example x = u^2 for a 1/sqrt(x) singularity at 0) because Simpson's rule evaluates the
 * endpoints.
 */

/**
 * Integrates `f` over [a, b] with the composite Simpson rule on `intervals` subintervals
 * (rounded up to an even number). Throws when `f` returns a non-finite value.
 */
export function simpson(f: (x: number) => number, a: number, b: number, intervals = 2000): number {
  if (!(b > a)) throw new Error(`simpson: expected a < b, got [${a}, ${b}].`);
  const n = intervals % 2 === 0 ? intervals : intervals + 1;
  const h = (b - a) / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const value = f(a + i * h);
    if (!Number.isFinite(value)) {
      throw new Error(`simpson: integrand is ${value} at x = ${a + i * h}; transform the singularity away.`);
    }
    let weight = 2;
    if (i === 0 || i === n) weight = 1;
    else if (i % 2 === 1) weight = 4;
    sum += weight * value;
  }
  return (sum * h) / 3;
}

/**
 * Integrates `f(x1, x2)` over the rectangle [a1, b1] x [a2, b2] with the tensor-product
 * Simpson rule on `intervals` subintervals per axis.
 */
export function simpson2d(
  f: (x1: number, x2: number) => number,
  [a1, b1]: [number, number],
  [a2, b2]: [number, number],
  intervals = 400,
): number {
  return simpson((x1) => simpson((x2) => f(x1, x2), a2, b2, intervals), a1, b1, intervals);
}

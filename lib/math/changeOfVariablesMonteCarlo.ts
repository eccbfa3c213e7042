/**
 * Monte Carlo check of the density derived in changeOfVariables.ts: sample Z half-normal,
 * square it, and compare histograms of X with the derived density. Rows are plain objects
 * ready for a Vega-Lite chart.
 *
 * Near x = 0 the density has a 1/sqrt(x) singularity, so its value at a bin centre is far from
 * the bin's probability divided by its width. Each row therefore also carries the bin mean of
 * the derived density, which is what the empirical density estimates.
 */
import { Random } from "../random";
import { derivedDensity } from "./changeOfVariables";
import { simpson } from "./quadrature";

/** n samples of Z in R^d, row-major (n * d), each coordinate |N(0, 1)|, i.e. half-normal. */
export function sampleHalfNormal(count: number, dimension: number, seed: number): Float64Array {
  if (!Number.isInteger(count) || count < 1) throw new Error(`sampleHalfNormal: count must be a positive integer, got ${count}.`);
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new Error(`sampleHalfNormal: dimension must be a positive integer, got ${dimension}.`);
  }
  const random = new Random(seed);
  const samples = new Float64Array(count * dimension);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.abs(random.normal());
  return samples;
}

/** X = Z^2 elementwise, same layout as the input. */
export function squareSamples(z: Float64Array): Float64Array {
  return z.map((value) => value * value);
}

/**
 * Probability that one coordinate of X falls in [a, b] (0 <= a < b), integrating the derived
 * 1-D density after the substitution x = u^2, which removes the singularity at 0:
 * P = int_{sqrt(a)}^{sqrt(b)} p(u^2) 2u du.
 */
export function derivedBinProbability(a: number, b: number): number {
  if (!(a >= 0 && b > a)) throw new Error(`derivedBinProbability: expected 0 <= a < b, got [${a}, ${b}].`);
  const integrand = (u: number) => (u === 0 ? limitAtZero() : derivedDensity([u * u]) * 2 * u);
  return simpson(integrand, Math.sqrt(a), Math.sqrt(b), 200);
}

/** lim_{u -> 0} p(u^2) 2u = 2 / sqrt(2 pi) for the chi-square density with one dof. */
function limitAtZero(): number {
  return 2 / Math.sqrt(2 * Math.PI);
}

/** One bin of a 1-D histogram of a coordinate of X. */
export interface DensityHistogramRow {
  binStart: number;
  binEnd: number;
  binCentre: number;
  /** Fraction of samples in the bin divided by the bin width. */
  empiricalDensity: number;
  /** Derived density at the bin centre. */
  derivedDensity: number;
  /** Derived probability of the bin divided by its width. */
  derivedBinMean: number;
}

function checkBins(bins: number, maxValue: number, caller: string): void {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`${caller}: bins must be a positive integer, got ${bins}.`);
  if (!(maxValue > 0)) throw new Error(`${caller}: maxValue must be positive, got ${maxValue}.`);
}

/**
 * Histogram of coordinate `coordinate` of X (row-major, `dimension` columns) on [0, maxValue]
 * with equal-width bins. Samples above maxValue count in the total but in no bin, so the
 * empirical density stays normalised over (0, inf).
 */
export function histogram1d(
  x: Float64Array,
  dimension: number,
  coordinate: number,
  bins: number,
  maxValue: number,
): DensityHistogramRow[] {
  checkBins(bins, maxValue, "histogram1d");
  if (x.length % dimension !== 0) throw new Error(`histogram1d: ${x.length} values do not form rows of ${dimension}.`);
  if (coordinate < 0 || coordinate >= dimension) throw new Error(`histogram1d: coordinate ${coordinate} is not in 0..${dimension - 1}.`);
  const count = x.length / dimension;
  const width = maxValue / bins;
  const counts = new Float64Array(bins);
  for (let i = 0; i < count; i++) {
    const bin = Math.floor(x[i * dimension + coordinate] / width);
    if (bin >= 0 && bin < bins) counts[bin]++;
  }
  return Array.from(counts, (binCount, bin) => {
    const binStart = bin * width;
    const binEnd = binStart + width;
    const binCentre = binStart + width / 2;
    return {
      binStart,
      binEnd,
      binCentre,
      empiricalDensity: binCount / (count * width),
      derivedDensity: derivedDensity([binCentre]),
      derivedBinMean: derivedBinProbability(binStart, binEnd) / width,
    };
  });
}

/** One cell of a 2-D histogram of (X_1, X_2). */
export interface DensityHistogram2dCell {
  x1Centre: number;
  x2Centre: number;
  empiricalDensity: number;
  /** Derived density at the cell centre. */
  derivedDensity: number;
  /** Derived probability of the cell divided by its area (product of the 1-D bin means). */
  derivedBinMean: number;
}

/** 2-D histogram cells of the first two coordinates and the largest |empirical - derived bin mean|. */
export interface DensityHistogram2d {
  cells: DensityHistogram2dCell[];
  maxAbsDeviation: number;
}

/**
 * 2-D histogram of coordinates 0 and 1 of X (row-major, `dimension` >= 2 columns) on
 * [0, maxValue]^2 against the product density. The deviation compares cell averages, because
 * the density is unbounded along both axes near 0.
 */
export function histogram2d(x: Float64Array, dimension: number, bins: number, maxValue: number): DensityHistogram2d {
  checkBins(bins, maxValue, "histogram2d");
  if (dimension < 2) throw new Error(`histogram2d: needs dimension >= 2, got ${dimension}.`);
  if (x.length % dimension !== 0) throw new Error(`histogram2d: ${x.length} values do not form rows of ${dimension}.`);
  const count = x.length / dimension;
  const width = maxValue / bins;
  const counts = new Float64Array(bins * bins);
  for (let i = 0; i < count; i++) {
    const bin1 = Math.floor(x[i * dimension] / width);
    const bin2 = Math.floor(x[i * dimension + 1] / width);
    if (bin1 >= 0 && bin1 < bins && bin2 >= 0 && bin2 < bins) counts[bin1 * bins + bin2]++;
  }
  const binMeans = Array.from({ length: bins }, (_, bin) => derivedBinProbability(bin * width, (bin + 1) * width) / width);

  const cells: DensityHistogram2dCell[] = [];
  let maxAbsDeviation = 0;
  for (let bin1 = 0; bin1 < bins; bin1++) {
    for (let bin2 = 0; bin2 < bins; bin2++) {
      const x1Centre = (bin1 + 0.5) * width;
      const x2Centre = (bin2 + 0.5) * width;
      const empiricalDensity = counts[bin1 * bins + bin2] / (count * width * width);
      const derivedBinMean = binMeans[bin1] * binMeans[bin2];
      maxAbsDeviation = Math.max(maxAbsDeviation, Math.abs(empiricalDensity - derivedBinMean));
      cells.push({ x1Centre, x2Centre, empiricalDensity, derivedDensity: derivedDensity([x1Centre, x2Centre]), derivedBinMean });
    }
  }
  return { cells, maxAbsDeviation };
}

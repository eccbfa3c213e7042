/**
 * Principal component analysis of a dataset kept in JavaScript, through the eigendecomposition
 * of the dim x dim covariance matrix (for MNIST 784 x 784, much cheaper than an SVD of the
 * 60000 x 784 data matrix). Data are mean-centred by default, as in standard PCA.
 */
import * as tf from "@tensorflow/tfjs";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { batchTensor, checkDataset, DenseDataset, identityRows } from "../train/dataset";

export interface PcaModel {
  dim: number;
  /** Number of principal components kept. */
  components: number;
  /** Whether the mean was subtracted. With `centered: false`, `mean` is all zeros. */
  centered: boolean;
  /** Mean of the fitted rows, length dim. */
  mean: Float64Array;
  /** Principal directions as rows, [components, dim] row-major, orthonormal, by decreasing variance. */
  basis: Float64Array;
  /** Variance along each direction (covariance eigenvalues with divisor N), decreasing. */
  variances: Float64Array;
}

export interface PcaOptions {
  /** Subtract the mean before the decomposition. Default true. */
  center?: boolean;
  /** Rows per tensor when accumulating the covariance. Default 2000. */
  chunkRows?: number;
}

function rowOf(dataset: DenseDataset, row: number, target: Float64Array): void {
  const scale = dataset.scale ?? 1;
  const offset = row * dataset.dim;
  for (let j = 0; j < dataset.dim; j++) target[j] = dataset.values[offset + j] * scale;
}

/**
 * Fits PCA with `components` directions. The covariance is accumulated chunk by chunk with
 * float32 matrix products on the active TF.js backend and summed in float64.
 */
export function fitPca(dataset: DenseDataset, components: number, options: PcaOptions = {}): PcaModel {
  checkDataset(dataset, "PCA data");
  const { dim, count } = dataset;
  if (!Number.isInteger(components) || components < 1 || components > dim) {
    throw new Error(`PCA components must be an integer in [1, ${dim}], got ${components}.`);
  }
  const centered = options.center ?? true;
  const chunkRows = options.chunkRows ?? 2000;

  const mean = new Float64Array(dim);
  if (centered) {
    const row = new Float64Array(dim);
    for (let i = 0; i < count; i++) {
      rowOf(dataset, i, row);
      for (let j = 0; j < dim; j++) mean[j] += row[j];
    }
    for (let j = 0; j < dim; j++) mean[j] /= count;
  }

  // Covariance = sum over chunks of Xc^T Xc / count, with Xc the centred chunk [rows, dim].
  const covariance = new Float64Array(dim * dim);
  const rows = identityRows(count);
  const meanTensor = tf.tensor1d(Float32Array.from(mean));
  for (let start = 0; start < count; start += chunkRows) {
    const end = Math.min(count, start + chunkRows);
    const product = tf.tidy(() => {
      const chunk = tf.sub(batchTensor(dataset, rows, start, end), meanTensor); // [rows, dim]
      // Explicit transpose: the stock wasm backend is slow on transposed matMul operands.
      return tf.matMul(tf.transpose(chunk), chunk); // [dim, dim]
    });
    const values = product.dataSync();
    product.dispose();
    for (let i = 0; i < values.length; i++) covariance[i] += values[i];
  }
  meanTensor.dispose();

  const matrix = new Matrix(dim, dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) matrix.set(i, j, (covariance[i * dim + j] + covariance[j * dim + i]) / (2 * count));
  }
  const decomposition = new EigenvalueDecomposition(matrix, { assumeSymmetric: true });
  const eigenvalues = decomposition.realEigenvalues;
  const vectors = decomposition.eigenvectorMatrix; // columns are eigenvectors
  const order = eigenvalues.map((_, i) => i).sort((a, b) => eigenvalues[b] - eigenvalues[a]);

  const basis = new Float64Array(components * dim);
  const variances = new Float64Array(components);
  for (let c = 0; c < components; c++) {
    const column = order[c];
    variances[c] = eigenvalues[column];
    for (let j = 0; j < dim; j++) basis[c * dim + j] = vectors.get(j, column);
  }
  return { dim, components, centered, mean, basis, variances };
}

function checkDims(pca: PcaModel, dataset: DenseDataset): void {
  checkDataset(dataset, "PCA input");
  if (dataset.dim !== pca.dim) throw new Error(`PCA input rows have ${dataset.dim} values, the PCA was fitted on ${pca.dim}.`);
}

/** Projects every row onto the principal directions: [count, components] row-major codes. */
export function pcaEncode(pca: PcaModel, dataset: DenseDataset): Float32Array {
  checkDims(pca, dataset);
  const { dim, components } = pca;
  const codes = new Float32Array(dataset.count * components);
  const row = new Float64Array(dim);
  for (let i = 0; i < dataset.count; i++) {
    rowOf(dataset, i, row);
    for (let j = 0; j < dim; j++) row[j] -= pca.mean[j];
    for (let c = 0; c < components; c++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += row[j] * pca.basis[c * dim + j];
      codes[i * components + c] = dot;
    }
  }
  return codes;
}

/**
 * Average squared reconstruction error per row: |x - (mean + V^T V (x - mean))|^2 summed over
 * the dim values and averaged over the rows (the Fig. 2B measure of Hinton & Salakhutdinov).
 */
export function pcaReconstructionError(pca: PcaModel, dataset: DenseDataset): number {
  checkDims(pca, dataset);
  const { dim, components } = pca;
  const residual = new Float64Array(dim);
  let total = 0;
  for (let i = 0; i < dataset.count; i++) {
    rowOf(dataset, i, residual);
    for (let j = 0; j < dim; j++) residual[j] -= pca.mean[j];
    for (let c = 0; c < components; c++) {
      const offset = c * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += residual[j] * pca.basis[offset + j];
      for (let j = 0; j < dim; j++) residual[j] -= dot * pca.basis[offset + j];
    }
    for (let j = 0; j < dim; j++) total += residual[j] * residual[j];
  }
  return total / dataset.count;
}

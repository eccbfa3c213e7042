/**
 * Robust subspace recovery for Problem 1(a): synthetic data, PCA, subspace distances, solvers
 * for the linear-autoencoder objectives Eq. (1) and Eq. (2), outlier detection and the sweeps
 * behind the figures.
 */
export * from "./data";
export * from "./distance";
export * from "./pca";
export * from "./objectives";
export * from "./descent";
export * from "./irls";
export * from "./restarts";
export * from "./outliers";
export * from "./experiments";

/**
 * Runs every benchmark (`npm run bench`). Arguments are passed on to each benchmark, for
 * example `npm run bench -- --backends wasm-fixed-2 --steps 30`.
 */
import { runDenseAutoencoderBench } from "./dense-autoencoder";

const tensorsConstant = runDenseAutoencoderBench(process.argv.slice(2));
if (!tensorsConstant) {
  console.error("A live tensor count changed between steps: some step leaks tensors.");
  process.exitCode = 1;
}

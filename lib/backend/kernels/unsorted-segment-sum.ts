/**
 * UnsortedSegmentSum for the wasm backend, which tfjs-backend-wasm 4.22.0 lacks. It is the
 * gradient of gather, so without it no embedding or gather-based model trains on wasm.
 * One pass in JavaScript over the wasm heap: row i of x is added to row segmentIds[i].
 */
import * as tf from "@tensorflow/tfjs";
import { kernelInput, sizeOf, type WasmKernelArgs, type WasmKernelFunc } from "./wasm-kernel-utils";

/**
 * Sums x[i, ...] into out[segmentIds[i], ...] for segmentIds of any rank r whose shape is the
 * first r axes of x. Ids outside [0, numSegments) are skipped, as the cpu backend does.
 */
export function makeUnsortedSegmentSum(): WasmKernelFunc {
  return (args: WasmKernelArgs): tf.TensorInfo => {
    const x = kernelInput(args.inputs, "x");
    const segmentIds = kernelInput(args.inputs, "segmentIds");
    const { numSegments } = args.attrs as { numSegments: number };
    const backend = args.backend;
    const idRank = segmentIds.shape.length;
    const leadingShape = x.shape.slice(0, idRank);
    if (segmentIds.dtype !== "int32" || leadingShape.some((dim, axis) => dim !== segmentIds.shape[axis])) {
      throw new Error(
        `UnsortedSegmentSum needs int32 segmentIds whose shape [${segmentIds.shape}] starts the shape ` +
          `of x [${x.shape}].`,
      );
    }
    if (x.dtype !== "float32" && x.dtype !== "int32") {
      throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32 x, got ${x.dtype}.`);
    }

    const rowShape = x.shape.slice(idRank);
    const rowSize = sizeOf(rowShape);
    // Memory from makeOutput (malloc) is not zeroed.
    const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
    const sums = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
    sums.fill(0);
    const values = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
    for (let i = 0; i < ids.length; i++) {
      const segment = ids[i];
      if (segment < 0 || segment >= numSegments) continue;
      const source = i * rowSize;
      const target = segment * rowSize;
      for (let j = 0; j < rowSize; j++) sums[target + j] += values[source + j];
    }
    return out;
  };
}

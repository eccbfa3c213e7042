/*
 * IDX format (MNIST, Fashion-MNIST): a big-endian header of magic number and dimension sizes,
 * then the unsigned bytes in row-major order. Magic 2051 = 0x00000803 means unsigned bytes with
 * three dimensions (images), 2049 = 0x00000801 unsigned bytes with one dimension (labels).
 */

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

/** Images from an idx3-ubyte file: `count` images of `height` x `width` bytes. */
export interface IdxImages {
  pixels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

function readHeader(bytes: Uint8Array, words: number, source: string): number[] {
  if (bytes.length < 4 * words) {
    throw new Error(`${source} is not an IDX file: ${bytes.length} bytes, shorter than its ${4 * words}-byte header.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: number[] = [];
  for (let i = 0; i < words; i++) header.push(view.getUint32(4 * i, false));
  return header;
}

/**
 * Parses an idx3-ubyte image file. `source` names the file in error messages.
 *
 * Throws when the magic number is not 2051, a dimension is zero, or the file length differs
 * from 16 + count * height * width bytes. The pixels are copied into a fresh array.
 */
export function parseIdxImages(bytes: Uint8Array, source: string): IdxImages {
  const [magic, count, height, width] = readHeader(bytes, 4, source);
  if (magic !== IDX_IMAGES_MAGIC) {
    throw new Error(
      `${source} has IDX magic number ${magic}, expected ${IDX_IMAGES_MAGIC} (unsigned bytes, 3 dimensions); ` +
        `it is not an image file.`,
    );
  }
  if (count === 0 || height === 0 || width === 0) {
    throw new Error(`Invalid IDX file ${source}: empty dimension in ${count} x ${height} x ${width}.`);
  }
  const expected = 16 + count * height * width;
  if (bytes.length !== expected) {
    throw new Error(
      `Invalid IDX file ${source}: size is ${bytes.length} bytes, but its header (${count} x ${height} x ${width}) requires ${expected}.`,
    );
  }
  // Copy into a plain Uint8Array: Buffer#slice would return a view of the whole file.
  return { pixels: new Uint8Array(bytes.subarray(16)), count, height, width };
}

/**
 * Parses an idx1-ubyte label file. Throws when the magic number is not 2049, the file length
 * differs from 8 + count bytes, or a label is `classCount` or larger.
 */
export function parseIdxLabels(bytes: Uint8Array, source: string, classCount: number): Uint8Array {
  const [magic, count] = readHeader(bytes, 2, source);
  if (magic !== IDX_LABELS_MAGIC) {
    throw new Error(
      `${source} has IDX magic number ${magic}, expected ${IDX_LABELS_MAGIC} (unsigned bytes, 1 dimension); ` +
        `it is not a label file.`,
    );
  }
  if (bytes.length !== 8 + count) {
    throw new Error(`Invalid IDX file ${source}: size is ${bytes.length} bytes, but its header (${count} labels) requires ${8 + count}.`);
  }
  const labels = new Uint8Array(bytes.subarray(8));
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classCount) {
      throw new Error(`Invalid label file ${source}: label ${labels[i]} at index ${i} is outside 0..${classCount - 1}.`);
    }
  }
  return labels;
}

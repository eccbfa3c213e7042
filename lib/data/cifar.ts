/*
 * CIFAR binary records: 1 byte coarse label, 1 byte fine label, then 3072 pixel bytes as three
 * 32x32 row-major planes (red, green, blue).
 */

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
const PIXELS = PLANE * CIFAR_CHANNELS;
/** Bytes per CIFAR-100 record: two labels and 3072 pixels. */
export const CIFAR100_RECORD_BYTES = 2 + PIXELS;

/** Parsed CIFAR-100 records with pixels in NHWC order. */
export interface CifarRecords {
  images: Uint8Array;
  fineLabels: Uint8Array;
  coarseLabels: Uint8Array;
  count: number;
}

/**
 * Parses CIFAR-100 binary records and converts each image from planar CHW to interleaved HWC.
 * `source` names the file in error messages.
 *
 * Throws when the length is not `expectedCount` records of 3074 bytes, or a fine label is 100
 * or more, or a coarse label is 20 or more.
 */
export function parseCifar100Records(bytes: Uint8Array, source: string, expectedCount: number): CifarRecords {
  if (bytes.length % CIFAR100_RECORD_BYTES !== 0) {
    throw new Error(`Invalid CIFAR-100 file ${source}: ${bytes.length} bytes is not a whole number of ${CIFAR100_RECORD_BYTES}-byte records.`);
  }
  const count = bytes.length / CIFAR100_RECORD_BYTES;
  if (count !== expectedCount) {
    throw new Error(`Invalid CIFAR-100 file ${source}: found ${count} records, expected ${expectedCount}.`);
  }

  const images = new Uint8Array(count * PIXELS);
  const fineLabels = new Uint8Array(count);
  const coarseLabels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const record = n * CIFAR100_RECORD_BYTES;
    coarseLabels[n] = bytes[record];
    fineLabels[n] = bytes[record + 1];
    if (coarseLabels[n] >= 20 || fineLabels[n] >= 100) {
      throw new Error(
        `Invalid CIFAR-100 file ${source}: record ${n} has coarse label ${coarseLabels[n]} and fine label ${fineLabels[n]}; ` +
          `valid ranges are 0..19 and 0..99.`,
      );
    }
    // (3, 32, 32) planes -> (32, 32, 3) interleaved.
    const red = record + 2;
    const out = n * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[red + p];
      images[out + 3 * p + 1] = bytes[red + PLANE + p];
      images[out + 3 * p + 2] = bytes[red + 2 * PLANE + p];
    }
  }
  return { images, fineLabels, coarseLabels, count };
}

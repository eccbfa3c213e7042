/*
 * sumRows(memory, xOffset, outOffset, outer, reduced, inner, scale) reads x as an
 * [outer, reduced, inner] block of Float32Array `memory` (the wasm heap, or any array) and
 * writes out[o, i] = scale * sum over r of x[o, r, i], an [outer, inner] block. The sums run in
 * double precision. Both runs must lie inside memory and must not overlap.
 */

#include "addon.h"
#include "args.h"

#define SUM_ROWS_ARGC 7
/* Columns summed at a time: the double accumulators of one chunk stay in L1 cache. */
#define COLUMN_CHUNK 512

static void sum_rows(const float *restrict x, float *restrict out, size_t outer, size_t reduced, size_t inner, double scale) {
  double acc[COLUMN_CHUNK];
  for (size_t o = 0; o < outer; o++) {
    const float *block = x + o * reduced * inner;
    for (size_t start = 0; start < inner; start += COLUMN_CHUNK) {
      const size_t width = inner - start < COLUMN_CHUNK ? inner - start : COLUMN_CHUNK;
      for (size_t i = 0; i < width; i++) acc[i] = 0;
      for (size_t r = 0; r < reduced; r++) {
        const float *row = block + r * inner + start;
        for (size_t i = 0; i < width; i++) acc[i] += row[i];
      }
      for (size_t i = 0; i < width; i++) out[o * inner + start + i] = (float)(acc[i] * scale);
    }
  }
}

napi_value js_sum_rows(napi_env env, napi_callback_info info) {
  napi_value argv[SUM_ROWS_ARGC];
  if (!read_arguments(env, info, "sumRows", "memory, xOffset, outOffset, outer, reduced, inner, scale", SUM_ROWS_ARGC, argv)) return NULL;

  FloatArray memory;
  int x_offset, out_offset, outer, reduced, inner;
  double scale;
  if (!read_float_array(env, "sumRows", argv[0], "memory", &memory) ||
      !read_int(env, "sumRows", argv[1], "xOffset", 0, &x_offset) ||
      !read_int(env, "sumRows", argv[2], "outOffset", 0, &out_offset) ||
      !read_int(env, "sumRows", argv[3], "outer", 0, &outer) || !read_int(env, "sumRows", argv[4], "reduced", 0, &reduced) ||
      !read_int(env, "sumRows", argv[5], "inner", 0, &inner) || !read_number(env, "sumRows", argv[6], "scale", &scale)) {
    return NULL;
  }

  size_t x_size, out_size = (size_t)outer * (size_t)inner;
  if (__builtin_mul_overflow(out_size, (size_t)reduced, &x_size) || (size_t)x_offset + x_size > memory.length) {
    throw_range_error(env, "sumRows: x needs %d x %d x %d elements from offset %d, but memory has %zu.", outer, reduced, inner,
                      x_offset, memory.length);
    return NULL;
  }
  if ((size_t)out_offset + out_size > memory.length) {
    throw_range_error(env, "sumRows: out needs %zu elements from offset %d, but memory has %zu.", out_size, out_offset,
                      memory.length);
    return NULL;
  }
  if (ranges_overlap(memory.data + x_offset, x_size * sizeof(float), memory.data + out_offset, out_size * sizeof(float))) {
    throw_range_error(env, "sumRows: x at offset %d and out at offset %d overlap.", x_offset, out_offset);
    return NULL;
  }
  sum_rows(memory.data + x_offset, memory.data + out_offset, (size_t)outer, (size_t)reduced, (size_t)inner, scale);
  return NULL;
}

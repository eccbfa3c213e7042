/*
 * Patch matrices (im2col) of a 2-D convolution on NHWC data, without dilation.
 *
 * im2col(x, xOffset, patches, patchesOffset, geometry) writes the patch matrix P of the batch
 * elements in x. P has one row per output position (b, oh, ow) and one column per filter tap
 * and input channel (kh, kw, c):
 *   P[(b, oh, ow), (kh, kw, c)] = x[b, oh * strideHeight + kh - padTop, ow * strideWidth + kw - padLeft, c],
 * and 0 where that position lies outside x.
 * col2im(patches, patchesOffset, x, xOffset, geometry) adds each entry of a matrix shaped like
 * P to x at the position that im2col reads it from. It does not clear x first.
 *
 * geometry is an object of whole numbers: batch, inHeight, inWidth, inChannels, filterHeight,
 * filterWidth, strideHeight, strideWidth, padTop, padLeft, outHeight, outWidth. Before any
 * access, the sizes are checked against the arrays: x needs batch * inHeight * inWidth *
 * inChannels elements from xOffset, and patches needs batch * outHeight * outWidth *
 * filterHeight * filterWidth * inChannels from patchesOffset. The two must not overlap.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "addon.h"
#include "args.h"

#define PATCHES_ARGC 5

typedef struct {
  int batch, in_height, in_width, in_channels;
  int filter_height, filter_width, stride_height, stride_width;
  int pad_top, pad_left, out_height, out_width;
} Geometry;

static bool read_geometry(napi_env env, const char *function, napi_value object, Geometry *g) {
  napi_valuetype type;
  NAPI_CALL(env, napi_typeof(env, object, &type));
  if (type != napi_object) return throw_type_error(env, function, "geometry", "an object");
  return read_int_property(env, function, object, "batch", 0, &g->batch) &&
         read_int_property(env, function, object, "inHeight", 0, &g->in_height) &&
         read_int_property(env, function, object, "inWidth", 0, &g->in_width) &&
         read_int_property(env, function, object, "inChannels", 0, &g->in_channels) &&
         read_int_property(env, function, object, "filterHeight", 1, &g->filter_height) &&
         read_int_property(env, function, object, "filterWidth", 1, &g->filter_width) &&
         read_int_property(env, function, object, "strideHeight", 1, &g->stride_height) &&
         read_int_property(env, function, object, "strideWidth", 1, &g->stride_width) &&
         read_int_property(env, function, object, "padTop", 0, &g->pad_top) &&
         read_int_property(env, function, object, "padLeft", 0, &g->pad_left) &&
         read_int_property(env, function, object, "outHeight", 0, &g->out_height) &&
         read_int_property(env, function, object, "outWidth", 0, &g->out_width);
}

/* Multiplies the factors into *out and returns false on size_t overflow. */
static bool product(const int *factors, size_t count, size_t *out) {
  size_t result = 1;
  for (size_t i = 0; i < count; i++) {
    if (__builtin_mul_overflow(result, (size_t)factors[i], &result)) return false;
  }
  *out = result;
  return true;
}

/* Checks that `size` elements from `offset` fit in `array`, naming `name` in the error. */
static bool check_extent(napi_env env, const char *function, const char *name, const FloatArray *array, int offset,
                         bool size_ok, size_t size) {
  if (!size_ok || size > array->length || (size_t)offset > array->length - size) {
    return throw_range_error(env, "%s: %s needs %zu elements from offset %d for this geometry, but its length is %zu.",
                             function, name, size, offset, array->length);
  }
  return true;
}

/*
 * Visits every run of P that lies inside x: for a fixed output position and filter row kh, the
 * taps kw inside x read one contiguous run of up to filterWidth * inChannels floats. With
 * `add`, adds the run of P into x (col2im), else copies it from x into P and writes zeros for
 * the taps outside x (im2col).
 */
static void visit_patches(const Geometry *g, float *x, float *patches, bool add) {
  const size_t channels = (size_t)g->in_channels;
  const size_t row_width = (size_t)g->filter_width * channels;
  const size_t columns = (size_t)g->filter_height * row_width;
  float *patch_row = patches;
  for (int b = 0; b < g->batch; b++) {
    for (int oh = 0; oh < g->out_height; oh++) {
      for (int ow = 0; ow < g->out_width; ow++, patch_row += columns) {
        const long iw0 = (long)ow * g->stride_width - g->pad_left; /* x column of tap kw = 0 */
        const long kw_start = iw0 < 0 ? -iw0 : 0;
        const long kw_end = (long)g->in_width - iw0 < g->filter_width ? (long)g->in_width - iw0 : g->filter_width;
        for (int kh = 0; kh < g->filter_height; kh++) {
          float *run = patch_row + (size_t)kh * row_width;
          const long ih = (long)oh * g->stride_height + kh - g->pad_top;
          if (ih < 0 || ih >= g->in_height || kw_start >= kw_end) {
            if (!add) memset(run, 0, row_width * sizeof(float));
            continue;
          }
          float *inside = run + (size_t)kw_start * channels;
          const size_t length = (size_t)(kw_end - kw_start) * channels;
          float *source = x + (((size_t)b * g->in_height + (size_t)ih) * g->in_width + (size_t)(iw0 + kw_start)) * channels;
          if (add) {
            for (size_t i = 0; i < length; i++) source[i] += inside[i];
            continue;
          }
          memset(run, 0, (size_t)kw_start * channels * sizeof(float));
          memcpy(inside, source, length * sizeof(float));
          memset(inside + length, 0, (row_width - (size_t)kw_end * channels) * sizeof(float));
        }
      }
    }
  }
}

/*
 * Reads the arguments of im2col (x first) or col2im (patches first), checks them and runs
 * visit_patches.
 */
static bool run_patches(napi_env env, napi_callback_info info, const char *function, bool add) {
  size_t argc = PATCHES_ARGC;
  napi_value argv[PATCHES_ARGC];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != PATCHES_ARGC) {
    char message[200];
    snprintf(message, sizeof message, "%s expects %d arguments (%s), got %zu.", function, PATCHES_ARGC,
             add ? "patches, patchesOffset, x, xOffset, geometry" : "x, xOffset, patches, patchesOffset, geometry", argc);
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  const size_t x_index = add ? 2 : 0;
  const size_t patches_index = add ? 0 : 2;
  FloatArray x, patches;
  int x_offset, patches_offset;
  Geometry g;
  if (!read_float_array(env, function, argv[x_index], "x", &x) ||
      !read_int(env, function, argv[x_index + 1], "xOffset", 0, &x_offset) ||
      !read_float_array(env, function, argv[patches_index], "patches", &patches) ||
      !read_int(env, function, argv[patches_index + 1], "patchesOffset", 0, &patches_offset) ||
      !read_geometry(env, function, argv[4], &g)) {
    return false;
  }

  const int x_dims[] = {g.batch, g.in_height, g.in_width, g.in_channels};
  const int patch_dims[] = {g.batch, g.out_height, g.out_width, g.filter_height, g.filter_width, g.in_channels};
  size_t x_size = 0, patches_size = 0;
  bool x_size_ok = product(x_dims, 4, &x_size);
  bool patches_size_ok = product(patch_dims, 6, &patches_size);
  if (!check_extent(env, function, "x", &x, x_offset, x_size_ok, x_size) ||
      !check_extent(env, function, "patches", &patches, patches_offset, patches_size_ok, patches_size)) {
    return false;
  }
  float *x_start = x.data + x_offset;
  float *patches_start = patches.data + patches_offset;
  if (ranges_overlap(x_start, x_size * sizeof(float), patches_start, patches_size * sizeof(float))) {
    return throw_range_error(env, "%s: x and patches overlap; use separate memory.", function);
  }
  visit_patches(&g, x_start, patches_start, add);
  return true;
}

napi_value js_im2col(napi_env env, napi_callback_info info) {
  run_patches(env, info, "im2col", false);
  return NULL;
}

napi_value js_col2im(napi_env env, napi_callback_info info) {
  run_patches(env, info, "col2im", true);
  return NULL;
}

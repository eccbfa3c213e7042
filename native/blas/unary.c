/*
 * unary(op, memory, xOffset, yOffset, length) writes y[i] = op(x[i]) for i < length, where x
 * and y are runs of `length` floats from the two offsets in Float32Array `memory` (the wasm
 * heap, or any array), and op is "exp" or "erf". Both runs must lie inside memory and must not
 * overlap. The loops are in vector_math.c.
 */
#include <string.h>

#include "addon.h"
#include "args.h"
#include "vector_math.h"

#define UNARY_ARGC 5

typedef void (*UnaryFunction)(const float *restrict, float *restrict, int);

static const struct {
  const char *name;
  UnaryFunction function;
} UNARY_OPS[] = {{"exp", vector_exp}, {"erf", vector_erf}};

static bool read_op(napi_env env, napi_value value, UnaryFunction *out) {
  char name[32];
  size_t length;
  if (napi_get_value_string_utf8(env, value, name, sizeof name, &length) != napi_ok) {
    return throw_type_error(env, "unary", "op", "a string");
  }
  for (size_t i = 0; i < sizeof UNARY_OPS / sizeof UNARY_OPS[0]; i++) {
    if (strcmp(name, UNARY_OPS[i].name) == 0) {
      *out = UNARY_OPS[i].function;
      return true;
    }
  }
  return throw_range_error(env, "unary: op \"%s\" is unknown, use exp or erf.", name);
}

static bool check_run(napi_env env, const char *name, const FloatArray *memory, int offset, int length) {
  if ((size_t)offset + (size_t)length > memory->length) {
    return throw_range_error(env, "unary: %s needs elements [%d, %zu), but memory has %zu.", name, offset,
                             (size_t)offset + (size_t)length, memory->length);
  }
  return true;
}

napi_value js_unary(napi_env env, napi_callback_info info) {
  napi_value argv[UNARY_ARGC];
  if (!read_arguments(env, info, "unary", "op, memory, xOffset, yOffset, length", UNARY_ARGC, argv)) return NULL;
  UnaryFunction function = NULL;
  FloatArray memory;
  int x_offset, y_offset, length;
  if (!read_op(env, argv[0], &function) || !read_float_array(env, "unary", argv[1], "memory", &memory) ||
      !read_int(env, "unary", argv[2], "xOffset", 0, &x_offset) || !read_int(env, "unary", argv[3], "yOffset", 0, &y_offset) ||
      !read_int(env, "unary", argv[4], "length", 0, &length) || !check_run(env, "x", &memory, x_offset, length) ||
      !check_run(env, "y", &memory, y_offset, length)) {
    return NULL;
  }
  const size_t bytes = (size_t)length * sizeof(float);
  if (ranges_overlap(memory.data + x_offset, bytes, memory.data + y_offset, bytes)) {
    throw_range_error(env, "unary: x at offset %d and y at offset %d overlap (length %d).", x_offset, y_offset, length);
    return NULL;
  }
  function(memory.data + x_offset, memory.data + y_offset, length);
  return NULL;
}

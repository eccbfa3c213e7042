#include "args.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define MESSAGE_SIZE 320

napi_value throw_last_error(napi_env env) {
  const napi_extended_error_info *info = NULL;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, NULL, info != NULL && info->error_message != NULL ? info->error_message : "Node-API call failed");
  return NULL;
}

bool throw_range_error(napi_env env, const char *format, ...) {
  char message[MESSAGE_SIZE];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  napi_throw_range_error(env, NULL, message);
  return false;
}

bool throw_type_error(napi_env env, const char *function, const char *name, const char *expected) {
  char message[MESSAGE_SIZE];
  snprintf(message, sizeof message, "%s: %s must be %s.", function, name, expected);
  napi_throw_type_error(env, NULL, message);
  return false;
}

bool read_arguments(napi_env env, napi_callback_info info, const char *function, const char *names, size_t count,
                    napi_value *argv) {
  size_t argc = count;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != count) {
    char message[MESSAGE_SIZE];
    snprintf(message, sizeof message, "%s expects %zu arguments (%s), got %zu.", function, count, names, argc);
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  return true;
}

bool read_bool(napi_env env, const char *function, napi_value value, const char *name, bool *out) {
  napi_valuetype type;
  NAPI_CALL(env, napi_typeof(env, value, &type));
  if (type != napi_boolean) return throw_type_error(env, function, name, "a boolean");
  NAPI_CALL(env, napi_get_value_bool(env, value, out));
  return true;
}

bool read_number(napi_env env, const char *function, napi_value value, const char *name, double *out) {
  napi_valuetype type;
  NAPI_CALL(env, napi_typeof(env, value, &type));
  if (type != napi_number) return throw_type_error(env, function, name, "a number");
  NAPI_CALL(env, napi_get_value_double(env, value, out));
  return true;
}

bool read_int(napi_env env, const char *function, napi_value value, const char *name, int min, int *out) {
  double number;
  if (!read_number(env, function, value, name, &number)) return false;
  if (!(number >= min && number <= INT_MAX && number == (double)(int)number)) {
    return throw_range_error(env, "%s: %s = %.17g is invalid; use a whole number in [%d, %d].", function, name, number,
                             min, INT_MAX);
  }
  *out = (int)number;
  return true;
}

bool read_int_property(napi_env env, const char *function, napi_value object, const char *name, int min, int *out) {
  napi_value value;
  NAPI_CALL(env, napi_get_named_property(env, object, name, &value));
  return read_int(env, function, value, name, min, out);
}

bool read_float_array(napi_env env, const char *function, napi_value value, const char *name, FloatArray *out) {
  bool is_typed_array = false;
  NAPI_CALL(env, napi_is_typedarray(env, value, &is_typed_array));
  if (!is_typed_array) return throw_type_error(env, function, name, "a Float32Array");
  napi_typedarray_type type;
  void *data = NULL;
  size_t length = 0;
  NAPI_CALL(env, napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL));
  if (type != napi_float32_array) return throw_type_error(env, function, name, "a Float32Array");
  out->data = (float *)data;
  out->length = length;
  return true;
}

bool ranges_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes) {
  if (a_bytes == 0 || b_bytes == 0) return false;
  uintptr_t a_start = (uintptr_t)a;
  uintptr_t b_start = (uintptr_t)b;
  return a_start < b_start + b_bytes && b_start < a_start + a_bytes;
}

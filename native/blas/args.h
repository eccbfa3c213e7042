/*
 * Argument reading for the addon's functions. Each reader throws a JS TypeError or RangeError
 * that names the function and the argument, and returns false, when the value is invalid.
 */
#ifndef HW5_BLAS_ARGS_H
#define HW5_BLAS_ARGS_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

/* Throws a JS error for a failed Node-API call, unless one is pending, and returns NULL. */
napi_value throw_last_error(napi_env env);

/* Runs a Node-API call and returns false from the caller after throwing if it fails. */
#define NAPI_CALL(env, call)     \
  do {                            \
    if ((call) != napi_ok) {      \
      throw_last_error(env);      \
      return false;               \
    }                             \
  } while (0)

/* Throws a RangeError with a printf-style message and returns false. */
bool throw_range_error(napi_env env, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Throws a TypeError "<function>: <name> must be <expected>." and returns false. */
bool throw_type_error(napi_env env, const char *function, const char *name, const char *expected);

/*
 * Reads exactly `count` call arguments into argv. Otherwise throws a TypeError
 * "<function> expects <count> arguments (<names>), got <n>." and returns false.
 */
bool read_arguments(napi_env env, napi_callback_info info, const char *function, const char *names, size_t count,
                    napi_value *argv);

bool read_bool(napi_env env, const char *function, napi_value value, const char *name, bool *out);
bool read_number(napi_env env, const char *function, napi_value value, const char *name, double *out);

/* Reads a whole number in [min, INT_MAX] (OpenBLAS sizes are 32-bit ints here). */
bool read_int(napi_env env, const char *function, napi_value value, const char *name, int min, int *out);

/* Reads the number property `name` of `object` as read_int does. */
bool read_int_property(napi_env env, const char *function, napi_value object, const char *name, int min, int *out);

/* A Float32Array's first element and length; views on a SharedArrayBuffer are fine. */
typedef struct {
  float *data;
  size_t length;
} FloatArray;

bool read_float_array(napi_env env, const char *function, napi_value value, const char *name, FloatArray *out);

/* Checks whether the byte ranges [a, a + a_bytes) and [b, b + b_bytes) share a byte. */
bool ranges_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes);

#endif

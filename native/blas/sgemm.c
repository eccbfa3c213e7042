/*
 * sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc)
 * computes c = alpha * op(a) @ op(b) + beta * c on row-major Float32Arrays with OpenBLAS,
 * where op(a) is m x k and op(b) is k x n. Offsets and leading dimensions count float32
 * elements. Every argument is checked before OpenBLAS runs: a wrong type throws a TypeError,
 * and a size, offset or leading dimension that would read or write outside an array throws a
 * RangeError naming the value. c must not overlap a or b.
 * setThreads(n) sets the OpenBLAS thread count and returns the count in effect, getThreads()
 * returns it, and config() returns { config, corename } as reported by OpenBLAS.
 *
 * The arrays may be views on a SharedArrayBuffer (the threaded wasm heap):
 * napi_get_typedarray_info returns the address of the first element in either case. The call
 * is synchronous, so the memory must not be written by another thread while it runs.
 */
#include <cblas.h>
#include <stdio.h>

#include "addon.h"
#include "args.h"

#define MAX_THREADS 1024
#define SGEMM_ARGC 16

/* A matrix operand: rows x cols stored row-major from element `offset` with row stride `ld`. */
typedef struct {
  const char *name;
  const char *ld_name;
  FloatArray array;
  int offset;
  int rows;
  int cols;
  int ld;
  size_t extent; /* elements from offset to one past the last element used */
} Operand;

/* Checks the leading dimension and that the operand lies inside its array. */
static bool check_operand(napi_env env, Operand *operand) {
  int min_ld = operand->cols > 1 ? operand->cols : 1;
  if (operand->ld < min_ld) {
    return throw_range_error(env, "sgemm: %s = %d is less than %d, the row length of %s as stored (%d x %d).",
                             operand->ld_name, operand->ld, min_ld, operand->name, operand->rows, operand->cols);
  }
  bool empty = operand->rows == 0 || operand->cols == 0;
  operand->extent = empty ? 0 : (size_t)(operand->rows - 1) * (size_t)operand->ld + (size_t)operand->cols;
  size_t end = (size_t)operand->offset + operand->extent;
  if (end > operand->array.length) {
    return throw_range_error(env, "sgemm: %s needs elements [%d, %zu) for a %d x %d matrix with %s = %d, but its length is %zu.",
                             operand->name, operand->offset, end, operand->rows, operand->cols, operand->ld_name,
                             operand->ld, operand->array.length);
  }
  return true;
}

static float *operand_start(const Operand *operand) {
  return operand->array.data + operand->offset;
}

static bool overlaps(const Operand *x, const Operand *y) {
  return ranges_overlap(operand_start(x), x->extent * sizeof(float), operand_start(y), y->extent * sizeof(float));
}

/* Reads the array, offset and leading dimension at argv[index], argv[index + 1], argv[index + 2]. */
static bool read_operand(napi_env env, napi_value *argv, size_t index, Operand *operand) {
  char offset_name[16];
  snprintf(offset_name, sizeof offset_name, "%sOffset", operand->name);
  if (!read_float_array(env, "sgemm", argv[index], operand->name, &operand->array)) return false;
  if (!read_int(env, "sgemm", argv[index + 1], offset_name, 0, &operand->offset)) return false;
  if (!read_int(env, "sgemm", argv[index + 2], operand->ld_name, 0, &operand->ld)) return false;
  return check_operand(env, operand);
}

static bool run_sgemm(napi_env env, napi_callback_info info) {
  size_t argc = SGEMM_ARGC;
  napi_value argv[SGEMM_ARGC];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != SGEMM_ARGC) {
    char message[256];
    snprintf(message, sizeof message,
             "sgemm expects %d arguments (transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, "
             "cOffset, ldc), got %zu.",
             SGEMM_ARGC, argc);
    napi_throw_type_error(env, NULL, message);
    return false;
  }

  bool trans_a, trans_b;
  int m, n, k;
  double alpha, beta;
  if (!read_bool(env, "sgemm", argv[0], "transA", &trans_a) || !read_bool(env, "sgemm", argv[1], "transB", &trans_b)) {
    return false;
  }
  if (!read_int(env, "sgemm", argv[2], "m", 0, &m) || !read_int(env, "sgemm", argv[3], "n", 0, &n) ||
      !read_int(env, "sgemm", argv[4], "k", 0, &k)) {
    return false;
  }
  if (!read_number(env, "sgemm", argv[5], "alpha", &alpha) || !read_number(env, "sgemm", argv[12], "beta", &beta)) {
    return false;
  }

  /* op(a) is m x k, so a is stored k x m when transposed; likewise b. */
  Operand a = {.name = "a", .ld_name = "lda", .rows = trans_a ? k : m, .cols = trans_a ? m : k};
  Operand b = {.name = "b", .ld_name = "ldb", .rows = trans_b ? n : k, .cols = trans_b ? k : n};
  Operand c = {.name = "c", .ld_name = "ldc", .rows = m, .cols = n};
  if (!read_operand(env, argv, 6, &a) || !read_operand(env, argv, 9, &b) || !read_operand(env, argv, 13, &c)) {
    return false;
  }
  if (overlaps(&c, &a)) return throw_range_error(env, "sgemm: c overlaps a; the output must not alias an input.");
  if (overlaps(&c, &b)) return throw_range_error(env, "sgemm: c overlaps b; the output must not alias an input.");

  if (m == 0 || n == 0) return true;
  float *c_start = operand_start(&c);
  if (k == 0) {
    /* An empty sum: c = beta * c, where beta = 0 clears c even where it contains NaN. */
    for (int row = 0; row < m; row++) {
      float *c_row = c_start + (size_t)row * (size_t)c.ld;
      for (int col = 0; col < n; col++) c_row[col] = beta == 0.0 ? 0.0f : (float)beta * c_row[col];
    }
    return true;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
              (float)alpha, operand_start(&a), a.ld, operand_start(&b), b.ld, (float)beta, c_start, c.ld);
  return true;
}

napi_value js_sgemm(napi_env env, napi_callback_info info) {
  run_sgemm(env, info);
  return NULL;
}

napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return throw_last_error(env);
  if (argc != 1) {
    napi_throw_type_error(env, NULL, "setThreads expects 1 argument, the thread count.");
    return NULL;
  }
  double number;
  if (!read_number(env, "setThreads", argv[0], "threads", &number)) return NULL;
  if (!(number >= 1 && number <= MAX_THREADS && number == (double)(int)number)) {
    throw_range_error(env, "setThreads: %.17g is invalid; use a whole number in [1, %d].", number, MAX_THREADS);
    return NULL;
  }
  openblas_set_num_threads((int)number);
  napi_value result;
  if (napi_create_int32(env, openblas_get_num_threads(), &result) != napi_ok) return throw_last_error(env);
  return result;
}

napi_value js_get_threads(napi_env env, napi_callback_info info) {
  napi_value result;
  if (napi_create_int32(env, openblas_get_num_threads(), &result) != napi_ok) return throw_last_error(env);
  return result;
}

napi_value js_config(napi_env env, napi_callback_info info) {
  napi_value result, config_string, corename;
  if (napi_create_object(env, &result) != napi_ok ||
      napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config_string) != napi_ok ||
      napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &corename) != napi_ok ||
      napi_set_named_property(env, result, "config", config_string) != napi_ok ||
      napi_set_named_property(env, result, "corename", corename) != napi_ok) {
    return throw_last_error(env);
  }
  return result;
}

/*
 * broadcastBinary(op, memory, fullOffset, smallOffset, outOffset, rows, columns, layout,
 * smallFirst) computes a binary op between a [rows, columns] matrix F and a broadcast vector S,
 * all runs of Float32Array `memory` (the wasm heap, or any array):
 *   layout "row":    out[r, c] = F[r, c] op S[c]   (S has `columns` floats, such as per-channel values)
 *   layout "column": out[r, c] = F[r, c] op S[r]   (S has `rows` floats, such as a [B, T, 1] statistic)
 * With smallFirst the operands swap: S op F. op is "add", "sub", "mul" or "div". The runs must
 * lie inside memory, and out must not overlap F or S.
 */
#include <string.h>

#include "addon.h"
#include "args.h"

#define BROADCAST_ARGC 9

typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV } BinaryOp;

static const char *const OP_NAMES[] = {"add", "sub", "mul", "div"};

/* One loop per op, layout and operand order, so that GCC vectorizes each inner loop. */
#define APPLY(x, y, op) ((op) == OP_ADD ? (x) + (y) : (op) == OP_SUB ? (x) - (y) : (op) == OP_MUL ? (x) * (y) : (x) / (y))

#define DEFINE_LOOPS(op)                                                                                            \
  static void row_##op(const float *restrict full, const float *restrict small, float *restrict out, size_t rows,  \
                       size_t columns, bool small_first) {                                                         \
    for (size_t r = 0; r < rows; r++) {                                                                             \
      const float *f = full + r * columns;                                                                          \
      float *o = out + r * columns;                                                                                 \
      if (small_first) {                                                                                            \
        for (size_t c = 0; c < columns; c++) o[c] = APPLY(small[c], f[c], op);                                      \
      } else {                                                                                                      \
        for (size_t c = 0; c < columns; c++) o[c] = APPLY(f[c], small[c], op);                                      \
      }                                                                                                             \
    }                                                                                                               \
  }                                                                                                                 \
  static void column_##op(const float *restrict full, const float *restrict small, float *restrict out,           \
                          size_t rows, size_t columns, bool small_first) {                                         \
    for (size_t r = 0; r < rows; r++) {                                                                             \
      const float *f = full + r * columns;                                                                          \
      float *o = out + r * columns;                                                                                 \
      const float s = small[r];                                                                                     \
      if (small_first) {                                                                                            \
        for (size_t c = 0; c < columns; c++) o[c] = APPLY(s, f[c], op);                                             \
      } else {                                                                                                      \
        for (size_t c = 0; c < columns; c++) o[c] = APPLY(f[c], s, op);                                             \
      }                                                                                                             \
    }                                                                                                               \
  }

DEFINE_LOOPS(OP_ADD)
DEFINE_LOOPS(OP_SUB)
DEFINE_LOOPS(OP_MUL)
DEFINE_LOOPS(OP_DIV)

typedef void (*Loop)(const float *restrict, const float *restrict, float *restrict, size_t, size_t, bool);

static const Loop ROW_LOOPS[] = {row_OP_ADD, row_OP_SUB, row_OP_MUL, row_OP_DIV};
static const Loop COLUMN_LOOPS[] = {column_OP_ADD, column_OP_SUB, column_OP_MUL, column_OP_DIV};

static bool read_string(napi_env env, napi_value value, const char *name, const char *expected, char *out, size_t size) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok) {
    return throw_type_error(env, "broadcastBinary", name, expected);
  }
  return true;
}

static bool read_op(napi_env env, napi_value value, BinaryOp *out) {
  char name[32];
  if (!read_string(env, value, "op", "a string", name, sizeof name)) return false;
  for (int i = 0; i < 4; i++) {
    if (strcmp(name, OP_NAMES[i]) == 0) {
      *out = (BinaryOp)i;
      return true;
    }
  }
  return throw_range_error(env, "broadcastBinary: op \"%s\" is unknown, use add, sub, mul or div.", name);
}

static bool check_run(napi_env env, const char *name, const FloatArray *memory, int offset, size_t length) {
  if ((size_t)offset + length > memory->length) {
    return throw_range_error(env, "broadcastBinary: %s needs elements [%d, %zu), but memory has %zu.", name, offset,
                             (size_t)offset + length, memory->length);
  }
  return true;
}

napi_value js_broadcast_binary(napi_env env, napi_callback_info info) {
  napi_value argv[BROADCAST_ARGC];
  if (!read_arguments(env, info, "broadcastBinary", "op, memory, fullOffset, smallOffset, outOffset, rows, columns, layout, smallFirst", BROADCAST_ARGC, argv)) return NULL;

  BinaryOp op = OP_ADD;
  FloatArray memory;
  int full_offset, small_offset, out_offset, rows, columns;
  char layout[32];
  bool small_first;
  if (!read_op(env, argv[0], &op) || !read_float_array(env, "broadcastBinary", argv[1], "memory", &memory) ||
      !read_int(env, "broadcastBinary", argv[2], "fullOffset", 0, &full_offset) ||
      !read_int(env, "broadcastBinary", argv[3], "smallOffset", 0, &small_offset) ||
      !read_int(env, "broadcastBinary", argv[4], "outOffset", 0, &out_offset) ||
      !read_int(env, "broadcastBinary", argv[5], "rows", 0, &rows) ||
      !read_int(env, "broadcastBinary", argv[6], "columns", 0, &columns) ||
      !read_string(env, argv[7], "layout", "\"row\" or \"column\"", layout, sizeof layout) ||
      !read_bool(env, "broadcastBinary", argv[8], "smallFirst", &small_first)) {
    return NULL;
  }

  bool by_row = strcmp(layout, "row") == 0;
  if (!by_row && strcmp(layout, "column") != 0) {
    throw_range_error(env, "broadcastBinary: layout \"%s\" is unknown, use row or column.", layout);
    return NULL;
  }

  const size_t size = (size_t)rows * (size_t)columns;
  const size_t small_size = by_row ? (size_t)columns : (size_t)rows;
  if (!check_run(env, "full", &memory, full_offset, size) || !check_run(env, "small", &memory, small_offset, small_size) ||
      !check_run(env, "out", &memory, out_offset, size)) {
    return NULL;
  }

  float *full = memory.data + full_offset, *small = memory.data + small_offset, *out = memory.data + out_offset;
  if (ranges_overlap(out, size * sizeof(float), full, size * sizeof(float)) ||
      ranges_overlap(out, size * sizeof(float), small, small_size * sizeof(float))) {
    throw_range_error(env, "broadcastBinary: out at offset %d overlaps full at %d or small at %d.", out_offset, full_offset,
                      small_offset);
    return NULL;
  }
  (by_row ? ROW_LOOPS : COLUMN_LOOPS)[op](full, small, out, (size_t)rows, (size_t)columns, small_first);
  return NULL;
}

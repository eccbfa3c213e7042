/*
 * adamStep(memory, offsets, length, hyper) runs one Adam step of one variable in a single pass
 * over Float32Array `memory` (the wasm heap, or any array). `offsets` is an array of 7 element
 * offsets into memory, in this order: variable w, first moment m, second moment v, gradient g,
 * and the outputs w', m', v', each a run of `length` floats. `hyper` is an object of numbers
 * learningRate, beta1, beta2, epsilon, accBeta1 (beta1^t) and accBeta2 (beta2^t).
 *
 * The float32 operations and their order are those of tf.train.adam (@tensorflow/tfjs-core
 * 4.22.0), one rounding per op:
 *   m' = beta1 m + (1 - beta1) g,  v' = beta2 v + (1 - beta2) g^2,
 *   w' = (m' / (1 - accBeta1)) / (sqrt(v' / (1 - accBeta2)) + epsilon) * (-learningRate) + w.
 * Every run must lie inside memory, and no output may overlap another run, so that the loop
 * can use restrict pointers (which let GCC vectorize it).
 */
#include <math.h>
#include <stdint.h>

#include "addon.h"
#include "args.h"

#define ADAM_ARGC 4
#define ADAM_RUNS 7
#define ADAM_INPUTS 4

static const char *const RUN_NAMES[ADAM_RUNS] = {"variable", "firstMoment", "secondMoment", "gradient",
                                                 "newVariable", "newFirstMoment", "newSecondMoment"};

typedef struct {
  double learning_rate, beta1, beta2, epsilon, acc_beta1, acc_beta2;
} Hyper;

static bool read_number_property(napi_env env, napi_value object, const char *name, double *out) {
  napi_value value;
  NAPI_CALL(env, napi_get_named_property(env, object, name, &value));
  return read_number(env, "adamStep", value, name, out);
}

static bool read_hyper(napi_env env, napi_value object, Hyper *h) {
  napi_valuetype type;
  NAPI_CALL(env, napi_typeof(env, object, &type));
  if (type != napi_object) return throw_type_error(env, "adamStep", "hyper", "an object");
  return read_number_property(env, object, "learningRate", &h->learning_rate) &&
         read_number_property(env, object, "beta1", &h->beta1) &&
         read_number_property(env, object, "beta2", &h->beta2) &&
         read_number_property(env, object, "epsilon", &h->epsilon) &&
         read_number_property(env, object, "accBeta1", &h->acc_beta1) &&
         read_number_property(env, object, "accBeta2", &h->acc_beta2);
}

/* Reads the 7 offsets and checks that each run of `length` floats lies inside memory. */
static bool read_offsets(napi_env env, napi_value array, const FloatArray *memory, int length, int *offsets) {
  bool is_array;
  uint32_t count;
  NAPI_CALL(env, napi_is_array(env, array, &is_array));
  if (!is_array) return throw_type_error(env, "adamStep", "offsets", "an array of 7 whole numbers");
  NAPI_CALL(env, napi_get_array_length(env, array, &count));
  if (count != ADAM_RUNS) return throw_range_error(env, "adamStep: offsets has %u entries, expected %d.", count, ADAM_RUNS);
  for (uint32_t i = 0; i < ADAM_RUNS; i++) {
    napi_value element;
    NAPI_CALL(env, napi_get_element(env, array, i, &element));
    if (!read_int(env, "adamStep", element, RUN_NAMES[i], 0, &offsets[i])) return false;
    if ((size_t)offsets[i] + (size_t)length > memory->length) {
      return throw_range_error(env, "adamStep: %s needs elements [%d, %zu), but memory has %zu.", RUN_NAMES[i], offsets[i],
                               (size_t)offsets[i] + (size_t)length, memory->length);
    }
  }
  return true;
}

/* Checks that no output overlaps another run. */
static bool check_outputs(napi_env env, const FloatArray *memory, const int *offsets, int length) {
  const size_t bytes = (size_t)length * sizeof(float);
  for (int out = ADAM_INPUTS; out < ADAM_RUNS; out++) {
    for (int other = 0; other < ADAM_RUNS; other++) {
      if (other == out) continue;
      if (ranges_overlap(memory->data + offsets[out], bytes, memory->data + offsets[other], bytes)) {
        return throw_range_error(env, "adamStep: %s at offset %d overlaps %s at offset %d (length %d).", RUN_NAMES[out],
                                 offsets[out], RUN_NAMES[other], offsets[other], length);
      }
    }
  }
  return true;
}

/* The loop over the runs; plain pointer and float parameters let GCC 12 vectorize it. */
static void adam_loop(int length, const float *restrict w, const float *restrict m, const float *restrict v,
                      const float *restrict g, float *restrict w_out, float *restrict m_out, float *restrict v_out,
                      float beta1, float beta2, float gradient_weight, float square_weight, float correction1,
                      float correction2, float epsilon, float step) {
  for (int i = 0; i < length; i++) {
    const float gi = g[i];
    const float m_new = m[i] * beta1 + gi * gradient_weight;
    const float v_new = v[i] * beta2 + (gi * gi) * square_weight;
    const float w_new = ((m_new / correction1) / (sqrtf(v_new / correction2) + epsilon)) * step + w[i];
    m_out[i] = m_new;
    v_out[i] = v_new;
    w_out[i] = w_new;
  }
}

static void adam_step(float *memory, const int *offsets, int length, const Hyper *h) {
  float *run[ADAM_RUNS];
  for (int i = 0; i < ADAM_RUNS; i++) run[i] = memory + offsets[i];
  /* As in tf.train.adam: 1 - beta is rounded from double, 1 - beta^t is a float32 subtraction. */
  const float gradient_weight = (float)(1 - h->beta1), square_weight = (float)(1 - h->beta2);
  const float correction1 = 1.0f - (float)h->acc_beta1, correction2 = 1.0f - (float)h->acc_beta2;
  adam_loop(length, run[0], run[1], run[2], run[3], run[4], run[5], run[6], (float)h->beta1, (float)h->beta2,
            gradient_weight, square_weight, correction1, correction2, (float)h->epsilon, (float)-h->learning_rate);
}

napi_value js_adam_step(napi_env env, napi_callback_info info) {
  napi_value argv[ADAM_ARGC];
  if (!read_arguments(env, info, "adamStep", "memory, offsets, length, hyper", ADAM_ARGC, argv)) return NULL;
  FloatArray memory;
  int length;
  int offsets[ADAM_RUNS];
  Hyper hyper;
  if (!read_float_array(env, "adamStep", argv[0], "memory", &memory) ||
      !read_int(env, "adamStep", argv[2], "length", 0, &length) ||
      !read_offsets(env, argv[1], &memory, length, offsets) || !check_outputs(env, &memory, offsets, length) ||
      !read_hyper(env, argv[3], &hyper)) {
    return NULL;
  }
  adam_step(memory.data, offsets, length, &hyper);
  return NULL;
}

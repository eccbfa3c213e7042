/*
 * Elementwise exp and erf over float arrays, compiled with -ffast-math in a library
 * of its own (binding.gyp) so that GCC calls glibc's vector math library (libmvec) for expf
 * and erff, four floats per call. libmvec handles infinities and NaN inputs itself, and these
 * loops make no comparisons that -ffinite-math-only could drop.
 */
#include <math.h>

#include "vector_math.h"

void vector_exp(const float *restrict x, float *restrict y, int length) {
  for (int i = 0; i < length; i++) y[i] = expf(x[i]);
}

void vector_erf(const float *restrict x, float *restrict y, int length) {
  for (int i = 0; i < length; i++) y[i] = erff(x[i]);
}

/* Elementwise functions of vector_math.c: y[i] = f(x[i]) for i < length; x and y must not overlap. */
#ifndef HW5_BLAS_VECTOR_MATH_H
#define HW5_BLAS_VECTOR_MATH_H

void vector_exp(const float *restrict x, float *restrict y, int length);
void vector_erf(const float *restrict x, float *restrict y, int length);

#endif

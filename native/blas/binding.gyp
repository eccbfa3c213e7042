# Node-API addon that runs single-precision GEMM on the system OpenBLAS, builds the patch
# matrices (im2col) of a convolution, runs fused Adam steps, elementwise exp and erf, binary
# ops with a broadcast vector, and sums over rows. -O3 with -fno-math-errno lets GCC vectorize
# the Adam loop, sqrtf included.
# vector_math.c alone is compiled with -ffast-math, which makes GCC call glibc's libmvec.
# Built by `npm run native` (scripts/native.ts); needs the Debian package libopenblas-dev, whose
# cblas.h and libopenblas.so the compiler and linker find on their default paths.
{
  "targets": [
    {
      "target_name": "vector_math",
      "type": "static_library",
      "sources": ["vector_math.c"],
      "cflags": ["-O3", "-ffast-math", "-fPIC", "-Wall", "-Wextra"]
    },
    {
      "target_name": "openblas_sgemm",
      "dependencies": ["vector_math"],
      "sources": ["addon.c", "args.c", "sgemm.c", "patches.c", "adam.c", "unary.c", "broadcast.c", "reduce.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lopenblas", "-lmvec", "-lm"]
    }
  ]
}

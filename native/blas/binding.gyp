# Node-API addon that runs single-precision GEMM on the system OpenBLAS, builds the patch
# matrices (im2col) of a convolution and runs fused Adam steps. -O3 with -fno-math-errno lets
# GCC vectorize the Adam loop, sqrtf included.
# Built by `npm run native` (scripts/native.ts); needs the Debian package libopenblas-dev, whose
# cblas.h and libopenblas.so the compiler and linker find on their default paths.
{
  "targets": [
    {
      "target_name": "openblas_sgemm",
      "sources": ["addon.c", "args.c", "sgemm.c", "patches.c", "adam.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lopenblas"]
    }
  ]
}

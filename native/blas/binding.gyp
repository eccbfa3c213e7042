# Node-API addon that runs single-precision GEMM on the system OpenBLAS, and builds the patch
# matrices (im2col) of a convolution.
# Built by `npm run native` (scripts/native.ts); needs the Debian package libopenblas-dev, whose
# cblas.h and libopenblas.so the compiler and linker find on their default paths.
{
  "targets": [
    {
      "target_name": "openblas_sgemm",
      "sources": ["addon.c", "args.c", "sgemm.c", "patches.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lopenblas"]
    }
  ]
}

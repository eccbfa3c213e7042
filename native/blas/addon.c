/*
 * Node-API addon for the wasm backend's matMul, conv2d, Adam and elementwise kernels. It runs
 * single-precision GEMM on OpenBLAS (sgemm.c) and builds the patch matrices of a convolution
 * (patches.c). It also runs one-pass Adam steps (adam.c), vectorized exp and erf (unary.c),
 * binary ops with a broadcast vector (broadcast.c) and sums over rows (reduce.c). All work on
 * Float32Arrays that may be views on the wasm heap.
 */
#include "addon.h"
#include "args.h"

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"getThreads", NULL, js_get_threads, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"config", NULL, js_config, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"im2col", NULL, js_im2col, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"col2im", NULL, js_col2im, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"adamStep", NULL, js_adam_step, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"unary", NULL, js_unary, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"broadcastBinary", NULL, js_broadcast_binary, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"sumRows", NULL, js_sum_rows, NULL, NULL, NULL, napi_default_jsproperty, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return throw_last_error(env);
  }
  return exports;
}

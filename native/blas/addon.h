/* The JavaScript functions of the addon, registered in addon.c. */
#ifndef HW5_BLAS_ADDON_H
#define HW5_BLAS_ADDON_H

#include <node_api.h>

/* sgemm.c */
napi_value js_sgemm(napi_env env, napi_callback_info info);
napi_value js_set_threads(napi_env env, napi_callback_info info);
napi_value js_get_threads(napi_env env, napi_callback_info info);
napi_value js_config(napi_env env, napi_callback_info info);

/* patches.c */
napi_value js_im2col(napi_env env, napi_callback_info info);
napi_value js_col2im(napi_env env, napi_callback_info info);

/* adam.c */
napi_value js_adam_step(napi_env env, napi_callback_info info);

/* unary.c */
napi_value js_unary(napi_env env, napi_callback_info info);

/* broadcast.c */
napi_value js_broadcast_binary(napi_env env, napi_callback_info info);

/* reduce.c */
napi_value js_sum_rows(napi_env env, napi_callback_info info);

#endif

/* zbuf reference: what the CUDA files define, for a build without CUDA: the stream setting of
 * include/zbuf/cuda.h (gpu_backend.cu), where there is no stream to set, and the device kernels
 * (gpu_kernels.cu), which cover nothing. */
#include "zbuf/cuda.h"

#include "kernels_device.h"

#ifndef ZBUF_WITH_CUDA
zbuf_status zbuf_cuda_set_stream(void *stream, zbuf_error *err) {
  (void)stream;
  return zbuf_error_set(err, ZBUF_EUNSUPPORTED,
                        "zbuf was built without CUDA support: there is no stream to set");
}

void *zbuf_cuda_get_stream(void) { return (void *)0; }

zbuf_status zbuf__device_copy(const zbuf__view *dst, const zbuf__view *src, zbuf_device device,
                              zbuf_error *err) {
  (void)dst, (void)src, (void)device, (void)err;
  return ZBUF_EUNSUPPORTED;
}

zbuf_status zbuf__device_fill(const zbuf__view *dst, const void *value, zbuf_device device, zbuf_error *err) {
  (void)dst, (void)value, (void)device, (void)err;
  return ZBUF_EUNSUPPORTED;
}

int zbuf__device_equal_covers(zbuf_dtype d) {
  (void)d;
  return 0;
}

zbuf_status zbuf__device_equal(const zbuf__view *a, const zbuf__view *b, int b_is_host_scalar, int mode,
                               int equal_nan, zbuf_device device, int *equal, zbuf_error *err) {
  (void)a, (void)b, (void)b_is_host_scalar, (void)mode, (void)equal_nan, (void)device, (void)equal, (void)err;
  return ZBUF_EUNSUPPORTED;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int zbuf__cuda_stub_unused;
#endif

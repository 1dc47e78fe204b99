/* zbuf reference: the stream setting of include/zbuf/cuda.h in a build without CUDA, where there is no stream
 * to set (gpu_backend.cu defines these when CUDA is built in). */
#include "zbuf/cuda.h"

#ifndef ZBUF_WITH_CUDA
zbuf_status zbuf_cuda_set_stream(void *stream, zbuf_error *err) {
  (void)stream;
  return zbuf_error_set(err, ZBUF_EUNSUPPORTED, "zbuf was built without CUDA support: there is no stream to set");
}

void *zbuf_cuda_get_stream(void) { return (void *)0; }
#else
/* ISO C forbids an empty translation unit. */
typedef int zbuf__cuda_stub_unused;
#endif

/* zbuf: the CUDA stream the reference orders its GPU work on. Optional: without a call, the reference uses
 * CUDA's per-thread default stream (cudaStreamPerThread). */
#ifndef ZBUF_CUDA_H
#define ZBUF_CUDA_H

#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sets the stream (a cudaStream_t passed as void *) on which the calling thread's later zbuf operations on
 * CUDA memory are ordered; NULL restores the default, cudaStreamPerThread. The setting is per thread. The
 * stream must belong to the device of the memory the operations touch, and must outlive its use.
 *
 * Every zbuf operation is synchronous all the same: it returns only after its work on the stream is complete
 * (a stream synchronisation), so the stream also waits for work the caller queued on it before the call.
 * Returns ZBUF_OK, or ZBUF_EUNSUPPORTED in a build without CUDA. */
zbuf_status zbuf_cuda_set_stream(void *stream, zbuf_error *err);

/** The calling thread's stream as set by zbuf_cuda_set_stream; NULL when it is the default. */
void *zbuf_cuda_get_stream(void);

#ifdef __cplusplus
}
#endif
#endif

/* zbuf reference: what the files of the CUDA backend share (gpu_backend.cu, gpu_pinned_pool.cu,
 * gpu_staging.cu), and the hooks its unit tests use. C-compatible: the tests are C. Not installed. Only
 * meaningful in a build with ZBUF_WITH_CUDA; nothing here is defined otherwise. */
#ifndef ZBUF_REF_GPU_INTERNAL_H
#define ZBUF_REF_GPU_INTERNAL_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors and settings (gpu_backend.cu) ---- */

/* Turns a CUDA runtime error (a cudaError_t, as int so that C can call this) into a status with the CUDA
 * error name in the message: "<what> failed: cudaErrorMemoryAllocation (out of memory)". Out of memory ->
 * ZBUF_ENOMEM; no device, driver too old, invalid ordinal -> ZBUF_ENODEV; anything else -> ZBUF_EDEVICE.
 * Also clears CUDA's last-error slot, so that a handled error does not surface in a later check. */
zbuf_status zbuf__cuda_error(int cuda_error, const char *what, zbuf_error *err);

/* The calling thread's stream (include/zbuf/cuda.h), as a cudaStream_t in a void *: the one set by
 * zbuf_cuda_set_stream, else cudaStreamPerThread. */
void *zbuf__cuda_stream(void);

/* Device memory from the backend's per-device pool, for temporaries of the backend itself: not counted in the
 * allocation stats and not subject to fault injection. Usable from any stream on return. */
zbuf_status zbuf__cuda_device_alloc(int device, size_t size, void **out, zbuf_error *err);
void zbuf__cuda_device_free(int device, void *p);

/* ---- the pinned host pool (gpu_pinned_pool.cu) ----
 * Page-locked host memory in power-of-two size classes from 4 KiB to 256 MiB, kept for reuse after free.
 * The pool holds at most `cap` bytes (in use + idle; ZBUF_PINNED_POOL_MAX, default 1 GiB); a request that
 * would pass the cap, or that is larger than the largest class, gets its own cudaHostAlloc and is freed by
 * cudaFreeHost (a "fallback"). Thread-safe. */
typedef struct zbuf__pinned_stats {
  size_t cap;          /* byte cap of the pool */
  size_t pooled_bytes; /* bytes the pool holds: in use + idle */
  size_t idle_bytes;   /* bytes idle in the free lists */
  uint64_t hits;       /* requests served from the free lists */
  uint64_t misses;     /* requests that made a new pooled allocation */
  uint64_t fallbacks;  /* requests served outside the pool (over the cap or the largest class) */
} zbuf__pinned_stats;

/* size > 0 bytes of pinned host memory (at least size; a pooled block has its class's size). */
zbuf_status zbuf__pinned_alloc(size_t size, void **out, zbuf_error *err);
/* Returns memory from zbuf__pinned_alloc to the pool, or to CUDA when it came from outside the pool. NULL is
 * a no-op. */
void zbuf__pinned_free(void *p);
zbuf__pinned_stats zbuf__pinned_stats_get(void);
/* Sets the cap (tests; the environment sets it otherwise) and gives idle memory above it back to CUDA. */
void zbuf__pinned_set_cap(size_t cap);
/* Gives all idle memory back to CUDA. */
void zbuf__pinned_trim(void);

/* ---- copies between pageable host memory and a device (gpu_staging.cu) ---- */

/* Pageable copies of at least this many bytes (ZBUF_STAGING_MIN, default 1 MiB) go through the pipelined
 * staging path; smaller ones are one cudaMemcpyAsync. */
size_t zbuf__staging_threshold(void);

/* n bytes between pageable host memory and device memory of the current device, through two pinned chunks
 * (ZBUF_STAGING_CHUNK, default 8 MiB) so that the CPU copy of one chunk overlaps the DMA of the other.
 * Ordered on `stream` (a cudaStream_t) and complete on return. When no pinned chunk can be had, falls back to
 * one plain cudaMemcpyAsync (correct, slower). */
zbuf_status zbuf__staged_to_device(void *dst, const void *src, size_t n, void *stream, zbuf_error *err);
zbuf_status zbuf__staged_to_host(void *dst, const void *src, size_t n, void *stream, zbuf_error *err);

/* Number of copies that took the staging path since the process started (tests prove the path ran). */
uint64_t zbuf__staging_count(void);

#ifdef __cplusplus
}

/* Sets the current device for the scope of one operation and restores the caller's on exit. */
class zbuf__device_scope {
 public:
  zbuf__device_scope() = default;
  zbuf__device_scope(const zbuf__device_scope &) = delete;
  zbuf__device_scope &operator=(const zbuf__device_scope &) = delete;
  ~zbuf__device_scope();
  zbuf_status enter(int device, zbuf_error *err);

 private:
  int prev_ = -1;
};
#endif
#endif

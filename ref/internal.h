/* zbuf reference: internal structures shared by the files of ref/. Not installed. */
#ifndef ZBUF_REF_INTERNAL_H
#define ZBUF_REF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "zbuf/zbuf.h"

#ifdef __cplusplus
/* The CUDA backend's host code is C++ (nvcc): it includes this header for the backend table and the
 * allocation hooks, and never touches the atomics, which only need a type of the same layout there. */
#include <atomic>
using std::atomic_int_fast64_t;
extern "C" {
#else
#include <stdatomic.h>
#endif

/* ---- allocation (alloc.c) ----
 * Every allocation of the reference goes through these, so that the live-allocation probe and the
 * fault-injection hook see all of them. */
void *zbuf__malloc(size_t size);            /* host heap; counts as ZBUF_ALLOC_HOST; NULL on (injected) failure */
void *zbuf__calloc(size_t n, size_t size);
void zbuf__free(void *p);                    /* NULL is a no-op */
int zbuf__alloc_should_fail(zbuf_alloc_kind kind); /* counts one allocation of kind; 1 when it must fail */
void zbuf__stats_add(int64_t blocks, int64_t bytes, int64_t handles);
/* The host block pool (host_pool.c): large pageable blocks kept after free, so that their pages stay mapped.
 * take: an idle block of at least `size` bytes (at most a quarter more), or NULL; fresh: new memory for a block
 * of `size` (2 MiB aligned with huge-page advice from 2 MiB up), NULL when there is none; give: back to the
 * pool, or to libc when it is small, over the cap or the slots are full (oldest idle blocks go first). */
typedef struct zbuf__host_pool_stats {
  size_t idle_bytes, cap, min_size;
  uint64_t hits, misses;
  int idle_blocks;
} zbuf__host_pool_stats;
size_t zbuf__host_pool_min(void);
void *zbuf__host_pool_take(size_t size);
void *zbuf__host_pool_fresh(size_t size);
void zbuf__host_pool_give(void *p, size_t size);
zbuf__host_pool_stats zbuf__host_pool_stats_get(void);
void zbuf__host_pool_set_cap(size_t cap); /* also gives back every idle block */
void zbuf__host_pool_trim(void);          /* gives back every idle block */

/* A size from the environment variable `name` (a decimal number of bytes, optionally followed by K, M or G
 * for KiB, MiB, GiB); `fallback` when unset or unreadable (env.c). */
size_t zbuf__env_size(const char *name, size_t fallback);

/* ---- memory blocks (block.c) ----
 * A reference-counted run of memory in one space. Buffers, NDBuffers and DLPack exports hold references;
 * the last release frees owned memory through the backend or calls the wrapper's release callback. */
typedef struct zbuf__block {
  atomic_int_fast64_t refs;
  void *data;
  size_t size;
  zbuf_device device;
  zbuf_release_fn release; /* wrapped memory: called with (data, ctx); NULL with owned != 0 */
  void *release_ctx;
  int owned;               /* 1: allocated by the backend and freed by it */
} zbuf__block;

/* New block owning `size` bytes of fresh memory in device (uninitialised). size 0 gives data == NULL. */
zbuf_status zbuf__block_alloc(zbuf_device device, size_t size, zbuf__block **out, zbuf_error *err);
/* New block wrapping caller memory; release called once when the last reference goes. */
zbuf_status zbuf__block_wrap(zbuf_device device, void *data, size_t size, zbuf_release_fn release, void *ctx,
                             zbuf__block **out, zbuf_error *err);
zbuf__block *zbuf__block_retain(zbuf__block *b);
void zbuf__block_release(zbuf__block *b); /* NULL is a no-op */

/* ---- backends (device.c, cpu_backend.c, gpu_backend.cu) ----
 * Raw memory operations per memory space. Host backends use libc; the CUDA backend the runtime API. */
zbuf_status zbuf__mem_alloc(zbuf_device device, size_t size, void **out, zbuf_error *err);
void zbuf__mem_free(zbuf_device device, void *p, size_t size); /* size as allocated */
/* Copies n bytes between any two spaces (overlap allowed within one space: memmove semantics). */
zbuf_status zbuf__mem_copy(void *dst, zbuf_device dst_dev, const void *src, zbuf_device src_dev, size_t n,
                           zbuf_error *err);

/* ---- handles ---- */
struct zbuf_buffer {
  atomic_int_fast64_t refs;
  zbuf__block *block;
  size_t offset; /* bytes from block->data */
  size_t length;
};

struct zbuf_ndbuffer {
  atomic_int_fast64_t refs;
  zbuf__block *block;
  int64_t offset; /* bytes from block->data to element [0,...,0] */
  zbuf_dtype dtype;
  size_t ndim;
  int64_t shape[ZBUF_MAX_NDIM];
  int64_t strides[ZBUF_MAX_NDIM]; /* bytes */
};

/* ---- strided element views and host kernels (kernels_host.c) ----
 * A view describes elements for the kernels; all pointers are host-accessible here. */
typedef struct zbuf__view {
  char *data; /* address of element [0,...,0] */
  zbuf_dtype dtype;
  size_t ndim;
  int64_t shape[ZBUF_MAX_NDIM];
  int64_t strides[ZBUF_MAX_NDIM]; /* bytes; 0 for broadcast axes */
} zbuf__view;

/* Converts one element from src_dtype to dst_dtype by NumPy's astype rules (unsafe casting). */
void zbuf__cast_element(void *dst, zbuf_dtype dst_dtype, const void *src, zbuf_dtype src_dtype);
/* dst[i] = cast(src[i]) for every index of dst's shape; src has the same shape (broadcast by 0 strides).
 * The caller guarantees src and dst do not overlap. */
void zbuf__kernel_copy(const zbuf__view *dst, const zbuf__view *src);
/* dst[i] = *value, value one element in dst's dtype. */
void zbuf__kernel_fill(const zbuf__view *dst, const void *value);
/* Element-wise comparison of a and b (same shape and dtype). mode: ZBUF__EQ_VALUE (numeric ==, optional
 * NaN==NaN) or ZBUF__EQ_BITS (bit patterns). Returns 1 when all equal. */
enum { ZBUF__EQ_VALUE = 0, ZBUF__EQ_BITS = 1 };
int zbuf__kernel_equal(const zbuf__view *a, const zbuf__view *b, int mode, int equal_nan);

/* ---- small shared helpers ---- */
zbuf__view zbuf__ndbuffer_view(const zbuf_ndbuffer *a);
/* Product of shape times itemsize with overflow checks: ZBUF_EINVAL naming `what` when it exceeds INT64_MAX. */
zbuf_status zbuf__checked_nbytes(size_t ndim, const int64_t *shape, size_t itemsize, const char *what,
                                 int64_t *out_bytes, zbuf_error *err);

#ifdef __cplusplus
}
#endif
#endif

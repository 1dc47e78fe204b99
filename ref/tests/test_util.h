/* zbuf unit tests: small helpers that several test files share (release-callback logs, host arrays, the
 * allocation accounting). Header-only and `static inline`, so that a test file that uses only some of them
 * still builds with -Werror; test.h stays the harness alone. */
#ifndef ZBUF_TEST_UTIL_H
#define ZBUF_TEST_UTIL_H

#include <stdatomic.h>

#include "test.h"

/* CUDA device 0, and whether this build and machine can use CUDA memory (tests of the "built without CUDA"
 * answers skip otherwise). */
#define CUDA0 ((zbuf_device){ZBUF_DEVICE_CUDA, 0})
static inline int have_cuda(void) { return zbuf_device_check(CUDA0, NULL) == ZBUF_OK; }

/* The answer for CUDA memory that cannot be used: EUNSUPPORTED in a build without CUDA, ENODEV in a CUDA
 * build on a machine without a usable device. */
#ifdef ZBUF_WITH_CUDA
#define NO_CUDA ZBUF_ENODEV
#else
#define NO_CUDA ZBUF_EUNSUPPORTED
#endif

/* What a wrap's release callback saw: how often it ran, and its last data and ctx arguments. */
typedef struct release_log {
  atomic_int calls;
  void *data;
  void *ctx;
} release_log;

/* A release callback for wrapped memory; ctx must be a release_log. Frees nothing. */
static inline void record_release(void *data, void *ctx) {
  release_log *log = ctx;
  log->data = data;
  log->ctx = ctx;
  atomic_fetch_add(&log->calls, 1);
}

/* Whether the live allocation counters are the same: a failed call must leave them as they were. */
static inline int stats_equal(zbuf_alloc_stats a, zbuf_alloc_stats b) {
  return a.blocks == b.blocks && a.bytes == b.bytes && a.handles == b.handles;
}

/* The checks after a call made while its k-th allocation was set to fail: it answered ZBUF_ENOMEM (with err
 * filled, when given), left its output `out` as `untouched`, gave back all it had taken (`before`: the
 * counters before the call), and k is still small, so that a call that keeps allocating cannot loop for ever.
 * A macro, so that a failure names the test's line. */
#define ASSERT_FAILED_CLEANLY(st, errp, out, untouched, before, k) \
  do {                                                             \
    ASSERT_STATUS(ZBUF_ENOMEM, st, errp);                          \
    ASSERT((out) == (untouched));                                  \
    ASSERT(stats_equal(zbuf_alloc_stats_get(), before));           \
    ASSERT((k) < 50);                                              \
  } while (0)

/* A C-ordered host copy of data (NULL on failure). */
static inline zbuf_ndbuffer *host_array(const void *data, size_t ndim, const int64_t *shape,
                                        zbuf_dtype dtype) {
  zbuf_ndbuffer *a = NULL;
  if (zbuf_ndbuffer_from_host(ZBUF_CPU, data, ndim, shape, NULL, dtype, &a, NULL) != ZBUF_OK) return NULL;
  return a;
}

/* A C-ordered int32 host array of the given shape whose element at flat C index n is n (NULL on failure). */
static inline zbuf_ndbuffer *arange_i32(size_t ndim, const int64_t *shape) {
  zbuf_ndbuffer *a = NULL;
  if (zbuf_ndbuffer_empty(ZBUF_CPU, ndim, shape, zbuf_dtype_native(ZBUF_INT32), ZBUF_ORDER_C, &a, NULL) !=
      ZBUF_OK)
    return NULL;
  int32_t *p = zbuf_ndbuffer_data(a);
  for (int64_t n = 0; n < zbuf_ndbuffer_size(a); n++) p[n] = (int32_t)n;
  return a;
}

/* Element at a multi-index, read through the byte strides (host arrays only). */
static inline const void *element_at(const zbuf_ndbuffer *a, const int64_t *index) {
  const char *p = zbuf_ndbuffer_data(a);
  for (size_t i = 0; i < zbuf_ndbuffer_ndim(a); i++) p += index[i] * zbuf_ndbuffer_strides(a)[i];
  return p;
}

#endif

/* zbuf conformance: helpers for the THREAD clause tests (threads.c, threads_nd.c).
 *
 * Worker threads must not use ctx->err, which the CONFORM_* macros and the conform_* set-up shortcuts share:
 * the helpers here take a zbuf_error of their own and report a failed call with conform_fail, naming the
 * thread, the call and the status. (conform_fail may be called from any worker; the first outcome ends the
 * test.) A call that fails inside a worker is a verdict on the clause, not a set-up problem: the clause says
 * these calls succeed when made concurrently. */
#ifndef ZBUF_CONFORM_TESTS_THREADPROBE_H
#define ZBUF_CONFORM_TESTS_THREADPROBE_H

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "conform.h"

/** Threads per test (CONTRACT.md, THREAD: at least 8). */
enum { TH_N = 8 };

/** Wall-clock budget of a worker loop: conform_thread_budget_s() (--thread-budget). The iteration counts are
 * the contract's (CONTRACT.md, THREAD); a slow implementation (the Python adapter crosses the GIL on every
 * call) stops early at this budget instead of running into the harness's timeout, which would read as a
 * deadlock. Loops whose end state depends on the last iteration (the writers' tests) keep their fixed counts. */
/** Iterations every worker runs whatever the budget says. */
enum { TH_MIN_ITERS = 200 };

static inline double th_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/** Whether a worker that started its loop at `start` goes on with iteration i (the clock is read every 64
 * iterations). */
static inline int th_go(int i, double start) {
  return i < TH_MIN_ITERS || (i & 63) != 0 || th_now() - start < conform_thread_budget_s();
}

/** Fails naming the thread and the call unless st is ZBUF_OK. */
static inline void th_ok(conform_ctx *ctx, int index, int st, const zbuf_error *e, const char *what) {
  if (st != ZBUF_OK)
    conform_fail(ctx, "thread %d: %s: %s (%s)", index, what, conform_status_name(st), e->message);
}

/** A small deterministic generator, one state per thread. */
static inline uint32_t th_rand(uint32_t *state) {
  uint32_t x = *state ? *state : 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

static inline zbuf_impl_buffer *th_from_bytes(conform_ctx *ctx, int index, DLDevice dev, const void *p,
                                              size_t n) {
  zbuf_error e;
  zbuf_impl_buffer *b = NULL;
  th_ok(ctx, index, ctx->impl->buffer_from_bytes(ctx->impl, dev, p, n, &b, &e), &e, "buffer_from_bytes");
  return b;
}

/** Reads b (its length must be n) and fails unless it holds want. */
static inline void th_expect_buf(conform_ctx *ctx, int index, const zbuf_impl_buffer *b, const void *want,
                                 size_t n, const char *what) {
  const zbuf_impl *I = ctx->impl;
  zbuf_error e;
  size_t len = 0;
  th_ok(ctx, index, I->buffer_info(I, b, NULL, &len, NULL, &e), &e, "buffer_info");
  if (len != n) conform_fail(ctx, "thread %d: %s: expected length %zu, seen %zu", index, what, n, len);
  unsigned char stack[4096], *seen = n <= sizeof stack ? stack : malloc(n);
  if (!seen) conform_unresolved(ctx, "malloc(%zu) failed", n);
  th_ok(ctx, index, I->buffer_to_bytes(I, b, seen, n, &e), &e, "buffer_to_bytes");
  if (memcmp(seen, want, n) != 0) {
    size_t at = 0;
    while (seen[at] == ((const unsigned char *)want)[at]) at++;
    conform_fail(ctx, "thread %d: %s: byte %zu of %zu is 0x%02x, expected 0x%02x", index, what, at, n,
                 seen[at], ((const unsigned char *)want)[at]);
  }
  if (seen != stack) free(seen);
}

/** Reads the elements of a in C order (n bytes) and fails unless they are want. */
static inline void th_expect_nd(conform_ctx *ctx, int index, const zbuf_impl_ndbuffer *a, const void *want,
                                size_t n, const char *what) {
  zbuf_error e;
  unsigned char stack[4096], *seen = n <= sizeof stack ? stack : malloc(n);
  if (!seen) conform_unresolved(ctx, "malloc(%zu) failed", n);
  th_ok(ctx, index, ctx->impl->ndbuffer_to_bytes(ctx->impl, a, seen, n, &e), &e, "ndbuffer_to_bytes");
  if (memcmp(seen, want, n) != 0) {
    size_t at = 0;
    while (seen[at] == ((const unsigned char *)want)[at]) at++;
    conform_fail(ctx, "thread %d: %s: byte %zu of %zu is 0x%02x, expected 0x%02x", index, what, at, n,
                 seen[at], ((const unsigned char *)want)[at]);
  }
  if (seen != stack) free(seen);
}

/** Whether this machine stores numbers little-endian (DLPack and "native" dtypes follow it). */
static inline int th_little(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first;
}

/** A counter of release callbacks, passed as the callback's ctx. */
typedef struct th_release_count {
  atomic_int calls;
} th_release_count;

static inline void th_count_release(void *data, void *ctx) {
  (void)data;
  atomic_fetch_add(&((th_release_count *)ctx)->calls, 1);
}

/** As th_count_release, and frees the malloc'd memory it was given. */
static inline void th_count_release_free(void *data, void *ctx) {
  free(data);
  atomic_fetch_add(&((th_release_count *)ctx)->calls, 1);
}

#endif

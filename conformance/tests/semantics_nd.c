/* zbuf conformance: the SEM clauses of NDBuffers that the golden vectors do not check, or check only in part
 * (ND-SEM-002 on a dirty allocator, 003, 008, 009, 013, 020 and 021 on views, 022, 023, 024, 025).
 *
 * Elements are given as bit patterns in the array's byte order, so every comparison is exact; expected
 * results are what NumPy gives for the same operation, worked out by hand in the comments. Every test runs
 * once per memory kind ("label@kind" or the kind alone); kinds the implementation lacks are UNSUPPORTED. */
#include "semprobe.h"

/* Stores the low n bytes of v at p, little-endian first (le) or big-endian first. */
static void put_bits(unsigned char *p, uint64_t v, size_t n, int le) {
  for (size_t i = 0; i < n; i++) p[le ? i : n - 1 - i] = (unsigned char)(v >> (8 * i));
}

/* "<f8" bytes of a double. */
static void f8le(unsigned char *p, double d) {
  uint64_t v;
  memcpy(&v, &d, 8);
  put_bits(p, v, 8, 1);
}

/* ---- ND-SEM-002: create without a fill value gives zeros, also in memory that held other bytes ---- */

CONFORM_TEST_VARIANTS("ND-SEM-002", "dirty@cpu,dirty@cuda_host,dirty@cuda", ZBUF_CAP_ND,
                      nd_sem_002_create_without_fill_is_zeros) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  static const unsigned char ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const struct {
    size_t ndim;
    int64_t shape[2];
    zbuf_order order;
  } cases[] = {{1, {1024, 0}, ZBUF_ORDER_C}, {1, {4096, 0}, ZBUF_ORDER_C}, {2, {64, 64}, ZBUF_ORDER_C},
               {2, {64, 64}, ZBUF_ORDER_F}, {1, {3, 0}, ZBUF_ORDER_C}};
  unsigned char *seen = malloc(4096 * 8), *zeros = calloc(4096, 8);
  if (!seen || !zeros) conform_unresolved(ctx, "malloc failed");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    /* Dirty the allocator: an array of the same size full of 0xff bytes, released just before. */
    zbuf_impl_ndbuffer *dirty = NULL, *a = NULL;
    CONFORM_SETUP(ctx, I->ndbuffer_create(I, ctx->nd_dev, cases[i].ndim, cases[i].shape, "<f8", cases[i].order,
                                          ones, &dirty, &ctx->err));
    I->ndbuffer_release(I, dirty);
    CONFORM_OK(ctx, I->ndbuffer_create(I, ctx->nd_dev, cases[i].ndim, cases[i].shape, "<f8", cases[i].order, NULL,
                                       &a, &ctx->err));
    size_t n = vx_count_bytes:;
    (void)n;
    I->ndbuffer_release(I, a);
  }
  free(zeros);
  free(seen);
}

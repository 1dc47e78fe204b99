/* zbuf conformance: smoke tests of the harness plumbing. A few clauses proved end to end through conform.h,
 * each with the variant label "smoke" so that they never collide with the full clause tests of the other
 * files in this folder. They run in the prototype's memory (ctx->dev), so `ref:gpu` runs them in device
 * memory. */
#include "conform.h"

/* Reads a Buffer back and compares it with what is expected. */
static void expect_bytes(conform_ctx *ctx, const zbuf_impl_buffer *b, const void *want, size_t n) {
  unsigned char seen[256];
  if (n > sizeof seen) conform_unresolved(ctx, "expect_bytes: %zu bytes is more than this helper holds", n);
  conform_buffer_read(ctx, b, seen, n);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, n);
}

CONFORM_TEST("BUF-SEM-003", "smoke", ZBUF_CAP_HOST, smoke_from_bytes_round_trips) {
  const zbuf_impl *I = ctx->impl;
  unsigned char src[64], out[64];
  conform_fill_pattern(src, sizeof src, 3);
  CONFORM_NEED_OP(ctx, buffer_from_bytes);
  zbuf_impl_buffer *b = NULL;
  CONFORM_OK(ctx, I->buffer_from_bytes(I, ctx->dev, src, sizeof src, &b, &ctx->err));
  CONFORM_ASSERT(ctx, b != NULL);
  void *data;
  size_t len;
  DLDevice where;
  CONFORM_NEED_OP(ctx, buffer_info);
  CONFORM_OK(ctx, I->buffer_info(I, b, &data, &len, &where, &ctx->err));
  CONFORM_ASSERT_UINT_EQ(ctx, sizeof src, len);
  CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev, where);
  CONFORM_OK(ctx, I->buffer_to_bytes(I, b, out, sizeof out, &ctx->err));
  CONFORM_ASSERT_MEM_EQ(ctx, src, out, sizeof src);
  I->buffer_release(I, b);
}

CONFORM_TEST("BUF-COPY-006", "smoke", ZBUF_CAP_HOST, smoke_from_bytes_copies) {
  const zbuf_impl *I = ctx->impl;
  unsigned char src[32], want[32];
  conform_fill_pattern(src, sizeof src, 6);
  memcpy(want, src, sizeof src);
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, src, sizeof src);
  /* Writing the source afterwards must not reach the buffer. */
  memset(src, 0xEE, sizeof src);
  unsigned char seen[32];
  conform_buffer_read(ctx, b, seen, sizeof seen);
  conform_observe_alias(ctx, "buffer_from_bytes", conform_device_name(ctx->dev),
                        memcmp(seen, want, sizeof want) != 0);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->buffer_release(I, b);
}

CONFORM_TEST("BUF-COPY-001", "smoke", ZBUF_CAP_HOST, smoke_slice_is_a_view) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, "abcdefgh", 8);
  zbuf_impl_buffer *v = NULL;
  CONFORM_OK(ctx, I->buffer_slice(I, b, ZBUF_SLICE(2, 5), &v, &ctx->err));
  CONFORM_ASSERT_UINT_EQ(ctx, 3, conform_buffer_length(ctx, v));
  expect_bytes(ctx, v, "cde", 3);
  /* A sentinel written through the view must be seen in the parent at offset 2. */
  zbuf_impl_buffer *x = conform_buffer_from_bytes(ctx, ctx->host, "X", 1);
  CONFORM_OK(ctx, I->buffer_set_slice(I, v, ZBUF_SLICE(0, 1), x, &ctx->err));
  unsigned char parent[8];
  conform_buffer_read(ctx, b, parent, sizeof parent);
  conform_observe_alias(ctx, "buffer_slice", conform_device_name(ctx->dev), parent[2] == 'X');
  CONFORM_ASSERT_MEM_EQ(ctx, "abXdefgh", parent, 8);
  I->buffer_release(I, x);
  I->buffer_release(I, v);
  I->buffer_release(I, b);
}

CONFORM_TEST("BUF-COPY-004", "smoke", ZBUF_CAP_HOST, smoke_from_buffer_same_kind_aliases) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, "0123", 4);
  zbuf_impl_buffer *c = NULL;
  CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev, b, &c, &ctx->err));
  zbuf_impl_buffer *x = conform_buffer_from_bytes(ctx, ctx->host, "Z", 1);
  CONFORM_OK(ctx, I->buffer_set_slice(I, b, ZBUF_SLICE(3, 4), x, &ctx->err));
  unsigned char seen[4];
  conform_buffer_read(ctx, c, seen, sizeof seen);
  conform_observe_alias(ctx, "buffer_from_buffer", conform_device_name(ctx->dev), seen[3] == 'Z');
  CONFORM_ASSERT_MEM_EQ(ctx, "012Z", seen, 4);
  I->buffer_release(I, x);
  I->buffer_release(I, c);
  I->buffer_release(I, b);
}

CONFORM_TEST("BUF-ERR-001", "smoke", ZBUF_CAP_HOST, smoke_slice_step_2_is_einval) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, "abcdef", 6);
  zbuf_impl_buffer *v = NULL;
  CONFORM_STATUS(ctx, ZBUF_EINVAL, I->buffer_slice(I, b, ZBUF_SLICE_STEP(0, 6, 2), &v, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, v);
  I->buffer_release(I, b);
}

/* Retains and releases the shared buffer many times; the count must come back exactly. */
static void retain_release_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_buffer *shared = arg;
  (void)index;
  for (int i = 0; i < 20000; i++) {
    zbuf_impl_buffer *r = I->buffer_retain(I, shared);
    if (r != shared)
      conform_fail(ctx, "buffer_retain: expected the same handle %p, seen %p", (void *)shared, (void *)r);
    I->buffer_release(I, r);
  }
}

CONFORM_TEST("BUF-THREAD-003", "smoke", ZBUF_CAP_HOST | ZBUF_CAP_THREAD_SAFE, smoke_threads_retain_release) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_retain);
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, "shared", 6);
  conform_threads_run(ctx, 4, retain_release_worker, b);
  expect_bytes(ctx, b, "shared", 6);
  /* The leak probe after the body proves the count came back to exactly one reference: this release frees. */
  I->buffer_release(I, b);
}

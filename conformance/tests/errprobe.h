/* zbuf conformance: helpers shared by the ERR clause tests (errors.c, errors_nd.c).
 *
 * Every misuse must fail with the right status and a message (CONFORM_STATUS checks both), leave every input
 * unchanged and leak nothing (CONTRACT.md, preface, "Inputs unchanged"). The snapshots below record an input
 * through the implementation's own accessors (bytes read back with to_bytes, metadata with buffer_info and
 * ndbuffer_info) before the failing call; ep_*_same compares after it. EP_FAILS wraps the failing call in a
 * live-allocation probe, so a leak is pinned to the call rather than to the whole test body.
 *
 * Snapshot helpers are set-up steps: a failure to read an input is UNRESOLVED; a difference is FAIL. */
#ifndef ZBUF_CONFORM_TESTS_ERRPROBE_H
#define ZBUF_CONFORM_TESTS_ERRPROBE_H

#include <stdlib.h>

#include "conform.h"

/** Mask bit of a status, short form for CONFORM_STATUS_IN. */
#define EP_M(code) CONFORM_MASK(ZBUF_##code)

/** Variant list "label@cpu,label@cuda_host,label@cuda": one misuse in each memory kind. */
#define EP_KINDS(label) label "@cpu," label "@cuda_host," label "@cuda"

/** expr must fail with a status in mask (message and known-code checks by CONFORM_STATUS_IN) and leave the
 * live-allocation counters as they were (when ALLOC_STATS is claimed). */
#define EP_FAILS(ctx, mask, expr)                                     \
  do {                                                                \
    conform_leak_probe ep__probe_;                                    \
    conform_leak_begin((ctx), &ep__probe_);                           \
    CONFORM_STATUS_IN((ctx), (mask), expr);                           \
    conform_leak_check((ctx), &ep__probe_, "the failed call " #expr); \
  } while (0)

/* ---- Buffers ---- */

typedef struct ep_buf_snap {
  void *data;
  size_t len;
  DLDevice dev;
  unsigned char *bytes;
} ep_buf_snap;

static inline ep_buf_snap ep_buf_take(conform_ctx *ctx, const zbuf_impl_buffer *b) {
  const zbuf_impl *I = ctx->impl;
  ep_buf_snap s;
  memset(&s, 0, sizeof s);
  CONFORM_NEED_OP(ctx, buffer_info);
  CONFORM_SETUP(ctx, I->buffer_info(I, b, &s.data, &s.len, &s.dev, &ctx->err));
  s.bytes = malloc(s.len ? s.len : 1);
  if (!s.bytes) conform_unresolved(ctx, "malloc(%zu) failed", s.len);
  CONFORM_SETUP(ctx, I->buffer_to_bytes(I, b, s.bytes, s.len, &ctx->err));
  return s;
}

/** Fails unless b still has the address, length, device and bytes of the snapshot; frees the snapshot. */
static inline void ep_buf_same(conform_ctx *ctx, ep_buf_snap *s, const zbuf_impl_buffer *b,
                               const char *what) {
  ep_buf_snap now = ep_buf_take(ctx, b);
  if (now.len != s->len || !conform_device_equal(now.dev, s->dev) || now.data != s->data)
    conform_fail(ctx, "%s changed by the failed call: length %zu -> %zu, device %s -> %s, data %p -> %p",
                 what, s->len, now.len, conform_device_name(s->dev), conform_device_name(now.dev), s->data,
                 now.data);
  if (memcmp(s->bytes, now.bytes, s->len) != 0) conform_note(ctx, "bytes of %s after the failed call", what);
  CONFORM_ASSERT_MEM_EQ(ctx, s->bytes, now.bytes, s->len);
  free(now.bytes);
  free(s->bytes);
  s->bytes = NULL;
}

/* ---- NDBuffers ---- */

enum { EP_MAX_NDIM = 8 };

typedef struct ep_nd_snap {
  zbuf_impl_ndinfo info; /* shape/strides point into the arrays below */
  int64_t shape[EP_MAX_NDIM];
  int64_t strides[EP_MAX_NDIM];
  size_t nbytes;
  unsigned char *bytes;
} ep_nd_snap;

/** Item size of a NumPy dtype string ("<f8" -> 8, "|b1" -> 1); 0 when it cannot tell. */
static inline size_t ep_itemsize(const char *dtype) {
  const char *p = dtype;
  while (*p && (*p < '0' || *p > '9')) p++;
  return (size_t)strtoul(p, NULL, 10);
}

static inline ep_nd_snap ep_nd_take(conform_ctx *ctx, const zbuf_impl_ndbuffer *a) {
  ep_nd_snap s;
  memset(&s, 0, sizeof s);
  s.info = conform_nd_info(ctx, a);
  if (s.info.ndim < 0 || s.info.ndim > EP_MAX_NDIM)
    conform_unresolved(ctx, "snapshot of an input with ndim %d: this helper holds at most %d",
                       (int)s.info.ndim, EP_MAX_NDIM);
  size_t count = 1;
  for (int32_t i = 0; i < s.info.ndim; i++) {
    s.shape[i] = s.info.shape[i];
    s.strides[i] = s.info.strides[i];
    count *= (size_t)s.shape[i];
  }
  s.info.shape = s.shape;
  s.info.strides = s.strides;
  s.nbytes = count * ep_itemsize(s.info.dtype);
  s.bytes = malloc(s.nbytes ? s.nbytes : 1);
  if (!s.bytes) conform_unresolved(ctx, "malloc(%zu) failed", s.nbytes);
  conform_nd_read(ctx, a, s.bytes, s.nbytes);
  return s;
}

/** Fails unless a still has the dtype, shape, strides, address, device and elements of the snapshot; frees
 * the snapshot. */
static inline void ep_nd_same(conform_ctx *ctx, ep_nd_snap *s, const zbuf_impl_ndbuffer *a,
                              const char *what) {
  ep_nd_snap now = ep_nd_take(ctx, a);
  int same = strcmp(s->info.dtype, now.info.dtype) == 0 && s->info.ndim == now.info.ndim &&
             s->info.data == now.info.data && conform_device_equal(s->info.device, now.info.device);
  for (int32_t i = 0; same && i < s->info.ndim; i++)
    same = s->shape[i] == now.shape[i] && s->strides[i] == now.strides[i];
  if (!same)
    conform_fail(ctx,
                 "metadata of %s changed by the failed call: dtype %s -> %s, ndim %d -> %d, data %p -> %p, "
                 "device %s -> %s (or shape/strides)",
                 what, s->info.dtype, now.info.dtype, (int)s->info.ndim, (int)now.info.ndim, s->info.data,
                 now.info.data, conform_device_name(s->info.device), conform_device_name(now.info.device));
  if (memcmp(s->bytes, now.bytes, s->nbytes) != 0)
    conform_note(ctx, "elements of %s after the failed call", what);
  CONFORM_ASSERT_MEM_EQ(ctx, s->bytes, now.bytes, s->nbytes);
  free(now.bytes);
  free(s->bytes);
  s->bytes = NULL;
}

#endif

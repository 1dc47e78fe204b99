/* zbuf conformance: helpers shared by the SEM clause tests (semantics.c, semantics_nd.c, semantics_conv.c).
 *
 * The SEM clauses are about values: the tests build inputs through the implementation (from_bytes,
 * ndbuffer_from_host), read results back with to_bytes and ndbuffer_info, and compare with what NumPy gives
 * for the same operation, computed here by hand. Every helper is a set-up step: a failure is UNRESOLVED. */
#ifndef ZBUF_CONFORM_TESTS_SEMPROBE_H
#define ZBUF_CONFORM_TESTS_SEMPROBE_H

#include <stdlib.h>

#include "memprobe.h"

/** Whether this machine stores integers little-endian first. */
static inline int sp_little(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first;
}

/** Itemsize of a NumPy dtype string ("<f8" -> 8); 0 when it is not one. */
static inline size_t sp_itemsize(const char *dtype) {
  if (!dtype || strlen(dtype) < 3) return 0;
  return (size_t)strtoul(dtype + 2, NULL, 10);
}

/** NumPy's contiguity flags: axes of extent 1 are ignored and a zero-size array is contiguous either way. */
static inline int sp_contiguous(const zbuf_impl_ndinfo *in, int fortran) {
  int64_t want = (int64_t)sp_itemsize(in->dtype);
  for (int32_t k = 0; k < in->ndim; k++)
    if (in->shape[k] == 0) return 1;
  for (int32_t j = 0; j < in->ndim; j++) {
    int32_t k = fortran ? j : in->ndim - 1 - j;
    if (in->shape[k] == 1) continue;
    if (in->strides[k] != want) return 0;
    want *= in->shape[k];
  }
  return 1;
}

/** Fails unless a has this dtype and shape. */
static inline void sp_expect_meta(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, const char *dtype,
                                  size_t ndim, const int64_t *shape, const char *what) {
  zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
  if (strncmp(in.dtype, dtype, sizeof in.dtype) != 0)
    conform_fail(ctx, "%s: dtype expected \"%s\", seen \"%.8s\"", what, dtype, in.dtype);
  if (in.ndim != (int32_t)ndim) conform_fail(ctx, "%s: ndim expected %zu, seen %d", what, ndim, (int)in.ndim);
  for (size_t k = 0; k < ndim; k++)
    if (in.shape[k] != shape[k])
      conform_fail(ctx, "%s: shape[%zu] expected %lld, seen %lld", what, k, (long long)shape[k],
                   (long long)in.shape[k]);
}

/** Fails unless a's elements in C order are the n bytes at want. */
static inline void sp_expect_bytes(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, const void *want, size_t n,
                                   const char *what) {
  unsigned char *seen = malloc(n ? n : 1);
  if (!seen) conform_unresolved(ctx, "malloc(%zu) failed", n);
  conform_nd_read(ctx, a, seen, n);
  if (memcmp(seen, want, n) != 0) {
    size_t i = 0;
    while (((const unsigned char *)want)[i] == seen[i]) i++;
    conform_fail(ctx, "%s: %zu bytes differ from byte %zu on: expected %02x, seen %02x", what, n, i,
                 ((const unsigned char *)want)[i], seen[i]);
  }
  free(seen);
}

/** An NDBuffer in dev with the elements at data (C order); fortran: laid out in F order (a new F array that
 * the C copy is written into with set_item, since from_host gives C order). */
static inline zbuf_impl_ndbuffer *sp_nd_build(conform_ctx *ctx, DLDevice dev, const void *data, size_t ndim,
                                              const int64_t *shape, const char *dtype, int fortran) {
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_ndbuffer *c = conform_nd_from_host(ctx, dev, data, ndim, shape, dtype);
  if (!fortran) return c;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  zbuf_impl_ndbuffer *f = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_create(I, dev, ndim, shape, dtype, ZBUF_ORDER_F, NULL, &f, &ctx->err));
  CONFORM_SETUP(ctx, I->ndbuffer_set_item(I, f, 0, NULL, c, &ctx->err));
  I->ndbuffer_release(I, c);
  zbuf_impl_ndinfo in = conform_nd_info(ctx, f);
  if (!sp_contiguous(&in, 1)) conform_unresolved(ctx, "set-up: create(order F) is not F-contiguous");
  return f;
}

/** get_item as a set-up step. */
static inline zbuf_impl_ndbuffer *sp_nd_view(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, size_t nidx,
                                             const zbuf_index *idx) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  zbuf_impl_ndbuffer *v = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, nidx, idx, &v, &ctx->err));
  return v;
}

/** SKIP or UNSUPPORTED unless dev can be used now (for kinds beyond the variant's own two). */
static inline void sp_need_device(conform_ctx *ctx, DLDevice dev) {
  const zbuf_impl *I = ctx->impl;
  uint64_t cap = dev.device_type == kDLCUDA       ? ZBUF_CAP_CUDA
                 : dev.device_type == kDLCUDAHost ? ZBUF_CAP_CUDA_HOST
                                                  : ZBUF_CAP_HOST;
  conform_need_caps(ctx, cap);
  if (!CONFORM_HAS_OP(I, device_check)) return;
  zbuf_error e;
  conform_error_reset(&e);
  zbuf_status st = I->device_check(I, dev, &e);
  if (st == ZBUF_ENODEV)
    conform_skip(ctx, "device %s is not present here: %s", conform_device_name(dev), e.message);
  if (st != ZBUF_OK)
    conform_unsupported(ctx, "device %s is not usable (%s): %s", conform_device_name(dev),
                        conform_status_name(st), e.message);
}

#endif

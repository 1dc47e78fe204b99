/* zbuf conformance: helpers shared by the COPY (copy.c, copy_nd.c) and LIFE (lifetime.c) clause tests.
 *
 * Those clauses are about memory: which handles share it and how long it lives. The tests observe both only
 * through the implementation's table: they plant a sentinel through one handle (set_slice, set_item_scalar,
 * fill, or a plain store where the memory is host-readable) and read the other handle back with
 * to_bytes. Nothing here dereferences memory of a kind the CPU cannot read, so the same helpers serve cpu,
 * cuda_host and cuda variants.
 *
 * Every helper is a set-up step: a failure is UNRESOLVED, never a verdict on the clause being tested. */
#ifndef ZBUF_CONFORM_TESTS_MEMPROBE_H
#define ZBUF_CONFORM_TESTS_MEMPROBE_H

#include <stdatomic.h>
#include <stdlib.h>

#include "conform.h"

/* Variant lists: one variant per memory kind, per ordered pair of one kind, and per ordered pair of distinct
 * kinds. Kinds the implementation does not claim (or the machine lacks) are UNSUPPORTED. */
#define MP_KINDS "cpu,cuda_host,cuda"
#define MP_HOST_KINDS "cpu,cuda_host"
#define MP_SAME_PAIRS "cpu->cpu,cuda_host->cuda_host,cuda->cuda"
#define MP_CROSS_PAIRS "cpu->cuda_host,cpu->cuda,cuda_host->cpu,cuda_host->cuda,cuda->cpu,cuda->cuda_host"

/* ---- Buffers ---- */

/** The device a Buffer's bytes live in. */
static inline DLDevice mp_buf_device(conform_ctx *ctx, const zbuf_impl_buffer *b) {
  const zbuf_impl *I = ctx->impl;
  void *data;
  size_t len;
  DLDevice dev;
  CONFORM_NEED_OP(ctx, buffer_info);
  CONFORM_SETUP(ctx, I->buffer_info(I, b, &data, &len, &dev, &ctx->err));
  return dev;
}

/** Writes n host bytes into b at byte offset off: a Buffer of b's own kind holding them, then set_slice. */
static inline void mp_buf_write(conform_ctx *ctx, zbuf_impl_buffer *b, size_t off, const void *src,
                                size_t n) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  zbuf_impl_buffer *v = conform_buffer_from_bytes(ctx, mp_buf_device(ctx, b), src, n);
  CONFORM_SETUP(ctx, I->buffer_set_slice(I, b, ZBUF_SLICE((int64_t)off, (int64_t)(off + n)), v, &ctx->err));
  I->buffer_release(I, v);
}

/** Writes one byte into b at off. */
static inline void mp_buf_poke(conform_ctx *ctx, zbuf_impl_buffer *b, size_t off, unsigned char x) {
  mp_buf_write(ctx, b, off, &x, 1);
}

/** A Buffer in dev holding n pattern bytes (seeded); the pattern is also written to pat. */
static inline zbuf_impl_buffer *mp_buf_pattern(conform_ctx *ctx, DLDevice dev, unsigned char *pat, size_t n,
                                               unsigned seed) {
  conform_fill_pattern(pat, n, seed);
  return conform_buffer_from_bytes(ctx, dev, pat, n);
}

/* ---- memory the test owns, as a caller would ---- */

/** Caller memory of one kind. For cpu it is malloc'd. The test cannot allocate pinned or device memory
 * without linking CUDA itself, so for those kinds it borrows the bytes of a Buffer the implementation made
 * (`owner`, kept alive by the test until mp_mem_free): to the implementation under test they are foreign
 * memory all the same. Reads and writes are plain memcpy where the CPU can reach the memory and go through
 * the owner otherwise. */
typedef struct mp_mem {
  DLDevice dev;
  void *ptr;
  size_t n;
  zbuf_impl_buffer *owner;
} mp_mem;

/** n bytes of caller memory in dev, initialised from init (NULL: zeros). */
static inline mp_mem mp_mem_new(conform_ctx *ctx, DLDevice dev, const void *init, size_t n) {
  mp_mem m;
  memset(&m, 0, sizeof m);
  m.dev = dev;
  m.n = n;
  if (dev.device_type == kDLCPU) {
    m.ptr = calloc(1, n);
    if (!m.ptr) conform_unresolved(ctx, "calloc(%zu) failed", n);
    if (init) memcpy(m.ptr, init, n);
    return m;
  }
  unsigned char *zeros = calloc(1, n);
  if (!zeros) conform_unresolved(ctx, "calloc(%zu) failed", n);
  m.owner = conform_buffer_from_bytes(ctx, dev, init ? init : zeros, n);
  free(zeros);
  m.ptr = conform_buffer_data(ctx, m.owner);
  if (!m.ptr) conform_unresolved(ctx, "buffer_info gave no address for %zu bytes", n);
  return m;
}

/** Stores len bytes at offset off of caller memory, as the caller would. */
static inline void mp_mem_write(conform_ctx *ctx, mp_mem *m, size_t off, const void *src, size_t len) {
  if (conform_device_is_host(m->dev))
    memcpy((unsigned char *)m->ptr + off, src, len);
  else
    mp_buf_write(ctx, m->owner, off, src, len);
}

/** Copies all of the caller memory into host memory dst. */
static inline void mp_mem_read(conform_ctx *ctx, const mp_mem *m, void *dst) {
  if (conform_device_is_host(m->dev))
    memcpy(dst, m->ptr, m->n);
  else
    conform_buffer_read(ctx, m->owner, dst, m->n);
}

static inline void mp_mem_free(conform_ctx *ctx, mp_mem *m) {
  if (m->owner)
    ctx->impl->buffer_release(ctx->impl, m->owner);
  else
    free(m->ptr);
  memset(m, 0, sizeof *m);
}

/* ---- NDBuffers of int32 ---- */

/** NumPy's name for int32 in this machine's byte order (DLPack knows no other order). */
static inline const char *mp_i4(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first ? "<i4" : ">i4";
}

/** An int32 NDBuffer in dev holding 0, 1, 2, ... in C order. */
static inline zbuf_impl_ndbuffer *mp_nd_arange(conform_ctx *ctx, DLDevice dev, size_t ndim,
                                               const int64_t *shape) {
  int64_t count = 1;
  for (size_t i = 0; i < ndim; i++) count *= shape[i];
  int32_t *v = malloc((size_t)(count > 0 ? count : 1) * sizeof *v);
  if (!v) conform_unresolved(ctx, "malloc failed");
  for (int64_t i = 0; i < count; i++) v[i] = (int32_t)i;
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, dev, v, ndim, shape, mp_i4());
  free(v);
  return a;
}

/** Sets the elements idx selects to value (set_item_scalar). */
static inline void mp_nd_set(conform_ctx *ctx, zbuf_impl_ndbuffer *a, size_t nidx, const zbuf_index *idx,
                             int32_t value) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_SETUP(ctx, I->ndbuffer_set_item_scalar(I, a, nidx, idx, &value, &ctx->err));
}

/** Sets every element of a to value (fill). */
static inline void mp_nd_fill(conform_ctx *ctx, zbuf_impl_ndbuffer *a, int32_t value) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  CONFORM_SETUP(ctx, I->ndbuffer_fill(I, a, &value, &ctx->err));
}

/** Reads count int32 elements of a in C order. */
static inline void mp_nd_read(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, int32_t *dst, size_t count) {
  conform_nd_read(ctx, a, dst, count * sizeof *dst);
}

/* ---- hand-built DLPack tensors ---- */

/** A DLManagedTensor the test builds over caller memory, with a deleter that counts its calls. */
typedef struct mp_tensor {
  DLManagedTensor managed; /* first member: manager_ctx points at the mp_tensor */
  int64_t shape[4];
  int64_t strides[4];
  atomic_int deleted; /* deleter calls */
} mp_tensor;

static inline void mp_tensor_deleter(DLManagedTensor *self) {
  mp_tensor *t = self->manager_ctx;
  atomic_fetch_add(&t->deleted, 1);
}

/** Fills t as an int32 tensor of ndim axes over data in dev; strides in elements (NULL: C-contiguous, given
 * as NULL to the consumer). */
static inline void mp_tensor_init(mp_tensor *t, DLDevice dev, void *data, uint64_t byte_offset, int ndim,
                                  const int64_t *shape, const int64_t *strides) {
  memset(t, 0, sizeof *t);
  atomic_init(&t->deleted, 0);
  DLTensor *dl = &t->managed.dl_tensor;
  dl->data = data;
  dl->device = dev;
  dl->ndim = ndim;
  dl->dtype.code = kDLInt;
  dl->dtype.bits = 32;
  dl->dtype.lanes = 1;
  for (int i = 0; i < ndim; i++) {
    t->shape[i] = shape[i];
    if (strides) t->strides[i] = strides[i];
  }
  dl->shape = t->shape;
  dl->strides = strides ? t->strides : NULL;
  dl->byte_offset = byte_offset;
  t->managed.manager_ctx = t;
  t->managed.deleter = mp_tensor_deleter;
}

#endif

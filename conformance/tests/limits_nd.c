/* zbuf conformance: n-d operations at their limits.
 *
 * Bugs that hide at the edges of the ordinary tests' sizes: arrays with the most dimensions every
 * implementation must support (32, ND-ERR-018) through transpose and DLPack; fills large enough (8 MiB and
 * more) for an implementation to switch to another strategy (streaming stores, threads), at addresses that
 * are not aligned, with the bytes around the array checked; and zero-size arrays over NULL data. */
#include "semprobe.h"

enum { LIM_NDIM = 32 };

/* A 32-d int32 array with extent 2 on axes 0, 9, 20 and 31 and 1 elsewhere: 16 elements, 0..15. */
static const size_t lim_axes2[4] = {0, 9, 20, 31};

static void lim_shape32(int64_t *shape) {
  for (size_t i = 0; i < LIM_NDIM; i++) shape[i] = 1;
  for (size_t k = 0; k < 4; k++) shape[lim_axes2[k]] = 2;
}

static zbuf_impl_ndbuffer *lim_arange32(conform_ctx *ctx, DLDevice dev) {
  int64_t shape[LIM_NDIM];
  lim_shape32(shape);
  int32_t v[16];
  for (int i = 0; i < 16; i++) v[i] = i;
  return conform_nd_from_host(ctx, dev, v, LIM_NDIM, shape, mp_i4());
}

/* The elements of transpose(src, perm) in C order, for a src of this shape holding 0, 1, ... in C order:
 * walks the result's index in C order and maps it back to src's flat index. */
static void lim_transposed(const int64_t *shape, const size_t *perm, int32_t *out, size_t count) {
  int64_t idx[LIM_NDIM] = {0}, rshape[LIM_NDIM];
  for (size_t i = 0; i < LIM_NDIM; i++) rshape[i] = shape[perm[i]];
  for (size_t n = 0; n < count; n++) {
    int64_t src_index[LIM_NDIM];
    for (size_t i = 0; i < LIM_NDIM; i++) src_index[perm[i]] = idx[i];
    int64_t flat = 0;
    for (size_t i = 0; i < LIM_NDIM; i++) flat = flat * shape[i] + src_index[i];
    out[n] = (int32_t)flat;
    for (size_t i = LIM_NDIM; i-- > 0;) { /* next index of the result, C order */
      if (++idx[i] < rshape[i]) break;
      idx[i] = 0;
    }
  }
}

/* ---- ND-SEM-010: transpose of a 32-d array ---- */

CONFORM_TEST_VARIANTS("ND-SEM-010",
                      "ndim32-reversed@cpu,ndim32-reversed@cuda_host,ndim32-reversed@cuda,"
                      "ndim32-rotated@cpu,ndim32-rotated@cuda_host,ndim32-rotated@cuda",
                      ZBUF_CAP_ND, nd_sem_010_transpose_ndim32) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  int64_t shape[LIM_NDIM], axes[LIM_NDIM];
  size_t perm[LIM_NDIM];
  lim_shape32(shape);
  const int reversed = strncmp(ctx->label, "ndim32-reversed", 15) == 0;
  for (size_t i = 0; i < LIM_NDIM; i++) {
    perm[i] = reversed ? LIM_NDIM - 1 - i : (i + 7) % LIM_NDIM;
    /* Odd positions spell the axis from the end (NumPy: -32 .. -1). */
    axes[i] = (i % 2) ? (int64_t)perm[i] - LIM_NDIM : (int64_t)perm[i];
  }
  zbuf_impl_ndbuffer *a = lim_arange32(ctx, ctx->nd_dev), *t = NULL;
  CONFORM_OK(ctx,
             I->ndbuffer_transpose(I, a, reversed ? 0 : LIM_NDIM, reversed ? NULL : axes, &t, &ctx->err));
  int64_t want_shape[LIM_NDIM];
  for (size_t i = 0; i < LIM_NDIM; i++) want_shape[i] = shape[perm[i]];
  sp_expect_meta(ctx, t, mp_i4(), LIM_NDIM, want_shape, "transpose of the 32-d array");
  zbuf_impl_ndinfo ai = conform_nd_info(ctx, a), ti = conform_nd_info(ctx, t);
  for (size_t i = 0; i < LIM_NDIM; i++)
    if (shape[perm[i]] > 1 && ti.strides[i] != ai.strides[perm[i]])
      conform_fail(ctx, "strides[%zu] of the result: expected %lld (the source's axis %zu), seen %lld", i,
                   (long long)ai.strides[perm[i]], perm[i], (long long)ti.strides[i]);
  int32_t want[16];
  lim_transposed(shape, perm, want, 16);
  sp_expect_bytes(ctx, t, want, sizeof want, "transpose of the 32-d array");
  I->ndbuffer_release(I, t);
  I->ndbuffer_release(I, a);
}

/* ---- CONV-SEM-003 / CONV-SEM-004: DLPack export and import of a 32-d array ---- */

CONFORM_TEST_VARIANTS("CONV-SEM-003", "ndim32@cpu,ndim32@cuda_host,ndim32@cuda",
                      ZBUF_CAP_ND | ZBUF_CAP_DLPACK, conv_sem_003_dlpack_ndim32) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  zbuf_impl_ndbuffer *a = lim_arange32(ctx, ctx->nd_dev), *t = NULL;
  /* The reversed view: strides that are not C order, on every axis of extent 2. */
  CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &t, &ctx->err));
  zbuf_impl_ndinfo in = conform_nd_info(ctx, t);
  DLManagedTensor *m = NULL;
  CONFORM_OK(ctx, I->ndbuffer_to_dlpack(I, t, &m, &ctx->err));
  const DLTensor *dl = &m->dl_tensor;
  CONFORM_ASSERT_INT_EQ(ctx, LIM_NDIM, dl->ndim);
  CONFORM_ASSERT(ctx, dl->strides != NULL);
  CONFORM_ASSERT_UINT_EQ(ctx, kDLInt, dl->dtype.code);
  CONFORM_ASSERT_UINT_EQ(ctx, 32, dl->dtype.bits);
  CONFORM_ASSERT_PTR_EQ(ctx, in.data, (char *)dl->data + dl->byte_offset);
  for (int32_t k = 0; k < LIM_NDIM; k++) {
    if (dl->shape[k] != in.shape[k])
      conform_fail(ctx, "tensor shape[%d] = %lld, the array's is %lld", (int)k, (long long)dl->shape[k],
                   (long long)in.shape[k]);
    if (in.shape[k] > 1 && dl->strides[k] * 4 != in.strides[k])
      conform_fail(ctx, "tensor strides[%d] = %lld elements, the array's is %lld bytes", (int)k,
                   (long long)dl->strides[k], (long long)in.strides[k]);
  }
  m->deleter(m);
  I->ndbuffer_release(I, t);
  I->ndbuffer_release(I, a);
}

/* A tensor of LIM_NDIM axes over caller memory, with a deleter that counts its calls. */
typedef struct lim_tensor {
  DLManagedTensor managed;
  int64_t shape[LIM_NDIM];
  int64_t strides[LIM_NDIM];
  atomic_int deleted;
} lim_tensor;

static void lim_deleter(DLManagedTensor *self) {
  atomic_fetch_add(&((lim_tensor *)self->manager_ctx)->deleted, 1);
}

CONFORM_TEST_VARIANTS("CONV-SEM-004",
                      "ndim32-import@cpu,ndim32-round-trip@cpu,ndim32-round-trip@cuda_host,"
                      "ndim32-round-trip@cuda",
                      ZBUF_CAP_ND | ZBUF_CAP_DLPACK, conv_sem_004_dlpack_ndim32) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  int64_t shape[LIM_NDIM];
  lim_shape32(shape);
  int32_t want[16];
  for (int i = 0; i < 16; i++) want[i] = i;
  static lim_tensor lt; /* outlives a failed test: the import may still hold it */
  static int32_t data[16];
  DLManagedTensor *m = NULL;
  zbuf_impl_ndbuffer *a = NULL;
  size_t perm[LIM_NDIM];
  for (size_t i = 0; i < LIM_NDIM; i++) perm[i] = LIM_NDIM - 1 - i;
  if (strncmp(ctx->label, "ndim32-import", 13) == 0) {
    /* Reversed strides in elements over caller memory: the tensor is the transpose of the 0..15 array. */
    memset(&lt, 0, sizeof lt);
    atomic_init(&lt.deleted, 0);
    memcpy(data, want, sizeof data);
    int64_t cstride[LIM_NDIM], s = 1;
    for (size_t i = LIM_NDIM; i-- > 0;) {
      cstride[i] = s;
      s *= shape[i];
    }
    for (size_t i = 0; i < LIM_NDIM; i++) {
      lt.shape[i] = shape[perm[i]];
      lt.strides[i] = cstride[perm[i]];
    }
    DLTensor *dl = &lt.managed.dl_tensor;
    dl->data = data;
    dl->device = ctx->host;
    dl->ndim = LIM_NDIM;
    dl->dtype.code = kDLInt;
    dl->dtype.bits = 32;
    dl->dtype.lanes = 1;
    dl->shape = lt.shape;
    dl->strides = lt.strides;
    lt.managed.manager_ctx = &lt;
    lt.managed.deleter = lim_deleter;
    m = &lt.managed;
  } else {
    CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
    CONFORM_NEED_OP(ctx, ndbuffer_transpose);
    zbuf_impl_ndbuffer *src = lim_arange32(ctx, ctx->nd_dev);
    CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, src, 0, NULL, &a, &ctx->err));
    I->ndbuffer_release(I, src);
    CONFORM_SETUP(ctx, I->ndbuffer_to_dlpack(I, a, &m, &ctx->err));
  }
  zbuf_impl_ndbuffer *b = NULL;
  zbuf_error e;
  conform_error_reset(&e);
  int st = I->ndbuffer_from_dlpack(I, m, &b, &e);
  if (st != ZBUF_OK) {
    if (m->deleter != lim_deleter) m->deleter(m);
    conform_fail(ctx, "from_dlpack of a 32-d tensor: expected OK, seen %s: %s", conform_status_name(st),
                 e.message);
  }
  int64_t rshape[LIM_NDIM];
  for (size_t i = 0; i < LIM_NDIM; i++) rshape[i] = shape[perm[i]];
  int32_t tw[16];
  lim_transposed(shape, perm, tw, 16);
  sp_expect_meta(ctx, b, mp_i4(), LIM_NDIM, rshape, "the imported 32-d array");
  sp_expect_bytes(ctx, b, tw, sizeof tw, "the imported 32-d array");
  I->ndbuffer_release(I, b);
  if (a) {
    I->ndbuffer_release(I, a);
  } else {
    CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&lt.deleted));
  }
}

/* ---- ND-SEM-013: fills of 8 MiB and more, unaligned, with the bytes around them checked ---- */

/* Every byte of the element differs from its neighbours, so that a fill shifted by any number of bytes, or
 * built from the wrong bytes, shows. */
static void lim_fill_value(unsigned char *value, size_t size) {
  for (size_t i = 0; i < size; i++) value[i] = (unsigned char)(0x11 * (i + 1) + 0x80 * (i & 1));
}

static void lim_expect_filled(conform_ctx *ctx, const unsigned char *seen, size_t count, size_t size,
                              const unsigned char *value, size_t at) {
  for (size_t k = 0; k < count; k++)
    if (memcmp(seen + at + k * size, value, size) != 0)
      conform_fail(ctx, "element %zu of %zu (byte %zu) does not hold the fill value", k, count,
                   at + k * size);
}

/* stream-<dtype>-<offset>: the array is an NDBuffer view of a Buffer's bytes from <offset> on (an offset that
 * is not a multiple of the itemsize makes the elements unaligned, which NumPy allows for views of bytes); it
 * holds just over 8 MiB of elements plus a few that do not make up a 64-byte line, and 29 guard bytes follow.
 * stream-<dtype>-view: the array is a[1:-1] of a new array, whose first and last elements are the guards.
 * block-<dtype>-...: the same with just over 64 KiB, more than one block of a fill that copies a pattern out
 * block by block but less than the streaming size. */
CONFORM_TEST_VARIANTS(
    "ND-SEM-013",
    "stream-c16-3@cpu,stream-c16-3@cuda_host,stream-c16-3@cuda,stream-u2-1@cpu,"
    "stream-u2-1@cuda_host,stream-u2-1@cuda,stream-f4-0@cpu,stream-f8-24@cpu,"
    "stream-f8-24@cuda_host,stream-f8-24@cuda,stream-c16-view@cpu,stream-c16-view@cuda_host,"
    "stream-c16-view@cuda,stream-i2-view@cpu,block-f8-view@cpu,block-f8-view@cuda_host,"
    "block-f8-view@cuda,block-c16-5@cpu",
    ZBUF_CAP_ND, nd_sem_013_fill_large) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  char how[8] = {0}, code[4] = {0}, where[8] = {0};
  if (sscanf(ctx->label, "%7[a-z]-%3[a-z0-9]-%7[a-z0-9]", how, code, where) != 3)
    conform_unresolved(ctx, "bad label %s", ctx->label);
  char dtype[8];
  snprintf(dtype, sizeof dtype, "%c%s", sp_little() ? '<' : '>', code);
  size_t bytes = strcmp(how, "stream") == 0 ? (size_t)8 << 20 : (size_t)64 << 10;
  size_t size = sp_itemsize(dtype), count = bytes / size + 13, nbytes = count * size;
  unsigned char value[16];
  lim_fill_value(value, size);
  if (strcmp(where, "view") == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_create);
    CONFORM_NEED_OP(ctx, ndbuffer_get_item);
    unsigned char guard[16];
    memset(guard, 0xA7, sizeof guard);
    const int64_t shape[1] = {(int64_t)count + 2};
    zbuf_impl_ndbuffer *a = NULL, *v = NULL;
    CONFORM_SETUP(ctx,
                  I->ndbuffer_create(I, ctx->nd_dev, 1, shape, dtype, ZBUF_ORDER_C, guard, &a, &ctx->err));
    const zbuf_index inner[1] = {ZBUF_RANGE(ZBUF_SLICE(1, -1))};
    CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 1, inner, &v, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_fill(I, v, value, &ctx->err));
    unsigned char *seen = malloc(nbytes + 2 * size);
    if (!seen) conform_unresolved(ctx, "malloc(%zu) failed", nbytes + 2 * size);
    conform_nd_read(ctx, a, seen, nbytes + 2 * size);
    CONFORM_ASSERT_MEM_EQ(ctx, guard, seen, size);
    lim_expect_filled(ctx, seen, count, size, value, size);
    CONFORM_ASSERT_MEM_EQ(ctx, guard, seen + size + nbytes, size);
    free(seen);
    I->ndbuffer_release(I, v);
    I->ndbuffer_release(I, a);
    return;
  }
  CONFORM_NEED_OP(ctx, ndbuffer_from_buffer);
  CONFORM_NEED_OP(ctx, buffer_slice);
  size_t offset = (size_t)strtoul(where, NULL, 10), guard = 29, total = offset + nbytes + guard;
  unsigned char *pat = malloc(total), *seen = malloc(total);
  if (!pat || !seen) conform_unresolved(ctx, "malloc(%zu) failed", total);
  conform_fill_pattern(pat, total, 131 + (unsigned)offset);
  zbuf_impl_buffer *whole = conform_buffer_from_bytes(ctx, ctx->dev, pat, total), *part = NULL;
  CONFORM_SETUP(ctx, I->buffer_slice(I, whole, ZBUF_SLICE((int64_t)offset, (int64_t)(offset + nbytes)), &part,
                                     &ctx->err));
  const int64_t shape[1] = {(int64_t)count};
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_from_buffer(I, part, 1, shape, dtype, &a, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_fill(I, a, value, &ctx->err));
  conform_buffer_read(ctx, whole, seen, total);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, offset);
  lim_expect_filled(ctx, seen, count, size, value, offset);
  CONFORM_ASSERT_MEM_EQ(ctx, pat + offset + nbytes, seen + offset + nbytes, guard);
  I->ndbuffer_release(I, a);
  I->buffer_release(I, part);
  I->buffer_release(I, whole);
  free(seen);
  free(pat);
}

/* ---- ND-SEM-022: zero-size arrays over NULL data ---- */

static atomic_int lim_released;
static void lim_release(void *data, void *ctx) {
  (void)data, (void)ctx;
  atomic_fetch_add(&lim_released, 1);
}

/* from_host-null: from_host(NULL) of a (0, 3) array; wrap-null: wrap(NULL) of a (2, 0) array, whose release
 * callback still runs once, after the last user. */
CONFORM_TEST_VARIANTS("ND-SEM-022",
                      "from_host-null@cpu,from_host-null@cuda_host,from_host-null@cuda,wrap-null@cpu",
                      ZBUF_CAP_ND, nd_sem_022_null_data) {
  const zbuf_impl *I = ctx->impl;
  const int64_t s03[2] = {0, 3}, s20[2] = {2, 0};
  zbuf_impl_ndbuffer *a = NULL;
  if (strncmp(ctx->label, "from_host", 9) == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_from_host);
    CONFORM_OK(ctx, I->ndbuffer_from_host(I, ctx->nd_dev, NULL, 2, s03, NULL, mp_i4(), &a, &ctx->err));
    sp_expect_meta(ctx, a, mp_i4(), 2, s03, "from_host(NULL, (0, 3))");
    CONFORM_OK(ctx, I->ndbuffer_to_bytes(I, a, NULL, 0, &ctx->err));
    int eq = -1;
    const int32_t seven = 7;
    CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
    CONFORM_OK(ctx, I->ndbuffer_all_equal_scalar(I, a, &seven, 0, &eq, &ctx->err));
    CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
    I->ndbuffer_release(I, a);
    return;
  }
  conform_need_caps(ctx, ZBUF_CAP_WRAP);
  CONFORM_NEED_OP(ctx, ndbuffer_wrap);
  atomic_store(&lim_released, 0);
  CONFORM_OK(ctx,
             I->ndbuffer_wrap(I, ctx->host, NULL, 2, s20, NULL, mp_i4(), lim_release, NULL, &a, &ctx->err));
  sp_expect_meta(ctx, a, mp_i4(), 2, s20, "wrap(NULL, (2, 0))");
  CONFORM_OK(ctx, I->ndbuffer_to_bytes(I, a, NULL, 0, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&lim_released));
  I->ndbuffer_release(I, a);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&lim_released));
}

/* ---- ND-SEM-005: reshape to and from 32 dimensions ---- */

CONFORM_TEST_VARIANTS("ND-SEM-005", "ndim32@cpu,ndim32@cuda_host,ndim32@cuda", ZBUF_CAP_ND,
                      nd_sem_005_reshape_ndim32) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  int64_t shape[LIM_NDIM], minus[LIM_NDIM];
  lim_shape32(shape);
  memcpy(minus, shape, sizeof minus);
  minus[20] = -1; /* inferred: 2 */
  int32_t want[16];
  for (int i = 0; i < 16; i++) want[i] = i;
  const int64_t flat[1] = {16};
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, want, 1, flat, mp_i4()), *r = NULL,
                     *b = NULL;
  CONFORM_OK(ctx, I->ndbuffer_reshape(I, a, LIM_NDIM, minus, &r, &ctx->err));
  sp_expect_meta(ctx, r, mp_i4(), LIM_NDIM, shape, "reshape((16,), 32-d shape with one -1)");
  sp_expect_bytes(ctx, r, want, sizeof want, "reshape((16,), 32-d shape with one -1)");
  CONFORM_OK(ctx, I->ndbuffer_reshape(I, r, 1, flat, &b, &ctx->err));
  sp_expect_meta(ctx, b, mp_i4(), 1, flat, "reshape(32-d, (16,))");
  sp_expect_bytes(ctx, b, want, sizeof want, "reshape(32-d, (16,))");
  I->ndbuffer_release(I, b);
  I->ndbuffer_release(I, r);
  I->ndbuffer_release(I, a);
}

/* ---- CONV-SEM-004: import of an empty tensor with NULL data ---- */

CONFORM_TEST_VARIANTS("CONV-SEM-004", "empty-null-data@cpu", ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      conv_sem_004_empty_null_data) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  static mp_tensor t; /* outlives a failed test: the import may still hold it */
  const int64_t shape[2] = {0, 3};
  mp_tensor_init(&t, ctx->host, NULL, 0, 2, shape, NULL);
  zbuf_impl_ndbuffer *b = NULL;
  CONFORM_OK(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &b, &ctx->err));
  sp_expect_meta(ctx, b, mp_i4(), 2, shape, "from_dlpack of a (0, 3) tensor with NULL data");
  CONFORM_OK(ctx, I->ndbuffer_to_bytes(I, b, NULL, 0, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&t.deleted));
  I->ndbuffer_release(I, b);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&t.deleted));
}

/* ---- ND-COPY-010 / CONV-COPY-004: strides far larger than the memory in between ---- */

/* NumPy's as_strided and DLPack allow any strides: an element the caller never reads need not exist. Two
 * int32 elements 2^62 bytes apart: wrapping or importing them must succeed, and element 0 reads back as the
 * caller's value. (Only element 0 is ever read.) */
CONFORM_TEST_VARIANTS("ND-COPY-010", "huge-stride@cpu", ZBUF_CAP_ND | ZBUF_CAP_WRAP | ZBUF_CAP_HOST,
                      nd_copy_010_huge_stride) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_wrap);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_as_scalar);
  static int32_t data[1] = {-77};
  const int64_t shape[1] = {2}, strides[1] = {INT64_C(1) << 62};
  zbuf_impl_ndbuffer *a = NULL, *e = NULL;
  CONFORM_OK(ctx,
             I->ndbuffer_wrap(I, ctx->host, data, 1, shape, strides, mp_i4(), NULL, NULL, &a, &ctx->err));
  zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
  CONFORM_ASSERT_INT_EQ(ctx, INT64_C(1) << 62, in.strides[0]);
  CONFORM_ASSERT_PTR_EQ(ctx, data, in.data);
  const zbuf_index first[1] = {ZBUF_AT(0)};
  CONFORM_OK(ctx, I->ndbuffer_get_item(I, a, 1, first, &e, &ctx->err));
  int32_t x = 0;
  CONFORM_OK(ctx, I->ndbuffer_as_scalar(I, e, &x, sizeof x, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, -77, x);
  I->ndbuffer_release(I, e);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("CONV-COPY-004", "huge-stride@cpu", ZBUF_CAP_ND | ZBUF_CAP_DLPACK | ZBUF_CAP_HOST,
                      conv_copy_004_huge_stride) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_as_scalar);
  static int32_t data[1] = {-78};
  static mp_tensor t; /* outlives a failed test: the import may still hold it */
  const int64_t shape[1] = {2}, strides[1] = {INT64_C(1) << 60}; /* elements: 2^62 bytes */
  mp_tensor_init(&t, ctx->host, data, 0, 1, shape, strides);
  zbuf_impl_ndbuffer *a = NULL, *e = NULL;
  CONFORM_OK(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &a, &ctx->err));
  zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
  CONFORM_ASSERT_INT_EQ(ctx, INT64_C(1) << 62, in.strides[0]);
  CONFORM_ASSERT_PTR_EQ(ctx, data, in.data);
  const zbuf_index first[1] = {ZBUF_AT(0)};
  CONFORM_OK(ctx, I->ndbuffer_get_item(I, a, 1, first, &e, &ctx->err));
  int32_t x = 0;
  CONFORM_OK(ctx, I->ndbuffer_as_scalar(I, e, &x, sizeof x, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, -78, x);
  I->ndbuffer_release(I, e);
  I->ndbuffer_release(I, a);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&t.deleted));
}

/* ---- ND-COPY-005: a C-contiguous array whose axis of extent 1 has an unusual stride ---- */

/* NumPy's contiguity ignores the stride of an extent-1 axis, so a (2, 1, 3) int32 array with strides
 * (12, 400, 4) is C-contiguous and reshaping it to (6,) must give a view. Made with wrap, or else with a
 * DLPack import (strides in elements: 3, 100, 1). */
CONFORM_TEST("ND-COPY-005", "extent1-stride@cpu", ZBUF_CAP_ND | ZBUF_CAP_HOST, nd_copy_005_extent1_stride) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  static int32_t data[6] = {0, 1, 2, 3, 4, 5};
  static mp_tensor t; /* outlives a failed test: the import may still hold it */
  const int64_t shape[3] = {2, 1, 3}, strides_bytes[3] = {12, 400, 4}, strides_elems[3] = {3, 100, 1};
  zbuf_impl_ndbuffer *a = NULL, *r = NULL;
  if ((I->capabilities & ZBUF_CAP_WRAP) && CONFORM_HAS_OP(I, ndbuffer_wrap)) {
    CONFORM_SETUP(ctx, I->ndbuffer_wrap(I, ctx->host, data, 3, shape, strides_bytes, mp_i4(), NULL, NULL, &a,
                                        &ctx->err));
  } else if ((I->capabilities & ZBUF_CAP_DLPACK) && CONFORM_HAS_OP(I, ndbuffer_from_dlpack)) {
    mp_tensor_init(&t, ctx->host, data, 0, 3, shape, strides_elems);
    CONFORM_SETUP(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &a, &ctx->err));
  } else {
    conform_unsupported(ctx, "neither ndbuffer_wrap nor ndbuffer_from_dlpack: no way to choose the strides");
  }
  const int64_t six[1] = {6};
  CONFORM_OK(ctx, I->ndbuffer_reshape(I, a, 1, six, &r, &ctx->err));
  const int32_t want[6] = {0, 1, 2, 3, 4, 5};
  sp_expect_bytes(ctx, r, want, sizeof want, "reshape((2, 1, 3) -> (6,))");
  /* A view: a write through the result is seen in the caller's memory. */
  const zbuf_index at4[1] = {ZBUF_AT(4)};
  mp_nd_set(ctx, r, 1, at4, -44);
  conform_observe_alias(ctx, "ndbuffer_reshape", "cpu", data[4] == -44);
  CONFORM_ASSERT_INT_EQ(ctx, -44, data[4]);
  data[4] = 4;
  I->ndbuffer_release(I, r);
  I->ndbuffer_release(I, a);
}

/* ---- CONV-SEM-004: import of a 0-d tensor ---- */

CONFORM_TEST_VARIANTS("CONV-SEM-004", "0d-import@cpu", ZBUF_CAP_ND | ZBUF_CAP_DLPACK | ZBUF_CAP_HOST,
                      conv_sem_004_zero_d_import) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  static int32_t data[1] = {-123};
  static mp_tensor t; /* outlives a failed test: the import may still hold it */
  mp_tensor_init(&t, ctx->host, data, 0, 0, NULL, NULL);
  zbuf_impl_ndbuffer *b = NULL;
  CONFORM_OK(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &b, &ctx->err));
  sp_expect_meta(ctx, b, mp_i4(), 0, NULL, "from_dlpack of a 0-d tensor");
  sp_expect_bytes(ctx, b, data, sizeof data, "from_dlpack of a 0-d tensor");
  I->ndbuffer_release(I, b);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&t.deleted));
}

/* zbuf conformance: the SEM clauses of conversions between memory kinds and of DLPack (CONV-SEM-*).
 *
 * Data moved between kinds, or exchanged as DLPack tensors, must keep every bit, its dtype, its shape and
 * (for DLPack) its strides. Variants name the kinds: "a->b" puts the source in a (ctx->dev) and the target
 * in b (ctx->dev2); without a GPU the cuda variants are UNSUPPORTED (kind not claimed) or SKIP (claimed but
 * absent). Nothing here dereferences memory the CPU cannot read: device data is read back with to_bytes. */
#include "semprobe.h"

/* DLPack dtype codes (dlpack.h: kDLInt 0, kDLUInt 1, kDLFloat 2, kDLComplex 5, kDLBool 6). */
enum { DL_INT = 0, DL_UINT = 1, DL_FLOAT = 2, DL_COMPLEX = 5, DL_BOOL = 6 };

/* The supported dtypes in this machine's byte order (DLPack has no other), with their DLPack codes. */
static const struct {
  const char *name; /* without the byte-order character */
  uint8_t code;
} native_dtypes[] = {{"b1", DL_BOOL},    {"i1", DL_INT},     {"u1", DL_UINT},  {"i2", DL_INT},
                     {"i4", DL_INT},     {"i8", DL_INT},     {"u2", DL_UINT},  {"u4", DL_UINT},
                     {"u8", DL_UINT},    {"f2", DL_FLOAT},   {"f4", DL_FLOAT}, {"f8", DL_FLOAT},
                     {"c8", DL_COMPLEX}, {"c16", DL_COMPLEX}};
enum { N_NATIVE = sizeof native_dtypes / sizeof native_dtypes[0] };

/* "<f8" (or ">f8" on a big-endian machine, "|b1" for one-byte kinds) of native_dtypes[i]. */
static const char *native_dtype(size_t i, char *out, size_t n) {
  const char *name = native_dtypes[i].name;
  snprintf(out, n, "%c%s", name[1] == '1' && name[2] == '\0' ? '|' : sp_little() ? '<' : '>', name);
  return out;
}

/* ---- CONV-SEM-001: round trips between kinds keep every bit ---- */

CONFORM_TEST_VARIANTS("CONV-SEM-001", "cpu->cuda,cuda_host->cuda,cpu->cuda_host", 0,
                      conv_sem_001_round_trips_keep_every_bit) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  enum { MIB = 1 << 20 };
  unsigned char *src = malloc(MIB), *seen = malloc(MIB);
  if (!src || !seen) conform_unresolved(ctx, "malloc failed");
  conform_fill_pattern(src, MIB, 101);
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, src, MIB), *there = NULL, *back = NULL;
  CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev2, b, &there, &ctx->err));
  CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev2, mp_buf_device(ctx, there));
  CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev, there, &back, &ctx->err));
  conform_buffer_read(ctx, back, seen, MIB);
  CONFORM_ASSERT_MEM_EQ(ctx, src, seen, MIB);
  I->buffer_release(I, back);
  I->buffer_release(I, there);
  I->buffer_release(I, b);
  free(seen);
  free(src);
  if (!(I->capabilities & ZBUF_CAP_ND)) return;
  CONFORM_NEED_OP(ctx, ndbuffer_to_device);
  /* NaN payloads and signs, signalling NaNs included, in each float width: copies must not touch them. */
  const struct {
    const char *dtype;
    size_t n;
    unsigned char bytes[32];
  } arrays[] = {
      {"<f8", 4, {1, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0x23, 1, 0, 0, 0, 0, 0xf8, 0xff,
                  0, 0, 0, 0, 0, 0, 0,    0x80, 1,    2, 3, 4, 5, 6, 7,    8}},
      {"<f4", 4, {1, 0, 0x80, 0x7f, 0x23, 1, 0xc0, 0xff, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0x7f}},
      {">f2", 4, {0x7c, 0x01, 0xfe, 0x23, 0x80, 0x00, 0x7f, 0xff}},
  };
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
    const int64_t shape[1] = {(int64_t)arrays[i].n};
    size_t nbytes = arrays[i].n * sp_itemsize(arrays[i].dtype);
    zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->dev, arrays[i].bytes, 1, shape, arrays[i].dtype);
    zbuf_impl_ndbuffer *t = NULL, *r = NULL;
    CONFORM_OK(ctx, I->ndbuffer_to_device(I, a, ctx->dev2, &t, &ctx->err));
    CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev2, conform_nd_info(ctx, t).device);
    CONFORM_OK(ctx, I->ndbuffer_to_device(I, t, ctx->dev, &r, &ctx->err));
    CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev, conform_nd_info(ctx, r).device);
    sp_expect_meta(ctx, r, arrays[i].dtype, 1, shape, "round trip");
    sp_expect_bytes(ctx, r, arrays[i].bytes, nbytes, arrays[i].dtype);
    I->ndbuffer_release(I, r);
    I->ndbuffer_release(I, t);
    I->ndbuffer_release(I, a);
  }
}

/* ---- CONV-SEM-002: converted NDBuffers keep dtype and shape; copies are C-contiguous ---- */

/* Checks r, the conversion of src into `where`: dtype >f4, shape, values; when r is a copy (a write to src is
 * not seen), C-contiguous. */
static void conv_check(conform_ctx *ctx, zbuf_impl_ndbuffer *src, zbuf_impl_ndbuffer *r, const int64_t *shape,
                       const unsigned char *want, const char *what) {
  const zbuf_impl *I = ctx->impl;
  sp_expect_meta(ctx, r, ">f4", 2, shape, what);
  size_t n = 4 * (size_t)shape[0] * (size_t)shape[1];
  sp_expect_bytes(ctx, r, want, n, what);
  static const unsigned char sentinel[4] = {0xbf, 0x80, 0, 0}; /* -1.0 */
  const zbuf_index at00[2] = {ZBUF_AT(0), ZBUF_AT(0)};
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_SETUP(ctx, I->ndbuffer_set_item_scalar(I, src, 2, at00, sentinel, &ctx->err));
  unsigned char seen[48];
  conform_nd_read(ctx, r, seen, n);
  if (memcmp(seen, sentinel, 4) != 0) {
    zbuf_impl_ndinfo in = conform_nd_info(ctx, r);
    if (!sp_contiguous(&in, 0)) conform_fail(ctx, "%s: the copy is not C-contiguous", what);
  }
}

CONFORM_TEST_VARIANTS(
    "CONV-SEM-002",
    "cpu->cpu,cpu->cuda,cuda->cpu,cpu->cuda_host,cuda_host->cpu,cuda_host->cuda,cuda->cuda_host", ZBUF_CAP_ND,
    conv_sem_002_converted_keep_dtype_shape) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_device);
  CONFORM_NEED_OP(ctx, ndbuffer_to_host);
  const int64_t shape[2] = {3, 4}, vshape[2] = {3, 2};
  unsigned char data[48], vwant[24];
  for (int i = 0; i < 12; i++) {
    float f = (float)i + 0.25f;
    uint32_t bits;
    memcpy(&bits, &f, 4);
    for (int b = 0; b < 4; b++) data[4 * i + b] = (unsigned char)(bits >> (8 * (3 - b)));
  }
  /* a[::-1, ::-2]: rows 2, 1, 0 and columns 3, 1. */
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 2; c++) memcpy(vwant + 4 * (2 * r + c), data + 4 * ((2 - r) * 4 + 3 - 2 * c), 4);
  const zbuf_index key[2] = {ZBUF_RANGE(((zbuf_slice){0, 0, -1, ZBUF_SLICE_HAS_STEP})),
                             ZBUF_RANGE(((zbuf_slice){0, 0, -2, ZBUF_SLICE_HAS_STEP}))};
  for (int host = 0; host < 2; host++)
    for (int kind = 0; kind < 2; kind++) {
      /* kind 0: an F-ordered array; kind 1: a negative-step view of a C-ordered one. */
      zbuf_impl_ndbuffer *base = sp_nd_build(ctx, ctx->dev, data, 2, shape, ">f4", kind == 0), *src = base;
      if (kind == 1) src = sp_nd_view(ctx, base, 2, key);
      zbuf_impl_ndbuffer *r = NULL;
      char what[96];
      snprintf(what, sizeof what, "%s of %s in %s", host ? "to_host" : "to_device",
               kind ? "a[::-1, ::-2]" : "an F-ordered array", conform_device_name(ctx->dev));
      if (host) {
        CONFORM_OK(ctx, I->ndbuffer_to_host(I, src, &r, &ctx->err));
        if (!conform_device_is_host(conform_nd_info(ctx, r).device))
          conform_fail(ctx, "%s is not in a host kind", what);
      } else {
        CONFORM_OK(ctx, I->ndbuffer_to_device(I, src, ctx->dev2, &r, &ctx->err));
        CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev2, conform_nd_info(ctx, r).device);
      }
      conv_check(ctx, src, r, kind ? vshape : shape, kind ? vwant : data, what);
      I->ndbuffer_release(I, r);
      if (src != base) I->ndbuffer_release(I, src);
      I->ndbuffer_release(I, base);
    }
}

/* ---- CONV-SEM-003: DLPack metadata ---- */

/* Exports a and checks every DLTensor field against ndbuffer_info; code/bits are the expected DLPack dtype.
 */
static void dl_check_export(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, uint8_t code, const char *what) {
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
  size_t itemsize = sp_itemsize(in.dtype);
  DLManagedTensor *t = NULL;
  CONFORM_OK(ctx, I->ndbuffer_to_dlpack(I, a, &t, &ctx->err));
  if (!t || !t->deleter) conform_fail(ctx, "%s: to_dlpack returned OK without a tensor and deleter", what);
  const DLTensor *dl = &t->dl_tensor;
  char problem[256] = "";
  if (!conform_device_equal(dl->device, in.device))
    snprintf(problem, sizeof problem, "device %s, the array's is %s", conform_device_name(dl->device),
             conform_device_name(in.device));
  else if (dl->ndim != in.ndim)
    snprintf(problem, sizeof problem, "ndim %d, the array's is %d", (int)dl->ndim, (int)in.ndim);
  else if (dl->byte_offset != 0)
    snprintf(problem, sizeof problem, "byte_offset %llu, expected 0", (unsigned long long)dl->byte_offset);
  else if (dl->data != in.data)
    snprintf(problem, sizeof problem, "data %p, the array's element [0, ...] is at %p", dl->data, in.data);
  else if (dl->dtype.code != code || dl->dtype.bits != 8 * itemsize || dl->dtype.lanes != 1)
    snprintf(problem, sizeof problem, "dtype (code %u, bits %u, lanes %u), expected (%u, %zu, 1)",
             (unsigned)dl->dtype.code, (unsigned)dl->dtype.bits, (unsigned)dl->dtype.lanes, (unsigned)code,
             8 * itemsize);
  for (int32_t k = 0; !problem[0] && k < in.ndim; k++) {
    if (dl->shape[k] != in.shape[k])
      snprintf(problem, sizeof problem, "shape[%d] %lld, expected %lld", (int)k, (long long)dl->shape[k],
               (long long)in.shape[k]);
    else if (dl->strides && dl->strides[k] * (int64_t)itemsize != in.strides[k])
      snprintf(problem, sizeof problem, "strides[%d] %lld elements, expected %lld", (int)k,
               (long long)dl->strides[k], (long long)(in.strides[k] / (int64_t)itemsize));
  }
  /* DLPack allows NULL strides for a compact C-ordered tensor only. */
  if (!problem[0] && !dl->strides && in.ndim > 0 && !sp_contiguous(&in, 0))
    snprintf(problem, sizeof problem, "NULL strides for an array that is not C-contiguous");
  t->deleter(t);
  if (problem[0]) conform_fail(ctx, "%s: the exported tensor has %s", what, problem);
}

CONFORM_TEST_VARIANTS("CONV-SEM-003", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_DLPACK, conv_sem_003_dlpack_metadata) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  const int64_t shape[2] = {2, 3};
  char dtype[8];
  for (size_t i = 0; i < N_NATIVE; i++) {
    zbuf_impl_ndbuffer *a = NULL;
    native_dtype(i, dtype, sizeof dtype);
    CONFORM_SETUP(ctx,
                  I->ndbuffer_create(I, ctx->nd_dev, 2, shape, dtype, ZBUF_ORDER_C, NULL, &a, &ctx->err));
    dl_check_export(ctx, a, native_dtypes[i].code, dtype);
    I->ndbuffer_release(I, a);
  }
  /* A transposed view (strides in elements (1, 3)) and a 0-d array. */
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *t = NULL;
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &t, &ctx->err));
  dl_check_export(ctx, t, DL_INT, "a transposed (2, 3) int32 view");
  I->ndbuffer_release(I, t);
  I->ndbuffer_release(I, a);
  const int32_t seven = 7;
  zbuf_impl_ndbuffer *z = conform_nd_from_host(ctx, ctx->nd_dev, &seven, 0, shape, mp_i4());
  dl_check_export(ctx, z, DL_INT, "a 0-d int32 array");
  I->ndbuffer_release(I, z);
}

/* ---- CONV-SEM-004: DLPack round trip ---- */

/* from_dlpack(to_dlpack(a)): same dtype, shape, strides and elements, and shared memory (a write to a through
 * set_item_scalar at flat C position `pos` with the element value x is seen in the import). */
static void dl_round_trip(conform_ctx *ctx, zbuf_impl_ndbuffer *a, size_t nidx, const zbuf_index *idx,
                          size_t pos, const void *x, const char *what) {
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
  size_t itemsize = sp_itemsize(in.dtype), count = 1;
  for (int32_t k = 0; k < in.ndim; k++) count *= (size_t)in.shape[k];
  DLManagedTensor *t = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_to_dlpack(I, a, &t, &ctx->err));
  zbuf_impl_ndbuffer *b = NULL;
  zbuf_error e;
  conform_error_reset(&e);
  int st = I->ndbuffer_from_dlpack(I, t, &b, &e);
  if (st != ZBUF_OK) {
    t->deleter(t); /* the caller keeps a tensor whose import failed */
    e.message[sizeof e.message - 1] = '\0';
    if (st == ZBUF_EUNSUPPORTED)
      conform_unsupported(ctx, "%s: from_dlpack returned EUNSUPPORTED: %s", what, e.message);
    conform_fail(ctx, "%s: from_dlpack(to_dlpack(a)): expected OK, seen %s: %s", what,
                 conform_status_name(st), e.message);
  }
  zbuf_impl_ndinfo bi = conform_nd_info(ctx, b);
  if (strncmp(bi.dtype, in.dtype, sizeof bi.dtype) != 0 || bi.ndim != in.ndim)
    conform_fail(ctx, "%s: import is %.8s ndim %d, the export was %.8s ndim %d", what, bi.dtype, (int)bi.ndim,
                 in.dtype, (int)in.ndim);
  for (int32_t k = 0; k < in.ndim; k++)
    if (bi.shape[k] != in.shape[k] || bi.strides[k] != in.strides[k])
      conform_fail(ctx, "%s: axis %d of the import has shape %lld stride %lld, the export %lld and %lld",
                   what, (int)k, (long long)bi.shape[k], (long long)bi.strides[k], (long long)in.shape[k],
                   (long long)in.strides[k]);
  unsigned char *want = malloc(count * itemsize), *seen = malloc(count * itemsize);
  if (!want || !seen) conform_unresolved(ctx, "malloc failed");
  conform_nd_read(ctx, a, want, count * itemsize);
  conform_nd_read(ctx, b, seen, count * itemsize);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, count * itemsize);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_SETUP(ctx, I->ndbuffer_set_item_scalar(I, a, nidx, idx, x, &ctx->err));
  conform_nd_read(ctx, b, seen, count * itemsize);
  if (memcmp(seen + pos * itemsize, x, itemsize) != 0)
    conform_fail(ctx, "%s: a write to the exported array is not seen through the import (not shared)", what);
  free(seen);
  free(want);
  I->ndbuffer_release(I, b);
}

CONFORM_TEST_VARIANTS("CONV-SEM-004", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      conv_sem_004_dlpack_round_trip) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  const int64_t shape[2] = {2, 3};
  const zbuf_index at12[2] = {ZBUF_AT(1), ZBUF_AT(2)};
  char dtype[8];
  for (size_t i = 0; i < N_NATIVE; i++) {
    native_dtype(i, dtype, sizeof dtype);
    unsigned char data[6 * 16], x[16];
    conform_fill_pattern(data, sizeof data, 40 + (unsigned)i);
    memset(x, 0x5a, sizeof x);
    if (dtype[1] == 'b') { /* bool elements are 0 or 1 */
      for (size_t k = 0; k < 6; k++) data[k] &= 1;
      x[0] = (unsigned char)!data[5];
    }
    zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, data, 2, shape, dtype);
    dl_round_trip(ctx, a, 2, at12, 5, x, dtype);
    I->ndbuffer_release(I, a);
  }
  /* A negative-stride view: a[::-1, ::-2] of a 3x4 int32 array; its [0, 0] is a[2, 3]. */
  const int64_t s34[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, s34);
  const zbuf_index key[2] = {ZBUF_RANGE(((zbuf_slice){0, 0, -1, ZBUF_SLICE_HAS_STEP})),
                             ZBUF_RANGE(((zbuf_slice){0, 0, -2, ZBUF_SLICE_HAS_STEP}))};
  zbuf_impl_ndbuffer *v = sp_nd_view(ctx, a, 2, key);
  const zbuf_index at00[2] = {ZBUF_AT(0), ZBUF_AT(0)};
  const int32_t minus = -5;
  dl_round_trip(ctx, v, 2, at00, 0, &minus, "a[::-1, ::-2] of a 3x4 int32 array");
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
  /* Hand-built tensors over 12 int32 of caller memory holding 100..111. */
  int32_t init[12];
  for (int i = 0; i < 12; i++) init[i] = 100 + i;
  mp_mem m = mp_mem_new(ctx, ctx->nd_dev, init, sizeof init);
  const struct {
    const char *what;
    uint64_t byte_offset;
    int64_t strides[2];
    int has_strides;
    int32_t want[6];
  } tensors[] = {{"byte_offset 24, strides NULL", 24, {0, 0}, 0, {106, 107, 108, 109, 110, 111}},
                 {"byte_offset 8, F strides (1, 2)", 8, {1, 2}, 1, {102, 104, 106, 103, 105, 107}}};
  for (size_t i = 0; i < 2; i++) {
    mp_tensor t;
    mp_tensor_init(&t, ctx->nd_dev, m.ptr, tensors[i].byte_offset, 2, shape,
                   tensors[i].has_strides ? tensors[i].strides : NULL);
    zbuf_impl_ndbuffer *b = NULL;
    CONFORM_OK(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &b, &ctx->err));
    sp_expect_meta(ctx, b, mp_i4(), 2, shape, tensors[i].what);
    sp_expect_bytes(ctx, b, tensors[i].want, sizeof tensors[i].want, tensors[i].what);
    I->ndbuffer_release(I, b);
  }
  mp_mem_free(ctx, &m);
}

/* ---- CONV-SEM-005: operations with operands in two kinds ---- */

CONFORM_TEST_VARIANTS("CONV-SEM-005", MP_CROSS_PAIRS, ZBUF_CAP_ND, conv_sem_005_cross_kind_operands) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_equal);
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  const char *k1 = conform_device_name(ctx->dev), *k2 = conform_device_name(ctx->dev2);
  /* equal: as if both were on the host. */
  zbuf_impl_buffer *a = conform_buffer_from_bytes(ctx, ctx->dev, "abcdef", 6);
  zbuf_impl_buffer *same = conform_buffer_from_bytes(ctx, ctx->dev2, "abcdef", 6);
  zbuf_impl_buffer *diff = conform_buffer_from_bytes(ctx, ctx->dev2, "abcdeX", 6);
  int eq = -1;
  CONFORM_OK(ctx, I->buffer_equal(I, a, same, &eq, &ctx->err));
  if (eq != 1)
    conform_fail(ctx, "equal(\"abcdef\" in %s, \"abcdef\" in %s): expected 1, seen %d", k1, k2, eq);
  CONFORM_OK(ctx, I->buffer_equal(I, a, diff, &eq, &ctx->err));
  if (eq != 0)
    conform_fail(ctx, "equal(\"abcdef\" in %s, \"abcdeX\" in %s): expected 0, seen %d", k1, k2, eq);
  /* set_slice: dst in the first kind, value in the second. */
  zbuf_impl_buffer *v = conform_buffer_from_bytes(ctx, ctx->dev2, "XYZ", 3);
  CONFORM_OK(ctx, I->buffer_set_slice(I, a, ZBUF_SLICE(2, 5), v, &ctx->err));
  char seen[6];
  conform_buffer_read(ctx, a, seen, 6);
  CONFORM_ASSERT_MEM_EQ(ctx, "abXYZf", seen, 6);
  I->buffer_release(I, v);
  I->buffer_release(I, diff);
  I->buffer_release(I, same);
  I->buffer_release(I, a);
  /* all_equal and set_item with n-d operands. */
  const int64_t shape[2] = {2, 3}, row[1] = {3};
  zbuf_impl_ndbuffer *x = mp_nd_arange(ctx, ctx->dev, 2, shape), *y = mp_nd_arange(ctx, ctx->dev2, 2, shape);
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, x, y, 1, &eq, &ctx->err));
  if (eq != 1) conform_fail(ctx, "all_equal(arange in %s, arange in %s): expected 1, seen %d", k1, k2, eq);
  const int32_t r[3] = {-1, -2, -3};
  zbuf_impl_ndbuffer *rv = conform_nd_from_host(ctx, ctx->dev2, r, 1, row, mp_i4());
  const zbuf_index row1[1] = {ZBUF_AT(1)};
  CONFORM_OK(ctx, I->ndbuffer_set_item(I, x, 1, row1, rv, &ctx->err));
  const int32_t want[6] = {0, 1, 2, -1, -2, -3};
  sp_expect_bytes(ctx, x, want, sizeof want, "x[1] = row in the other kind");
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, x, y, 1, &eq, &ctx->err));
  if (eq != 0)
    conform_fail(ctx, "all_equal after x[1] changed (x in %s, y in %s): expected 0, seen %d", k1, k2, eq);
  I->ndbuffer_release(I, rv);
  I->ndbuffer_release(I, y);
  I->ndbuffer_release(I, x);
}

/* ---- CONV-SEM-006: combine reads parts from other kinds ---- */

CONFORM_TEST_VARIANTS("CONV-SEM-006", MP_KINDS, 0, conv_sem_006_combine_across_kinds) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_combine);
  const DLDevice kinds[3] = {{kDLCPU, 0}, {kDLCUDAHost, 0}, {kDLCUDA, 0}};
  for (int k = 0; k < 3; k++) sp_need_device(ctx, kinds[k]);
  /* parts[0] in the variant's kind, then the other two kinds in the order cpu, cuda_host, cuda. */
  zbuf_impl_buffer *parts[3];
  const char *text[3] = {"ab", "cd", "ef"};
  int n = 0;
  parts[n] = conform_buffer_from_bytes(ctx, ctx->dev, text[n], 2);
  n++;
  for (int k = 0; k < 3; k++)
    if (!conform_device_equal(kinds[k], ctx->dev)) {
      parts[n] = conform_buffer_from_bytes(ctx, kinds[k], text[n], 2);
      n++;
    }
  zbuf_impl_buffer *r = NULL;
  CONFORM_OK(ctx, I->buffer_combine(I, (const zbuf_impl_buffer *const *)parts, 3, &r, &ctx->err));
  char seen[6];
  conform_buffer_read(ctx, r, seen, 6);
  CONFORM_ASSERT_MEM_EQ(ctx, "abcdef", seen, 6);
  CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev, mp_buf_device(ctx, r));
  I->buffer_release(I, r);
  for (int i = 0; i < 3; i++) I->buffer_release(I, parts[i]);
}

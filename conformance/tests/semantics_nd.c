/* zbuf conformance: the SEM clauses of NDBuffers that the golden vectors do not check, or check only in part
 * (ND-SEM-002 on a dirty allocator, 003, 008, 009, 013, 020 and 021 on views, 022, 025; 023 and 024 are in
 * semantics_dtypes.c).
 *
 * Elements are given as bit patterns in the array's byte order, so every comparison is exact; expected
 * results are what NumPy gives for the same operation, worked out by hand in the comments. Every test runs
 * once per memory kind ("label@kind" or the kind alone); kinds the implementation lacks are UNSUPPORTED. */
#include "semprobe.h"

/* "<f8" bytes of a double. */
static void f8le(unsigned char *p, double d) {
  uint64_t v;
  memcpy(&v, &d, 8);
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
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
  } cases[] = {{1, {1024, 0}, ZBUF_ORDER_C},
               {1, {4096, 0}, ZBUF_ORDER_C},
               {2, {64, 64}, ZBUF_ORDER_C},
               {2, {64, 64}, ZBUF_ORDER_F},
               {2, {3, 5}, ZBUF_ORDER_F}};
  unsigned char *zeros = calloc(4096, 8);
  if (!zeros) conform_unresolved(ctx, "calloc failed");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    /* Dirty the allocator: an array of the same size full of 0xff bytes, released just before. */
    zbuf_impl_ndbuffer *dirty = NULL, *a = NULL;
    CONFORM_SETUP(ctx, I->ndbuffer_create(I, ctx->nd_dev, cases[i].ndim, cases[i].shape, "<f8",
                                          cases[i].order, ones, &dirty, &ctx->err));
    I->ndbuffer_release(I, dirty);
    CONFORM_OK(ctx, I->ndbuffer_create(I, ctx->nd_dev, cases[i].ndim, cases[i].shape, "<f8", cases[i].order,
                                       NULL, &a, &ctx->err));
    size_t n = 8 * (size_t)cases[i].shape[0] * (size_t)(cases[i].ndim == 2 ? cases[i].shape[1] : 1);
    sp_expect_bytes(ctx, a, zeros, n, "create(fill NULL) after a released array of 0xff");
    I->ndbuffer_release(I, a);
  }
  free(zeros);
}

/* ---- ND-SEM-003: empty has the requested shape, dtype and order ---- */

CONFORM_TEST_VARIANTS("ND-SEM-003", MP_KINDS, ZBUF_CAP_ND, nd_sem_003_empty_shape_dtype_order) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_empty);
  const struct {
    size_t ndim;
    int64_t shape[3];
  } shapes[] = {{2, {1, 2, 0}}, {3, {1, 2, 3}}, {2, {0, 4, 0}}, {0, {0, 0, 0}}, {2, {3, 4, 0}}};
  const char *dtypes[] = {"<f8", ">i2", "|b1", "<c16"};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++)
      for (int fortran = 0; fortran < 2; fortran++) {
        zbuf_impl_ndbuffer *a = NULL;
        CONFORM_OK(ctx, I->ndbuffer_empty(I, ctx->nd_dev, shapes[s].ndim, shapes[s].shape, dtypes[d],
                                          fortran ? ZBUF_ORDER_F : ZBUF_ORDER_C, &a, &ctx->err));
        sp_expect_meta(ctx, a, dtypes[d], shapes[s].ndim, shapes[s].shape, "empty");
        zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
        if (!sp_contiguous(&in, fortran))
          conform_fail(ctx, "empty(ndim %zu, %s, order %c) is not %c-contiguous", shapes[s].ndim, dtypes[d],
                       fortran ? 'F' : 'C', fortran ? 'F' : 'C');
        CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->nd_dev, in.device);
        I->ndbuffer_release(I, a);
      }
}

/* ---- ND-SEM-008 (MAY): astype of NaN, Inf and out-of-range floats to integers succeeds ---- */

CONFORM_TEST_VARIANTS("ND-SEM-008", MP_KINDS, ZBUF_CAP_ND, nd_sem_008_astype_nan_inf_to_int_any_value) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  unsigned char src[4 * 8];
  const uint64_t bits[4] = {UINT64_C(0x7FF8000000000000), UINT64_C(0x7FF0000000000000),
                            UINT64_C(0xFFF0000000000000), 0};
  for (int i = 0; i < 3; i++)
    for (int b = 0; b < 8; b++) src[8 * i + b] = (unsigned char)(bits[i] >> (8 * b));
  f8le(src + 24, 1e30);
  const int64_t shape[1] = {4};
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, src, 1, shape, "<f8");
  const char *targets[] = {"<i4", "<u8", "|i1"};
  for (int t = 0; t < 3; t++) {
    zbuf_impl_ndbuffer *r = NULL;
    CONFORM_OK(ctx, I->ndbuffer_astype(I, a, targets[t], &r, &ctx->err));
    sp_expect_meta(ctx, r, targets[t], 1, shape, "astype");
    unsigned char seen[32];
    size_t n = 4 * sp_itemsize(targets[t]);
    conform_nd_read(ctx, r, seen, n);
    char hex[80] = "";
    for (size_t i = 0; i < n; i++) snprintf(hex + 2 * i, sizeof hex - 2 * i, "%02x", seen[i]);
    conform_note(ctx, "astype([nan, inf, -inf, 1e30], %s) = %s (any value allowed)", targets[t], hex);
    I->ndbuffer_release(I, r);
  }
  I->ndbuffer_release(I, a);
}

/* ---- ND-SEM-009 (MAY): astype of an F-ordered array: values in C order, layout C or K ---- */

CONFORM_TEST_VARIANTS("ND-SEM-009", MP_KINDS, ZBUF_CAP_ND, nd_sem_009_astype_layout_c_or_k) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  const int64_t shape[2] = {2, 3};
  int32_t v[6] = {-2, -1, 0, 1, 2, 3};
  zbuf_impl_ndbuffer *f = sp_nd_build(ctx, ctx->nd_dev, v, 2, shape, mp_i4(), 1);
  zbuf_impl_ndbuffer *r = NULL;
  CONFORM_OK(ctx, I->ndbuffer_astype(I, f, "<f8", &r, &ctx->err));
  sp_expect_meta(ctx, r, "<f8", 2, shape, "astype(F array, <f8)");
  unsigned char want[6 * 8];
  for (int i = 0; i < 6; i++) f8le(want + 8 * i, v[i]);
  sp_expect_bytes(ctx, r, want, sizeof want, "astype(F array, <f8) in C order");
  zbuf_impl_ndinfo in = conform_nd_info(ctx, r);
  int c = sp_contiguous(&in, 0), k = sp_contiguous(&in, 1);
  if (!c && !k)
    conform_fail(ctx, "astype of an F-ordered array is neither C- nor F-contiguous (strides %lld, %lld)",
                 (long long)in.strides[0], (long long)in.strides[1]);
  conform_note(ctx, "astype result layout: %s", c ? "C" : "K (kept F)");
  I->ndbuffer_release(I, r);
  I->ndbuffer_release(I, f);
}

/* ---- ND-SEM-013: fill sets every element of a strided view and nothing else ---- */

CONFORM_TEST_VARIANTS("ND-SEM-013", MP_KINDS, ZBUF_CAP_ND, nd_sem_013_fill_strided_view_exact_bits) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  const int64_t shape[2] = {4, 5};
  unsigned char data[20 * 8], want[20 * 8];
  for (int i = 0; i < 20; i++) f8le(data + 8 * i, i + 0.5);
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, data, 2, shape, "<f8");
  /* a[1:3, ::-2] selects rows 1, 2 and columns 4, 2, 0. */
  const zbuf_index key[2] = {ZBUF_RANGE(ZBUF_SLICE(1, 3)),
                             ZBUF_RANGE(((zbuf_slice){0, 0, -2, ZBUF_SLICE_HAS_STEP}))};
  zbuf_impl_ndbuffer *v = sp_nd_view(ctx, a, 2, key);
  const uint64_t fills[2] = {UINT64_C(0x8000000000000000) /* -0.0 */, UINT64_C(0x7FF8000000000123) /* NaN */};
  memcpy(want, data, sizeof want);
  for (int f = 0; f < 2; f++) {
    unsigned char value[8];
    for (int b = 0; b < 8; b++) value[b] = (unsigned char)(fills[f] >> (8 * b));
    CONFORM_OK(ctx, I->ndbuffer_fill(I, v, value, &ctx->err));
    for (int row = 1; row < 3; row++)
      for (int col = 0; col < 5; col += 2) memcpy(want + 8 * (row * 5 + col), value, 8);
    sp_expect_bytes(ctx, a, want, sizeof want,
                    f ? "parent after fill(view, NaN 0x7ff8000000000123)" : "parent after fill(view, -0.0)");
  }
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
}

/* ---- ND-SEM-020 / ND-SEM-021 on views: copy and to_bytes of transposed and negative-step views ---- */

/* The views of a 3x4 int32 array holding 0..11 and their elements in C order, as NumPy gives them. */
typedef struct nd_view_case {
  const char *what;
  int transpose; /* a.T */
  size_t nidx;   /* else a[idx] */
  zbuf_index idx[2];
  size_t ndim;
  int64_t shape[2];
  int32_t want[12];
} nd_view_case;

static const nd_view_case view_cases[] = {
    {"a.T", 1, 0, {{0}}, 2, {4, 3}, {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}},
    {"a[::-1, ::2]",
     0,
     2,
     {{ZBUF_INDEX_SLICE, 0, {0, 0, -1, ZBUF_SLICE_HAS_STEP}},
      {ZBUF_INDEX_SLICE, 0, {0, 0, 2, ZBUF_SLICE_HAS_STEP}}},
     2,
     {3, 2},
     {8, 10, 4, 6, 0, 2}},
    {"a[::-1, ::-2]",
     0,
     2,
     {{ZBUF_INDEX_SLICE, 0, {0, 0, -1, ZBUF_SLICE_HAS_STEP}},
      {ZBUF_INDEX_SLICE, 0, {0, 0, -2, ZBUF_SLICE_HAS_STEP}}},
     2,
     {3, 2},
     {11, 9, 7, 5, 3, 1}},
    {"a[1:, 2]",
     0,
     2,
     {{ZBUF_INDEX_SLICE, 0, {1, 0, 1, ZBUF_SLICE_HAS_START}}, {ZBUF_INDEX_INTEGER, 2, {0, 0, 1, 0}}},
     1,
     {2, 0},
     {6, 10}},
};

static size_t view_count(const nd_view_case *c) {
  size_t n = 1;
  for (size_t k = 0; k < c->ndim; k++) n *= (size_t)c->shape[k];
  return n;
}

/* The view of case c of a. */
static zbuf_impl_ndbuffer *nd_view_of(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, const nd_view_case *c) {
  const zbuf_impl *I = ctx->impl;
  if (!c->transpose) return sp_nd_view(ctx, a, c->nidx, c->idx);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  zbuf_impl_ndbuffer *t = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &t, &ctx->err));
  return t;
}

CONFORM_TEST_VARIANTS("ND-SEM-020", "views@cpu,views@cuda_host,views@cuda", ZBUF_CAP_ND,
                      nd_sem_020_copy_of_views_is_c_ordered) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_copy);
  const int64_t shape[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape);
  for (size_t i = 0; i < sizeof view_cases / sizeof view_cases[0]; i++) {
    const nd_view_case *c = &view_cases[i];
    zbuf_impl_ndbuffer *v = nd_view_of(ctx, a, c), *r = NULL;
    CONFORM_OK(ctx, I->ndbuffer_copy(I, v, &r, &ctx->err));
    sp_expect_meta(ctx, r, mp_i4(), c->ndim, c->shape, c->what);
    sp_expect_bytes(ctx, r, c->want, view_count(c) * 4, c->what);
    zbuf_impl_ndinfo in = conform_nd_info(ctx, r);
    if (!sp_contiguous(&in, 0)) conform_fail(ctx, "copy of %s is not C-contiguous", c->what);
    I->ndbuffer_release(I, r);
    I->ndbuffer_release(I, v);
  }
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("ND-SEM-021", "views@cpu,views@cuda_host,views@cuda", ZBUF_CAP_ND,
                      nd_sem_021_to_bytes_of_views_is_c_order) {
  CONFORM_NEED_OP(ctx, ndbuffer_to_bytes);
  const int64_t shape[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape);
  for (size_t i = 0; i < sizeof view_cases / sizeof view_cases[0]; i++) {
    const nd_view_case *c = &view_cases[i];
    zbuf_impl_ndbuffer *v = nd_view_of(ctx, a, c);
    /* NumPy: v.tobytes() is the view's elements in C order, whatever its strides. */
    sp_expect_bytes(ctx, v, c->want, view_count(c) * 4, c->what);
    ctx->impl->ndbuffer_release(ctx->impl, v);
  }
  /* The same elements laid out in F order read back in C order. */
  int32_t v[12];
  for (int i = 0; i < 12; i++) v[i] = i;
  zbuf_impl_ndbuffer *f = sp_nd_build(ctx, ctx->nd_dev, v, 2, shape, mp_i4(), 1);
  sp_expect_bytes(ctx, f, v, sizeof v, "an F-ordered 3x4 array");
  ctx->impl->ndbuffer_release(ctx->impl, f);
  ctx->impl->ndbuffer_release(ctx->impl, a);
}

/* ---- ND-SEM-022: every operation accepts 0-d and zero-size arrays ---- */

/* Runs op (a call writing *out) and checks the result's dtype, shape and int32 elements. */
#define ND_EXPECT(ctx, call, out, dtype, ndim, shape, want, nbytes, what) \
  do {                                                                    \
    (out) = NULL;                                                         \
    CONFORM_OK((ctx), call);                                              \
    sp_expect_meta((ctx), (out), (dtype), (ndim), (shape), (what));       \
    sp_expect_bytes((ctx), (out), (want), (nbytes), (what));              \
    (ctx)->impl->ndbuffer_release((ctx)->impl, (out));                    \
  } while (0)

CONFORM_TEST_VARIANTS("ND-SEM-022", "0d@cpu,0d@cuda_host,0d@cuda", ZBUF_CAP_ND, nd_sem_022_zero_d_arrays) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_copy);
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_as_scalar);
  const int32_t seven = 7;
  const int8_t seven8 = 7;
  const int64_t one[2] = {1, 1}, none[1] = {0};
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, &seven, 0, none, mp_i4()), *r;
  sp_expect_meta(ctx, a, mp_i4(), 0, none, "from_host of a 0-d array");
  sp_expect_bytes(ctx, a, &seven, 4, "to_bytes of a 0-d array");
  ND_EXPECT(ctx, I->ndbuffer_reshape(I, a, 1, one, &r, &ctx->err), r, mp_i4(), 1, one, &seven, 4,
            "reshape(0-d, (1,))");
  ND_EXPECT(ctx, I->ndbuffer_reshape(I, a, 2, one, &r, &ctx->err), r, mp_i4(), 2, one, &seven, 4,
            "reshape(0-d, (1, 1))");
  /* (1, 1) back to (). */
  zbuf_impl_ndbuffer *b = NULL;
  CONFORM_OK(ctx, I->ndbuffer_reshape(I, a, 2, one, &b, &ctx->err));
  ND_EXPECT(ctx, I->ndbuffer_reshape(I, b, 0, none, &r, &ctx->err), r, mp_i4(), 0, none, &seven, 4,
            "reshape((1, 1), ())");
  I->ndbuffer_release(I, b);
  ND_EXPECT(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &r, &ctx->err), r, mp_i4(), 0, none, &seven, 4,
            "transpose(0-d)");
  ND_EXPECT(ctx, I->ndbuffer_squeeze(I, a, 0, NULL, &r, &ctx->err), r, mp_i4(), 0, none, &seven, 4,
            "squeeze(0-d)");
  ND_EXPECT(ctx, I->ndbuffer_astype(I, a, "|i1", &r, &ctx->err), r, "|i1", 0, none, &seven8, 1,
            "astype(0-d, |i1)");
  ND_EXPECT(ctx, I->ndbuffer_get_item(I, a, 0, NULL, &r, &ctx->err), r, mp_i4(), 0, none, &seven, 4,
            "a[()] of 0-d");
  ND_EXPECT(ctx, I->ndbuffer_copy(I, a, &r, &ctx->err), r, mp_i4(), 0, none, &seven, 4, "copy(0-d)");
  int eq = -1;
  CONFORM_OK(ctx, I->ndbuffer_all_equal_scalar(I, a, &seven, 1, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
  int32_t s = 0;
  CONFORM_OK(ctx, I->ndbuffer_as_scalar(I, a, &s, sizeof s, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 7, s);
  const int32_t nine = 9, eleven = 11;
  CONFORM_OK(ctx, I->ndbuffer_fill(I, a, &nine, &ctx->err));
  sp_expect_bytes(ctx, a, &nine, 4, "fill(0-d, 9)");
  CONFORM_OK(ctx, I->ndbuffer_all_equal_scalar(I, a, &seven, 1, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 0, eq);
  CONFORM_OK(ctx, I->ndbuffer_set_item_scalar(I, a, 0, NULL, &eleven, &ctx->err));
  sp_expect_bytes(ctx, a, &eleven, 4, "a[()] = 11");
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("ND-SEM-022", "zero-size@cpu,zero-size@cuda_host,zero-size@cuda", ZBUF_CAP_ND,
                      nd_sem_022_zero_size_arrays) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_copy);
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
  const int32_t five = 5;
  const int64_t s03[2] = {0, 3}, s30[2] = {3, 0}, s0[1] = {0};
  zbuf_impl_ndbuffer *a = NULL, *r;
  CONFORM_OK(ctx, I->ndbuffer_create(I, ctx->nd_dev, 2, s03, mp_i4(), ZBUF_ORDER_C, &five, &a, &ctx->err));
  sp_expect_meta(ctx, a, mp_i4(), 2, s03, "create((0, 3))");
  sp_expect_bytes(ctx, a, &five, 0, "to_bytes of a (0, 3) array");
  ND_EXPECT(ctx, I->ndbuffer_reshape(I, a, 2, s30, &r, &ctx->err), r, mp_i4(), 2, s30, &five, 0,
            "reshape((0, 3), (3, 0))");
  ND_EXPECT(ctx, I->ndbuffer_reshape(I, a, 1, s0, &r, &ctx->err), r, mp_i4(), 1, s0, &five, 0,
            "reshape((0, 3), (0,))");
  ND_EXPECT(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &r, &ctx->err), r, mp_i4(), 2, s30, &five, 0,
            "transpose((0, 3))");
  /* No axis has extent 1: squeeze keeps both. */
  ND_EXPECT(ctx, I->ndbuffer_squeeze(I, a, 0, NULL, &r, &ctx->err), r, mp_i4(), 2, s03, &five, 0,
            "squeeze((0, 3))");
  ND_EXPECT(ctx, I->ndbuffer_astype(I, a, "<f8", &r, &ctx->err), r, "<f8", 2, s03, &five, 0,
            "astype((0, 3), <f8)");
  const zbuf_index col1[2] = {ZBUF_RANGE(ZBUF_SLICE_ALL), ZBUF_AT(1)};
  ND_EXPECT(ctx, I->ndbuffer_get_item(I, a, 2, col1, &r, &ctx->err), r, mp_i4(), 1, s0, &five, 0,
            "a[:, 1] of (0, 3)");
  const zbuf_index from1[1] = {ZBUF_RANGE(((zbuf_slice){1, 0, 1, ZBUF_SLICE_HAS_START}))};
  ND_EXPECT(ctx, I->ndbuffer_get_item(I, a, 1, from1, &r, &ctx->err), r, mp_i4(), 2, s03, &five, 0,
            "a[1:] of (0, 3)");
  ND_EXPECT(ctx, I->ndbuffer_copy(I, a, &r, &ctx->err), r, mp_i4(), 2, s03, &five, 0, "copy((0, 3))");
  CONFORM_OK(ctx, I->ndbuffer_fill(I, a, &five, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_set_item_scalar(I, a, 0, NULL, &five, &ctx->err));
  int eq = -1;
  CONFORM_OK(ctx, I->ndbuffer_all_equal_scalar(I, a, &five, 1, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
  sp_expect_meta(ctx, a, mp_i4(), 2, s03, "the (0, 3) array after fill and set_item");
  I->ndbuffer_release(I, a);
}

/* ---- ND-SEM-025 (MAY): complex NaN in different parts under equal_nan ---- */

CONFORM_TEST_VARIANTS("ND-SEM-025", "c16,c8", ZBUF_CAP_ND, nd_sem_025_complex_nan_parts_recorded) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
  int c16 = strcmp(ctx->label, "c16") == 0;
  size_t part = c16 ? 8 : 4;
  const char *dtype = c16 ? "<c16" : "<c8";
  /* Parts as bit patterns: NaN, 1.0, 2.0 in f8 or f4. */
  const uint64_t nan = c16 ? UINT64_C(0x7FF8000000000000) : 0x7FC00000u;
  const uint64_t one = c16 ? UINT64_C(0x3FF0000000000000) : 0x3F800000u;
  const uint64_t two = c16 ? UINT64_C(0x4000000000000000) : 0x40000000u;
  const uint64_t values[3][2] = {{nan, one} /* nan+1j */, {nan, two} /* nan+2j */, {one, nan} /* 1+nanj */};
  unsigned char v[3][16];
  for (int i = 0; i < 3; i++)
    for (int p = 0; p < 2; p++)
      for (size_t b = 0; b < part; b++) v[i][p * part + b] = (unsigned char)(values[i][p] >> (8 * b));
  const int64_t shape[1] = {1};
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, v[0], 1, shape, dtype);
  int eq[3] = {-1, -1, -1};
  for (int i = 0; i < 3; i++) CONFORM_OK(ctx, I->ndbuffer_all_equal_scalar(I, a, v[i], 1, &eq[i], &ctx->err));
  /* Both rules agree on the same element (ND-SEM-014); they differ only on the other two. */
  if (eq[0] != 1)
    conform_fail(ctx, "all_equal([nan+1j], nan+1j, equal_nan): expected 1 under either rule, seen %d", eq[0]);
  if (eq[1] != eq[2] || (eq[1] != 0 && eq[1] != 1))
    conform_fail(ctx,
                 "all_equal([nan+1j], nan+2j) = %d and ([nan+1j], 1+nanj) = %d: neither NumPy's rule (1, 1) "
                 "nor the per-part rule (0, 0)",
                 eq[1], eq[2]);
  conform_note(ctx, "complex NaN rule (%s): %s", dtype, eq[1] ? "NUMPY" : "PER-PART");
  I->ndbuffer_release(I, a);
}

/* ---- ND-SEM-017: all_equal with a strided array on either side ---- */

/* The vectors give `other` as a contiguous array; here it is a view whose elements are every other one of
 * its parent (the ones between hold 99), against a contiguous array, and the other way round. */
CONFORM_TEST_VARIANTS("ND-SEM-017", "strided-other@cpu,strided-other@cuda_host,strided-other@cuda", ZBUF_CAP_ND,
                      nd_sem_017_strided_operands) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  const int32_t wide[12] = {1, 99, 2, 99, 3, 99, 4, 99, 5, 99, 6, 99};
  const int32_t same[6] = {1, 2, 3, 4, 5, 6}, differs[6] = {1, 2, 3, 4, 5, 7};
  const int64_t s26[2] = {2, 6}, s23[2] = {2, 3};
  zbuf_impl_ndbuffer *w = conform_nd_from_host(ctx, ctx->nd_dev, wide, 2, s26, mp_i4());
  const zbuf_index every_other[2] = {ZBUF_RANGE(ZBUF_SLICE_ALL),
                                     ZBUF_RANGE(((zbuf_slice){0, 0, 2, ZBUF_SLICE_HAS_STEP}))};
  zbuf_impl_ndbuffer *v = sp_nd_view(ctx, w, 2, every_other);
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, same, 2, s23, mp_i4());
  zbuf_impl_ndbuffer *d = conform_nd_from_host(ctx, ctx->nd_dev, differs, 2, s23, mp_i4());
  int eq = -1;
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, a, v, 0, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, v, a, 0, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, d, v, 0, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 0, eq);
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, v, d, 0, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 0, eq);
  I->ndbuffer_release(I, d);
  I->ndbuffer_release(I, a);
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, w);
}

/* ---- ND-SEM-017: all_equal with an array of another dtype ---- */

/* b is cast to a's dtype before comparing: int32 against float64 values; complex128 against float64 zeros
 * (complex compares by value: -0.0+0j equals 0); float32 against float64 zeros (real floats compared with
 * zeros by bit pattern: -0.0 is not +0.0). */
CONFORM_TEST_VARIANTS("ND-SEM-017", "mixed-dtypes@cpu,mixed-dtypes@cuda_host,mixed-dtypes@cuda", ZBUF_CAP_ND,
                      nd_sem_017_mixed_dtypes) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  const int little = sp_little();
  const char *f8 = little ? "<f8" : ">f8", *f4 = little ? "<f4" : ">f4", *c16 = little ? "<c16" : ">c16";
  const int64_t two[1] = {2};
  const int32_t ints[2] = {3, -4};
  const double reals[2] = {3.0, -4.0}, zeros[2] = {0.0, 0.0}, other[2] = {3.0, -4.5};
  const double cplx[4] = {-0.0, 0.0, 0.0, -0.0};
  const float negzero[2] = {-0.0f, 0.0f};
  zbuf_impl_ndbuffer *ai = conform_nd_from_host(ctx, ctx->nd_dev, ints, 1, two, mp_i4());
  zbuf_impl_ndbuffer *bf = conform_nd_from_host(ctx, ctx->nd_dev, reals, 1, two, f8);
  zbuf_impl_ndbuffer *bo = conform_nd_from_host(ctx, ctx->nd_dev, other, 1, two, f8);
  zbuf_impl_ndbuffer *bz = conform_nd_from_host(ctx, ctx->nd_dev, zeros, 1, two, f8);
  zbuf_impl_ndbuffer *ac = conform_nd_from_host(ctx, ctx->nd_dev, cplx, 1, two, c16);
  zbuf_impl_ndbuffer *a4 = conform_nd_from_host(ctx, ctx->nd_dev, negzero, 1, two, f4);
  const struct {
    const char *what;
    zbuf_impl_ndbuffer *a, *b;
    int want;
  } cases[] = {{"int32 [3, -4] vs float64 [3.0, -4.0]", ai, bf, 1},
               {"int32 [3, -4] vs float64 [3.0, -4.5] (-4.5 casts to -4)", ai, bo, 1},
               {"complex128 [-0.0+0j, 0-0j] vs float64 zeros", ac, bz, 1},
               {"float32 [-0.0, 0.0] vs float64 zeros", a4, bz, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int eq = -1;
    CONFORM_OK(ctx, I->ndbuffer_all_equal(I, cases[i].a, cases[i].b, 0, &eq, &ctx->err));
    if (eq != cases[i].want)
      conform_fail(ctx, "all_equal(%s): expected %d, seen %d", cases[i].what, cases[i].want, eq);
  }
  zbuf_impl_ndbuffer *all[6] = {ai, bf, bo, bz, ac, a4};
  for (int i = 0; i < 6; i++) I->ndbuffer_release(I, all[i]);
}

/* ---- ND-SEM-011: parts of a slice that are not given are None, whatever their fields hold ---- */

CONFORM_TEST_VARIANTS("ND-SEM-011", "unflagged-fields@cpu,unflagged-fields@cuda_host,unflagged-fields@cuda",
                      ZBUF_CAP_ND, nd_sem_011_unflagged_fields) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  const int64_t s45[2] = {4, 5};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, s45), *v = NULL;
  /* a[1:3, 2:] with a step field of 5 and a stop field of 1 that are not given: rows 1-2, columns 2-4. */
  const zbuf_index idx[2] = {ZBUF_RANGE(((zbuf_slice){1, 3, 5, ZBUF_SLICE_HAS_START | ZBUF_SLICE_HAS_STOP})),
                             ZBUF_RANGE(((zbuf_slice){2, 1, 0, ZBUF_SLICE_HAS_START}))};
  CONFORM_OK(ctx, I->ndbuffer_get_item(I, a, 2, idx, &v, &ctx->err));
  const int64_t s23[2] = {2, 3};
  const int32_t want[6] = {7, 8, 9, 12, 13, 14};
  sp_expect_meta(ctx, v, mp_i4(), 2, s23, "a[1:3, 2:] with unflagged fields");
  sp_expect_bytes(ctx, v, want, sizeof want, "a[1:3, 2:] with unflagged fields");
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
}

/* ---- ND-SEM-021: to_bytes into a larger destination ---- */

/* The elements in C order, and nothing written after them: a transposed view (copied element by element) and
 * a contiguous array (one block), each into 40 bytes for 24. */
CONFORM_TEST_VARIANTS("ND-SEM-021", "larger-dst@cpu,larger-dst@cuda_host,larger-dst@cuda", ZBUF_CAP_ND,
                      nd_sem_021_larger_destination) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  const int64_t s23[2] = {2, 3};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, s23), *t = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &t, &ctx->err));
  const int32_t c_order[6] = {0, 1, 2, 3, 4, 5}, t_order[6] = {0, 3, 1, 4, 2, 5};
  const zbuf_impl_ndbuffer *src[2] = {a, t};
  const int32_t *expect[2] = {c_order, t_order};
  for (int i = 0; i < 2; i++) {
    unsigned char dst[40], want[40];
    memset(dst, 0xC5, sizeof dst);
    memcpy(want, dst, sizeof want);
    memcpy(want, expect[i], 24);
    CONFORM_OK(ctx, I->ndbuffer_to_bytes(I, src[i], dst, sizeof dst, &ctx->err));
    CONFORM_ASSERT_MEM_EQ(ctx, want, dst, sizeof dst);
  }
  I->ndbuffer_release(I, t);
  I->ndbuffer_release(I, a);
}

/* ---- ND-SEM-017: an operand whose axis has stride 0 ---- */

/* NumPy's broadcast_to views have stride 0 and reach an implementation through wrap or DLPack. a = [5, 5, 5]
 * held as one int32 with stride 0, against b = [5, 5, 6]: not all equal, and against [5, 5, 5]: all equal. */
CONFORM_TEST("ND-SEM-017", "zero-stride@cpu", ZBUF_CAP_ND | ZBUF_CAP_HOST, nd_sem_017_zero_stride) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  static int32_t five[1] = {5};
  static mp_tensor t; /* outlives a failed test: the import may still hold it */
  const int64_t shape[1] = {3}, strides_bytes[1] = {0}, strides_elems[1] = {0};
  zbuf_impl_ndbuffer *a = NULL;
  if ((I->capabilities & ZBUF_CAP_WRAP) && CONFORM_HAS_OP(I, ndbuffer_wrap)) {
    CONFORM_SETUP(ctx, I->ndbuffer_wrap(I, ctx->host, five, 1, shape, strides_bytes, mp_i4(), NULL, NULL, &a,
                                        &ctx->err));
  } else if ((I->capabilities & ZBUF_CAP_DLPACK) && CONFORM_HAS_OP(I, ndbuffer_from_dlpack)) {
    mp_tensor_init(&t, ctx->host, five, 0, 1, shape, strides_elems);
    CONFORM_SETUP(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &a, &ctx->err));
  } else {
    conform_unsupported(ctx, "neither ndbuffer_wrap nor ndbuffer_from_dlpack: no way to make a stride-0 array");
  }
  const int32_t differs[3] = {5, 5, 6}, same[3] = {5, 5, 5};
  zbuf_impl_ndbuffer *bd = conform_nd_from_host(ctx, ctx->host, differs, 1, shape, mp_i4());
  zbuf_impl_ndbuffer *bs = conform_nd_from_host(ctx, ctx->host, same, 1, shape, mp_i4());
  int eq = -1;
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, a, bd, 0, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 0, eq);
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, a, bs, 0, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
  I->ndbuffer_release(I, bs);
  I->ndbuffer_release(I, bd);
  I->ndbuffer_release(I, a);
}

/* ---- ND-SEM-017: byte-swapped operands, the second one strided ---- */

/* Big-endian float64 on a little-endian machine (and the other way round) is compared in native order after a
 * swap: a contiguous a against b = every other element of a longer array. */
CONFORM_TEST_VARIANTS("ND-SEM-017", "swapped-strided-other@cpu,swapped-strided-other@cuda_host,"
                      "swapped-strided-other@cuda",
                      ZBUF_CAP_ND, nd_sem_017_swapped_strided) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  const char *swapped = sp_little() ? ">f8" : "<f8";
  /* The values as the swapped dtype stores them. */
  double vals[3] = {1.5, 2.5, 3.5}, wide_vals[6] = {1.5, 9.0, 2.5, 9.0, 3.5, 9.0}, odd_vals[6];
  unsigned char a_bytes[24], w_bytes[48], o_bytes[48];
  memcpy(odd_vals, wide_vals, sizeof odd_vals);
  odd_vals[4] = 4.5;
  for (int i = 0; i < 6; i++)
    for (int b = 0; b < 8; b++) {
      if (i < 3) a_bytes[i * 8 + b] = ((unsigned char *)&vals[i])[7 - b];
      w_bytes[i * 8 + b] = ((unsigned char *)&wide_vals[i])[7 - b];
      o_bytes[i * 8 + b] = ((unsigned char *)&odd_vals[i])[7 - b];
    }
  const int64_t s3[1] = {3}, s6[1] = {6};
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, a_bytes, 1, s3, swapped);
  zbuf_impl_ndbuffer *w = conform_nd_from_host(ctx, ctx->nd_dev, w_bytes, 1, s6, swapped);
  zbuf_impl_ndbuffer *o = conform_nd_from_host(ctx, ctx->nd_dev, o_bytes, 1, s6, swapped);
  const zbuf_index every_other[1] = {ZBUF_RANGE(((zbuf_slice){0, 0, 2, ZBUF_SLICE_HAS_STEP}))};
  zbuf_impl_ndbuffer *wv = sp_nd_view(ctx, w, 1, every_other), *ov = sp_nd_view(ctx, o, 1, every_other);
  int eq = -1;
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, a, wv, 0, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
  CONFORM_OK(ctx, I->ndbuffer_all_equal(I, a, ov, 0, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 0, eq);
  I->ndbuffer_release(I, ov);
  I->ndbuffer_release(I, wv);
  I->ndbuffer_release(I, o);
  I->ndbuffer_release(I, w);
  I->ndbuffer_release(I, a);
}

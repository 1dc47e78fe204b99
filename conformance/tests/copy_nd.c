/* zbuf conformance: the COPY clauses of NDBuffers (ND-COPY-*): which n-d operations return views and which
 * return new memory. As in copy.c, aliasing is observed by writing through one handle (set_item_scalar,
 * set_item, fill) and reading the other back with to_bytes; every probe is recorded for the aliasing matrix.
 * Arrays are int32 holding 0, 1, 2, ... in C order, so that every element's origin can be checked; sentinels
 * are negative and never collide with those values. */
#include "memprobe.h"

/* One axis of a basic-indexing key, resolved by hand: an integer, or `count` positions from `start` by
 * `step`. */
typedef struct axis_sel {
  int integer;
  int64_t start, count, step;
} axis_sel;

#define SEL_INT(i) \
  { 1, (i), 1, 1 }
#define SEL_RANGE(start, count, step) \
  { 0, (start), (count), (step) }

/* The zbuf_index for an axis. A negative step's stop is left out (None) when it would be -1, which the
 * implementation would read as "from the end"; such ranges in this file always run down to index 0. */
static zbuf_index sel_index(axis_sel s) {
  if (s.integer) return ZBUF_AT(s.start);
  int64_t stop = s.start + s.count * s.step;
  zbuf_slice sl = {s.start, stop, s.step, ZBUF_SLICE_HAS_START | ZBUF_SLICE_HAS_STEP};
  if (stop >= 0) sl.given |= ZBUF_SLICE_HAS_STOP;
  return ZBUF_RANGE(sl);
}

/* C-order flat indices (into a parent of `shape`) of the elements sel selects, in the view's own C order. */
static size_t sel_flat(size_t ndim, const int64_t *shape, const axis_sel *sel, size_t axis, int64_t base,
                       int64_t *out, size_t k) {
  if (axis == ndim) {
    out[k] = base;
    return k + 1;
  }
  int64_t stride = 1;
  for (size_t j = axis + 1; j < ndim; j++) stride *= shape[j];
  if (sel[axis].integer) return sel_flat(ndim, shape, sel, axis + 1, base + sel[axis].start * stride, out, k);
  for (int64_t c = 0; c < sel[axis].count; c++)
    k = sel_flat(ndim, shape, sel, axis + 1, base + (sel[axis].start + c * sel[axis].step) * stride, out, k);
  return k;
}

/* All-integer key addressing C-order flat element `flat` of an array of `shape`. */
static void unravel(size_t ndim, const int64_t *shape, int64_t flat, zbuf_index *idx) {
  for (size_t i = ndim; i-- > 0;) {
    idx[i] = ZBUF_AT(flat % shape[i]);
    flat /= shape[i];
  }
}

static void arange(int32_t *v, size_t n) {
  for (size_t i = 0; i < n; i++) v[i] = (int32_t)i;
}

/* ---- views ---- */

CONFORM_TEST_VARIANTS("ND-COPY-001", MP_KINDS, ZBUF_CAP_ND, nd_copy_001_getitem_slices_is_a_view) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  const int64_t shape[3] = {3, 4, 5};
  /* [1:3, ::-1], [0, 1::2], [:, :, 2:], [2, ::-2, 1:4]; nidx is how many axes the key names. */
  static const struct {
    size_t nidx;
    axis_sel sel[3];
  } keys[] = {
      {2, {SEL_RANGE(1, 2, 1), SEL_RANGE(3, 4, -1), SEL_RANGE(0, 5, 1)}},
      {2, {SEL_INT(0), SEL_RANGE(1, 2, 2), SEL_RANGE(0, 5, 1)}},
      {3, {SEL_RANGE(0, 3, 1), SEL_RANGE(0, 4, 1), SEL_RANGE(2, 3, 1)}},
      {3, {SEL_INT(2), SEL_RANGE(3, 2, -2), SEL_RANGE(1, 3, 1)}},
  };
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    zbuf_index idx[3];
    for (size_t i = 0; i < keys[k].nidx; i++) idx[i] = sel_index(keys[k].sel[i]);
    int64_t flat[60];
    size_t n = sel_flat(3, shape, keys[k].sel, 0, 0, flat, 0);
    zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 3, shape), *v = NULL;
    CONFORM_OK(ctx, I->ndbuffer_get_item(I, a, keys[k].nidx, idx, &v, &ctx->err));
    int32_t want[60], seen[60], vwant[60];
    arange(want, 60);
    /* View -> parent: fill the view, the parent's selected elements (only those) change. */
    mp_nd_fill(ctx, v, -1);
    for (size_t i = 0; i < n; i++) want[flat[i]] = -1;
    mp_nd_read(ctx, a, seen, 60);
    conform_observe_alias(ctx, "ndbuffer_get_item", conform_device_name(ctx->nd_dev), seen[flat[0]] == -1);
    if (memcmp(want, seen, sizeof want) != 0) conform_note(ctx, "key %zu", k);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    /* Parent -> view: the element behind the view's last position. */
    zbuf_index at[3];
    unravel(3, shape, flat[n - 1], at);
    mp_nd_set(ctx, a, 3, at, -2);
    for (size_t i = 0; i < n; i++) vwant[i] = -1;
    vwant[n - 1] = -2;
    mp_nd_read(ctx, v, seen, n);
    CONFORM_ASSERT_MEM_EQ(ctx, vwant, seen, n * sizeof seen[0]);
    I->ndbuffer_release(I, v);
    I->ndbuffer_release(I, a);
  }
}

CONFORM_TEST_VARIANTS("ND-COPY-002", MP_KINDS, ZBUF_CAP_ND, nd_copy_002_getitem_integers_may_alias) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  const int64_t shape[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *e = NULL;
  const zbuf_index at12[2] = {ZBUF_AT(1), ZBUF_AT(2)};
  CONFORM_OK(ctx, I->ndbuffer_get_item(I, a, 2, at12, &e, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 0, conform_nd_info(ctx, e).ndim);
  int32_t x = 0;
  mp_nd_read(ctx, e, &x, 1);
  CONFORM_ASSERT_INT_EQ(ctx, 6, x);
  mp_nd_set(ctx, a, 2, at12, -6);
  mp_nd_read(ctx, e, &x, 1);
  if (x != 6 && x != -6)
    conform_fail(ctx, "0-d result after the parent's write: expected 6 (COPY) or -6 (ALIAS), seen %d",
                 (int)x);
  conform_observe_alias(ctx, "ndbuffer_get_item(int)", conform_device_name(ctx->nd_dev), x == -6);
  I->ndbuffer_release(I, e);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("ND-COPY-003", MP_KINDS, ZBUF_CAP_ND, nd_copy_003_transpose_is_a_view) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  const int64_t shape[3] = {2, 3, 4};
  const int64_t perm[3] = {2, 0, 1};
  for (int c = 0; c < 2; c++) {
    /* c = 0: axes (2, 0, 1): t[k, i, j] = a[i, j, k]. c = 1: NULL (reversed): t[k, j, i] = a[i, j, k]. */
    zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 3, shape), *t = NULL;
    CONFORM_OK(ctx, I->ndbuffer_transpose(I, a, c == 0 ? 3 : 0, c == 0 ? perm : NULL, &t, &ctx->err));
    int32_t want[24], seen[24];
    arange(want, 24);
    /* t -> a: a[1, 2, 3] (flat 23) through t. */
    const zbuf_index t_at_a123[2][3] = {{ZBUF_AT(3), ZBUF_AT(1), ZBUF_AT(2)},
                                        {ZBUF_AT(3), ZBUF_AT(2), ZBUF_AT(1)}};
    mp_nd_set(ctx, t, 3, t_at_a123[c], -23);
    want[23] = -23;
    mp_nd_read(ctx, a, seen, 24);
    conform_observe_alias(ctx, "ndbuffer_transpose", conform_device_name(ctx->nd_dev), seen[23] == -23);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    /* a -> t: a[0, 1, 2] (flat 6) seen at t's matching position. */
    const zbuf_index a012[3] = {ZBUF_AT(0), ZBUF_AT(1), ZBUF_AT(2)};
    mp_nd_set(ctx, a, 3, a012, -6);
    want[6] = -6;
    int32_t twant[24];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++)
        for (int k = 0; k < 4; k++) {
          int tflat = c == 0 ? (k * 2 + i) * 3 + j : (k * 3 + j) * 2 + i;
          twant[tflat] = want[(i * 3 + j) * 4 + k];
        }
    mp_nd_read(ctx, t, seen, 24);
    CONFORM_ASSERT_MEM_EQ(ctx, twant, seen, sizeof twant);
    I->ndbuffer_release(I, t);
    I->ndbuffer_release(I, a);
  }
}

CONFORM_TEST_VARIANTS("ND-COPY-004", MP_KINDS, ZBUF_CAP_ND, nd_copy_004_squeeze_is_a_view) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  const int64_t shape[3] = {1, 3, 1};
  const int64_t axis0[1] = {0};
  for (int c = 0; c < 2; c++) {
    /* c = 0: all size-1 axes, result (3,); c = 1: axis 0 only, result (3, 1). */
    zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 3, shape), *s = NULL;
    CONFORM_OK(ctx, I->ndbuffer_squeeze(I, a, c == 0 ? 0 : 1, c == 0 ? NULL : axis0, &s, &ctx->err));
    CONFORM_ASSERT_INT_EQ(ctx, c == 0 ? 1 : 2, conform_nd_info(ctx, s).ndim);
    const zbuf_index s1[2] = {ZBUF_AT(1), ZBUF_AT(0)};
    mp_nd_set(ctx, s, c == 0 ? 1 : 2, s1, -1);
    int32_t want[3] = {0, -1, 2}, seen[3];
    mp_nd_read(ctx, a, seen, 3);
    conform_observe_alias(ctx, "ndbuffer_squeeze", conform_device_name(ctx->nd_dev), seen[1] == -1);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    const zbuf_index a020[3] = {ZBUF_AT(0), ZBUF_AT(2), ZBUF_AT(0)};
    mp_nd_set(ctx, a, 3, a020, -2);
    want[2] = -2;
    mp_nd_read(ctx, s, seen, 3);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    I->ndbuffer_release(I, s);
    I->ndbuffer_release(I, a);
  }
}

CONFORM_TEST_VARIANTS("ND-COPY-005", MP_KINDS, ZBUF_CAP_ND, nd_copy_005_reshape_contiguous_is_a_view) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  const int64_t shape[2] = {4, 6};
  /* Target shapes as given, and as resolved (for addressing element 13 of the result). */
  static const struct {
    size_t ndim;
    int64_t given[3], resolved[3];
  } targets[] = {{2, {2, 12}, {2, 12}}, {1, {24}, {24}}, {2, {-1, 3}, {8, 3}}, {3, {2, 3, 4}, {2, 3, 4}}};
  for (size_t c = 0; c < sizeof targets / sizeof targets[0]; c++) {
    zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *r = NULL;
    CONFORM_OK(ctx, I->ndbuffer_reshape(I, a, targets[c].ndim, targets[c].given, &r, &ctx->err));
    zbuf_index at[3];
    unravel(targets[c].ndim, targets[c].resolved, 13, at);
    mp_nd_set(ctx, r, targets[c].ndim, at, -13);
    int32_t want[24], seen[24];
    arange(want, 24);
    want[13] = -13;
    mp_nd_read(ctx, a, seen, 24);
    conform_observe_alias(ctx, "ndbuffer_reshape", conform_device_name(ctx->nd_dev), seen[13] == -13);
    if (memcmp(want, seen, sizeof want) != 0) conform_note(ctx, "target shape %zu", c);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    const zbuf_index a00[2] = {ZBUF_AT(0), ZBUF_AT(0)};
    mp_nd_set(ctx, a, 2, a00, -100);
    want[0] = -100;
    mp_nd_read(ctx, r, seen, 24);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    I->ndbuffer_release(I, r);
    I->ndbuffer_release(I, a);
  }
  /* a[::2] of a 2x6 array is (1, 6) with a stride of 48 bytes on its axis of extent 1: C-contiguous all the
   * same (NumPy ignores the stride of an extent-1 axis), so reshaping it to (2, 3) is a view. */
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  const int64_t s26[2] = {2, 6}, s23[2] = {2, 3};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, s26), *r = NULL;
  const zbuf_index every_other[1] = {ZBUF_RANGE(((zbuf_slice){0, 0, 2, ZBUF_SLICE_HAS_STEP}))};
  zbuf_impl_ndbuffer *v = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 1, every_other, &v, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_reshape(I, v, 2, s23, &r, &ctx->err));
  const zbuf_index r12[2] = {ZBUF_AT(1), ZBUF_AT(2)};
  mp_nd_set(ctx, r, 2, r12, -5);
  int32_t want[12], seen[12];
  arange(want, 12);
  want[5] = -5;
  mp_nd_read(ctx, a, seen, 12);
  conform_observe_alias(ctx, "ndbuffer_reshape", conform_device_name(ctx->nd_dev), seen[5] == -5);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->ndbuffer_release(I, r);
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("ND-COPY-006", MP_KINDS, ZBUF_CAP_ND, nd_copy_006_reshape_strided_may_alias) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  const char *kind = conform_device_name(ctx->nd_dev);
  /* The transpose of a 3x4 array reshaped to (12,): no view is possible. Element k of the result is
   * a[k % 3, k / 3]; a[0, 1] is element 3. */
  const int64_t shape[2] = {3, 4}, twelve[1] = {12};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *t = NULL, *r = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &t, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_reshape(I, t, 1, twelve, &r, &ctx->err));
  int32_t want[12], seen[12];
  for (int k = 0; k < 12; k++) want[k] = (k % 3) * 4 + k / 3;
  mp_nd_read(ctx, r, seen, 12);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  const zbuf_index a01[2] = {ZBUF_AT(0), ZBUF_AT(1)};
  mp_nd_set(ctx, a, 2, a01, -1);
  mp_nd_read(ctx, r, seen, 12);
  int aliased = seen[3] == -1;
  conform_observe_alias(ctx, "ndbuffer_reshape(noncontig)", kind, aliased);
  if (aliased) want[3] = -1;
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->ndbuffer_release(I, r);
  I->ndbuffer_release(I, t);
  I->ndbuffer_release(I, a);
  /* A [::2] slice of 12 elements reshaped to (2, -1): a view is possible (strides 24 and 8 bytes), not
   * required. Element (i, j) is 2 * (3i + j); element (1, 0) is parent element 6. */
  const int64_t two_m1[2] = {2, -1};
  a = mp_nd_arange(ctx, ctx->nd_dev, 1, twelve);
  zbuf_impl_ndbuffer *s = NULL;
  const zbuf_index every2[1] = {ZBUF_RANGE(ZBUF_SLICE_STEP(0, 12, 2))};
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 1, every2, &s, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_reshape(I, s, 2, two_m1, &r, &ctx->err));
  int32_t want6[6] = {0, 2, 4, 6, 8, 10}, seen6[6];
  mp_nd_read(ctx, r, seen6, 6);
  CONFORM_ASSERT_MEM_EQ(ctx, want6, seen6, sizeof want6);
  const zbuf_index a6[1] = {ZBUF_AT(6)};
  mp_nd_set(ctx, a, 1, a6, -6);
  mp_nd_read(ctx, r, seen6, 6);
  aliased = seen6[3] == -6;
  conform_observe_alias(ctx, "ndbuffer_reshape(strided)", kind, aliased);
  if (aliased) want6[3] = -6;
  CONFORM_ASSERT_MEM_EQ(ctx, want6, seen6, sizeof want6);
  I->ndbuffer_release(I, r);
  I->ndbuffer_release(I, s);
  I->ndbuffer_release(I, a);
}

/* ---- copies ---- */

CONFORM_TEST_VARIANTS("ND-COPY-007", MP_KINDS, ZBUF_CAP_ND, nd_copy_007_copy_is_independent) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_copy);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  /* Copy a view with negative strides, [::-1, ::-1] of a 3x4 array: copy[i, j] = a[2 - i, 3 - j]. */
  const int64_t shape[2] = {3, 4};
  const zbuf_slice rev = {0, 0, -1, ZBUF_SLICE_HAS_STEP};
  const zbuf_index key[2] = {ZBUF_RANGE(rev), ZBUF_RANGE(rev)};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *v = NULL, *c = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 2, key, &v, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_copy(I, v, &c, &ctx->err));
  int32_t cwant[12], awant[12], seen[12];
  for (int k = 0; k < 12; k++) cwant[k] = 11 - k;
  arange(awant, 12);
  mp_nd_fill(ctx, v, -1); /* source side */
  mp_nd_read(ctx, c, seen, 12);
  conform_observe_alias(ctx, "ndbuffer_copy", conform_device_name(ctx->nd_dev), seen[0] == -1);
  CONFORM_ASSERT_MEM_EQ(ctx, cwant, seen, sizeof cwant);
  for (int k = 0; k < 12; k++) awant[k] = -1;
  mp_nd_fill(ctx, c, -2); /* copy side */
  mp_nd_read(ctx, a, seen, 12);
  CONFORM_ASSERT_MEM_EQ(ctx, awant, seen, sizeof awant);
  I->ndbuffer_release(I, c);
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("ND-COPY-008", MP_KINDS, ZBUF_CAP_ND, nd_copy_008_astype_copies) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  const int64_t shape[2] = {2, 3};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *same = NULL, *wide = NULL;
  const char *i8 = mp_i4()[0] == '<' ? "<i8" : ">i8";
  CONFORM_OK(ctx, I->ndbuffer_astype(I, a, mp_i4(), &same, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_astype(I, a, i8, &wide, &ctx->err));
  mp_nd_fill(ctx, a, -1);
  int32_t want[6], seen[6];
  int64_t want8[6], seen8[6];
  arange(want, 6);
  for (int k = 0; k < 6; k++) want8[k] = k;
  mp_nd_read(ctx, same, seen, 6);
  conform_observe_alias(ctx, "ndbuffer_astype(same)", conform_device_name(ctx->nd_dev), seen[0] == -1);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  conform_nd_read(ctx, wide, seen8, sizeof seen8);
  conform_observe_alias(ctx, "ndbuffer_astype", conform_device_name(ctx->nd_dev), seen8[0] == -1);
  CONFORM_ASSERT_MEM_EQ(ctx, want8, seen8, sizeof want8);
  /* And a write to the same-dtype result does not reach the source. */
  mp_nd_fill(ctx, same, -2);
  int32_t all_m1[6] = {-1, -1, -1, -1, -1, -1};
  mp_nd_read(ctx, a, seen, 6);
  CONFORM_ASSERT_MEM_EQ(ctx, all_m1, seen, sizeof all_m1);
  I->ndbuffer_release(I, wide);
  I->ndbuffer_release(I, same);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("ND-COPY-009", MP_KINDS, ZBUF_CAP_ND, nd_copy_009_new_arrays_are_fresh) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  CONFORM_NEED_OP(ctx, ndbuffer_empty);
  const int64_t shape[2] = {4, 4};
  const int32_t seven = 7;
  zbuf_impl_ndbuffer *c1 = NULL, *c2 = NULL, *e = NULL;
  CONFORM_OK(ctx,
             I->ndbuffer_create(I, ctx->nd_dev, 2, shape, mp_i4(), ZBUF_ORDER_C, &seven, &c1, &ctx->err));
  CONFORM_OK(ctx,
             I->ndbuffer_create(I, ctx->nd_dev, 2, shape, mp_i4(), ZBUF_ORDER_C, &seven, &c2, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_empty(I, ctx->nd_dev, 2, shape, mp_i4(), ZBUF_ORDER_C, &e, &ctx->err));
  /* Element ranges do not overlap (addresses compared, never dereferenced). */
  zbuf_impl_ndbuffer *all[3] = {c1, c2, e};
  uintptr_t lo[3];
  for (int i = 0; i < 3; i++) lo[i] = (uintptr_t)conform_nd_info(ctx, all[i]).data;
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (lo[i] < lo[j] + 64 && lo[j] < lo[i] + 64)
        conform_fail(ctx, "arrays %d and %d overlap: elements at %p and %p, 64 bytes each", i, j,
                     (void *)lo[i], (void *)lo[j]);
  /* Writes to one are not seen by another. */
  mp_nd_fill(ctx, c1, -1);
  mp_nd_fill(ctx, e, -3);
  int32_t want[16], seen[16];
  for (int k = 0; k < 16; k++) want[k] = 7;
  mp_nd_read(ctx, c2, seen, 16);
  conform_observe_alias(ctx, "ndbuffer_create", conform_device_name(ctx->nd_dev), seen[0] != 7);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  /* from_host copies: later writes to the caller's array are not seen, and writes to the array do not reach
   * the caller. */
  int32_t host[16], before[16];
  arange(host, 16);
  zbuf_impl_ndbuffer *h = conform_nd_from_host(ctx, ctx->nd_dev, host, 2, shape, mp_i4());
  for (int k = 0; k < 16; k++) host[k] = -5;
  arange(want, 16);
  mp_nd_read(ctx, h, seen, 16);
  conform_observe_alias(ctx, "ndbuffer_from_host", conform_device_name(ctx->nd_dev), seen[0] == -5);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  memcpy(before, host, sizeof host);
  mp_nd_fill(ctx, h, -9);
  CONFORM_ASSERT_MEM_EQ(ctx, before, host, sizeof host);
  I->ndbuffer_release(I, h);
  I->ndbuffer_release(I, e);
  I->ndbuffer_release(I, c2);
  I->ndbuffer_release(I, c1);
}

/* ---- wrapping caller memory ---- */

/* The shared half of ND-COPY-010: `a` wraps m, a 3x4 int32 array in F order whose caller element (i, j) is
 * init[j * 3 + i]. A caller write is seen through `a`, and a fill of `a` reaches the caller's memory. */
static void nd_copy_010_used_in_place(conform_ctx *ctx, zbuf_impl_ndbuffer *a, mp_mem *m, const int32_t *init,
                                      const char *op) {
  int32_t mem[12], seen[12], want[12];
  /* The caller writes element (2, 1); to_bytes (C order) shows it at 2 * 4 + 1. */
  int32_t x = -21;
  mp_mem_write(ctx, m, (1 * 3 + 2) * sizeof x, &x, sizeof x);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++) want[i * 4 + j] = init[j * 3 + i];
  want[2 * 4 + 1] = x;
  mp_nd_read(ctx, a, seen, 12);
  conform_observe_alias(ctx, op, conform_device_name(ctx->nd_dev), seen[9] == x);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  /* fill reaches the caller's memory. */
  mp_nd_fill(ctx, a, -1);
  for (int k = 0; k < 12; k++) want[k] = -1;
  mp_mem_read(ctx, m, mem);
  CONFORM_ASSERT_MEM_EQ(ctx, want, mem, sizeof mem);
}

CONFORM_TEST_VARIANTS("ND-COPY-010", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_WRAP, nd_copy_010_wrap_does_not_copy) {
  /* ndbuffer_wrap of a caller 3x4 int32 array in F order (byte strides (4, 12)), used in place. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_wrap);
  int32_t init[12];
  for (int k = 0; k < 12; k++) init[k] = 50 + k;
  mp_mem m = mp_mem_new(ctx, ctx->nd_dev, init, sizeof init);
  const int64_t shape[2] = {3, 4}, strides[2] = {4, 12};
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_OK(ctx,
             I->ndbuffer_wrap(I, ctx->nd_dev, m.ptr, 2, shape, strides, mp_i4(), NULL, NULL, &a, &ctx->err));
  nd_copy_010_used_in_place(ctx, a, &m, init, "ndbuffer_wrap");
  I->ndbuffer_release(I, a);
  mp_mem_free(ctx, &m);
}

CONFORM_TEST_VARIANTS("ND-COPY-010", "dlpack@cpu,dlpack@cuda_host,dlpack@cuda", ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      nd_copy_010_dlpack_import_does_not_copy) {
  /* The same through DLPack import, the other way caller n-d memory reaches an implementation (the Python
   * adapter turns it into NDBuffer.from_ndarray_like of np/cp.from_dlpack): element strides (1, 3). */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  int32_t init[12];
  for (int k = 0; k < 12; k++) init[k] = 50 + k;
  mp_mem m = mp_mem_new(ctx, ctx->nd_dev, init, sizeof init);
  mp_tensor t;
  const int64_t shape[2] = {3, 4}, strides[2] = {1, 3};
  mp_tensor_init(&t, ctx->nd_dev, m.ptr, 0, 2, shape, strides);
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_OK(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &a, &ctx->err));
  nd_copy_010_used_in_place(ctx, a, &m, init, "ndbuffer_from_dlpack");
  I->ndbuffer_release(I, a);
  mp_mem_free(ctx, &m);
}

CONFORM_TEST_VARIANTS("ND-COPY-011", MP_KINDS, ZBUF_CAP_ND, nd_copy_011_ndbuffer_of_buffer_shares) {
  /* A 48-byte Buffer viewed as float64 (2, 3): a fill of the view changes the Buffer's bytes, and a set_slice
   * of the Buffer (element (1, 2), bytes 40..47) changes the view's elements. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_buffer);
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  const char *f8 = mp_i4()[0] == '<' ? "<f8" : ">f8";
  unsigned char pat[48], want[48], seen[48];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 11);
  const int64_t shape[2] = {2, 3};
  zbuf_impl_ndbuffer *v = NULL;
  CONFORM_OK(ctx, I->ndbuffer_from_buffer(I, b, 2, shape, f8, &v, &ctx->err));
  const double x = -1.5, y = 2.25;
  CONFORM_SETUP(ctx, I->ndbuffer_fill(I, v, &x, &ctx->err));
  for (int k = 0; k < 6; k++) memcpy(want + 8 * k, &x, sizeof x);
  conform_buffer_read(ctx, b, seen, sizeof seen);
  conform_observe_alias(ctx, "ndbuffer_from_buffer", conform_device_name(ctx->dev),
                        memcmp(want, seen, sizeof x) == 0);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  mp_buf_write(ctx, b, 40, &y, sizeof y);
  memcpy(want + 40, &y, sizeof y);
  conform_nd_read(ctx, v, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->ndbuffer_release(I, v);
  I->buffer_release(I, b);
}

/* ---- writes ---- */

/* "OP@KIND": set_item_scalar on the parent, set_item on the parent, or fill of a view of the selection. */
#define ND_COPY_012_VARIANTS                                                                            \
  "set_item_scalar@cpu,set_item_scalar@cuda_host,set_item_scalar@cuda,set_item@cpu,set_item@cuda_host," \
  "set_item@cuda,fill@cpu,fill@cuda_host,fill@cuda"

CONFORM_TEST_VARIANTS("ND-COPY-012", ND_COPY_012_VARIANTS, ZBUF_CAP_ND, nd_copy_012_writes_in_place) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  const int64_t shape[2] = {4, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *row = NULL, *tr = NULL, *sel = NULL;
  /* Existing views: row 1, and the transpose. The selection [1:3, ::2] is parent elements 4, 6, 8, 10. */
  const zbuf_index r1[1] = {ZBUF_AT(1)};
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 1, r1, &row, &ctx->err));
  CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &tr, &ctx->err));
  const zbuf_index key[2] = {ZBUF_RANGE(ZBUF_SLICE(1, 3)), ZBUF_RANGE(ZBUF_SLICE_STEP(0, 4, 2))};
  const int at[4] = {4, 6, 8, 10};
  int32_t want[16], seen[16], twant[16];
  arange(want, 16);
  if (strcmp(ctx->label, "set_item_scalar") == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
    const int32_t v = -1;
    CONFORM_OK(ctx, I->ndbuffer_set_item_scalar(I, a, 2, key, &v, &ctx->err));
    for (int k = 0; k < 4; k++) want[at[k]] = -1;
  } else if (strcmp(ctx->label, "set_item") == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_set_item);
    const int32_t vals[4] = {-100, -101, -102, -103};
    const int64_t vshape[2] = {2, 2};
    zbuf_impl_ndbuffer *value = conform_nd_from_host(ctx, ctx->nd_dev, vals, 2, vshape, mp_i4());
    CONFORM_OK(ctx, I->ndbuffer_set_item(I, a, 2, key, value, &ctx->err));
    I->ndbuffer_release(I, value);
    for (int k = 0; k < 4; k++) want[at[k]] = vals[k];
  } else {
    CONFORM_NEED_OP(ctx, ndbuffer_fill);
    CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 2, key, &sel, &ctx->err));
    const int32_t v = -1;
    CONFORM_OK(ctx, I->ndbuffer_fill(I, sel, &v, &ctx->err));
    for (int k = 0; k < 4; k++) want[at[k]] = -1;
  }
  mp_nd_read(ctx, a, seen, 16);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  mp_nd_read(ctx, row, seen, 4);
  CONFORM_ASSERT_MEM_EQ(ctx, want + 4, seen, 4 * sizeof seen[0]);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) twant[j * 4 + i] = want[i * 4 + j];
  mp_nd_read(ctx, tr, seen, 16);
  CONFORM_ASSERT_MEM_EQ(ctx, twant, seen, sizeof twant);
  if (sel) I->ndbuffer_release(I, sel);
  I->ndbuffer_release(I, tr);
  I->ndbuffer_release(I, row);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("ND-COPY-013", MP_KINDS, ZBUF_CAP_ND, nd_copy_013_overlapping_set_item) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  /* a[1:] = a[:-1], a[:-1] = a[1:], a[::-1] = a on arange(10); the result NumPy gives (value copied first).
   */
  const zbuf_slice rev = {0, 0, -1, ZBUF_SLICE_HAS_STEP};
  const struct {
    const char *text;
    zbuf_slice dst, src;
    int32_t want[10];
  } cases[] = {
      {"a[1:] = a[:-1]", ZBUF_SLICE(1, 10), ZBUF_SLICE(0, 9), {0, 0, 1, 2, 3, 4, 5, 6, 7, 8}},
      {"a[:-1] = a[1:]", ZBUF_SLICE(0, 9), ZBUF_SLICE(1, 10), {1, 2, 3, 4, 5, 6, 7, 8, 9, 9}},
      {"a[::-1] = a", rev, ZBUF_SLICE_ALL, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
  };
  const int64_t ten[1] = {10};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 1, ten), *v = NULL;
    const zbuf_index src[1] = {ZBUF_RANGE(cases[c].src)}, dst[1] = {ZBUF_RANGE(cases[c].dst)};
    CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 1, src, &v, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_set_item(I, a, 1, dst, v, &ctx->err));
    int32_t seen[10];
    mp_nd_read(ctx, a, seen, 10);
    if (memcmp(cases[c].want, seen, sizeof seen) != 0) conform_note(ctx, "case %s", cases[c].text);
    CONFORM_ASSERT_MEM_EQ(ctx, cases[c].want, seen, sizeof seen);
    I->ndbuffer_release(I, v);
    I->ndbuffer_release(I, a);
  }
}

CONFORM_TEST_VARIANTS("ND-COPY-014", MP_HOST_KINDS, ZBUF_CAP_ND, nd_copy_014_to_host_may_alias) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_host);
  const int64_t shape[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *h = NULL;
  CONFORM_OK(ctx, I->ndbuffer_to_host(I, a, &h, &ctx->err));
  CONFORM_ASSERT(ctx, conform_device_is_host(conform_nd_info(ctx, h).device));
  int32_t want[12], seen[12];
  arange(want, 12);
  mp_nd_read(ctx, h, seen, 12);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  const zbuf_index a23[2] = {ZBUF_AT(2), ZBUF_AT(3)};
  mp_nd_set(ctx, a, 2, a23, -11);
  mp_nd_read(ctx, h, seen, 12);
  int aliased = seen[11] == -11;
  conform_observe_alias(ctx, "ndbuffer_to_host", conform_device_name(ctx->nd_dev), aliased);
  if (aliased) want[11] = -11;
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->ndbuffer_release(I, h);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("ND-COPY-015", MP_KINDS, ZBUF_CAP_ND, nd_copy_015_element_pointer_never_copies) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  /* [1:3, 2:] of a 3x4 int32 array starts 1 * 16 + 2 * 4 = 24 bytes after the parent's element [0, 0]. */
  const int64_t shape[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *v = NULL;
  const zbuf_index key[2] = {ZBUF_RANGE(ZBUF_SLICE(1, 3)), ZBUF_RANGE(ZBUF_SLICE(2, 4))};
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 2, key, &v, &ctx->err));
  zbuf_impl_ndinfo pa = conform_nd_info(ctx, a), pv = conform_nd_info(ctx, v), pv2 = conform_nd_info(ctx, v);
  CONFORM_ASSERT_PTR_EQ(ctx, pv.data, pv2.data);
  CONFORM_ASSERT_PTR_EQ(ctx, (char *)pa.data + 24, pv.data);
  /* A write through the view's element pointer (element [1, 1] of the view is parent element 11). */
  int32_t x = -11;
  if (conform_device_is_host(ctx->nd_dev)) {
    memcpy((char *)pv.data + 1 * pv.strides[0] + 1 * pv.strides[1], &x, sizeof x);
  } else {
    conform_need_caps(ctx, ZBUF_CAP_WRAP);
    CONFORM_NEED_OP(ctx, buffer_wrap);
    zbuf_impl_buffer *w = NULL;
    char *p = (char *)pv.data + 1 * pv.strides[0] + 1 * pv.strides[1];
    CONFORM_SETUP(ctx, I->buffer_wrap(I, ctx->nd_dev, p, sizeof x, NULL, NULL, &w, &ctx->err));
    mp_buf_write(ctx, w, 0, &x, sizeof x);
    I->buffer_release(I, w);
  }
  int32_t want[12], seen[12];
  arange(want, 12);
  want[11] = x;
  mp_nd_read(ctx, a, seen, 12);
  conform_observe_alias(ctx, "ndbuffer_info", conform_device_name(ctx->nd_dev), seen[11] == x);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
}

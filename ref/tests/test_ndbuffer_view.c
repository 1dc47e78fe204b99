/* Unit tests for ndbuffer_view.c: reshape (view when NumPy would give one, copy otherwise), squeeze,
 * transpose and basic indexing. Expected elements come from explicit index arithmetic on the source. */
#include "internal.h"
#include "test.h"
#include "test_util.h"

#define I32 zbuf_dtype_native(ZBUF_INT32)
#define F64 zbuf_dtype_native(ZBUF_FLOAT64)
#define SENTINEL ((zbuf_ndbuffer *)(uintptr_t)0x5a5a)

static int32_t get(const zbuf_ndbuffer *a, const int64_t *index) {
  return *(const int32_t *)element_at(a, index);
}

static int32_t get2(const zbuf_ndbuffer *a, int64_t i, int64_t j) {
  int64_t idx[2] = {i, j};
  return get(a, idx);
}

static int shares_block(const zbuf_ndbuffer *a, const zbuf_ndbuffer *b) { return a->block == b->block; }

TEST(reshape_of_a_contiguous_array_is_a_view) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 6}, ns[3] = {3, 2, 2};
  zbuf_ndbuffer *a = arange_i32(2, shape), *r = NULL;
  ASSERT_OK(zbuf_ndbuffer_reshape(a, 3, ns, &r, err), err);
  ASSERT(shares_block(a, r));
  ASSERT(zbuf_ndbuffer_data(r) == zbuf_ndbuffer_data(a));
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(r)[0], 16);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(r)[1], 8);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(r)[2], 4);
  for (int64_t i = 0; i < 3; i++)
    for (int64_t j = 0; j < 2; j++)
      for (int64_t k = 0; k < 2; k++) {
        int64_t idx[3] = {i, j, k};
        ASSERT_INT_EQ(get(r, idx), 4 * i + 2 * j + k);
      }
  zbuf_ndbuffer_release(r);
  zbuf_ndbuffer_release(a);
}

TEST(reshape_infers_one_minus_one) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {12}, ns[3] = {2, -1, 3};
  zbuf_ndbuffer *a = arange_i32(1, shape), *r = NULL;
  ASSERT_OK(zbuf_ndbuffer_reshape(a, 3, ns, &r, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(r)[1], 2);
  int64_t idx[3] = {1, 1, 2};
  ASSERT_INT_EQ(get(r, idx), 6 + 3 + 2);
  zbuf_ndbuffer_release(r);
  zbuf_ndbuffer_release(a);
}

TEST(reshape_of_a_transposed_array_copies_in_c_order) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3}, flat[1] = {-1};
  zbuf_ndbuffer *a = arange_i32(2, shape), *t = NULL, *r = NULL;
  ASSERT_OK(zbuf_ndbuffer_transpose(a, 0, NULL, &t, err), err);
  ASSERT_OK(zbuf_ndbuffer_reshape(t, 1, flat, &r, err), err);
  ASSERT(!shares_block(a, r));
  ASSERT(zbuf_ndbuffer_is_contiguous(r, ZBUF_ORDER_C));
  /* t[i][j] = a[j][i] = 3j + i, read in C order of t (3 x 2). */
  const int32_t *p = zbuf_ndbuffer_data(r);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) ASSERT_INT_EQ(p[i * 2 + j], 3 * j + i);
  zbuf_ndbuffer_release(r);
  zbuf_ndbuffer_release(t);
  zbuf_ndbuffer_release(a);
}

TEST(reshape_of_a_stepped_view_is_a_view_exactly_when_numpy_gives_one) {
  zbuf_error e = {0}, *err = &e;
  /* s = arange_i32(24).reshape(8, 3)[::2]: shape (4, 3), strides (24, 4). Splitting axis 0 keeps a view;
   * merging the axes cannot (rows are 24 bytes apart, not 12), so NumPy copies. */
  int64_t shape[2] = {8, 3}, split[3] = {2, 2, 3}, merged[1] = {12}, ones[4] = {1, 4, 1, 3};
  zbuf_ndbuffer *a = arange_i32(2, shape), *s = NULL, *v = NULL, *c = NULL, *o = NULL;
  zbuf_index rows = ZBUF_RANGE(ZBUF_SLICE_STEP(0, 8, 2));
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &rows, &s, err), err);
  ASSERT_OK(zbuf_ndbuffer_reshape(s, 3, split, &v, err), err);
  ASSERT(shares_block(a, v));
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(v)[0], 48);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(v)[1], 24);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(v)[2], 4);
  int64_t idx[3] = {1, 1, 2};
  ASSERT_INT_EQ(get(v, idx), 3 * 2 * 3 + 2); /* s[3][2] = a[6][2] */
  ASSERT_OK(zbuf_ndbuffer_reshape(s, 1, merged, &c, err), err);
  ASSERT(!shares_block(a, c));
  const int32_t *p = zbuf_ndbuffer_data(c);
  for (int n = 0; n < 12; n++) ASSERT_INT_EQ(p[n], 3 * 2 * (n / 3) + n % 3);
  /* Inserting extent-1 axes never needs a copy. */
  ASSERT_OK(zbuf_ndbuffer_reshape(s, 4, ones, &o, err), err);
  ASSERT(shares_block(a, o));
  int64_t idx4[4] = {0, 2, 0, 1};
  ASSERT_INT_EQ(get(o, idx4), 12 + 1);
  zbuf_ndbuffer_release(o);
  zbuf_ndbuffer_release(c);
  zbuf_ndbuffer_release(v);
  zbuf_ndbuffer_release(s);
  zbuf_ndbuffer_release(a);
}

TEST(reshape_handles_0d_and_zero_size_arrays) {
  zbuf_error e = {0}, *err = &e;
  int32_t v = 77, out = 0;
  zbuf_ndbuffer *a = NULL, *r = NULL, *back = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 0, NULL, I32, ZBUF_ORDER_C, &v, &a, err), err);
  int64_t one[2] = {1, -1};
  ASSERT_OK(zbuf_ndbuffer_reshape(a, 2, one, &r, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(r)[1], 1);
  ASSERT_OK(zbuf_ndbuffer_reshape(r, 0, NULL, &back, err), err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(back), 0);
  ASSERT_OK(zbuf_ndbuffer_as_scalar(back, &out, sizeof out, err), err);
  ASSERT_INT_EQ(out, 77);
  zbuf_ndbuffer_release(back);
  zbuf_ndbuffer_release(r);
  zbuf_ndbuffer_release(a);

  int64_t zs[2] = {0, 3}, zr[3] = {3, 0, 5};
  zbuf_ndbuffer *z = NULL, *zv = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 2, zs, F64, ZBUF_ORDER_C, NULL, &z, err), err);
  ASSERT_OK(zbuf_ndbuffer_reshape(z, 3, zr, &zv, err), err);
  ASSERT(shares_block(z, zv));
  ASSERT_INT_EQ(zbuf_ndbuffer_size(zv), 0);
  zbuf_ndbuffer_release(zv);
  zbuf_ndbuffer_release(z);
}

TEST(reshape_rejects_mismatched_and_ambiguous_shapes) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {6};
  zbuf_ndbuffer *a = arange_i32(1, shape), *r = SENTINEL;
  int64_t wrong[2] = {4, 2}, two[2] = {-1, -1}, neg[2] = {-2, -3}, bad_infer[2] = {4, -1};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_reshape(a, 2, wrong, &r, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_reshape(a, 2, two, &r, err), err);
  ASSERT(strstr(e.message, "only one") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_reshape(a, 2, neg, &r, err), err);
  ASSERT(strstr(e.message, "shape[0] = -2") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_reshape(a, 2, bad_infer, &r, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_reshape(a, ZBUF_MAX_NDIM + 1, wrong, &r, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_reshape(NULL, 2, wrong, &r, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_reshape(a, 2, NULL, &r, err), err);
  ASSERT(r == SENTINEL);
  zbuf_ndbuffer_release(a);
  /* NumPy refuses to infer -1 next to a zero extent. */
  int64_t zs[1] = {0}, zr[2] = {-1, 0};
  zbuf_ndbuffer *z = arange_i32(1, zs);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_reshape(z, 2, zr, &r, err), err);
  ASSERT(r == SENTINEL);
  zbuf_ndbuffer_release(z);
}

TEST(reshape_copy_reports_enomem_for_each_allocation) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {3, 4}, flat[1] = {12};
  zbuf_ndbuffer *a = arange_i32(2, shape), *t = NULL;
  ASSERT_OK(zbuf_ndbuffer_transpose(a, 0, NULL, &t, err), err);
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    zbuf_ndbuffer *r = SENTINEL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_ndbuffer_reshape(t, 1, flat, &r, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      ASSERT_INT_EQ(((const int32_t *)zbuf_ndbuffer_data(r))[1], 4); /* t[0][1] = a[1][0] */
      zbuf_ndbuffer_release(r);
      break;
    }
    ASSERT_FAILED_CLEANLY(st, err, r, SENTINEL, before, k);
  }
  zbuf_ndbuffer_release(t);
  zbuf_ndbuffer_release(a);
}

TEST(squeeze_drops_all_or_the_named_size_one_axes) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[4] = {1, 3, 1, 2};
  zbuf_ndbuffer *a = arange_i32(4, shape), *all = NULL, *some = NULL;
  ASSERT_OK(zbuf_ndbuffer_squeeze(a, 0, NULL, &all, err), err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(all), 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(all)[0], 3);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(all)[1], 2);
  ASSERT_INT_EQ(get2(all, 2, 1), 5);
  int64_t axes[1] = {-2};
  ASSERT_OK(zbuf_ndbuffer_squeeze(a, 1, axes, &some, err), err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(some), 3);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(some)[0], 1);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(some)[1], 3);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(some)[2], 2);
  ASSERT(shares_block(a, some));
  zbuf_ndbuffer_release(some);
  zbuf_ndbuffer_release(all);
  zbuf_ndbuffer_release(a);
}

TEST(squeeze_rejects_bad_axes) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[3] = {1, 3, 1};
  zbuf_ndbuffer *a = arange_i32(3, shape), *r = SENTINEL;
  int64_t out_of_range[1] = {3}, too_negative[1] = {-4}, not_one[1] = {1}, repeated[2] = {0, -3};
  ASSERT_STATUS(ZBUF_ERANGE, zbuf_ndbuffer_squeeze(a, 1, out_of_range, &r, err), err);
  ASSERT(strstr(e.message, "axes[0] = 3") != NULL);
  ASSERT_STATUS(ZBUF_ERANGE, zbuf_ndbuffer_squeeze(a, 1, too_negative, &r, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_squeeze(a, 1, not_one, &r, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_squeeze(a, 2, repeated, &r, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_squeeze(NULL, 0, NULL, &r, err), err);
  ASSERT(r == SENTINEL);
  zbuf_ndbuffer_release(a);
}

TEST(transpose_reverses_or_permutes_axes_as_a_view) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[3] = {2, 3, 4};
  zbuf_ndbuffer *a = arange_i32(3, shape), *rev = NULL, *perm = NULL;
  ASSERT_OK(zbuf_ndbuffer_transpose(a, 0, NULL, &rev, err), err);
  ASSERT(shares_block(a, rev));
  ASSERT(zbuf_ndbuffer_is_contiguous(rev, ZBUF_ORDER_F));
  int64_t axes[3] = {1, -1, 0};
  ASSERT_OK(zbuf_ndbuffer_transpose(a, 3, axes, &perm, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(perm)[0], 3);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(perm)[1], 4);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(perm)[2], 2);
  for (int64_t i = 0; i < 2; i++)
    for (int64_t j = 0; j < 3; j++)
      for (int64_t k = 0; k < 4; k++) {
        int64_t ri[3] = {k, j, i}, pi[3] = {j, k, i};
        int32_t want = (int32_t)(12 * i + 4 * j + k);
        ASSERT_INT_EQ(get(rev, ri), want);
        ASSERT_INT_EQ(get(perm, pi), want);
      }
  zbuf_ndbuffer_release(perm);
  zbuf_ndbuffer_release(rev);
  zbuf_ndbuffer_release(a);
}

TEST(transpose_rejects_axes_that_are_not_a_permutation) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3};
  zbuf_ndbuffer *a = arange_i32(2, shape), *r = SENTINEL;
  int64_t short_axes[1] = {0}, repeated[2] = {1, -1}, out_of_range[2] = {0, 2};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_transpose(a, 1, short_axes, &r, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_transpose(a, 2, repeated, &r, err), err);
  ASSERT_STATUS(ZBUF_ERANGE, zbuf_ndbuffer_transpose(a, 2, out_of_range, &r, err), err);
  ASSERT(strstr(e.message, "axes[1] = 2") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_transpose(a, 0, NULL, NULL, err), err);
  ASSERT(r == SENTINEL);
  zbuf_ndbuffer_release(a);
}

TEST(get_item_with_positive_and_negative_steps) {
  zbuf_error e = {0}, *err = &e;
  /* a[i][j] = 5i + j over 4 x 5. a[3:0:-2, ::-3] selects rows 3, 1 and columns 4, 1. */
  int64_t shape[2] = {4, 5};
  zbuf_ndbuffer *a = arange_i32(2, shape), *v = NULL;
  zbuf_index idx[2] = {ZBUF_RANGE(ZBUF_SLICE_STEP(3, 0, -2)),
                       ZBUF_RANGE(((zbuf_slice){0, 0, -3, ZBUF_SLICE_HAS_STEP}))};
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 2, idx, &v, err), err);
  ASSERT(shares_block(a, v));
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(v)[0], 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(v)[1], 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(v)[0], -40);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(v)[1], -12);
  const int rows[2] = {3, 1}, cols[2] = {4, 1};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) ASSERT_INT_EQ(get2(v, i, j), 5 * rows[i] + cols[j]);
  zbuf_ndbuffer_release(v);
  zbuf_ndbuffer_release(a);
}

TEST(get_item_integers_drop_axes_and_count_from_the_end) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[3] = {2, 3, 4};
  zbuf_ndbuffer *a = arange_i32(3, shape), *v = NULL, *s = NULL;
  /* a[-1, 1:] : shape (2, 4), element [i][k] = 12 + 4(1 + i) + k. Remaining axes are taken whole. */
  zbuf_index idx[2] = {ZBUF_AT(-1), ZBUF_RANGE(((zbuf_slice){1, 0, 1, ZBUF_SLICE_HAS_START}))};
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 2, idx, &v, err), err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(v), 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(v)[0], 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(v)[1], 4);
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 4; k++) ASSERT_INT_EQ(get2(v, i, k), 12 + 4 * (1 + i) + k);
  /* All integers: a 0-d view of one element. */
  zbuf_index all[3] = {ZBUF_AT(0), ZBUF_AT(-2), ZBUF_AT(3)};
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 3, all, &s, err), err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(s), 0);
  int32_t x = 0;
  ASSERT_OK(zbuf_ndbuffer_as_scalar(s, &x, sizeof x, err), err);
  ASSERT_INT_EQ(x, 4 * 1 + 3);
  zbuf_ndbuffer_release(s);
  zbuf_ndbuffer_release(v);
  zbuf_ndbuffer_release(a);
}

TEST(get_item_clamps_slices_and_allows_empty_selections) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {5};
  zbuf_ndbuffer *a = arange_i32(1, shape), *v = NULL, *empty = NULL;
  zbuf_index wide = ZBUF_RANGE(ZBUF_SLICE(-100, 100));
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &wide, &v, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(v)[0], 5);
  zbuf_index past = ZBUF_RANGE(ZBUF_SLICE(7, 9));
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &past, &empty, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_size(empty), 0);
  ASSERT_OK(zbuf_ndbuffer_to_bytes(empty, NULL, 0, err), err);
  zbuf_ndbuffer_release(empty);
  zbuf_ndbuffer_release(v);
  zbuf_ndbuffer_release(a);
}

TEST(get_item_rejects_bad_indices) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3};
  zbuf_ndbuffer *a = arange_i32(2, shape), *v = SENTINEL;
  zbuf_index three[3] = {ZBUF_AT(0), ZBUF_AT(0), ZBUF_AT(0)};
  ASSERT_STATUS(ZBUF_ERANGE, zbuf_ndbuffer_get_item(a, 3, three, &v, err), err);
  zbuf_index out_of_range[2] = {ZBUF_AT(0), ZBUF_AT(3)};
  ASSERT_STATUS(ZBUF_ERANGE, zbuf_ndbuffer_get_item(a, 2, out_of_range, &v, err), err);
  ASSERT(strstr(e.message, "idx[1] = 3") != NULL);
  zbuf_index too_negative = ZBUF_AT(-3);
  ASSERT_STATUS(ZBUF_ERANGE, zbuf_ndbuffer_get_item(a, 1, &too_negative, &v, err), err);
  zbuf_index step0 = ZBUF_RANGE(ZBUF_SLICE_STEP(0, 2, 0));
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_get_item(a, 1, &step0, &v, err), err);
  ASSERT(strstr(e.message, "step") != NULL);
  zbuf_index bad_kind = {(int)7, 0, ZBUF_SLICE_ALL};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_get_item(a, 1, &bad_kind, &v, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_get_item(a, 1, NULL, &v, err), err);
  ASSERT(v == SENTINEL);
  zbuf_ndbuffer_release(a);
}

TEST(views_keep_memory_alive_after_the_parent_is_released) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {3, 4};
  zbuf_ndbuffer *a = arange_i32(2, shape), *col = NULL, *t = NULL, *sq = NULL;
  zbuf_index idx[2] = {ZBUF_RANGE(ZBUF_SLICE_ALL), ZBUF_RANGE(ZBUF_SLICE(2, 3))};
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 2, idx, &col, err), err);
  zbuf_ndbuffer_release(a);
  ASSERT_OK(zbuf_ndbuffer_transpose(col, 0, NULL, &t, err), err);
  zbuf_ndbuffer_release(col);
  ASSERT_OK(zbuf_ndbuffer_squeeze(t, 0, NULL, &sq, err), err);
  zbuf_ndbuffer_release(t);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 1);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 1);
  int32_t out[3];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(sq, out, sizeof out, err), err);
  for (int i = 0; i < 3; i++) ASSERT_INT_EQ(out[i], 4 * i + 2);
  zbuf_ndbuffer_release(sq);
}

TEST(view_operations_report_enomem_and_leak_nothing) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3}, ns[1] = {6};
  zbuf_ndbuffer *a = arange_i32(2, shape);
  zbuf_index idx = ZBUF_AT(1);
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int op = 0; op < 4; op++) {
    zbuf_ndbuffer *v = SENTINEL;
    zbuf_testing_fail_allocation(1, ZBUF_ALLOC_ANY);
    zbuf_status st = op == 0   ? zbuf_ndbuffer_reshape(a, 1, ns, &v, err)
                     : op == 1 ? zbuf_ndbuffer_squeeze(a, 0, NULL, &v, err)
                     : op == 2 ? zbuf_ndbuffer_transpose(a, 0, NULL, &v, err)
                               : zbuf_ndbuffer_get_item(a, 1, &idx, &v, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    ASSERT_STATUS(ZBUF_ENOMEM, st, err);
    ASSERT(v == SENTINEL);
    zbuf_alloc_stats now = zbuf_alloc_stats_get();
    ASSERT(now.blocks == before.blocks && now.handles == before.handles);
  }
  zbuf_ndbuffer_release(a);
}

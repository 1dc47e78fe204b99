/* Unit tests for ndbuffer_write.c: set_item (broadcasting, casting, overlap), set_item_scalar, fill and the
 * two all_equal forms. Expected arrays are built here element by element from the NumPy rules. */
#include <math.h>

#include "internal.h"
#include "test.h"
#include "test_util.h"

#define I32 zbuf_dtype_native(ZBUF_INT32)
#define F32 zbuf_dtype_native(ZBUF_FLOAT32)
#define F64 zbuf_dtype_native(ZBUF_FLOAT64)

static const int32_t *i32(const zbuf_ndbuffer *a) { return zbuf_ndbuffer_data(a); }

TEST(set_item_writes_a_same_shaped_value_with_a_cast) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {3, 4}, vshape[2] = {2, 2};
  zbuf_ndbuffer *a = arange_i32(2, shape);
  double vals[4] = {-1.5, -2.5, -3.5, 9.99};
  zbuf_ndbuffer *v = host_array(vals, 2, vshape, F64);
  /* a[1:3, ::3] = v : rows 1, 2; columns 0, 3; float64 -> int32 truncates toward zero. */
  zbuf_index idx[2] = {ZBUF_RANGE(ZBUF_SLICE(1, 3)),
                       ZBUF_RANGE(((zbuf_slice){0, 0, 3, ZBUF_SLICE_HAS_STEP}))};
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 2, idx, v, err), err);
  int32_t want[12];
  for (int n = 0; n < 12; n++) want[n] = n;
  want[1 * 4 + 0] = -1;
  want[1 * 4 + 3] = -2;
  want[2 * 4 + 0] = -3;
  want[2 * 4 + 3] = 9;
  ASSERT_MEM_EQ(i32(a), want, sizeof want);
  zbuf_ndbuffer_release(v);
  zbuf_ndbuffer_release(a);
}

TEST(set_item_broadcasts_size_one_and_missing_leading_axes) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[3] = {2, 3, 4};
  zbuf_ndbuffer *a = arange_i32(3, shape);
  /* value of shape (3, 1): broadcast over axis 0 (missing) and axis 2 (extent 1). */
  int32_t col[3] = {100, 200, 300};
  int64_t cshape[2] = {3, 1};
  zbuf_ndbuffer *v = host_array(col, 2, cshape, I32);
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 0, NULL, v, err), err);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++) ASSERT_INT_EQ(i32(a)[12 * i + 4 * j + k], 100 * (j + 1));
  /* Extra leading axes of extent 1 are allowed too (NumPy strips them): (1, 1, 4) into a[1, 2]. */
  int32_t row[4] = {7, 8, 9, 10};
  int64_t rshape[3] = {1, 1, 4};
  zbuf_ndbuffer *r = host_array(row, 3, rshape, I32);
  zbuf_index at12[2] = {ZBUF_AT(1), ZBUF_AT(2)};
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 2, at12, r, err), err);
  for (int k = 0; k < 4; k++) ASSERT_INT_EQ(i32(a)[12 + 8 + k], 7 + k);
  ASSERT_INT_EQ(i32(a)[12 + 4], 200);
  zbuf_ndbuffer_release(r);
  zbuf_ndbuffer_release(v);
  zbuf_ndbuffer_release(a);
}

TEST(set_item_into_a_negative_step_selection) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {6}, vshape[1] = {3};
  zbuf_ndbuffer *a = arange_i32(1, shape);
  int32_t vals[3] = {-10, -20, -30};
  zbuf_ndbuffer *v = host_array(vals, 1, vshape, I32);
  /* a[::-2] selects 5, 3, 1. */
  zbuf_index idx = ZBUF_RANGE(((zbuf_slice){0, 0, -2, ZBUF_SLICE_HAS_STEP}));
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 1, &idx, v, err), err);
  const int32_t want[6] = {0, -30, 2, -20, 4, -10};
  ASSERT_MEM_EQ(i32(a), want, sizeof want);
  zbuf_ndbuffer_release(v);
  zbuf_ndbuffer_release(a);
}

TEST(set_item_with_an_overlapping_value_reads_it_before_writing) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {8};
  zbuf_ndbuffer *a = arange_i32(1, shape), *head = NULL, *rev = NULL;
  /* a[1:] = a[:-1]: an element-by-element forward copy would smear a[0] everywhere. */
  zbuf_index h = ZBUF_RANGE(ZBUF_SLICE(0, -1)), t = ZBUF_RANGE(((zbuf_slice){1, 0, 1, ZBUF_SLICE_HAS_START}));
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &h, &head, err), err);
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 1, &t, head, err), err);
  const int32_t shifted[8] = {0, 0, 1, 2, 3, 4, 5, 6};
  ASSERT_MEM_EQ(i32(a), shifted, sizeof shifted);
  /* a[:] = a[::-1] reverses in place. */
  zbuf_index all = ZBUF_RANGE(((zbuf_slice){0, 0, -1, ZBUF_SLICE_HAS_STEP}));
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &all, &rev, err), err);
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 0, NULL, rev, err), err);
  const int32_t reversed[8] = {6, 5, 4, 3, 2, 1, 0, 0};
  ASSERT_MEM_EQ(i32(a), reversed, sizeof reversed);
  zbuf_ndbuffer_release(rev);
  zbuf_ndbuffer_release(head);
  zbuf_ndbuffer_release(a);
}

TEST(set_item_overlap_copy_reports_enomem_and_leaves_dst_unchanged) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {6};
  zbuf_ndbuffer *a = arange_i32(1, shape), *head = NULL;
  zbuf_index h = ZBUF_RANGE(ZBUF_SLICE(0, 3)), t = ZBUF_RANGE(ZBUF_SLICE(3, 6));
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &h, &head, err), err);
  /* head and a share a block but not bytes: no copy, no allocation. Use a truly overlapping value. */
  zbuf_ndbuffer *mid = NULL;
  zbuf_index m = ZBUF_RANGE(ZBUF_SLICE(1, 4));
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &m, &mid, err), err);
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_ndbuffer_set_item(a, 1, &h, mid, err); /* a[0:3] = a[1:4] */
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      ASSERT(k > 1);
      break;
    }
    ASSERT_STATUS(ZBUF_ENOMEM, st, err);
    for (int n = 0; n < 6; n++) ASSERT_INT_EQ(i32(a)[n], n);
    ASSERT(stats_equal(zbuf_alloc_stats_get(), before));
    ASSERT(k < 50);
  }
  const int32_t want[6] = {1, 2, 3, 3, 4, 5};
  ASSERT_MEM_EQ(i32(a), want, sizeof want);
  /* Disjoint views of one block need no copy. */
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_ANY);
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 1, &t, head, err), err);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
  const int32_t want2[6] = {1, 2, 3, 1, 2, 3};
  ASSERT_MEM_EQ(i32(a), want2, sizeof want2);
  zbuf_ndbuffer_release(mid);
  zbuf_ndbuffer_release(head);
  zbuf_ndbuffer_release(a);
}

TEST(set_item_rejects_values_that_do_not_broadcast_and_leaves_dst_unchanged) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3}, bad[1] = {2}, lead[2] = {2, 3}, sel3[1] = {3};
  zbuf_ndbuffer *a = arange_i32(2, shape);
  int32_t vals[6] = {9, 9, 9, 9, 9, 9};
  zbuf_ndbuffer *v = host_array(vals, 1, bad, I32), *w = host_array(vals, 2, lead, I32),
                *x = host_array(vals, 1, sel3, I32);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_set_item(a, 0, NULL, v, err), err);
  ASSERT(strstr(e.message, "value.shape[0] = 2") != NULL);
  zbuf_index row = ZBUF_AT(0);
  /* (2, 3) into a[0] of shape (3,): the extra leading axis has extent 2, not 1. */
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_set_item(a, 1, &row, w, err), err);
  zbuf_index idx3[3] = {ZBUF_AT(0), ZBUF_AT(0), ZBUF_AT(0)};
  ASSERT_STATUS(ZBUF_ERANGE, zbuf_ndbuffer_set_item(a, 3, idx3, x, err), err);
  zbuf_index step0 = ZBUF_RANGE(ZBUF_SLICE_STEP(0, 2, 0));
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_set_item(a, 1, &step0, x, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_set_item(a, 0, NULL, NULL, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_set_item(NULL, 0, NULL, x, err), err);
  /* An empty selection still checks the shapes, as NumPy does. */
  zbuf_index none = ZBUF_RANGE(ZBUF_SLICE(1, 1));
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_set_item(a, 1, &none, w, err), err);
  for (int n = 0; n < 6; n++) ASSERT_INT_EQ(i32(a)[n], n);
  zbuf_ndbuffer_release(x);
  zbuf_ndbuffer_release(w);
  zbuf_ndbuffer_release(v);
  zbuf_ndbuffer_release(a);
}

TEST(set_item_scalar_fills_the_selection_only) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {3, 3};
  zbuf_ndbuffer *a = arange_i32(2, shape);
  int32_t v = -7;
  /* a[::2, -1] = -7 : elements [0][2] and [2][2]. */
  zbuf_index idx[2] = {ZBUF_RANGE(((zbuf_slice){0, 0, 2, ZBUF_SLICE_HAS_STEP})), ZBUF_AT(-1)};
  ASSERT_OK(zbuf_ndbuffer_set_item_scalar(a, 2, idx, &v, err), err);
  const int32_t want[9] = {0, 1, -7, 3, 4, 5, 6, 7, -7};
  ASSERT_MEM_EQ(i32(a), want, sizeof want);
  zbuf_index bad = ZBUF_AT(3);
  ASSERT_STATUS(ZBUF_ERANGE, zbuf_ndbuffer_set_item_scalar(a, 1, &bad, &v, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_set_item_scalar(a, 2, idx, NULL, err), err);
  zbuf_index step0 = ZBUF_RANGE(ZBUF_SLICE_STEP(0, 1, 0));
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_set_item_scalar(a, 1, &step0, &v, err), err);
  ASSERT_MEM_EQ(i32(a), want, sizeof want);
  zbuf_ndbuffer_release(a);
}

TEST(fill_sets_every_element_of_a_strided_view) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 4};
  zbuf_ndbuffer *a = arange_i32(2, shape), *cols = NULL;
  zbuf_index idx[2] = {ZBUF_RANGE(ZBUF_SLICE_ALL), ZBUF_RANGE(ZBUF_SLICE_STEP(1, 4, 2))};
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 2, idx, &cols, err), err);
  int32_t v = 50;
  ASSERT_OK(zbuf_ndbuffer_fill(cols, &v, err), err);
  const int32_t want[8] = {0, 50, 2, 50, 4, 50, 6, 50};
  ASSERT_MEM_EQ(i32(a), want, sizeof want);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_fill(a, NULL, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_fill(NULL, &v, err), err);
  ASSERT_MEM_EQ(i32(a), want, sizeof want);
  zbuf_ndbuffer_release(cols);
  zbuf_ndbuffer_release(a);
}

TEST(all_equal_scalar_of_none_is_false_and_of_empty_is_true) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {3}, zero[1] = {0};
  zbuf_ndbuffer *a = NULL, *z = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, zero, F64, ZBUF_ORDER_C, NULL, &z, err), err);
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, NULL, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  double v = 12.0;
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(z, &v, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_all_equal_scalar(NULL, &v, 0, &eq, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_all_equal_scalar(a, &v, 0, NULL, err), err);
  zbuf_ndbuffer_release(z);
  zbuf_ndbuffer_release(a);
}

TEST(all_equal_scalar_compares_values_of_a_strided_view) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {6};
  int32_t src[6] = {5, 1, 5, 2, 5, 3};
  zbuf_ndbuffer *a = host_array(src, 1, shape, I32), *even = NULL;
  zbuf_index idx = ZBUF_RANGE(((zbuf_slice){0, 0, 2, ZBUF_SLICE_HAS_STEP}));
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &idx, &even, err), err);
  int32_t five = 5;
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(even, &five, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, &five, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  zbuf_ndbuffer_release(even);
  zbuf_ndbuffer_release(a);
}

TEST(all_equal_scalar_tells_negative_from_positive_zero) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {2};
  double pz = 0.0, nz = -0.0;
  float fnz = -0.0f, fpz = 0.0f;
  zbuf_ndbuffer *a = NULL, *f = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F64, ZBUF_ORDER_C, &nz, &a, err), err);
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, &pz, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, &nz, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F32, ZBUF_ORDER_C, &fpz, &f, err), err);
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(f, &fnz, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  zbuf_ndbuffer_release(f);
  zbuf_ndbuffer_release(a);
  /* float16: -0.0 is 0x8000. */
  zbuf_ndbuffer *h = NULL;
  uint16_t hnz = 0x8000, hpz = 0;
  ASSERT_OK(
      zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, zbuf_dtype_native(ZBUF_FLOAT16), ZBUF_ORDER_C, &hnz, &h, err),
      err);
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(h, &hpz, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(h, &hnz, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_ndbuffer_release(h);
}

TEST(all_equal_scalar_of_complex_zero_compares_numerically) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {2};
  double nz[2] = {-0.0, 0.0}, pz[2] = {0.0, 0.0};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(
      zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, zbuf_dtype_native(ZBUF_COMPLEX128), ZBUF_ORDER_C, nz, &a, err),
      err);
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, pz, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_ndbuffer_release(a);
}

TEST(all_equal_scalar_nan_needs_equal_nan) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 2};
  double nan = NAN, one = 1.0;
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 2, shape, F64, ZBUF_ORDER_F, &nan, &a, err), err);
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, &nan, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, &nan, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, &one, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  zbuf_ndbuffer_release(a);
}

TEST(all_equal_broadcasts_and_casts_b_to_a) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3}, bshape[1] = {3};
  int32_t src[6] = {1, 2, 3, 1, 2, 3};
  double row[3] = {1.0, 2.0, 3.0}, other[3] = {1.0, 2.0, 4.0};
  zbuf_ndbuffer *a = host_array(src, 2, shape, I32), *b = host_array(row, 1, bshape, F64),
                *c = host_array(other, 1, bshape, F64);
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, b, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, c, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  /* Against itself transposed twice: same elements through other strides. */
  zbuf_ndbuffer *t = NULL, *tt = NULL;
  ASSERT_OK(zbuf_ndbuffer_transpose(a, 0, NULL, &t, err), err);
  ASSERT_OK(zbuf_ndbuffer_copy(t, &tt, err), err);
  zbuf_ndbuffer *back = NULL;
  ASSERT_OK(zbuf_ndbuffer_transpose(tt, 0, NULL, &back, err), err);
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, back, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_ndbuffer_release(back);
  zbuf_ndbuffer_release(tt);
  zbuf_ndbuffer_release(t);
  zbuf_ndbuffer_release(c);
  zbuf_ndbuffer_release(b);
  zbuf_ndbuffer_release(a);
}

TEST(all_equal_nan_and_shape_errors) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {2}, wrong[1] = {3}, zero[1] = {0};
  double x[3] = {NAN, 1.0, 2.0};
  zbuf_ndbuffer *a = host_array(x, 1, shape, F64), *b = host_array(x, 1, shape, F64),
                *w = host_array(x, 1, wrong, F64), *z = host_array(NULL, 1, zero, F64);
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, b, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, b, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  eq = -1;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_all_equal(a, w, 1, &eq, err), err);
  ASSERT(strstr(e.message, "b.shape[0] = 3") != NULL);
  ASSERT_INT_EQ(eq, -1);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_all_equal(a, NULL, 1, &eq, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_all_equal(NULL, a, 1, &eq, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_all_equal(a, b, 1, NULL, err), err);
  /* Empty arrays are equal; b of extent 0 does not broadcast to extent 2. */
  ASSERT_OK(zbuf_ndbuffer_all_equal(z, z, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_all_equal(a, z, 1, &eq, err), err);
  zbuf_ndbuffer_release(z);
  zbuf_ndbuffer_release(w);
  zbuf_ndbuffer_release(b);
  zbuf_ndbuffer_release(a);
}

TEST(all_equal_cast_reports_enomem_and_leaks_nothing) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {3};
  int32_t ai[3] = {4, 4, 4};
  float bf[3] = {4.0f, 4.0f, 4.0f};
  zbuf_ndbuffer *a = host_array(ai, 1, shape, I32), *b = host_array(bf, 1, shape, F32);
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    int eq = -1;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_ndbuffer_all_equal(a, b, 0, &eq, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      ASSERT(k > 1);
      ASSERT_INT_EQ(eq, 1);
      break;
    }
    ASSERT_FAILED_CLEANLY(st, err, eq, -1, before, k);
  }
  zbuf_ndbuffer_release(b);
  zbuf_ndbuffer_release(a);
}

TEST(set_item_on_0d_arrays) {
  zbuf_error e = {0}, *err = &e;
  int32_t v = 3, w = 0;
  zbuf_ndbuffer *a = NULL, *s = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 0, NULL, I32, ZBUF_ORDER_C, &v, &a, err), err);
  double d = 8.75;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 0, NULL, F64, ZBUF_ORDER_C, &d, &s, err), err);
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 0, NULL, s, err), err);
  ASSERT_OK(zbuf_ndbuffer_as_scalar(a, &w, sizeof w, err), err);
  ASSERT_INT_EQ(w, 8);
  int eq = -1;
  int32_t eight = 8;
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(a, &eight, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_ndbuffer_release(s);
  zbuf_ndbuffer_release(a);
}

TEST(writes_and_comparisons_work_in_pinned_and_device_memory) {
  zbuf_error e = {0}, *err = &e;
  zbuf_device spaces[2] = {{ZBUF_DEVICE_CUDA_HOST, 0}, {ZBUF_DEVICE_CUDA, 0}};
  int ran = 0;
  for (int s = 0; s < 2; s++) {
    if (zbuf_device_check(spaces[s], NULL) != ZBUF_OK) continue;
    ran = 1;
    int64_t shape[2] = {3, 4};
    int32_t zero = 0, nine = 9;
    zbuf_ndbuffer *a = NULL, *h = NULL, *src = arange_i32(2, shape), *col = NULL;
    ASSERT_OK(zbuf_ndbuffer_create(spaces[s], 2, shape, I32, ZBUF_ORDER_C, &zero, &a, err), err);
    /* a[:, 1] = 9, then a[::2] = src[::2] (a host value into the other space). */
    zbuf_index c1[2] = {ZBUF_RANGE(ZBUF_SLICE_ALL), ZBUF_AT(1)};
    ASSERT_OK(zbuf_ndbuffer_set_item_scalar(a, 2, c1, &nine, err), err);
    zbuf_index even = ZBUF_RANGE(((zbuf_slice){0, 0, 2, ZBUF_SLICE_HAS_STEP}));
    zbuf_ndbuffer *src_even = NULL;
    ASSERT_OK(zbuf_ndbuffer_get_item(src, 1, &even, &src_even, err), err);
    ASSERT_OK(zbuf_ndbuffer_set_item(a, 1, &even, src_even, err), err);
    ASSERT_OK(zbuf_ndbuffer_to_host(a, &h, err), err);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 4; j++) ASSERT_INT_EQ(i32(h)[4 * i + j], i % 2 == 0 ? 4 * i + j : (j == 1 ? 9 : 0));
    ASSERT_OK(zbuf_ndbuffer_get_item(a, 2, c1, &col, err), err);
    int eq = -1;
    ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(col, &nine, 0, &eq, err), err);
    ASSERT_INT_EQ(eq, 0); /* rows 0 and 2 now hold 1 and 9 */
    zbuf_index mid[2] = {ZBUF_AT(1), ZBUF_AT(1)};
    zbuf_ndbuffer *one = NULL;
    ASSERT_OK(zbuf_ndbuffer_get_item(a, 2, mid, &one, err), err);
    ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(one, &nine, 0, &eq, err), err);
    ASSERT_INT_EQ(eq, 1);
    ASSERT_OK(zbuf_ndbuffer_all_equal(h, a, 0, &eq, err), err);
    ASSERT_INT_EQ(eq, 1);
    zbuf_ndbuffer_release(one);
    zbuf_ndbuffer_release(col);
    zbuf_ndbuffer_release(src_even);
    zbuf_ndbuffer_release(h);
    zbuf_ndbuffer_release(src);
    zbuf_ndbuffer_release(a);
  }
  if (!ran) SKIP("no pinned or CUDA memory in this build or on this machine");
}

TEST(all_equal_with_an_array_of_float_zeros_compares_bit_patterns) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {2};
  double mixed[2] = {0.0, -0.0}, pos[2] = {0.0, 0.0}, neg[2] = {-0.0, -0.0};
  int32_t izero[2] = {0, 0};
  zbuf_ndbuffer *a = host_array(mixed, 1, shape, F64), *p = host_array(pos, 1, shape, F64);
  zbuf_ndbuffer *n = host_array(neg, 1, shape, F64), *iz = host_array(izero, 1, shape, I32);
  int eq = -1;
  /* [+0, -0] against [+0, +0]: a float array of zeros compares by bits, so -0.0 differs (contract ND-SEM-017). */
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, p, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_ndbuffer_all_equal(n, n, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_ndbuffer_all_equal(n, p, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  /* Integer zeros are not float zeros: the values compare, and -0.0 == 0. */
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, iz, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_ndbuffer_release(a);
  zbuf_ndbuffer_release(p);
  zbuf_ndbuffer_release(n);
  zbuf_ndbuffer_release(iz);
}

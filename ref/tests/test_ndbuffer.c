/* Unit tests for ndbuffer.c: creating and wrapping NDBuffers, viewing buffers as NDBuffers, their accessors
 * and reference counts (conversions: test_ndbuffer_convert.c). Expected element values are computed here by
 * explicit index arithmetic, never read back from zbuf. */
#include <math.h>
#include <stdatomic.h>

#include "internal.h"
#include "test.h"
#include "test_util.h"

#define I16 zbuf_dtype_native(ZBUF_INT16)
#define I32 zbuf_dtype_native(ZBUF_INT32)
#define F64 zbuf_dtype_native(ZBUF_FLOAT64)

/* A handle value that no call may write on failure. */
#define SENTINEL ((zbuf_ndbuffer *)(uintptr_t)0x5a5a)

TEST(create_c_order_fills_every_element_and_has_c_strides) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3};
  int32_t seven = 7;
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 2, shape, I32, ZBUF_ORDER_C, &seven, &a, err), err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(a), 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(a)[0], 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(a)[1], 3);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[0], 12);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[1], 4);
  ASSERT_INT_EQ(zbuf_ndbuffer_size(a), 6);
  ASSERT(zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_C));
  ASSERT(!zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_F));
  ASSERT(zbuf_device_equal(zbuf_ndbuffer_device(a), ZBUF_CPU));
  ASSERT(zbuf_dtype_equal(zbuf_ndbuffer_dtype(a), I32));
  const int32_t *p = zbuf_ndbuffer_data(a);
  for (int i = 0; i < 6; i++) ASSERT_INT_EQ(p[i], 7);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.handles, 1);
  ASSERT_INT_EQ(s.blocks, 1);
  ASSERT_INT_EQ(s.bytes, 24);
  zbuf_ndbuffer_release(a);
}

TEST(create_f_order_has_f_strides) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[3] = {2, 3, 4};
  double v = 1.5;
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 3, shape, F64, ZBUF_ORDER_F, &v, &a, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[0], 8);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[1], 16);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[2], 48);
  ASSERT(zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_F));
  ASSERT(!zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_C));
  for (int64_t i = 0; i < 2; i++)
    for (int64_t j = 0; j < 3; j++)
      for (int64_t k = 0; k < 4; k++) {
        int64_t idx[3] = {i, j, k};
        ASSERT(*(const double *)element_at(a, idx) == 1.5);
      }
  zbuf_ndbuffer_release(a);
}

TEST(create_without_fill_value_is_zero_in_every_kind) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {5};
  for (int k = 0; k < ZBUF_DTYPE_KIND_COUNT; k++) {
    zbuf_dtype dt = zbuf_dtype_native((zbuf_dtype_kind)k);
    zbuf_ndbuffer *a = NULL;
    ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, dt, ZBUF_ORDER_C, NULL, &a, err), err);
    const unsigned char *p = zbuf_ndbuffer_data(a);
    for (size_t b = 0; b < 5 * zbuf_dtype_itemsize(dt); b++) ASSERT_INT_EQ(p[b], 0);
    zbuf_ndbuffer_release(a);
  }
}

TEST(create_0d_holds_one_element) {
  zbuf_error e = {0}, *err = &e;
  double v = -2.25, out = 0;
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 0, NULL, F64, ZBUF_ORDER_C, &v, &a, err), err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(a), 0);
  ASSERT_INT_EQ(zbuf_ndbuffer_size(a), 1);
  ASSERT(zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_C) && zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_F));
  ASSERT_OK(zbuf_ndbuffer_as_scalar(a, &out, sizeof out, err), err);
  ASSERT(out == -2.25);
  zbuf_ndbuffer_release(a);
}

TEST(create_zero_size_shape_allocates_no_bytes) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {3, 0};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 2, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_size(a), 0);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().bytes, 0);
  ASSERT(zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_C) && zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_F));
  ASSERT_OK(zbuf_ndbuffer_to_bytes(a, NULL, 0, err), err);
  zbuf_ndbuffer *c = NULL;
  ASSERT_OK(zbuf_ndbuffer_copy(a, &c, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(c)[0], 3);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(c)[1], 0);
  zbuf_ndbuffer_release(c);
  zbuf_ndbuffer_release(a);
}

TEST(create_rejects_a_negative_extent_naming_it) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[3] = {2, 4, -3};
  zbuf_ndbuffer *a = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_create(ZBUF_CPU, 3, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT(strstr(e.message, "shape[2] = -3 must be >= 0") != NULL);
  ASSERT(a == SENTINEL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_empty(ZBUF_CPU, 3, shape, F64, ZBUF_ORDER_C, &a, err), err);
  ASSERT(a == SENTINEL);
}

TEST(create_rejects_too_many_dimensions) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[ZBUF_MAX_NDIM + 1];
  for (int i = 0; i <= ZBUF_MAX_NDIM; i++) shape[i] = 1;
  zbuf_ndbuffer *a = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL,
                zbuf_ndbuffer_create(ZBUF_CPU, ZBUF_MAX_NDIM + 1, shape, F64, ZBUF_ORDER_C, NULL, &a, err),
                err);
  ASSERT(strstr(e.message, "ndim") != NULL);
  ASSERT(a == SENTINEL);
  /* Exactly the limit is fine. */
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, ZBUF_MAX_NDIM, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_size(a), 1);
  zbuf_ndbuffer_release(a);
}

TEST(create_rejects_a_byte_size_beyond_int64) {
  zbuf_error e = {0}, *err = &e;
  zbuf_ndbuffer *a = SENTINEL;
  int64_t big[2] = {INT64_MAX / 8, 2};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_create(ZBUF_CPU, 2, big, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  /* As NumPy: an extent of zero does not make an impossible product of the others valid. */
  int64_t zero_big[3] = {0, INT64_C(1) << 40, INT64_C(1) << 40};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_create(ZBUF_CPU, 3, zero_big, F64, ZBUF_ORDER_C, NULL, &a, err),
                err);
  ASSERT(a == SENTINEL);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 0);
}

TEST(create_rejects_invalid_dtype_order_and_pointers) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {2};
  zbuf_ndbuffer *a = SENTINEL;
  zbuf_dtype bad = {(zbuf_dtype_kind)99, ZBUF_NATIVE};
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, bad, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F64, (zbuf_order)7, NULL, &a, err),
                err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_create(ZBUF_CPU, 1, NULL, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F64, ZBUF_ORDER_C, NULL, NULL, err),
                err);
  zbuf_device unknown = {(zbuf_device_type)99, 0};
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_ndbuffer_create(unknown, 1, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT(a == SENTINEL);
}

TEST(create_reports_enomem_for_each_allocation_and_leaks_nothing) {
  int64_t shape[2] = {3, 4};
  double v = 3.0;
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    zbuf_error e = {0}, *err = &e;
    zbuf_ndbuffer *a = SENTINEL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_ndbuffer_create(ZBUF_CPU, 2, shape, F64, ZBUF_ORDER_C, &v, &a, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      ASSERT(k > 1);
      zbuf_ndbuffer_release(a);
      break;
    }
    ASSERT_FAILED_CLEANLY(st, err, a, SENTINEL, before, k);
  }
}

TEST(empty_has_the_requested_shape_and_dtype) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {4, 2};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_empty(ZBUF_CPU, 2, shape, I16, ZBUF_ORDER_F, &a, err), err);
  ASSERT(zbuf_dtype_equal(zbuf_ndbuffer_dtype(a), I16));
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[0], 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[1], 8);
  ASSERT(zbuf_ndbuffer_data(a) != NULL);
  zbuf_ndbuffer_release(a);
}

TEST(from_host_copies_a_strided_view_into_c_order) {
  zbuf_error e = {0}, *err = &e;
  /* Host memory: a 4x6 int16 grid with value 100*r + c; the source is rows 1 and 3, columns 0, 2, 4. */
  int16_t grid[4][6];
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 6; c++) grid[r][c] = (int16_t)(100 * r + c);
  int64_t shape[2] = {2, 3}, strides[2] = {2 * 6 * 2, 2 * 2};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, &grid[1][0], 2, shape, strides, I16, &a, err), err);
  ASSERT(zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_C));
  const int16_t *p = zbuf_ndbuffer_data(a);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) ASSERT_INT_EQ(p[i * 3 + j], 100 * (1 + 2 * i) + 2 * j);
  /* It is a copy: later changes to the host memory are not seen. */
  grid[1][0] = -1;
  ASSERT_INT_EQ(p[0], 100);
  zbuf_ndbuffer_release(a);
}

TEST(from_host_follows_negative_strides) {
  zbuf_error e = {0}, *err = &e;
  double src[6] = {0, 1, 2, 3, 4, 5};
  /* Element [0,0] is the last one; both axes run backwards: a[i][j] = src[5 - 3i - j]. */
  int64_t shape[2] = {2, 3}, strides[2] = {-24, -8};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, &src[5], 2, shape, strides, F64, &a, err), err);
  double out[6];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(a, out, sizeof out, err), err);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) ASSERT(out[i * 3 + j] == (double)(5 - 3 * i - j));
  zbuf_ndbuffer_release(a);
}

TEST(from_host_rejects_null_data_and_bad_shapes) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {3}, neg[1] = {-1};
  double d[3] = {0};
  zbuf_ndbuffer *a = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_host(ZBUF_CPU, NULL, 1, shape, NULL, F64, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_host(ZBUF_CPU, d, 1, neg, NULL, F64, &a, err), err);
  ASSERT(strstr(e.message, "shape[0] = -1") != NULL);
  zbuf_dtype bad = {ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE};
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_ndbuffer_from_host(ZBUF_CPU, d, 1, shape, NULL, bad, &a, err), err);
  int64_t huge_stride[1] = {INT64_MAX / 2};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_host(ZBUF_CPU, d, 1, shape, huge_stride, F64, &a, err), err);
  ASSERT(a == SENTINEL);
  /* No elements: no data needed. */
  int64_t empty[1] = {0};
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, NULL, 1, empty, NULL, F64, &a, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_size(a), 0);
  zbuf_ndbuffer_release(a);
}

TEST(from_host_reports_enomem_for_each_allocation) {
  int64_t shape[2] = {2, 2}, strides[2] = {8, 16};
  int32_t d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    zbuf_ndbuffer *a = SENTINEL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_ndbuffer_from_host(ZBUF_CPU, d, 2, shape, strides, I32, &a, NULL);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      const int32_t *p = zbuf_ndbuffer_data(a);
      /* a[i][j] = d[2i + 4j] */
      ASSERT_INT_EQ(p[0], 1);
      ASSERT_INT_EQ(p[1], 5);
      ASSERT_INT_EQ(p[2], 3);
      ASSERT_INT_EQ(p[3], 7);
      zbuf_ndbuffer_release(a);
      break;
    }
    ASSERT_FAILED_CLEANLY(st, (zbuf_error *)NULL, a, SENTINEL, before, k);
  }
}

TEST(wrap_shares_memory_and_releases_once_after_the_last_view) {
  zbuf_error e = {0}, *err = &e;
  double mem[6] = {0, 1, 2, 3, 4, 5};
  release_log log = {0};
  int64_t shape[2] = {2, 3};
  zbuf_ndbuffer *a = NULL, *row = NULL;
  ASSERT_OK(zbuf_ndbuffer_wrap(ZBUF_CPU, mem, 2, shape, NULL, F64, record_release, &log, &a, err), err);
  ASSERT(zbuf_ndbuffer_data(a) == (void *)mem);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[0], 24);
  mem[4] = 40;
  int64_t idx[2] = {1, 1};
  ASSERT(*(const double *)element_at(a, idx) == 40);
  zbuf_index one = ZBUF_AT(1);
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &one, &row, err), err);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(atomic_load(&log.calls), 0);
  ASSERT(((const double *)zbuf_ndbuffer_data(row))[1] == 40);
  zbuf_ndbuffer_release(row);
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
  ASSERT(log.data == (void *)mem);
}

TEST(wrap_with_negative_strides_gives_release_the_callers_pointer) {
  zbuf_error e = {0}, *err = &e;
  int32_t mem[4] = {10, 11, 12, 13};
  release_log log = {0};
  int64_t shape[1] = {4}, strides[1] = {-4};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_wrap(ZBUF_CPU, &mem[3], 1, shape, strides, I32, record_release, &log, &a, err),
            err);
  int32_t out[4];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(a, out, sizeof out, err), err);
  for (int i = 0; i < 4; i++) ASSERT_INT_EQ(out[i], 13 - i);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
  ASSERT(log.data == (void *)&mem[3]);
}

TEST(wrap_failure_never_calls_release) {
  zbuf_error e = {0}, *err = &e;
  double mem[2] = {0};
  release_log log = {0};
  int64_t shape[1] = {2}, neg[1] = {-2};
  zbuf_ndbuffer *a = SENTINEL;
  zbuf_dtype bad = {(zbuf_dtype_kind)-1, ZBUF_NATIVE};
  ASSERT_STATUS(ZBUF_ETYPE,
                zbuf_ndbuffer_wrap(ZBUF_CPU, mem, 1, shape, NULL, bad, record_release, &log, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL,
                zbuf_ndbuffer_wrap(ZBUF_CPU, mem, 1, neg, NULL, F64, record_release, &log, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL,
                zbuf_ndbuffer_wrap(ZBUF_CPU, NULL, 1, shape, NULL, F64, record_release, &log, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL,
                zbuf_ndbuffer_wrap(ZBUF_CPU, mem, 1, shape, NULL, F64, record_release, &log, NULL, err), err);
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_ndbuffer_wrap(ZBUF_CPU, mem, 1, shape, NULL, F64, record_release, &log, &a, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) break;
    ASSERT_FAILED_CLEANLY(st, err, a, SENTINEL, before, k);
    ASSERT_INT_EQ(atomic_load(&log.calls), 0);
  }
  ASSERT_INT_EQ(atomic_load(&log.calls), 0);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
}

TEST(from_buffer_views_bytes_with_any_dtype_and_shape) {
  zbuf_error e = {0}, *err = &e;
  int32_t src[6] = {0, 1, 2, 3, 4, 5};
  zbuf_buffer *buf = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, src, sizeof src, &buf, err), err);
  zbuf_ndbuffer *flat = NULL, *grid = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_buffer(buf, 0, NULL, zbuf_dtype_native(ZBUF_UINT8), &flat, err), err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(flat), 1);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(flat)[0], 24);
  ASSERT(zbuf_ndbuffer_data(flat) == zbuf_buffer_data(buf));
  int64_t shape[2] = {-1, 3};
  ASSERT_OK(zbuf_ndbuffer_from_buffer(buf, 2, shape, I32, &grid, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(grid)[0], 2);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(grid)[0], 12);
  /* Shared memory: a write through the buffer is seen by the view, also after the buffer handle is gone. */
  ((int32_t *)zbuf_buffer_data(buf))[4] = 44;
  zbuf_buffer_release(buf);
  int64_t idx[2] = {1, 1};
  ASSERT_INT_EQ(*(const int32_t *)element_at(grid, idx), 44);
  zbuf_ndbuffer_release(grid);
  zbuf_ndbuffer_release(flat);
}

TEST(from_buffer_of_a_buffer_slice_starts_at_the_slice) {
  zbuf_error e = {0}, *err = &e;
  double src[4] = {1, 2, 3, 4};
  zbuf_buffer *buf = NULL, *tail = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, src, sizeof src, &buf, err), err);
  ASSERT_OK(zbuf_buffer_slice(buf, ZBUF_SLICE(16, 32), &tail, err), err);
  zbuf_ndbuffer *s = NULL;
  ASSERT_OK(
      zbuf_ndbuffer_from_buffer(tail, 0, (const int64_t[1]){0}, zbuf_dtype_native(ZBUF_COMPLEX128), &s, err),
      err);
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(s), 0);
  double c[2];
  ASSERT_OK(zbuf_ndbuffer_as_scalar(s, c, sizeof c, err), err);
  ASSERT(c[0] == 3 && c[1] == 4);
  zbuf_ndbuffer_release(s);
  zbuf_buffer_release(tail);
  zbuf_buffer_release(buf);
}

TEST(from_buffer_rejects_mismatched_lengths) {
  zbuf_error e = {0}, *err = &e;
  char src[10] = {0};
  zbuf_buffer *buf = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, src, sizeof src, &buf, err), err);
  zbuf_ndbuffer *a = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_buffer(buf, 0, NULL, F64, &a, err), err);
  int64_t three[1] = {3}, two_unknown[2] = {-1, -1}, neg[1] = {-4};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_buffer(buf, 1, three, I16, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_buffer(buf, 2, two_unknown, I16, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_buffer(buf, 1, neg, I16, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_buffer(NULL, 1, three, I16, &a, err), err);
  ASSERT_STATUS(ZBUF_ETYPE,
                zbuf_ndbuffer_from_buffer(buf, 1, three, (zbuf_dtype){(zbuf_dtype_kind)50, 0}, &a, err), err);
  ASSERT(a == SENTINEL);
  int64_t five[1] = {5};
  ASSERT_OK(zbuf_ndbuffer_from_buffer(buf, 1, five, I16, &a, err), err);
  zbuf_ndbuffer_release(a);
  zbuf_buffer_release(buf);
}

TEST(accessors_and_release_accept_null) {
  ASSERT_UINT_EQ(zbuf_ndbuffer_ndim(NULL), 0);
  ASSERT(zbuf_ndbuffer_shape(NULL) == NULL);
  ASSERT(zbuf_ndbuffer_strides(NULL) == NULL);
  ASSERT(zbuf_ndbuffer_data(NULL) == NULL);
  ASSERT_INT_EQ(zbuf_ndbuffer_size(NULL), 0);
  ASSERT(!zbuf_dtype_is_valid(zbuf_ndbuffer_dtype(NULL)));
  ASSERT(!zbuf_ndbuffer_is_contiguous(NULL, ZBUF_ORDER_C));
  ASSERT(zbuf_ndbuffer_retain(NULL) == NULL);
  zbuf_ndbuffer_release(NULL);
}

TEST(retain_and_release_count_references) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {4};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT(zbuf_ndbuffer_retain(a) == a);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 1);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 1);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 0);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 0);
}

TEST(checked_nbytes_multiplies_with_overflow_checks) {
  zbuf_error e = {0}, *err = &e;
  int64_t bytes = -1;
  int64_t shape[3] = {2, 3, 5};
  ASSERT_OK(zbuf__checked_nbytes(3, shape, 8, "shape", &bytes, err), err);
  ASSERT_INT_EQ(bytes, 240);
  ASSERT_OK(zbuf__checked_nbytes(0, NULL, 4, "shape", &bytes, err), err);
  ASSERT_INT_EQ(bytes, 4);
  int64_t over[2] = {INT64_C(1) << 31, INT64_C(1) << 31};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf__checked_nbytes(2, over, 4, "value shape", &bytes, err), err);
  ASSERT(strstr(e.message, "value shape") != NULL);
  int64_t neg[2] = {1, -7};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf__checked_nbytes(2, neg, 4, "dims", &bytes, err), err);
  ASSERT(strstr(e.message, "dims[1] = -7 must be >= 0") != NULL);
  ASSERT_INT_EQ(bytes, 4);
}

TEST(empty_rejects_an_invalid_dtype) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {2};
  zbuf_ndbuffer *a = SENTINEL;
  ASSERT_STATUS(ZBUF_ETYPE,
                zbuf_ndbuffer_empty(ZBUF_CPU, 1, shape, (zbuf_dtype){ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE},
                                    ZBUF_ORDER_C, &a, err),
                err);
  ASSERT(a == SENTINEL);
}

TEST(from_buffer_and_astype_report_enomem_and_leak_nothing) {
  zbuf_error e = {0}, *err = &e;
  int16_t src[4] = {1, -2, 3, -4};
  zbuf_buffer *buf = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, src, sizeof src, &buf, err), err);
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int op = 0; op < 2; op++) {
    for (int64_t k = 1;; k++) {
      zbuf_ndbuffer *a = SENTINEL, *view = NULL;
      zbuf_status st = ZBUF_OK;
      if (op == 1) ASSERT_OK(zbuf_ndbuffer_from_buffer(buf, 0, NULL, I16, &view, err), err);
      zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
      st = op == 0 ? zbuf_ndbuffer_from_buffer(buf, 0, NULL, I16, &a, err)
                   : zbuf_ndbuffer_astype(view, F64, &a, err);
      zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
      zbuf_ndbuffer_release(view);
      if (st == ZBUF_OK) {
        if (op == 1) ASSERT(((const double *)zbuf_ndbuffer_data(a))[3] == -4.0);
        zbuf_ndbuffer_release(a);
        break;
      }
      ASSERT_FAILED_CLEANLY(st, err, a, SENTINEL, before, k);
    }
  }
  zbuf_ndbuffer *o = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_astype(NULL, F64, &o, err), err);
  ASSERT(o == SENTINEL);
  zbuf_buffer_release(buf);
}

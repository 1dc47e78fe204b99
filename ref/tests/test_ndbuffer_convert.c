/* Unit tests for ndbuffer.c, conversions: to_host and to_device (a new reference within one memory space, a
 * copy across), to_bytes and as_scalar (C order out, size checked first), copy and astype (new C-ordered
 * memory, NumPy casting). Expected element values are computed here, never read back from zbuf. */
#include "internal.h"
#include "test.h"
#include "test_util.h"

#define I16 zbuf_dtype_native(ZBUF_INT16)
#define I32 zbuf_dtype_native(ZBUF_INT32)
#define F64 zbuf_dtype_native(ZBUF_FLOAT64)

/* A handle value that no call may write on failure. */
#define SENTINEL ((zbuf_ndbuffer *)(uintptr_t)0x5a5a)

TEST(to_host_and_to_device_of_host_arrays_are_new_references) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {3};
  zbuf_ndbuffer *a = NULL, *h = NULL, *d = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  ASSERT_OK(zbuf_ndbuffer_to_host(a, &h, err), err);
  ASSERT_OK(zbuf_ndbuffer_to_device(a, ZBUF_CPU, &d, err), err);
  ASSERT(h == a && d == a);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 1);
  zbuf_ndbuffer_release(h);
  zbuf_ndbuffer_release(d);
  zbuf_ndbuffer_release(a);
  zbuf_ndbuffer *o = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_to_host(NULL, &o, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_to_device(NULL, ZBUF_CPU, &o, err), err);
  ASSERT(o == SENTINEL);
}

TEST(to_device_rejects_an_unusable_device) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {3};
  zbuf_ndbuffer *a = NULL, *d = SENTINEL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  zbuf_device unknown = {(zbuf_device_type)42, 0};
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_ndbuffer_to_device(a, unknown, &d, err), err);
  zbuf_device cuda = {ZBUF_DEVICE_CUDA, 0};
  zbuf_status avail = zbuf_device_check(cuda, NULL);
  if (avail != ZBUF_OK) ASSERT_STATUS(avail, zbuf_ndbuffer_to_device(a, cuda, &d, err), err);
  ASSERT(d == SENTINEL);
  zbuf_ndbuffer_release(a);
}

TEST(to_device_and_back_round_trips_through_cuda) {
  zbuf_device cuda = {ZBUF_DEVICE_CUDA, 0};
  if (zbuf_device_check(cuda, NULL) != ZBUF_OK) SKIP("no usable CUDA device");
  zbuf_error e = {0}, *err = &e;
  double src[12];
  for (int i = 0; i < 12; i++) src[i] = i * 0.5;
  int64_t shape[2] = {3, 4};
  zbuf_ndbuffer *a = NULL, *d = NULL, *col = NULL, *h = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, src, 2, shape, NULL, F64, &a, err), err);
  ASSERT_OK(zbuf_ndbuffer_to_device(a, cuda, &d, err), err);
  ASSERT(zbuf_device_equal(zbuf_ndbuffer_device(d), cuda));
  /* A strided device view (column 2, rows reversed) comes back as a C-ordered host copy. */
  zbuf_index idx[2] = {ZBUF_RANGE(ZBUF_SLICE_STEP(-1, -4, -1)), ZBUF_AT(2)};
  ASSERT_OK(zbuf_ndbuffer_get_item(d, 2, idx, &col, err), err);
  ASSERT_OK(zbuf_ndbuffer_to_host(col, &h, err), err);
  ASSERT(zbuf_device_is_host(zbuf_ndbuffer_device(h)));
  const double *p = zbuf_ndbuffer_data(h);
  for (int i = 0; i < 3; i++) ASSERT(p[i] == src[(2 - i) * 4 + 2]);
  double out[3];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(col, out, sizeof out, err), err);
  ASSERT_MEM_EQ(out, p, sizeof out);
  zbuf_ndbuffer_release(h);
  zbuf_ndbuffer_release(col);
  zbuf_ndbuffer_release(d);
  zbuf_ndbuffer_release(a);
}

TEST(to_bytes_writes_c_order_of_an_f_ordered_array) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_empty(ZBUF_CPU, 2, shape, I32, ZBUF_ORDER_F, &a, err), err);
  /* F order: element [i][j] lives at memory index i + 2j. */
  int32_t *mem = zbuf_ndbuffer_data(a);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) mem[i + 2 * j] = 10 * i + j;
  int32_t out[6];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(a, out, sizeof out, err), err);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) ASSERT_INT_EQ(out[i * 3 + j], 10 * i + j);
  zbuf_ndbuffer_release(a);
}

TEST(to_bytes_rejects_a_small_destination_without_writing) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {4};
  int32_t v = 9, out[4] = {-1, -1, -1, -1};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, I32, ZBUF_ORDER_C, &v, &a, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_to_bytes(a, out, sizeof out - 1, err), err);
  ASSERT(strstr(e.message, "dst_size") != NULL);
  for (int i = 0; i < 4; i++) ASSERT_INT_EQ(out[i], -1);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_to_bytes(a, NULL, sizeof out, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_to_bytes(NULL, out, sizeof out, err), err);
  zbuf_ndbuffer_release(a);
}

TEST(as_scalar_needs_exactly_one_element_and_room) {
  zbuf_error e = {0}, *err = &e;
  int64_t one[2] = {1, 1}, two[1] = {2};
  int16_t v = -5, out = 0;
  zbuf_ndbuffer *a = NULL, *b = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 2, one, I16, ZBUF_ORDER_C, &v, &a, err), err);
  ASSERT_OK(zbuf_ndbuffer_as_scalar(a, &out, sizeof out, err), err);
  ASSERT_INT_EQ(out, -5);
  out = 1;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_as_scalar(a, &out, 1, err), err);
  ASSERT_INT_EQ(out, 1);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_as_scalar(a, NULL, 2, err), err);
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, two, I16, ZBUF_ORDER_C, &v, &b, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_as_scalar(b, &out, sizeof out, err), err);
  ASSERT(strstr(e.message, "2 elements") != NULL);
  ASSERT_INT_EQ(out, 1);
  zbuf_ndbuffer_release(b);
  zbuf_ndbuffer_release(a);
}

TEST(copy_of_a_reversed_view_is_a_new_c_ordered_array) {
  zbuf_error e = {0}, *err = &e;
  int32_t src[8];
  for (int i = 0; i < 8; i++) src[i] = i * i;
  int64_t shape[1] = {8};
  zbuf_ndbuffer *a = NULL, *rev = NULL, *c = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, src, 1, shape, NULL, I32, &a, err), err);
  zbuf_index every_other_back = ZBUF_RANGE(ZBUF_SLICE_STEP(-1, -9, -2)); /* indices 7, 5, 3, 1 */
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &every_other_back, &rev, err), err);
  ASSERT_OK(zbuf_ndbuffer_copy(rev, &c, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_shape(c)[0], 4);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(c)[0], 4);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 2);
  int32_t *p = zbuf_ndbuffer_data(c);
  for (int i = 0; i < 4; i++) ASSERT_INT_EQ(p[i], (7 - 2 * i) * (7 - 2 * i));
  p[0] = -1;
  ASSERT_INT_EQ(((const int32_t *)zbuf_ndbuffer_data(a))[7], 49);
  zbuf_ndbuffer_release(c);
  zbuf_ndbuffer_release(rev);
  zbuf_ndbuffer_release(a);
  zbuf_ndbuffer *o = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_copy(NULL, &o, err), err);
  ASSERT(o == SENTINEL);
}

TEST(copy_reports_enomem_for_each_allocation) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {3, 3};
  zbuf_ndbuffer *a = NULL, *t = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 2, shape, F64, ZBUF_ORDER_F, NULL, &a, err), err);
  ASSERT_OK(zbuf_ndbuffer_transpose(a, 0, NULL, &t, err), err);
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    zbuf_ndbuffer *c = SENTINEL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_ndbuffer_copy(a, &c, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      ASSERT(zbuf_ndbuffer_is_contiguous(c, ZBUF_ORDER_C));
      zbuf_ndbuffer_release(c);
      break;
    }
    ASSERT_FAILED_CLEANLY(st, err, c, SENTINEL, before, k);
  }
  zbuf_ndbuffer_release(t);
  zbuf_ndbuffer_release(a);
}

TEST(astype_casts_each_element_by_numpy_rules) {
  zbuf_error e = {0}, *err = &e;
  double src[4] = {1.9, -1.9, 0.5, 300.0};
  int64_t shape[1] = {4};
  zbuf_ndbuffer *a = NULL, *i32 = NULL, *f16 = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, src, 1, shape, NULL, F64, &a, err), err);
  ASSERT_OK(zbuf_ndbuffer_astype(a, I32, &i32, err), err);
  ASSERT(zbuf_dtype_equal(zbuf_ndbuffer_dtype(i32), I32));
  const int32_t *p = zbuf_ndbuffer_data(i32);
  /* NumPy truncates towards zero. */
  ASSERT_INT_EQ(p[0], 1);
  ASSERT_INT_EQ(p[1], -1);
  ASSERT_INT_EQ(p[2], 0);
  ASSERT_INT_EQ(p[3], 300);
  ASSERT_OK(zbuf_ndbuffer_astype(a, zbuf_dtype_native(ZBUF_FLOAT16), &f16, err), err);
  /* IEEE half: 0.5 is 0x3800, 300 is 0x5CB0. */
  const uint16_t *h = zbuf_ndbuffer_data(f16);
  ASSERT_UINT_EQ(h[2], 0x3800);
  ASSERT_UINT_EQ(h[3], 0x5CB0);
  zbuf_ndbuffer_release(f16);
  zbuf_ndbuffer_release(i32);
  zbuf_ndbuffer_release(a);
}

TEST(astype_to_big_endian_stores_swapped_bytes) {
  zbuf_error e = {0}, *err = &e;
  int32_t src[2] = {0x01020304, -2};
  int64_t shape[1] = {2};
  zbuf_ndbuffer *a = NULL, *be = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, src, 1, shape, NULL, I32, &a, err), err);
  zbuf_dtype big = {ZBUF_INT32, ZBUF_BIG};
  ASSERT_OK(zbuf_ndbuffer_astype(a, big, &be, err), err);
  const unsigned char *b = zbuf_ndbuffer_data(be);
  const unsigned char want[8] = {1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe};
  ASSERT_MEM_EQ(b, want, 8);
  zbuf_ndbuffer_release(be);
  zbuf_ndbuffer *o = SENTINEL;
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_ndbuffer_astype(a, (zbuf_dtype){ZBUF_INT32, (zbuf_byteorder)9}, &o, err),
                err);
  ASSERT(o == SENTINEL);
  zbuf_ndbuffer_release(a);
}

/* Unit tests for the CUDA backend (gpu_backend.cu, gpu_pinned_pool.cu, gpu_staging.cu): device and pinned
 * memory, copies in every direction, the pinned pool, errors, and Buffer / NDBuffer / DLPack on device
 * memory. Every test here needs a GPU and skips on a machine without one, so that the file as a whole reports
 * skipped there, never passed (what a machine without a GPU answers is test_gpu_absent.c); in a build without
 * CUDA the whole file skips. */
#include "test.h"

#ifndef ZBUF_WITH_CUDA
TEST(cuda_backend_is_not_built) { SKIP("zbuf was built without CUDA support"); }
#else

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdatomic.h>

#include "zbuf/dlpack.h"

#include "gpu_internal.h"

static const zbuf_device CUDA0 = {ZBUF_DEVICE_CUDA, 0};
static const zbuf_device PINNED = {ZBUF_DEVICE_CUDA_HOST, 0};

/* Skips the calling test unless CUDA device 0 is usable. */
static void need_gpu(void) {
  zbuf_error e = {0};
  if (zbuf_device_check(CUDA0, &e) != ZBUF_OK) {
    static char why[ZBUF_ERROR_MESSAGE_SIZE + 32];
    snprintf(why, sizeof why, "no usable CUDA device: %s", e.message);
    SKIP(why);
  }
}

/* A byte pattern that differs between sizes and seeds, so that a misplaced chunk shows. */
static void pattern(unsigned char *p, size_t n, unsigned seed) {
  uint32_t x = 2463534242u ^ seed;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (unsigned char)x;
  }
}

static void *must_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  ASSERT(p != NULL);
  return p;
}

static void assert_stats_zero(void) {
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 0);
  ASSERT_INT_EQ(s.bytes, 0);
  ASSERT_INT_EQ(s.handles, 0);
}

/* ---- check ---- */

TEST(check_rejects_ordinals_out_of_range) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  int n = 0;
  ASSERT_INT_EQ(cudaGetDeviceCount(&n), cudaSuccess);
  zbuf_device past = {ZBUF_DEVICE_CUDA, n}, negative = {ZBUF_DEVICE_CUDA, -1},
              pinned1 = {ZBUF_DEVICE_CUDA_HOST, 1};
  ASSERT_STATUS(ZBUF_ENODEV, zbuf_device_check(past, err), err);
  ASSERT(strstr(err->message, "out of range") != NULL);
  ASSERT_STATUS(ZBUF_ENODEV, zbuf_device_check(negative, err), err);
  ASSERT_STATUS(ZBUF_ENODEV, zbuf_device_check(pinned1, err), err);
  ASSERT_OK(zbuf_device_check(PINNED, err), err);
}

/* ---- raw memory ---- */

TEST(alloc_and_free_device_and_pinned_memory) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  size_t sizes[] = {1, 4096, 1000003};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *d = NULL, *h = NULL;
    ASSERT_OK(zbuf__mem_alloc(CUDA0, sizes[i], &d, err), err);
    ASSERT(d != NULL);
    struct cudaPointerAttributes a;
    ASSERT_INT_EQ(cudaPointerGetAttributes(&a, d), cudaSuccess);
    ASSERT_INT_EQ(a.type, cudaMemoryTypeDevice);
    ASSERT_INT_EQ(a.device, 0);
    ASSERT_OK(zbuf__mem_alloc(PINNED, sizes[i], &h, err), err);
    ASSERT_INT_EQ(cudaPointerGetAttributes(&a, h), cudaSuccess);
    ASSERT_INT_EQ(a.type, cudaMemoryTypeHost);
    memset(h, 0x5a, sizes[i]); /* pinned memory is host-addressable */
    zbuf__mem_free(CUDA0, d, sizes[i]);
    zbuf__mem_free(PINNED, h, sizes[i]);
  }
  void *z = (void *)1;
  ASSERT_OK(zbuf__mem_alloc(CUDA0, 0, &z, err), err);
  ASSERT(z == NULL);
  assert_stats_zero();
}

/* Host -> device -> device -> pinned -> device -> host, content checked at the end and on the way. */
static void round_trip(size_t n, unsigned seed) {
  zbuf_error e = {0}, *err = &e;
  unsigned char *src = must_malloc(n), *dst = must_malloc(n);
  pattern(src, n, seed);
  memset(dst, 0, n ? n : 1);
  void *d1 = NULL, *d2 = NULL, *d3 = NULL, *pin = NULL;
  ASSERT_OK(zbuf__mem_alloc(CUDA0, n, &d1, err), err);
  ASSERT_OK(zbuf__mem_alloc(CUDA0, n, &d2, err), err);
  ASSERT_OK(zbuf__mem_alloc(CUDA0, n, &d3, err), err);
  ASSERT_OK(zbuf__mem_alloc(PINNED, n, &pin, err), err);
  ASSERT_OK(zbuf__mem_copy(d1, CUDA0, src, ZBUF_CPU, n, err), err); /* pageable -> device */
  ASSERT_OK(zbuf__mem_copy(d2, CUDA0, d1, CUDA0, n, err), err);     /* device -> device */
  ASSERT_OK(zbuf__mem_copy(pin, PINNED, d2, CUDA0, n, err), err);   /* device -> pinned */
  if (n) ASSERT_MEM_EQ(pin, src, n);
  ASSERT_OK(zbuf__mem_copy(d3, CUDA0, pin, PINNED, n, err), err);   /* pinned -> device */
  ASSERT_OK(zbuf__mem_copy(dst, ZBUF_CPU, d3, CUDA0, n, err), err); /* device -> pageable */
  if (n) ASSERT_MEM_EQ(dst, src, n);
  zbuf__mem_free(CUDA0, d1, n);
  zbuf__mem_free(CUDA0, d2, n);
  zbuf__mem_free(CUDA0, d3, n);
  zbuf__mem_free(PINNED, pin, n);
  free(src);
  free(dst);
}

TEST(copies_in_every_direction_keep_contents_at_small_sizes) {
  need_gpu();
  round_trip(0, 1);
  round_trip(1, 2);
  round_trip(4096, 3);
  round_trip(4097, 4);
  assert_stats_zero();
}

TEST(large_pageable_copies_take_the_staging_path_and_keep_contents) {
  need_gpu();
  uint64_t before = zbuf__staging_count();
  size_t n = ((size_t)64 << 20) + 1; /* not a multiple of the chunk: the last chunk is 1 byte */
  round_trip(n, 5);
  /* One pageable copy each way. */
  ASSERT_INT_EQ(zbuf__staging_count() - before, 2);
  /* Exactly at the threshold, and one chunk plus a few bytes. */
  round_trip(zbuf__staging_threshold(), 6);
  round_trip(((size_t)8 << 20) + 3, 7);
  assert_stats_zero();
}

TEST(device_to_device_copy_within_one_allocation_is_memmove) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  size_t n = (size_t)1 << 20;
  unsigned char *h = must_malloc(n), *want = must_malloc(n), *got = must_malloc(n);
  pattern(h, n, 9);
  void *d = NULL;
  ASSERT_OK(zbuf__mem_alloc(CUDA0, n, &d, err), err);
  /* Forward overlap, then backward overlap. */
  ASSERT_OK(zbuf__mem_copy(d, CUDA0, h, ZBUF_CPU, n, err), err);
  ASSERT_OK(zbuf__mem_copy((char *)d + 3, CUDA0, d, CUDA0, n - 3, err), err);
  memcpy(want, h, n);
  memmove(want + 3, want, n - 3);
  ASSERT_OK(zbuf__mem_copy(got, ZBUF_CPU, d, CUDA0, n, err), err);
  ASSERT_MEM_EQ(got, want, n);
  ASSERT_OK(zbuf__mem_copy(d, CUDA0, (char *)d + 5, CUDA0, n - 5, err), err);
  memmove(want, want + 5, n - 5);
  ASSERT_OK(zbuf__mem_copy(got, ZBUF_CPU, d, CUDA0, n, err), err);
  ASSERT_MEM_EQ(got, want, n);
  zbuf__mem_free(CUDA0, d, n);
  free(h);
  free(want);
  free(got);
  assert_stats_zero();
}

/* ---- the pinned pool ---- */

TEST(pinned_pool_reuses_a_freed_block_of_the_same_class) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  zbuf__pinned_set_cap((size_t)1 << 30);
  void *a = NULL, *b = NULL;
  ASSERT_OK(zbuf__pinned_alloc(5000, &a, err), err); /* class 8 KiB */
  zbuf__pinned_stats s0 = zbuf__pinned_stats_get();
  zbuf__pinned_free(a);
  zbuf__pinned_stats s1 = zbuf__pinned_stats_get();
  ASSERT_UINT_EQ(s1.idle_bytes, s0.idle_bytes + 8192);
  ASSERT_OK(zbuf__pinned_alloc(8000, &b, err), err);
  zbuf__pinned_stats s2 = zbuf__pinned_stats_get();
  ASSERT(b == a);
  ASSERT_UINT_EQ(s2.hits, s1.hits + 1);
  ASSERT_UINT_EQ(s2.idle_bytes, s0.idle_bytes);
  zbuf__pinned_free(b);
}

TEST(pinned_pool_falls_back_outside_the_pool_over_its_cap) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  zbuf__pinned_set_cap((size_t)64 << 10);
  zbuf__pinned_trim();
  zbuf__pinned_stats s0 = zbuf__pinned_stats_get();
  ASSERT_UINT_EQ(s0.cap, (size_t)64 << 10);
  void *a = NULL, *b = NULL;
  ASSERT_OK(zbuf__pinned_alloc((size_t)32 << 10, &a, err), err);
  ASSERT_OK(zbuf__pinned_alloc((size_t)64 << 10, &b, err), err); /* 32 + 64 KiB > cap */
  zbuf__pinned_stats s1 = zbuf__pinned_stats_get();
  ASSERT_UINT_EQ(s1.misses, s0.misses + 1);
  ASSERT_UINT_EQ(s1.fallbacks, s0.fallbacks + 1);
  ASSERT(s1.pooled_bytes <= s1.cap);
  memset(b, 1, (size_t)64 << 10);
  zbuf__pinned_free(a);
  zbuf__pinned_free(b);
  zbuf__pinned_stats s2 = zbuf__pinned_stats_get();
  ASSERT_UINT_EQ(s2.idle_bytes, (size_t)32 << 10); /* a is kept, b went back to CUDA */
  /* Lowering the cap gives idle memory back. */
  zbuf__pinned_set_cap(0);
  ASSERT_UINT_EQ(zbuf__pinned_stats_get().pooled_bytes, 0);
  /* Pinned buffers still work with a cap of 0: every one is a fallback. */
  zbuf_buffer *buf = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(PINNED, "pinned", 6, &buf, err), err);
  ASSERT_MEM_EQ(zbuf_buffer_data(buf), "pinned", 6);
  zbuf_buffer_release(buf);
  assert_stats_zero();
}

/* ---- errors ---- */

TEST(device_out_of_memory_is_enomem_naming_the_cuda_error_and_leaks_nothing) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {(int64_t)1 << 50}; /* 1 PiB */
  zbuf_ndbuffer *a = NULL;
  ASSERT_STATUS(ZBUF_ENOMEM,
                zbuf_ndbuffer_empty(CUDA0, 1, shape, zbuf_dtype_native(ZBUF_UINT8), ZBUF_ORDER_C, &a, err),
                err);
  ASSERT(strstr(err->message, "cudaErrorMemoryAllocation") != NULL);
  ASSERT(a == NULL);
  assert_stats_zero();
  /* The error is not sticky: the device still works. */
  ASSERT_INT_EQ(cudaGetLastError(), cudaSuccess);
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(CUDA0, "ok", 2, &b, err), err);
  zbuf_buffer_release(b);
}

TEST(fault_injection_fails_device_and_pinned_allocations_by_mask) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *b = NULL;
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_DEVICE);
  ASSERT_STATUS(ZBUF_ENOMEM, zbuf_buffer_from_bytes(CUDA0, "abc", 3, &b, err), err);
  ASSERT(strstr(err->message, "injected") != NULL);
  ASSERT(b == NULL);
  assert_stats_zero();
  /* The failure is one-shot; a host allocation is not counted under the device mask. */
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, "abc", 3, &b, err), err);
  zbuf_buffer_release(b);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 1);
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_PINNED);
  ASSERT_STATUS(ZBUF_ENOMEM, zbuf_buffer_from_bytes(PINNED, "abc", 3, &b, err), err);
  ASSERT_OK(zbuf_buffer_from_bytes(CUDA0, "abc", 3, &b, err), err);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 1);
  /* Every allocation of a device-to-host conversion fails in turn, and nothing leaks. */
  for (int64_t k = 1;; k++) {
    zbuf_buffer *c = NULL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_buffer_to_host(b, &c, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      zbuf_buffer_release(c);
      break;
    }
    ASSERT_INT_EQ(st, ZBUF_ENOMEM);
    ASSERT(c == NULL);
    ASSERT(k < 10);
  }
  zbuf_buffer_release(b);
  assert_stats_zero();
}

/* ---- Buffer, NDBuffer and DLPack on device memory ---- */

TEST(buffer_operations_on_device_memory_end_to_end) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = NULL, *s = NULL, *b = NULL, *c = NULL, *h = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(CUDA0, "hello world", 11, &a, err), err);
  ASSERT_INT_EQ(zbuf_buffer_device(a).type, ZBUF_DEVICE_CUDA);
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(6, 11), &s, err), err);
  ASSERT_OK(zbuf_buffer_from_bytes(CUDA0, "-----", 5, &b, err), err);
  ASSERT_OK(zbuf_buffer_set_slice(b, ZBUF_SLICE(0, 5), s, err), err);
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, "!", 1, &h, err), err);
  const zbuf_buffer *parts[3] = {b, h, s};
  ASSERT_OK(zbuf_buffer_combine(parts, 3, &c, err), err);
  ASSERT_INT_EQ(zbuf_buffer_device(c).type, ZBUF_DEVICE_CUDA);
  char out[11] = {0};
  ASSERT_OK(zbuf_buffer_to_bytes(c, out, sizeof out, err), err);
  ASSERT_MEM_EQ(out, "world!world", 11);
  int eq = 0;
  ASSERT_OK(zbuf_buffer_equal(s, b, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  /* Overlapping set_slice within one device buffer. */
  zbuf_buffer *head = NULL;
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(0, 10), &head, err), err);
  ASSERT_OK(zbuf_buffer_set_slice(a, ZBUF_SLICE(1, 11), head, err), err);
  ASSERT_OK(zbuf_buffer_to_bytes(a, out, sizeof out, err), err);
  ASSERT_MEM_EQ(out, "hhello worl", 11);
  zbuf_buffer *zero = NULL;
  ASSERT_OK(zbuf_buffer_create_zero_length(CUDA0, &zero, err), err);
  ASSERT(zbuf_buffer_data(zero) == NULL);
  ASSERT_OK(zbuf_buffer_to_bytes(zero, out, 0, err), err);
  zbuf_buffer *pieces[] = {a, s, b, c, h, head, zero};
  for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) zbuf_buffer_release(pieces[i]);
  assert_stats_zero();
}

TEST(ndbuffer_operations_on_device_memory_end_to_end) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {3, 4};
  int32_t seven = 7;
  zbuf_dtype i32 = zbuf_dtype_native(ZBUF_INT32), f64 = zbuf_dtype_native(ZBUF_FLOAT64);
  zbuf_ndbuffer *a = NULL, *f = NULL, *t = NULL, *c = NULL, *row = NULL, *v = NULL, *h = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(CUDA0, 2, shape, i32, ZBUF_ORDER_C, &seven, &a, err), err);
  /* Row 1 = 0, 1, 2, 3 from host memory. */
  int32_t vals[4] = {0, 1, 2, 3};
  int64_t four[1] = {4};
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, vals, 1, four, NULL, i32, &v, err), err);
  zbuf_index r1[1] = {ZBUF_AT(1)};
  ASSERT_OK(zbuf_ndbuffer_set_item(a, 1, r1, v, err), err);
  ASSERT_OK(zbuf_ndbuffer_astype(a, f64, &f, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_device(f).type, ZBUF_DEVICE_CUDA);
  ASSERT_OK(zbuf_ndbuffer_transpose(f, 0, NULL, &t, err), err);
  ASSERT_OK(zbuf_ndbuffer_copy(t, &c, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_device(c).type, ZBUF_DEVICE_CUDA);
  ASSERT(zbuf_ndbuffer_is_contiguous(c, ZBUF_ORDER_C));
  double got[12];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(c, got, sizeof got, err), err);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++) ASSERT(got[i * 3 + j] == (j == 1 ? (double)i : 7.0));
  int eq = 0;
  ASSERT_OK(zbuf_ndbuffer_all_equal(t, c, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_index col1[2] = {ZBUF_RANGE(ZBUF_SLICE_ALL), ZBUF_AT(1)};
  ASSERT_OK(zbuf_ndbuffer_get_item(c, 2, col1, &row, err), err);
  double d7 = 7.0;
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(row, &d7, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_ndbuffer_fill(row, &d7, err), err);
  ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(c, &d7, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_ndbuffer_to_host(c, &h, err), err);
  ASSERT(zbuf_device_is_host(zbuf_ndbuffer_device(h)));
  zbuf_ndbuffer *all[] = {a, f, t, c, row, v, h};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) zbuf_ndbuffer_release(all[i]);
  assert_stats_zero();
}

TEST(dlpack_exports_and_imports_device_memory_as_kdlcuda) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3};
  float vals[6] = {1, 2, 3, 4, 5, 6};
  zbuf_ndbuffer *a = NULL, *b = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(CUDA0, vals, 2, shape, NULL, zbuf_dtype_native(ZBUF_FLOAT32), &a, err),
            err);
  DLManagedTensor *t = NULL;
  ASSERT_OK(zbuf_ndbuffer_to_dlpack(a, &t, err), err);
  ASSERT_INT_EQ(t->dl_tensor.device.device_type, kDLCUDA);
  ASSERT_INT_EQ(t->dl_tensor.device.device_id, 0);
  ASSERT((char *)t->dl_tensor.data + t->dl_tensor.byte_offset == (char *)zbuf_ndbuffer_data(a));
  ASSERT_OK(zbuf_ndbuffer_from_dlpack(t, &b, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_device(b).type, ZBUF_DEVICE_CUDA);
  ASSERT(zbuf_ndbuffer_data(b) == zbuf_ndbuffer_data(a));
  float got[6];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(b, got, sizeof got, err), err);
  ASSERT_MEM_EQ(got, vals, sizeof vals);
  zbuf_ndbuffer_release(a);
  zbuf_ndbuffer_release(b);
  assert_stats_zero();
}

/* ---- device kernels (gpu_kernels.cu): the same answers as the host kernels ---- */

/* Bytes of a C-ordered copy of a, in host memory (caller frees). */
static unsigned char *bytes_of(const zbuf_ndbuffer *a, size_t *n) {
  zbuf_error e = {0}, *err = &e;
  *n = (size_t)zbuf_ndbuffer_size(a) * zbuf_dtype_itemsize(zbuf_ndbuffer_dtype(a));
  unsigned char *p = must_malloc(*n);
  ASSERT_OK(zbuf_ndbuffer_to_bytes(a, p, *n, err), err);
  return p;
}

static void assert_same_bytes(const zbuf_ndbuffer *h, const zbuf_ndbuffer *d) {
  size_t nh = 0, nd = 0;
  unsigned char *bh = bytes_of(h, &nh), *bd = bytes_of(d, &nd);
  ASSERT_UINT_EQ(nh, nd);
  ASSERT_MEM_EQ(bh, bd, nh);
  free(bh);
  free(bd);
}

TEST(astype_and_copy_of_strided_device_views_match_the_host_for_every_dtype_pair) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  double base[16] = {0.0,   -0.0,  1.0,     -1.0, 2.5,   -2.5,      127.0,     128.0,
                     255.0, 256.0, 65535.0, 1e10, -1e10, 0.0 / 0.0, 1.0 / 0.0, 3e38};
  int64_t shape[2] = {4, 4};
  zbuf_ndbuffer *base_h = NULL;
  ASSERT_OK(
      zbuf_ndbuffer_from_host(ZBUF_CPU, base, 2, shape, NULL, zbuf_dtype_native(ZBUF_FLOAT64), &base_h, err),
      err);
  for (int sk = 0; sk < ZBUF_DTYPE_KIND_COUNT; sk++) {
    zbuf_ndbuffer *src_h = NULL, *src_d = NULL, *th = NULL, *td = NULL;
    ASSERT_OK(zbuf_ndbuffer_astype(base_h, zbuf_dtype_native((zbuf_dtype_kind)sk), &src_h, err), err);
    ASSERT_OK(zbuf_ndbuffer_to_device(src_h, CUDA0, &src_d, err), err);
    ASSERT_OK(zbuf_ndbuffer_transpose(src_h, 0, NULL, &th, err), err);
    ASSERT_OK(zbuf_ndbuffer_transpose(src_d, 0, NULL, &td, err), err);
    for (int dk = 0; dk < ZBUF_DTYPE_KIND_COUNT; dk++) {
      zbuf_ndbuffer *oh = NULL, *od = NULL;
      zbuf_dtype dt = zbuf_dtype_native((zbuf_dtype_kind)dk);
      ASSERT_OK(zbuf_ndbuffer_astype(th, dt, &oh, err), err);
      ASSERT_OK(zbuf_ndbuffer_astype(td, dt, &od, err), err);
      ASSERT_INT_EQ(zbuf_ndbuffer_device(od).type, ZBUF_DEVICE_CUDA);
      assert_same_bytes(oh, od);
      zbuf_ndbuffer_release(oh);
      zbuf_ndbuffer_release(od);
    }
    /* copy of a strided view, and all_equal of the view with its copy (NaN equal to NaN when asked). */
    zbuf_ndbuffer *ch = NULL, *cd = NULL;
    ASSERT_OK(zbuf_ndbuffer_copy(th, &ch, err), err);
    ASSERT_OK(zbuf_ndbuffer_copy(td, &cd, err), err);
    assert_same_bytes(ch, cd);
    int eq_h = -1, eq_d = -1;
    for (int nan = 0; nan <= 1; nan++) {
      ASSERT_OK(zbuf_ndbuffer_all_equal(th, ch, nan, &eq_h, err), err);
      ASSERT_OK(zbuf_ndbuffer_all_equal(td, cd, nan, &eq_d, err), err);
      ASSERT_INT_EQ(eq_d, eq_h);
    }
    zbuf_ndbuffer *all[] = {src_h, src_d, th, td, ch, cd};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) zbuf_ndbuffer_release(all[i]);
  }
  zbuf_ndbuffer_release(base_h);
  assert_stats_zero();
}

TEST(fill_and_compare_on_device_views_match_the_host) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  int64_t shape[3] = {3, 5, 7};
  for (int k = 0; k < ZBUF_DTYPE_KIND_COUNT; k++) {
    zbuf_dtype dt = zbuf_dtype_native((zbuf_dtype_kind)k);
    zbuf_ndbuffer *h = NULL, *d = NULL, *vh = NULL, *vd = NULL;
    ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 3, shape, dt, ZBUF_ORDER_C, NULL, &h, err), err);
    ASSERT_OK(zbuf_ndbuffer_create(CUDA0, 3, shape, dt, ZBUF_ORDER_C, NULL, &d, err), err);
    /* A strided selection: every other row of the middle axis, reversed last axis. */
    zbuf_index idx[3] = {ZBUF_RANGE(ZBUF_SLICE_ALL), ZBUF_RANGE(ZBUF_SLICE_STEP(0, 5, 2)),
                         ZBUF_RANGE(ZBUF_SLICE_STEP(-1, -8, -1))};
    ASSERT_OK(zbuf_ndbuffer_get_item(h, 3, idx, &vh, err), err);
    ASSERT_OK(zbuf_ndbuffer_get_item(d, 3, idx, &vd, err), err);
    unsigned char value[16];
    for (size_t i = 0; i < sizeof value; i++) value[i] = (unsigned char)(0x3c + 7 * i);
    if (k == ZBUF_BOOL) value[0] = 1;
    ASSERT_OK(zbuf_ndbuffer_fill(vh, value, err), err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_HOST);
    ASSERT_OK(zbuf_ndbuffer_fill(vd, value, err), err);
    /* The device kernel ran: no host staging block was allocated. */
    ASSERT_INT_EQ(zbuf_testing_allocation_count(), 0);
    assert_same_bytes(h, d);
    int eq_h = -1, eq_d = -1;
    ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(vh, value, 0, &eq_h, err), err);
    ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(vd, value, 0, &eq_d, err), err);
    ASSERT_INT_EQ(eq_d, eq_h);
    ASSERT_OK(zbuf_ndbuffer_all_equal_scalar(d, value, 0, &eq_h, err), err);
    ASSERT_INT_EQ(eq_h, 0); /* the elements outside the selection are still zero */
    ASSERT_OK(zbuf_ndbuffer_all_equal(d, d, 0, &eq_d, err), err);
    ASSERT_INT_EQ(eq_d, 1);
    zbuf_ndbuffer *all[] = {h, d, vh, vd};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) zbuf_ndbuffer_release(all[i]);
  }
  assert_stats_zero();
}

TEST(all_equal_on_device_tells_negative_zero_from_zero_and_honours_equal_nan) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {4};
  double pz[4] = {0.0, 0.0, 0.0, 0.0}, nz[4] = {-0.0, -0.0, -0.0, -0.0}, nan[4] = {1.0, 0.0 / 0.0, 2.0, 3.0};
  zbuf_dtype f64 = zbuf_dtype_native(ZBUF_FLOAT64);
  zbuf_ndbuffer *a = NULL, *b = NULL, *c = NULL, *c2 = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(CUDA0, pz, 1, shape, NULL, f64, &a, err), err);
  ASSERT_OK(zbuf_ndbuffer_from_host(CUDA0, nz, 1, shape, NULL, f64, &b, err), err);
  ASSERT_OK(zbuf_ndbuffer_from_host(CUDA0, nan, 1, shape, NULL, f64, &c, err), err);
  ASSERT_OK(zbuf_ndbuffer_copy(c, &c2, err), err);
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, b, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 0); /* ND-SEM-017: zeros compare by bit pattern */
  ASSERT_OK(zbuf_ndbuffer_all_equal(c, c2, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_ndbuffer_all_equal(c, c2, 1, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_ndbuffer_release(a);
  zbuf_ndbuffer_release(b);
  zbuf_ndbuffer_release(c);
  zbuf_ndbuffer_release(c2);
  assert_stats_zero();
}

/* ---- streams and threads ---- */

TEST(operations_follow_the_stream_set_for_the_thread) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  cudaStream_t s = NULL;
  ASSERT_INT_EQ(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
  ASSERT(zbuf_cuda_get_stream() == NULL);
  ASSERT_OK(zbuf_cuda_set_stream(s, err), err);
  ASSERT(zbuf_cuda_get_stream() == (void *)s);
  ASSERT(zbuf__cuda_stream() == (void *)s);
  size_t n = ((size_t)4 << 20) + 7;
  unsigned char *src = must_malloc(n), *dst = must_malloc(n);
  pattern(src, n, 11);
  zbuf_buffer *b = NULL, *c = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(CUDA0, src, n, &b, err), err);
  ASSERT_OK(zbuf_buffer_from_buffer(CUDA0, b, &c, err), err);
  ASSERT_OK(zbuf_buffer_to_bytes(c, dst, n, err), err);
  ASSERT_MEM_EQ(dst, src, n);
  zbuf_buffer_release(b);
  zbuf_buffer_release(c);
  ASSERT_OK(zbuf_cuda_set_stream(NULL, err), err);
  ASSERT(zbuf_cuda_get_stream() == NULL);
  ASSERT_INT_EQ(cudaStreamDestroy(s), cudaSuccess);
  free(src);
  free(dst);
  assert_stats_zero();
}

enum { THREADS = 8, ROUNDS = 20 };

typedef struct shared_src {
  const zbuf_buffer *buf;
  const unsigned char *want;
  size_t n;
  atomic_int failures;
} shared_src;

static void *convert_many(void *arg) {
  shared_src *sh = arg;
  unsigned char *got = malloc(sh->n);
  if (got == NULL) {
    atomic_fetch_add(&sh->failures, 1);
    return NULL;
  }
  for (int r = 0; r < ROUNDS; r++) {
    zbuf_buffer *h = NULL, *p = NULL;
    zbuf_device pinned = {ZBUF_DEVICE_CUDA_HOST, 0};
    if (zbuf_buffer_to_host(sh->buf, &h, NULL) != ZBUF_OK ||
        zbuf_buffer_from_buffer(pinned, sh->buf, &p, NULL) != ZBUF_OK ||
        zbuf_buffer_to_bytes(sh->buf, got, sh->n, NULL) != ZBUF_OK ||
        memcmp(zbuf_buffer_data(h), sh->want, sh->n) != 0 ||
        memcmp(zbuf_buffer_data(p), sh->want, sh->n) != 0 || memcmp(got, sh->want, sh->n) != 0)
      atomic_fetch_add(&sh->failures, 1);
    zbuf_buffer_release(h);
    zbuf_buffer_release(p);
  }
  free(got);
  return NULL;
}

TEST(threads_converting_one_device_buffer_all_see_its_bytes) {
  need_gpu();
  zbuf_error e = {0}, *err = &e;
  size_t n = ((size_t)3 << 20) + 5; /* above the staging threshold */
  unsigned char *want = must_malloc(n);
  pattern(want, n, 13);
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(CUDA0, want, n, &b, err), err);
  shared_src sh = {b, want, n, 0};
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) ASSERT_INT_EQ(pthread_create(&th[i], NULL, convert_many, &sh), 0);
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  ASSERT_INT_EQ(atomic_load(&sh.failures), 0);
  zbuf_buffer_release(b);
  free(want);
  assert_stats_zero();
}

#endif

/* Unit tests for device.c and cpu_backend.c: memory spaces and the raw memory dispatch. */
#include "internal.h"
#include "test.h"
#include "test_util.h"

static const zbuf_device PINNED = {ZBUF_DEVICE_CUDA_HOST, 0};
static const zbuf_device BOGUS = {(zbuf_device_type)99, 0};

TEST(device_is_host_for_cpu_and_pinned_only) {
  ASSERT(zbuf_device_is_host(ZBUF_CPU));
  ASSERT(zbuf_device_is_host(PINNED));
  ASSERT(!zbuf_device_is_host(CUDA0));
  ASSERT(!zbuf_device_is_host(BOGUS));
}

TEST(device_equal_compares_type_and_id) {
  zbuf_device cuda1 = {ZBUF_DEVICE_CUDA, 1};
  ASSERT(zbuf_device_equal(ZBUF_CPU, ZBUF_CPU));
  ASSERT(zbuf_device_equal(CUDA0, CUDA0));
  ASSERT(!zbuf_device_equal(CUDA0, cuda1));
  ASSERT(!zbuf_device_equal(ZBUF_CPU, PINNED));
}

TEST(device_str_names_each_space) {
  char s[24];
  zbuf_device cuda3 = {ZBUF_DEVICE_CUDA, 3};
  ASSERT_STR_EQ(zbuf_device_str(ZBUF_CPU, s), "cpu");
  ASSERT_STR_EQ(zbuf_device_str(CUDA0, s), "cuda:0");
  ASSERT_STR_EQ(zbuf_device_str(cuda3, s), "cuda:3");
  ASSERT_STR_EQ(zbuf_device_str(PINNED, s), "cuda_host");
  ASSERT(zbuf_device_str(BOGUS, s) == s);
  ASSERT(strstr(s, "99") != NULL);
  zbuf_device worst = {(zbuf_device_type)(-2147483647 - 1), -2147483647 - 1};
  ASSERT(strlen(zbuf_device_str(worst, s)) < 24);
}

TEST(device_check_accepts_cpu) {
  zbuf_error e = {0}, *err = &e;
  ASSERT_OK(zbuf_device_check(ZBUF_CPU, err), err);
}

TEST(device_check_cpu_with_nonzero_id_is_enodev) {
  zbuf_error e = {0}, *err = &e;
  zbuf_device cpu1 = {ZBUF_DEVICE_CPU, 1};
  ASSERT_STATUS(ZBUF_ENODEV, zbuf_device_check(cpu1, err), err);
  ASSERT(strstr(err->message, "device.id") != NULL);
}

TEST(device_check_unknown_type_is_etype) {
  zbuf_error e = {0}, *err = &e;
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_device_check(BOGUS, err), err);
  ASSERT(strstr(err->message, "99") != NULL);
  zbuf_device zero = {(zbuf_device_type)0, 0};
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_device_check(zero, err), err);
}

TEST(device_check_cuda_without_cuda_is_unsupported) {
  if (have_cuda()) SKIP("this build has a usable CUDA device");
  zbuf_error e = {0}, *err = &e;
  zbuf_status st = zbuf_device_check(CUDA0, err);
  if (st == ZBUF_ENODEV) SKIP("CUDA is built in but no device is usable");
  ASSERT_STATUS(ZBUF_EUNSUPPORTED, st, err);
  ASSERT(strstr(err->message, "without CUDA support") != NULL);
  ASSERT_STATUS(ZBUF_EUNSUPPORTED, zbuf_device_check(PINNED, err), err);
}

TEST(mem_alloc_cpu_gives_writable_memory_and_zero_gives_null) {
  zbuf_error e = {0}, *err = &e;
  void *p = (void *)1;
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 0, &p, err), err);
  ASSERT(p == NULL);
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 32, &p, err), err);
  ASSERT(p != NULL);
  memset(p, 5, 32);
  zbuf__mem_free(ZBUF_CPU, p, 32);
  zbuf__mem_free(ZBUF_CPU, NULL, 0);
}

TEST(mem_alloc_unknown_or_missing_backend_fails_without_writing_out) {
  zbuf_error e = {0}, *err = &e;
  void *p = (void *)&e;
  ASSERT_STATUS(ZBUF_ETYPE, zbuf__mem_alloc(BOGUS, 8, &p, err), err);
  ASSERT(p == (void *)&e);
  if (!have_cuda()) {
    ASSERT_STATUS(NO_CUDA, zbuf__mem_alloc(CUDA0, 8, &p, err), err);
    ASSERT_STATUS(NO_CUDA, zbuf__mem_alloc(PINNED, 8, &p, err), err);
    ASSERT(p == (void *)&e);
  }
}

TEST(mem_alloc_counts_host_allocations_for_fault_injection) {
  zbuf_error e = {0}, *err = &e;
  void *p = (void *)&e;
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_HOST);
  ASSERT_STATUS(ZBUF_ENOMEM, zbuf__mem_alloc(ZBUF_CPU, 8, &p, err), err);
  ASSERT(p == (void *)&e);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 1);
  /* Memory that is not host memory is not counted as host. */
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_DEVICE | ZBUF_ALLOC_PINNED);
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 8, &p, err), err);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 0);
  zbuf__mem_free(ZBUF_CPU, p, 8);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
}

TEST(mem_copy_between_host_spaces_copies_bytes) {
  zbuf_error e = {0}, *err = &e;
  char src[16] = "0123456789abcdef", dst[16] = {0};
  ASSERT_OK(zbuf__mem_copy(dst, ZBUF_CPU, src, ZBUF_CPU, 16, err), err);
  ASSERT_MEM_EQ(dst, src, 16);
}

TEST(mem_copy_handles_overlap_like_memmove) {
  zbuf_error e = {0}, *err = &e;
  char b[11] = "abcdefghij";
  ASSERT_OK(zbuf__mem_copy(b + 2, ZBUF_CPU, b, ZBUF_CPU, 6, err), err);
  ASSERT_STR_EQ(b, "ababcdefij");
  char c[11] = "abcdefghij";
  ASSERT_OK(zbuf__mem_copy(c, ZBUF_CPU, c + 3, ZBUF_CPU, 7, err), err);
  ASSERT_STR_EQ(c, "defghijhij");
}

TEST(mem_copy_of_zero_bytes_accepts_null_pointers) {
  zbuf_error e = {0}, *err = &e;
  ASSERT_OK(zbuf__mem_copy(NULL, ZBUF_CPU, NULL, ZBUF_CPU, 0, err), err);
}

TEST(mem_copy_errors_leave_dst_unchanged) {
  zbuf_error e = {0}, *err = &e;
  char src[4] = "abc", dst[4] = "xyz";
  ASSERT_STATUS(ZBUF_ETYPE, zbuf__mem_copy(dst, BOGUS, src, ZBUF_CPU, 3, err), err);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf__mem_copy(dst, ZBUF_CPU, src, BOGUS, 3, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf__mem_copy(dst, ZBUF_CPU, NULL, ZBUF_CPU, 3, err), err);
  ASSERT(strstr(err->message, "src") != NULL);
  if (!have_cuda()) {
    ASSERT_STATUS(NO_CUDA, zbuf__mem_copy(dst, ZBUF_CPU, src, CUDA0, 3, err), err);
    if (NO_CUDA == ZBUF_EUNSUPPORTED) ASSERT(strstr(err->message, "without CUDA support") != NULL);
    ASSERT_STATUS(NO_CUDA, zbuf__mem_copy(dst, CUDA0, src, ZBUF_CPU, 3, err), err);
  }
  ASSERT_STR_EQ(dst, "xyz");
}

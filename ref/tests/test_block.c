/* Unit tests for block.c: reference-counted memory blocks, owned or wrapped. */
#include <pthread.h>

#include "internal.h"
#include "test.h"
#include "test_util.h"

/* Address and thread sanitizers abort on an impossible malloc size instead of returning NULL. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ZBUF_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ZBUF_TEST_ASAN 1
#endif
#endif
#ifndef ZBUF_TEST_ASAN
#define ZBUF_TEST_ASAN 0
#endif

TEST(block_alloc_owns_memory_and_counts_in_stats) {
  zbuf_error e = {0}, *err = &e;
  zbuf__block *b = NULL;
  ASSERT_OK(zbuf__block_alloc(ZBUF_CPU, 100, &b, err), err);
  ASSERT(b->data != NULL);
  ASSERT_UINT_EQ(b->size, 100);
  ASSERT(b->owned);
  ASSERT(zbuf_device_equal(b->device, ZBUF_CPU));
  memset(b->data, 1, 100);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 1);
  ASSERT_INT_EQ(s.bytes, 100);
  ASSERT_INT_EQ(s.handles, 0);
  zbuf__block_release(b);
  s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 0);
  ASSERT_INT_EQ(s.bytes, 0);
}

TEST(block_alloc_of_zero_bytes_has_null_data) {
  zbuf__block *b = NULL;
  ASSERT_OK(zbuf__block_alloc(ZBUF_CPU, 0, &b, NULL), (zbuf_error *)NULL);
  ASSERT(b->data == NULL);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 1);
  zbuf__block_release(b);
}

TEST(block_retain_keeps_memory_until_the_last_release) {
  zbuf__block *b = NULL;
  ASSERT_OK(zbuf__block_alloc(ZBUF_CPU, 8, &b, NULL), (zbuf_error *)NULL);
  ASSERT(zbuf__block_retain(b) == b);
  zbuf__block_retain(b);
  zbuf__block_release(b);
  zbuf__block_release(b);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 1);
  memset(b->data, 0, 8);
  zbuf__block_release(b);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 0);
  zbuf__block_release(NULL);
  ASSERT(zbuf__block_retain(NULL) == NULL);
}

TEST(block_wrap_calls_release_exactly_once_after_the_last_reference) {
  char mem[32];
  release_log log = {0};
  zbuf__block *b = NULL;
  ASSERT_OK(zbuf__block_wrap(ZBUF_CPU, mem, sizeof mem, record_release, &log, &b, NULL), (zbuf_error *)NULL);
  ASSERT(b->data == mem && !b->owned);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 1);
  ASSERT_INT_EQ(s.bytes, 32);
  zbuf__block_retain(b);
  zbuf__block_release(b);
  ASSERT_INT_EQ(atomic_load(&log.calls), 0);
  zbuf__block_release(b);
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
  ASSERT(log.data == mem);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().bytes, 0);
}

TEST(block_wrap_without_release_is_allowed) {
  char mem[4];
  zbuf__block *b = NULL;
  ASSERT_OK(zbuf__block_wrap(ZBUF_CPU, mem, 4, NULL, NULL, &b, NULL), (zbuf_error *)NULL);
  zbuf__block_release(b);
}

TEST(block_wrap_rejects_null_data_with_a_size) {
  zbuf_error e = {0}, *err = &e;
  zbuf__block *b = (zbuf__block *)&e;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf__block_wrap(ZBUF_CPU, NULL, 4, NULL, NULL, &b, err), err);
  ASSERT(strstr(err->message, "data") != NULL);
  ASSERT(b == (zbuf__block *)&e);
  ASSERT_OK(zbuf__block_wrap(ZBUF_CPU, NULL, 0, NULL, NULL, &b, err), err);
  zbuf__block_release(b);
}

TEST(block_rejects_bad_devices_and_null_out) {
  zbuf_error e = {0}, *err = &e;
  zbuf__block *b = NULL;
  zbuf_device bogus = {(zbuf_device_type)42, 0};
  char mem[4];
  ASSERT_STATUS(ZBUF_ETYPE, zbuf__block_alloc(bogus, 8, &b, err), err);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf__block_wrap(bogus, mem, 4, NULL, NULL, &b, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf__block_alloc(ZBUF_CPU, 8, NULL, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf__block_wrap(ZBUF_CPU, mem, 4, NULL, NULL, NULL, err), err);
  ASSERT(b == NULL);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks + s.bytes, 0);
}

TEST(block_alloc_of_an_impossible_size_is_einval_or_enomem) {
  zbuf_error e = {0}, *err = &e;
  zbuf__block *b = NULL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf__block_alloc(ZBUF_CPU, SIZE_MAX, &b, err), err);
  ASSERT(b == NULL);
#if ZBUF_TEST_ASAN
  SKIP("sanitizers abort on impossible malloc sizes instead of returning NULL");
#endif
  zbuf_status st = zbuf__block_alloc(ZBUF_CPU, (size_t)INT64_MAX, &b, err);
  ASSERT_STATUS(ZBUF_ENOMEM, st, err);
  ASSERT(b == NULL);
}

TEST(block_alloc_survives_every_allocation_failure) {
  zbuf_error e = {0}, *err = &e;
  for (int64_t k = 1;; k++) {
    zbuf__block *b = NULL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf__block_alloc(ZBUF_CPU, 64, &b, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      ASSERT(k > 2); /* a header and the data: two allocations to fail */
      zbuf__block_release(b);
      break;
    }
    ASSERT_STATUS(ZBUF_ENOMEM, st, err);
    ASSERT(b == NULL);
    zbuf_alloc_stats s = zbuf_alloc_stats_get();
    ASSERT_INT_EQ(s.blocks + s.bytes + s.handles, 0);
  }
}

TEST(block_wrap_failure_does_not_call_release) {
  zbuf_error e = {0}, *err = &e;
  char mem[8];
  release_log log = {0};
  zbuf__block *b = NULL;
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_ANY);
  ASSERT_STATUS(ZBUF_ENOMEM, zbuf__block_wrap(ZBUF_CPU, mem, 8, record_release, &log, &b, err), err);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
  ASSERT(b == NULL);
  ASSERT_INT_EQ(atomic_load(&log.calls), 0);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 0);
}

enum { THREADS = 8, ITERS = 10000 };

static void *churn_block(void *arg) {
  zbuf__block *b = arg;
  for (int i = 0; i < ITERS; i++) zbuf__block_release(zbuf__block_retain(b));
  zbuf__block_release(b); /* each thread was handed one reference */
  return NULL;
}

TEST(block_refcount_is_exact_under_concurrent_retain_release) {
  char mem[16];
  release_log log = {0};
  zbuf__block *b = NULL;
  ASSERT_OK(zbuf__block_wrap(ZBUF_CPU, mem, sizeof mem, record_release, &log, &b, NULL), (zbuf_error *)NULL);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    zbuf__block_retain(b);
    ASSERT_INT_EQ(pthread_create(&t[i], NULL, churn_block, b), 0);
  }
  zbuf__block_release(b);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 0);
}

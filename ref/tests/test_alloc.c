/* Unit tests for alloc.c: live-allocation counters and the fault-injection hook. */
#include <pthread.h>

#include "internal.h"
#include "test.h"

TEST(alloc_stats_start_at_zero_and_follow_stats_add) {
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 0);
  ASSERT_INT_EQ(s.bytes, 0);
  ASSERT_INT_EQ(s.handles, 0);
  zbuf__stats_add(2, 100, 3);
  s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 2);
  ASSERT_INT_EQ(s.bytes, 100);
  ASSERT_INT_EQ(s.handles, 3);
  zbuf__stats_add(-2, -100, -3);
  s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks + s.bytes + s.handles, 0);
}

TEST(malloc_and_calloc_give_usable_memory) {
  unsigned char *p = zbuf__malloc(64);
  ASSERT(p != NULL);
  memset(p, 0xab, 64);
  ASSERT(p[63] == 0xab);
  zbuf__free(p);
  unsigned char *q = zbuf__calloc(16, 4);
  ASSERT(q != NULL);
  for (int i = 0; i < 64; i++) ASSERT(q[i] == 0);
  zbuf__free(q);
  void *z = zbuf__malloc(0);
  ASSERT(z != NULL);
  zbuf__free(z);
  zbuf__free(NULL);
}

TEST(calloc_refuses_overflowing_products) { ASSERT(zbuf__calloc(SIZE_MAX / 2, 3) == NULL); }

TEST(fault_injection_fails_the_kth_allocation_once) {
  zbuf_testing_fail_allocation(3, ZBUF_ALLOC_HOST);
  void *a = zbuf__malloc(8), *b = zbuf__malloc(8), *c = zbuf__malloc(8), *d = zbuf__malloc(8);
  ASSERT(a != NULL && b != NULL);
  ASSERT(c == NULL);
  ASSERT(d != NULL);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 4);
  zbuf__free(a);
  zbuf__free(b);
  zbuf__free(d);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
}

TEST(fault_injection_counts_only_kinds_in_the_mask) {
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_DEVICE);
  void *a = zbuf__malloc(8);
  ASSERT(a != NULL);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 0);
  ASSERT_INT_EQ(zbuf__alloc_should_fail(ZBUF_ALLOC_PINNED), 0);
  ASSERT_INT_EQ(zbuf__alloc_should_fail(ZBUF_ALLOC_DEVICE), 1);
  ASSERT_INT_EQ(zbuf__alloc_should_fail(ZBUF_ALLOC_DEVICE), 0);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 2);
  zbuf__free(a);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
}

TEST(fault_injection_zero_disarms_but_keeps_counting) {
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
  for (int i = 0; i < 10; i++) ASSERT_INT_EQ(zbuf__alloc_should_fail(ZBUF_ALLOC_HOST), 0);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 10);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 0);
}

TEST(fault_injection_calloc_is_counted) {
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_HOST);
  ASSERT(zbuf__calloc(4, 4) == NULL);
  void *p = zbuf__calloc(4, 4);
  ASSERT(p != NULL);
  zbuf__free(p);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), 2);
}

enum { THREADS = 8, PER_THREAD = 10000 };
static atomic_int failures;

static void *count_allocations(void *arg) {
  (void)arg;
  for (int i = 0; i < PER_THREAD; i++)
    if (zbuf__alloc_should_fail(ZBUF_ALLOC_HOST)) atomic_fetch_add(&failures, 1);
  return NULL;
}

TEST(fault_injection_is_one_shot_across_threads) {
  zbuf_testing_fail_allocation(THREADS * PER_THREAD / 2, ZBUF_ALLOC_HOST);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) ASSERT_INT_EQ(pthread_create(&t[i], NULL, count_allocations, NULL), 0);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  ASSERT_INT_EQ(atomic_load(&failures), 1);
  ASSERT_INT_EQ(zbuf_testing_allocation_count(), THREADS * PER_THREAD);
}

static void *add_and_remove_stats(void *arg) {
  (void)arg;
  for (int i = 0; i < PER_THREAD; i++) {
    zbuf__stats_add(1, 7, 1);
    zbuf__stats_add(-1, -7, -1);
  }
  zbuf__stats_add(1, 3, 2);
  return NULL;
}

TEST(alloc_stats_are_exact_after_concurrent_updates) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) ASSERT_INT_EQ(pthread_create(&t[i], NULL, add_and_remove_stats, NULL), 0);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, THREADS);
  ASSERT_INT_EQ(s.bytes, 3 * THREADS);
  ASSERT_INT_EQ(s.handles, 2 * THREADS);
  zbuf__stats_add(-THREADS, -3 * THREADS, -2 * THREADS);
}

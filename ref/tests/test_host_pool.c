/* Unit tests for the host block pool (host_pool.c): a large block given back is reused by the next request of
 * about its size, small blocks and blocks over the cap are not kept, the cap is honoured, and buffers made
 * from pooled memory hold the right bytes and count as live only while they live. */
#include "test.h"

#include "internal.h"

#define MIB ((size_t)1 << 20)

static void fresh_pool(size_t cap) {
  zbuf__host_pool_set_cap(cap);
  zbuf__host_pool_trim();
}

TEST(a_large_block_given_back_is_reused_by_the_next_request_of_its_size) {
  fresh_pool(64 * MIB);
  zbuf_error e = {0}, *err = &e;
  void *a = NULL, *b = NULL;
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 8 * MIB, &a, err), err);
  memset(a, 0x3c, 8 * MIB);
  zbuf__mem_free(ZBUF_CPU, a, 8 * MIB);
  zbuf__host_pool_stats s0 = zbuf__host_pool_stats_get();
  ASSERT_UINT_EQ(s0.idle_bytes, 8 * MIB);
  ASSERT_INT_EQ(s0.idle_blocks, 1);
  /* Slightly smaller still fits (at most a quarter of waste); the same memory comes back. */
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 7 * MIB, &b, err), err);
  ASSERT(b == a);
  zbuf__host_pool_stats s1 = zbuf__host_pool_stats_get();
  ASSERT_UINT_EQ(s1.hits, s0.hits + 1);
  ASSERT_UINT_EQ(s1.idle_bytes, 0);
  zbuf__mem_free(ZBUF_CPU, b, 7 * MIB);
  fresh_pool(0);
}

TEST(a_much_smaller_request_does_not_take_a_large_block) {
  fresh_pool(64 * MIB);
  zbuf_error e = {0}, *err = &e;
  void *a = NULL, *b = NULL;
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 16 * MIB, &a, err), err);
  zbuf__mem_free(ZBUF_CPU, a, 16 * MIB);
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 4 * MIB, &b, err), err);
  ASSERT(b != a);
  ASSERT_UINT_EQ(zbuf__host_pool_stats_get().idle_bytes, 16 * MIB);
  zbuf__mem_free(ZBUF_CPU, b, 4 * MIB);
  fresh_pool(0);
}

TEST(small_blocks_and_blocks_over_the_cap_are_not_kept) {
  fresh_pool(8 * MIB);
  zbuf_error e = {0}, *err = &e;
  void *small = NULL, *big = NULL;
  size_t small_size = zbuf__host_pool_stats_get().min_size / 2;
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, small_size, &small, err), err);
  zbuf__mem_free(ZBUF_CPU, small, small_size);
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 16 * MIB, &big, err), err);
  zbuf__mem_free(ZBUF_CPU, big, 16 * MIB);
  zbuf__host_pool_stats s = zbuf__host_pool_stats_get();
  ASSERT_UINT_EQ(s.idle_bytes, 0);
  ASSERT_INT_EQ(s.idle_blocks, 0);
  fresh_pool(0);
}

TEST(the_cap_evicts_the_oldest_idle_blocks_first) {
  fresh_pool(10 * MIB);
  zbuf_error e = {0}, *err = &e;
  void *a = NULL, *b = NULL, *c = NULL;
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 4 * MIB, &a, err), err);
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 4 * MIB, &b, err), err);
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 4 * MIB, &c, err), err);
  zbuf__mem_free(ZBUF_CPU, a, 4 * MIB);
  zbuf__mem_free(ZBUF_CPU, b, 4 * MIB);
  zbuf__mem_free(ZBUF_CPU, c, 4 * MIB); /* 12 MiB > 10 MiB: a, the oldest, goes */
  zbuf__host_pool_stats s = zbuf__host_pool_stats_get();
  ASSERT_UINT_EQ(s.idle_bytes, 8 * MIB);
  ASSERT_INT_EQ(s.idle_blocks, 2);
  void *x = NULL, *y = NULL;
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 4 * MIB, &x, err), err);
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 4 * MIB, &y, err), err);
  ASSERT((x == b && y == c) || (x == c && y == b));
  zbuf__mem_free(ZBUF_CPU, x, 4 * MIB);
  zbuf__mem_free(ZBUF_CPU, y, 4 * MIB);
  fresh_pool(0);
}

TEST(buffers_in_pooled_memory_hold_their_bytes_and_count_only_while_alive) {
  fresh_pool(64 * MIB);
  zbuf_error e = {0}, *err = &e;
  size_t n = 6 * MIB;
  unsigned char *src = malloc(n);
  ASSERT(src != NULL);
  for (int round = 0; round < 3; round++) {
    for (size_t i = 0; i < n; i++) src[i] = (unsigned char)(i * 7 + (size_t)round);
    zbuf_buffer *b = NULL;
    ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, src, n, &b, err), err);
    ASSERT_MEM_EQ(zbuf_buffer_data(b), src, n);
    zbuf_alloc_stats live = zbuf_alloc_stats_get();
    ASSERT_INT_EQ(live.bytes, (int64_t)n);
    zbuf_buffer_release(b);
    zbuf_alloc_stats after = zbuf_alloc_stats_get();
    ASSERT_INT_EQ(after.blocks, 0);
    ASSERT_INT_EQ(after.bytes, 0);
  }
  ASSERT(zbuf__host_pool_stats_get().hits >= 2); /* rounds 2 and 3 reused round 1's block */
  free(src);
  fresh_pool(0);
}

TEST(fault_injection_still_fails_pooled_sizes) {
  fresh_pool(64 * MIB);
  zbuf_error e = {0}, *err = &e;
  void *a = NULL;
  ASSERT_OK(zbuf__mem_alloc(ZBUF_CPU, 8 * MIB, &a, err), err);
  zbuf__mem_free(ZBUF_CPU, a, 8 * MIB); /* an idle block is there to take ... */
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_HOST);
  void *p = (void *)&e;
  ASSERT_STATUS(ZBUF_ENOMEM, zbuf__mem_alloc(ZBUF_CPU, 8 * MIB, &p, err), err); /* ... but the failure wins */
  ASSERT(p == (void *)&e);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
  fresh_pool(0);
}

/* Unit tests for parallel_copy.c: the host memcpy the pinned staging path spreads over worker threads. It is
 * host code, so these run on every machine. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "parallel_copy.h"
#include "test.h"

static void pattern(unsigned char *p, size_t n, unsigned seed) {
  uint32_t x = 2463534242u ^ seed;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (unsigned char)x;
  }
}

/* Copies n bytes at an odd offset and checks every byte, and the guard bytes around the destination. */
static int copy_ok(size_t n, unsigned seed) {
  unsigned char *src = calloc(n + 3, 1), *dst = malloc(n + 5);
  if (src == NULL || dst == NULL) {
    free(src);
    free(dst);
    return 0;
  }
  pattern(src, n + 3, seed);
  memset(dst, 0xee, n + 5);
  zbuf__parallel_memcpy(dst + 1, src + 3, n);
  int ok = dst[0] == 0xee && memcmp(dst + 1, src + 3, n) == 0;
  for (size_t i = n + 1; i < n + 5; i++) ok = ok && dst[i] == 0xee;
  free(src);
  free(dst);
  return ok;
}

TEST(parallel_memcpy_copies_every_byte_at_every_size) {
  size_t sizes[] = {
      0, 1, 4096, ((size_t)2 << 20) - 1, (size_t)2 << 20, ((size_t)2 << 20) + 1, ((size_t)37 << 20) + 3};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) ASSERT(copy_ok(sizes[i], (unsigned)i));
}

TEST(parallel_memcpy_starts_workers_on_a_machine_with_cores) {
  int w = zbuf__parallel_copy_workers();
  ASSERT(w >= 0 && w <= 32);
  ASSERT_INT_EQ(zbuf__parallel_copy_workers(), w); /* started once */
}

TEST(parallel_memcpy_with_workers_turned_off_copies_alone) {
  setenv("ZBUF_COPY_THREADS", "0", 1);
  ASSERT_INT_EQ(zbuf__parallel_copy_workers(), 0);
  ASSERT(copy_ok((size_t)9 << 20, 7));
}

TEST(parallel_memcpy_with_many_workers_copies_every_byte) {
  setenv("ZBUF_COPY_THREADS", "7", 1);
  ASSERT_INT_EQ(zbuf__parallel_copy_workers(), 7);
  ASSERT(copy_ok(((size_t)21 << 20) + 11, 8));
}

enum { THREADS = 6, ROUNDS = 8 };
static atomic_int failures;

static void *copier(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  for (int r = 0; r < ROUNDS; r++)
    if (!copy_ok(((size_t)3 << 20) + seed * 4099u + (size_t)r, seed * 31u + (unsigned)r))
      atomic_fetch_add(&failures, 1);
  return NULL;
}

TEST(concurrent_callers_each_get_their_own_bytes) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    ASSERT_INT_EQ(pthread_create(&t[i], NULL, copier, (void *)(uintptr_t)(i + 1)), 0);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  ASSERT_INT_EQ(atomic_load(&failures), 0);
}

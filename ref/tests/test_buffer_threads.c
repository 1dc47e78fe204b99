/* Unit tests for buffer.c under threads: Zarr-Python hands Buffers between threads, so reference counts and
 * release callbacks must be exact when many threads retain, slice and release at once, and writers to
 * disjoint slices of one buffer must not disturb each other. */
#include <pthread.h>
#include <stdatomic.h>

#include "test.h"
#include "test_util.h"

enum { THREADS = 8, ITERS = 10000 };

static void *churn_buffer(void *arg) {
  zbuf_buffer *b = arg;
  for (int i = 0; i < ITERS; i++) zbuf_buffer_release(zbuf_buffer_retain(b));
  zbuf_buffer_release(b);
  return NULL;
}

TEST(retain_release_from_many_threads_frees_exactly_once) {
  char mem[4] = "abc";
  release_log log = {0};
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_wrap(ZBUF_CPU, mem, 3, record_release, &log, &b, NULL), (zbuf_error *)NULL);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    zbuf_buffer_retain(b);
    ASSERT_INT_EQ(pthread_create(&t[i], NULL, churn_buffer, b), 0);
  }
  zbuf_buffer_release(b);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.handles + s.blocks + s.bytes, 0);
}

static void *churn_views(void *arg) {
  zbuf_buffer *b = arg;
  for (int i = 0; i < ITERS / 10; i++) {
    zbuf_buffer *v = NULL;
    if (zbuf_buffer_slice(b, ZBUF_SLICE(0, 2), &v, NULL) != ZBUF_OK) return arg;
    zbuf_buffer_release(v);
  }
  zbuf_buffer_release(b);
  return NULL;
}

TEST(views_made_and_dropped_in_many_threads_release_once) {
  char mem[4] = "abc";
  release_log log = {0};
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_wrap(ZBUF_CPU, mem, 3, record_release, &log, &b, NULL), (zbuf_error *)NULL);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    ASSERT_INT_EQ(pthread_create(&t[i], NULL, churn_views, zbuf_buffer_retain(b)), 0);
  zbuf_buffer_release(b);
  for (int i = 0; i < THREADS; i++) {
    void *r = NULL;
    pthread_join(t[i], &r);
    ASSERT(r == NULL);
  }
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
}

enum { SPAN = 4096 };

typedef struct writer {
  zbuf_buffer *dst;
  int index;
  zbuf_status status;
} writer;

static void *write_own_slice(void *arg) {
  writer *w = arg;
  unsigned char bytes[SPAN];
  memset(bytes, 'A' + w->index, SPAN);
  zbuf_buffer *value = NULL;
  w->status = zbuf_buffer_from_bytes(ZBUF_CPU, bytes, SPAN, &value, NULL);
  for (int i = 0; i < 100 && w->status == ZBUF_OK; i++)
    w->status = zbuf_buffer_set_slice(
        w->dst, ZBUF_SLICE((int64_t)w->index * SPAN, (int64_t)(w->index + 1) * SPAN), value, NULL);
  zbuf_buffer_release(value);
  return NULL;
}

TEST(writers_to_disjoint_slices_do_not_disturb_each_other) {
  zbuf_buffer *dst = NULL;
  static unsigned char zeros[THREADS * SPAN];
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, zeros, sizeof zeros, &dst, NULL), (zbuf_error *)NULL);
  pthread_t t[THREADS];
  writer w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (writer){dst, i, ZBUF_OK};
    ASSERT_INT_EQ(pthread_create(&t[i], NULL, write_own_slice, &w[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  const unsigned char *p = zbuf_buffer_data(dst);
  for (int i = 0; i < THREADS; i++) {
    ASSERT_INT_EQ(w[i].status, ZBUF_OK);
    for (int j = 0; j < SPAN; j++) ASSERT_INT_EQ(p[i * SPAN + j], 'A' + i);
  }
  zbuf_buffer_release(dst);
}

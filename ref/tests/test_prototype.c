/* Unit tests for prototype.c: Zarr-Python's BufferPrototype and default_buffer_prototype(). */
#include <pthread.h>
#include <stdatomic.h>

#include "test.h"

static zbuf_prototype make(zbuf_device_type bt, int bid, zbuf_device_type nt, int nid) {
  zbuf_prototype p;
  p.buffer.type = bt;
  p.buffer.id = bid;
  p.nd_buffer.type = nt;
  p.nd_buffer.id = nid;
  return p;
}

TEST(cpu_prototype_is_host_for_both_kinds) {
  zbuf_prototype p = zbuf_prototype_cpu();
  ASSERT(zbuf_device_equal(p.buffer, ZBUF_CPU));
  ASSERT(zbuf_device_equal(p.nd_buffer, ZBUF_CPU));
}

TEST(gpu_prototype_is_the_cuda_device_for_both_kinds) {
  zbuf_prototype p = zbuf_prototype_gpu(3);
  ASSERT_INT_EQ(p.buffer.type, ZBUF_DEVICE_CUDA);
  ASSERT_INT_EQ(p.buffer.id, 3);
  ASSERT_INT_EQ(p.nd_buffer.type, ZBUF_DEVICE_CUDA);
  ASSERT_INT_EQ(p.nd_buffer.id, 3);
}

TEST(default_prototype_starts_as_cpu) {
  ASSERT(zbuf_prototype_equal(zbuf_default_prototype(), zbuf_prototype_cpu()));
}

TEST(set_default_prototype_replaces_it) {
  zbuf_error e = {0}, *err = &e;
  zbuf_prototype mixed = make(ZBUF_DEVICE_CUDA_HOST, 0, ZBUF_DEVICE_CUDA, 5);
  ASSERT_OK(zbuf_set_default_prototype(mixed, err), err);
  zbuf_prototype got = zbuf_default_prototype();
  ASSERT(zbuf_prototype_equal(got, mixed));
  ASSERT_INT_EQ(got.nd_buffer.id, 5);
  /* A GPU prototype is accepted whether or not a GPU is present: that is checked at allocation. */
  ASSERT_OK(zbuf_set_default_prototype(zbuf_prototype_gpu(1), err), err);
  ASSERT(zbuf_prototype_equal(zbuf_default_prototype(), zbuf_prototype_gpu(1)));
  ASSERT_OK(zbuf_set_default_prototype(zbuf_prototype_cpu(), err), err);
  ASSERT(zbuf_prototype_equal(zbuf_default_prototype(), zbuf_prototype_cpu()));
}

TEST(set_default_prototype_rejects_unknown_types_and_keeps_the_old_one) {
  zbuf_error e = {0}, *err = &e;
  zbuf_prototype before = make(ZBUF_DEVICE_CUDA, 2, ZBUF_DEVICE_CPU, 0);
  ASSERT_OK(zbuf_set_default_prototype(before, err), err);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_set_default_prototype(make((zbuf_device_type)9, 0, ZBUF_DEVICE_CPU, 0), err),
                err);
  ASSERT(strstr(err->message, "prototype.buffer") != NULL);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_set_default_prototype(make(ZBUF_DEVICE_CPU, 0, (zbuf_device_type)0, 0), err),
                err);
  ASSERT(strstr(err->message, "prototype.nd_buffer") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_set_default_prototype(make(ZBUF_DEVICE_CUDA, -1, ZBUF_DEVICE_CPU, 0), err),
                err);
  ASSERT(strstr(err->message, "prototype.buffer.id") != NULL);
  ASSERT(zbuf_prototype_equal(zbuf_default_prototype(), before));
}

TEST(prototype_equal_compares_both_devices) {
  ASSERT(zbuf_prototype_equal(zbuf_prototype_gpu(0), zbuf_prototype_gpu(0)));
  ASSERT(!zbuf_prototype_equal(zbuf_prototype_gpu(0), zbuf_prototype_gpu(1)));
  ASSERT(!zbuf_prototype_equal(zbuf_prototype_gpu(0), zbuf_prototype_cpu()));
  ASSERT(!zbuf_prototype_equal(make(ZBUF_DEVICE_CPU, 0, ZBUF_DEVICE_CUDA, 0), zbuf_prototype_cpu()));
}

/* Writers alternate between prototypes whose two halves differ by writer, so a torn read (buffer from one
 * write, nd_buffer from another) would show up as a pair that no writer ever stored. */
enum { WRITERS = 4, READERS = 4, ITERS = 10000 };
static atomic_int stop_readers;

static zbuf_prototype written(int w, int i) {
  return make(ZBUF_DEVICE_CUDA, w * 100000 + i, ZBUF_DEVICE_CUDA_HOST, w * 100000 + i + 7);
}

static void *write_prototypes(void *arg) {
  int w = (int)(intptr_t)arg;
  for (int i = 0; i < ITERS; i++)
    if (zbuf_set_default_prototype(written(w, i), NULL) != ZBUF_OK) return arg;
  return NULL;
}

static void *read_prototypes(void *arg) {
  long bad = 0, reads = 0;
  while (!atomic_load(&stop_readers) || reads < ITERS) {
    zbuf_prototype p = zbuf_default_prototype();
    reads++;
    if (zbuf_prototype_equal(p, zbuf_prototype_cpu())) continue;
    int v = p.buffer.id;
    int w = v / 100000, i = v % 100000;
    if (w < 0 || w >= WRITERS || i >= ITERS || !zbuf_prototype_equal(p, written(w, i))) bad++;
  }
  (void)arg;
  return (void *)(intptr_t)bad;
}

TEST(default_prototype_reads_are_never_torn_under_concurrent_writes) {
  pthread_t wt[WRITERS], rt[READERS];
  for (int i = 0; i < READERS; i++) ASSERT_INT_EQ(pthread_create(&rt[i], NULL, read_prototypes, NULL), 0);
  for (int i = 0; i < WRITERS; i++)
    ASSERT_INT_EQ(pthread_create(&wt[i], NULL, write_prototypes, (void *)(intptr_t)i), 0);
  for (int i = 0; i < WRITERS; i++) {
    void *r = (void *)1;
    pthread_join(wt[i], &r);
    ASSERT(r == NULL);
  }
  atomic_store(&stop_readers, 1);
  for (int i = 0; i < READERS; i++) {
    void *r = (void *)1;
    pthread_join(rt[i], &r);
    ASSERT_INT_EQ((intptr_t)r, 0);
  }
  zbuf_prototype last = zbuf_default_prototype();
  int found = 0;
  for (int w = 0; w < WRITERS; w++) found |= zbuf_prototype_equal(last, written(w, ITERS - 1));
  ASSERT(found);
}

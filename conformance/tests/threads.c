/* zbuf conformance: the THREAD clauses of Buffers and of the default prototype (BUF-THREAD-*,
 * PROTO-THREAD-*); those of NDBuffers and conversions are in threads_nd.c.
 *
 * Each test starts TH_N threads together (conform_threads_run: a barrier, so their calls overlap), runs
 * enough iterations to make races likely in well under a second, checks every result a worker sees, and
 * checks the end state after joining; with ZBUF_CAP_ALLOC_STATS the harness also checks the probe is back at
 * its start. A deadlock is a TIMEOUT. Without ZBUF_CAP_THREAD_SAFE the clauses are UNSUPPORTED. */
#include <pthread.h>

#include "memprobe.h"
#include "threadprobe.h"

#define TH_CAPS (ZBUF_CAP_HOST | ZBUF_CAP_THREAD_SAFE)

/* ---- BUF-THREAD-001: concurrent readers of one Buffer ---- */

typedef struct buf_readers {
  zbuf_impl_buffer *buf;
  const unsigned char *pat;
  size_t n;
  void *data; /* the raw view, seen once by the main thread */
} buf_readers;

static void buf_reader_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  buf_readers *r = arg;
  uint32_t rng = 1000u + (uint32_t)index;
  const double t0 = th_now();
  for (int i = 0; i < 10000 && th_go(i, t0); i++) {
    size_t len = 1 + th_rand(&rng) % 4096, off = th_rand(&rng) % (r->n - len);
    zbuf_error e;
    zbuf_impl_buffer *s = NULL, *t = NULL;
    th_ok(ctx, index, I->buffer_slice(I, r->buf, ZBUF_SLICE((int64_t)off, (int64_t)(off + len)), &s, &e), &e,
          "buffer_slice");
    switch ((i + index) % 5) {
      case 0: th_expect_buf(ctx, index, s, r->pat + off, len, "a slice"); break;
      case 1: {
        int eq = -1;
        t = th_from_bytes(ctx, index, ctx->dev, r->pat + off, len);
        th_ok(ctx, index, I->buffer_equal(I, s, t, &eq, &e), &e, "buffer_equal");
        if (eq != 1) conform_fail(ctx, "thread %d: equal(slice, same bytes) = %d, expected 1", index, eq);
        break;
      }
      case 2:
        th_ok(ctx, index, I->buffer_to_host(I, s, &t, &e), &e, "buffer_to_host");
        th_expect_buf(ctx, index, t, r->pat + off, len, "to_host of a slice");
        break;
      case 3:
        th_ok(ctx, index, I->buffer_from_buffer(I, ctx->dev, s, &t, &e), &e, "buffer_from_buffer");
        th_expect_buf(ctx, index, t, r->pat + off, len, "from_buffer of a slice");
        break;
      default: {
        void *data = NULL;
        size_t n = 0;
        DLDevice dev;
        th_ok(ctx, index, I->buffer_info(I, r->buf, &data, &n, &dev, &e), &e, "buffer_info");
        if (data != r->data || n != r->n || !conform_device_equal(dev, ctx->dev))
          conform_fail(ctx, "thread %d: buffer_info gave %p/%zu/%s, expected %p/%zu/%s", index, data, n,
                       conform_device_name(dev), r->data, r->n, conform_device_name(ctx->dev));
        if (conform_device_is_host(dev) && memcmp((unsigned char *)data + off, r->pat + off, len) != 0)
          conform_fail(ctx, "thread %d: raw view bytes [%zu, %zu) differ from the pattern", index, off,
                       off + len);
      }
    }
    I->buffer_release(I, t);
    I->buffer_release(I, s);
  }
}

CONFORM_TEST_VARIANTS("BUF-THREAD-001", MP_KINDS, TH_CAPS, buf_thread_001_concurrent_readers) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  CONFORM_NEED_OP(ctx, buffer_equal);
  CONFORM_NEED_OP(ctx, buffer_to_host);
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  buf_readers r = {NULL, NULL, (size_t)1 << 20, NULL};
  unsigned char *pat = malloc(r.n);
  if (!pat) conform_unresolved(ctx, "malloc failed");
  r.buf = mp_buf_pattern(ctx, ctx->dev, pat, r.n, 401);
  r.pat = pat;
  r.data = conform_buffer_data(ctx, r.buf);
  conform_threads_run(ctx, TH_N, buf_reader_worker, &r);
  th_expect_buf(ctx, -1, r.buf, pat, r.n, "the buffer after all readers");
  I->buffer_release(I, r.buf);
  free(pat);
}

/* ---- BUF-THREAD-002: concurrent creation and release ---- */

typedef struct buf_creators {
  int wrap; /* wrap own host memory too */
  atomic_int wraps;
  th_release_count released;
} buf_creators;

static void buf_creator_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  buf_creators *c = arg;
  unsigned char pat[96], both[96 + 32];
  const double t0 = th_now();
  for (int i = 0; i < 10000 && th_go(i, t0); i++) {
    zbuf_error e;
    conform_fill_pattern(pat, sizeof pat, (unsigned)(index * 100000 + i));
    zbuf_impl_buffer *b = th_from_bytes(ctx, index, ctx->dev, pat, sizeof pat), *s = NULL, *w = NULL,
                     *cat = NULL;
    th_ok(ctx, index, I->buffer_slice(I, b, ZBUF_SLICE(16, 48), &s, &e), &e, "buffer_slice");
    const zbuf_impl_buffer *parts[2] = {b, s};
    th_ok(ctx, index, I->buffer_combine(I, parts, 2, &cat, &e), &e, "buffer_combine");
    memcpy(both, pat, 96);
    memcpy(both + 96, pat + 16, 32);
    if (i % 8 == 0) th_expect_buf(ctx, index, cat, both, sizeof both, "combine of own buffers");
    if (c->wrap) {
      unsigned char *mem = malloc(64);
      if (!mem) conform_unresolved(ctx, "malloc failed");
      memcpy(mem, pat, 64);
      th_ok(ctx, index, I->buffer_wrap(I, ctx->dev, mem, 64, th_count_release_free, &c->released, &w, &e), &e,
            "buffer_wrap");
      atomic_fetch_add(&c->wraps, 1);
      if (i % 8 == 0) th_expect_buf(ctx, index, w, pat, 64, "own wrapped memory");
    }
    I->buffer_release(I, cat);
    I->buffer_release(I, w);
    I->buffer_release(I, b);
    I->buffer_release(I, s);
  }
}

CONFORM_TEST_VARIANTS("BUF-THREAD-002", MP_KINDS, TH_CAPS, buf_thread_002_concurrent_create_release) {
  CONFORM_NEED_OP(ctx, buffer_slice);
  CONFORM_NEED_OP(ctx, buffer_combine);
  /* The test can only hand over memory it can allocate itself: plain host memory. */
  buf_creators c;
  c.wrap = ctx->dev.device_type == kDLCPU && (ctx->impl->capabilities & ZBUF_CAP_WRAP) &&
           CONFORM_HAS_OP(ctx->impl, buffer_wrap);
  atomic_init(&c.wraps, 0);
  atomic_init(&c.released.calls, 0);
  conform_threads_run(ctx, TH_N, buf_creator_worker, &c);
  CONFORM_ASSERT_INT_EQ(ctx, atomic_load(&c.wraps), atomic_load(&c.released.calls));
  /* The harness compares the live-allocation probe with its value before the body. */
}

/* ---- BUF-THREAD-003: retain and release of one shared Buffer ---- */

typedef struct buf_shared {
  zbuf_impl_buffer *w;
  const unsigned char *pat;
  th_release_count released;
} buf_shared;

static void buf_shared_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  buf_shared *sh = arg;
  const double t0 = th_now();
  int dropped = 0;
  for (int i = 0; i < 100000 && th_go(i, t0); i++) {
    zbuf_error e;
    zbuf_impl_buffer *r = I->buffer_retain(I, sh->w), *s = NULL;
    if (r != sh->w)
      conform_fail(ctx, "thread %d: buffer_retain returned %p, expected %p", index, (void *)r, (void *)sh->w);
    int off = i % 24;
    th_ok(ctx, index, I->buffer_slice(I, r, ZBUF_SLICE(off, off + 8), &s, &e), &e, "buffer_slice");
    if (i % 256 == 0) th_expect_buf(ctx, index, s, sh->pat + off, 8, "a slice of the shared buffer");
    if (atomic_load(&sh->released.calls) != 0)
      conform_fail(ctx, "thread %d: release callback ran while this thread held a reference", index);
    I->buffer_release(I, r);
    I->buffer_release(I, s);
    /* The creator's reference is dropped while the others work. */
    if (index == 0 && i == TH_MIN_ITERS) I->buffer_release(I, sh->w), dropped = 1;
  }
  if (index == 0 && !dropped) I->buffer_release(I, sh->w);
  if (atomic_load(&sh->released.calls) != 0)
    conform_fail(ctx, "thread %d: release callback ran before this thread dropped its reference", index);
  I->buffer_release(I, sh->w);
}

CONFORM_TEST_VARIANTS("BUF-THREAD-003", MP_KINDS, TH_CAPS | ZBUF_CAP_WRAP,
                      buf_thread_003_shared_retain_release) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_wrap);
  CONFORM_NEED_OP(ctx, buffer_retain);
  CONFORM_NEED_OP(ctx, buffer_slice);
  unsigned char pat[32];
  conform_fill_pattern(pat, sizeof pat, 403);
  mp_mem m = mp_mem_new(ctx, ctx->dev, pat, sizeof pat);
  buf_shared sh = {NULL, pat, {0}};
  atomic_init(&sh.released.calls, 0);
  CONFORM_OK(ctx, I->buffer_wrap(I, ctx->dev, m.ptr, m.n, th_count_release, &sh.released, &sh.w, &ctx->err));
  /* One reference per thread, taken before they start; the creator's own is dropped by thread 0. */
  for (int t = 0; t < TH_N; t++) CONFORM_ASSERT_PTR_EQ(ctx, sh.w, I->buffer_retain(I, sh.w));
  conform_threads_run(ctx, TH_N, buf_shared_worker, &sh);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&sh.released.calls));
  mp_mem_free(ctx, &m);
}

/* ---- BUF-THREAD-004: writers to disjoint slices ---- */

enum { W_RANGE = 4096 };

typedef struct buf_writers {
  zbuf_impl_buffer *buf;
  unsigned char *data; /* raw view when host-readable, else NULL */
  unsigned char final[TH_N][W_RANGE];
} buf_writers;

static void buf_writer_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  buf_writers *w = arg;
  unsigned char other[W_RANGE];
  conform_fill_pattern(other, sizeof other, 500u + (unsigned)index);
  zbuf_impl_buffer *v[2] = {th_from_bytes(ctx, index, ctx->dev, other, W_RANGE),
                            th_from_bytes(ctx, index, ctx->dev, w->final[index], W_RANGE)};
  const int64_t off = (int64_t)index * W_RANGE;
  for (int i = 0; i < 1000; i++) {
    zbuf_error e;
    if (w->data && i % 4 == 1) {
      memcpy(w->data + off, i % 2 ? w->final[index] : other, W_RANGE);
      continue;
    }
    th_ok(ctx, index, I->buffer_set_slice(I, w->buf, ZBUF_SLICE(off, off + W_RANGE), v[i % 2], &e), &e,
          "buffer_set_slice");
  }
  I->buffer_release(I, v[0]);
  I->buffer_release(I, v[1]);
}

CONFORM_TEST_VARIANTS("BUF-THREAD-004", MP_KINDS, TH_CAPS, buf_thread_004_disjoint_writers) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  buf_writers *w = calloc(1, sizeof *w);
  unsigned char *zero = calloc(TH_N, W_RANGE);
  if (!w || !zero) conform_unresolved(ctx, "calloc failed");
  for (int t = 0; t < TH_N; t++) conform_fill_pattern(w->final[t], W_RANGE, 600u + (unsigned)t);
  w->buf = conform_buffer_from_bytes(ctx, ctx->dev, zero, (size_t)TH_N * W_RANGE);
  if (conform_device_is_host(ctx->dev)) w->data = conform_buffer_data(ctx, w->buf);
  conform_threads_run(ctx, TH_N, buf_writer_worker, w);
  /* The last write of every thread is its final pattern; ranges are next to each other in final[]. */
  th_expect_buf(ctx, -1, w->buf, w->final, (size_t)TH_N * W_RANGE, "the buffer after all writers");
  I->buffer_release(I, w->buf);
  free(zero);
  free(w);
}

/* ---- BUF-THREAD-005: release from any thread ---- */

typedef struct release_slot {
  zbuf_impl_buffer *own, *slice, *wrapped;
  mp_mem mem;
  unsigned char pat[32];
  pthread_t worker;      /* the thread that released */
  pthread_t callback_on; /* where the release callback ran */
  atomic_int calls;
} release_slot;

static void slot_release(void *data, void *ctx) {
  (void)data;
  release_slot *s = ctx;
  s->callback_on = pthread_self();
  atomic_fetch_add(&s->calls, 1);
}

static void buf_releaser_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  release_slot *s = &((release_slot *)arg)[index];
  s->worker = pthread_self();
  th_expect_buf(ctx, index, s->slice, s->pat + 4, 16, "a slice made on the main thread");
  I->buffer_release(I, s->own);
  th_expect_buf(ctx, index, s->slice, s->pat + 4, 16, "the slice after its parent's release");
  I->buffer_release(I, s->slice);
  I->buffer_release(I, s->wrapped);
}

CONFORM_TEST_VARIANTS("BUF-THREAD-005", MP_KINDS, TH_CAPS, buf_thread_005_release_from_any_thread) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  const int wrap = (I->capabilities & ZBUF_CAP_WRAP) && CONFORM_HAS_OP(I, buffer_wrap);
  if (!wrap) conform_note(ctx, "no ZBUF_CAP_WRAP: only Buffers of the implementation's own memory released");
  release_slot *slots = calloc(TH_N, sizeof *slots);
  if (!slots) conform_unresolved(ctx, "calloc failed");
  for (int t = 0; t < TH_N; t++) {
    release_slot *s = &slots[t];
    atomic_init(&s->calls, 0);
    s->own = mp_buf_pattern(ctx, ctx->dev, s->pat, sizeof s->pat, 700u + (unsigned)t);
    CONFORM_SETUP(ctx, I->buffer_slice(I, s->own, ZBUF_SLICE(4, 20), &s->slice, &ctx->err));
    if (wrap) {
      s->mem = mp_mem_new(ctx, ctx->dev, s->pat, sizeof s->pat);
      CONFORM_SETUP(
          ctx, I->buffer_wrap(I, ctx->dev, s->mem.ptr, s->mem.n, slot_release, s, &s->wrapped, &ctx->err));
    }
  }
  conform_threads_run(ctx, TH_N, buf_releaser_worker, slots);
  for (int t = 0; t < TH_N && wrap; t++) {
    release_slot *s = &slots[t];
    if (atomic_load(&s->calls) != 1)
      conform_fail(ctx, "wrapped buffer %d: release callback ran %d time(s), expected 1", t,
                   atomic_load(&s->calls));
    if (!pthread_equal(s->callback_on, s->worker))
      conform_fail(ctx, "wrapped buffer %d: release callback ran on another thread than the releasing worker",
                   t);
    mp_mem_free(ctx, &s->mem);
  }
  free(slots);
}

/* ---- PROTO-THREAD: the default prototype ---- */

static int proto_eq(zbuf_impl_prototype a, zbuf_impl_prototype b) {
  return conform_device_equal(a.buffer, b.buffer) && conform_device_equal(a.nd_buffer, b.nd_buffer);
}

static zbuf_impl_prototype th_read_default(conform_ctx *ctx, int index) {
  zbuf_error e;
  zbuf_impl_prototype p;
  th_ok(ctx, index, ctx->impl->default_prototype(ctx->impl, &p, &e), &e, "default_prototype");
  return p;
}

typedef struct proto_race {
  zbuf_impl_prototype values[TH_N]; /* the values that may be seen */
  int nvalues;
  atomic_int writing; /* writers still running (PROTO-THREAD-002) */
} proto_race;

static void proto_check(conform_ctx *ctx, int index, const proto_race *r, zbuf_impl_prototype p) {
  for (int v = 0; v < r->nvalues; v++)
    if (proto_eq(p, r->values[v])) return;
  conform_fail(ctx, "thread %d: read default prototype {%s, %s}, which nobody wrote", index,
               conform_device_name(p.buffer), conform_device_name(p.nd_buffer));
}

static void proto_reader_worker(conform_ctx *ctx, int index, void *arg) {
  const double t0 = th_now();
  for (int i = 0; i < 1000000 && th_go(i, t0); i++) proto_check(ctx, index, arg, th_read_default(ctx, index));
}

CONFORM_TEST("PROTO-THREAD-001", "", ZBUF_CAP_THREAD_SAFE, proto_thread_001_concurrent_reads) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  proto_race r = {.nvalues = 1};
  CONFORM_SETUP(ctx, I->default_prototype(I, &r.values[0], &ctx->err));
  CONFORM_SETUP(ctx, I->set_default_prototype(I, &r.values[0], &ctx->err));
  conform_threads_run(ctx, TH_N, proto_reader_worker, &r);
}

/* Thread 0 alternates the default between values[0] and values[1]; the others read until it is done. */
static void proto_replace_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  proto_race *r = arg;
  if (index == 0) {
    const double t0 = th_now();
    for (int i = 0; i < 1000000 && th_go(i, t0); i++) {
      zbuf_error e;
      th_ok(ctx, index, I->set_default_prototype(I, &r->values[i % 2], &e), &e, "set_default_prototype");
    }
    atomic_store(&r->writing, 0);
    return;
  }
  long reads = 0;
  while (atomic_load(&r->writing) || reads == 0) {
    proto_check(ctx, index, r, th_read_default(ctx, index));
    reads++;
  }
}

CONFORM_TEST("PROTO-THREAD-002", "", ZBUF_CAP_THREAD_SAFE, proto_thread_002_no_mix) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  /* The two kinds differ in both fields, so either mix ({cpu, cpu} or {cuda, cuda}) is told apart. */
  const DLDevice cpu = {kDLCPU, 0}, gpu = {kDLCUDA, 0};
  proto_race r = {.values = {{cpu, gpu}, {gpu, cpu}}, .nvalues = 2};
  atomic_init(&r.writing, 1);
  CONFORM_SETUP(ctx, I->set_default_prototype(I, &r.values[1], &ctx->err));
  CONFORM_SETUP(ctx, I->set_default_prototype(I, &r.values[0], &ctx->err));
  conform_threads_run(ctx, TH_N, proto_replace_worker, &r);
  proto_check(ctx, -1, &r, th_read_default(ctx, -1));
}

static void proto_setter_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  proto_race *r = arg;
  const double t0 = th_now();
  for (int i = 0; i < 100000 && th_go(i, t0); i++) {
    zbuf_error e;
    th_ok(ctx, index, I->set_default_prototype(I, &r->values[index], &e), &e, "set_default_prototype");
    proto_check(ctx, index, r, th_read_default(ctx, index));
  }
}

CONFORM_TEST("PROTO-THREAD-003", "", ZBUF_CAP_THREAD_SAFE, proto_thread_003_concurrent_replacements) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  /* Eight of the nine pairs of the three memory kinds, one per thread. */
  const DLDevice k[3] = {{kDLCPU, 0}, {kDLCUDAHost, 0}, {kDLCUDA, 0}};
  proto_race r = {.nvalues = TH_N};
  for (int t = 0; t < TH_N; t++) r.values[t] = (zbuf_impl_prototype){k[t / 3], k[t % 3]};
  for (int t = 0; t < TH_N; t++) CONFORM_SETUP(ctx, I->set_default_prototype(I, &r.values[t], &ctx->err));
  conform_threads_run(ctx, TH_N, proto_setter_worker, &r);
  proto_check(ctx, -1, &r, th_read_default(ctx, -1));
}

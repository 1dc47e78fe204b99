/* zbuf conformance: the THREAD clauses of NDBuffers and of conversions between memory kinds (ND-THREAD-*,
 * CONV-THREAD-*); those of Buffers and the default prototype are in threads.c, whose header says how these
 * tests work. Expected values are computed up front in the test (the arrays hold known patterns), so every
 * result a worker sees is checked. */
#include <pthread.h>

#include "memprobe.h"
#include "threadprobe.h"

#define TH_ND_CAPS (ZBUF_CAP_HOST | ZBUF_CAP_ND | ZBUF_CAP_THREAD_SAFE)

static const char *th_f8(void) { return th_little() ? "<f8" : ">f8"; }

/* ---- ND-THREAD-001: concurrent readers of one NDBuffer ---- */

enum { R = 64 };

typedef struct nd_readers {
  zbuf_impl_ndbuffer *a; /* R x R doubles, a[i][j] = i * R + j */
  double want[R * R];
  double want_t[R * R]; /* transposed */
  int32_t want_i4[R * R];
} nd_readers;

static void nd_reader_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  nd_readers *r = arg;
  uint32_t rng = 2000u + (uint32_t)index;
  double row[R];
  const double t0 = th_now();
  for (int i = 0; i < 3000 && th_go(i, t0); i++) {
    zbuf_error e;
    zbuf_impl_ndbuffer *v = NULL, *w = NULL;
    int eq = -1;
    switch ((i + index) % 7) {
      case 0: { /* a[r0:r1:step, c] */
        int64_t r0 = th_rand(&rng) % R, r1 = r0 + 1 + th_rand(&rng) % (R - r0), step = 1 + th_rand(&rng) % 3,
                c = th_rand(&rng) % R, n = 0;
        const zbuf_index idx[2] = {ZBUF_RANGE(ZBUF_SLICE_STEP(r0, r1, step)), ZBUF_AT(c)};
        th_ok(ctx, index, I->ndbuffer_get_item(I, r->a, 2, idx, &v, &e), &e, "ndbuffer_get_item");
        for (int64_t k = r0; k < r1; k += step) row[n++] = r->want[k * R + c];
        th_expect_nd(ctx, index, v, row, (size_t)n * sizeof(double), "a[r0:r1:step, c]");
        break;
      }
      case 1: {
        const int64_t axes[2] = {1, 0};
        th_ok(ctx, index, I->ndbuffer_transpose(I, r->a, 2, axes, &v, &e), &e, "ndbuffer_transpose");
        th_expect_nd(ctx, index, v, r->want_t, sizeof r->want_t, "transpose");
        break;
      }
      case 2: {
        const int64_t shape[2] = {R / 2, 2 * R};
        th_ok(ctx, index, I->ndbuffer_reshape(I, r->a, 2, shape, &v, &e), &e, "ndbuffer_reshape");
        th_expect_nd(ctx, index, v, r->want, sizeof r->want, "reshape");
        break;
      }
      case 3:
        th_ok(ctx, index, I->ndbuffer_copy(I, r->a, &v, &e), &e, "ndbuffer_copy");
        th_ok(ctx, index, I->ndbuffer_all_equal(I, v, r->a, 0, &eq, &e), &e, "ndbuffer_all_equal");
        if (eq != 1) conform_fail(ctx, "thread %d: all_equal(copy, a) = %d, expected 1", index, eq);
        break;
      case 4:
        th_ok(ctx, index, I->ndbuffer_astype(I, r->a, mp_i4(), &v, &e), &e, "ndbuffer_astype");
        th_expect_nd(ctx, index, v, r->want_i4, sizeof r->want_i4, "astype int32");
        break;
      case 5:
        th_ok(ctx, index, I->ndbuffer_to_host(I, r->a, &v, &e), &e, "ndbuffer_to_host");
        th_expect_nd(ctx, index, v, r->want, sizeof r->want, "to_host");
        break;
      default: { /* squeeze(a[k:k+1, :]) is row k */
        int64_t k = th_rand(&rng) % R;
        const zbuf_index idx[1] = {ZBUF_RANGE(ZBUF_SLICE(k, k + 1))};
        const int64_t axis[1] = {0};
        th_ok(ctx, index, I->ndbuffer_get_item(I, r->a, 1, idx, &w, &e), &e, "ndbuffer_get_item");
        th_ok(ctx, index, I->ndbuffer_squeeze(I, w, 1, axis, &v, &e), &e, "ndbuffer_squeeze");
        th_expect_nd(ctx, index, v, &r->want[k * R], R * sizeof(double), "squeeze of a row");
        const double x = r->want[k * R + 5];
        const zbuf_index at[1] = {ZBUF_AT(5)};
        zbuf_impl_ndbuffer *one = NULL;
        th_ok(ctx, index, I->ndbuffer_get_item(I, v, 1, at, &one, &e), &e, "ndbuffer_get_item");
        th_ok(ctx, index, I->ndbuffer_all_equal_scalar(I, one, &x, 0, &eq, &e), &e, "all_equal_scalar");
        if (eq != 1)
          conform_fail(ctx, "thread %d: all_equal_scalar(a[%lld, 5]) = %d, expected 1", index, (long long)k,
                       eq);
        I->ndbuffer_release(I, one);
      }
    }
    I->ndbuffer_release(I, v);
    I->ndbuffer_release(I, w);
  }
}

CONFORM_TEST_VARIANTS("ND-THREAD-001", MP_KINDS, TH_ND_CAPS, nd_thread_001_concurrent_readers) {
  const zbuf_impl *I = ctx->impl;
  /* The readers use all of these; an implementation without one is UNSUPPORTED, not a NULL call. */
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  CONFORM_NEED_OP(ctx, ndbuffer_copy);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  CONFORM_NEED_OP(ctx, ndbuffer_to_host);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  nd_readers *r = malloc(sizeof *r);
  if (!r) conform_unresolved(ctx, "malloc failed");
  for (int i = 0; i < R; i++)
    for (int j = 0; j < R; j++) {
      r->want[i * R + j] = r->want_t[j * R + i] = i * R + j + 0.25 * (j % 2);
      r->want_i4[i * R + j] = i * R + j;
    }
  const int64_t shape[2] = {R, R};
  r->a = conform_nd_from_host(ctx, ctx->nd_dev, r->want, 2, shape, th_f8());
  conform_threads_run(ctx, TH_N, nd_reader_worker, r);
  th_expect_nd(ctx, -1, r->a, r->want, sizeof r->want, "the array after all readers");
  I->ndbuffer_release(I, r->a);
  free(r);
}

/* ---- ND-THREAD-002: concurrent creation and release ---- */

typedef struct nd_creators {
  int wrap;
  atomic_int wraps;
  th_release_count released;
} nd_creators;

static void nd_creator_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  nd_creators *c = arg;
  const int64_t shape[2] = {3, 5};
  const double t0 = th_now();
  for (int i = 0; i < 5000 && th_go(i, t0); i++) {
    zbuf_error e;
    int32_t fill = index * 1000000 + i, host[15], want[15];
    for (int k = 0; k < 15; k++) host[k] = fill + k, want[k] = fill;
    zbuf_impl_ndbuffer *a = NULL, *b = NULL, *h = NULL, *w = NULL;
    th_ok(ctx, index, I->ndbuffer_create(I, ctx->nd_dev, 2, shape, mp_i4(), ZBUF_ORDER_C, &fill, &a, &e), &e,
          "ndbuffer_create");
    th_ok(ctx, index, I->ndbuffer_empty(I, ctx->nd_dev, 2, shape, mp_i4(), ZBUF_ORDER_F, &b, &e), &e,
          "ndbuffer_empty");
    th_ok(ctx, index, I->ndbuffer_from_host(I, ctx->nd_dev, host, 2, shape, NULL, mp_i4(), &h, &e), &e,
          "ndbuffer_from_host");
    if (i % 4 == 0) {
      th_expect_nd(ctx, index, a, want, sizeof want, "own created array");
      th_expect_nd(ctx, index, h, host, sizeof host, "own from_host array");
    }
    if (c->wrap) {
      int32_t *mem = malloc(sizeof host);
      if (!mem) conform_unresolved(ctx, "malloc failed");
      memcpy(mem, host, sizeof host);
      th_ok(ctx, index,
            I->ndbuffer_wrap(I, ctx->host, mem, 2, shape, NULL, mp_i4(), th_count_release_free, &c->released,
                             &w, &e),
            &e, "ndbuffer_wrap");
      atomic_fetch_add(&c->wraps, 1);
      if (i % 4 == 0) th_expect_nd(ctx, index, w, host, sizeof host, "own wrapped array");
    }
    I->ndbuffer_release(I, h);
    I->ndbuffer_release(I, a);
    I->ndbuffer_release(I, w);
    I->ndbuffer_release(I, b);
  }
}

CONFORM_TEST_VARIANTS("ND-THREAD-002", MP_KINDS, TH_ND_CAPS, nd_thread_002_concurrent_create_release) {
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  CONFORM_NEED_OP(ctx, ndbuffer_empty);
  CONFORM_NEED_OP(ctx, ndbuffer_from_host);
  nd_creators c;
  /* Wrapping needs memory of the array's kind that the test owns: plain host memory only. */
  c.wrap = ctx->nd_dev.device_type == kDLCPU && (ctx->impl->capabilities & ZBUF_CAP_WRAP) &&
           CONFORM_HAS_OP(ctx->impl, ndbuffer_wrap);
  atomic_init(&c.wraps, 0);
  atomic_init(&c.released.calls, 0);
  conform_threads_run(ctx, TH_N, nd_creator_worker, &c);
  CONFORM_ASSERT_INT_EQ(ctx, atomic_load(&c.wraps), atomic_load(&c.released.calls));
}

/* ---- ND-THREAD-003: retain and release of one shared NDBuffer and its views ---- */

typedef struct nd_shared {
  zbuf_impl_ndbuffer *a; /* 8 x 8 int32 0..63 over wrapped memory */
  th_release_count released;
} nd_shared;

static void nd_shared_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  nd_shared *sh = arg;
  const double t0 = th_now();
  int dropped = 0;
  for (int i = 0; i < 30000 && th_go(i, t0); i++) {
    zbuf_error e;
    zbuf_impl_ndbuffer *r = I->ndbuffer_retain(I, sh->a), *v = NULL, *t = NULL;
    if (r != sh->a) conform_fail(ctx, "thread %d: ndbuffer_retain returned another handle", index);
    const int64_t k = i % 8;
    const zbuf_index idx[1] = {ZBUF_AT(k)};
    th_ok(ctx, index, I->ndbuffer_get_item(I, r, 1, idx, &v, &e), &e, "ndbuffer_get_item");
    th_ok(ctx, index, I->ndbuffer_transpose(I, r, 0, NULL, &t, &e), &e, "ndbuffer_transpose");
    if (i % 512 == 0) {
      int32_t want[8];
      for (int j = 0; j < 8; j++) want[j] = (int32_t)(k * 8 + j);
      th_expect_nd(ctx, index, v, want, sizeof want, "a row view of the shared array");
    }
    if (atomic_load(&sh->released.calls) != 0)
      conform_fail(ctx, "thread %d: release callback ran while this thread held a reference", index);
    I->ndbuffer_release(I, r);
    /* Views may outlive the reference they were taken through. */
    I->ndbuffer_release(I, t);
    I->ndbuffer_release(I, v);
    if (index == 0 && i == TH_MIN_ITERS) I->ndbuffer_release(I, sh->a), dropped = 1;
  }
  if (index == 0 && !dropped) I->ndbuffer_release(I, sh->a);
  if (atomic_load(&sh->released.calls) != 0)
    conform_fail(ctx, "thread %d: release callback ran before this thread dropped its reference", index);
  I->ndbuffer_release(I, sh->a);
}

CONFORM_TEST_VARIANTS("ND-THREAD-003", MP_KINDS, TH_ND_CAPS | ZBUF_CAP_WRAP,
                      nd_thread_003_shared_retain_release) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_wrap);
  CONFORM_NEED_OP(ctx, ndbuffer_retain);
  int32_t init[64];
  for (int i = 0; i < 64; i++) init[i] = i;
  mp_mem m = mp_mem_new(ctx, ctx->nd_dev, init, sizeof init);
  nd_shared sh = {NULL, {0}};
  atomic_init(&sh.released.calls, 0);
  const int64_t shape[2] = {8, 8};
  CONFORM_OK(ctx, I->ndbuffer_wrap(I, ctx->nd_dev, m.ptr, 2, shape, NULL, mp_i4(), th_count_release,
                                   &sh.released, &sh.a, &ctx->err));
  for (int t = 0; t < TH_N; t++) CONFORM_ASSERT_PTR_EQ(ctx, sh.a, I->ndbuffer_retain(I, sh.a));
  conform_threads_run(ctx, TH_N, nd_shared_worker, &sh);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&sh.released.calls));
  mp_mem_free(ctx, &m);
}

/* ---- ND-THREAD-004: writers to disjoint selections ---- */

enum { W = 64, MAX_ITEM = 16 };

typedef struct nd_writers {
  zbuf_impl_ndbuffer *a; /* W x W, zeros */
  size_t itemsize;
  int cols;                             /* thread t owns column t, else rows t::TH_N */
  unsigned char val[TH_N][2][MAX_ITEM]; /* two values per thread; [1] is written last */
  zbuf_impl_ndbuffer *one[TH_N][2];     /* shape-(1,) arrays holding them, for set_item */
} nd_writers;

static void nd_writer_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  nd_writers *w = arg;
  zbuf_index idx[2] = {ZBUF_RANGE(ZBUF_SLICE_STEP(index, W, TH_N)), ZBUF_RANGE(ZBUF_SLICE_ALL)};
  if (w->cols) idx[1] = ZBUF_AT(index);
  zbuf_error e;
  zbuf_impl_ndbuffer *view = NULL;
  if (w->cols) idx[0] = ZBUF_RANGE(ZBUF_SLICE_ALL);
  th_ok(ctx, index, I->ndbuffer_get_item(I, w->a, 2, idx, &view, &e), &e, "ndbuffer_get_item");
  for (int i = 0; i < 1000; i++) {
    const unsigned char *v = w->val[index][i % 2];
    switch (i % 3) {
      case 0:
        th_ok(ctx, index, I->ndbuffer_set_item_scalar(I, w->a, 2, idx, v, &e), &e,
              "ndbuffer_set_item_scalar");
        break;
      case 1: th_ok(ctx, index, I->ndbuffer_fill(I, view, v, &e), &e, "ndbuffer_fill of a view"); break;
      default:
        th_ok(ctx, index, I->ndbuffer_set_item(I, w->a, 2, idx, w->one[index][i % 2], &e), &e,
              "ndbuffer_set_item");
    }
  }
  I->ndbuffer_release(I, view);
}

#define EP4(l) l "@cpu," l "@cuda_host," l "@cuda"
#define ND_THREAD_004_VARIANTS                                                                             \
  EP4("rows-u1")                                                                                           \
  "," EP4("rows-u2") "," EP4("rows-u8") "," EP4("rows-c16") "," EP4("cols-u1") "," EP4("cols-u2") "," EP4( \
      "cols-u8") "," EP4("cols-c16")

CONFORM_TEST_VARIANTS("ND-THREAD-004", ND_THREAD_004_VARIANTS, TH_ND_CAPS, nd_thread_004_disjoint_writers) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  nd_writers *w = calloc(1, sizeof *w);
  if (!w) conform_unresolved(ctx, "calloc failed");
  w->cols = strncmp(ctx->label, "cols", 4) == 0;
  const char *kind = strchr(ctx->label, '-') + 1;
  const int le = th_little();
  const char *dtype = strcmp(kind, "u1") == 0   ? "|u1"
                      : strcmp(kind, "u2") == 0 ? (le ? "<u2" : ">u2")
                      : strcmp(kind, "u8") == 0 ? (le ? "<u8" : ">u8")
                                                : (le ? "<c16" : ">c16");
  w->itemsize = strcmp(kind, "c16") == 0 ? 16 : (size_t)(kind[1] - '0');
  for (int t = 0; t < TH_N; t++)
    for (int p = 0; p < 2; p++) {
      if (w->itemsize == 16) { /* finite doubles, so no NaN handling can touch the bits */
        double z[2] = {(t + 1) * 1.5 + p, -(t + 1) * 0.25 - p};
        memcpy(w->val[t][p], z, 16);
      } else {
        for (size_t k = 0; k < w->itemsize; k++)
          w->val[t][p][k] = (unsigned char)(0x11 * (t + 1) + 0x40 * p + 7 * k);
      }
    }
  const int64_t shape[2] = {W, W}, one[1] = {1};
  CONFORM_SETUP(ctx,
                I->ndbuffer_create(I, ctx->nd_dev, 2, shape, dtype, ZBUF_ORDER_C, NULL, &w->a, &ctx->err));
  for (int t = 0; t < TH_N; t++)
    for (int p = 0; p < 2; p++)
      CONFORM_SETUP(ctx, I->ndbuffer_create(I, ctx->nd_dev, 1, one, dtype, ZBUF_ORDER_C, w->val[t][p],
                                            &w->one[t][p], &ctx->err));
  conform_threads_run(ctx, TH_N, nd_writer_worker, w);
  size_t n = (size_t)W * W * w->itemsize;
  unsigned char *seen = malloc(n), zero[MAX_ITEM] = {0};
  if (!seen) conform_unresolved(ctx, "malloc failed");
  conform_nd_read(ctx, w->a, seen, n);
  for (int r = 0; r < W; r++)
    for (int c = 0; c < W; c++) {
      int t = w->cols ? (c < TH_N ? c : -1) : r % TH_N;
      const unsigned char *want = t >= 0 ? w->val[t][1] : zero;
      if (memcmp(seen + ((size_t)r * W + c) * w->itemsize, want, w->itemsize) != 0)
        conform_fail(ctx, "element [%d, %d] does not hold %s (itemsize %zu)", r, c,
                     t >= 0 ? "its writer's last value" : "its initial zero", w->itemsize);
    }
  free(seen);
  for (int t = 0; t < TH_N; t++) I->ndbuffer_release(I, w->one[t][0]), I->ndbuffer_release(I, w->one[t][1]);
  I->ndbuffer_release(I, w->a);
  free(w);
}

/* ---- ND-THREAD-005: overlapping writers ---- */

enum { OV_STEP = 256, OV_LEN = 2048, OV_N = OV_STEP * (TH_N - 1) + OV_LEN };

typedef struct nd_overlap {
  zbuf_impl_ndbuffer *a;
  double pat[TH_N];
} nd_overlap;

static void nd_overlap_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  nd_overlap *o = arg;
  const zbuf_index idx[1] = {ZBUF_RANGE(ZBUF_SLICE(index * OV_STEP, index * OV_STEP + OV_LEN))};
  zbuf_error e;
  zbuf_impl_ndbuffer *view = NULL;
  th_ok(ctx, index, I->ndbuffer_get_item(I, o->a, 1, idx, &view, &e), &e, "ndbuffer_get_item");
  const double t0 = th_now();
  for (int i = 0; i < 3000 && th_go(i, t0); i++) {
    if (i % 2)
      th_ok(ctx, index, I->ndbuffer_fill(I, view, &o->pat[index], &e), &e, "ndbuffer_fill");
    else
      th_ok(ctx, index, I->ndbuffer_set_item_scalar(I, o->a, 1, idx, &o->pat[index], &e), &e,
            "set_item_scalar");
  }
  I->ndbuffer_release(I, view);
}

CONFORM_TEST("ND-THREAD-005", "", TH_ND_CAPS, nd_thread_005_overlapping_writers) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  nd_overlap o;
  /* Bit patterns that differ in every byte, so a torn element matches none of them. */
  for (int t = 0; t < TH_N; t++) o.pat[t] = -(1.0 + t / 7.0) * 1e-3 * (t + 1);
  const int64_t shape[1] = {OV_N};
  CONFORM_SETUP(
      ctx, I->ndbuffer_create(I, ctx->nd_dev, 1, shape, th_f8(), ZBUF_ORDER_C, &o.pat[0], &o.a, &ctx->err));
  conform_threads_run(ctx, TH_N, nd_overlap_worker, &o);
  double *seen = malloc(OV_N * sizeof *seen);
  if (!seen) conform_unresolved(ctx, "malloc failed");
  conform_nd_read(ctx, o.a, seen, OV_N * sizeof *seen);
  for (int i = 0; i < OV_N; i++) {
    int ok = 0;
    for (int t = 0; t < TH_N && !ok; t++)
      ok = i >= t * OV_STEP && i < t * OV_STEP + OV_LEN && memcmp(&seen[i], &o.pat[t], sizeof(double)) == 0;
    if (!ok) conform_fail(ctx, "element %d holds %a, none of the values written to it", i, seen[i]);
  }
  free(seen);
  I->ndbuffer_release(I, o.a);
}

/* ---- CONV-THREAD-001 / 002: concurrent conversions of one source ---- */

enum { CV_BYTES = 8 << 20, CV_ROUNDS = 12 };

typedef struct conv_shared {
  zbuf_impl_buffer *src;  /* CV_BYTES of pattern in ctx->dev */
  zbuf_impl_ndbuffer *nd; /* the same bytes as a 1024 x 8192 |u1 array, or NULL without ND */
  const unsigned char *pat;
  int upload; /* CONV-THREAD-002: results are written to prove they are independent */
} conv_shared;

static void conv_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  conv_shared *c = arg;
  unsigned char *seen = malloc(CV_BYTES);
  if (!seen) conform_unresolved(ctx, "malloc failed");
  for (int i = 0; i < CV_ROUNDS; i++) {
    zbuf_error e;
    zbuf_impl_buffer *out = NULL;
    zbuf_impl_ndbuffer *nout = NULL;
    const char *what = "buffer_from_buffer";
    if (!c->upload && i % 3 == 0) {
      what = "buffer_to_host";
      th_ok(ctx, index, I->buffer_to_host(I, c->src, &out, &e), &e, what);
    } else if (c->nd && i % 3 == 1) {
      what = "ndbuffer_to_device";
      th_ok(ctx, index, I->ndbuffer_to_device(I, c->nd, ctx->dev2, &nout, &e), &e, what);
    } else {
      th_ok(ctx, index, I->buffer_from_buffer(I, ctx->dev2, c->src, &out, &e), &e, what);
    }
    if (c->upload && out) {
      /* Every thread marks its own copy; a copy shared with another thread would show a foreign mark. */
      unsigned char mark = (unsigned char)(c->pat[index] ^ (0x80 | index));
      zbuf_impl_buffer *m = th_from_bytes(ctx, index, ctx->dev2, &mark, 1);
      th_ok(ctx, index, I->buffer_set_slice(I, out, ZBUF_SLICE(index, index + 1), m, &e), &e,
            "buffer_set_slice");
      I->buffer_release(I, m);
      th_ok(ctx, index, I->buffer_to_bytes(I, out, seen, CV_BYTES, &e), &e, "buffer_to_bytes");
      if (seen[index] != mark) conform_fail(ctx, "thread %d: its mark is missing from its own copy", index);
      seen[index] = c->pat[index];
    } else if (out) {
      th_ok(ctx, index, I->buffer_to_bytes(I, out, seen, CV_BYTES, &e), &e, "buffer_to_bytes");
    } else {
      th_ok(ctx, index, I->ndbuffer_to_bytes(I, nout, seen, CV_BYTES, &e), &e, "ndbuffer_to_bytes");
    }
    if (memcmp(seen, c->pat, CV_BYTES) != 0)
      conform_fail(ctx, "thread %d: round %d: the result of %s differs from the source's bytes", index, i,
                   what);
    I->buffer_release(I, out);
    I->ndbuffer_release(I, nout);
  }
  free(seen);
}

static void conv_run(conform_ctx *ctx, int upload) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  CONFORM_NEED_OP(ctx, buffer_to_host);
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  unsigned char *pat = malloc(CV_BYTES);
  if (!pat) conform_unresolved(ctx, "malloc failed");
  conv_shared c = {mp_buf_pattern(ctx, ctx->dev, pat, CV_BYTES, 801), NULL, pat, upload};
  if ((I->capabilities & ZBUF_CAP_ND) && CONFORM_HAS_OP(I, ndbuffer_to_device)) {
    const int64_t shape[2] = {1024, CV_BYTES / 1024};
    c.nd = conform_nd_from_host(ctx, ctx->dev, pat, 2, shape, "|u1");
  }
  conform_threads_run(ctx, TH_N, conv_worker, &c);
  th_expect_buf(ctx, -1, c.src, pat, CV_BYTES, "the source after all conversions");
  I->ndbuffer_release(I, c.nd);
  I->buffer_release(I, c.src);
  free(pat);
}

CONFORM_TEST_VARIANTS("CONV-THREAD-001", "cuda->cpu,cuda->cuda_host", ZBUF_CAP_THREAD_SAFE,
                      conv_thread_001_concurrent_downloads) {
  conv_run(ctx, 0);
}

CONFORM_TEST_VARIANTS("CONV-THREAD-002", "cpu->cuda,cuda_host->cuda", ZBUF_CAP_THREAD_SAFE,
                      conv_thread_002_concurrent_uploads) {
  conv_run(ctx, 1);
}

/* ---- CONV-THREAD-003: DLPack exports and deleters on other threads ---- */

enum { DL_EXPORTS = 1000, DL_STACK = TH_N * DL_EXPORTS };

typedef struct dl_exchange {
  zbuf_impl_ndbuffer *a; /* 16 x 16 int32, 0..255 */
  pthread_mutex_t lock;
  DLManagedTensor *stack[DL_STACK]; /* exported, waiting for some thread's deleter */
  int top;
  int host; /* tensors' memory is host-readable */
} dl_exchange;

static DLManagedTensor *dl_pop(dl_exchange *x) {
  pthread_mutex_lock(&x->lock);
  DLManagedTensor *t = x->top ? x->stack[--x->top] : NULL;
  pthread_mutex_unlock(&x->lock);
  return t;
}

static void dl_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  dl_exchange *x = arg;
  const double t0 = th_now();
  for (int i = 0; i < DL_EXPORTS && th_go(i, t0); i++) {
    zbuf_error e;
    DLManagedTensor *t = NULL;
    th_ok(ctx, index, I->ndbuffer_to_dlpack(I, x->a, &t, &e), &e, "ndbuffer_to_dlpack");
    if (!t || !t->deleter) conform_fail(ctx, "thread %d: export gave no tensor or no deleter", index);
    if (x->host) {
      const int32_t *p = (const int32_t *)((const char *)t->dl_tensor.data + t->dl_tensor.byte_offset);
      if (p[17] != 17) conform_fail(ctx, "thread %d: exported tensor's element 17 is %d", index, (int)p[17]);
    }
    pthread_mutex_lock(&x->lock);
    x->stack[x->top++] = t;
    pthread_mutex_unlock(&x->lock);
    /* Most likely another thread's tensor. */
    if (i % 2) {
      DLManagedTensor *d = dl_pop(x);
      if (d) d->deleter(d);
    }
  }
  for (DLManagedTensor *d; (d = dl_pop(x)) != NULL;) d->deleter(d);
}

CONFORM_TEST_VARIANTS("CONV-THREAD-003", MP_KINDS, TH_ND_CAPS | ZBUF_CAP_DLPACK,
                      conv_thread_003_dlpack_deleters) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  dl_exchange *x = calloc(1, sizeof *x);
  if (!x || pthread_mutex_init(&x->lock, NULL) != 0) conform_unresolved(ctx, "cannot set up the exchange");
  const int64_t shape[2] = {16, 16};
  x->a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape);
  x->host = conform_device_is_host(ctx->nd_dev);
  conform_threads_run(ctx, TH_N, dl_worker, x);
  for (DLManagedTensor *d; (d = dl_pop(x)) != NULL;) d->deleter(d);
  /* Every deleter ran; the array's memory must still be there for its own handle. */
  int32_t want[256], seen[256];
  for (int i = 0; i < 256; i++) want[i] = i;
  mp_nd_read(ctx, x->a, seen, 256);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->ndbuffer_release(I, x->a);
  pthread_mutex_destroy(&x->lock);
  free(x);
}

/* ---- CONV-THREAD-004: device work from fresh threads ---- */

static void fresh_device_worker(conform_ctx *ctx, int index, void *arg) {
  const zbuf_impl *I = ctx->impl;
  (void)arg;
  unsigned char pat[4096];
  conform_fill_pattern(pat, sizeof pat, 900u + (unsigned)index);
  for (int i = 0; i < 20; i++) {
    zbuf_error e;
    zbuf_impl_buffer *b = th_from_bytes(ctx, index, ctx->dev, pat, sizeof pat), *h = NULL;
    void *data;
    size_t len;
    DLDevice dev;
    th_ok(ctx, index, I->buffer_info(I, b, &data, &len, &dev, &e), &e, "buffer_info");
    if (!conform_device_equal(dev, ctx->dev))
      conform_fail(ctx, "thread %d: buffer made in %s lives in %s", index, conform_device_name(ctx->dev),
                   conform_device_name(dev));
    th_ok(ctx, index, I->buffer_to_host(I, b, &h, &e), &e, "buffer_to_host");
    th_expect_buf(ctx, index, h, pat, sizeof pat, "to_host of a buffer made on this thread");
    I->buffer_release(I, h);
    I->buffer_release(I, b);
  }
}

CONFORM_TEST_VARIANTS("CONV-THREAD-004", "cuda,cuda1", ZBUF_CAP_THREAD_SAFE, conv_thread_004_fresh_threads) {
  /* The workers are new threads that never made a device call; the ordinal comes from the variant. */
  CONFORM_NEED_OP(ctx, buffer_to_host);
  conform_threads_run(ctx, TH_N, fresh_device_worker, NULL);
}

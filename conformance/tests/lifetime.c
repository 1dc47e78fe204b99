/* zbuf conformance: the LIFE clauses (BUF-LIFE-*, ND-LIFE-*, CONV-LIFE-*, PROTO-LIFE-*): when memory is
 * released, who keeps it alive, and that nothing leaks.
 *
 * Validity after a parent's release is shown by reading and writing the survivor (under ASan a use after free
 * would also crash). Release callbacks and DLPack deleters count their calls in the test, which checks the
 * count is 0 while any user is alive and exactly 1 after the last, for every release order. Leaks are read
 * from the implementation's live-allocation probe (UNSUPPORTED without ZBUF_CAP_ALLOC_STATS), failed
 * operations are driven with fault injection (UNSUPPORTED without ZBUF_CAP_FAULT_INJECTION). */
#include "memprobe.h"

/* ---- counting release callbacks ---- */

static atomic_int released; /* calls of count_release */
static void *released_data; /* its last (data, ctx) */
static void *released_ctx;
static int release_token; /* whose address is the ctx given to wrap */

static void count_release(void *data, void *ctx) {
  released_data = data;
  released_ctx = ctx;
  atomic_fetch_add(&released, 1);
}

/* The counts are per process and a worker runs many tests: each test that counts starts from zero. */
static void start_counting_releases(void) {
  atomic_store(&released, 0);
  released_data = released_ctx = NULL;
}

static void expect_released(conform_ctx *ctx, int want, const char *when) {
  int n = atomic_load(&released);
  if (n != want) conform_fail(ctx, "release callback %s: expected %d call(s), seen %d", when, want, n);
}

/* The calls these clauses are about must fail; whether they fail with the right code and message is for the
 * ERR clauses. One that succeeds leaves nothing to judge here. */
static void expect_failed(conform_ctx *ctx, int status, const char *call) {
  if (status != ZBUF_OK) return;
  conform_unresolved(ctx, "%s succeeded, so what a failure does to ownership cannot be observed", call);
}

/* Right after a release, allocations of the same size reuse the freed memory in most allocators: a survivor
 * that did not keep its memory alive then reads these bytes (the complement of what it should hold) instead
 * of its own, even without ASan. The churn Buffers are released by churn_end. */
enum { CHURN = 4 };
static void churn_begin(conform_ctx *ctx, DLDevice dev, const unsigned char *pat, size_t n,
                        zbuf_impl_buffer *out[CHURN]) {
  unsigned char flipped[256];
  if (n > sizeof flipped) conform_unresolved(ctx, "churn_begin: %zu bytes is more than it holds", n);
  for (size_t i = 0; i < n; i++) flipped[i] = (unsigned char)~pat[i];
  for (int i = 0; i < CHURN; i++) out[i] = conform_buffer_from_bytes(ctx, dev, flipped, n);
}

static void churn_end(conform_ctx *ctx, zbuf_impl_buffer *bufs[CHURN]) {
  for (int i = 0; i < CHURN; i++) ctx->impl->buffer_release(ctx->impl, bufs[i]);
}

/* Every permutation of n <= 4 items, as index arrays, in lexicographic order; returns how many. */
static int permutations(int n, int out[24][4]) {
  int count = 0, p[4] = {0, 1, 2, 3};
  for (;;) {
    memcpy(out[count++], p, sizeof p);
    int i = n - 2;
    while (i >= 0 && p[i] > p[i + 1]) i--;
    if (i < 0) return count;
    int j = n - 1;
    while (p[j] < p[i]) j--;
    int t = p[i];
    p[i] = p[j];
    p[j] = t;
    for (int a = i + 1, b = n - 1; a < b; a++, b--) {
      t = p[a];
      p[a] = p[b];
      p[b] = t;
    }
  }
}

/* ---- BUF-LIFE ---- */

CONFORM_TEST_VARIANTS("BUF-LIFE-001", MP_KINDS, ZBUF_CAP_HOST, buf_life_001_slice_outlives_parent) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  unsigned char pat[64], seen[32];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 21);
  zbuf_impl_buffer *v = NULL;
  CONFORM_SETUP(ctx, I->buffer_slice(I, b, ZBUF_SLICE(8, 40), &v, &ctx->err));
  I->buffer_release(I, b);
  zbuf_impl_buffer *churn[CHURN];
  churn_begin(ctx, ctx->dev, pat, sizeof pat, churn);
  conform_buffer_read(ctx, v, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat + 8, seen, sizeof seen);
  unsigned char x[4] = {(unsigned char)~pat[8], (unsigned char)~pat[9], (unsigned char)~pat[10],
                        (unsigned char)~pat[11]};
  mp_buf_write(ctx, v, 0, x, sizeof x);
  memcpy(pat + 8, x, sizeof x);
  conform_buffer_read(ctx, v, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat + 8, seen, sizeof seen);
  churn_end(ctx, churn);
  I->buffer_release(I, v);
}

CONFORM_TEST_VARIANTS("BUF-LIFE-002", MP_KINDS, ZBUF_CAP_HOST | ZBUF_CAP_WRAP,
                      buf_life_002_release_runs_once) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_wrap);
  CONFORM_NEED_OP(ctx, buffer_slice);
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  unsigned char pat[32];
  conform_fill_pattern(pat, sizeof pat, 22);
  mp_mem m = mp_mem_new(ctx, ctx->dev, pat, sizeof pat);
  zbuf_impl_buffer *w = NULL;
  start_counting_releases();
  CONFORM_OK(ctx, I->buffer_wrap(I, ctx->dev, m.ptr, m.n, count_release, &release_token, &w, &ctx->err));
  /* Views come and go while the Buffer lives. */
  for (int i = 0; i < 3; i++) {
    zbuf_impl_buffer *s = NULL, *f = NULL;
    CONFORM_SETUP(ctx, I->buffer_slice(I, w, ZBUF_SLICE(i, 16 + i), &s, &ctx->err));
    CONFORM_SETUP(ctx, I->buffer_from_buffer(I, ctx->dev, s, &f, &ctx->err));
    I->buffer_release(I, s);
    I->buffer_release(I, f);
  }
  expect_released(ctx, 0, "while the wrapping Buffer is alive");
  I->buffer_release(I, w);
  expect_released(ctx, 1, "after the last release");
  CONFORM_ASSERT_PTR_EQ(ctx, m.ptr, released_data);
  CONFORM_ASSERT_PTR_EQ(ctx, &release_token, released_ctx);
  mp_mem_free(ctx, &m);
}

CONFORM_TEST_VARIANTS("BUF-LIFE-003", MP_KINDS, ZBUF_CAP_HOST | ZBUF_CAP_WRAP,
                      buf_life_003_release_after_last_user) {
  /* Users of the wrapped memory: the Buffer, a slice, a slice of that slice, and a from_buffer alias,
   * released in all 24 orders. (The ABI has no NDBuffer view of a Buffer, so NDBuffer views and their DLPack
   * exports are not among them.) */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_wrap);
  CONFORM_NEED_OP(ctx, buffer_slice);
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  static const char *const names[4] = {"buffer", "slice", "slice of slice", "from_buffer alias"};
  int orders[24][4];
  int norders = permutations(4, orders);
  mp_mem m = mp_mem_new(ctx, ctx->dev, NULL, 32);
  for (int o = 0; o < norders; o++) {
    atomic_store(&released, 0);
    zbuf_impl_buffer *u[4] = {NULL, NULL, NULL, NULL};
    CONFORM_OK(ctx, I->buffer_wrap(I, ctx->dev, m.ptr, m.n, count_release, &release_token, &u[0], &ctx->err));
    CONFORM_SETUP(ctx, I->buffer_slice(I, u[0], ZBUF_SLICE(4, 28), &u[1], &ctx->err));
    CONFORM_SETUP(ctx, I->buffer_slice(I, u[1], ZBUF_SLICE(2, 6), &u[2], &ctx->err));
    CONFORM_SETUP(ctx, I->buffer_from_buffer(I, ctx->dev, u[0], &u[3], &ctx->err));
    for (int k = 0; k < 4; k++) {
      int n = atomic_load(&released);
      if (n != 0)
        conform_fail(ctx, "release order %s, %s, %s, %s: callback ran %d time(s) with %d user(s) alive",
                     names[orders[o][0]], names[orders[o][1]], names[orders[o][2]], names[orders[o][3]], n,
                     4 - k);
      I->buffer_release(I, u[orders[o][k]]);
    }
    int n = atomic_load(&released);
    if (n != 1)
      conform_fail(ctx, "release order %s, %s, %s, %s: expected 1 callback after the last release, seen %d",
                   names[orders[o][0]], names[orders[o][1]], names[orders[o][2]], names[orders[o][3]], n);
  }
  mp_mem_free(ctx, &m);
}

/* "null-data", "bad-device", "alloc-failure". */
CONFORM_TEST_VARIANTS("BUF-LIFE-004", "null-data,bad-device,alloc-failure", ZBUF_CAP_HOST | ZBUF_CAP_WRAP,
                      buf_life_004_failed_wrap_keeps_ownership) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_wrap);
  unsigned char mem[16] = {0};
  zbuf_impl_buffer *w = NULL;
  start_counting_releases();
  if (strcmp(ctx->label, "null-data") == 0) {
    int st = I->buffer_wrap(I, ctx->host, NULL, 16, count_release, &release_token, &w, NULL);
    expect_failed(ctx, st, "wrap of NULL data with size 16");
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, w);
    expect_released(ctx, 0, "after the failed wrap");
    return;
  }
  if (strcmp(ctx->label, "bad-device") == 0) {
    DLDevice bad = {(DLDeviceType)999, 0};
    int st = I->buffer_wrap(I, bad, mem, sizeof mem, count_release, &release_token, &w, NULL);
    expect_failed(ctx, st, "wrap in device type 999");
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, w);
    expect_released(ctx, 0, "after the failed wrap");
    return;
  }
  /* Fail each allocation of wrap in turn: every failure is ENOMEM and leaves the callback uncalled; the first
   * run that succeeds owns the memory, and its release calls the callback once. */
  conform_need_caps(ctx, ZBUF_CAP_FAULT_INJECTION);
  CONFORM_NEED_OP(ctx, testing_fail_allocation);
  for (int64_t k = 1; k <= 64; k++) {
    zbuf_error e;
    conform_error_reset(&e);
    w = NULL;
    I->testing_fail_allocation(I, k, ZBUF_ALLOC_ANY);
    int st = I->buffer_wrap(I, ctx->host, mem, sizeof mem, count_release, &release_token, &w, &e);
    I->testing_fail_allocation(I, 0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      expect_released(ctx, 0, "while the wrapping Buffer is alive");
      I->buffer_release(I, w);
      expect_released(ctx, 1, "after releasing the Buffer of the successful wrap");
      return;
    }
    if (st != ZBUF_ENOMEM)
      conform_fail(ctx, "wrap with allocation %lld failing: expected ENOMEM, seen %s (%s)", (long long)k,
                   conform_status_name(st), e.message);
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, w);
    expect_released(ctx, 0, "after a wrap that failed with ENOMEM");
  }
  conform_fail(ctx, "wrap still failed with its 64th allocation failing; expected it to need fewer");
}

CONFORM_TEST("BUF-LIFE-005", "", 0, buf_life_005_release_null_is_a_no_op) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_release);
  CONFORM_NEED_OP(ctx, buffer_retain);
  I->buffer_release(I, NULL);
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, I->buffer_retain(I, NULL));
  I->buffer_release(I, NULL);
}

CONFORM_TEST_VARIANTS("BUF-LIFE-006", MP_KINDS, ZBUF_CAP_HOST | ZBUF_CAP_ALLOC_STATS,
                      buf_life_006_nothing_leaks) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  CONFORM_NEED_OP(ctx, buffer_combine);
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  CONFORM_NEED_OP(ctx, buffer_to_host);
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  conform_leak_probe probe;
  conform_leak_begin(ctx, &probe);
  unsigned char pat[48];
  conform_fill_pattern(pat, sizeof pat, 26);
  for (int i = 0; i < 1000; i++) {
    zbuf_impl_buffer *b = NULL, *s = NULL, *c = NULL, *f = NULL, *h = NULL;
    CONFORM_OK(ctx, I->buffer_from_bytes(I, ctx->dev, pat, sizeof pat, &b, &ctx->err));
    CONFORM_OK(ctx, I->buffer_slice(I, b, ZBUF_SLICE(8, 24), &s, &ctx->err));
    const zbuf_impl_buffer *parts[2] = {b, s};
    CONFORM_OK(ctx, I->buffer_combine(I, parts, 2, &c, &ctx->err));
    CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev, c, &f, &ctx->err));
    CONFORM_OK(ctx, I->buffer_to_host(I, s, &h, &ctx->err));
    CONFORM_OK(ctx, I->buffer_set_slice(I, b, ZBUF_SLICE(0, 16), s, &ctx->err));
    I->buffer_release(I, h);
    I->buffer_release(I, f);
    I->buffer_release(I, c);
    I->buffer_release(I, s);
    I->buffer_release(I, b);
  }
  conform_leak_check(ctx, &probe,
                     "1000 rounds of from_bytes, slice, combine, from_buffer, to_host, set_slice");
}

/* The probe itself must count: "the same before and after" proves nothing with counters that never move. A new
 * Buffer of 100 bytes raises each counter the implementation keeps (-1: not counted) by at least one block,
 * 100 bytes and one handle, and its release brings them back. */
CONFORM_TEST_VARIANTS("BUF-LIFE-006", "probe-counts@cpu,probe-counts@cuda_host,probe-counts@cuda",
                      ZBUF_CAP_HOST | ZBUF_CAP_ALLOC_STATS, buf_life_006_probe_counts) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, alloc_stats);
  unsigned char pat[100];
  conform_fill_pattern(pat, sizeof pat, 27);
  zbuf_alloc_stats before, during, after;
  CONFORM_OK(ctx, I->alloc_stats(I, &before, &ctx->err));
  zbuf_impl_buffer *b = NULL;
  CONFORM_OK(ctx, I->buffer_from_bytes(I, ctx->dev, pat, sizeof pat, &b, &ctx->err));
  CONFORM_OK(ctx, I->alloc_stats(I, &during, &ctx->err));
  I->buffer_release(I, b);
  CONFORM_OK(ctx, I->alloc_stats(I, &after, &ctx->err));
  const struct {
    const char *name;
    int64_t before, during, after, rise;
  } f[3] = {{"blocks", before.blocks, during.blocks, after.blocks, 1},
            {"bytes", before.bytes, during.bytes, after.bytes, 100},
            {"handles", before.handles, during.handles, after.handles, 1}};
  for (int i = 0; i < 3; i++) {
    if (f[i].before == -1) continue;
    if (f[i].during < f[i].before + f[i].rise)
      conform_fail(ctx, "alloc_stats %s: %lld before a new 100-byte Buffer, %lld with it (expected at least +%lld)",
                   f[i].name, (long long)f[i].before, (long long)f[i].during, (long long)f[i].rise);
    CONFORM_ASSERT_INT_EQ(ctx, f[i].before, f[i].after);
  }
}

CONFORM_TEST_VARIANTS("BUF-LIFE-007", MP_KINDS, ZBUF_CAP_HOST,
                      buf_life_007_from_buffer_alias_outlives_source) {
  /* from_buffer into the source's own kind, and to_host of a host kind, each from a source of its own (one
   * result must not keep the other alive), the source released before the result is used. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  CONFORM_NEED_OP(ctx, buffer_to_host);
  int nops = conform_device_is_host(ctx->dev) ? 2 : 1;
  for (int op = 0; op < nops; op++) {
    unsigned char pat[32], seen[32];
    zbuf_impl_buffer *src = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 27 + (unsigned)op), *r = NULL;
    if (op == 0)
      CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev, src, &r, &ctx->err));
    else
      CONFORM_OK(ctx, I->buffer_to_host(I, src, &r, &ctx->err));
    I->buffer_release(I, src);
    zbuf_impl_buffer *churn[CHURN];
    churn_begin(ctx, ctx->dev, pat, sizeof pat, churn);
    conform_buffer_read(ctx, r, seen, sizeof seen);
    if (memcmp(pat, seen, sizeof pat) != 0)
      conform_note(ctx, "result of %s", op == 0 ? "from_buffer" : "to_host");
    CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
    /* The survivor is still writable memory. */
    pat[0] = (unsigned char)~pat[0];
    mp_buf_poke(ctx, r, 0, pat[0]);
    conform_buffer_read(ctx, r, seen, sizeof seen);
    CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
    churn_end(ctx, churn);
    I->buffer_release(I, r);
  }
}

/* One Buffer operation run with a given allocation failing. Inputs are made before the failure is armed. */
typedef struct life8_inputs {
  zbuf_impl_buffer *a; /* 32 bytes in ctx->dev */
  zbuf_impl_buffer *b; /* 16 bytes in ctx->dev2 */
  unsigned char bytes[32];
} life8_inputs;

static int life8_run(conform_ctx *ctx, const char *op, life8_inputs *in, zbuf_impl_buffer **out,
                     zbuf_error *e) {
  const zbuf_impl *I = ctx->impl;
  if (strcmp(op, "from_bytes") == 0) return I->buffer_from_bytes(I, ctx->dev, in->bytes, 32, out, e);
  if (strcmp(op, "create_zero_length") == 0) return I->buffer_create_zero_length(I, ctx->dev, out, e);
  if (strcmp(op, "wrap") == 0) return I->buffer_wrap(I, ctx->host, in->bytes, 32, NULL, NULL, out, e);
  if (strcmp(op, "from_buffer") == 0) return I->buffer_from_buffer(I, ctx->dev2, in->a, out, e);
  if (strcmp(op, "to_host") == 0) return I->buffer_to_host(I, in->a, out, e);
  if (strcmp(op, "slice") == 0) return I->buffer_slice(I, in->a, ZBUF_SLICE(4, 20), out, e);
  if (strcmp(op, "combine") == 0) {
    const zbuf_impl_buffer *parts[2] = {in->a, in->b};
    return I->buffer_combine(I, parts, 2, out, e);
  }
  if (strcmp(op, "set_slice") == 0) return I->buffer_set_slice(I, in->a, ZBUF_SLICE(8, 24), in->b, e);
  int eq = 0;
  return I->buffer_equal(I, in->a, in->b, &eq, e); /* "equal" */
}

/* "OP" in the prototype's memory, and "OP@A->B" for the conversions across kinds. */
#define BUF_LIFE_008_VARIANTS                                                                       \
  "from_bytes,create_zero_length,wrap,from_buffer,to_host,slice,combine,set_slice,equal,"           \
  "from_buffer@cpu->cuda,from_buffer@cuda->cpu,to_host@cuda,combine@cuda->cpu,set_slice@cpu->cuda," \
  "set_slice@cuda->cpu,equal@cuda->cpu"

CONFORM_TEST_VARIANTS("BUF-LIFE-008", BUF_LIFE_008_VARIANTS,
                      ZBUF_CAP_HOST | ZBUF_CAP_ALLOC_STATS | ZBUF_CAP_FAULT_INJECTION,
                      buf_life_008_failed_operations_leak_nothing) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, testing_fail_allocation);
  const char *op = ctx->label;
  if (strcmp(op, "wrap") == 0) conform_need_caps(ctx, ZBUF_CAP_WRAP);
  /* Without a pair in the variant, b is in the same kind as a (ctx->dev2 is the host then). */
  DLDevice bdev = strchr(ctx->variant, '>') ? ctx->dev2 : ctx->dev;
  if (strcmp(op, "from_buffer") == 0 && !strchr(ctx->variant, '>')) ctx->dev2 = ctx->dev;
  life8_inputs in;
  conform_fill_pattern(in.bytes, sizeof in.bytes, 28);
  in.a = conform_buffer_from_bytes(ctx, ctx->dev, in.bytes, 32);
  in.b = conform_buffer_from_bytes(ctx, bdev, in.bytes, 16);
  for (int64_t k = 1; k <= 64; k++) {
    conform_leak_probe probe;
    conform_leak_begin(ctx, &probe);
    zbuf_impl_buffer *out = NULL;
    zbuf_error e;
    conform_error_reset(&e);
    I->testing_fail_allocation(I, k, ZBUF_ALLOC_ANY);
    int st = life8_run(ctx, op, &in, &out, &e);
    I->testing_fail_allocation(I, 0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      if (out) I->buffer_release(I, out);
      conform_note(ctx, "%s succeeded with allocation %lld failing (it makes %lld)", op, (long long)k,
                   (long long)(k - 1));
      I->buffer_release(I, in.b);
      I->buffer_release(I, in.a);
      return;
    }
    if (st != ZBUF_ENOMEM)
      conform_fail(ctx, "%s with allocation %lld failing: expected ENOMEM, seen %s (%s)", op, (long long)k,
                   conform_status_name(st), e.message);
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
    char what[96];
    snprintf(what, sizeof what, "%s failing at allocation %lld", op, (long long)k);
    conform_leak_check(ctx, &probe, what);
  }
  conform_fail(ctx, "%s still failed with its 64th allocation failing; expected it to need fewer", op);
}

/* ---- ND-LIFE ---- */

CONFORM_TEST_VARIANTS("ND-LIFE-001", MP_KINDS, ZBUF_CAP_ND, nd_life_001_views_outlive_parents) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  /* a (4, 6) -> [1:3] (2, 6) -> transpose (6, 2) -> reshape (6, 1, 2) -> squeeze axis 1 (6, 2):
   * last[i, j] = a[1 + j, i]. */
  const int64_t shape[2] = {4, 6}, r3[3] = {6, 1, 2}, axis1[1] = {1};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *v1 = NULL, *v2 = NULL, *v3 = NULL,
                     *v4 = NULL;
  const zbuf_index rows[1] = {ZBUF_RANGE(ZBUF_SLICE(1, 3))};
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 1, rows, &v1, &ctx->err));
  CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, v1, 0, NULL, &v2, &ctx->err));
  CONFORM_SETUP(ctx, I->ndbuffer_reshape(I, v2, 3, r3, &v3, &ctx->err));
  CONFORM_SETUP(ctx, I->ndbuffer_squeeze(I, v3, 1, axis1, &v4, &ctx->err));
  I->ndbuffer_release(I, a);
  I->ndbuffer_release(I, v1);
  I->ndbuffer_release(I, v2);
  I->ndbuffer_release(I, v3);
  /* Churn: arrays of the parent's size holding -7 (see churn_begin). */
  const int32_t minus7 = -7;
  zbuf_impl_ndbuffer *churn[CHURN];
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  for (int i = 0; i < CHURN; i++)
    CONFORM_SETUP(ctx, I->ndbuffer_create(I, ctx->nd_dev, 2, shape, mp_i4(), ZBUF_ORDER_C, &minus7, &churn[i],
                                          &ctx->err));
  int32_t want[12], seen[12];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 2; j++) want[i * 2 + j] = (1 + j) * 6 + i;
  mp_nd_read(ctx, v4, seen, 12);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  const zbuf_index at51[2] = {ZBUF_AT(5), ZBUF_AT(1)};
  mp_nd_set(ctx, v4, 2, at51, -1);
  want[11] = -1;
  mp_nd_read(ctx, v4, seen, 12);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  for (int i = 0; i < CHURN; i++) I->ndbuffer_release(I, churn[i]);
  I->ndbuffer_release(I, v4);
}

CONFORM_TEST_VARIANTS("ND-LIFE-002", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_WRAP,
                      nd_life_002_wrapped_release_after_last_user) {
  /* Users of memory given to ndbuffer_wrap: the NDBuffer, a get_item view, a transpose of the view, and a
   * DLPack export of the view (without DLPack: a reshape of the NDBuffer), released (the export by calling
   * its deleter) in all 24 orders. The callback must get back the data and ctx given. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_wrap);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  int dlpack = (I->capabilities & ZBUF_CAP_DLPACK) && CONFORM_HAS_OP(I, ndbuffer_to_dlpack);
  if (!dlpack) CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  const char *names[4] = {"array", "view", "transposed view", dlpack ? "DLPack export" : "reshape"};
  int orders[24][4];
  int norders = permutations(4, orders);
  mp_mem m = mp_mem_new(ctx, ctx->nd_dev, NULL, 12 * sizeof(int32_t));
  const int64_t shape[2] = {3, 4}, flat[1] = {12};
  const zbuf_index key[2] = {ZBUF_RANGE(ZBUF_SLICE(0, 2)), ZBUF_RANGE(ZBUF_SLICE(1, 3))};
  for (int o = 0; o < norders; o++) {
    atomic_store(&released, 0);
    zbuf_impl_ndbuffer *u[4] = {NULL, NULL, NULL, NULL};
    DLManagedTensor *ex = NULL;
    CONFORM_OK(ctx, I->ndbuffer_wrap(I, ctx->nd_dev, m.ptr, 2, shape, NULL, mp_i4(), count_release,
                                     &release_token, &u[0], &ctx->err));
    CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, u[0], 2, key, &u[1], &ctx->err));
    CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, u[1], 0, NULL, &u[2], &ctx->err));
    if (dlpack)
      CONFORM_SETUP(ctx, I->ndbuffer_to_dlpack(I, u[1], &ex, &ctx->err));
    else
      CONFORM_SETUP(ctx, I->ndbuffer_reshape(I, u[0], 1, flat, &u[3], &ctx->err));
    for (int k = 0; k < 4; k++) {
      int n = atomic_load(&released);
      if (n != 0)
        conform_fail(ctx, "release order %s, %s, %s, %s: callback ran %d time(s) with %d user(s) alive",
                     names[orders[o][0]], names[orders[o][1]], names[orders[o][2]], names[orders[o][3]], n,
                     4 - k);
      int which = orders[o][k];
      if (which == 3 && ex)
        ex->deleter(ex);
      else
        I->ndbuffer_release(I, u[which]);
    }
    int n = atomic_load(&released);
    if (n != 1)
      conform_fail(ctx, "release order %s, %s, %s, %s: expected 1 callback after the last release, seen %d",
                   names[orders[o][0]], names[orders[o][1]], names[orders[o][2]], names[orders[o][3]], n);
    CONFORM_ASSERT_PTR_EQ(ctx, m.ptr, released_data);
    CONFORM_ASSERT_PTR_EQ(ctx, &release_token, released_ctx);
  }
  mp_mem_free(ctx, &m);
}

CONFORM_TEST_VARIANTS("ND-LIFE-002", "dlpack@cpu,dlpack@cuda_host,dlpack@cuda", ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      nd_life_002_imported_release_after_last_user) {
  /* The same for caller n-d memory imported through DLPack: the "release callback" is the imported tensor's
   * deleter. Users: the NDBuffer, a get_item view, a transpose of the view, and a DLPack export of the view,
   * released (the export by calling its deleter) in all 24 orders. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  static const char *const names[4] = {"array", "view", "transposed view", "DLPack export"};
  int orders[24][4];
  int norders = permutations(4, orders);
  mp_mem m = mp_mem_new(ctx, ctx->nd_dev, NULL, 12 * sizeof(int32_t));
  const int64_t shape[2] = {3, 4};
  const zbuf_index key[2] = {ZBUF_RANGE(ZBUF_SLICE(0, 2)), ZBUF_RANGE(ZBUF_SLICE(1, 3))};
  for (int o = 0; o < norders; o++) {
    mp_tensor t;
    mp_tensor_init(&t, ctx->nd_dev, m.ptr, 0, 2, shape, NULL);
    zbuf_impl_ndbuffer *u[3] = {NULL, NULL, NULL};
    DLManagedTensor *ex = NULL;
    CONFORM_OK(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &u[0], &ctx->err));
    CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, u[0], 2, key, &u[1], &ctx->err));
    CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, u[1], 0, NULL, &u[2], &ctx->err));
    CONFORM_SETUP(ctx, I->ndbuffer_to_dlpack(I, u[1], &ex, &ctx->err));
    for (int k = 0; k < 4; k++) {
      int n = atomic_load(&t.deleted);
      if (n != 0)
        conform_fail(ctx, "release order %s, %s, %s, %s: deleter ran %d time(s) with %d user(s) alive",
                     names[orders[o][0]], names[orders[o][1]], names[orders[o][2]], names[orders[o][3]], n,
                     4 - k);
      int which = orders[o][k];
      if (which == 3)
        ex->deleter(ex);
      else
        I->ndbuffer_release(I, u[which]);
    }
    int n = atomic_load(&t.deleted);
    if (n != 1)
      conform_fail(ctx,
                   "release order %s, %s, %s, %s: expected 1 deleter call after the last release, seen %d",
                   names[orders[o][0]], names[orders[o][1]], names[orders[o][2]], names[orders[o][3]], n);
  }
  mp_mem_free(ctx, &m);
}

CONFORM_TEST_VARIANTS("ND-LIFE-003", MP_KINDS, ZBUF_CAP_ND, nd_life_003_ndbuffer_keeps_buffer_alive) {
  /* An int32 (2, 4) NDBuffer view of a 32-byte Buffer. Order 0 releases the Buffer and then reads and writes
   * the view; order 1 releases the view and then reads and writes the Buffer. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_buffer);
  static const char *const survivor[2] = {"the NDBuffer after the Buffer's release",
                                          "the Buffer after the NDBuffer's release"};
  const int64_t shape[2] = {2, 4};
  const zbuf_index at00[2] = {ZBUF_AT(0), ZBUF_AT(0)};
  for (int order = 0; order < 2; order++) {
    unsigned char pat[32], seen[32];
    zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 43 + (unsigned)order);
    zbuf_impl_ndbuffer *v = NULL;
    CONFORM_OK(ctx, I->ndbuffer_from_buffer(I, b, 2, shape, mp_i4(), &v, &ctx->err));
    if (order == 0)
      I->buffer_release(I, b);
    else
      I->ndbuffer_release(I, v);
    zbuf_impl_buffer *churn[CHURN];
    churn_begin(ctx, ctx->dev, pat, sizeof pat, churn);
    if (order == 0)
      conform_nd_read(ctx, v, seen, sizeof seen);
    else
      conform_buffer_read(ctx, b, seen, sizeof seen);
    if (memcmp(pat, seen, sizeof pat) != 0) conform_note(ctx, "read of %s", survivor[order]);
    CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
    /* The survivor is still writable memory: flip its first element. */
    int32_t x;
    for (int i = 0; i < 4; i++) pat[i] = (unsigned char)~pat[i];
    memcpy(&x, pat, sizeof x);
    if (order == 0) {
      mp_nd_set(ctx, v, 2, at00, x);
      conform_nd_read(ctx, v, seen, sizeof seen);
    } else {
      mp_buf_write(ctx, b, 0, &x, sizeof x);
      conform_buffer_read(ctx, b, seen, sizeof seen);
    }
    CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
    churn_end(ctx, churn);
    if (order == 0)
      I->ndbuffer_release(I, v);
    else
      I->buffer_release(I, b);
  }
}

CONFORM_TEST("ND-LIFE-004", "", ZBUF_CAP_ND, nd_life_004_release_null_is_a_no_op) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_release);
  CONFORM_NEED_OP(ctx, ndbuffer_retain);
  I->ndbuffer_release(I, NULL);
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, I->ndbuffer_retain(I, NULL));
  I->ndbuffer_release(I, NULL);
}

CONFORM_TEST_VARIANTS("ND-LIFE-005", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_ALLOC_STATS,
                      nd_life_005_nothing_leaks) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  CONFORM_NEED_OP(ctx, ndbuffer_copy);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  CONFORM_NEED_OP(ctx, ndbuffer_to_host);
  CONFORM_NEED_OP(ctx, ndbuffer_to_device);
  conform_leak_probe probe;
  conform_leak_begin(ctx, &probe);
  const int64_t shape[3] = {1, 4, 6}, flat[1] = {24};
  const int32_t one = 1;
  const zbuf_index key[3] = {ZBUF_AT(0), ZBUF_RANGE(ZBUF_SLICE(1, 3)), ZBUF_RANGE(ZBUF_SLICE_STEP(0, 6, 2))};
  for (int i = 0; i < 1000; i++) {
    zbuf_impl_ndbuffer *a = NULL, *g = NULL, *t = NULL, *r = NULL, *s = NULL, *c = NULL, *cp = NULL,
                       *h = NULL, *d = NULL, *tf = NULL;
    CONFORM_OK(ctx, I->ndbuffer_create(I, ctx->nd_dev, 3, shape, mp_i4(), ZBUF_ORDER_C, &one, &a, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_get_item(I, a, 3, key, &g, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &t, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_reshape(I, a, 1, flat, &r, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_reshape(I, t, 1, flat, &tf, &ctx->err)); /* may copy */
    CONFORM_OK(ctx, I->ndbuffer_squeeze(I, a, 0, NULL, &s, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_astype(I, g, "<f8", &c, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_copy(I, g, &cp, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_set_item(I, a, 3, key, c, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_to_host(I, g, &h, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_to_device(I, h, ctx->nd_dev, &d, &ctx->err));
    zbuf_impl_ndbuffer *all[10] = {d, h, cp, c, s, tf, r, t, g, a};
    for (int k = 0; k < 10; k++) I->ndbuffer_release(I, all[k]);
  }
  conform_leak_check(ctx, &probe,
                     "1000 rounds of create, get_item, transpose, reshape, squeeze, astype, copy, "
                     "set_item, to_host, to_device");
}

CONFORM_TEST_VARIANTS("ND-LIFE-006", MP_KINDS, ZBUF_CAP_ND, nd_life_006_retain_balances_release) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_retain);
  conform_leak_probe probe;
  conform_leak_begin(ctx, &probe);
  const int64_t shape[1] = {8};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 1, shape);
  for (int i = 0; i < 5; i++) CONFORM_ASSERT_PTR_EQ(ctx, a, I->ndbuffer_retain(I, a));
  int32_t want[8] = {0, 1, 2, 3, 4, 5, 6, 7}, seen[8];
  for (int i = 0; i < 5; i++) {
    I->ndbuffer_release(I, a);
    mp_nd_read(ctx, a, seen, 8); /* still held by the remaining references */
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  }
  I->ndbuffer_release(I, a);
  conform_leak_check(ctx, &probe, "create, 5 retains and 6 releases");
}

/* ---- CONV-LIFE ---- */

CONFORM_TEST_VARIANTS("CONV-LIFE-001", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      conv_life_001_export_deleter_frees) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  conform_leak_probe probe;
  conform_leak_begin(ctx, &probe);
  const int64_t shape[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape);
  DLManagedTensor *t = NULL;
  CONFORM_OK(ctx, I->ndbuffer_to_dlpack(I, a, &t, &ctx->err));
  CONFORM_ASSERT(ctx, t != NULL && t->deleter != NULL);
  I->ndbuffer_release(I, a);
  /* The tensor still holds the memory (with arrays of the same size made since, see churn_begin). */
  const int32_t minus7 = -7;
  zbuf_impl_ndbuffer *churn[CHURN];
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  for (int i = 0; i < CHURN; i++)
    CONFORM_SETUP(ctx, I->ndbuffer_create(I, ctx->nd_dev, 2, shape, mp_i4(), ZBUF_ORDER_C, &minus7, &churn[i],
                                          &ctx->err));
  int32_t want[12], seen[12];
  for (int k = 0; k < 12; k++) want[k] = k;
  char *first = (char *)t->dl_tensor.data + t->dl_tensor.byte_offset;
  if (conform_device_is_host(ctx->nd_dev)) {
    memcpy(seen, first, sizeof seen);
  } else {
    /* Device memory: read through a zero-copy wrap of the tensor's address (no release callback). */
    conform_need_caps(ctx, ZBUF_CAP_WRAP);
    CONFORM_NEED_OP(ctx, buffer_wrap);
    zbuf_impl_buffer *w = NULL;
    CONFORM_SETUP(ctx, I->buffer_wrap(I, ctx->nd_dev, first, sizeof seen, NULL, NULL, &w, &ctx->err));
    conform_buffer_read(ctx, w, seen, sizeof seen);
    I->buffer_release(I, w);
  }
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  for (int i = 0; i < CHURN; i++) I->ndbuffer_release(I, churn[i]);
  t->deleter(t);
  conform_leak_check(ctx, &probe, "export, release of the array, and the tensor's deleter");
}

CONFORM_TEST_VARIANTS("CONV-LIFE-002", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      conv_life_002_import_deleter_once) {
  /* Users of an imported tensor: the NDBuffer and three views of it (get_item, transpose, reshape), released
   * in all 24 orders. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  static const char *const names[4] = {"import", "get_item view", "transpose view", "reshape view"};
  int orders[24][4];
  int norders = permutations(4, orders);
  mp_mem m = mp_mem_new(ctx, ctx->nd_dev, NULL, 24 * sizeof(int32_t));
  const int64_t shape[2] = {4, 6}, r3[3] = {2, 2, 6};
  const zbuf_index key[1] = {ZBUF_AT(2)};
  for (int o = 0; o < norders; o++) {
    mp_tensor t;
    mp_tensor_init(&t, ctx->nd_dev, m.ptr, 0, 2, shape, NULL);
    zbuf_impl_ndbuffer *u[4] = {NULL, NULL, NULL, NULL};
    CONFORM_OK(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &u[0], &ctx->err));
    CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, u[0], 1, key, &u[1], &ctx->err));
    CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, u[0], 0, NULL, &u[2], &ctx->err));
    CONFORM_SETUP(ctx, I->ndbuffer_reshape(I, u[0], 3, r3, &u[3], &ctx->err));
    for (int k = 0; k < 4; k++) {
      int n = atomic_load(&t.deleted);
      if (n != 0)
        conform_fail(ctx, "release order %s, %s, %s, %s: deleter ran %d time(s) with %d user(s) alive",
                     names[orders[o][0]], names[orders[o][1]], names[orders[o][2]], names[orders[o][3]], n,
                     4 - k);
      I->ndbuffer_release(I, u[orders[o][k]]);
    }
    int n = atomic_load(&t.deleted);
    if (n != 1)
      conform_fail(ctx,
                   "release order %s, %s, %s, %s: expected 1 deleter call after the last release, seen %d",
                   names[orders[o][0]], names[orders[o][1]], names[orders[o][2]], names[orders[o][3]], n);
  }
  mp_mem_free(ctx, &m);
}

CONFORM_TEST_VARIANTS("CONV-LIFE-003", "bad-dtype,lanes-2,bad-device", ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      conv_life_003_failed_import_keeps_ownership) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  int32_t mem[12] = {0};
  const int64_t shape[2] = {3, 4};
  mp_tensor t;
  mp_tensor_init(&t, ctx->host, mem, 0, 2, shape, NULL);
  if (strcmp(ctx->label, "bad-dtype") == 0)
    t.managed.dl_tensor.dtype.code = 99;
  else if (strcmp(ctx->label, "lanes-2") == 0)
    t.managed.dl_tensor.dtype.lanes = 2;
  else
    t.managed.dl_tensor.device.device_type = (DLDeviceType)999;
  DLManagedTensor before;
  memcpy(&before, &t.managed, sizeof before);
  int64_t shape_before[4];
  memcpy(shape_before, t.shape, sizeof shape_before);
  zbuf_impl_ndbuffer *a = NULL;
  expect_failed(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &a, NULL), "from_dlpack of the malformed tensor");
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, a);
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&t.deleted));
  /* The tensor is untouched: its fields and its shape. */
  CONFORM_ASSERT(ctx, memcmp(&before, &t.managed, sizeof before) == 0);
  CONFORM_ASSERT_MEM_EQ(ctx, shape_before, t.shape, sizeof shape_before);
  /* The caller still owns it and calls the deleter itself. */
  t.managed.deleter(&t.managed);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&t.deleted));
}

CONFORM_TEST_VARIANTS("CONV-LIFE-004", MP_CROSS_PAIRS, ZBUF_CAP_ALLOC_STATS,
                      conv_life_004_conversions_leak_nothing) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  int nd = (I->capabilities & ZBUF_CAP_ND) && CONFORM_HAS_OP(I, ndbuffer_to_device);
  conform_leak_probe probe;
  conform_leak_begin(ctx, &probe);
  unsigned char pat[64];
  conform_fill_pattern(pat, sizeof pat, 44);
  const int64_t shape[2] = {4, 4};
  for (int i = 0; i < 1000; i++) {
    zbuf_impl_buffer *a = conform_buffer_from_bytes(ctx, ctx->dev, pat, sizeof pat), *b = NULL, *c = NULL;
    CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev2, a, &b, &ctx->err));
    CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev, b, &c, &ctx->err));
    I->buffer_release(I, c);
    I->buffer_release(I, b);
    I->buffer_release(I, a);
    if (!nd) continue;
    zbuf_impl_ndbuffer *x = mp_nd_arange(ctx, ctx->dev, 2, shape), *y = NULL, *z = NULL;
    CONFORM_OK(ctx, I->ndbuffer_to_device(I, x, ctx->dev2, &y, &ctx->err));
    CONFORM_OK(ctx, I->ndbuffer_to_device(I, y, ctx->dev, &z, &ctx->err));
    I->ndbuffer_release(I, z);
    I->ndbuffer_release(I, y);
    I->ndbuffer_release(I, x);
  }
  conform_leak_check(ctx, &probe, "1000 round trips of from_buffer and to_device");
}

/* ---- PROTO-LIFE ---- */

CONFORM_TEST("PROTO-LIFE-001", "", ZBUF_CAP_ALLOC_STATS, proto_life_001_prototypes_own_nothing) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  zbuf_impl_prototype start;
  CONFORM_SETUP(ctx, I->default_prototype(I, &start, &ctx->err));
  const zbuf_impl_prototype cpu = {{kDLCPU, 0}, {kDLCPU, 0}};
  conform_leak_probe probe;
  conform_leak_begin(ctx, &probe);
  /* Each round reads the default, compares it with the one set in the round before, and replaces it. */
  const zbuf_impl_prototype *last = &start;
  for (int i = 0; i < 10000; i++) {
    zbuf_impl_prototype p;
    CONFORM_OK(ctx, I->default_prototype(I, &p, &ctx->err));
    if (!conform_device_equal(p.buffer, last->buffer) || !conform_device_equal(p.nd_buffer, last->nd_buffer))
      conform_fail(ctx, "round %d: the default prototype is not the one set in the round before", i);
    last = (i & 1) ? &cpu : &start;
    CONFORM_OK(ctx, I->set_default_prototype(I, last, &ctx->err));
  }
  CONFORM_OK(ctx, I->set_default_prototype(I, &start, &ctx->err));
  conform_leak_check(ctx, &probe, "10000 reads and replacements of the default prototype");
}

CONFORM_TEST("PROTO-LIFE-002", "", 0, proto_life_002_default_starts_as_cpu) {
  /* The harness runs every test in a fresh child with its own entry call, so this is the first read. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  zbuf_impl_prototype p;
  CONFORM_OK(ctx, I->default_prototype(I, &p, &ctx->err));
  const DLDevice cpu = {kDLCPU, 0};
  CONFORM_ASSERT_DEVICE_EQ(ctx, cpu, p.buffer);
  CONFORM_ASSERT_DEVICE_EQ(ctx, cpu, p.nd_buffer);
}

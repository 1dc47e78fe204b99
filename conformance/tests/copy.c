/* zbuf conformance: the COPY clauses of Buffers, conversions between memory kinds, DLPack and prototypes
 * (BUF-COPY-*, CONV-COPY-*, PROTO-COPY-*; the NDBuffer ones are in copy_nd.c).
 *
 * Which operations share memory and which copy. Aliasing is observed, never inferred from addresses: a test
 * writes a sentinel through one handle and reads the other back with to_bytes. ALIAS means the write was
 * seen, COPY that it was not; every probe is recorded with conform_observe_alias for the aliasing matrix.
 * Sentinels are the complement of the byte they replace, so a write can never go unseen by coincidence. */
#include "memprobe.h"

/* Reads all n bytes of b (its length must be n). */
static void read_all(conform_ctx *ctx, const zbuf_impl_buffer *b, unsigned char *dst, size_t n) {
  conform_buffer_read(ctx, b, dst, n);
}

/* ---- BUF-COPY ---- */

CONFORM_TEST_VARIANTS("BUF-COPY-001", MP_KINDS, ZBUF_CAP_HOST, buf_copy_001_slice_is_a_view) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  unsigned char pat[64], seen[64], vseen[16];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 1);
  zbuf_impl_buffer *v = NULL;
  CONFORM_OK(ctx, I->buffer_slice(I, b, ZBUF_SLICE(8, 24), &v, &ctx->err));
  CONFORM_ASSERT_UINT_EQ(ctx, 16, conform_buffer_length(ctx, v));
  /* Through the slice to the parent, and from the parent to the slice. */
  mp_buf_poke(ctx, v, 0, (unsigned char)~pat[8]);
  mp_buf_poke(ctx, b, 9, (unsigned char)~pat[9]);
  read_all(ctx, b, seen, sizeof seen);
  read_all(ctx, v, vseen, sizeof vseen);
  conform_observe_alias(ctx, "buffer_slice", conform_device_name(ctx->dev), seen[8] != pat[8]);
  pat[8] = (unsigned char)~pat[8];
  pat[9] = (unsigned char)~pat[9];
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  CONFORM_ASSERT_MEM_EQ(ctx, pat + 8, vseen, sizeof vseen);
  I->buffer_release(I, v);
  I->buffer_release(I, b);
}

CONFORM_TEST_VARIANTS("BUF-COPY-002", MP_KINDS, ZBUF_CAP_HOST, buf_copy_002_slice_of_slice_is_a_view) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  unsigned char pat[64], seen[64], vseen[8];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 2);
  zbuf_impl_buffer *s1 = NULL, *s2 = NULL;
  CONFORM_OK(ctx, I->buffer_slice(I, b, ZBUF_SLICE(8, 40), &s1, &ctx->err));
  CONFORM_OK(ctx, I->buffer_slice(I, s1, ZBUF_SLICE(4, 12), &s2, &ctx->err));
  /* buf[8:40][4:12] is buf[12:20]. */
  mp_buf_poke(ctx, s2, 0, (unsigned char)~pat[12]);
  mp_buf_poke(ctx, b, 15, (unsigned char)~pat[15]);
  read_all(ctx, b, seen, sizeof seen);
  read_all(ctx, s2, vseen, sizeof vseen);
  conform_observe_alias(ctx, "buffer_slice(slice)", conform_device_name(ctx->dev), seen[12] != pat[12]);
  pat[12] = (unsigned char)~pat[12];
  pat[15] = (unsigned char)~pat[15];
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  CONFORM_ASSERT_MEM_EQ(ctx, pat + 12, vseen, sizeof vseen);
  I->buffer_release(I, s2);
  I->buffer_release(I, s1);
  I->buffer_release(I, b);
}

CONFORM_TEST_VARIANTS("BUF-COPY-003", MP_KINDS, ZBUF_CAP_HOST, buf_copy_003_raw_view_never_copies) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_info);
  CONFORM_NEED_OP(ctx, buffer_slice);
  unsigned char pat[64], seen[64], vseen[16];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 3);
  zbuf_impl_buffer *v = NULL;
  CONFORM_SETUP(ctx, I->buffer_slice(I, b, ZBUF_SLICE(16, 32), &v, &ctx->err));
  void *p1 = NULL, *p2 = NULL;
  size_t n;
  DLDevice d;
  CONFORM_OK(ctx, I->buffer_info(I, b, &p1, &n, &d, &ctx->err));
  CONFORM_OK(ctx, I->buffer_info(I, b, &p2, &n, &d, &ctx->err));
  CONFORM_ASSERT(ctx, p1 != NULL);
  CONFORM_ASSERT_PTR_EQ(ctx, p1, p2);
  unsigned char x[2] = {(unsigned char)~pat[0], (unsigned char)~pat[20]};
  if (conform_device_is_host(ctx->dev)) {
    ((unsigned char *)p1)[0] = x[0];
    ((unsigned char *)p1)[20] = x[1];
  } else {
    /* Device memory is not for the CPU to store to: write through a zero-copy wrap of the address instead. */
    conform_need_caps(ctx, ZBUF_CAP_WRAP);
    CONFORM_NEED_OP(ctx, buffer_wrap);
    zbuf_impl_buffer *w = NULL;
    CONFORM_SETUP(ctx, I->buffer_wrap(I, ctx->dev, p1, sizeof pat, NULL, NULL, &w, &ctx->err));
    mp_buf_poke(ctx, w, 0, x[0]);
    mp_buf_poke(ctx, w, 20, x[1]);
    I->buffer_release(I, w);
  }
  read_all(ctx, b, seen, sizeof seen);
  read_all(ctx, v, vseen, sizeof vseen);
  conform_observe_alias(ctx, "buffer_info", conform_device_name(ctx->dev), seen[0] == x[0]);
  pat[0] = x[0];
  pat[20] = x[1];
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  CONFORM_ASSERT_MEM_EQ(ctx, pat + 16, vseen, sizeof vseen);
  I->buffer_release(I, v);
  I->buffer_release(I, b);
}

CONFORM_TEST_VARIANTS("BUF-COPY-004", MP_SAME_PAIRS, ZBUF_CAP_HOST,
                      buf_copy_004_from_buffer_same_kind_aliases) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  unsigned char pat[32], seen[32];
  zbuf_impl_buffer *src = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 4);
  zbuf_impl_buffer *r = NULL;
  CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev2, src, &r, &ctx->err));
  CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev2, mp_buf_device(ctx, r));
  mp_buf_poke(ctx, r, 3, (unsigned char)~pat[3]);
  mp_buf_poke(ctx, src, 30, (unsigned char)~pat[30]);
  read_all(ctx, src, seen, sizeof seen);
  conform_observe_alias(ctx, "buffer_from_buffer", conform_device_name(ctx->dev), seen[3] != pat[3]);
  pat[3] = (unsigned char)~pat[3];
  pat[30] = (unsigned char)~pat[30];
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  read_all(ctx, r, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  I->buffer_release(I, r);
  I->buffer_release(I, src);
}

CONFORM_TEST_VARIANTS("BUF-COPY-005", MP_KINDS, ZBUF_CAP_HOST | ZBUF_CAP_WRAP,
                      buf_copy_005_wrap_does_not_copy) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_wrap);
  unsigned char pat[32], seen[32];
  conform_fill_pattern(pat, sizeof pat, 5);
  mp_mem m = mp_mem_new(ctx, ctx->dev, pat, sizeof pat);
  zbuf_impl_buffer *w = NULL;
  CONFORM_OK(ctx, I->buffer_wrap(I, ctx->dev, m.ptr, m.n, NULL, NULL, &w, &ctx->err));
  /* The caller writes byte 3: the Buffer shows it. */
  unsigned char x = (unsigned char)~pat[3];
  mp_mem_write(ctx, &m, 3, &x, 1);
  pat[3] = x;
  read_all(ctx, w, seen, sizeof seen);
  conform_observe_alias(ctx, "buffer_wrap", conform_device_name(ctx->dev), seen[3] == x);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  /* The Buffer writes byte 5: the caller's memory shows it. */
  pat[5] = (unsigned char)~pat[5];
  mp_buf_poke(ctx, w, 5, pat[5]);
  mp_mem_read(ctx, &m, seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  I->buffer_release(I, w);
  mp_mem_free(ctx, &m);
}

CONFORM_TEST_VARIANTS("BUF-COPY-006", MP_KINDS, ZBUF_CAP_HOST, buf_copy_006_from_bytes_copies) {
  const zbuf_impl *I = ctx->impl;
  unsigned char src[64], want[64], seen[64];
  conform_fill_pattern(src, sizeof src, 6);
  memcpy(want, src, sizeof src);
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, src, sizeof src);
  /* Later writes to the caller's array do not reach the Buffer ... */
  for (size_t i = 0; i < sizeof src; i++) src[i] = (unsigned char)~src[i];
  read_all(ctx, b, seen, sizeof seen);
  conform_observe_alias(ctx, "buffer_from_bytes", conform_device_name(ctx->dev),
                        memcmp(seen, want, sizeof want) != 0);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  /* ... and writes through the Buffer do not reach the caller's array. */
  unsigned char before[64];
  memcpy(before, src, sizeof src);
  mp_buf_poke(ctx, b, 7, (unsigned char)~want[7]);
  CONFORM_ASSERT_MEM_EQ(ctx, before, src, sizeof src);
  I->buffer_release(I, b);
}

CONFORM_TEST_VARIANTS("BUF-COPY-007", MP_KINDS, ZBUF_CAP_HOST, buf_copy_007_combine_copies) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_combine);
  enum { PART = 8 };
  for (size_t nparts = 1; nparts <= 3; nparts++) {
    unsigned char pat[3 * PART], seen[3 * PART], pseen[PART];
    zbuf_impl_buffer *parts[3] = {NULL, NULL, NULL};
    conform_fill_pattern(pat, sizeof pat, 70 + (unsigned)nparts);
    for (size_t i = 0; i < nparts; i++)
      parts[i] = conform_buffer_from_bytes(ctx, ctx->dev, pat + i * PART, PART);
    zbuf_impl_buffer *r = NULL;
    CONFORM_OK(ctx, I->buffer_combine(I, (const zbuf_impl_buffer *const *)parts, nparts, &r, &ctx->err));
    size_t total = nparts * PART;
    /* Writes to every part after the combine: the result keeps the old bytes. */
    for (size_t i = 0; i < nparts; i++) mp_buf_poke(ctx, parts[i], 1, (unsigned char)~pat[i * PART + 1]);
    read_all(ctx, r, seen, total);
    conform_observe_alias(ctx, "buffer_combine", conform_device_name(ctx->dev), seen[1] != pat[1]);
    CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, total);
    /* A write to the result: no part sees it. */
    for (size_t i = 0; i < nparts; i++) mp_buf_poke(ctx, r, i * PART + 6, (unsigned char)~pat[i * PART + 6]);
    for (size_t i = 0; i < nparts; i++) {
      unsigned char want[PART];
      memcpy(want, pat + i * PART, PART);
      want[1] = (unsigned char)~want[1];
      read_all(ctx, parts[i], pseen, PART);
      CONFORM_ASSERT_MEM_EQ(ctx, want, pseen, PART);
    }
    I->buffer_release(I, r);
    for (size_t i = 0; i < nparts; i++) I->buffer_release(I, parts[i]);
  }
}

CONFORM_TEST_VARIANTS("BUF-COPY-008", MP_KINDS, ZBUF_CAP_HOST, buf_copy_008_to_bytes_copies) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_to_bytes);
  unsigned char pat[32], out[32];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 8);
  CONFORM_OK(ctx, I->buffer_to_bytes(I, b, out, sizeof out, &ctx->err));
  CONFORM_ASSERT_MEM_EQ(ctx, pat, out, sizeof pat);
  unsigned char flipped[32];
  for (size_t i = 0; i < sizeof pat; i++) flipped[i] = (unsigned char)~pat[i];
  mp_buf_write(ctx, b, 0, flipped, sizeof flipped);
  conform_observe_alias(ctx, "buffer_to_bytes", conform_device_name(ctx->dev),
                        memcmp(out, pat, sizeof pat) != 0);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, out, sizeof pat);
  I->buffer_release(I, b);
}

CONFORM_TEST_VARIANTS("BUF-COPY-009", MP_HOST_KINDS, ZBUF_CAP_HOST, buf_copy_009_to_host_may_alias) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_to_host);
  unsigned char pat[32], seen[32];
  zbuf_impl_buffer *src = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 9);
  zbuf_impl_buffer *h = NULL;
  CONFORM_OK(ctx, I->buffer_to_host(I, src, &h, &ctx->err));
  CONFORM_ASSERT(ctx, conform_device_is_host(mp_buf_device(ctx, h)));
  read_all(ctx, h, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  /* Either outcome is allowed; anything but the old or the new bytes is not. */
  unsigned char now[32];
  memcpy(now, pat, sizeof pat);
  now[11] = (unsigned char)~pat[11];
  mp_buf_poke(ctx, src, 11, now[11]);
  read_all(ctx, h, seen, sizeof seen);
  int aliased = memcmp(seen, now, sizeof now) == 0;
  conform_observe_alias(ctx, "buffer_to_host", conform_device_name(ctx->dev), aliased);
  if (!aliased) CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  I->buffer_release(I, h);
  I->buffer_release(I, src);
}

CONFORM_TEST_VARIANTS("BUF-COPY-010", MP_KINDS, ZBUF_CAP_HOST, buf_copy_010_set_slice_writes_in_place) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  CONFORM_NEED_OP(ctx, buffer_slice);
  unsigned char pat[64], val[16], seen[64], vseen[32];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 10);
  /* Views taken before the write: a slice straddling [16, 32) and the raw address. The ABI has no NDBuffer
   * view of a Buffer (ndbuffer_from_buffer), so that view of the clause is not observed here. */
  zbuf_impl_buffer *v = NULL;
  CONFORM_SETUP(ctx, I->buffer_slice(I, b, ZBUF_SLICE(8, 40), &v, &ctx->err));
  unsigned char *raw = conform_buffer_data(ctx, b);
  for (size_t i = 0; i < sizeof val; i++) val[i] = (unsigned char)~pat[16 + i];
  zbuf_impl_buffer *value = conform_buffer_from_bytes(ctx, ctx->dev, val, sizeof val);
  CONFORM_OK(ctx, I->buffer_set_slice(I, b, ZBUF_SLICE(16, 32), value, &ctx->err));
  memcpy(pat + 16, val, sizeof val);
  read_all(ctx, b, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  read_all(ctx, v, vseen, sizeof vseen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat + 8, vseen, sizeof vseen);
  if (conform_device_is_host(ctx->dev)) CONFORM_ASSERT_MEM_EQ(ctx, pat, raw, sizeof pat);
  I->buffer_release(I, value);
  I->buffer_release(I, v);
  I->buffer_release(I, b);
}

CONFORM_TEST_VARIANTS("BUF-COPY-011", MP_KINDS, ZBUF_CAP_HOST, buf_copy_011_overlapping_set_slice) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  CONFORM_NEED_OP(ctx, buffer_slice);
  /* dst[0:32] = dst[1:33] (value ahead of the target) and dst[1:33] = dst[0:32] (behind it). */
  static const int64_t cases[2][2] = {{0, 1}, {1, 0}};
  for (int c = 0; c < 2; c++) {
    unsigned char pat[48], want[48], seen[48];
    zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 110 + (unsigned)c);
    int64_t to = cases[c][0], from = cases[c][1];
    zbuf_impl_buffer *v = NULL;
    CONFORM_SETUP(ctx, I->buffer_slice(I, b, ZBUF_SLICE(from, from + 32), &v, &ctx->err));
    CONFORM_OK(ctx, I->buffer_set_slice(I, b, ZBUF_SLICE(to, to + 32), v, &ctx->err));
    memcpy(want, pat, sizeof pat);
    memmove(want + to, want + from, 32);
    read_all(ctx, b, seen, sizeof seen);
    if (memcmp(want, seen, sizeof want) != 0)
      conform_note(ctx, "case buf[%lld:%lld] = buf[%lld:%lld]", (long long)to, (long long)to + 32,
                   (long long)from, (long long)from + 32);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    I->buffer_release(I, v);
    I->buffer_release(I, b);
  }
}

CONFORM_TEST_VARIANTS("BUF-COPY-012", MP_KINDS, ZBUF_CAP_HOST, buf_copy_012_empty_buffers_are_independent) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_create_zero_length);
  CONFORM_NEED_OP(ctx, buffer_equal);
  zbuf_impl_buffer *a = NULL, *z = NULL;
  CONFORM_OK(ctx, I->buffer_from_bytes(I, ctx->dev, NULL, 0, &a, &ctx->err));
  CONFORM_OK(ctx, I->buffer_create_zero_length(I, ctx->dev, &z, &ctx->err));
  CONFORM_ASSERT(ctx, a != NULL && z != NULL);
  CONFORM_ASSERT_UINT_EQ(ctx, 0, conform_buffer_length(ctx, a));
  CONFORM_ASSERT_UINT_EQ(ctx, 0, conform_buffer_length(ctx, z));
  unsigned char guard[1] = {0x3C};
  CONFORM_OK(ctx, I->buffer_to_bytes(I, a, guard, 0, &ctx->err));
  CONFORM_OK(ctx, I->buffer_to_bytes(I, z, guard, 0, &ctx->err));
  CONFORM_ASSERT_UINT_EQ(ctx, 0x3C, guard[0]);
  int eq = 0;
  CONFORM_OK(ctx, I->buffer_equal(I, a, z, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
  /* Releasing one empty buffer leaves the other usable: they share nothing. */
  I->buffer_release(I, a);
  eq = 0;
  zbuf_impl_buffer *z2 = NULL;
  CONFORM_OK(ctx, I->buffer_create_zero_length(I, ctx->dev, &z2, &ctx->err));
  CONFORM_OK(ctx, I->buffer_equal(I, z, z2, &eq, &ctx->err));
  CONFORM_ASSERT_INT_EQ(ctx, 1, eq);
  I->buffer_release(I, z2);
  I->buffer_release(I, z);
}

/* ---- CONV-COPY ---- */

/* Every conversion for every ordered pair of distinct kinds, as "conversion@A->B"; to_host only from device
 * memory (to_host of a host kind is the MAY of BUF-COPY-009 / ND-COPY-014). */
#define CONV_PAIRS(op)                                                                                    \
  op "@cpu->cuda_host," op "@cpu->cuda," op "@cuda_host->cpu," op "@cuda_host->cuda," op "@cuda->cpu," op \
     "@cuda->cuda_host"
#define CONV_COPY_001_VARIANTS                                            \
  CONV_PAIRS("from_buffer")                                               \
  "," CONV_PAIRS("set_slice") "," CONV_PAIRS("to_device") "," CONV_PAIRS( \
      "set_item") ",to_host@cuda->cpu,nd_to_host@cuda->cpu"

/* Buffer conversions: src in ctx->dev, result in ctx->dev2. */
static void conv_buffer(conform_ctx *ctx, const char *op) {
  const zbuf_impl *I = ctx->impl;
  unsigned char pat[32], seen[32], want[32];
  zbuf_impl_buffer *src = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 11);
  zbuf_impl_buffer *r = NULL;
  size_t off = 0; /* where src's bytes sit in r */
  if (strcmp(op, "from_buffer") == 0) {
    CONFORM_NEED_OP(ctx, buffer_from_buffer);
    CONFORM_OK(ctx, I->buffer_from_buffer(I, ctx->dev2, src, &r, &ctx->err));
    CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev2, mp_buf_device(ctx, r));
  } else if (strcmp(op, "to_host") == 0) {
    CONFORM_NEED_OP(ctx, buffer_to_host);
    CONFORM_OK(ctx, I->buffer_to_host(I, src, &r, &ctx->err));
    CONFORM_ASSERT(ctx, conform_device_is_host(mp_buf_device(ctx, r)));
  } else {
    /* set_slice: a 64-byte destination in dev2 takes src at [16, 48). */
    CONFORM_NEED_OP(ctx, buffer_set_slice);
    unsigned char zeros[64] = {0};
    r = conform_buffer_from_bytes(ctx, ctx->dev2, zeros, sizeof zeros);
    CONFORM_OK(ctx, I->buffer_set_slice(I, r, ZBUF_SLICE(16, 48), src, &ctx->err));
    off = 16;
  }
  /* The source changes afterwards; the result keeps the old bytes. */
  for (size_t i = 0; i < sizeof pat; i++) want[i] = (unsigned char)~pat[i];
  mp_buf_write(ctx, src, 0, want, sizeof want);
  unsigned char all[64];
  read_all(ctx, r, all, off ? 64 : sizeof pat);
  memcpy(seen, all + off, sizeof seen);
  char kinds[64];
  snprintf(kinds, sizeof kinds, "%s->%s", conform_device_name(ctx->dev), conform_device_name(ctx->dev2));
  char name[64];
  snprintf(name, sizeof name, "buffer_%s", op);
  conform_observe_alias(ctx, name, kinds, memcmp(seen, pat, sizeof pat) != 0);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  I->buffer_release(I, r);
  I->buffer_release(I, src);
}

/* NDBuffer conversions: src (3x4 int32) in ctx->dev, result in ctx->dev2. */
static void conv_ndbuffer(conform_ctx *ctx, const char *op) {
  const zbuf_impl *I = ctx->impl;
  conform_need_caps(ctx, ZBUF_CAP_ND);
  const int64_t shape[2] = {3, 4};
  int32_t want[12], seen[12];
  for (int i = 0; i < 12; i++) want[i] = i;
  zbuf_impl_ndbuffer *src = mp_nd_arange(ctx, ctx->dev, 2, shape);
  zbuf_impl_ndbuffer *r = NULL;
  if (strcmp(op, "to_device") == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_to_device);
    CONFORM_OK(ctx, I->ndbuffer_to_device(I, src, ctx->dev2, &r, &ctx->err));
    CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev2, conform_nd_info(ctx, r).device);
  } else if (strcmp(op, "nd_to_host") == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_to_host);
    CONFORM_OK(ctx, I->ndbuffer_to_host(I, src, &r, &ctx->err));
    CONFORM_ASSERT(ctx, conform_device_is_host(conform_nd_info(ctx, r).device));
  } else {
    /* set_item: a 3x4 destination in dev2 takes all of src. */
    CONFORM_NEED_OP(ctx, ndbuffer_create);
    CONFORM_NEED_OP(ctx, ndbuffer_set_item);
    CONFORM_SETUP(ctx,
                  I->ndbuffer_create(I, ctx->dev2, 2, shape, mp_i4(), ZBUF_ORDER_C, NULL, &r, &ctx->err));
    const zbuf_index all[2] = {ZBUF_RANGE(ZBUF_SLICE_ALL), ZBUF_RANGE(ZBUF_SLICE_ALL)};
    CONFORM_OK(ctx, I->ndbuffer_set_item(I, r, 2, all, src, &ctx->err));
  }
  mp_nd_fill(ctx, src, -1);
  mp_nd_read(ctx, r, seen, 12);
  char kinds[64];
  snprintf(kinds, sizeof kinds, "%s->%s", conform_device_name(ctx->dev), conform_device_name(ctx->dev2));
  char name[64];
  snprintf(name, sizeof name, "ndbuffer_%s", strcmp(op, "nd_to_host") == 0 ? "to_host" : op);
  conform_observe_alias(ctx, name, kinds, seen[0] == -1);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->ndbuffer_release(I, r);
  I->ndbuffer_release(I, src);
}

CONFORM_TEST_VARIANTS("CONV-COPY-001", CONV_COPY_001_VARIANTS, 0, conv_copy_001_cross_kind_copies) {
  if (strcmp(ctx->label, "from_buffer") == 0 || strcmp(ctx->label, "set_slice") == 0 ||
      strcmp(ctx->label, "to_host") == 0)
    conv_buffer(ctx, ctx->label);
  else
    conv_ndbuffer(ctx, ctx->label);
}

CONFORM_TEST_VARIANTS("CONV-COPY-002", MP_KINDS, ZBUF_CAP_ND, conv_copy_002_to_device_same_kind_aliases) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_device);
  const int64_t shape[2] = {3, 4};
  int32_t want[12], seen[12];
  for (int i = 0; i < 12; i++) want[i] = i;
  zbuf_impl_ndbuffer *src = mp_nd_arange(ctx, ctx->dev, 2, shape);
  zbuf_impl_ndbuffer *r = NULL;
  CONFORM_OK(ctx, I->ndbuffer_to_device(I, src, ctx->dev, &r, &ctx->err));
  /* Through the result to the source at [1, 2], and from the source to the result at [2, 3]. */
  const zbuf_index at12[2] = {ZBUF_AT(1), ZBUF_AT(2)}, at23[2] = {ZBUF_AT(2), ZBUF_AT(3)};
  mp_nd_set(ctx, r, 2, at12, -6);
  mp_nd_set(ctx, src, 2, at23, -11);
  want[6] = -6;
  want[11] = -11;
  mp_nd_read(ctx, src, seen, 12);
  conform_observe_alias(ctx, "ndbuffer_to_device", conform_device_name(ctx->dev), seen[6] == -6);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  mp_nd_read(ctx, r, seen, 12);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  I->ndbuffer_release(I, r);
  I->ndbuffer_release(I, src);
}

/* Imports a tensor that shares memory with an export, so that device memory can be written without the CPU
 * storing to it; the import owns the tensor afterwards. */
static zbuf_impl_ndbuffer *reimport(conform_ctx *ctx, DLManagedTensor *t) {
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_from_dlpack(I, t, &a, &ctx->err));
  return a;
}

CONFORM_TEST_VARIANTS("CONV-COPY-003", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      conv_copy_003_dlpack_export_shares) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  /* Export a strided view, [1:, 1::2] of a 3x4 array: shape (2, 2), element strides (4, 2), element offset 5.
   */
  const int64_t shape[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->dev, 2, shape);
  const zbuf_index key[2] = {ZBUF_RANGE(ZBUF_SLICE(1, 3)), ZBUF_RANGE(ZBUF_SLICE_STEP(1, 4, 2))};
  zbuf_impl_ndbuffer *v = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 2, key, &v, &ctx->err));
  DLManagedTensor *t = NULL;
  CONFORM_OK(ctx, I->ndbuffer_to_dlpack(I, v, &t, &ctx->err));
  CONFORM_ASSERT(ctx, t != NULL && t->deleter != NULL);
  DLTensor *dl = &t->dl_tensor;
  CONFORM_ASSERT_INT_EQ(ctx, 2, dl->ndim);
  CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev, dl->device);
  CONFORM_ASSERT(ctx, dl->shape[0] == 2 && dl->shape[1] == 2);
  CONFORM_ASSERT(ctx, dl->strides != NULL);
  CONFORM_ASSERT(ctx, dl->strides[0] == 4 && dl->strides[1] == 2);
  int32_t want[12], seen[12];
  for (int i = 0; i < 12; i++) want[i] = i;
  if (conform_device_is_host(ctx->dev)) {
    int32_t *e = (int32_t *)(void *)((char *)dl->data + dl->byte_offset);
    /* e[0] is a[1, 1]; e[1*4 + 1*2] is a[2, 3]. */
    CONFORM_ASSERT_INT_EQ(ctx, 5, e[0]);
    e[1 * 4 + 1 * 2] = -11; /* tensor -> NDBuffer */
    want[11] = -11;
    mp_nd_read(ctx, a, seen, 12);
    conform_observe_alias(ctx, "ndbuffer_to_dlpack", conform_device_name(ctx->dev), seen[11] == -11);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    const zbuf_index at13[2] = {ZBUF_AT(1), ZBUF_AT(3)}; /* NDBuffer -> tensor: view [0, 1] */
    mp_nd_set(ctx, a, 2, at13, -7);
    CONFORM_ASSERT_INT_EQ(ctx, -7, e[1 * 2]);
    t->deleter(t);
  } else {
    /* Device memory: write through a re-import of the tensor, read the exporter; then the reverse. */
    zbuf_impl_ndbuffer *b = reimport(ctx, t);
    const zbuf_index at11[2] = {ZBUF_AT(1), ZBUF_AT(1)}; /* b[1, 1] is a[2, 3] */
    mp_nd_set(ctx, b, 2, at11, -11);
    want[11] = -11;
    mp_nd_read(ctx, a, seen, 12);
    conform_observe_alias(ctx, "ndbuffer_to_dlpack", conform_device_name(ctx->dev), seen[11] == -11);
    CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
    const zbuf_index at13[2] = {ZBUF_AT(1), ZBUF_AT(3)};
    mp_nd_set(ctx, a, 2, at13, -7);
    int32_t bseen[4];
    mp_nd_read(ctx, b, bseen, 4);
    CONFORM_ASSERT_INT_EQ(ctx, -7, bseen[1]);
    I->ndbuffer_release(I, b);
  }
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST_VARIANTS("CONV-COPY-004", MP_KINDS, ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      conv_copy_004_dlpack_import_shares) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  /* 24 int32 of caller memory; the tensor starts 16 bytes in (element 4) with shape (3, 2) and element
   * strides (5, 2): element (i, j) is caller element 4 + 5i + 2j. */
  int32_t init[24], mem[24], seen[6];
  for (int i = 0; i < 24; i++) init[i] = 100 + i;
  mp_mem m = mp_mem_new(ctx, ctx->dev, init, sizeof init);
  mp_tensor t;
  const int64_t shape[2] = {3, 2}, strides[2] = {5, 2};
  mp_tensor_init(&t, ctx->dev, m.ptr, 16, 2, shape, strides);
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_OK(ctx, I->ndbuffer_from_dlpack(I, &t.managed, &a, &ctx->err));
  int at[6];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) at[i * 2 + j] = 4 + 5 * i + 2 * j;
  int32_t want[6];
  for (int k = 0; k < 6; k++) want[k] = init[at[k]];
  mp_nd_read(ctx, a, seen, 6);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  /* The caller writes element (2, 0); the NDBuffer shows it. */
  int32_t x = -14;
  mp_mem_write(ctx, &m, (size_t)at[4] * sizeof x, &x, sizeof x);
  want[4] = x;
  mp_nd_read(ctx, a, seen, 6);
  conform_observe_alias(ctx, "ndbuffer_from_dlpack", conform_device_name(ctx->dev), seen[4] == x);
  CONFORM_ASSERT_MEM_EQ(ctx, want, seen, sizeof want);
  /* The NDBuffer writes (1, 1) and then fills: the caller's memory shows exactly those elements changed. */
  const zbuf_index at11[2] = {ZBUF_AT(1), ZBUF_AT(1)};
  mp_nd_set(ctx, a, 2, at11, -9);
  mp_mem_read(ctx, &m, mem);
  CONFORM_ASSERT_INT_EQ(ctx, -9, mem[at[3]]);
  mp_nd_fill(ctx, a, -1);
  int32_t expect_mem[24];
  memcpy(expect_mem, init, sizeof init);
  for (int k = 0; k < 6; k++) expect_mem[at[k]] = -1;
  mp_mem_read(ctx, &m, mem);
  CONFORM_ASSERT_MEM_EQ(ctx, expect_mem, mem, sizeof mem);
  I->ndbuffer_release(I, a);
  mp_mem_free(ctx, &m);
}

CONFORM_TEST("CONV-COPY-005", "matrix", 0, conv_copy_005_open_choices_are_recorded) {
  /* The matrix itself is the harness's (aliasing.json); this probe makes sure each operation whose aliasing
   * the contract leaves open is recorded for the prototype's own memory, whichever outcome it has, and that
   * the values are right either way. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_to_host);
  const char *kind = conform_device_name(ctx->dev);
  unsigned char pat[16], seen[16];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 55);
  zbuf_impl_buffer *h = NULL;
  CONFORM_OK(ctx, I->buffer_to_host(I, b, &h, &ctx->err));
  mp_buf_poke(ctx, b, 0, (unsigned char)~pat[0]);
  read_all(ctx, h, seen, sizeof seen);
  int aliased = seen[0] != pat[0];
  conform_observe_alias(ctx, "buffer_to_host", kind, aliased);
  if (aliased) pat[0] = (unsigned char)~pat[0];
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  I->buffer_release(I, h);
  I->buffer_release(I, b);
  if (!(I->capabilities & ZBUF_CAP_ND)) return;
  CONFORM_NEED_OP(ctx, ndbuffer_to_host);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  const int64_t shape[2] = {3, 4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape);
  zbuf_impl_ndbuffer *nh = NULL, *e = NULL, *tr = NULL, *flat = NULL;
  const zbuf_index at12[2] = {ZBUF_AT(1), ZBUF_AT(2)};
  CONFORM_OK(ctx, I->ndbuffer_to_host(I, a, &nh, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_get_item(I, a, 2, at12, &e, &ctx->err));
  CONFORM_OK(ctx, I->ndbuffer_transpose(I, a, 0, NULL, &tr, &ctx->err));
  const int64_t twelve[1] = {12};
  CONFORM_OK(ctx, I->ndbuffer_reshape(I, tr, 1, twelve, &flat, &ctx->err));
  mp_nd_set(ctx, a, 2, at12, -6); /* a[1, 2]: element 6 of a, 0 of e, 2*3 + 1 = 7 of flat */
  int32_t v12[12], v1;
  mp_nd_read(ctx, nh, v12, 12);
  CONFORM_ASSERT(ctx, v12[6] == 6 || v12[6] == -6);
  conform_observe_alias(ctx, "ndbuffer_to_host", conform_device_name(ctx->nd_dev), v12[6] == -6);
  mp_nd_read(ctx, e, &v1, 1);
  CONFORM_ASSERT(ctx, v1 == 6 || v1 == -6);
  conform_observe_alias(ctx, "ndbuffer_get_item(int)", conform_device_name(ctx->nd_dev), v1 == -6);
  mp_nd_read(ctx, flat, v12, 12);
  CONFORM_ASSERT(ctx, v12[7] == 6 || v12[7] == -6);
  conform_observe_alias(ctx, "ndbuffer_reshape(noncontig)", conform_device_name(ctx->nd_dev), v12[7] == -6);
  I->ndbuffer_release(I, flat);
  I->ndbuffer_release(I, tr);
  I->ndbuffer_release(I, e);
  I->ndbuffer_release(I, nh);
  I->ndbuffer_release(I, a);
}

/* ---- PROTO-COPY ---- */

CONFORM_TEST("PROTO-COPY-001", "", 0, proto_copy_001_prototype_is_a_value) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  zbuf_impl_prototype p, again;
  CONFORM_OK(ctx, I->default_prototype(I, &p, &ctx->err));
  zbuf_impl_prototype saved = p;
  /* Changing the caller's copy does not change the default ... */
  p.buffer.device_type = p.buffer.device_type == kDLCUDA ? kDLCPU : kDLCUDA;
  p.nd_buffer.device_id = 7;
  CONFORM_OK(ctx, I->default_prototype(I, &again, &ctx->err));
  CONFORM_ASSERT_DEVICE_EQ(ctx, saved.buffer, again.buffer);
  CONFORM_ASSERT_DEVICE_EQ(ctx, saved.nd_buffer, again.nd_buffer);
  /* ... nor does changing the value given to set_default_prototype after the call. */
  zbuf_impl_prototype set = saved;
  CONFORM_OK(ctx, I->set_default_prototype(I, &set, &ctx->err));
  set.buffer.device_type = set.buffer.device_type == kDLCUDA ? kDLCPU : kDLCUDA;
  set.nd_buffer.device_id = 7;
  CONFORM_OK(ctx, I->default_prototype(I, &again, &ctx->err));
  CONFORM_ASSERT_DEVICE_EQ(ctx, saved.buffer, again.buffer);
  CONFORM_ASSERT_DEVICE_EQ(ctx, saved.nd_buffer, again.nd_buffer);
  /* Two reads of the same default compare equal as values. */
  zbuf_impl_prototype third;
  CONFORM_OK(ctx, I->default_prototype(I, &third, &ctx->err));
  CONFORM_ASSERT(ctx, conform_device_equal(again.buffer, third.buffer) &&
                          conform_device_equal(again.nd_buffer, third.nd_buffer));
}

/* "PROTO@SRC": from_buffer into prototype PROTO's Buffer kind (cpu, gpu, or the default) of a source in SRC.
 */
#define PROTO_COPY_002_VARIANTS \
  "cpu@cpu,cpu@cuda_host,cpu@cuda,gpu@cpu,gpu@cuda_host,gpu@cuda,default@cpu,default@cuda_host,default@cuda"

CONFORM_TEST_VARIANTS("PROTO-COPY-002", PROTO_COPY_002_VARIANTS, 0,
                      proto_copy_002_from_buffer_follows_kinds) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  DLDevice target;
  if (strcmp(ctx->label, "cpu") == 0) {
    target = (DLDevice){kDLCPU, 0};
  } else if (strcmp(ctx->label, "gpu") == 0) {
    target = (DLDevice){kDLCUDA, 0};
  } else {
    CONFORM_NEED_OP(ctx, default_prototype);
    zbuf_impl_prototype p;
    CONFORM_SETUP(ctx, I->default_prototype(I, &p, &ctx->err));
    target = p.buffer;
  }
  uint64_t need = target.device_type == kDLCUDA       ? ZBUF_CAP_CUDA
                  : target.device_type == kDLCUDAHost ? ZBUF_CAP_CUDA_HOST
                                                      : ZBUF_CAP_HOST;
  conform_need_caps(ctx, need);
  if (CONFORM_HAS_OP(I, device_check)) {
    zbuf_error e;
    conform_error_reset(&e);
    if (I->device_check(I, target, &e) != ZBUF_OK)
      conform_unsupported(ctx, "device %s of the prototype is not usable: %s", conform_device_name(target),
                          e.message);
  }
  int same = conform_device_equal(target, ctx->dev);
  unsigned char pat[32], seen[32];
  zbuf_impl_buffer *src = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 12);
  zbuf_impl_buffer *r = NULL;
  CONFORM_OK(ctx, I->buffer_from_buffer(I, target, src, &r, &ctx->err));
  CONFORM_ASSERT_DEVICE_EQ(ctx, target, mp_buf_device(ctx, r));
  mp_buf_poke(ctx, src, 2, (unsigned char)~pat[2]);
  read_all(ctx, r, seen, sizeof seen);
  /* Same kind: recorded under the kind, as BUF-COPY-004 does; across kinds under the pair, as CONV-COPY-001.
   */
  char kinds[64];
  if (same)
    snprintf(kinds, sizeof kinds, "%s", conform_device_name(target));
  else
    snprintf(kinds, sizeof kinds, "%s->%s", conform_device_name(ctx->dev), conform_device_name(target));
  int aliased = seen[2] != pat[2];
  conform_observe_alias(ctx, "buffer_from_buffer", kinds, aliased);
  if (same) pat[2] = (unsigned char)~pat[2];
  if (aliased != same)
    conform_fail(ctx, "from_buffer(%s, src in %s): expected %s, seen %s", conform_device_name(target),
                 conform_device_name(ctx->dev), same ? "ALIAS" : "COPY", aliased ? "ALIAS" : "COPY");
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  I->buffer_release(I, r);
  I->buffer_release(I, src);
}

/* zbuf conformance: the ERR clauses of Buffers (BUF-ERR-*); those of NDBuffers are in errors_nd.c, those of
 * conversions and prototypes in errors_conv.c.
 *
 * Each test makes its inputs, snapshots them (errprobe.h), makes one misuse and checks the status class, the
 * message (CONFORM_STATUS), that *out stayed NULL, that the inputs read back the same and that the call left
 * no allocation behind. A variant names the misuse and, where the clause is about memory kinds, the kind
 * ("step2@cuda"); kinds the implementation does not claim are UNSUPPORTED. */
#include <stdatomic.h>

#include "errprobe.h"
#include "memprobe.h"

static atomic_int err_released; /* calls of err_count_release */
static void err_count_release(void *data, void *ctx) {
  (void)data;
  (void)ctx;
  atomic_fetch_add(&err_released, 1);
}

/* ---- BUF-ERR-001 / 002: steps other than 1 ---- */

/* Slices (set == 0) or set_slices (set == 1) a 16-byte buffer with the given step; the set_slice value has
 * as many bytes as the key would select, so that the step is the only thing wrong. */
static void buf_err_step(conform_ctx *ctx, int64_t step, int set) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  unsigned char pat[16], val[16];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 101);
  zbuf_slice key = step < 0 ? ZBUF_SLICE_STEP(15, -17, step) : ZBUF_SLICE_STEP(0, 16, step);
  size_t count = step > 0   ? (size_t)((16 + step - 1) / step)
                 : step < 0 ? (size_t)((16 - step - 1) / -step)
                            : 16;
  conform_fill_pattern(val, sizeof val, 102);
  zbuf_impl_buffer *v = conform_buffer_from_bytes(ctx, ctx->dev, val, count);
  ep_buf_snap sb = ep_buf_take(ctx, b), sv = ep_buf_take(ctx, v);
  zbuf_impl_buffer *out = NULL;
  if (set)
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_set_slice(I, b, key, v, &ctx->err));
  else
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_slice(I, b, key, &out, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  ep_buf_same(ctx, &sb, b, "the buffer");
  ep_buf_same(ctx, &sv, v, "the value");
  I->buffer_release(I, v);
  I->buffer_release(I, b);
}

/* The step is the number after "step" in the label ("set-step-1" -> -1). */
static int64_t label_step(conform_ctx *ctx) {
  const char *p = strstr(ctx->label, "step");
  if (!p) conform_unresolved(ctx, "variant label %s names no step", ctx->label);
  return strtoll(p + 4, NULL, 10);
}

CONFORM_TEST_VARIANTS(
    "BUF-ERR-001",
    EP_KINDS("slice-step2") "," EP_KINDS("slice-step-1") "," EP_KINDS("slice-step3") "," EP_KINDS(
        "set-step2") "," EP_KINDS("set-step-1") "," EP_KINDS("set-step3"),
    ZBUF_CAP_HOST, buf_err_001_step_not_one) {
  buf_err_step(ctx, label_step(ctx), strncmp(ctx->label, "set", 3) == 0);
}

CONFORM_TEST_VARIANTS("BUF-ERR-002", EP_KINDS("slice-step0") "," EP_KINDS("set-step0"), ZBUF_CAP_HOST,
                      buf_err_002_step_zero) {
  buf_err_step(ctx, 0, strncmp(ctx->label, "set", 3) == 0);
}

CONFORM_TEST("BUF-ERR-003", "", ZBUF_CAP_HOST, buf_err_003_key_not_a_slice) {
  /* The ABI's buffer_slice takes a zbuf_slice and nothing else, so no implementation can be given an
   * integer or tuple key through it; adapters that can pass one prove this clause in their own suite. */
  conform_unsupported(ctx, "the implementation ABI cannot express a Buffer key that is not a slice");
}

/* ---- BUF-ERR-004: set_slice value of the wrong length ---- */

CONFORM_TEST_VARIANTS("BUF-ERR-004", EP_KINDS("3-into-2") "," EP_KINDS("0-into-4") "," EP_KINDS("5-into-4"),
                      ZBUF_CAP_HOST, buf_err_004_set_slice_wrong_length) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  size_t vlen = (size_t)(ctx->label[0] - '0'), range = (size_t)(ctx->label[7] - '0');
  unsigned char pat[16], val[8];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 104);
  conform_fill_pattern(val, sizeof val, 105);
  zbuf_impl_buffer *v = vlen ? conform_buffer_from_bytes(ctx, ctx->dev, val, vlen) : NULL;
  if (!v) {
    CONFORM_NEED_OP(ctx, buffer_create_zero_length);
    CONFORM_SETUP(ctx, I->buffer_create_zero_length(I, ctx->dev, &v, &ctx->err));
  }
  ep_buf_snap sb = ep_buf_take(ctx, b), sv = ep_buf_take(ctx, v);
  EP_FAILS(ctx, EP_M(EINVAL), I->buffer_set_slice(I, b, ZBUF_SLICE(4, 4 + (int64_t)range), v, &ctx->err));
  ep_buf_same(ctx, &sb, b, "dst");
  ep_buf_same(ctx, &sv, v, "the value");
  I->buffer_release(I, v);
  I->buffer_release(I, b);
}

/* ---- BUF-ERR-005: to_bytes into too small a destination ---- */

CONFORM_TEST_VARIANTS("BUF-ERR-005", MP_KINDS, ZBUF_CAP_HOST, buf_err_005_to_bytes_too_small) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_to_bytes);
  unsigned char pat[16], dst[32], canary[32];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 106);
  memset(dst, 0xC3, sizeof dst);
  memcpy(canary, dst, sizeof dst);
  ep_buf_snap sb = ep_buf_take(ctx, b);
  EP_FAILS(ctx, EP_M(EINVAL), I->buffer_to_bytes(I, b, dst + 8, 15, &ctx->err));
  if (memcmp(dst, canary, sizeof dst) != 0) conform_note(ctx, "dst[0..32) around the 15 bytes at dst+8");
  CONFORM_ASSERT_MEM_EQ(ctx, canary, dst, sizeof dst);
  ep_buf_same(ctx, &sb, b, "the buffer");
  I->buffer_release(I, b);
}

/* ---- BUF-ERR-006: NULL data with a non-zero size ---- */

CONFORM_TEST_VARIANTS("BUF-ERR-006", EP_KINDS("from_bytes") "," EP_KINDS("wrap"), ZBUF_CAP_HOST,
                      buf_err_006_null_data) {
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_buffer *out = NULL;
  if (strcmp(ctx->label, "wrap") == 0) {
    conform_need_caps(ctx, ZBUF_CAP_WRAP);
    CONFORM_NEED_OP(ctx, buffer_wrap);
    atomic_store(&err_released, 0);
    EP_FAILS(ctx, EP_M(EINVAL),
             I->buffer_wrap(I, ctx->dev, NULL, 8, err_count_release, NULL, &out, &ctx->err));
    CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&err_released));
  } else {
    CONFORM_NEED_OP(ctx, buffer_from_bytes);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_from_bytes(I, ctx->dev, NULL, 8, &out, &ctx->err));
  }
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
}

/* ---- BUF-ERR-007: combine of zero parts or a NULL part ---- */

CONFORM_TEST_VARIANTS("BUF-ERR-007", "n0,parts-null,null-part-first,null-part-middle", ZBUF_CAP_HOST,
                      buf_err_007_combine_nothing) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_combine);
  unsigned char p0[8], p1[8];
  zbuf_impl_buffer *a = mp_buf_pattern(ctx, ctx->dev, p0, sizeof p0, 107);
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, p1, sizeof p1, 108);
  ep_buf_snap sa = ep_buf_take(ctx, a), sb = ep_buf_take(ctx, b);
  const zbuf_impl_buffer *parts[3] = {a, b, b};
  zbuf_impl_buffer *out = NULL;
  if (strcmp(ctx->label, "n0") == 0) {
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_combine(I, parts, 0, &out, &ctx->err));
  } else if (strcmp(ctx->label, "parts-null") == 0) {
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_combine(I, NULL, 2, &out, &ctx->err));
  } else {
    parts[strcmp(ctx->label, "null-part-first") == 0 ? 0 : 1] = NULL;
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_combine(I, parts, 3, &out, &ctx->err));
  }
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  ep_buf_same(ctx, &sa, a, "parts[0]");
  ep_buf_same(ctx, &sb, b, "parts[1]");
  I->buffer_release(I, b);
  I->buffer_release(I, a);
}

/* ---- BUF-ERR-008: NULL handles and out-parameters ---- */

#define BUF_ERR_008_VARIANTS                                                                 \
  "from_bytes-null-out,create_zero_length-null-out,wrap-null-out,from_buffer-null-src,"      \
  "from_buffer-null-out,info-null-buf,to_bytes-null-buf,to_bytes-null-dst,to_host-null-buf," \
  "to_host-null-out,slice-null-buf,slice-null-out,set_slice-null-dst,set_slice-null-value,"  \
  "combine-null-out,equal-null-a,equal-null-b,equal-null-result"

CONFORM_TEST_VARIANTS("BUF-ERR-008", BUF_ERR_008_VARIANTS, ZBUF_CAP_HOST, buf_err_008_null_arguments) {
  const zbuf_impl *I = ctx->impl;
  const char *l = ctx->label;
  unsigned char pat[16], dst[16];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 109), *out = NULL;
  ep_buf_snap sb = ep_buf_take(ctx, b);
  int eq = 7;
  if (strcmp(l, "from_bytes-null-out") == 0) {
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_from_bytes(I, ctx->dev, pat, sizeof pat, NULL, &ctx->err));
  } else if (strcmp(l, "create_zero_length-null-out") == 0) {
    CONFORM_NEED_OP(ctx, buffer_create_zero_length);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_create_zero_length(I, ctx->dev, NULL, &ctx->err));
  } else if (strcmp(l, "wrap-null-out") == 0) {
    conform_need_caps(ctx, ZBUF_CAP_WRAP);
    CONFORM_NEED_OP(ctx, buffer_wrap);
    atomic_store(&err_released, 0);
    EP_FAILS(ctx, EP_M(EINVAL),
             I->buffer_wrap(I, ctx->host, dst, sizeof dst, err_count_release, NULL, NULL, &ctx->err));
    CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&err_released));
  } else if (strcmp(l, "from_buffer-null-src") == 0) {
    CONFORM_NEED_OP(ctx, buffer_from_buffer);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_from_buffer(I, ctx->dev, NULL, &out, &ctx->err));
  } else if (strcmp(l, "from_buffer-null-out") == 0) {
    CONFORM_NEED_OP(ctx, buffer_from_buffer);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_from_buffer(I, ctx->dev, b, NULL, &ctx->err));
  } else if (strcmp(l, "info-null-buf") == 0) {
    void *data;
    size_t len;
    DLDevice dev;
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_info(I, NULL, &data, &len, &dev, &ctx->err));
  } else if (strcmp(l, "to_bytes-null-buf") == 0) {
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_to_bytes(I, NULL, dst, sizeof dst, &ctx->err));
  } else if (strcmp(l, "to_bytes-null-dst") == 0) {
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_to_bytes(I, b, NULL, sizeof dst, &ctx->err));
  } else if (strcmp(l, "to_host-null-buf") == 0) {
    CONFORM_NEED_OP(ctx, buffer_to_host);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_to_host(I, NULL, &out, &ctx->err));
  } else if (strcmp(l, "to_host-null-out") == 0) {
    CONFORM_NEED_OP(ctx, buffer_to_host);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_to_host(I, b, NULL, &ctx->err));
  } else if (strcmp(l, "slice-null-buf") == 0) {
    CONFORM_NEED_OP(ctx, buffer_slice);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_slice(I, NULL, ZBUF_SLICE(0, 4), &out, &ctx->err));
  } else if (strcmp(l, "slice-null-out") == 0) {
    CONFORM_NEED_OP(ctx, buffer_slice);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_slice(I, b, ZBUF_SLICE(0, 4), NULL, &ctx->err));
  } else if (strcmp(l, "set_slice-null-dst") == 0) {
    CONFORM_NEED_OP(ctx, buffer_set_slice);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_set_slice(I, NULL, ZBUF_SLICE(0, 16), b, &ctx->err));
  } else if (strcmp(l, "set_slice-null-value") == 0) {
    CONFORM_NEED_OP(ctx, buffer_set_slice);
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_set_slice(I, b, ZBUF_SLICE(0, 4), NULL, &ctx->err));
  } else if (strcmp(l, "combine-null-out") == 0) {
    CONFORM_NEED_OP(ctx, buffer_combine);
    const zbuf_impl_buffer *parts[1] = {b};
    EP_FAILS(ctx, EP_M(EINVAL), I->buffer_combine(I, parts, 1, NULL, &ctx->err));
  } else {
    CONFORM_NEED_OP(ctx, buffer_equal);
    if (strcmp(l, "equal-null-a") == 0)
      EP_FAILS(ctx, EP_M(EINVAL), I->buffer_equal(I, NULL, b, &eq, &ctx->err));
    else if (strcmp(l, "equal-null-b") == 0)
      EP_FAILS(ctx, EP_M(EINVAL), I->buffer_equal(I, b, NULL, &eq, &ctx->err));
    else
      EP_FAILS(ctx, EP_M(EINVAL), I->buffer_equal(I, b, b, NULL, &ctx->err));
    CONFORM_ASSERT_INT_EQ(ctx, 7, eq);
  }
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  ep_buf_same(ctx, &sb, b, "the buffer");
  I->buffer_release(I, b);
}

/* ---- BUF-ERR-009: huge sizes ---- */

CONFORM_TEST_VARIANTS("BUF-ERR-009", EP_KINDS("size-2p62") "," EP_KINDS("size-max"), ZBUF_CAP_HOST,
                      buf_err_009_huge_sizes) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_bytes);
  /* Only 16 bytes are there to read: an implementation that copies before its allocation fails crashes. */
  unsigned char small[16] = {0};
  size_t n = strcmp(ctx->label, "size-max") == 0 ? SIZE_MAX : (size_t)1 << 62;
  zbuf_impl_buffer *out = NULL;
  EP_FAILS(ctx, EP_M(ENOMEM) | EP_M(EINVAL), I->buffer_from_bytes(I, ctx->dev, small, n, &out, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
}

/* ---- BUF-ERR-010: zero sizes are not errors ---- */

#define BUF_ERR_010_VARIANTS                                                                                 \
  EP_KINDS("from_bytes")                                                                                     \
  "," EP_KINDS("from_bytes-null") "," EP_KINDS("create_zero_length") "," EP_KINDS("slice-a-a") "," EP_KINDS( \
      "slice-b-a") "," EP_KINDS("set_slice-empty") "," EP_KINDS("combine-empty") "," EP_KINDS("to_bytes-0") "," \
      EP_KINDS("wrap-null") "," EP_KINDS("to_bytes-0-null")

CONFORM_TEST_VARIANTS("BUF-ERR-010", BUF_ERR_010_VARIANTS, ZBUF_CAP_HOST, buf_err_010_zero_sizes) {
  const zbuf_impl *I = ctx->impl;
  const char *l = ctx->label;
  unsigned char pat[8];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 110), *out = NULL;
  if (strcmp(l, "from_bytes") == 0) {
    CONFORM_OK(ctx, I->buffer_from_bytes(I, ctx->dev, pat, 0, &out, &ctx->err));
  } else if (strcmp(l, "from_bytes-null") == 0) {
    CONFORM_OK(ctx, I->buffer_from_bytes(I, ctx->dev, NULL, 0, &out, &ctx->err));
  } else if (strcmp(l, "wrap-null") == 0) {
    /* Nothing to wrap: NULL data of size 0 is a valid empty Buffer (Zarr: from_array_like of an empty
     * array), as from_bytes(NULL, 0) is. */
    conform_need_caps(ctx, ZBUF_CAP_WRAP);
    CONFORM_NEED_OP(ctx, buffer_wrap);
    CONFORM_OK(ctx, I->buffer_wrap(I, ctx->dev, NULL, 0, NULL, NULL, &out, &ctx->err));
  } else if (strcmp(l, "create_zero_length") == 0) {
    CONFORM_NEED_OP(ctx, buffer_create_zero_length);
    CONFORM_OK(ctx, I->buffer_create_zero_length(I, ctx->dev, &out, &ctx->err));
  } else if (strncmp(l, "slice", 5) == 0) {
    CONFORM_NEED_OP(ctx, buffer_slice);
    zbuf_slice key = strcmp(l, "slice-a-a") == 0 ? ZBUF_SLICE(3, 3) : ZBUF_SLICE(6, 2);
    CONFORM_OK(ctx, I->buffer_slice(I, b, key, &out, &ctx->err));
  } else if (strcmp(l, "set_slice-empty") == 0) {
    CONFORM_NEED_OP(ctx, buffer_set_slice);
    CONFORM_NEED_OP(ctx, buffer_create_zero_length);
    CONFORM_SETUP(ctx, I->buffer_create_zero_length(I, ctx->dev, &out, &ctx->err));
    CONFORM_OK(ctx, I->buffer_set_slice(I, b, ZBUF_SLICE(5, 5), out, &ctx->err));
    unsigned char seen[8];
    conform_buffer_read(ctx, b, seen, sizeof seen);
    CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  } else if (strcmp(l, "combine-empty") == 0) {
    CONFORM_NEED_OP(ctx, buffer_combine);
    CONFORM_NEED_OP(ctx, buffer_slice);
    zbuf_impl_buffer *e1 = NULL, *e2 = NULL;
    CONFORM_SETUP(ctx, I->buffer_slice(I, b, ZBUF_SLICE(2, 2), &e1, &ctx->err));
    CONFORM_SETUP(ctx, I->buffer_from_bytes(I, ctx->dev, pat, 0, &e2, &ctx->err));
    const zbuf_impl_buffer *parts[2] = {e1, e2};
    CONFORM_OK(ctx, I->buffer_combine(I, parts, 2, &out, &ctx->err));
    I->buffer_release(I, e2);
    I->buffer_release(I, e1);
  } else if (strcmp(l, "to_bytes-0-null") == 0) {
    /* Nothing to write: a NULL destination of size 0 is fine for an empty Buffer. */
    CONFORM_NEED_OP(ctx, buffer_slice);
    CONFORM_SETUP(ctx, I->buffer_slice(I, b, ZBUF_SLICE(4, 4), &out, &ctx->err));
    CONFORM_OK(ctx, I->buffer_to_bytes(I, out, NULL, 0, &ctx->err));
  } else {
    CONFORM_NEED_OP(ctx, buffer_slice);
    CONFORM_SETUP(ctx, I->buffer_slice(I, b, ZBUF_SLICE(4, 4), &out, &ctx->err));
    unsigned char dst[1] = {0x5A};
    CONFORM_OK(ctx, I->buffer_to_bytes(I, out, dst, 0, &ctx->err));
    CONFORM_ASSERT_UINT_EQ(ctx, 0x5A, dst[0]);
  }
  CONFORM_ASSERT(ctx, out != NULL);
  CONFORM_ASSERT_UINT_EQ(ctx, 0, conform_buffer_length(ctx, out));
  I->buffer_release(I, out);
  I->buffer_release(I, b);
}

/* ---- BUF-ERR-011: allocation failure ---- */

/* Runs op with the k-th allocation (k = 1, 2, ...) failing until it succeeds: every failure must be ENOMEM
 * with *out still NULL, inputs unchanged and the probe where it was. */
typedef int (*err_alloc_op)(conform_ctx *ctx, zbuf_impl_buffer *const in[2], zbuf_impl_buffer **out,
                            zbuf_error *e);

static void err_inject_each(conform_ctx *ctx, unsigned mask, err_alloc_op op, zbuf_impl_buffer *in[2],
                            const char *what, int allocates) {
  const zbuf_impl *I = ctx->impl;
  conform_need_caps(ctx, ZBUF_CAP_FAULT_INJECTION);
  CONFORM_NEED_OP(ctx, testing_fail_allocation);
  ep_buf_snap s[2];
  for (int i = 0; i < 2; i++)
    if (in[i]) s[i] = ep_buf_take(ctx, in[i]);
  for (int64_t k = 1; k <= 256; k++) {
    conform_leak_probe probe;
    conform_leak_begin(ctx, &probe);
    zbuf_error e;
    conform_error_reset(&e);
    zbuf_impl_buffer *out = NULL;
    I->testing_fail_allocation(I, k, mask);
    int st = op(ctx, in, &out, &e);
    I->testing_fail_allocation(I, 0, mask);
    if (st == ZBUF_OK) {
      /* An operation that returns new memory allocates: if it survives its first allocation failing, it did
       * not report the failure, or the hook does not reach its allocations. */
      if (k == 1 && allocates)
        conform_fail(ctx, "%s succeeded with its first allocation failing; it returns new memory", what);
      if (k == 1) conform_note(ctx, "%s made no allocation that could be failed", what);
      I->buffer_release(I, out);
      conform_leak_check(ctx, &probe, "the successful call");
      for (int i = 0; i < 2; i++)
        if (in[i]) ep_buf_same(ctx, &s[i], in[i], i ? "the second input" : "the input");
      return;
    }
    if (st != ZBUF_ENOMEM)
      conform_fail(ctx, "%s with allocation %lld failing: expected ENOMEM, seen %s (%s)", what, (long long)k,
                   conform_status_name(st), e.message);
    if ((int)e.code != st || e.message[0] == '\0')
      conform_fail(ctx, "%s with allocation %lld failing: error struct not filled (code %d, message \"%s\")",
                   what, (long long)k, (int)e.code, e.message);
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
    conform_leak_check(ctx, &probe, what);
    for (int i = 0; i < 2; i++)
      if (in[i]) {
        ep_buf_same(ctx, &s[i], in[i], i ? "the second input" : "the input");
        s[i] = ep_buf_take(ctx, in[i]);
      }
  }
  conform_fail(ctx, "%s still failed with its 256th allocation failing; expected it to need fewer", what);
}

static unsigned char err_src_bytes[64];

static int op_from_bytes(conform_ctx *ctx, zbuf_impl_buffer *const in[2], zbuf_impl_buffer **out,
                         zbuf_error *e) {
  (void)in;
  return ctx->impl->buffer_from_bytes(ctx->impl, ctx->dev, err_src_bytes, sizeof err_src_bytes, out, e);
}
static int op_combine(conform_ctx *ctx, zbuf_impl_buffer *const in[2], zbuf_impl_buffer **out,
                      zbuf_error *e) {
  const zbuf_impl_buffer *parts[2] = {in[0], in[1]};
  return ctx->impl->buffer_combine(ctx->impl, parts, 2, out, e);
}
static int op_from_buffer(conform_ctx *ctx, zbuf_impl_buffer *const in[2], zbuf_impl_buffer **out,
                          zbuf_error *e) {
  return ctx->impl->buffer_from_buffer(ctx->impl, ctx->dev2, in[0], out, e);
}
static int op_to_host(conform_ctx *ctx, zbuf_impl_buffer *const in[2], zbuf_impl_buffer **out,
                      zbuf_error *e) {
  return ctx->impl->buffer_to_host(ctx->impl, in[0], out, e);
}

/* "OP" in the prototype's memory (from_buffer into the host), "OP@kind", and "OP@a->b" across kinds. */
#define BUF_ERR_011_VARIANTS                                                                            \
  "from_bytes,combine,from_buffer,to_host,from_bytes@cuda_host,from_bytes@cuda,combine@cuda->cpu,"      \
  "from_buffer@cpu->cuda,from_buffer@cuda->cpu,from_buffer@cpu->cuda_host,from_buffer@cuda_host->cuda," \
  "to_host@cuda"

CONFORM_TEST_VARIANTS("BUF-ERR-011", BUF_ERR_011_VARIANTS, ZBUF_CAP_HOST | ZBUF_CAP_FAULT_INJECTION,
                      buf_err_011_allocation_failure) {
  const zbuf_impl *I = ctx->impl;
  const char *l = ctx->label;
  conform_fill_pattern(err_src_bytes, sizeof err_src_bytes, 111);
  unsigned char p0[48], p1[24];
  zbuf_impl_buffer *in[2] = {mp_buf_pattern(ctx, ctx->dev, p0, sizeof p0, 112), NULL};
  if (strcmp(l, "from_bytes") == 0) {
    err_inject_each(ctx, ZBUF_ALLOC_ANY, op_from_bytes, in, "from_bytes", 1);
  } else if (strcmp(l, "combine") == 0) {
    CONFORM_NEED_OP(ctx, buffer_combine);
    in[1] = mp_buf_pattern(ctx, strchr(ctx->variant, '>') ? ctx->dev2 : ctx->dev, p1, sizeof p1, 113);
    err_inject_each(ctx, ZBUF_ALLOC_ANY, op_combine, in, "combine", 1);
  } else if (strcmp(l, "from_buffer") == 0) {
    CONFORM_NEED_OP(ctx, buffer_from_buffer);
    err_inject_each(ctx, ZBUF_ALLOC_ANY, op_from_buffer, in, "from_buffer",
                    !conform_device_equal(ctx->dev, ctx->dev2));
  } else {
    CONFORM_NEED_OP(ctx, buffer_to_host);
    err_inject_each(ctx, ZBUF_ALLOC_ANY, op_to_host, in, "to_host", !conform_device_is_host(ctx->dev));
  }
  I->buffer_release(I, in[1]);
  I->buffer_release(I, in[0]);
}

/* The hook counts only the kinds in its mask: armed for pinned and device memory alone, it must not fail a
 * host allocation, or every host operation between arming and disarming would fail (CONV-ERR-007 arms it so). */
CONFORM_TEST("BUF-ERR-011", "host-not-in-mask@cpu", ZBUF_CAP_HOST | ZBUF_CAP_FAULT_INJECTION,
             buf_err_011_mask_leaves_host_alone) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, testing_fail_allocation);
  unsigned char pat[32];
  conform_fill_pattern(pat, sizeof pat, 115);
  zbuf_impl_buffer *b = NULL;
  I->testing_fail_allocation(I, 1, ZBUF_ALLOC_PINNED | ZBUF_ALLOC_DEVICE);
  zbuf_error e;
  conform_error_reset(&e);
  int st = I->buffer_from_bytes(I, ctx->host, pat, sizeof pat, &b, &e);
  I->testing_fail_allocation(I, 0, ZBUF_ALLOC_ANY);
  if (st != ZBUF_OK)
    conform_fail(ctx, "from_bytes in host memory with only pinned/device allocations armed: expected OK, seen %s: %s",
                 conform_status_name(st), e.message);
  unsigned char seen[32];
  conform_buffer_read(ctx, b, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  I->buffer_release(I, b);
}

/* ---- BUF-ERR-012: the error struct ---- */

CONFORM_TEST_VARIANTS("BUF-ERR-012", "failure,success,null-err", ZBUF_CAP_HOST, buf_err_012_error_struct) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  unsigned char pat[16];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 114), *out = NULL;
  zbuf_error e, marker;
  memset(&marker, 0xA5, sizeof marker);
  memcpy(&e, &marker, sizeof e);
  if (strcmp(ctx->label, "failure") == 0) {
    int st = I->buffer_slice(I, b, ZBUF_SLICE_STEP(0, 16, 0), &out, &e);
    if (st == ZBUF_OK) conform_unresolved(ctx, "slice with step 0 succeeded; no failure to observe");
    CONFORM_ASSERT_INT_EQ(ctx, st, (int)e.code);
    CONFORM_ASSERT(ctx, memchr(e.message, '\0', sizeof e.message) != NULL);
    CONFORM_ASSERT(ctx, e.message[0] != '\0');
  } else if (strcmp(ctx->label, "success") == 0) {
    CONFORM_OK(ctx, I->buffer_slice(I, b, ZBUF_SLICE(2, 6), &out, &e));
    if (memcmp(&e, &marker, sizeof e) != 0)
      conform_fail(ctx, "a successful slice wrote into the error struct");
    I->buffer_release(I, out);
    out = NULL;
  } else {
    int st = I->buffer_slice(I, b, ZBUF_SLICE_STEP(0, 16, 0), &out, NULL);
    CONFORM_ASSERT_STR_EQ(ctx, "EINVAL", conform_status_name(st));
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
    CONFORM_ASSERT_INT_EQ(ctx, ZBUF_OK, I->buffer_slice(I, b, ZBUF_SLICE(2, 6), &out, NULL));
    I->buffer_release(I, out);
    out = NULL;
  }
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  I->buffer_release(I, b);
}

/* zbuf conformance: the SEM clauses of Buffers and prototypes (BUF-SEM-*, PROTO-SEM-*).
 *
 * What the bytes of a Buffer are after each operation, and which memory kinds the default prototype names.
 * The n-d value clauses are in semantics_nd.c and the golden vectors (vectors.c); conversions between kinds
 * and DLPack in semantics_conv.c. Expected results are Python's: slices resolve like `slice.indices`,
 * equality is byte equality, combine is concatenation. */
#include "semprobe.h"

/* ---- BUF-SEM ---- */

/* A slice with any parts given; `given` as zbuf_slice. */
#define SL(a, b, s, g) ((zbuf_slice){(a), (b), (s), (g)})
enum { S_ = ZBUF_SLICE_HAS_START, E_ = ZBUF_SLICE_HAS_STOP, T_ = ZBUF_SLICE_HAS_STEP };

CONFORM_TEST_VARIANTS("BUF-SEM-001", MP_KINDS, ZBUF_CAP_HOST, buf_sem_001_slice_bounds_as_python) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_slice);
  static const char ten[] = "0123456789";
  /* Each key with what Python's b"0123456789"[key] gives. */
  const struct {
    const char *key;
    zbuf_slice s;
    const char *want;
  } cases[] = {
      {"[-3:]", SL(-3, 0, 1, S_), "789"},
      {"[:-20]", SL(0, -20, 1, E_), ""},
      {"[5:100]", SL(5, 100, 1, S_ | E_), "56789"},
      {"[7:3]", SL(7, 3, 1, S_ | E_), ""},
      {"[-100:2]", SL(-100, 2, 1, S_ | E_), "01"},
      {"[:]", SL(0, 0, 1, 0), "0123456789"},
      {"[3:]", SL(3, 0, 1, S_), "3456789"},
      {"[:4]", SL(0, 4, 1, E_), "0123"},
      {"[-4:-1]", SL(-4, -1, 1, S_ | E_), "678"},
      {"[10:]", SL(10, 0, 1, S_), ""},
      {"[2:8:1]", SL(2, 8, 1, S_ | E_ | T_), "234567"},
      {"[-1:-1]", SL(-1, -1, 1, S_ | E_), ""},
      /* Parts not flagged in `given` are None whatever their fields hold. */
      {"[2:5] (step field 7, not given)", SL(2, 5, 7, S_ | E_), "234"},
      {"[:] (fields 9, 1, 0, none given)", SL(9, 1, 0, 0), "0123456789"},
      {"[3:] (stop field 1, step field 0, not given)", SL(3, 1, 0, S_), "3456789"},
  };
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, ten, 10);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zbuf_impl_buffer *v = NULL;
    CONFORM_OK(ctx, I->buffer_slice(I, b, cases[i].s, &v, &ctx->err));
    size_t want = strlen(cases[i].want), len = conform_buffer_length(ctx, v);
    if (len != want) conform_fail(ctx, "slice %s: length expected %zu, seen %zu", cases[i].key, want, len);
    char seen[16];
    conform_buffer_read(ctx, v, seen, want);
    if (memcmp(seen, cases[i].want, want) != 0)
      conform_fail(ctx, "slice %s: expected \"%s\", seen \"%.*s\"", cases[i].key, cases[i].want, (int)want,
                   seen);
    I->buffer_release(I, v);
  }
  I->buffer_release(I, b);
}

CONFORM_TEST_VARIANTS("BUF-SEM-002", MP_KINDS, ZBUF_CAP_HOST, buf_sem_002_length_is_bytes) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_bytes);
  CONFORM_NEED_OP(ctx, buffer_slice);
  static unsigned char src[4097];
  const size_t sizes[] = {0, 1, 4097};
  zbuf_impl_buffer *b = NULL;
  for (size_t i = 0; i < 3; i++) {
    /* from_bytes(kind, NULL, 0) is allowed (BUF-COPY-012). */
    CONFORM_OK(ctx, I->buffer_from_bytes(I, ctx->dev, sizes[i] ? src : NULL, sizes[i], &b, &ctx->err));
    CONFORM_ASSERT_UINT_EQ(ctx, sizes[i], conform_buffer_length(ctx, b));
    if (i < 2) I->buffer_release(I, b);
  }
  /* Slices of the 4097-byte buffer: max(0, stop - start) after resolution. */
  const struct {
    zbuf_slice s;
    size_t want;
  } slices[] = {{ZBUF_SLICE(10, 20), 10},
                {ZBUF_SLICE(4000, 5000), 97},
                {SL(-5, 0, 1, S_), 5},
                {ZBUF_SLICE(20, 10), 0},
                {ZBUF_SLICE_ALL, 4097}};
  for (size_t i = 0; i < sizeof slices / sizeof slices[0]; i++) {
    zbuf_impl_buffer *v = NULL;
    CONFORM_OK(ctx, I->buffer_slice(I, b, slices[i].s, &v, &ctx->err));
    CONFORM_ASSERT_UINT_EQ(ctx, slices[i].want, conform_buffer_length(ctx, v));
    I->buffer_release(I, v);
  }
  I->buffer_release(I, b);
  CONFORM_NEED_OP(ctx, buffer_create_zero_length);
  zbuf_impl_buffer *z = NULL;
  CONFORM_OK(ctx, I->buffer_create_zero_length(I, ctx->dev, &z, &ctx->err));
  CONFORM_ASSERT_UINT_EQ(ctx, 0, conform_buffer_length(ctx, z));
  I->buffer_release(I, z);
}

CONFORM_TEST_VARIANTS("BUF-SEM-003", MP_KINDS, ZBUF_CAP_HOST, buf_sem_003_from_bytes_round_trips) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_bytes);
  CONFORM_NEED_OP(ctx, buffer_to_bytes);
  const size_t sizes[] = {0, 1, 7, 1u << 20};
  unsigned char *src = malloc(1u << 20), *seen = malloc(1u << 20);
  if (!src || !seen) conform_unresolved(ctx, "malloc failed");
  for (size_t i = 0; i < 4; i++) {
    conform_fill_pattern(src, sizes[i], 30 + (unsigned)i);
    memset(seen, 0, sizes[i]);
    zbuf_impl_buffer *b = NULL;
    CONFORM_OK(ctx, I->buffer_from_bytes(I, ctx->dev, src, sizes[i], &b, &ctx->err));
    CONFORM_OK(ctx, I->buffer_to_bytes(I, b, seen, sizes[i], &ctx->err));
    CONFORM_ASSERT_MEM_EQ(ctx, src, seen, sizes[i]);
    I->buffer_release(I, b);
  }
  free(seen);
  free(src);
}

CONFORM_TEST_VARIANTS("BUF-SEM-004", MP_KINDS, ZBUF_CAP_HOST, buf_sem_004_combine_concatenates) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_combine);
  zbuf_impl_buffer *parts[3] = {conform_buffer_from_bytes(ctx, ctx->dev, "ab", 2),
                                conform_buffer_from_bytes(ctx, ctx->dev, NULL, 0),
                                conform_buffer_from_bytes(ctx, ctx->dev, "cde", 3)};
  zbuf_impl_buffer *r = NULL;
  CONFORM_OK(ctx, I->buffer_combine(I, (const zbuf_impl_buffer *const *)parts, 3, &r, &ctx->err));
  char seen[5];
  conform_buffer_read(ctx, r, seen, 5);
  CONFORM_ASSERT_MEM_EQ(ctx, "abcde", seen, 5);
  CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev, mp_buf_device(ctx, r));
  I->buffer_release(I, r);
  /* The empty part first: the order still holds and the kind is still parts[0]'s. */
  const zbuf_impl_buffer *two[2] = {parts[1], parts[2]};
  CONFORM_OK(ctx, I->buffer_combine(I, two, 2, &r, &ctx->err));
  conform_buffer_read(ctx, r, seen, 3);
  CONFORM_ASSERT_MEM_EQ(ctx, "cde", seen, 3);
  CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev, mp_buf_device(ctx, r));
  I->buffer_release(I, r);
  for (int i = 0; i < 3; i++) I->buffer_release(I, parts[i]);
}

/* a in ctx->dev, b in ctx->dev2: same kind for "k->k", across kinds otherwise. */
/* to_bytes into a destination larger than the Buffer writes the Buffer's bytes and nothing after them. */
CONFORM_TEST_VARIANTS("BUF-SEM-003", "larger-dst@cpu,larger-dst@cuda_host,larger-dst@cuda", ZBUF_CAP_HOST,
                      buf_sem_003_larger_destination) {
  const zbuf_impl *I = ctx->impl;
  unsigned char pat[16], dst[40], want[40];
  conform_fill_pattern(pat, sizeof pat, 33);
  memset(dst, 0xC5, sizeof dst);
  memcpy(want, dst, sizeof want);
  memcpy(want, pat, sizeof pat);
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, pat, sizeof pat);
  CONFORM_OK(ctx, I->buffer_to_bytes(I, b, dst, sizeof dst, &ctx->err));
  CONFORM_ASSERT_MEM_EQ(ctx, want, dst, sizeof dst);
  I->buffer_release(I, b);
}

CONFORM_TEST_VARIANTS("BUF-SEM-005", MP_SAME_PAIRS ",cpu->cuda,cuda->cpu,cuda_host->cuda,cpu->cuda_host",
                      ZBUF_CAP_HOST, buf_sem_005_equality_compares_bytes) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_equal);
  const struct {
    const char *a, *b;
    size_t na, nb;
    int want;
  } pairs[] = {{"abcdef", "abcdef", 6, 6, 1},
               {"abcdef", "abcdeF", 6, 6, 0},
               {"abcdef", "Xbcdef", 6, 6, 0},
               /* The first differing byte smaller in a than in b, and larger: unequal both ways. */
               {"abcdeF", "abcdef", 6, 6, 0},
               {"Abcdef", "abcdef", 6, 6, 0},
               {"ab\x7f", "ab\x80", 3, 3, 0},
               {"abcdef", "abcde", 6, 5, 0},
               {"abc", "abcdef", 3, 6, 0},
               {"", "", 0, 0, 1},
               {"", "a", 0, 1, 0}};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    zbuf_impl_buffer *a = conform_buffer_from_bytes(ctx, ctx->dev, pairs[i].a, pairs[i].na);
    zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev2, pairs[i].b, pairs[i].nb);
    int eq = -1;
    CONFORM_OK(ctx, I->buffer_equal(I, a, b, &eq, &ctx->err));
    if (eq != pairs[i].want)
      conform_fail(ctx, "equal(\"%s\" in %s, \"%s\" in %s): expected %d, seen %d", pairs[i].a,
                   conform_device_name(ctx->dev), pairs[i].b, conform_device_name(ctx->dev2), pairs[i].want,
                   eq);
    I->buffer_release(I, b);
    I->buffer_release(I, a);
  }
}

CONFORM_TEST_VARIANTS("BUF-SEM-006", MP_KINDS, ZBUF_CAP_HOST, buf_sem_006_set_slice_writes_selected_bytes) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_set_slice);
  unsigned char pat[16], seen[16];
  zbuf_impl_buffer *dst = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 61);
  unsigned char v[5];
  for (int i = 0; i < 5; i++) v[i] = (unsigned char)~pat[3 + i];
  zbuf_impl_buffer *value = conform_buffer_from_bytes(ctx, ctx->dev, v, sizeof v);
  CONFORM_OK(ctx, I->buffer_set_slice(I, dst, ZBUF_SLICE(3, 8), value, &ctx->err));
  memcpy(pat + 3, v, sizeof v);
  conform_buffer_read(ctx, dst, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  I->buffer_release(I, value);
  I->buffer_release(I, dst);
}

CONFORM_TEST_VARIANTS("BUF-SEM-007", MP_KINDS, ZBUF_CAP_HOST, buf_sem_007_to_host_preserves_bytes) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_to_host);
  unsigned char pat[300], seen[300];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 62);
  zbuf_impl_buffer *h = NULL;
  CONFORM_OK(ctx, I->buffer_to_host(I, b, &h, &ctx->err));
  CONFORM_ASSERT_UINT_EQ(ctx, sizeof pat, conform_buffer_length(ctx, h));
  conform_buffer_read(ctx, h, seen, sizeof seen);
  CONFORM_ASSERT_MEM_EQ(ctx, pat, seen, sizeof pat);
  DLDevice where = mp_buf_device(ctx, h);
  if (!conform_device_is_host(where))
    conform_fail(ctx, "to_host of a %s Buffer lives in %s, not a host kind", conform_device_name(ctx->dev),
                 conform_device_name(where));
  I->buffer_release(I, h);
  I->buffer_release(I, b);
}

/* ---- PROTO-SEM ---- */

static int proto_equal(zbuf_impl_prototype a, zbuf_impl_prototype b) {
  return conform_device_equal(a.buffer, b.buffer) && conform_device_equal(a.nd_buffer, b.nd_buffer);
}

static const char *proto_str(zbuf_impl_prototype p, char *out, size_t n) {
  snprintf(out, n, "{buffer %s, nd_buffer %s}", conform_device_name(p.buffer),
           conform_device_name(p.nd_buffer));
  return out;
}

/* Installs p as the default; reads it back (must be p); creates a Buffer and, with ND, an NDBuffer through
 * the default and checks their kinds. */
static void proto_install_and_use(conform_ctx *ctx, zbuf_impl_prototype p) {
  const zbuf_impl *I = ctx->impl;
  char ws[96], ss[96];
  zbuf_impl_prototype seen;
  CONFORM_OK(ctx, I->set_default_prototype(I, &p, &ctx->err));
  CONFORM_OK(ctx, I->default_prototype(I, &seen, &ctx->err));
  if (!proto_equal(p, seen))
    conform_fail(ctx, "default after set_default_prototype: expected %s, seen %s",
                 proto_str(p, ws, sizeof ws), proto_str(seen, ss, sizeof ss));
  zbuf_impl_buffer *b = NULL;
  CONFORM_OK(ctx, I->buffer_from_bytes(I, seen.buffer, "proto", 5, &b, &ctx->err));
  CONFORM_ASSERT_DEVICE_EQ(ctx, p.buffer, mp_buf_device(ctx, b));
  I->buffer_release(I, b);
  if (!(I->capabilities & ZBUF_CAP_ND)) return;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  const int64_t shape[1] = {4};
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_OK(ctx, I->ndbuffer_create(I, seen.nd_buffer, 1, shape, "|u1", ZBUF_ORDER_C, NULL, &a, &ctx->err));
  CONFORM_ASSERT_DEVICE_EQ(ctx, p.nd_buffer, conform_nd_info(ctx, a).device);
  I->ndbuffer_release(I, a);
}

CONFORM_TEST("PROTO-SEM-001", "", 0, proto_sem_001_default_is_cpu_until_replaced) {
  /* Each test runs in a fresh child with its own entry call: nothing has replaced the default yet. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  const zbuf_impl_prototype cpu = {{kDLCPU, 0}, {kDLCPU, 0}};
  char ss[96];
  zbuf_impl_prototype p;
  CONFORM_OK(ctx, I->default_prototype(I, &p, &ctx->err));
  if (!proto_equal(cpu, p))
    conform_fail(ctx, "default at start: expected cpu/cpu, seen %s", proto_str(p, ss, sizeof ss));
  /* Using the instance's own memory kinds is not replacing the default. */
  zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, "x", 1);
  I->buffer_release(I, b);
  CONFORM_OK(ctx, I->default_prototype(I, &p, &ctx->err));
  if (!proto_equal(cpu, p))
    conform_fail(ctx, "default after creating a Buffer in %s: expected cpu/cpu, seen %s",
                 conform_device_name(ctx->dev), proto_str(p, ss, sizeof ss));
}

/* "B->N": install the prototype {buffer B, nd_buffer N}. */
CONFORM_TEST_VARIANTS("PROTO-SEM-002", "cuda_host->cpu,cpu->cpu,cuda->cuda", 0,
                      proto_sem_002_replacing_the_default) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  zbuf_impl_prototype start;
  CONFORM_SETUP(ctx, I->default_prototype(I, &start, &ctx->err));
  const zbuf_impl_prototype target = {ctx->dev, ctx->dev2};
  /* Install another prototype first, so that installing the target is a visible replacement even when the
   * target is what the default already was. GPU prototypes may be installed without a GPU (PROTO-ERR-002). */
  zbuf_impl_prototype other = {{kDLCUDA, 0}, {kDLCUDA, 0}};
  if (proto_equal(other, target)) other = (zbuf_impl_prototype){{kDLCPU, 0}, {kDLCPU, 0}};
  zbuf_error e;
  if (I->set_default_prototype(I, &other, &e) != ZBUF_OK)
    conform_note(ctx, "installing the intermediate prototype failed: %s", e.message);
  proto_install_and_use(ctx, target);
  CONFORM_SETUP(ctx, I->set_default_prototype(I, &start, &ctx->err));
}

CONFORM_TEST("PROTO-SEM-003", "", 0, proto_sem_003_cpu_and_gpu_prototypes) {
  /* The ABI has no prototype_cpu()/prototype_gpu(id): an instance is configured for one prototype and names
   * it in its table. A CPU instance must name cpu for both, a GPU one the same cuda:id for both. */
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_prototype p = I->prototype;
  char ss[96];
  if (p.buffer.device_type == kDLCPU) {
    const zbuf_impl_prototype cpu = {{kDLCPU, 0}, {kDLCPU, 0}};
    if (!proto_equal(cpu, p))
      conform_fail(ctx, "the CPU prototype must be cpu/cpu, this instance names %s",
                   proto_str(p, ss, sizeof ss));
  } else if (p.buffer.device_type == kDLCUDA) {
    if (!conform_device_equal(p.buffer, p.nd_buffer))
      conform_fail(ctx, "the GPU prototype must name the same cuda:id twice, this instance names %s",
                   proto_str(p, ss, sizeof ss));
  } else {
    conform_unsupported(ctx, "this instance's prototype %s is neither the CPU nor a GPU prototype",
                        proto_str(p, ss, sizeof ss));
  }
}

CONFORM_TEST("PROTO-SEM-004", "", 0, proto_sem_004_equality_is_field_wise) {
  /* Prototypes are plain values in the ABI; what an implementation can get wrong is what it keeps of one:
   * installing a and then b must read back a and b exactly, equal exactly when a and b are equal. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  const DLDevice cpu = {kDLCPU, 0}, pin = {kDLCUDAHost, 0}, g0 = {kDLCUDA, 0}, g1 = {kDLCUDA, 1};
  /* An ordinal that needs more than 28 bits: refused, or kept exactly (never cut to fewer bits). */
  const DLDevice gbig = {kDLCUDA, (1 << 28) + 5};
  const struct {
    const char *what;
    zbuf_impl_prototype a, b;
  } pairs[] = {{"buffer only", {cpu, cpu}, {pin, cpu}},
               {"nd_buffer only", {cpu, cpu}, {cpu, pin}},
               {"device id only", {g0, g0}, {g1, g1}},
               {"nd_buffer device id only", {g0, g0}, {g0, g1}},
               {"identical", {pin, cpu}, {pin, cpu}},
               {"device id 2^28 + 5", {g0, g0}, {gbig, gbig}}};
  zbuf_impl_prototype start;
  CONFORM_SETUP(ctx, I->default_prototype(I, &start, &ctx->err));
  int judged = 0;
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    zbuf_impl_prototype ra, rb;
    zbuf_error e;
    if (I->set_default_prototype(I, &pairs[i].a, &e) != ZBUF_OK) {
      conform_note(ctx, "pair \"%s\" not judged: installing it failed: %s", pairs[i].what, e.message);
      continue;
    }
    CONFORM_OK(ctx, I->default_prototype(I, &ra, &ctx->err));
    if (I->set_default_prototype(I, &pairs[i].b, &e) != ZBUF_OK) {
      conform_note(ctx, "pair \"%s\" not judged: installing it failed: %s", pairs[i].what, e.message);
      continue;
    }
    CONFORM_OK(ctx, I->default_prototype(I, &rb, &ctx->err));
    char s1[96], s2[96];
    if (!proto_equal(ra, pairs[i].a) || !proto_equal(rb, pairs[i].b))
      conform_fail(ctx, "pair \"%s\": installed %s then %s, read back %s then %s", pairs[i].what,
                   proto_str(pairs[i].a, s1, sizeof s1), proto_str(pairs[i].b, s2, sizeof s2),
                   proto_str(ra, s1, sizeof s1), proto_str(rb, s2, sizeof s2));
    int want = proto_equal(pairs[i].a, pairs[i].b);
    if (proto_equal(ra, rb) != want)
      conform_fail(ctx, "pair \"%s\": the prototypes read back are %s, expected %s", pairs[i].what,
                   want ? "different" : "equal", want ? "equal" : "different");
    judged++;
  }
  CONFORM_SETUP(ctx, I->set_default_prototype(I, &start, &ctx->err));
  if (judged == 0) conform_unsupported(ctx, "no pair of prototypes could be installed");
}

CONFORM_TEST("PROTO-SEM-005", "cuda_host->cuda", 0, proto_sem_005_mixed_prototypes_work) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  zbuf_impl_prototype start;
  CONFORM_SETUP(ctx, I->default_prototype(I, &start, &ctx->err));
  proto_install_and_use(ctx, (zbuf_impl_prototype){ctx->dev, ctx->dev2});
  CONFORM_SETUP(ctx, I->set_default_prototype(I, &start, &ctx->err));
}

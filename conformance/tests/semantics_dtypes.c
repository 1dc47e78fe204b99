/* zbuf conformance: the SEM clauses about what an NDBuffer is rather than what an operation computes:
 * the supported dtypes (ND-SEM-024) and metadata that never changes (ND-SEM-023).
 *
 * ND-SEM-024 runs once per dtype and memory kind: the 14 kinds of the clause, each multi-byte one in both
 * byte orders ("le-f8", "be-f8"; one-byte ones once, "b1"), so 25 dtypes. Elements are written as bit
 * patterns in the dtype's own byte order; floats use 1.5 and -2.0, which every float width holds exactly. */
#include "semprobe.h"

/* ---- ND-SEM-024: supported dtypes ---- */

typedef struct dt_case {
  const char *label;
  const char *dtype;
} dt_case;

static const dt_case dt_cases[] = {
    {"b1", "|b1"},    {"i1", "|i1"},    {"u1", "|u1"},    {"le-i2", "<i2"},   {"be-i2", ">i2"},
    {"le-i4", "<i4"}, {"be-i4", ">i4"}, {"le-i8", "<i8"}, {"be-i8", ">i8"},   {"le-u2", "<u2"},
    {"be-u2", ">u2"}, {"le-u4", "<u4"}, {"be-u4", ">u4"}, {"le-u8", "<u8"},   {"be-u8", ">u8"},
    {"le-f2", "<f2"}, {"be-f2", ">f2"}, {"le-f4", "<f4"}, {"be-f4", ">f4"},   {"le-f8", "<f8"},
    {"be-f8", ">f8"}, {"le-c8", "<c8"}, {"be-c8", ">c8"}, {"le-c16", "<c16"}, {"be-c16", ">c16"}};

/* Bits of 1.5 (which = 0) or -2.0 (which = 1) in an IEEE float of `size` bytes. */
static uint64_t dt_float_bits(size_t size, int which) {
  switch (size) {
    case 2: return which ? 0xC000u : 0x3E00u;
    case 4: return which ? 0xC0000000u : 0x3FC00000u;
    default: return which ? UINT64_C(0xC000000000000000) : UINT64_C(0x3FF8000000000000);
  }
}

/* One element of the dtype, value A (which = 0) or B (which = 1), in the dtype's byte order:
 * bool 1 / 0; integers 0x0807060504030201 / -3 cut to their width; floats 1.5 / -2.0; complex 1.5-2j /
 * -2+1.5j. */
static void dt_element(const char *dtype, int which, unsigned char *out) {
  size_t size = sp_itemsize(dtype);
  int le = dtype[0] == '<' || (dtype[0] == '|' && sp_little());
  uint64_t parts[2];
  size_t nparts = 1, psize = size;
  switch (dtype[1]) {
    case 'b': parts[0] = which ? 0 : 1; break;
    case 'i':
    case 'u': parts[0] = which ? (uint64_t)-3 : UINT64_C(0x0807060504030201); break;
    case 'f': parts[0] = dt_float_bits(size, which); break;
    default:
      nparts = 2;
      psize = size / 2;
      parts[0] = dt_float_bits(psize, which);
      parts[1] = dt_float_bits(psize, !which);
  }
  for (size_t p = 0; p < nparts; p++)
    for (size_t i = 0; i < psize; i++)
      out[p * psize + (le ? i : psize - 1 - i)] = (unsigned char)(parts[p] >> (8 * i));
}

/* n copies of one element. */
static void dt_repeat(unsigned char *dst, const unsigned char *elem, size_t size, size_t n) {
  for (size_t i = 0; i < n; i++) memcpy(dst + i * size, elem, size);
}

static void nd_sem_024_dtype_round_trips(conform_ctx *ctx) {
  const zbuf_impl *I = ctx->impl;
  const dt_case *c = ctx->data;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  const size_t size = sp_itemsize(c->dtype);
  const int64_t shape[2] = {2, 3};
  unsigned char a_el[16], b_el[16], want[6 * 16];
  dt_element(c->dtype, 0, a_el);
  dt_element(c->dtype, 1, b_el);
  /* create: every element holds the fill value's bytes. */
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_OK(ctx, I->ndbuffer_create(I, ctx->nd_dev, 2, shape, c->dtype, ZBUF_ORDER_C, a_el, &a, &ctx->err));
  sp_expect_meta(ctx, a, c->dtype, 2, shape, "create");
  dt_repeat(want, a_el, size, 6);
  sp_expect_bytes(ctx, a, want, 6 * size, "create(fill A)");
  /* fill, then one element set. */
  CONFORM_OK(ctx, I->ndbuffer_fill(I, a, b_el, &ctx->err));
  dt_repeat(want, b_el, size, 6);
  sp_expect_bytes(ctx, a, want, 6 * size, "fill(B)");
  const zbuf_index at12[2] = {ZBUF_AT(1), ZBUF_AT(2)};
  CONFORM_OK(ctx, I->ndbuffer_set_item_scalar(I, a, 2, at12, a_el, &ctx->err));
  memcpy(want + 5 * size, a_el, size);
  sp_expect_bytes(ctx, a, want, 6 * size, "a[1, 2] = A");
  /* astype to the other byte order swaps every element (each part of a complex), and back restores it. */
  char other[8];
  snprintf(other, sizeof other, "%s", c->dtype);
  if (other[0] != '|') other[0] = other[0] == '<' ? '>' : '<';
  zbuf_impl_ndbuffer *s = NULL, *back = NULL;
  CONFORM_OK(ctx, I->ndbuffer_astype(I, a, other, &s, &ctx->err));
  sp_expect_meta(ctx, s, other, 2, shape, "astype to the other byte order");
  unsigned char swapped[6 * 16];
  size_t psize = c->dtype[1] == 'c' ? size / 2 : size;
  for (size_t p = 0; p < 6 * size; p += psize)
    for (size_t i = 0; i < psize; i++) swapped[p + i] = want[p + psize - 1 - i];
  sp_expect_bytes(ctx, s, swapped, 6 * size, "astype to the other byte order");
  CONFORM_OK(ctx, I->ndbuffer_astype(I, s, c->dtype, &back, &ctx->err));
  sp_expect_meta(ctx, back, c->dtype, 2, shape, "astype back");
  sp_expect_bytes(ctx, back, want, 6 * size, "astype back to the original byte order");
  I->ndbuffer_release(I, back);
  I->ndbuffer_release(I, s);
  I->ndbuffer_release(I, a);
  if (c->dtype[1] != 'b') return;
  /* Bool elements are bytes 0 or 1: NumPy's astype(bool) of [0, 2, -1] is [False, True, True]. */
  const int32_t ints[3] = {0, 2, -1};
  const int64_t three[1] = {3};
  zbuf_impl_ndbuffer *i4 = conform_nd_from_host(ctx, ctx->nd_dev, ints, 1, three, mp_i4()), *bools = NULL;
  CONFORM_OK(ctx, I->ndbuffer_astype(I, i4, "|b1", &bools, &ctx->err));
  sp_expect_bytes(ctx, bools, "\x00\x01\x01", 3, "astype([0, 2, -1], |b1)");
  I->ndbuffer_release(I, bools);
  I->ndbuffer_release(I, i4);
}

CONFORM_REGISTRAR(nd_sem_024_register) {
  for (size_t i = 0; i < sizeof dt_cases / sizeof dt_cases[0]; i++) {
    const char *l = dt_cases[i].label;
    char variants[128];
    snprintf(variants, sizeof variants, "%s@cpu,%s@cuda_host,%s@cuda", l, l, l);
    conform_register_variants("ND-SEM-024", variants, ZBUF_CAP_ND, nd_sem_024_dtype_round_trips, &dt_cases[i],
                              __FILE__, __LINE__);
  }
}

/* ---- ND-SEM-023: metadata never changes ---- */

typedef struct meta_snap {
  char dtype[8];
  int32_t ndim;
  int64_t shape[4], strides[4];
  void *data;
  DLDevice device;
} meta_snap;

static meta_snap meta_take(conform_ctx *ctx, const zbuf_impl_ndbuffer *a) {
  zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
  meta_snap s;
  memset(&s, 0, sizeof s);
  memcpy(s.dtype, in.dtype, sizeof s.dtype);
  s.ndim = in.ndim;
  if (in.ndim < 0 || in.ndim > 4) conform_unresolved(ctx, "set-up: ndim %d is not the 2 made", (int)in.ndim);
  for (int32_t k = 0; k < in.ndim; k++) {
    s.shape[k] = in.shape[k];
    s.strides[k] = in.strides[k];
  }
  s.data = in.data;
  s.device = in.device;
  return s;
}

static void meta_same(conform_ctx *ctx, const meta_snap *before, const zbuf_impl_ndbuffer *a,
                      const char *what, const char *after) {
  meta_snap now = meta_take(ctx, a);
  int same = strncmp(before->dtype, now.dtype, sizeof now.dtype) == 0 && before->ndim == now.ndim &&
             before->data == now.data && conform_device_equal(before->device, now.device);
  for (int32_t k = 0; same && k < now.ndim; k++)
    same = before->shape[k] == now.shape[k] && before->strides[k] == now.strides[k];
  if (!same)
    conform_fail(ctx,
                 "%s's metadata changed after %s: dtype %.8s -> %.8s, ndim %d -> %d, shape[0] %lld -> %lld, "
                 "strides[0] %lld -> %lld, data %p -> %p, device %s -> %s",
                 what, after, before->dtype, now.dtype, (int)before->ndim, (int)now.ndim,
                 (long long)before->shape[0], (long long)now.shape[0], (long long)before->strides[0],
                 (long long)now.strides[0], before->data, now.data, conform_device_name(before->device),
                 conform_device_name(now.device));
}

/* Checks both arrays after each step, so that a change is pinned to the operation that made it. */
#define META_STEP(ctx, a, sa, v, sv, expr)                                \
  do {                                                                    \
    zbuf_impl_ndbuffer *meta_out_ = NULL;                                 \
    CONFORM_SETUP((ctx), expr);                                           \
    if (meta_out_) (ctx)->impl->ndbuffer_release((ctx)->impl, meta_out_); \
    meta_same((ctx), &(sa), (a), "the array", #expr);                     \
    meta_same((ctx), &(sv), (v), "its view", #expr);                      \
  } while (0)

CONFORM_TEST_VARIANTS("ND-SEM-023", MP_KINDS, ZBUF_CAP_ND, nd_sem_023_metadata_never_changes) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  CONFORM_NEED_OP(ctx, ndbuffer_copy);
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_as_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_to_host);
  CONFORM_NEED_OP(ctx, ndbuffer_to_device);
  const int64_t shape[2] = {3, 4}, twelve[1] = {12}, four[1] = {4};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape);
  /* v = a[1:, ::-2]: a strided view with a negative stride. */
  const zbuf_index key[2] = {ZBUF_RANGE(((zbuf_slice){1, 0, 1, ZBUF_SLICE_HAS_START})),
                             ZBUF_RANGE(((zbuf_slice){0, 0, -2, ZBUF_SLICE_HAS_STEP}))};
  zbuf_impl_ndbuffer *v = sp_nd_view(ctx, a, 2, key);
  meta_snap sa = meta_take(ctx, a), sv = meta_take(ctx, v);
  const int64_t two2[2] = {2, 2};
  const int32_t vals[4] = {-1, -2, -3, -4}, x = 99;
  zbuf_impl_ndbuffer *value = conform_nd_from_host(ctx, ctx->nd_dev, vals, 2, two2, mp_i4());
  const zbuf_index row0[1] = {ZBUF_AT(0)}, at00[2] = {ZBUF_AT(0), ZBUF_AT(0)};
  int eq;
  int32_t scalar;
  unsigned char bytes[48];
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_reshape(I, a, 1, twelve, &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_reshape(I, v, 1, four, &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_transpose(I, a, 0, NULL, &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_transpose(I, v, 0, NULL, &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_squeeze(I, v, 0, NULL, &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_astype(I, a, "<f8", &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_astype(I, v, ">i4", &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_get_item(I, v, 1, row0, &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_set_item(I, v, 0, NULL, value, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_set_item_scalar(I, a, 1, row0, &x, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_fill(I, v, &x, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_copy(I, v, &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_all_equal(I, v, value, 1, &eq, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_all_equal_scalar(I, a, &x, 1, &eq, &ctx->err));
  zbuf_impl_ndbuffer *e = sp_nd_view(ctx, v, 2, at00);
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_as_scalar(I, e, &scalar, sizeof scalar, &ctx->err));
  I->ndbuffer_release(I, e);
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_to_bytes(I, v, bytes, sizeof bytes, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_to_host(I, v, &meta_out_, &ctx->err));
  META_STEP(ctx, a, sa, v, sv, I->ndbuffer_to_device(I, v, ctx->nd_dev, &meta_out_, &ctx->err));
  if ((I->capabilities & ZBUF_CAP_DLPACK) && CONFORM_HAS_OP(I, ndbuffer_to_dlpack)) {
    DLManagedTensor *t = NULL;
    CONFORM_SETUP(ctx, I->ndbuffer_to_dlpack(I, a, &t, &ctx->err));
    if (t && t->deleter) t->deleter(t);
    meta_same(ctx, &sa, a, "the array", "to_dlpack and the tensor's deleter");
  }
  I->ndbuffer_release(I, value);
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
}

/* ---- ND-SEM-026: dtype strings mean what NumPy says ---- */

/* A spelling np.dtype() accepts and the dtype.str NumPy gives it. In the expected string '@' stands for the
 * machine's byte-order mark, and 'L' / 'P' for the size of C long / of a pointer, which NumPy's "l", "long"
 * and "int"/"intp" follow. */
typedef struct dt_spelling {
  const char *text, *want;
} dt_spelling;

static const dt_spelling dt_spellings[] = {
    {"?", "|b1"},         {"b", "|i1"},           {"B", "|u1"},       {"h", "@i2"},
    {"H", "@u2"},         {"i", "@i4"},           {"I", "@u4"},       {"l", "@iL"},
    {"L", "@uL"},         {"q", "@i8"},           {"Q", "@u8"},       {"e", "@f2"},
    {"f", "@f4"},         {"d", "@f8"},           {"F", "@c8"},       {"D", "@c16"},
    {"bool", "|b1"},      {"int8", "|i1"},        {"int16", "@i2"},   {"int32", "@i4"},
    {"int64", "@i8"},     {"uint8", "|u1"},       {"uint16", "@u2"},  {"uint32", "@u4"},
    {"uint64", "@u8"},    {"float16", "@f2"},     {"float32", "@f4"}, {"float64", "@f8"},
    {"complex64", "@c8"}, {"complex128", "@c16"}, {"bool_", "|b1"},   {"byte", "|i1"},
    {"ubyte", "|u1"},     {"short", "@i2"},       {"ushort", "@u2"},  {"intc", "@i4"},
    {"uintc", "@u4"},     {"long", "@iL"},        {"ulong", "@uL"},   {"longlong", "@i8"},
    {"ulonglong", "@u8"}, {"int", "@iP"},         {"int_", "@iP"},    {"intp", "@iP"},
    {"uint", "@uP"},      {"uintp", "@uP"},       {"half", "@f2"},    {"single", "@f4"},
    {"double", "@f8"},    {"float", "@f8"},       {"csingle", "@c8"}, {"cdouble", "@c16"},
    {"complex", "@c16"},  {"=f8", "@f8"},         {"|i1", "|i1"},     {">u1", "|u1"},
    {"<b1", "|b1"},       {"=?", "|b1"},          {"<q", "<i8"},      {">H", ">u2"},
    {"i4", "@i4"},        {"u8", "@u8"},          {"f2", "@f2"},      {"c8", "@c8"},
    {"b1", "|b1"},        {">c16", ">c16"},       {"=i2", "@i2"},     {"|u2", "@u2"},
    {"<f4", "<f4"},       {">i8", ">i8"}};

/* The expected dtype.str of a spelling on this machine. */
static void dt_expected(const char *want, char *out, size_t n) {
  size_t k = 0;
  for (const char *p = want; *p && k + 2 < n; p++) {
    if (*p == '@')
      out[k++] = sp_little() ? '<' : '>';
    else if (*p == 'L' || *p == 'P')
      k += (size_t)snprintf(out + k, n - k, "%zu", *p == 'L' ? sizeof(long) : sizeof(void *));
    else
      out[k++] = *p;
  }
  out[k] = '\0';
}

CONFORM_TEST_VARIANTS("ND-SEM-026", "spellings@cpu,spellings@cuda_host,spellings@cuda", ZBUF_CAP_ND,
                      nd_sem_026_dtype_spellings) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_empty);
  const int64_t shape[1] = {3};
  size_t accepted = 0;
  for (size_t i = 0; i < sizeof dt_spellings / sizeof dt_spellings[0]; i++) {
    char want[8];
    dt_expected(dt_spellings[i].want, want, sizeof want);
    zbuf_impl_ndbuffer *a = NULL;
    zbuf_error e;
    conform_error_reset(&e);
    int st = I->ndbuffer_empty(I, ctx->nd_dev, 1, shape, dt_spellings[i].text, ZBUF_ORDER_C, &a, &e);
    if (st == ZBUF_ETYPE || st == ZBUF_EUNSUPPORTED) { /* a spelling or dtype not taken: allowed */
      conform_note(ctx, "\"%s\" not accepted (%s)", dt_spellings[i].text, conform_status_name(st));
      continue;
    }
    if (st != ZBUF_OK)
      conform_fail(ctx, "empty(dtype \"%s\"): expected OK, ETYPE or EUNSUPPORTED, seen %s: %s",
                   dt_spellings[i].text, conform_status_name(st), e.message);
    zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
    if (strncmp(in.dtype, want, sizeof in.dtype) != 0)
      conform_fail(ctx,
                   "dtype \"%s\" gave an array of dtype \"%.8s\"; NumPy's np.dtype(\"%s\").str is \"%s\"",
                   dt_spellings[i].text, in.dtype, dt_spellings[i].text, want);
    I->ndbuffer_release(I, a);
    accepted++;
  }
  conform_note(ctx, "%zu of %zu spellings accepted", accepted, sizeof dt_spellings / sizeof dt_spellings[0]);
}

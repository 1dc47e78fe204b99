/* zbuf conformance: ND-ERR-024, NDBuffer operations whose allocations fail.
 *
 * Every NDBuffer operation that may allocate (a handle, a memory block, a staging copy of device memory, a
 * temporary copy of an overlapping or cast value, a DLPack tensor) runs with its k-th allocation failing, for
 * k = 1, 2, ... until it succeeds (testing_fail_allocation; UNSUPPORTED where FAULT_INJECTION is not
 * claimed). Each failure must be ENOMEM with the error struct filled, leave *out NULL, leak nothing (the
 * live-allocation probe around the call), leave every input as it was (elements and metadata of the arrays,
 * the Buffer's bytes, the caller's memory, the output bytes of to_bytes and as_scalar) and run no release
 * callback or DLPack deleter. The final, successful call must give the operation's ordinary result, checked
 * value by value, so that an operation cannot pass by swallowing the failure.
 *
 * One registration per operation and memory kind ("op@kind"); the cross-kind conversions name a pair
 * ("to_device@cpu->cuda"). Inputs are int32 2x3 arrays holding 0..5 and a float64 row, made before the first
 * failure is armed. */
#include "errprobe.h"
#include "semprobe.h"

typedef struct fi_state {
  zbuf_impl_ndbuffer *a;    /* int32 (2, 3): 0..5, in ctx->nd_dev: read by most operations, written by some */
  zbuf_impl_ndbuffer *t;    /* transpose(a): (3, 2), strided */
  zbuf_impl_ndbuffer *r;    /* a[1]: (3,) = 3, 4, 5 */
  zbuf_impl_ndbuffer *a13;  /* reshape(a, (1, 2, 3)) */
  zbuf_impl_ndbuffer *left; /* a[:, :-1]: (2, 2) = 0, 1, 3, 4 */
  zbuf_impl_ndbuffer *one;  /* t[2, -1]: 0-d, 5 */
  zbuf_impl_ndbuffer *w;    /* float64 (3,) = 3.0, 4.0, 5.0 in ctx->nd_dev: equal to r once cast */
  zbuf_impl_ndbuffer *v;    /* float64 (3,) = 10.5, -1.0, 7.0 in ctx->nd_dev: a value that needs a cast */
  zbuf_impl_buffer *buf;    /* 24 bytes in ctx->dev: int32 0..5 */
  int32_t host[6];          /* caller memory: 0..5 (from_host, wrap, from_dlpack) */
  mp_tensor tensor;         /* int32 (2, 3) over host[] */
  atomic_int released;      /* calls of the wrap release callback */
  DLManagedTensor *exported;
  int equal;
  unsigned char bytes[24]; /* to_bytes / as_scalar output */
} fi_state;

static void fi_release(void *data, void *ctx) {
  (void)data;
  atomic_fetch_add(&((fi_state *)ctx)->released, 1);
}

static const int32_t fi_arange[6] = {0, 1, 2, 3, 4, 5};

/* NumPy's name for float64 in this machine's byte order. */
static const char *fi_f8name(void) { return sp_little() ? "<f8" : ">f8"; }

/* Slices as index entries: [:], [:-1], [1:], [::-1]. */
#define FI_ALL ZBUF_RANGE(ZBUF_SLICE_ALL)
#define FI_TO_LAST ZBUF_RANGE(((zbuf_slice){0, -1, 1, ZBUF_SLICE_HAS_STOP}))
#define FI_FROM_1 ZBUF_RANGE(((zbuf_slice){1, 0, 1, ZBUF_SLICE_HAS_START}))
#define FI_REVERSED ZBUF_RANGE(((zbuf_slice){0, 0, -1, ZBUF_SLICE_HAS_STEP}))

static zbuf_impl_ndbuffer *fi_f8(conform_ctx *ctx, double x0, double x1, double x2) {
  const double d[3] = {x0, x1, x2};
  const int64_t shape[1] = {3};
  return conform_nd_from_host(ctx, ctx->nd_dev, d, 1, shape, fi_f8name());
}

/* ---- the operations: each makes one call (with e) and returns its status ---- */

typedef int (*fi_op)(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e);
/* Checks the result of the successful call (out, or the state it wrote). */
typedef void (*fi_check)(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out);

static const int64_t fi_shape23[2] = {2, 3};

static int op_create(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)s;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  const int32_t seven = 7;
  return ctx->impl->ndbuffer_create(ctx->impl, ctx->nd_dev, 2, fi_shape23, mp_i4(), ZBUF_ORDER_C, &seven, out,
                                    e);
}
static int op_empty(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)s;
  CONFORM_NEED_OP(ctx, ndbuffer_empty);
  return ctx->impl->ndbuffer_empty(ctx->impl, ctx->nd_dev, 2, fi_shape23, mp_i4(), ZBUF_ORDER_F, out, e);
}
static int op_from_host(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_from_host);
  return ctx->impl->ndbuffer_from_host(ctx->impl, ctx->nd_dev, s->host, 2, fi_shape23, NULL, mp_i4(), out, e);
}
static int op_wrap(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_wrap);
  return ctx->impl->ndbuffer_wrap(ctx->impl, ctx->host, s->host, 2, fi_shape23, NULL, mp_i4(), fi_release, s,
                                  out, e);
}
static int op_from_buffer(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_from_buffer);
  return ctx->impl->ndbuffer_from_buffer(ctx->impl, s->buf, 2, fi_shape23, mp_i4(), out, e);
}
static int op_to_host(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_to_host);
  return ctx->impl->ndbuffer_to_host(ctx->impl, s->t, out, e);
}
static int op_to_device(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_to_device);
  return ctx->impl->ndbuffer_to_device(ctx->impl, s->t, ctx->dev2, out, e);
}
static int op_copy(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_copy);
  return ctx->impl->ndbuffer_copy(ctx->impl, s->t, out, e);
}
static int op_astype(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  return ctx->impl->ndbuffer_astype(ctx->impl, s->t, fi_f8name(), out, e);
}
static int op_reshape_copy(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  const int64_t six[1] = {6};
  return ctx->impl->ndbuffer_reshape(ctx->impl, s->t, 1, six, out, e);
}
static int op_reshape_view(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  const int64_t shape[2] = {3, -1};
  return ctx->impl->ndbuffer_reshape(ctx->impl, s->a, 2, shape, out, e);
}
static int op_squeeze(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  return ctx->impl->ndbuffer_squeeze(ctx->impl, s->a13, 0, NULL, out, e);
}
static int op_transpose(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  return ctx->impl->ndbuffer_transpose(ctx->impl, s->a, 0, NULL, out, e);
}
static int op_get_item(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  const zbuf_index idx[2] = {ZBUF_AT(1), FI_REVERSED};
  return ctx->impl->ndbuffer_get_item(ctx->impl, s->a, 2, idx, out, e);
}
static int op_set_item_overlap(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  /* a[:, 1:] = a[:, :-1]: the value is a view of the target that overlaps the selection. */
  const zbuf_index idx[2] = {FI_ALL, FI_FROM_1};
  return ctx->impl->ndbuffer_set_item(ctx->impl, s->a, 2, idx, s->left, e);
}
static int op_set_item_cast(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  const zbuf_index idx[1] = {ZBUF_AT(0)};
  return ctx->impl->ndbuffer_set_item(ctx->impl, s->a, 1, idx, s->v, e);
}
static int op_set_item_scalar(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  const zbuf_index idx[2] = {FI_ALL, ZBUF_AT(1)};
  const int32_t nine = 9;
  return ctx->impl->ndbuffer_set_item_scalar(ctx->impl, s->a, 2, idx, &nine, e);
}
static int op_fill(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_fill);
  const int32_t five = 5;
  return ctx->impl->ndbuffer_fill(ctx->impl, s->t, &five, e);
}
static int op_all_equal(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  s->equal = -1;
  return ctx->impl->ndbuffer_all_equal(ctx->impl, s->r, s->w, 0, &s->equal, e);
}
static int op_all_equal_scalar(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
  const int32_t four = 4;
  s->equal = -1;
  return ctx->impl->ndbuffer_all_equal_scalar(ctx->impl, s->r, &four, 0, &s->equal, e);
}
static int op_to_bytes(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_to_bytes);
  return ctx->impl->ndbuffer_to_bytes(ctx->impl, s->t, s->bytes, sizeof s->bytes, e);
}
static int op_as_scalar(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_as_scalar);
  return ctx->impl->ndbuffer_as_scalar(ctx->impl, s->one, s->bytes, sizeof s->bytes, e);
}
static int op_to_dlpack(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  return ctx->impl->ndbuffer_to_dlpack(ctx->impl, s->t, &s->exported, e);
}
static int op_from_dlpack(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer **out, zbuf_error *e) {
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  return ctx->impl->ndbuffer_from_dlpack(ctx->impl, &s->tensor.managed, out, e);
}

/* ---- the checks of the successful call ---- */

static void expect_i4(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, size_t ndim, const int64_t *shape,
                      const int32_t *want, size_t n, const char *what) {
  sp_expect_meta(ctx, a, mp_i4(), ndim, shape, what);
  sp_expect_bytes(ctx, a, want, n * sizeof *want, what);
}

static const int32_t fi_transposed[6] = {0, 3, 1, 4, 2, 5};
static const int64_t fi_shape32[2] = {3, 2};
static const int64_t fi_shape6[1] = {6};

static void check_created(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)s;
  const int32_t sevens[6] = {7, 7, 7, 7, 7, 7};
  expect_i4(ctx, out, 2, fi_shape23, sevens, 6, "create's result");
}
static void check_empty(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)s;
  sp_expect_meta(ctx, out, mp_i4(), 2, fi_shape23, "empty's result");
  zbuf_impl_ndinfo in = conform_nd_info(ctx, out);
  CONFORM_ASSERT(ctx, sp_contiguous(&in, 1));
}
static void check_arange(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)s;
  expect_i4(ctx, out, 2, fi_shape23, fi_arange, 6, "the result");
}
static void check_wrapped(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  expect_i4(ctx, out, 2, fi_shape23, fi_arange, 6, "wrap's result");
  CONFORM_ASSERT_PTR_EQ(ctx, s->host, conform_nd_info(ctx, out).data);
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&s->released));
  ctx->impl->ndbuffer_release(ctx->impl, out);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&s->released));
}
static void check_transposed(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)s;
  expect_i4(ctx, out, 2, fi_shape32, fi_transposed, 6, "the result");
}
static void check_on_dev2(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  check_transposed(ctx, s, out);
  CONFORM_ASSERT_DEVICE_EQ(ctx, ctx->dev2, conform_nd_info(ctx, out).device);
}
static void check_on_host(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  check_transposed(ctx, s, out);
  CONFORM_ASSERT(ctx, conform_device_is_host(conform_nd_info(ctx, out).device));
}
static void check_astype(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)s;
  const double want[6] = {0, 3, 1, 4, 2, 5};
  sp_expect_meta(ctx, out, fi_f8name(), 2, fi_shape32, "astype's result");
  sp_expect_bytes(ctx, out, want, sizeof want, "astype's result");
}
static void check_flat(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)s;
  expect_i4(ctx, out, 1, fi_shape6, fi_transposed, 6, "reshape's result");
}
static void check_reshape_view(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)s;
  expect_i4(ctx, out, 2, fi_shape32, fi_arange, 6, "reshape's result");
}
static void check_row_reversed(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)s;
  const int32_t want[3] = {5, 4, 3};
  const int64_t shape[1] = {3};
  expect_i4(ctx, out, 1, shape, want, 3, "get_item's result");
}
static void check_overlap(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  const int32_t want[6] = {0, 0, 1, 3, 3, 4};
  expect_i4(ctx, s->a, 2, fi_shape23, want, 6, "the target after set_item");
}
static void check_cast(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  const int32_t want[6] = {10, -1, 7, 3, 4, 5};
  expect_i4(ctx, s->a, 2, fi_shape23, want, 6, "the target after set_item");
}
static void check_scalar(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  const int32_t want[6] = {0, 9, 2, 3, 9, 5};
  expect_i4(ctx, s->a, 2, fi_shape23, want, 6, "the target after set_item_scalar");
}
static void check_fill(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  const int32_t fives[6] = {5, 5, 5, 5, 5, 5};
  expect_i4(ctx, s->a, 2, fi_shape23, fives, 6, "the target after fill");
}
static void check_equal(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  CONFORM_ASSERT_INT_EQ(ctx, 1, s->equal);
}
static void check_unequal(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  CONFORM_ASSERT_INT_EQ(ctx, 0, s->equal);
}
static void check_bytes(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  CONFORM_ASSERT_MEM_EQ(ctx, fi_transposed, s->bytes, sizeof fi_transposed);
}
static void check_scalar_out(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  const int32_t five = 5; /* t[2, -1] = a[1, 2] */
  CONFORM_ASSERT_MEM_EQ(ctx, &five, s->bytes, sizeof five);
}
static void check_exported(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  (void)out;
  const DLTensor *t = &s->exported->dl_tensor;
  CONFORM_ASSERT_INT_EQ(ctx, 2, t->ndim);
  CONFORM_ASSERT_INT_EQ(ctx, 3, t->shape[0]);
  CONFORM_ASSERT_INT_EQ(ctx, 2, t->shape[1]);
  CONFORM_ASSERT(ctx, t->strides != NULL);
  CONFORM_ASSERT_INT_EQ(ctx, 1, t->strides[0]);
  CONFORM_ASSERT_INT_EQ(ctx, 3, t->strides[1]);
  CONFORM_ASSERT_PTR_EQ(ctx, conform_nd_info(ctx, s->a).data, (char *)t->data + t->byte_offset);
  s->exported->deleter(s->exported);
  s->exported = NULL;
}
static void check_imported(conform_ctx *ctx, fi_state *s, zbuf_impl_ndbuffer *out) {
  expect_i4(ctx, out, 2, fi_shape23, fi_arange, 6, "from_dlpack's result");
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&s->tensor.deleted));
  ctx->impl->ndbuffer_release(ctx->impl, out);
  CONFORM_ASSERT_INT_EQ(ctx, 1, atomic_load(&s->tensor.deleted));
}

/* ---- the cases ---- */

typedef struct fi_case {
  const char *label;
  fi_op op;
  fi_check check;
  uint64_t caps;
  const char *variants; /* kinds (or pairs) to register; the label is prefixed */
  int releases_out;     /* the check releases out itself */
  int allocates;        /* the call makes new memory, so its first allocation failing must fail it */
} fi_case;

#define FI_KINDS "cpu,cuda_host,cuda"
static const fi_case fi_cases[] = {
    {"create", op_create, check_created, 0, FI_KINDS, 0, 1},
    {"empty", op_empty, check_empty, 0, FI_KINDS, 0, 1},
    {"from_host", op_from_host, check_arange, 0, FI_KINDS, 0, 1},
    {"wrap", op_wrap, check_wrapped, ZBUF_CAP_WRAP | ZBUF_CAP_HOST, "cpu", 1, 0},
    {"from_buffer", op_from_buffer, check_arange, 0, FI_KINDS, 0, 0},
    {"to_host", op_to_host, check_on_host, 0, FI_KINDS, 0, 0},
    {"to_device", op_to_device, check_on_dev2, 0,
     "cpu->cuda,cpu->cuda_host,cuda->cpu,cuda_host->cuda,cuda->cuda_host", 0, 1},
    {"copy", op_copy, check_transposed, 0, FI_KINDS, 0, 1},
    {"astype", op_astype, check_astype, 0, FI_KINDS, 0, 1},
    {"reshape-copy", op_reshape_copy, check_flat, 0, FI_KINDS, 0, 1},
    {"reshape-view", op_reshape_view, check_reshape_view, 0, FI_KINDS, 0, 0},
    {"squeeze", op_squeeze, check_arange, 0, FI_KINDS, 0, 0},
    {"transpose", op_transpose, check_transposed, 0, FI_KINDS, 0, 0},
    {"get_item", op_get_item, check_row_reversed, 0, FI_KINDS, 0, 0},
    {"set_item-overlap", op_set_item_overlap, check_overlap, 0, FI_KINDS, 0, 0},
    {"set_item-cast", op_set_item_cast, check_cast, 0, FI_KINDS, 0, 0},
    {"set_item_scalar", op_set_item_scalar, check_scalar, 0, FI_KINDS, 0, 0},
    {"fill", op_fill, check_fill, 0, FI_KINDS, 0, 0},
    {"all_equal-cast", op_all_equal, check_equal, 0, FI_KINDS, 0, 0},
    {"all_equal_scalar", op_all_equal_scalar, check_unequal, 0, FI_KINDS, 0, 0},
    {"to_bytes", op_to_bytes, check_bytes, 0, FI_KINDS, 0, 0},
    {"as_scalar", op_as_scalar, check_scalar_out, 0, FI_KINDS, 0, 0},
    {"to_dlpack", op_to_dlpack, check_exported, ZBUF_CAP_DLPACK, FI_KINDS, 0, 0},
    {"from_dlpack", op_from_dlpack, check_imported, ZBUF_CAP_DLPACK | ZBUF_CAP_HOST, "cpu", 1, 0},
};

static void fi_setup(conform_ctx *ctx, fi_state *s) {
  const zbuf_impl *I = ctx->impl;
  memset(s, 0, sizeof *s);
  atomic_init(&s->released, 0);
  memcpy(s->host, fi_arange, sizeof s->host);
  mp_tensor_init(&s->tensor, ctx->host, s->host, 0, 2, fi_shape23, NULL);
  memset(s->bytes, 0xEE, sizeof s->bytes);
  s->a = conform_nd_from_host(ctx, ctx->nd_dev, fi_arange, 2, fi_shape23, mp_i4());
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_SETUP(ctx, I->ndbuffer_transpose(I, s->a, 0, NULL, &s->t, &ctx->err));
  const zbuf_index row[1] = {ZBUF_AT(1)};
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, s->a, 1, row, &s->r, &ctx->err));
  const int64_t shape13[3] = {1, 2, 3};
  CONFORM_SETUP(ctx, I->ndbuffer_reshape(I, s->a, 3, shape13, &s->a13, &ctx->err));
  const zbuf_index left[2] = {FI_ALL, FI_TO_LAST}, one[2] = {ZBUF_AT(2), ZBUF_AT(-1)};
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, s->a, 2, left, &s->left, &ctx->err));
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, s->t, 2, one, &s->one, &ctx->err));
  s->w = fi_f8(ctx, 3.0, 4.0, 5.0);
  s->v = fi_f8(ctx, 10.5, -1.0, 7.0);
  s->buf = conform_buffer_from_bytes(ctx, ctx->dev, fi_arange, sizeof fi_arange);
}

static void fi_teardown(conform_ctx *ctx, fi_state *s) {
  const zbuf_impl *I = ctx->impl;
  I->buffer_release(I, s->buf);
  I->ndbuffer_release(I, s->v);
  I->ndbuffer_release(I, s->w);
  I->ndbuffer_release(I, s->one);
  I->ndbuffer_release(I, s->left);
  I->ndbuffer_release(I, s->a13);
  I->ndbuffer_release(I, s->r);
  I->ndbuffer_release(I, s->t);
  I->ndbuffer_release(I, s->a);
}

static void fi_run(conform_ctx *ctx) {
  const fi_case *c = ctx->data;
  const zbuf_impl *I = ctx->impl;
  conform_need_caps(ctx, ZBUF_CAP_FAULT_INJECTION | c->caps);
  CONFORM_NEED_OP(ctx, testing_fail_allocation);
  /* Static: a failed check ends the test without unwinding, and memory an NDBuffer still wraps (host[], the
   * tensor) must stay valid for the rest of the worker's life. */
  static fi_state s;
  fi_setup(ctx, &s);
  for (int64_t k = 1; k <= 256; k++) {
    ep_nd_snap sa = ep_nd_take(ctx, s.a), sv = ep_nd_take(ctx, s.v);
    ep_buf_snap sb = ep_buf_take(ctx, s.buf);
    unsigned char bytes_before[sizeof s.bytes];
    memcpy(bytes_before, s.bytes, sizeof bytes_before);
    conform_leak_probe probe;
    conform_leak_begin(ctx, &probe);
    zbuf_error e;
    conform_error_reset(&e);
    zbuf_impl_ndbuffer *out = NULL;
    I->testing_fail_allocation(I, k, ZBUF_ALLOC_ANY);
    int st = c->op(ctx, &s, &out, &e);
    I->testing_fail_allocation(I, 0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      if (k == 1 && c->allocates)
        conform_fail(ctx,
                     "%s succeeded with its first allocation failing: it makes a new array, so either it "
                     "did not report the failure or fault injection does not reach its allocations",
                     c->label);
      if (k == 1) conform_note(ctx, "%s made no allocation that could be failed", c->label);
      free(sa.bytes);
      free(sv.bytes);
      free(sb.bytes);
      c->check(ctx, &s, out);
      if (!c->releases_out) I->ndbuffer_release(I, out);
      fi_teardown(ctx, &s);
      return;
    }
    if (st != ZBUF_ENOMEM)
      conform_fail(ctx, "%s with allocation %lld failing: expected ENOMEM, seen %s (%s)", c->label,
                   (long long)k, conform_status_name(st), e.message);
    if ((int)e.code != st || e.message[0] == '\0')
      conform_fail(ctx, "%s with allocation %lld failing: error struct not filled (code %d, message \"%s\")",
                   c->label, (long long)k, (int)e.code, e.message);
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, s.exported);
    conform_leak_check(ctx, &probe, c->label);
    ep_nd_same(ctx, &sa, s.a, "the int32 array");
    ep_nd_same(ctx, &sv, s.v, "the float64 value");
    ep_buf_same(ctx, &sb, s.buf, "the Buffer");
    CONFORM_ASSERT_MEM_EQ(ctx, fi_arange, s.host, sizeof fi_arange);
    CONFORM_ASSERT_MEM_EQ(ctx, bytes_before, s.bytes, sizeof bytes_before);
    CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&s.released));
    CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&s.tensor.deleted));
  }
  conform_fail(ctx, "%s still failed with its 256th allocation failing; expected it to need fewer", c->label);
}

CONFORM_REGISTRAR(fi_register) {
  for (size_t i = 0; i < sizeof fi_cases / sizeof fi_cases[0]; i++) {
    const fi_case *c = &fi_cases[i];
    char variants[512];
    size_t used = 0;
    const char *p = c->variants;
    while (*p) {
      size_t n = strcspn(p, ",");
      used += (size_t)snprintf(variants + used, sizeof variants - used, "%s%s@%.*s", used ? "," : "",
                               c->label, (int)n, p);
      p += n;
      if (*p == ',') p++;
    }
    conform_register_variants("ND-ERR-024", variants, ZBUF_CAP_ND | ZBUF_CAP_FAULT_INJECTION | c->caps,
                              fi_run, c, __FILE__, __LINE__);
  }
}

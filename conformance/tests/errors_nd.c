/* zbuf conformance: the ERR clauses of NDBuffers (ND-ERR-*).
 *
 * Most misuses are one call on an int32 array holding 0, 1, 2, ... (and, for set_item and all_equal, a value
 * array): they are the table below, registered once per memory kind (`label@kind`), and run by one body that
 * snapshots every input (errprobe.h), makes the call, and checks the status class and message, that *out is
 * still NULL, that the inputs' elements and metadata read back the same and that the call leaked nothing:
 * ND-ERR-023's promise, checked in every test of this file. ND-ERR-023's own test does the same on strided
 * views, whose parents must not change either.
 *
 * Value-only misuses are also golden vectors (vectors.c, IDs without '@'); the C tests here add the kinds,
 * the cases a vector cannot express (NULL pointers, huge shapes, caller buffers) and more than one spelling
 * of several misuses. */
#include "errprobe.h"
#include "memprobe.h"

/* Index entries as constant initialisers (ZBUF_AT and ZBUF_RANGE are compound literals). */
#define I_AT(i)                             \
  {                                         \
    ZBUF_INDEX_INTEGER, (i), { 0, 0, 1, 0 } \
  }
#define I_SL(a, b, s)                         \
  {                                           \
    ZBUF_INDEX_SLICE, 0, { (a), (b), (s), 7 } \
  }
#define I_ALL                           \
  {                                     \
    ZBUF_INDEX_SLICE, 0, { 0, 0, 1, 0 } \
  }

typedef struct nd_case nd_case;
/* Makes the failing call: a is the input array, b the value array (or NULL), buf a 48-byte Buffer. */
typedef int (*nd_op)(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                     const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out);

struct nd_case {
  const char *clause;
  const char *label;
  nd_op op;
  unsigned mask; /* the statuses the clause allows */
  size_t andim;  /* input a: int32 arange of this shape (default 2x3) */
  int64_t ashape[3];
  int bndim; /* value b: -1 (none) or the ndim of an int32 arange */
  int64_t bshape[3];
  size_t nidx; /* index for get_item / set_item */
  zbuf_index idx[3];
  size_t nargs; /* shape (reshape, create, ...) or axes (squeeze, transpose) */
  int64_t args[3];
  const char *dtype; /* dtype passed (NULL: native int32) */
  int order;         /* order passed to create/empty */
  int host_only;     /* the call takes host memory (wrap): registered for cpu only */
};

static const char *case_dtype(const nd_case *c) { return c->dtype ? c->dtype : mp_i4(); }

static int op_get(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                  const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)b, (void)buf;
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  return ctx->impl->ndbuffer_get_item(ctx->impl, a, c->nidx, c->idx, out, &ctx->err);
}
static int op_set(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                  const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)buf, (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  return ctx->impl->ndbuffer_set_item(ctx->impl, a, c->nidx, c->idx, b, &ctx->err);
}
static int op_set_scalar(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a,
                         const zbuf_impl_ndbuffer *b, const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)b, (void)buf, (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  const int32_t value = -77;
  return ctx->impl->ndbuffer_set_item_scalar(ctx->impl, a, c->nidx, c->idx, &value, &ctx->err);
}
static int op_reshape(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                      const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)b, (void)buf;
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  return ctx->impl->ndbuffer_reshape(ctx->impl, a, c->nargs, c->args, out, &ctx->err);
}
static int op_squeeze(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                      const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)b, (void)buf;
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  return ctx->impl->ndbuffer_squeeze(ctx->impl, a, c->nargs, c->args, out, &ctx->err);
}
static int op_transpose(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a,
                        const zbuf_impl_ndbuffer *b, const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)b, (void)buf;
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  return ctx->impl->ndbuffer_transpose(ctx->impl, a, c->nargs, c->args, out, &ctx->err);
}
static int op_as_scalar(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a,
                        const zbuf_impl_ndbuffer *b, const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)c, (void)b, (void)buf, (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_as_scalar);
  unsigned char v[16];
  return ctx->impl->ndbuffer_as_scalar(ctx->impl, a, v, sizeof v, &ctx->err);
}
static int op_all_equal(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a,
                        const zbuf_impl_ndbuffer *b, const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)c, (void)buf, (void)out;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  int eq = 0;
  return ctx->impl->ndbuffer_all_equal(ctx->impl, a, b, 0, &eq, &ctx->err);
}
static int op_astype(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                     const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)b, (void)buf;
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  return ctx->impl->ndbuffer_astype(ctx->impl, a, case_dtype(c), out, &ctx->err);
}
static int op_create(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                     const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)a, (void)b, (void)buf;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  return ctx->impl->ndbuffer_create(ctx->impl, ctx->nd_dev, c->nargs, c->args, case_dtype(c),
                                    (zbuf_order)c->order, NULL, out, &ctx->err);
}
static int op_empty(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                    const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)a, (void)b, (void)buf;
  CONFORM_NEED_OP(ctx, ndbuffer_empty);
  return ctx->impl->ndbuffer_empty(ctx->impl, ctx->nd_dev, c->nargs, c->args, case_dtype(c),
                                   (zbuf_order)c->order, out, &ctx->err);
}
/* Host memory for from_host and wrap: 64 bytes, far less than any failing shape describes, so that an
 * implementation reading or writing before it validates crashes. */
static int64_t err_host_mem[8];
static int op_from_host(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a,
                        const zbuf_impl_ndbuffer *b, const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)a, (void)b, (void)buf;
  CONFORM_NEED_OP(ctx, ndbuffer_from_host);
  return ctx->impl->ndbuffer_from_host(ctx->impl, ctx->nd_dev, err_host_mem, c->nargs, c->args, NULL,
                                       case_dtype(c), out, &ctx->err);
}
static int op_wrap(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a, const zbuf_impl_ndbuffer *b,
                   const zbuf_impl_buffer *buf, zbuf_impl_ndbuffer **out) {
  (void)a, (void)b, (void)buf;
  conform_need_caps(ctx, ZBUF_CAP_WRAP);
  CONFORM_NEED_OP(ctx, ndbuffer_wrap);
  return ctx->impl->ndbuffer_wrap(ctx->impl, ctx->host, err_host_mem, c->nargs, c->args, NULL, case_dtype(c),
                                  NULL, NULL, out, &ctx->err);
}
static int op_from_buffer(conform_ctx *ctx, const nd_case *c, zbuf_impl_ndbuffer *a,
                          const zbuf_impl_ndbuffer *b, const zbuf_impl_buffer *buf,
                          zbuf_impl_ndbuffer **out) {
  (void)a, (void)b;
  CONFORM_NEED_OP(ctx, ndbuffer_from_buffer);
  return ctx->impl->ndbuffer_from_buffer(ctx->impl, buf, c->nargs, c->args, case_dtype(c), out, &ctx->err);
}

#define A2x3 .andim = 2, .ashape = {2, 3}
#define A2x1x3 .andim = 3, .ashape = {2, 1, 3}
#define NOB .bndim = -1
#define ST(x) EP_M(x)
#define P62 ((int64_t)1 << 62)

static const nd_case nd_cases[] = {
    /* ND-ERR-001: slice step 0 */
    {"ND-ERR-001", "get-step0", op_get, ST(EINVAL), A2x3, NOB, .nidx = 1, .idx = {I_SL(0, 2, 0)}},
    {"ND-ERR-001", "get-step0-axis1", op_get, ST(EINVAL), A2x3, NOB, .nidx = 2,
     .idx = {I_SL(0, 2, 1), I_SL(0, 3, 0)}},
    {"ND-ERR-001", "set-step0", op_set, ST(EINVAL), A2x3, .bndim = 1, .bshape = {3}, .nidx = 1,
     .idx = {I_SL(0, 2, 0)}},
    {"ND-ERR-001", "set-scalar-step0", op_set_scalar, ST(EINVAL), A2x3, NOB, .nidx = 2,
     .idx = {I_ALL, I_SL(0, 3, 0)}},
    /* ND-ERR-002: integer index out of range */
    {"ND-ERR-002", "get-oob-pos", op_get, ST(ERANGE), A2x3, NOB, .nidx = 1, .idx = {I_AT(2)}},
    {"ND-ERR-002", "get-oob-neg", op_get, ST(ERANGE), A2x3, NOB, .nidx = 1, .idx = {I_AT(-3)}},
    {"ND-ERR-002", "get-oob-axis1", op_get, ST(ERANGE), A2x3, NOB, .nidx = 2, .idx = {I_AT(0), I_AT(3)}},
    {"ND-ERR-002", "get-oob-axis1-neg", op_get, ST(ERANGE), A2x3, NOB, .nidx = 2, .idx = {I_AT(1), I_AT(-4)}},
    {"ND-ERR-002", "get-zero-extent", op_get, ST(ERANGE), .andim = 1, .ashape = {0}, NOB, .nidx = 1,
     .idx = {I_AT(0)}},
    {"ND-ERR-002", "set-oob", op_set, ST(ERANGE), A2x3, .bndim = 1, .bshape = {3}, .nidx = 1,
     .idx = {I_AT(2)}},
    {"ND-ERR-002", "set-scalar-oob-neg", op_set_scalar, ST(ERANGE), A2x3, NOB, .nidx = 1, .idx = {I_AT(-3)}},
    /* ND-ERR-003: too many indices */
    {"ND-ERR-003", "get-too-many", op_get, ST(ERANGE), A2x3, NOB, .nidx = 3,
     .idx = {I_AT(0), I_AT(0), I_AT(0)}},
    {"ND-ERR-003", "get-0d-int", op_get, ST(ERANGE), .andim = 0, NOB, .nidx = 1, .idx = {I_AT(0)}},
    {"ND-ERR-003", "get-0d-slice", op_get, ST(ERANGE), .andim = 0, NOB, .nidx = 1, .idx = {I_ALL}},
    {"ND-ERR-003", "set-scalar-too-many", op_set_scalar, ST(ERANGE), A2x3, NOB, .nidx = 3,
     .idx = {I_AT(0), I_AT(0), I_ALL}},
    /* ND-ERR-004 / 005: reshape */
    {"ND-ERR-004", "size-mismatch", op_reshape, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {4, 2}},
    {"ND-ERR-004", "minus1-no-fit", op_reshape, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {-1, 4}},
    {"ND-ERR-004", "to-empty", op_reshape, ST(EINVAL), A2x3, NOB, .nargs = 1, .args = {0}},
    {"ND-ERR-005", "two-minus1", op_reshape, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {-1, -1}},
    {"ND-ERR-005", "minus2-minus3", op_reshape, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {-2, -3}},
    {"ND-ERR-005", "minus1-minus2", op_reshape, ST(EINVAL), A2x3, NOB, .nargs = 3, .args = {-1, 2, -2}},
    /* One negative extent that is not -1 (NumPy 2.x takes it for the unknown one; the contract does not). */
    {"ND-ERR-005", "minus2-alone", op_reshape, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {-2, 3}},
    /* ND-ERR-006 / 007 / 008: squeeze */
    {"ND-ERR-006", "axis0-not-one", op_squeeze, ST(EINVAL), A2x1x3, NOB, .nargs = 1, .args = {0}},
    {"ND-ERR-006", "axis-neg-not-one", op_squeeze, ST(EINVAL), A2x1x3, NOB, .nargs = 2, .args = {1, -1}},
    {"ND-ERR-007", "axis3", op_squeeze, ST(ERANGE), A2x1x3, NOB, .nargs = 1, .args = {3}},
    {"ND-ERR-007", "axis-neg4", op_squeeze, ST(ERANGE), A2x1x3, NOB, .nargs = 1, .args = {-4}},
    {"ND-ERR-008", "axis1-twice", op_squeeze, ST(EINVAL), A2x1x3, NOB, .nargs = 2, .args = {1, 1}},
    {"ND-ERR-008", "axis1-and-neg2", op_squeeze, ST(EINVAL), A2x1x3, NOB, .nargs = 2, .args = {1, -2}},
    /* ND-ERR-009 / 010 / 011: transpose */
    {"ND-ERR-009", "one-axis", op_transpose, ST(EINVAL), A2x3, NOB, .nargs = 1, .args = {0}},
    {"ND-ERR-009", "three-axes", op_transpose, ST(EINVAL), A2x3, NOB, .nargs = 3, .args = {1, 0, 1}},
    {"ND-ERR-010", "axis2", op_transpose, ST(ERANGE), A2x3, NOB, .nargs = 2, .args = {0, 2}},
    {"ND-ERR-010", "axis-neg3", op_transpose, ST(ERANGE), A2x3, NOB, .nargs = 2, .args = {-3, 0}},
    {"ND-ERR-011", "zero-twice", op_transpose, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {0, 0}},
    {"ND-ERR-011", "one-and-neg1", op_transpose, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {1, -1}},
    /* ND-ERR-012: as_scalar */
    {"ND-ERR-012", "size6", op_as_scalar, ST(EINVAL), A2x3, NOB},
    {"ND-ERR-012", "size0", op_as_scalar, ST(EINVAL), .andim = 1, .ashape = {0}, NOB},
    {"ND-ERR-012", "size0-2d", op_as_scalar, ST(EINVAL), .andim = 2, .ashape = {2, 0}, NOB},
    /* ND-ERR-013: set_item value that does not broadcast */
    {"ND-ERR-013", "row-of-2", op_set, ST(EINVAL), A2x3, .bndim = 1, .bshape = {2}, .nidx = 1,
     .idx = {I_ALL}},
    {"ND-ERR-013", "three-rows", op_set, ST(EINVAL), A2x3, .bndim = 2, .bshape = {3, 3}, .nidx = 1,
     .idx = {I_ALL}},
    {"ND-ERR-013", "extra-dim", op_set, ST(EINVAL), A2x3, .bndim = 3, .bshape = {2, 2, 3}, .nidx = 0},
    {"ND-ERR-013", "empty-into-row", op_set, ST(EINVAL), A2x3, .bndim = 1, .bshape = {0}, .nidx = 1,
     .idx = {I_AT(1)}},
    /* ND-ERR-014: all_equal with arrays that do not broadcast */
    {"ND-ERR-014", "b-row-of-2", op_all_equal, ST(EINVAL), A2x3, .bndim = 1, .bshape = {2}},
    {"ND-ERR-014", "b-three-rows", op_all_equal, ST(EINVAL), A2x3, .bndim = 2, .bshape = {3, 3}},
    {"ND-ERR-014", "b-larger", op_all_equal, ST(EINVAL), A2x3, .bndim = 3, .bshape = {4, 2, 3}},
    /* ND-ERR-015: unknown or invalid dtype */
    {"ND-ERR-015", "astype-x9", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "x9"},
    {"ND-ERR-015", "astype-f3", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "<f3"},
    {"ND-ERR-015", "create-x9", op_create, ST(ETYPE), A2x3, NOB, .nargs = 1, .args = {4}, .dtype = "x9"},
    {"ND-ERR-015", "create-f3", op_create, ST(ETYPE), A2x3, NOB, .nargs = 1, .args = {4}, .dtype = "<f3"},
    /* Malformed spellings NumPy refuses too (TypeError "data type not understood"): no body, a mark alone or
     * doubled, sizes a kind does not have, a mark before a name, trailing characters, a size of zero, names
     * that merely contain a known one, and a string longer than any accepted spelling. */
    {"ND-ERR-015", "astype-empty-string", op_astype, ST(ETYPE), A2x3, NOB, .dtype = ""},
    {"ND-ERR-015", "astype-mark-only", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "<"},
    {"ND-ERR-015", "astype-pipe-only", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "|"},
    {"ND-ERR-015", "astype-two-marks", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "<<i4"},
    {"ND-ERR-015", "astype-i3", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "i3"},
    {"ND-ERR-015", "astype-f1", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "f1"},
    {"ND-ERR-015", "astype-u16", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "u16"},
    {"ND-ERR-015", "astype-b2", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "b2"},
    {"ND-ERR-015", "astype-c4", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "c4"},
    {"ND-ERR-015", "astype-e2", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "e2"},
    {"ND-ERR-015", "astype-i0", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "i0"},
    {"ND-ERR-015", "astype-code-with-size", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "?1"},
    {"ND-ERR-015", "astype-mark-before-name", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "<int32"},
    {"ND-ERR-015", "astype-mark-before-float", op_astype, ST(ETYPE), A2x3, NOB, .dtype = ">float64"},
    {"ND-ERR-015", "astype-int33", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "int33"},
    {"ND-ERR-015", "astype-ui4", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "ui4"},
    {"ND-ERR-015", "astype-trailing-x", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "i4x"},
    {"ND-ERR-015", "astype-trailing-space", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "f8 "},
    {"ND-ERR-015", "astype-repeated", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "f8f8"},
    {"ND-ERR-015", "astype-long", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "float64float64float64"},
    {"ND-ERR-015", "astype-non-ascii", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "f\xc3\xa9"},
    {"ND-ERR-015", "astype-unknown-code", op_astype, ST(ETYPE), A2x3, NOB, .dtype = "x"},
    {"ND-ERR-015", "create-mark-before-name", op_create, ST(ETYPE), A2x3, NOB, .nargs = 1, .args = {4},
     .dtype = "<bool"},
    {"ND-ERR-015", "empty-x9", op_empty, ST(ETYPE), A2x3, NOB, .nargs = 1, .args = {4}, .dtype = "x9"},
    {"ND-ERR-015", "from_host-x9", op_from_host, ST(ETYPE), A2x3, NOB, .nargs = 1, .args = {4},
     .dtype = "x9"},
    {"ND-ERR-015", "wrap-x9", op_wrap, ST(ETYPE), A2x3, NOB, .nargs = 1, .args = {4}, .dtype = "x9",
     .host_only = 1},
    {"ND-ERR-015", "from_buffer-x9", op_from_buffer, ST(ETYPE), A2x3, NOB, .nargs = 1, .args = {6},
     .dtype = "x9"},
    /* ND-ERR-016: wrong order value */
    {"ND-ERR-016", "create-order7", op_create, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {2, 2}, .order = 7},
    {"ND-ERR-016", "create-order-neg1", op_create, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {2, 2},
     .order = -1},
    {"ND-ERR-016", "empty-order7", op_empty, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {2, 2}, .order = 7},
    /* ND-ERR-017: negative extents */
    {"ND-ERR-017", "create", op_create, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {2, -3}},
    {"ND-ERR-017", "empty", op_empty, ST(EINVAL), A2x3, NOB, .nargs = 1, .args = {-1}},
    {"ND-ERR-017", "from_host", op_from_host, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {-2, 3}},
    {"ND-ERR-017", "wrap", op_wrap, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {3, -1}, .host_only = 1},
    /* ND-ERR-019: sizes that overflow int64 (EINVAL) or cannot be had (ENOMEM) */
    {"ND-ERR-019", "create-2p62x16-u1", op_create, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {P62, 16},
     .dtype = "|u1"},
    {"ND-ERR-019", "create-halfmax-x4", op_create, ST(EINVAL), A2x3, NOB, .nargs = 2,
     .args = {INT64_MAX / 2, 4}, .dtype = "|u1"},
    {"ND-ERR-019", "create-2p61-f8", op_create, ST(EINVAL), A2x3, NOB, .nargs = 1, .args = {(int64_t)1 << 61},
     .dtype = "<f8"},
    {"ND-ERR-019", "empty-2p32-squared", op_empty, ST(EINVAL), A2x3, NOB, .nargs = 2,
     .args = {(int64_t)1 << 32, (int64_t)1 << 32}, .dtype = "|u1"},
    {"ND-ERR-019", "from_host-2p62x16", op_from_host, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {P62, 16},
     .dtype = "|u1"},
    {"ND-ERR-019", "wrap-2p62x16", op_wrap, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {P62, 16},
     .dtype = "|u1", .host_only = 1},
    {"ND-ERR-019", "create-2p55-u1", op_create, ST(ENOMEM), A2x3, NOB, .nargs = 1, .args = {(int64_t)1 << 55},
     .dtype = "|u1"},
    {"ND-ERR-019", "empty-2p55-u1", op_empty, ST(ENOMEM), A2x3, NOB, .nargs = 1, .args = {(int64_t)1 << 55},
     .dtype = "|u1"},
    /* ND-ERR-020: a Buffer view with the wrong byte length (the Buffer has 48 bytes) */
    {"ND-ERR-020", "f8-2x2", op_from_buffer, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {2, 2},
     .dtype = "<f8"},
    {"ND-ERR-020", "f8-7", op_from_buffer, ST(EINVAL), A2x3, NOB, .nargs = 1, .args = {7}, .dtype = "<f8"},
    {"ND-ERR-020", "f8-minus1x5", op_from_buffer, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {-1, 5},
     .dtype = "<f8"},
    {"ND-ERR-020", "f8-two-minus1", op_from_buffer, ST(EINVAL), A2x3, NOB, .nargs = 2, .args = {-1, -1},
     .dtype = "<f8"},
    {"ND-ERR-020", "f8-0d", op_from_buffer, ST(EINVAL), A2x3, NOB, .nargs = 0, .dtype = "<f8"},
};

static void nd_err_case(conform_ctx *ctx) {
  const nd_case *c = ctx->data;
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, c->andim, c->ashape);
  zbuf_impl_ndbuffer *b = c->bndim >= 0 ? mp_nd_arange(ctx, ctx->nd_dev, (size_t)c->bndim, c->bshape) : NULL;
  unsigned char pat[48];
  zbuf_impl_buffer *buf = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 301);
  ep_nd_snap sa = ep_nd_take(ctx, a), sb;
  if (b) sb = ep_nd_take(ctx, b);
  ep_buf_snap sbuf = ep_buf_take(ctx, buf);
  zbuf_impl_ndbuffer *out = NULL;
  EP_FAILS(ctx, c->mask, c->op(ctx, c, a, b, buf, &out));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  ep_nd_same(ctx, &sa, a, "the input array");
  if (b) ep_nd_same(ctx, &sb, b, "the value array");
  ep_buf_same(ctx, &sbuf, buf, "the Buffer");
  I->buffer_release(I, buf);
  I->ndbuffer_release(I, b);
  I->ndbuffer_release(I, a);
}

CONFORM_REGISTRAR(nd_err_register) {
  for (size_t i = 0; i < sizeof nd_cases / sizeof nd_cases[0]; i++) {
    const nd_case *c = &nd_cases[i];
    char variants[256];
    const char *l = c->label;
    if (c->host_only)
      snprintf(variants, sizeof variants, "%s@cpu", l);
    else
      snprintf(variants, sizeof variants, "%s@cpu,%s@cuda_host,%s@cuda", l, l, l);
    conform_register_variants(c->clause, variants, ZBUF_CAP_ND, nd_err_case, c, __FILE__, __LINE__);
  }
}

/* ---- ND-ERR-018: number of dimensions ---- */

CONFORM_TEST_VARIANTS("ND-ERR-018", "create-ndim32,create-ndim33,create-ndim64,create-ndim65,create-ndim1000",
                      ZBUF_CAP_ND, nd_err_018_ndim) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  size_t ndim = (size_t)strtoul(ctx->label + strlen("create-ndim"), NULL, 10);
  int64_t *shape = malloc(ndim * sizeof *shape);
  if (!shape) conform_unresolved(ctx, "malloc failed");
  for (size_t i = 0; i < ndim; i++) shape[i] = 1;
  shape[0] = 2;
  zbuf_impl_ndbuffer *out = NULL;
  if (ndim == 32) {
    CONFORM_OK(ctx,
               I->ndbuffer_create(I, ctx->nd_dev, ndim, shape, mp_i4(), ZBUF_ORDER_C, NULL, &out, &ctx->err));
    CONFORM_ASSERT_INT_EQ(ctx, 32, conform_nd_info(ctx, out).ndim);
    int32_t seen[2];
    conform_nd_read(ctx, out, seen, sizeof seen);
    CONFORM_ASSERT(ctx, seen[0] == 0 && seen[1] == 0);
    I->ndbuffer_release(I, out);
  } else if (ndim <= 64) {
    /* Either answer is allowed; the note records which one this implementation gives. */
    zbuf_error e;
    int st = I->ndbuffer_create(I, ctx->nd_dev, ndim, shape, mp_i4(), ZBUF_ORDER_C, NULL, &out, &e);
    conform_note(ctx, "ndim %zu: %s", ndim, conform_status_name(st));
    if (st == ZBUF_OK) {
      CONFORM_ASSERT_INT_EQ(ctx, (long long)ndim, conform_nd_info(ctx, out).ndim);
      I->ndbuffer_release(I, out);
    } else {
      CONFORM_STATUS(
          ctx, ZBUF_EINVAL,
          I->ndbuffer_create(I, ctx->nd_dev, ndim, shape, mp_i4(), ZBUF_ORDER_C, NULL, &out, &ctx->err));
      CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
    }
  } else {
    EP_FAILS(ctx, EP_M(EINVAL),
             I->ndbuffer_create(I, ctx->nd_dev, ndim, shape, mp_i4(), ZBUF_ORDER_C, NULL, &out, &ctx->err));
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  }
  free(shape);
}

/* ---- ND-ERR-021: too small an output ---- */

CONFORM_TEST_VARIANTS("ND-ERR-021",
                      EP_KINDS("to_bytes") "," EP_KINDS("as_scalar") "," EP_KINDS("as_scalar-0d"),
                      ZBUF_CAP_ND, nd_err_021_output_too_small) {
  const zbuf_impl *I = ctx->impl;
  const int is_bytes = strcmp(ctx->label, "to_bytes") == 0;
  const int64_t shape[2] = {2, 3}, one[1] = {1};
  zbuf_impl_ndbuffer *a = strcmp(ctx->label, "as_scalar-0d") == 0 ? mp_nd_arange(ctx, ctx->nd_dev, 0, shape)
                          : is_bytes                              ? mp_nd_arange(ctx, ctx->nd_dev, 2, shape)
                                                                  : mp_nd_arange(ctx, ctx->nd_dev, 1, one);
  ep_nd_snap sa = ep_nd_take(ctx, a);
  unsigned char dst[64], canary[64];
  memset(dst, 0x3C, sizeof dst);
  memcpy(canary, dst, sizeof dst);
  if (is_bytes) {
    CONFORM_NEED_OP(ctx, ndbuffer_to_bytes);
    EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_to_bytes(I, a, dst + 16, 6 * 4 - 1, &ctx->err));
  } else {
    CONFORM_NEED_OP(ctx, ndbuffer_as_scalar);
    EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_as_scalar(I, a, dst + 16, 4 - 1, &ctx->err));
  }
  if (memcmp(canary, dst, sizeof dst) != 0) conform_note(ctx, "caller memory around the output at offset 16");
  CONFORM_ASSERT_MEM_EQ(ctx, canary, dst, sizeof dst);
  ep_nd_same(ctx, &sa, a, "the array");
  I->ndbuffer_release(I, a);
}

/* ---- ND-ERR-022: NULL data or shape for wrap and from_host ---- */

static atomic_int nd_err_released;
static void nd_err_count_release(void *data, void *ctx) {
  (void)data, (void)ctx;
  atomic_fetch_add(&nd_err_released, 1);
}

/* "-strided": the same with F-order strides, which an implementation may copy element by element rather than
 * in one block. */
/* "-overflowing-strides": real data, but a stride whose byte offset of the last element overflows int64. */
CONFORM_TEST_VARIANTS("ND-ERR-022",
                      "from_host-null-data,from_host-null-shape,wrap-null-data,wrap-null-shape,"
                      "from_host-null-data-strided,wrap-null-data-strided,from_host-overflowing-strides,"
                      "wrap-overflowing-strides",
                      ZBUF_CAP_ND, nd_err_022_null_pointers) {
  const zbuf_impl *I = ctx->impl;
  const int64_t shape[2] = {2, 3}, fstrides[2] = {4, 8}, huge[2] = {INT64_MAX, 4};
  const int64_t *st = strstr(ctx->label, "strided") ? fstrides : NULL;
  const int overflowing = strstr(ctx->label, "overflowing") != NULL;
  if (overflowing) st = huge;
  const int null_data = strstr(ctx->label, "null-data") != NULL;
  void *data = null_data ? NULL : err_host_mem;
  const int64_t *sh = null_data || overflowing ? shape : NULL;
  zbuf_impl_ndbuffer *out = NULL;
  if (strncmp(ctx->label, "wrap", 4) == 0) {
    conform_need_caps(ctx, ZBUF_CAP_WRAP);
    CONFORM_NEED_OP(ctx, ndbuffer_wrap);
    atomic_store(&nd_err_released, 0);
    EP_FAILS(ctx, EP_M(EINVAL),
             I->ndbuffer_wrap(I, ctx->host, data, 2, sh, st, mp_i4(), nd_err_count_release, NULL, &out,
                              &ctx->err));
    CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&nd_err_released));
  } else {
    CONFORM_NEED_OP(ctx, ndbuffer_from_host);
    EP_FAILS(ctx, EP_M(EINVAL),
             I->ndbuffer_from_host(I, ctx->nd_dev, data, 2, sh, st, mp_i4(), &out, &ctx->err));
  }
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
}

/* ---- ND-ERR-023: failures on strided views leave the view and its parent unchanged ---- */

CONFORM_TEST_VARIANTS("ND-ERR-023", "views@cpu,views@cuda_host,views@cuda", ZBUF_CAP_ND,
                      nd_err_023_views_unchanged) {
  const zbuf_impl *I = ctx->impl;
  /* Every misuse below goes through one of these; a missing one is UNSUPPORTED, not a NULL call. */
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
  CONFORM_NEED_OP(ctx, ndbuffer_astype);
  CONFORM_NEED_OP(ctx, ndbuffer_reshape);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item);
  CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
  CONFORM_NEED_OP(ctx, ndbuffer_squeeze);
  CONFORM_NEED_OP(ctx, ndbuffer_transpose);
  const int64_t shape[2] = {4, 6}, vshape[1] = {5};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *v = NULL;
  zbuf_impl_ndbuffer *val = mp_nd_arange(ctx, ctx->nd_dev, 1, vshape);
  /* v = a[::-1, 1::2]: negative and non-unit strides, shape (4, 3). */
  const zbuf_index key[2] = {ZBUF_RANGE(((zbuf_slice){0, 0, -1, ZBUF_SLICE_HAS_STEP})),
                             ZBUF_RANGE(((zbuf_slice){1, 0, 2, ZBUF_SLICE_HAS_START | ZBUF_SLICE_HAS_STEP}))};
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, 2, key, &v, &ctx->err));
  for (int step = 0; step < 8; step++) {
    ep_nd_snap sa = ep_nd_take(ctx, a), sv = ep_nd_take(ctx, v);
    zbuf_impl_ndbuffer *out = NULL;
    const int64_t five[1] = {5}, axes00[2] = {0, 0}, axis0[1] = {0};
    const zbuf_index oob[1] = {ZBUF_AT(4)}, step0[1] = {ZBUF_RANGE(ZBUF_SLICE_STEP(0, 4, 0))},
                     all[1] = {ZBUF_RANGE(ZBUF_SLICE_ALL)};
    const int32_t x = -1;
    int eq = 0;
    switch (step) {
      case 0: EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_reshape(I, v, 1, five, &out, &ctx->err)); break;
      case 1: EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_transpose(I, v, 2, axes00, &out, &ctx->err)); break;
      case 2: EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_set_item(I, v, 1, all, val, &ctx->err)); break;
      case 3: EP_FAILS(ctx, EP_M(ERANGE), I->ndbuffer_set_item_scalar(I, v, 1, oob, &x, &ctx->err)); break;
      case 4: EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_get_item(I, v, 1, step0, &out, &ctx->err)); break;
      case 5: EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_squeeze(I, v, 1, axis0, &out, &ctx->err)); break;
      case 6: EP_FAILS(ctx, EP_M(ETYPE), I->ndbuffer_astype(I, v, "x9", &out, &ctx->err)); break;
      default: EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_all_equal(I, v, val, 0, &eq, &ctx->err)); break;
    }
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
    ep_nd_same(ctx, &sv, v, "the view");
    ep_nd_same(ctx, &sa, a, "the view's parent");
  }
  I->ndbuffer_release(I, val);
  I->ndbuffer_release(I, v);
  I->ndbuffer_release(I, a);
}

/* zbuf conformance: running one golden-vector case (vectors.c registers them).
 *
 * The body reads the case, builds its input in ctx->nd_dev, makes exactly one call of the operation under
 * test through ctx->impl, and judges what came back: an array (dtype and shape from ndbuffer_info, bytes from
 * ndbuffer_to_bytes, compared exactly), a value (all_equal, as_scalar, the reported byte order), or an error
 * (the status of FORMAT.md, no result handle, and the input unchanged in metadata and bytes). Every other
 * call (building the input, taking a view of it, building a value operand) is set-up: its failure is
 * UNRESOLVED. */
#include "vectors.h"

/* The operation a case runs, after `action` of byteorder.json and order.json is resolved. */
typedef enum vx_action {
  VX_CREATE,
  VX_RESHAPE,
  VX_SQUEEZE,
  VX_ASTYPE,
  VX_TRANSPOSE,
  VX_GETITEM,
  VX_SETITEM,
  VX_ALL_EQUAL,
  VX_AS_SCALAR,
  VX_BYTEORDER,
  VX_TO_BYTES,
  VX_COPY
} vx_action;

/* The arguments of the one call, read from `args`, and what it gives back. */
typedef struct vx_call {
  vx_action action;
  zbuf_impl_ndbuffer *in; /* the input (a view when input.view is given); the destination of setitem */
  /* arguments */
  size_t ndim;
  int64_t *shape;
  const char *dtype;
  zbuf_order order;
  unsigned char *fill; /* create: NULL = no fill value */
  size_t naxes;
  int64_t *axes;
  size_t nidx;
  zbuf_index *idx;
  zbuf_impl_ndbuffer *value; /* setitem/all_equal operand */
  unsigned char *scalar;     /* setitem scalar, all_equal value */
  int equal_nan;
  size_t nbytes; /* to_bytes / as_scalar destination size */
  /* results */
  zbuf_impl_ndbuffer *out;
  unsigned char *bytes;
  int equal;
} vx_call;

static vx_action vx_action_of(vx_run *r, const cJSON *args) {
  static const struct {
    const char *op, *action;
    vx_action a;
  } map[] = {{"create_fill", NULL, VX_CREATE},
             {"reshape", NULL, VX_RESHAPE},
             {"squeeze", NULL, VX_SQUEEZE},
             {"astype", NULL, VX_ASTYPE},
             {"transpose", NULL, VX_TRANSPOSE},
             {"getitem", NULL, VX_GETITEM},
             {"setitem", NULL, VX_SETITEM},
             {"all_equal", NULL, VX_ALL_EQUAL},
             {"as_scalar", NULL, VX_AS_SCALAR},
             {"byteorder", "byteorder", VX_BYTEORDER},
             {"byteorder", "to_bytes", VX_TO_BYTES},
             {"byteorder", "astype", VX_ASTYPE},
             {"byteorder", "as_scalar", VX_AS_SCALAR},
             {"byteorder", "all_equal", VX_ALL_EQUAL},
             {"byteorder", "create_fill", VX_CREATE},
             {"order", "create", VX_CREATE},
             {"order", "to_bytes", VX_TO_BYTES},
             {"order", "copy", VX_COPY}};
  const char *action = NULL;
  if (strcmp(r->vc->op, "byteorder") == 0 || strcmp(r->vc->op, "order") == 0)
    action = vx_string(r, args, "action");
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i].op, r->vc->op) == 0 && (!action || strcmp(map[i].action, action) == 0)) return map[i].a;
  vx_malformed(r, "action \"%s\" is not one of %s's (FORMAT.md)", action ? action : "", r->vc->op);
}

/* Axes: a list, or null for the operation's default (no axes). */
static void vx_axes(vx_run *r, const cJSON *args, vx_call *c) {
  const cJSON *axes = vx_member(r, args, "axes");
  c->naxes = cJSON_IsNull(axes) ? 0 : vx_int_list(r, axes, "args.axes", &c->axes);
}

/* A scalar in hex that must be exactly one element of dtype dt. */
static unsigned char *vx_scalar(vx_run *r, const cJSON *item, const char *what, const char *dtype) {
  unsigned char *b;
  size_t n = vx_hex(r, item, what, &b);
  vx_dtype dt;
  if (vx_dtype_parse(dtype, &dt) == 0 && n != dt.size)
    vx_malformed(r, "%s holds %zu bytes, one %s element is %zu", what, n, dtype, dt.size);
  return b;
}

/* Reads the arguments of the call and does its set-up (operands, views). */
static void vx_prepare(vx_run *r, const cJSON *args, vx_call *c) {
  conform_ctx *ctx = r->ctx;
  const zbuf_impl *I = ctx->impl;
  switch (c->action) {
    case VX_CREATE: {
      c->ndim = vx_int_list(r, vx_member(r, args, "shape"), "args.shape", &c->shape);
      c->dtype = vx_string(r, args, "dtype");
      const char *order = vx_string(r, args, "order");
      /* "X" is FORMAT.md's deliberately invalid order: an enum value that is neither C nor F. */
      c->order = strcmp(order, "C") == 0   ? ZBUF_ORDER_C
                 : strcmp(order, "F") == 0 ? ZBUF_ORDER_F
                                           : (zbuf_order)2;
      const cJSON *fill = vx_member(r, args, "fill_value");
      if (!cJSON_IsNull(fill)) c->fill = vx_scalar(r, fill, "args.fill_value", c->dtype);
      break;
    }
    case VX_RESHAPE: c->ndim = vx_int_list(r, vx_member(r, args, "shape"), "args.shape", &c->shape); break;
    case VX_SQUEEZE:
    case VX_TRANSPOSE: vx_axes(r, args, c); break;
    case VX_ASTYPE: c->dtype = vx_string(r, args, "dtype"); break;
    case VX_GETITEM: c->nidx = vx_index(r, vx_member(r, args, "index"), "args.index", &c->idx); break;
    case VX_SETITEM: {
      c->nidx = vx_index(r, vx_member(r, args, "index"), "args.index", &c->idx);
      const cJSON *value = cJSON_GetObjectItemCaseSensitive(args, "value");
      const cJSON *scalar = cJSON_GetObjectItemCaseSensitive(args, "scalar");
      const cJSON *value_view = cJSON_GetObjectItemCaseSensitive(args, "value_view");
      if (!!value + !!scalar + !!value_view != 1)
        vx_malformed(r, "setitem needs exactly one of value, scalar, value_view");
      zbuf_impl_ndinfo in = conform_nd_info(ctx, c->in);
      if (scalar) {
        c->scalar = vx_scalar(r, scalar, "args.scalar", in.dtype);
      } else if (value) {
        c->value = vx_build(r, value, 0);
      } else {
        /* The value is the destination's own view (ND-COPY-013: overlapping writes). */
        zbuf_index *vidx;
        size_t nv = vx_index(r, value_view, "args.value_view", &vidx);
        CONFORM_NEED_OP(ctx, ndbuffer_get_item);
        CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, c->in, nv, vidx, &c->value, &ctx->err));
        vx_keep(r, c->value);
      }
      break;
    }
    case VX_ALL_EQUAL: {
      const cJSON *eq = vx_member(r, args, "equal_nan");
      if (!cJSON_IsBool(eq)) vx_malformed(r, "args.equal_nan must be a boolean");
      c->equal_nan = cJSON_IsTrue(eq);
      const cJSON *value = cJSON_GetObjectItemCaseSensitive(args, "value");
      const cJSON *other = cJSON_GetObjectItemCaseSensitive(args, "other");
      if (!value == !other) vx_malformed(r, "all_equal needs exactly one of value, other");
      if (value)
        c->scalar = vx_scalar(r, value, "args.value", conform_nd_info(ctx, c->in).dtype);
      else
        c->value = vx_build(r, other, 0);
      break;
    }
    case VX_AS_SCALAR: {
      const cJSON *index = cJSON_GetObjectItemCaseSensitive(args, "index");
      if (index) {
        /* as_scalar of a view: the view is set-up, as_scalar is the call. */
        zbuf_index *idx;
        size_t n = vx_index(r, index, "args.index", &idx);
        zbuf_impl_ndbuffer *v = NULL;
        CONFORM_NEED_OP(ctx, ndbuffer_get_item);
        CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, c->in, n, idx, &v, &ctx->err));
        c->in = vx_keep(r, v);
      }
      c->nbytes = vx_dtype_of(r, conform_nd_info(ctx, c->in).dtype, "input dtype").size;
      c->bytes = vx_alloc(r, c->nbytes);
      break;
    }
    case VX_TO_BYTES: {
      zbuf_impl_ndinfo in = conform_nd_info(ctx, c->in);
      c->nbytes = vx_count((size_t)in.ndim, in.shape) * vx_dtype_of(r, in.dtype, "input dtype").size;
      c->bytes = vx_alloc(r, c->nbytes);
      break;
    }
    case VX_BYTEORDER:
    case VX_COPY: break;
  }
}

/* Whether the implementation provides the operation the action calls. */
static void vx_need_op(conform_ctx *ctx, const vx_call *c) {
  switch (c->action) {
    case VX_CREATE: CONFORM_NEED_OP(ctx, ndbuffer_create); break;
    case VX_RESHAPE: CONFORM_NEED_OP(ctx, ndbuffer_reshape); break;
    case VX_SQUEEZE: CONFORM_NEED_OP(ctx, ndbuffer_squeeze); break;
    case VX_ASTYPE: CONFORM_NEED_OP(ctx, ndbuffer_astype); break;
    case VX_TRANSPOSE: CONFORM_NEED_OP(ctx, ndbuffer_transpose); break;
    case VX_GETITEM: CONFORM_NEED_OP(ctx, ndbuffer_get_item); break;
    case VX_SETITEM:
      if (c->scalar)
        CONFORM_NEED_OP(ctx, ndbuffer_set_item_scalar);
      else
        CONFORM_NEED_OP(ctx, ndbuffer_set_item);
      break;
    case VX_ALL_EQUAL:
      if (c->scalar)
        CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
      else
        CONFORM_NEED_OP(ctx, ndbuffer_all_equal);
      break;
    case VX_AS_SCALAR: CONFORM_NEED_OP(ctx, ndbuffer_as_scalar); break;
    case VX_TO_BYTES: CONFORM_NEED_OP(ctx, ndbuffer_to_bytes); break;
    case VX_COPY: CONFORM_NEED_OP(ctx, ndbuffer_copy); break;
    case VX_BYTEORDER: CONFORM_NEED_OP(ctx, ndbuffer_info); break;
  }
}

/* The one call under test; returns its status (err is ctx->err, reset by the CONFORM_* macro around it). */
static int vx_do(conform_ctx *ctx, vx_call *c) {
  const zbuf_impl *I = ctx->impl;
  zbuf_error *err = &ctx->err;
  switch (c->action) {
    case VX_CREATE:
      return I->ndbuffer_create(I, ctx->nd_dev, c->ndim, c->shape, c->dtype, c->order, c->fill, &c->out, err);
    case VX_RESHAPE: return I->ndbuffer_reshape(I, c->in, c->ndim, c->shape, &c->out, err);
    case VX_SQUEEZE: return I->ndbuffer_squeeze(I, c->in, c->naxes, c->axes, &c->out, err);
    case VX_ASTYPE: return I->ndbuffer_astype(I, c->in, c->dtype, &c->out, err);
    case VX_TRANSPOSE: return I->ndbuffer_transpose(I, c->in, c->naxes, c->axes, &c->out, err);
    case VX_GETITEM: return I->ndbuffer_get_item(I, c->in, c->nidx, c->idx, &c->out, err);
    case VX_SETITEM:
      if (c->scalar) return I->ndbuffer_set_item_scalar(I, c->in, c->nidx, c->idx, c->scalar, err);
      return I->ndbuffer_set_item(I, c->in, c->nidx, c->idx, c->value, err);
    case VX_ALL_EQUAL:
      if (c->scalar) return I->ndbuffer_all_equal_scalar(I, c->in, c->scalar, c->equal_nan, &c->equal, err);
      return I->ndbuffer_all_equal(I, c->in, c->value, c->equal_nan, &c->equal, err);
    case VX_AS_SCALAR: return I->ndbuffer_as_scalar(I, c->in, c->bytes, c->nbytes, err);
    case VX_TO_BYTES: return I->ndbuffer_to_bytes(I, c->in, c->bytes, c->nbytes, err);
    case VX_COPY: return I->ndbuffer_copy(I, c->in, &c->out, err);
    case VX_BYTEORDER: return ZBUF_OK; /* reported by ndbuffer_info's dtype, read when judging */
  }
  return ZBUF_EINTERNAL;
}

/* The machine's own byte order, as NDBuffer.byteorder names it. */
static const char *vx_native_order(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first ? "little" : "big";
}

/* A scalar expectation: all_equal's bool, as_scalar's bytes, or the reported byte order. */
static void vx_judge_value(vx_run *r, vx_call *c, const cJSON *want) {
  conform_ctx *ctx = r->ctx;
  if (c->action == VX_ALL_EQUAL) {
    if (!cJSON_IsBool(want)) vx_malformed(r, "expect.value of all_equal must be a boolean");
    if (c->equal != 0 && c->equal != 1)
      conform_fail(ctx, "all_equal: *equal must be 0 or 1, seen %d", c->equal);
    if (c->equal != cJSON_IsTrue(want))
      conform_fail(ctx, "all_equal: expected %s, seen %s", cJSON_IsTrue(want) ? "true" : "false",
                   c->equal ? "true" : "false");
  } else if (c->action == VX_AS_SCALAR) {
    zbuf_impl_ndinfo in = conform_nd_info(ctx, c->in);
    vx_dtype dt = vx_dtype_of(r, in.dtype, "input dtype");
    unsigned char *w = vx_scalar(r, want, "expect.value", in.dtype);
    vx_check_data(r, "as_scalar", dt, 0, NULL, w, c->bytes, dt.size, 0);
  } else if (c->action == VX_BYTEORDER) {
    if (!cJSON_IsString(want)) vx_malformed(r, "expect.value of byteorder must be a string");
    const char *w = strcmp(want->valuestring, "native") == 0 ? vx_native_order() : want->valuestring;
    zbuf_impl_ndinfo in = conform_nd_info(ctx, c->in);
    /* NumPy's rule, which NDBuffer.byteorder follows: "<" little, ">" big, otherwise the machine's order. */
    const char *seen = in.dtype[0] == '<' ? "little" : in.dtype[0] == '>' ? "big" : vx_native_order();
    if (strcmp(w, seen) != 0)
      conform_fail(ctx, "byte order: expected %s, seen %s (ndbuffer_info dtype \"%.8s\")", w, seen, in.dtype);
  } else {
    vx_malformed(r, "expect.value is not an expectation of %s", r->vc->op);
  }
}

void vx_case_body(conform_ctx *ctx) {
  vx_run r;
  memset(&r, 0, sizeof r);
  r.ctx = ctx;
  r.vc = ctx->data;
  const cJSON *json = r.vc->json;
  const cJSON *note = cJSON_GetObjectItemCaseSensitive(json, "note");
  if (cJSON_IsString(note)) conform_note(ctx, "vector note: %s", note->valuestring);
  const cJSON *args = vx_member(&r, json, "args");
  const cJSON *expect = vx_member(&r, json, "expect");
  const cJSON *input = vx_member(&r, json, "input");
  if (!cJSON_IsObject(args) || !cJSON_IsObject(expect)) vx_malformed(&r, "args and expect must be objects");

  vx_call c;
  memset(&c, 0, sizeof c);
  c.action = vx_action_of(&r, args);
  if (c.action == VX_CREATE) {
    if (!cJSON_IsNull(input)) vx_malformed(&r, "input must be null when the operation creates the array");
  } else {
    /* getitem and setitem take their view through args.index, never input.view (FORMAT.md). */
    int allow_view = c.action != VX_GETITEM && c.action != VX_SETITEM;
    c.in = vx_build(&r, input, allow_view);
  }
  vx_prepare(&r, args, &c);
  vx_need_op(ctx, &c);

  const cJSON *error = cJSON_GetObjectItemCaseSensitive(expect, "error");
  const cJSON *value = cJSON_GetObjectItemCaseSensitive(expect, "value");
  if (error) {
    if (!cJSON_IsString(error)) vx_malformed(&r, "expect.error must be a status name");
    zbuf_status want = vx_status(&r, error->valuestring);
    vx_snap before;
    if (c.in) vx_snapshot(&r, c.in, &before);
    CONFORM_STATUS(ctx, want, vx_do(ctx, &c));
    vx_keep(&r, c.out);
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, c.out);
    if (c.in) vx_check_unchanged(&r, "the input", c.in, &before);
  } else {
    CONFORM_OK(ctx, vx_do(ctx, &c));
    vx_keep(&r, c.out);
    if (value) {
      vx_judge_value(&r, &c, value);
    } else if (c.action == VX_SETITEM) {
      vx_check_array(&r, c.in, expect, NULL, 0); /* the whole destination after the write */
    } else if (c.action == VX_TO_BYTES) {
      vx_check_array(&r, c.in, expect, c.bytes, c.nbytes);
    } else {
      if (!c.out) conform_fail(ctx, "the call returned OK but no array");
      vx_check_array(&r, c.out, expect, NULL, 0);
    }
  }
  vx_run_end(&r);
}

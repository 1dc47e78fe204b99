/* zbuf conformance: ND-ERR-025, NULL handles and pointers given to NDBuffer operations.
 *
 * BUF-ERR-008 for NDBuffers: each operation is called with one required pointer NULL (the input array, the
 * out-parameter, the destination of to_bytes, the value of set_item and fill, the result of all_equal, the
 * DLPack tensor) and must fail with EINVAL and a message, not crash (a crash is CRASH, in its own worker),
 * leak nothing, leave the array it was given unchanged, and call no release callback or deleter. One test per
 * operation and pointer; the array is an int32 (2, 3) holding 0..5 in the prototype's memory. */
#include "errprobe.h"
#include "memprobe.h"

typedef struct nn_in {
  zbuf_impl_ndbuffer *a;
  zbuf_impl_buffer *buf; /* 24 bytes: int32 0..5 */
  int32_t host[6];
  mp_tensor tensor; /* int32 (2, 3) over host[] */
  int equal;
} nn_in;

static atomic_int nn_released;
static void nn_release(void *data, void *ctx) {
  (void)data, (void)ctx;
  atomic_fetch_add(&nn_released, 1);
}

static const int64_t nn_shape[2] = {2, 3};

/* One function per case: makes the call with the NULL and returns its status. */
#define NN_CASE(name, op, expr)                             \
  static int nn_##name(conform_ctx *ctx, nn_in *in) {       \
    const zbuf_impl *I = ctx->impl;                         \
    zbuf_impl_ndbuffer *out = NULL;                         \
    CONFORM_NEED_OP(ctx, op);                               \
    int st = (expr);                                        \
    if (out) conform_fail(ctx, "the failed call set *out"); \
    (void)in;                                               \
    return st;                                              \
  }

static const int32_t nn_seven = 7;
static const zbuf_index nn_row[1] = {{ZBUF_INDEX_INTEGER, 1, {0, 0, 1, 0}}};

NN_CASE(create_out, ndbuffer_create,
        I->ndbuffer_create(I, ctx->nd_dev, 2, nn_shape, mp_i4(), ZBUF_ORDER_C, &nn_seven, NULL, &ctx->err))
NN_CASE(create_shape, ndbuffer_create,
        I->ndbuffer_create(I, ctx->nd_dev, 2, NULL, mp_i4(), ZBUF_ORDER_C, &nn_seven, &out, &ctx->err))
NN_CASE(empty_shape, ndbuffer_empty,
        I->ndbuffer_empty(I, ctx->nd_dev, 2, NULL, mp_i4(), ZBUF_ORDER_C, &out, &ctx->err))
NN_CASE(reshape_shape, ndbuffer_reshape, I->ndbuffer_reshape(I, in->a, 2, NULL, &out, &ctx->err))
NN_CASE(create_dtype, ndbuffer_create,
        I->ndbuffer_create(I, ctx->nd_dev, 2, nn_shape, NULL, ZBUF_ORDER_C, &nn_seven, &out, &ctx->err))
NN_CASE(astype_dtype, ndbuffer_astype, I->ndbuffer_astype(I, in->a, NULL, &out, &ctx->err))
NN_CASE(empty_out, ndbuffer_empty,
        I->ndbuffer_empty(I, ctx->nd_dev, 2, nn_shape, mp_i4(), ZBUF_ORDER_C, NULL, &ctx->err))
NN_CASE(from_host_out, ndbuffer_from_host,
        I->ndbuffer_from_host(I, ctx->nd_dev, in->host, 2, nn_shape, NULL, mp_i4(), NULL, &ctx->err))
NN_CASE(wrap_out, ndbuffer_wrap,
        I->ndbuffer_wrap(I, ctx->host, in->host, 2, nn_shape, NULL, mp_i4(), nn_release, NULL, NULL,
                         &ctx->err))
NN_CASE(from_buffer_buf, ndbuffer_from_buffer,
        I->ndbuffer_from_buffer(I, NULL, 2, nn_shape, mp_i4(), &out, &ctx->err))
NN_CASE(from_buffer_out, ndbuffer_from_buffer,
        I->ndbuffer_from_buffer(I, in->buf, 2, nn_shape, mp_i4(), NULL, &ctx->err))
NN_CASE(info_a, ndbuffer_info,
        I->ndbuffer_info(I, NULL, &(zbuf_impl_ndinfo){{0}, 0, NULL, NULL, NULL, {kDLCPU, 0}}, &ctx->err))
NN_CASE(info_out, ndbuffer_info, I->ndbuffer_info(I, in->a, NULL, &ctx->err))
NN_CASE(to_bytes_a, ndbuffer_to_bytes, I->ndbuffer_to_bytes(I, NULL, in->host, sizeof in->host, &ctx->err))
NN_CASE(to_bytes_dst, ndbuffer_to_bytes, I->ndbuffer_to_bytes(I, in->a, NULL, sizeof in->host, &ctx->err))
NN_CASE(to_host_a, ndbuffer_to_host, I->ndbuffer_to_host(I, NULL, &out, &ctx->err))
NN_CASE(to_host_out, ndbuffer_to_host, I->ndbuffer_to_host(I, in->a, NULL, &ctx->err))
NN_CASE(to_device_a, ndbuffer_to_device, I->ndbuffer_to_device(I, NULL, ctx->host, &out, &ctx->err))
NN_CASE(to_device_out, ndbuffer_to_device, I->ndbuffer_to_device(I, in->a, ctx->host, NULL, &ctx->err))
NN_CASE(as_scalar_a, ndbuffer_as_scalar, I->ndbuffer_as_scalar(I, NULL, in->host, 4, &ctx->err))
NN_CASE(as_scalar_out, ndbuffer_as_scalar, I->ndbuffer_as_scalar(I, in->a, NULL, 4, &ctx->err))
NN_CASE(reshape_a, ndbuffer_reshape, I->ndbuffer_reshape(I, NULL, 2, nn_shape, &out, &ctx->err))
NN_CASE(reshape_out, ndbuffer_reshape, I->ndbuffer_reshape(I, in->a, 2, nn_shape, NULL, &ctx->err))
NN_CASE(squeeze_a, ndbuffer_squeeze, I->ndbuffer_squeeze(I, NULL, 0, NULL, &out, &ctx->err))
NN_CASE(squeeze_out, ndbuffer_squeeze, I->ndbuffer_squeeze(I, in->a, 0, NULL, NULL, &ctx->err))
NN_CASE(astype_a, ndbuffer_astype, I->ndbuffer_astype(I, NULL, "<f8", &out, &ctx->err))
NN_CASE(astype_out, ndbuffer_astype, I->ndbuffer_astype(I, in->a, "<f8", NULL, &ctx->err))
NN_CASE(transpose_a, ndbuffer_transpose, I->ndbuffer_transpose(I, NULL, 0, NULL, &out, &ctx->err))
NN_CASE(transpose_out, ndbuffer_transpose, I->ndbuffer_transpose(I, in->a, 0, NULL, NULL, &ctx->err))
NN_CASE(get_item_a, ndbuffer_get_item, I->ndbuffer_get_item(I, NULL, 1, nn_row, &out, &ctx->err))
NN_CASE(get_item_out, ndbuffer_get_item, I->ndbuffer_get_item(I, in->a, 1, nn_row, NULL, &ctx->err))
NN_CASE(set_item_dst, ndbuffer_set_item, I->ndbuffer_set_item(I, NULL, 1, nn_row, in->a, &ctx->err))
NN_CASE(set_item_value, ndbuffer_set_item, I->ndbuffer_set_item(I, in->a, 1, nn_row, NULL, &ctx->err))
NN_CASE(set_item_scalar_dst, ndbuffer_set_item_scalar,
        I->ndbuffer_set_item_scalar(I, NULL, 1, nn_row, &nn_seven, &ctx->err))
NN_CASE(set_item_scalar_value, ndbuffer_set_item_scalar,
        I->ndbuffer_set_item_scalar(I, in->a, 1, nn_row, NULL, &ctx->err))
NN_CASE(fill_dst, ndbuffer_fill, I->ndbuffer_fill(I, NULL, &nn_seven, &ctx->err))
NN_CASE(fill_value, ndbuffer_fill, I->ndbuffer_fill(I, in->a, NULL, &ctx->err))
NN_CASE(copy_a, ndbuffer_copy, I->ndbuffer_copy(I, NULL, &out, &ctx->err))
NN_CASE(copy_out, ndbuffer_copy, I->ndbuffer_copy(I, in->a, NULL, &ctx->err))
NN_CASE(all_equal_scalar_a, ndbuffer_all_equal_scalar,
        I->ndbuffer_all_equal_scalar(I, NULL, &nn_seven, 0, &in->equal, &ctx->err))
NN_CASE(all_equal_scalar_result, ndbuffer_all_equal_scalar,
        I->ndbuffer_all_equal_scalar(I, in->a, &nn_seven, 0, NULL, &ctx->err))
NN_CASE(all_equal_a, ndbuffer_all_equal, I->ndbuffer_all_equal(I, NULL, in->a, 0, &in->equal, &ctx->err))
NN_CASE(all_equal_b, ndbuffer_all_equal, I->ndbuffer_all_equal(I, in->a, NULL, 0, &in->equal, &ctx->err))
NN_CASE(all_equal_result, ndbuffer_all_equal, I->ndbuffer_all_equal(I, in->a, in->a, 0, NULL, &ctx->err))
NN_CASE(to_dlpack_a, ndbuffer_to_dlpack, I->ndbuffer_to_dlpack(I, NULL, (DLManagedTensor **)&out, &ctx->err))
NN_CASE(to_dlpack_out, ndbuffer_to_dlpack, I->ndbuffer_to_dlpack(I, in->a, NULL, &ctx->err))
NN_CASE(from_dlpack_tensor, ndbuffer_from_dlpack, I->ndbuffer_from_dlpack(I, NULL, &out, &ctx->err))
NN_CASE(from_dlpack_out, ndbuffer_from_dlpack,
        I->ndbuffer_from_dlpack(I, &in->tensor.managed, NULL, &ctx->err))

typedef struct nn_case {
  const char *label;
  int (*call)(conform_ctx *ctx, nn_in *in);
  uint64_t caps;
} nn_case;

static const nn_case nn_cases[] = {
    {"create-null-out", nn_create_out, 0},
    {"empty-null-out", nn_empty_out, 0},
    {"create-null-shape", nn_create_shape, 0},
    {"create-null-dtype", nn_create_dtype, 0},
    {"astype-null-dtype", nn_astype_dtype, 0},
    {"empty-null-shape", nn_empty_shape, 0},
    {"reshape-null-shape", nn_reshape_shape, 0},
    {"from_host-null-out", nn_from_host_out, 0},
    {"wrap-null-out", nn_wrap_out, ZBUF_CAP_WRAP | ZBUF_CAP_HOST},
    {"from_buffer-null-buf", nn_from_buffer_buf, 0},
    {"from_buffer-null-out", nn_from_buffer_out, 0},
    {"info-null-a", nn_info_a, 0},
    {"info-null-out", nn_info_out, 0},
    {"to_bytes-null-a", nn_to_bytes_a, 0},
    {"to_bytes-null-dst", nn_to_bytes_dst, 0},
    {"to_host-null-a", nn_to_host_a, 0},
    {"to_host-null-out", nn_to_host_out, 0},
    {"to_device-null-a", nn_to_device_a, ZBUF_CAP_HOST},
    {"to_device-null-out", nn_to_device_out, ZBUF_CAP_HOST},
    {"as_scalar-null-a", nn_as_scalar_a, 0},
    {"as_scalar-null-out", nn_as_scalar_out, 0},
    {"reshape-null-a", nn_reshape_a, 0},
    {"reshape-null-out", nn_reshape_out, 0},
    {"squeeze-null-a", nn_squeeze_a, 0},
    {"squeeze-null-out", nn_squeeze_out, 0},
    {"astype-null-a", nn_astype_a, 0},
    {"astype-null-out", nn_astype_out, 0},
    {"transpose-null-a", nn_transpose_a, 0},
    {"transpose-null-out", nn_transpose_out, 0},
    {"get_item-null-a", nn_get_item_a, 0},
    {"get_item-null-out", nn_get_item_out, 0},
    {"set_item-null-dst", nn_set_item_dst, 0},
    {"set_item-null-value", nn_set_item_value, 0},
    {"set_item_scalar-null-dst", nn_set_item_scalar_dst, 0},
    {"set_item_scalar-null-value", nn_set_item_scalar_value, 0},
    {"fill-null-dst", nn_fill_dst, 0},
    {"fill-null-value", nn_fill_value, 0},
    {"copy-null-a", nn_copy_a, 0},
    {"copy-null-out", nn_copy_out, 0},
    {"all_equal_scalar-null-a", nn_all_equal_scalar_a, 0},
    {"all_equal_scalar-null-result", nn_all_equal_scalar_result, 0},
    {"all_equal-null-a", nn_all_equal_a, 0},
    {"all_equal-null-b", nn_all_equal_b, 0},
    {"all_equal-null-result", nn_all_equal_result, 0},
    {"to_dlpack-null-a", nn_to_dlpack_a, ZBUF_CAP_DLPACK},
    {"to_dlpack-null-out", nn_to_dlpack_out, ZBUF_CAP_DLPACK},
    {"from_dlpack-null-tensor", nn_from_dlpack_tensor, ZBUF_CAP_DLPACK},
    {"from_dlpack-null-out", nn_from_dlpack_out, ZBUF_CAP_DLPACK | ZBUF_CAP_HOST},
};

static void nn_run(conform_ctx *ctx) {
  const nn_case *c = ctx->data;
  const zbuf_impl *I = ctx->impl;
  static nn_in in; /* the tensor must outlive a failed test (see faults_nd.c) */
  memset(&in, 0, sizeof in);
  static const int32_t arange[6] = {0, 1, 2, 3, 4, 5};
  memcpy(in.host, arange, sizeof in.host);
  mp_tensor_init(&in.tensor, ctx->host, in.host, 0, 2, nn_shape, NULL);
  atomic_store(&nn_released, 0);
  in.equal = 42;
  in.a = conform_nd_from_host(ctx, ctx->nd_dev, arange, 2, nn_shape, mp_i4());
  in.buf = conform_buffer_from_bytes(ctx, ctx->dev, arange, sizeof arange);
  ep_nd_snap sa = ep_nd_take(ctx, in.a);
  ep_buf_snap sb = ep_buf_take(ctx, in.buf);
  /* A NULL dtype string may also be read as no dtype at all: ETYPE. */
  unsigned mask = EP_M(EINVAL) | (strstr(c->label, "null-dtype") ? EP_M(ETYPE) : 0u);
  EP_FAILS(ctx, mask, c->call(ctx, &in));
  ep_nd_same(ctx, &sa, in.a, "the array");
  ep_buf_same(ctx, &sb, in.buf, "the Buffer");
  CONFORM_ASSERT_MEM_EQ(ctx, arange, in.host, sizeof arange);
  CONFORM_ASSERT_INT_EQ(ctx, 42, in.equal);
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&nn_released));
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&in.tensor.deleted));
  I->buffer_release(I, in.buf);
  I->ndbuffer_release(I, in.a);
}

/* A NULL value for all_equal_scalar: Zarr-Python's all_equal with a None fill value answers false; through
 * the ABI an implementation may instead refuse the NULL with EINVAL. It must never answer true. */
CONFORM_TEST("ND-ERR-025", "all_equal_scalar-null-value", ZBUF_CAP_ND, nd_err_025_null_value_is_not_true) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_all_equal_scalar);
  const int32_t zeros[6] = {0};
  zbuf_impl_ndbuffer *a = conform_nd_from_host(ctx, ctx->nd_dev, zeros, 2, nn_shape, mp_i4());
  for (int equal_nan = 0; equal_nan < 2; equal_nan++) {
    int eq = 42;
    zbuf_error e;
    conform_error_reset(&e);
    int st = I->ndbuffer_all_equal_scalar(I, a, NULL, equal_nan, &eq, &e);
    if (st == ZBUF_EINVAL) {
      conform_note(ctx, "a NULL value is refused (EINVAL)");
      CONFORM_ASSERT_INT_EQ(ctx, 42, eq);
      continue;
    }
    if (st != ZBUF_OK)
      conform_fail(ctx, "all_equal_scalar(a, NULL): expected OK (false) or EINVAL, seen %s: %s",
                   conform_status_name(st), e.message);
    CONFORM_ASSERT_INT_EQ(ctx, 0, eq);
  }
  I->ndbuffer_release(I, a);
}

CONFORM_REGISTRAR(nn_register) {
  for (size_t i = 0; i < sizeof nn_cases / sizeof nn_cases[0]; i++)
    conform_register("ND-ERR-025", nn_cases[i].label, ZBUF_CAP_ND | nn_cases[i].caps, nn_run, &nn_cases[i],
                     __FILE__, __LINE__);
}

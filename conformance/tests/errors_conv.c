/* zbuf conformance: the ERR clauses of conversions between memory kinds, DLPack exchange and the default
 * prototype (CONV-ERR-*, PROTO-ERR-*). Same pattern as errors.c: one misuse per test, the status class and
 * message checked, *out still NULL, inputs and the allocation probe unchanged.
 *
 * Devices that must be refused (an absent ordinal, an unknown type) are built by hand here and never named in
 * a variant, because the harness would then check them before the body and SKIP the very case under test. */
#include "errprobe.h"
#include "memprobe.h"

static const char *const conv_kind_names[3] = {"cpu", "cuda_host", "cuda"};
static const DLDevice conv_kinds[3] = {{kDLCPU, 0}, {kDLCUDAHost, 0}, {kDLCUDA, 0}};

/* The kind named after "to-" in the label. */
static DLDevice conv_target(conform_ctx *ctx) {
  for (int i = 0; i < 3; i++)
    if (strcmp(ctx->label + 3, conv_kind_names[i]) == 0) return conv_kinds[i];
  conform_unresolved(ctx, "variant label %s names no memory kind", ctx->label);
}

/* ---- CONV-ERR-001: unsupported device pair ---- */

CONFORM_TEST_VARIANTS("CONV-ERR-001", "to-cpu,to-cuda_host,to-cuda", ZBUF_CAP_HOST,
                      conv_err_001_unsupported_pair) {
  /* The source lives in the prototype's kind; the pair is unsupported when the implementation answers
   * device_check of the target with EUNSUPPORTED. */
  const zbuf_impl *I = ctx->impl;
  DLDevice to = conv_target(ctx);
  zbuf_error e;
  int chk = I->device_check(I, to, &e);
  if (chk != ZBUF_EUNSUPPORTED)
    conform_skip(ctx, "device_check(%s) is %s: the pair %s->%s is not declared unsupported", ctx->label + 3,
                 conform_status_name(chk), conform_device_name(ctx->dev), ctx->label + 3);
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  unsigned char pat[32];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 201), *out = NULL;
  ep_buf_snap sb = ep_buf_take(ctx, b);
  EP_FAILS(ctx, EP_M(EUNSUPPORTED), I->buffer_from_buffer(I, to, b, &out, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  ep_buf_same(ctx, &sb, b, "the source");
  I->buffer_release(I, b);
  if ((I->capabilities & ZBUF_CAP_ND) && CONFORM_HAS_OP(I, ndbuffer_to_device)) {
    const int64_t shape[2] = {3, 4};
    zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape), *nout = NULL;
    ep_nd_snap sa = ep_nd_take(ctx, a);
    EP_FAILS(ctx, EP_M(EUNSUPPORTED), I->ndbuffer_to_device(I, a, to, &nout, &ctx->err));
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, nout);
    ep_nd_same(ctx, &sa, a, "the source array");
    I->ndbuffer_release(I, a);
  }
}

/* ---- CONV-ERR-002: device not present ---- */

CONFORM_TEST_VARIANTS("CONV-ERR-002", "ordinal999@cpu,no-gpu@cpu", ZBUF_CAP_HOST, conv_err_002_no_device) {
  const zbuf_impl *I = ctx->impl;
  /* An implementation without the cuda kind answers EUNSUPPORTED instead (CONV-ERR-001). */
  conform_need_caps(ctx, ZBUF_CAP_CUDA);
  DLDevice gone = {kDLCUDA, 999};
  if (strcmp(ctx->label, "no-gpu") == 0) {
    zbuf_error e;
    gone.device_id = 0;
    int chk = I->device_check(I, gone, &e);
    if (chk == ZBUF_OK) conform_skip(ctx, "cuda:0 is present on this machine");
  }
  unsigned char pat[16];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->host, pat, sizeof pat, 202), *out = NULL;
  ep_buf_snap sb = ep_buf_take(ctx, b);
  EP_FAILS(ctx, EP_M(ENODEV), I->buffer_from_bytes(I, gone, pat, sizeof pat, &out, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  CONFORM_NEED_OP(ctx, buffer_from_buffer);
  EP_FAILS(ctx, EP_M(ENODEV), I->buffer_from_buffer(I, gone, b, &out, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  ep_buf_same(ctx, &sb, b, "the source");
  I->buffer_release(I, b);
  if (!(I->capabilities & ZBUF_CAP_ND)) return;
  const int64_t shape[2] = {2, 3};
  zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->host, 2, shape), *nout = NULL;
  ep_nd_snap sa = ep_nd_take(ctx, a);
  CONFORM_NEED_OP(ctx, ndbuffer_create);
  EP_FAILS(ctx, EP_M(ENODEV),
           I->ndbuffer_create(I, gone, 2, shape, mp_i4(), ZBUF_ORDER_C, NULL, &nout, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, nout);
  CONFORM_NEED_OP(ctx, ndbuffer_to_device);
  EP_FAILS(ctx, EP_M(ENODEV), I->ndbuffer_to_device(I, a, gone, &nout, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, nout);
  ep_nd_same(ctx, &sa, a, "the source array");
  I->ndbuffer_release(I, a);
}

/* ---- CONV-ERR-003: unknown device type ---- */

#define CONV_ERR_003_OPS(t)                                                                            \
  "from_bytes-" t ",create_zero_length-" t ",wrap-" t ",from_buffer-" t ",nd_create-" t ",nd_empty-" t \
  ",nd_from_host-" t ",nd_wrap-" t ",to_device-" t

CONFORM_TEST_VARIANTS("CONV-ERR-003", CONV_ERR_003_OPS("type99") "," CONV_ERR_003_OPS("vulkan"),
                      ZBUF_CAP_HOST, conv_err_003_unknown_device_type) {
  const zbuf_impl *I = ctx->impl;
  const char *l = ctx->label;
  DLDevice bad = {strstr(l, "vulkan") ? kDLVulkan : (DLDeviceType)99, 0};
  const int64_t shape[2] = {2, 3};
  int32_t host[6] = {0, 1, 2, 3, 4, 5};
  unsigned char pat[16];
  zbuf_impl_buffer *b = mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 203), *out = NULL;
  zbuf_impl_ndbuffer *nout = NULL;
  ep_buf_snap sb = ep_buf_take(ctx, b);
  if (strncmp(l, "nd_", 3) == 0 || strncmp(l, "to_device", 9) == 0) conform_need_caps(ctx, ZBUF_CAP_ND);
  if (strstr(l, "wrap")) conform_need_caps(ctx, ZBUF_CAP_WRAP);
  if (strncmp(l, "from_bytes", 10) == 0) {
    EP_FAILS(ctx, EP_M(ETYPE), I->buffer_from_bytes(I, bad, pat, sizeof pat, &out, &ctx->err));
  } else if (strncmp(l, "create_zero_length", 18) == 0) {
    CONFORM_NEED_OP(ctx, buffer_create_zero_length);
    EP_FAILS(ctx, EP_M(ETYPE), I->buffer_create_zero_length(I, bad, &out, &ctx->err));
  } else if (strncmp(l, "wrap", 4) == 0) {
    CONFORM_NEED_OP(ctx, buffer_wrap);
    EP_FAILS(ctx, EP_M(ETYPE), I->buffer_wrap(I, bad, host, sizeof host, NULL, NULL, &out, &ctx->err));
  } else if (strncmp(l, "from_buffer", 11) == 0) {
    CONFORM_NEED_OP(ctx, buffer_from_buffer);
    EP_FAILS(ctx, EP_M(ETYPE), I->buffer_from_buffer(I, bad, b, &out, &ctx->err));
  } else if (strncmp(l, "nd_create", 9) == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_create);
    EP_FAILS(ctx, EP_M(ETYPE),
             I->ndbuffer_create(I, bad, 2, shape, mp_i4(), ZBUF_ORDER_C, NULL, &nout, &ctx->err));
  } else if (strncmp(l, "nd_empty", 8) == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_empty);
    EP_FAILS(ctx, EP_M(ETYPE),
             I->ndbuffer_empty(I, bad, 2, shape, mp_i4(), ZBUF_ORDER_C, &nout, &ctx->err));
  } else if (strncmp(l, "nd_from_host", 12) == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_from_host);
    EP_FAILS(ctx, EP_M(ETYPE),
             I->ndbuffer_from_host(I, bad, host, 2, shape, NULL, mp_i4(), &nout, &ctx->err));
  } else if (strncmp(l, "nd_wrap", 7) == 0) {
    CONFORM_NEED_OP(ctx, ndbuffer_wrap);
    EP_FAILS(ctx, EP_M(ETYPE),
             I->ndbuffer_wrap(I, bad, host, 2, shape, NULL, mp_i4(), NULL, NULL, &nout, &ctx->err));
  } else {
    CONFORM_NEED_OP(ctx, ndbuffer_to_device);
    zbuf_impl_ndbuffer *a = mp_nd_arange(ctx, ctx->nd_dev, 2, shape);
    ep_nd_snap sa = ep_nd_take(ctx, a);
    EP_FAILS(ctx, EP_M(ETYPE), I->ndbuffer_to_device(I, a, bad, &nout, &ctx->err));
    ep_nd_same(ctx, &sa, a, "the source array");
    I->ndbuffer_release(I, a);
  }
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, nout);
  ep_buf_same(ctx, &sb, b, "the buffer");
  I->buffer_release(I, b);
}

/* ---- CONV-ERR-004: DLPack export that cannot be expressed ---- */

CONFORM_TEST_VARIANTS("CONV-ERR-004", EP_KINDS("byteswapped") ",stride12@cpu,stride12-axis1@cpu",
                      ZBUF_CAP_HOST | ZBUF_CAP_ND | ZBUF_CAP_DLPACK, conv_err_004_export_inexpressible) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_dlpack);
  const int64_t shape[1] = {4};
  /* stride12-axis1: a (2, 2) array whose first axis is fine (24 bytes, 3 doubles) and whose second is not. */
  const int64_t shape22[2] = {2, 2}, strides22[2] = {24, 12};
  const int axis1 = strcmp(ctx->label, "stride12-axis1") == 0;
  /* Doubles in the other byte order, or doubles 12 bytes apart in a host block the test owns. */
  double mem[6] = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
  const uint16_t one = 1;
  unsigned char little;
  memcpy(&little, &one, 1);
  zbuf_impl_ndbuffer *a = NULL;
  if (strcmp(ctx->label, "byteswapped") == 0) {
    unsigned char raw[32];
    conform_fill_pattern(raw, sizeof raw, 204);
    a = conform_nd_from_host(ctx, ctx->nd_dev, raw, 1, shape, little ? ">f8" : "<f8");
  } else {
    conform_need_caps(ctx, ZBUF_CAP_WRAP);
    CONFORM_NEED_OP(ctx, ndbuffer_wrap);
    const int64_t strides[1] = {12};
    CONFORM_SETUP(ctx, I->ndbuffer_wrap(I, ctx->host, mem, axis1 ? 2 : 1, axis1 ? shape22 : shape,
                                        axis1 ? strides22 : strides, little ? "<f8" : ">f8", NULL, NULL, &a,
                                        &ctx->err));
  }
  ep_nd_snap sa = ep_nd_take(ctx, a);
  DLManagedTensor *t = NULL;
  EP_FAILS(ctx, EP_M(EUNSUPPORTED), I->ndbuffer_to_dlpack(I, a, &t, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, t);
  ep_nd_same(ctx, &sa, a, "the array");
  I->ndbuffer_release(I, a);
}

/* ---- CONV-ERR-005 / 006: DLPack imports that must be refused ---- */

/* Builds a 1-d tensor of 4 int32 over host memory and changes what the label says; from_dlpack must fail
 * with want, leave the tensor to the caller (deleter not called) and return no array. */
static void conv_import_refused(conform_ctx *ctx, DLDevice dev, zbuf_status want) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  static int32_t mem[16];
  const int64_t shape[1] = {4};
  mp_tensor t;
  mp_tensor_init(&t, dev, mem, 0, 1, shape, NULL);
  DLDataType *dt = &t.managed.dl_tensor.dtype;
  const char *l = ctx->label;
  if (strcmp(l, "opaque") == 0) dt->code = kDLOpaqueHandle;
  if (strcmp(l, "code99") == 0) dt->code = 99;
  if (strcmp(l, "float24") == 0) *dt = (DLDataType){kDLFloat, 24, 1};
  if (strcmp(l, "int128") == 0) *dt = (DLDataType){kDLInt, 128, 1};
  if (strcmp(l, "lanes4") == 0) dt->lanes = 4;
  if (strcmp(l, "lanes0") == 0) dt->lanes = 0;
  mp_tensor before = t;
  zbuf_impl_ndbuffer *out = NULL;
  EP_FAILS(ctx, CONFORM_MASK(want), I->ndbuffer_from_dlpack(I, &t.managed, &out, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&t.deleted));
  /* Still the caller's, and as the caller left it. */
  CONFORM_ASSERT(ctx, memcmp(&before.managed, &t.managed, sizeof t.managed) == 0);
}

CONFORM_TEST_VARIANTS("CONV-ERR-005", "opaque,code99,float24,int128,lanes4,lanes0",
                      ZBUF_CAP_HOST | ZBUF_CAP_ND | ZBUF_CAP_DLPACK, conv_err_005_import_bad_dtype) {
  conv_import_refused(ctx, ctx->host, ZBUF_ETYPE);
}

CONFORM_TEST_VARIANTS("CONV-ERR-006", "opencl,type99", ZBUF_CAP_HOST | ZBUF_CAP_ND | ZBUF_CAP_DLPACK,
                      conv_err_006_import_unknown_device) {
  DLDevice dev = {strcmp(ctx->label, "opencl") == 0 ? kDLOpenCL : (DLDeviceType)99, 0};
  conv_import_refused(ctx, dev, ZBUF_EUNSUPPORTED);
}

/* ---- CONV-ERR-008: DLPack tensors that describe no valid array ---- */

/* A 1-d tensor of 2 int32 over host memory, broken as the label says: a negative ndim, 65 axes, a negative
 * extent, a NULL shape, NULL data for a non-empty tensor, a byte_offset beyond INT64_MAX, strides whose byte
 * size overflows int64, strides that reach below address 0. from_dlpack must fail with EINVAL, return no
 * array and leave the tensor to the caller. */
CONFORM_TEST_VARIANTS("CONV-ERR-008",
                      "neg-ndim,ndim65,neg-extent,null-shape,null-data,huge-byte-offset,overflowing-strides,"
                      "below-address-zero",
                      ZBUF_CAP_HOST | ZBUF_CAP_ND | ZBUF_CAP_DLPACK, conv_err_008_import_malformed) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_dlpack);
  static int32_t mem[4];
  static int64_t shape65[65];
  static mp_tensor t; /* static: a wrongly accepted tensor may stay referenced after a failed test */
  const int64_t shape[1] = {2};
  mp_tensor_init(&t, ctx->host, mem, 0, 1, shape, NULL);
  DLTensor *dl = &t.managed.dl_tensor;
  const char *l = ctx->label;
  if (strcmp(l, "neg-ndim") == 0) dl->ndim = -1;
  if (strcmp(l, "ndim65") == 0) {
    for (int i = 0; i < 65; i++) shape65[i] = 1;
    dl->ndim = 65;
    dl->shape = shape65;
  }
  if (strcmp(l, "neg-extent") == 0) t.shape[0] = -2;
  if (strcmp(l, "null-shape") == 0) dl->shape = NULL;
  if (strcmp(l, "null-data") == 0) dl->data = NULL;
  if (strcmp(l, "huge-byte-offset") == 0) dl->byte_offset = (uint64_t)INT64_MAX + 1;
  if (strcmp(l, "overflowing-strides") == 0) {
    t.strides[0] = INT64_MAX / 2;
    dl->strides = t.strides;
  }
  if (strcmp(l, "below-address-zero") == 0) {
    t.strides[0] = -(INT64_C(1) << 61); /* elements: 2^63 bytes below the first */
    dl->strides = t.strides;
  }
  mp_tensor before = t;
  zbuf_impl_ndbuffer *out = NULL;
  EP_FAILS(ctx, EP_M(EINVAL), I->ndbuffer_from_dlpack(I, &t.managed, &out, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
  CONFORM_ASSERT_INT_EQ(ctx, 0, atomic_load(&t.deleted));
  CONFORM_ASSERT(ctx, memcmp(&before.managed, &t.managed, sizeof t.managed) == 0);
}

/* ---- CONV-ERR-007: device allocation failure ---- */

CONFORM_TEST_VARIANTS(
    "CONV-ERR-007", "upload@cpu->cuda,download@cuda->cpu,upload@cpu->cuda_host,create@cuda,create@cuda_host",
    ZBUF_CAP_HOST | ZBUF_CAP_FAULT_INJECTION, conv_err_007_device_allocation_failure) {
  /* Only pinned and device allocations are failed: a conversion's handles are BUF-ERR-011's business. */
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, testing_fail_allocation);
  const int create = strcmp(ctx->label, "create") == 0;
  if (create) conform_need_caps(ctx, ZBUF_CAP_ND);
  unsigned char pat[4096];
  zbuf_impl_buffer *src = create ? NULL : mp_buf_pattern(ctx, ctx->dev, pat, sizeof pat, 207);
  ep_buf_snap ss;
  if (src) ss = ep_buf_take(ctx, src);
  const int64_t shape[2] = {16, 16};
  for (int64_t k = 1; k <= 64; k++) {
    conform_leak_probe probe;
    conform_leak_begin(ctx, &probe);
    zbuf_error e;
    conform_error_reset(&e);
    zbuf_impl_buffer *out = NULL;
    zbuf_impl_ndbuffer *nout = NULL;
    I->testing_fail_allocation(I, k, ZBUF_ALLOC_PINNED | ZBUF_ALLOC_DEVICE);
    int st = create ? I->ndbuffer_create(I, ctx->dev, 2, shape, mp_i4(), ZBUF_ORDER_C, NULL, &nout, &e)
                    : I->buffer_from_buffer(I, ctx->dev2, src, &out, &e);
    I->testing_fail_allocation(I, 0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      if (k == 1) conform_note(ctx, "the call made no pinned or device allocation that could be failed");
      I->buffer_release(I, out);
      I->ndbuffer_release(I, nout);
      break;
    }
    if (st != ZBUF_ENOMEM || (int)e.code != st || !e.message[0])
      conform_fail(
          ctx, "device allocation %lld failing: expected ENOMEM with a message, seen %s (code %d, \"%s\")",
          (long long)k, conform_status_name(st), (int)e.code, e.message);
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
    CONFORM_ASSERT_PTR_EQ(ctx, NULL, nout);
    conform_leak_check(ctx, &probe, "the call that failed with ENOMEM");
    if (src) {
      ep_buf_same(ctx, &ss, src, "the source");
      ss = ep_buf_take(ctx, src);
    }
    if (k == 64) conform_fail(ctx, "still failing with its 64th device allocation failing");
  }
  if (src) {
    ep_buf_same(ctx, &ss, src, "the source");
    I->buffer_release(I, src);
  }
}

/* ---- PROTO-ERR ---- */

static int proto_equal(zbuf_impl_prototype a, zbuf_impl_prototype b) {
  return conform_device_equal(a.buffer, b.buffer) && conform_device_equal(a.nd_buffer, b.nd_buffer);
}

CONFORM_TEST_VARIANTS("PROTO-ERR-001", "type0,type99,nd-type99,buffer-type0", 0,
                      proto_err_001_invalid_prototype) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  zbuf_impl_prototype before, after, bad;
  CONFORM_SETUP(ctx, I->default_prototype(I, &before, &ctx->err));
  const DLDevice t0 = {(DLDeviceType)0, 0}, t99 = {(DLDeviceType)99, 0};
  bad = before;
  if (strcmp(ctx->label, "type0") == 0) bad.buffer = bad.nd_buffer = t0;
  if (strcmp(ctx->label, "type99") == 0) bad.buffer = bad.nd_buffer = t99;
  /* Half-valid prototypes: a setter that installs the valid half before checking the other fails here. */
  if (strcmp(ctx->label, "nd-type99") == 0) bad.nd_buffer = t99;
  if (strcmp(ctx->label, "buffer-type0") == 0) bad.buffer = t0;
  EP_FAILS(ctx, EP_M(ETYPE), I->set_default_prototype(I, &bad, &ctx->err));
  CONFORM_SETUP(ctx, I->default_prototype(I, &after, &ctx->err));
  if (!proto_equal(before, after))
    conform_fail(ctx, "default prototype changed by the failed call: {%s, %s} -> {%s, %s}",
                 conform_device_name(before.buffer), conform_device_name(before.nd_buffer),
                 conform_device_name(after.buffer), conform_device_name(after.nd_buffer));
}

/* NULL instead of a prototype, or of the place to write one: EINVAL, and the default unchanged. */
CONFORM_TEST_VARIANTS("PROTO-ERR-001", "null-prototype,null-out", 0, proto_err_001_null_pointers) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  zbuf_impl_prototype before, after;
  CONFORM_SETUP(ctx, I->default_prototype(I, &before, &ctx->err));
  if (strcmp(ctx->label, "null-prototype") == 0)
    EP_FAILS(ctx, EP_M(EINVAL), I->set_default_prototype(I, NULL, &ctx->err));
  else
    EP_FAILS(ctx, EP_M(EINVAL), I->default_prototype(I, NULL, &ctx->err));
  CONFORM_SETUP(ctx, I->default_prototype(I, &after, &ctx->err));
  CONFORM_ASSERT(ctx, proto_equal(before, after));
}

CONFORM_TEST("PROTO-ERR-002", "no-gpu@cpu", ZBUF_CAP_HOST, proto_err_002_gpu_prototype_without_gpu) {
  const zbuf_impl *I = ctx->impl;
  conform_need_caps(ctx, ZBUF_CAP_CUDA);
  CONFORM_NEED_OP(ctx, default_prototype);
  CONFORM_NEED_OP(ctx, set_default_prototype);
  const DLDevice gpu = {kDLCUDA, 0};
  zbuf_error e;
  if (I->device_check(I, gpu, &e) == ZBUF_OK) conform_skip(ctx, "a GPU is present");
  const zbuf_impl_prototype p = {gpu, gpu};
  zbuf_impl_prototype seen;
  CONFORM_OK(ctx, I->set_default_prototype(I, &p, &ctx->err));
  CONFORM_OK(ctx, I->default_prototype(I, &seen, &ctx->err));
  CONFORM_ASSERT(ctx, proto_equal(p, seen));
  unsigned char pat[8] = {0};
  zbuf_impl_buffer *out = NULL;
  CONFORM_STATUS(ctx, ZBUF_ENODEV, I->buffer_from_bytes(I, seen.buffer, pat, sizeof pat, &out, &ctx->err));
  CONFORM_ASSERT_PTR_EQ(ctx, NULL, out);
}

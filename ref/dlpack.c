/* zbuf reference: zero-copy exchange of NDBuffers as DLPack managed tensors (DLPack 0.6 and later). */
#include <string.h>

#include "zbuf/dlpack.h"

#include "ndbuffer_internal.h"

/* ---- dtypes ---- */

DLDataType zbuf_dlpack_dtype(zbuf_dtype_kind kind) {
  DLDataType t = {kDLInt, 0, 1};
  switch (kind) {
    case ZBUF_BOOL:
      t.code = ZBUF_DLPACK_BOOL_CODE;
      t.bits = 8;
      break;
    case ZBUF_INT8:
      t.code = kDLInt;
      t.bits = 8;
      break;
    case ZBUF_INT16:
      t.code = kDLInt;
      t.bits = 16;
      break;
    case ZBUF_INT32:
      t.code = kDLInt;
      t.bits = 32;
      break;
    case ZBUF_INT64:
      t.code = kDLInt;
      t.bits = 64;
      break;
    case ZBUF_UINT8:
      t.code = kDLUInt;
      t.bits = 8;
      break;
    case ZBUF_UINT16:
      t.code = kDLUInt;
      t.bits = 16;
      break;
    case ZBUF_UINT32:
      t.code = kDLUInt;
      t.bits = 32;
      break;
    case ZBUF_UINT64:
      t.code = kDLUInt;
      t.bits = 64;
      break;
    case ZBUF_FLOAT16:
      t.code = kDLFloat;
      t.bits = 16;
      break;
    case ZBUF_FLOAT32:
      t.code = kDLFloat;
      t.bits = 32;
      break;
    case ZBUF_FLOAT64:
      t.code = kDLFloat;
      t.bits = 64;
      break;
    case ZBUF_COMPLEX64:
      t.code = kDLComplex;
      t.bits = 64;
      break;
    case ZBUF_COMPLEX128:
      t.code = kDLComplex;
      t.bits = 128;
      break;
    default: t.lanes = 0; break; /* bits 0, lanes 0: no such type */
  }
  return t;
}

static zbuf_status kind_of(DLDataType t, zbuf_dtype_kind *out, zbuf_error *err) {
  if (t.lanes != 1)
    return zbuf_error_set(err, ZBUF_ETYPE,
                          "tensor dtype has lanes = %u; only scalar elements (lanes 1) are "
                          "supported",
                          (unsigned)t.lanes);
  for (int k = 0; k < ZBUF_DTYPE_KIND_COUNT; k++) {
    DLDataType c = zbuf_dlpack_dtype((zbuf_dtype_kind)k);
    if (c.code == t.code && c.bits == t.bits) {
      *out = (zbuf_dtype_kind)k;
      return ZBUF_OK;
    }
  }
  return zbuf_error_set(err, ZBUF_ETYPE, "tensor dtype (code %u, bits %u) has no zbuf equivalent",
                        (unsigned)t.code, (unsigned)t.bits);
}

/* ---- export ---- */

/* What an exported tensor owns: its shape and strides arrays and one reference on the memory block. The
 * DLManagedTensor is the first member, so manager_ctx and the tensor are the same allocation. */
typedef struct export_ctx {
  DLManagedTensor tensor;
  zbuf__block *block;
  int64_t shape[ZBUF_MAX_NDIM];
  int64_t strides[ZBUF_MAX_NDIM];
} export_ctx;

static void export_deleter(DLManagedTensor *self) {
  if (self == NULL) return;
  export_ctx *ctx = self->manager_ctx;
  zbuf__block_release(ctx->block);
  zbuf__free(ctx);
  zbuf__stats_add(0, 0, -1);
}

zbuf_status zbuf_ndbuffer_to_dlpack(const zbuf_ndbuffer *a, DLManagedTensor **out, zbuf_error *err) {
  if (a == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "a is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  size_t itemsize = zbuf_dtype_itemsize(a->dtype);
  /* DLPack has no byte order: its elements are in the machine's own. */
  if (itemsize > 1 && !zbuf_dtype_is_native(a->dtype)) {
    char name[8];
    return zbuf_error_set(err, ZBUF_EUNSUPPORTED,
                          "dtype %s is not in native byte order; DLPack cannot describe it",
                          zbuf_dtype_str(a->dtype, name));
  }
  for (size_t i = 0; i < a->ndim; i++)
    if (a->strides[i] % (int64_t)itemsize != 0)
      return zbuf_error_set(
          err, ZBUF_EUNSUPPORTED,
          "strides[%zu] = %lld bytes is not a multiple of the itemsize %zu; DLPack counts strides "
          "in elements",
          i, (long long)a->strides[i], itemsize);
  export_ctx *ctx = zbuf__malloc(sizeof *ctx);
  if (ctx == NULL) return zbuf_error_set(err, ZBUF_ENOMEM, "cannot allocate a DLPack tensor");
  memset(ctx, 0, sizeof *ctx);
  zbuf__stats_add(0, 0, 1);
  ctx->block = zbuf__block_retain(a->block);
  for (size_t i = 0; i < a->ndim; i++) {
    ctx->shape[i] = a->shape[i];
    ctx->strides[i] = a->strides[i] / (int64_t)itemsize;
  }
  DLTensor *t = &ctx->tensor.dl_tensor;
  t->data = zbuf__ndbuffer_view(a).data;
  t->device.device_type = (DLDeviceType)a->block->device.type;
  t->device.device_id = a->block->device.id;
  t->ndim = (int)a->ndim;
  t->dtype = zbuf_dlpack_dtype(a->dtype.kind);
  t->shape = ctx->shape;
  t->strides = ctx->strides;
  t->byte_offset = 0;
  ctx->tensor.manager_ctx = ctx;
  ctx->tensor.deleter = export_deleter;
  *out = &ctx->tensor;
  return ZBUF_OK;
}

/* ---- import ---- */

/* Release callback of a block that wraps an imported tensor: hands the tensor back to its producer. */
static void import_release(void *data, void *ctx) {
  (void)data;
  DLManagedTensor *t = ctx;
  if (t->deleter != NULL) t->deleter(t);
}

zbuf_status zbuf_ndbuffer_from_dlpack(DLManagedTensor *tensor, zbuf_ndbuffer **out, zbuf_error *err) {
  if (tensor == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "tensor is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  const DLTensor *t = &tensor->dl_tensor;
  zbuf_device device = {(zbuf_device_type)t->device.device_type, t->device.device_id};
  if (t->device.device_type != kDLCPU && t->device.device_type != kDLCUDA &&
      t->device.device_type != kDLCUDAHost)
    return zbuf_error_set(err, ZBUF_EUNSUPPORTED,
                          "tensor device_type = %d is not cpu (1), cuda (2) or "
                          "cuda_host (3)",
                          (int)t->device.device_type);
  zbuf_dtype_kind kind = ZBUF_BOOL;
  ZBUF_RETURN_NOT_OK(kind_of(t->dtype, &kind, err));
  if (t->ndim < 0 || t->ndim > ZBUF_MAX_NDIM)
    return zbuf_error_set(err, ZBUF_EINVAL, "tensor ndim = %d must be in [0, %d]", t->ndim, ZBUF_MAX_NDIM);
  size_t ndim = (size_t)t->ndim;
  zbuf_dtype dtype = zbuf_dtype_native(kind);
  int64_t itemsize = (int64_t)zbuf_dtype_itemsize(dtype), nbytes;
  ZBUF_RETURN_NOT_OK(zbuf__checked_nbytes(ndim, t->shape, (size_t)itemsize, "tensor shape", &nbytes, err));

  zbuf__view v;
  memset(&v, 0, sizeof v);
  v.dtype = dtype;
  v.ndim = ndim;
  if (ndim > 0) memcpy(v.shape, t->shape, ndim * sizeof v.shape[0]);
  if (t->strides == NULL) {
    zbuf__contiguous_strides(ndim, v.shape, itemsize, ZBUF_ORDER_C, v.strides);
  } else {
    for (size_t i = 0; i < ndim; i++)
      if (__builtin_mul_overflow(t->strides[i], itemsize, &v.strides[i]))
        return zbuf_error_set(err, ZBUF_EINVAL, "tensor strides[%zu] = %lld overflows in bytes", i,
                              (long long)t->strides[i]);
  }
  int64_t lo = 0, hi = 0;
  if (nbytes > 0) {
    /* Byte range the elements reach, checked because a producer's strides may be anything. */
    int64_t l = 0, h = itemsize;
    for (size_t i = 0; i < ndim; i++) {
      int64_t reach;
      if (__builtin_mul_overflow(v.shape[i] - 1, v.strides[i], &reach) ||
          (reach < 0 ? __builtin_add_overflow(l, reach, &l) : __builtin_add_overflow(h, reach, &h)))
        return zbuf_error_set(err, ZBUF_EINVAL, "tensor strides[%zu] reach beyond the int64 byte range", i);
    }
    lo = l;
    hi = h;
    if (t->data == NULL)
      return zbuf_error_set(err, ZBUF_EINVAL, "tensor data is NULL for %lld bytes", (long long)nbytes);
  }
  /* Negative strides legitimately reach below data + byte_offset (DLPack's data points at element [0,...,0]
   * plus byte_offset), so only an offset that cannot be a byte count is refused. */
  if (t->byte_offset > (uint64_t)INT64_MAX)
    return zbuf_error_set(err, ZBUF_EINVAL, "tensor byte_offset = %llu exceeds INT64_MAX",
                          (unsigned long long)t->byte_offset);

  /* The block starts at the lowest byte the elements use; the handle comes first, so that a failure never
   * calls the tensor's deleter (ownership stays with the caller). */
  /* The addresses are computed as integers: a tensor whose elements would lie below address 0 or past the
   * end of the address space is refused, and no out-of-range pointer is ever formed. */
  char *start = NULL;
  if (nbytes > 0) {
    uintptr_t first, low, high;
    if (__builtin_add_overflow((uintptr_t)t->data, (uintptr_t)t->byte_offset, &first) ||
        __builtin_sub_overflow(first, (uintptr_t)0 - (uintptr_t)lo, &low) ||
        __builtin_add_overflow(first, (uintptr_t)hi, &high))
      return zbuf_error_set(err, ZBUF_EINVAL,
                            "tensor data + byte_offset %llu with its strides reach outside the address space",
                            (unsigned long long)t->byte_offset);
    start = (char *)low;
  }
  zbuf_ndbuffer *a;
  ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_handle_new(&a, err));
  zbuf_status st = zbuf__block_wrap(device, start, (size_t)(hi - lo), import_release, tensor, &a->block, err);
  if (st != ZBUF_OK) {
    zbuf_ndbuffer_release(a);
    return st;
  }
  a->offset = -lo;
  a->dtype = dtype;
  a->ndim = ndim;
  memcpy(a->shape, v.shape, ndim * sizeof v.shape[0]);
  memcpy(a->strides, v.strides, ndim * sizeof v.strides[0]);
  *out = a;
  return ZBUF_OK;
}

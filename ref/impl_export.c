/* zbuf reference: its table for the implementation ABI (zbuf/impl.h). Every operation forwards to the public
 * zbuf_* API; the ABI's opaque handles are the reference's own handles, cast, and dtypes cross as NumPy
 * strings. This is how the conformance harness and the benchmarks see the reference: through the same door as
 * any other implementation.
 *
 * Two instances: "cpu" (the default; zarr.buffer.cpu: host memory only, so its results do not depend on the
 * machine having a GPU) and "gpu" (zarr.buffer.gpu: CUDA device memory for both kinds, and every memory kind
 * the reference knows). */
#include <string.h>

#include "zbuf/dlpack.h"
#include "zbuf/impl.h"
#include "zbuf/zbuf.h"

#define BUF(x) ((zbuf_buffer *)(x))
#define CBUF(x) ((const zbuf_buffer *)(x))
#define ND(x) ((zbuf_ndbuffer *)(x))
#define CND(x) ((const zbuf_ndbuffer *)(x))

static zbuf_device dev_in(DLDevice d) {
  zbuf_device z;
  z.type = (zbuf_device_type)d.device_type;
  z.id = d.device_id;
  return z;
}

static DLDevice dev_out(zbuf_device z) {
  DLDevice d;
  d.device_type = (DLDeviceType)z.type;
  d.device_id = z.id;
  return d;
}

static zbuf_status dtype_in(const char *text, zbuf_dtype *out, zbuf_error *err) {
  return zbuf_dtype_parse(text, out, err);
}

/* ---- lifecycle and probes ---- */

static const zbuf_impl ref_cpu_table;

/* The cpu instance stands for zarr.buffer.cpu: it serves host memory only, whatever this build or machine
 * could do, so that its results (and its expectations file) are the same everywhere. Known device kinds it
 * does not claim are EUNSUPPORTED; unknown ones are left to the library (ETYPE). */
static zbuf_status instance_serves(const zbuf_impl *self, DLDevice device, zbuf_error *err) {
  if (self == &ref_cpu_table && (device.device_type == kDLCUDA || device.device_type == kDLCUDAHost))
    return zbuf_error_set(err, ZBUF_EUNSUPPORTED,
                          "device type %d: the ref:cpu instance serves host memory only (use ref:gpu)",
                          (int)device.device_type);
  return ZBUF_OK;
}

static zbuf_status ref_device_check(const zbuf_impl *self, DLDevice device, zbuf_error *err) {
  (void)self;
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_device_check(dev_in(device), err);
}

static zbuf_status ref_alloc_stats(const zbuf_impl *self, zbuf_alloc_stats *out, zbuf_error *err) {
  (void)self;
  if (!out) return zbuf_error_set(err, ZBUF_EINVAL, "out must not be NULL");
  *out = zbuf_alloc_stats_get();
  return ZBUF_OK;
}

static void ref_testing_fail_allocation(const zbuf_impl *self, int64_t k, unsigned mask) {
  (void)self;
  zbuf_testing_fail_allocation(k, mask);
}

/* ---- prototypes ---- */

static zbuf_status ref_default_prototype(const zbuf_impl *self, zbuf_impl_prototype *out, zbuf_error *err) {
  (void)self;
  if (!out) return zbuf_error_set(err, ZBUF_EINVAL, "out must not be NULL");
  zbuf_prototype p = zbuf_default_prototype();
  out->buffer = dev_out(p.buffer);
  out->nd_buffer = dev_out(p.nd_buffer);
  return ZBUF_OK;
}

static zbuf_status ref_set_default_prototype(const zbuf_impl *self, const zbuf_impl_prototype *prototype,
                                             zbuf_error *err) {
  (void)self;
  if (!prototype) return zbuf_error_set(err, ZBUF_EINVAL, "prototype must not be NULL");
  zbuf_prototype p;
  p.buffer = dev_in(prototype->buffer);
  p.nd_buffer = dev_in(prototype->nd_buffer);
  return zbuf_set_default_prototype(p, err);
}

/* ---- Buffer ---- */

static zbuf_status ref_buffer_create_zero_length(const zbuf_impl *self, DLDevice device,
                                                 zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self;
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_buffer_create_zero_length(dev_in(device), (zbuf_buffer **)out, err);
}

static zbuf_status ref_buffer_from_bytes(const zbuf_impl *self, DLDevice device, const void *data,
                                         size_t size, zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self;
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_buffer_from_bytes(dev_in(device), data, size, (zbuf_buffer **)out, err);
}

static zbuf_status ref_buffer_wrap(const zbuf_impl *self, DLDevice device, void *data, size_t size,
                                   zbuf_impl_release_fn release, void *ctx, zbuf_impl_buffer **out,
                                   zbuf_error *err) {
  (void)self;
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_buffer_wrap(dev_in(device), data, size, release, ctx, (zbuf_buffer **)out, err);
}

static zbuf_status ref_buffer_from_buffer(const zbuf_impl *self, DLDevice device, const zbuf_impl_buffer *src,
                                          zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self;
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_buffer_from_buffer(dev_in(device), CBUF(src), (zbuf_buffer **)out, err);
}

static zbuf_status ref_buffer_info(const zbuf_impl *self, const zbuf_impl_buffer *buf, void **data,
                                   size_t *length, DLDevice *device, zbuf_error *err) {
  (void)self;
  if (!buf) return zbuf_error_set(err, ZBUF_EINVAL, "buf must not be NULL");
  if (data) *data = zbuf_buffer_data(CBUF(buf));
  if (length) *length = zbuf_buffer_length(CBUF(buf));
  if (device) *device = dev_out(zbuf_buffer_device(CBUF(buf)));
  return ZBUF_OK;
}

static zbuf_status ref_buffer_to_bytes(const zbuf_impl *self, const zbuf_impl_buffer *buf, void *dst,
                                       size_t dst_size, zbuf_error *err) {
  (void)self;
  return zbuf_buffer_to_bytes(CBUF(buf), dst, dst_size, err);
}

static zbuf_status ref_buffer_to_host(const zbuf_impl *self, const zbuf_impl_buffer *buf,
                                      zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_buffer_to_host(CBUF(buf), (zbuf_buffer **)out, err);
}

static zbuf_status ref_buffer_slice(const zbuf_impl *self, const zbuf_impl_buffer *buf, zbuf_slice key,
                                    zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_buffer_slice(CBUF(buf), key, (zbuf_buffer **)out, err);
}

static zbuf_status ref_buffer_set_slice(const zbuf_impl *self, zbuf_impl_buffer *dst, zbuf_slice key,
                                        const zbuf_impl_buffer *value, zbuf_error *err) {
  (void)self;
  return zbuf_buffer_set_slice(BUF(dst), key, CBUF(value), err);
}

static zbuf_status ref_buffer_combine(const zbuf_impl *self, const zbuf_impl_buffer *const *parts, size_t n,
                                      zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_buffer_combine((const zbuf_buffer *const *)parts, n, (zbuf_buffer **)out, err);
}

static zbuf_status ref_buffer_equal(const zbuf_impl *self, const zbuf_impl_buffer *a,
                                    const zbuf_impl_buffer *b, int *equal, zbuf_error *err) {
  (void)self;
  return zbuf_buffer_equal(CBUF(a), CBUF(b), equal, err);
}

static zbuf_impl_buffer *ref_buffer_retain(const zbuf_impl *self, zbuf_impl_buffer *buf) {
  (void)self;
  return (zbuf_impl_buffer *)zbuf_buffer_retain(BUF(buf));
}

static void ref_buffer_release(const zbuf_impl *self, zbuf_impl_buffer *buf) {
  (void)self;
  zbuf_buffer_release(BUF(buf));
}

/* ---- NDBuffer ---- */

static zbuf_status ref_ndbuffer_create(const zbuf_impl *self, DLDevice device, size_t ndim,
                                       const int64_t *shape, const char *dtype, zbuf_order order,
                                       const void *fill_value, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  zbuf_dtype dt;
  ZBUF_RETURN_NOT_OK(dtype_in(dtype, &dt, err));
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_ndbuffer_create(dev_in(device), ndim, shape, dt, order, fill_value, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_empty(const zbuf_impl *self, DLDevice device, size_t ndim,
                                      const int64_t *shape, const char *dtype, zbuf_order order,
                                      zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  zbuf_dtype dt;
  ZBUF_RETURN_NOT_OK(dtype_in(dtype, &dt, err));
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_ndbuffer_empty(dev_in(device), ndim, shape, dt, order, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_from_host(const zbuf_impl *self, DLDevice device, const void *data,
                                          size_t ndim, const int64_t *shape, const int64_t *strides,
                                          const char *dtype, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  zbuf_dtype dt;
  ZBUF_RETURN_NOT_OK(dtype_in(dtype, &dt, err));
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_ndbuffer_from_host(dev_in(device), data, ndim, shape, strides, dt, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_info(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                     zbuf_impl_ndinfo *out, zbuf_error *err) {
  (void)self;
  if (!a) return zbuf_error_set(err, ZBUF_EINVAL, "a must not be NULL");
  if (!out) return zbuf_error_set(err, ZBUF_EINVAL, "out must not be NULL");
  zbuf_dtype_str(zbuf_ndbuffer_dtype(CND(a)), out->dtype);
  out->ndim = (int32_t)zbuf_ndbuffer_ndim(CND(a));
  out->shape = zbuf_ndbuffer_shape(CND(a));
  out->strides = zbuf_ndbuffer_strides(CND(a));
  out->data = zbuf_ndbuffer_data(CND(a));
  out->device = dev_out(zbuf_ndbuffer_device(CND(a)));
  return ZBUF_OK;
}

static zbuf_status ref_ndbuffer_to_bytes(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, void *dst,
                                         size_t dst_size, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_to_bytes(CND(a), dst, dst_size, err);
}

static zbuf_status ref_ndbuffer_to_host(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                        zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_to_host(CND(a), (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_to_device(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, DLDevice device,
                                          zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_ndbuffer_to_device(CND(a), dev_in(device), (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_as_scalar(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, void *out,
                                          size_t out_size, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_as_scalar(CND(a), out, out_size, err);
}

static zbuf_status ref_ndbuffer_reshape(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t ndim,
                                        const int64_t *shape, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_reshape(CND(a), ndim, shape, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_squeeze(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t naxes,
                                        const int64_t *axes, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_squeeze(CND(a), naxes, axes, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_astype(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, const char *dtype,
                                       zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  zbuf_dtype dt;
  ZBUF_RETURN_NOT_OK(dtype_in(dtype, &dt, err));
  return zbuf_ndbuffer_astype(CND(a), dt, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_transpose(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t naxes,
                                          const int64_t *axes, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_transpose(CND(a), naxes, axes, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_get_item(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t nidx,
                                         const zbuf_index *idx, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_get_item(CND(a), nidx, idx, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_set_item(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, size_t nidx,
                                         const zbuf_index *idx, const zbuf_impl_ndbuffer *value,
                                         zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_set_item(ND(dst), nidx, idx, CND(value), err);
}

static zbuf_status ref_ndbuffer_set_item_scalar(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, size_t nidx,
                                                const zbuf_index *idx, const void *value, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_set_item_scalar(ND(dst), nidx, idx, value, err);
}

static zbuf_status ref_ndbuffer_fill(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, const void *value,
                                     zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_fill(ND(dst), value, err);
}

static zbuf_status ref_ndbuffer_copy(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                     zbuf_impl_ndbuffer **out, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_copy(CND(a), (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_all_equal_scalar(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                                 const void *value, int equal_nan, int *equal,
                                                 zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_all_equal_scalar(CND(a), value, equal_nan, equal, err);
}

static zbuf_status ref_ndbuffer_all_equal(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                          const zbuf_impl_ndbuffer *b, int equal_nan, int *equal,
                                          zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_all_equal(CND(a), CND(b), equal_nan, equal, err);
}

static zbuf_impl_ndbuffer *ref_ndbuffer_retain(const zbuf_impl *self, zbuf_impl_ndbuffer *a) {
  (void)self;
  return (zbuf_impl_ndbuffer *)zbuf_ndbuffer_retain(ND(a));
}

static void ref_ndbuffer_release(const zbuf_impl *self, zbuf_impl_ndbuffer *a) {
  (void)self;
  zbuf_ndbuffer_release(ND(a));
}

/* ---- DLPack ---- */

static zbuf_status ref_ndbuffer_to_dlpack(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                          DLManagedTensor **out, zbuf_error *err) {
  (void)self;
  return zbuf_ndbuffer_to_dlpack(CND(a), out, err);
}

static zbuf_status ref_ndbuffer_from_dlpack(const zbuf_impl *self, DLManagedTensor *tensor,
                                            zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (tensor != NULL) ZBUF_RETURN_NOT_OK(instance_serves(self, tensor->dl_tensor.device, err));
  return zbuf_ndbuffer_from_dlpack(tensor, (zbuf_ndbuffer **)out, err);
}

/* ---- zero-copy n-d views of existing memory ---- */

static zbuf_status ref_ndbuffer_from_buffer(const zbuf_impl *self, const zbuf_impl_buffer *buf, size_t ndim,
                                            const int64_t *shape, const char *dtype, zbuf_impl_ndbuffer **out,
                                            zbuf_error *err) {
  (void)self;
  zbuf_dtype dt;
  ZBUF_RETURN_NOT_OK(dtype_in(dtype, &dt, err));
  return zbuf_ndbuffer_from_buffer(CBUF(buf), ndim, shape, dt, (zbuf_ndbuffer **)out, err);
}

static zbuf_status ref_ndbuffer_wrap(const zbuf_impl *self, DLDevice device, void *data, size_t ndim,
                                     const int64_t *shape, const int64_t *strides, const char *dtype,
                                     zbuf_impl_release_fn release, void *ctx, zbuf_impl_ndbuffer **out,
                                     zbuf_error *err) {
  (void)self;
  zbuf_dtype dt;
  ZBUF_RETURN_NOT_OK(dtype_in(dtype, &dt, err));
  ZBUF_RETURN_NOT_OK(instance_serves(self, device, err));
  return zbuf_ndbuffer_wrap(dev_in(device), data, ndim, shape, strides, dt, release, ctx,
                            (zbuf_ndbuffer **)out, err);
}

/* ---- the two tables ---- */

#define ZBUF__REF_CAPS_COMMON                                                                    \
  (ZBUF_CAP_HOST | ZBUF_CAP_ND | ZBUF_CAP_THREAD_SAFE | ZBUF_CAP_ALLOC_STATS | ZBUF_CAP_DLPACK | \
   ZBUF_CAP_WRAP | ZBUF_CAP_FAULT_INJECTION)

#define ZBUF__REF_OPS                                                                                       \
  .shutdown = NULL, .device_check = ref_device_check, .alloc_stats = ref_alloc_stats,                       \
  .testing_fail_allocation = ref_testing_fail_allocation, .default_prototype = ref_default_prototype,       \
  .set_default_prototype = ref_set_default_prototype,                                                       \
  .buffer_create_zero_length = ref_buffer_create_zero_length, .buffer_from_bytes = ref_buffer_from_bytes,   \
  .buffer_wrap = ref_buffer_wrap, .buffer_from_buffer = ref_buffer_from_buffer,                             \
  .buffer_info = ref_buffer_info, .buffer_to_bytes = ref_buffer_to_bytes,                                   \
  .buffer_to_host = ref_buffer_to_host, .buffer_slice = ref_buffer_slice,                                   \
  .buffer_set_slice = ref_buffer_set_slice, .buffer_combine = ref_buffer_combine,                           \
  .buffer_equal = ref_buffer_equal, .buffer_retain = ref_buffer_retain,                                     \
  .buffer_release = ref_buffer_release, .ndbuffer_create = ref_ndbuffer_create,                             \
  .ndbuffer_empty = ref_ndbuffer_empty, .ndbuffer_from_host = ref_ndbuffer_from_host,                       \
  .ndbuffer_info = ref_ndbuffer_info, .ndbuffer_to_bytes = ref_ndbuffer_to_bytes,                           \
  .ndbuffer_to_host = ref_ndbuffer_to_host, .ndbuffer_to_device = ref_ndbuffer_to_device,                   \
  .ndbuffer_as_scalar = ref_ndbuffer_as_scalar, .ndbuffer_reshape = ref_ndbuffer_reshape,                   \
  .ndbuffer_squeeze = ref_ndbuffer_squeeze, .ndbuffer_astype = ref_ndbuffer_astype,                         \
  .ndbuffer_transpose = ref_ndbuffer_transpose, .ndbuffer_get_item = ref_ndbuffer_get_item,                 \
  .ndbuffer_set_item = ref_ndbuffer_set_item, .ndbuffer_set_item_scalar = ref_ndbuffer_set_item_scalar,     \
  .ndbuffer_fill = ref_ndbuffer_fill, .ndbuffer_copy = ref_ndbuffer_copy,                                   \
  .ndbuffer_all_equal_scalar = ref_ndbuffer_all_equal_scalar, .ndbuffer_all_equal = ref_ndbuffer_all_equal, \
  .ndbuffer_retain = ref_ndbuffer_retain, .ndbuffer_release = ref_ndbuffer_release,                         \
  .ndbuffer_to_dlpack = ref_ndbuffer_to_dlpack, .ndbuffer_from_dlpack = ref_ndbuffer_from_dlpack,           \
  .ndbuffer_from_buffer = ref_ndbuffer_from_buffer, .ndbuffer_wrap = ref_ndbuffer_wrap

static const zbuf_impl ref_cpu_table = {
    .abi_version = ZBUF_IMPL_ABI_VERSION,
    .struct_size = sizeof(zbuf_impl),
    .name = "zbuf-ref",
    .version = ZBUF_VERSION_STRING,
    .description = "zbuf reference, cpu prototype (zarr.buffer.cpu semantics: host memory)",
    .capabilities = ZBUF__REF_CAPS_COMMON,
    .prototype = {{kDLCPU, 0}, {kDLCPU, 0}},
    .state = NULL,
    ZBUF__REF_OPS,
};

static const zbuf_impl ref_gpu_table = {
    .abi_version = ZBUF_IMPL_ABI_VERSION,
    .struct_size = sizeof(zbuf_impl),
    .name = "zbuf-ref",
    .version = ZBUF_VERSION_STRING,
    .description = "zbuf reference, gpu prototype (zarr.buffer.gpu semantics: CUDA device memory)",
    .capabilities = ZBUF__REF_CAPS_COMMON | ZBUF_CAP_CUDA | ZBUF_CAP_CUDA_HOST,
    .prototype = {{kDLCUDA, 0}, {kDLCUDA, 0}},
    .state = NULL,
    ZBUF__REF_OPS,
};

zbuf_status zbuf_ref_impl_entry(uint32_t requested_abi, const char *config, const zbuf_impl **out,
                                zbuf_error *err) {
  if (!out) return zbuf_error_set(err, ZBUF_EINVAL, "out must not be NULL");
  *out = NULL;
  if (requested_abi != ZBUF_IMPL_ABI_VERSION)
    return zbuf_error_set(
        err, ZBUF_EUNSUPPORTED,
        "zbuf-ref implements zbuf implementation ABI version %u; the caller requested version %u",
        (unsigned)ZBUF_IMPL_ABI_VERSION, (unsigned)requested_abi);
  if (!config || strcmp(config, "") == 0 || strcmp(config, "cpu") == 0) {
    *out = &ref_cpu_table;
    return ZBUF_OK;
  }
  if (strcmp(config, "gpu") == 0) {
    /* Refuse up front, with the reason, rather than fail every operation later: ENODEV when the reference has
     * CUDA but the machine has no usable GPU, EUNSUPPORTED when it was built without CUDA. */
    zbuf_error why;
    memset(&why, 0, sizeof why);
    zbuf_device cuda0 = {ZBUF_DEVICE_CUDA, 0};
    zbuf_status st = zbuf_device_check(cuda0, &why);
    if (st != ZBUF_OK)
      return zbuf_error_set(err, st == ZBUF_EUNSUPPORTED ? ZBUF_EUNSUPPORTED : ZBUF_ENODEV,
                            "config \"gpu\" needs CUDA device 0: %s", why.message);
    *out = &ref_gpu_table;
    return ZBUF_OK;
  }
  return zbuf_error_set(err, ZBUF_EINVAL, "config \"%s\" is not one the reference knows (\"cpu\" or \"gpu\")",
                        config);
}

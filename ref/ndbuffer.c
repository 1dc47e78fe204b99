/* zbuf reference: NDBuffer handles: creation, wrapping, accessors, reference counting, and the copies that
 * produce a new C-ordered array (copy, astype, to_host, to_device, to_bytes). */
#include <stdatomic.h>
#include <string.h>

#include "kernels_device.h"
#include "ndbuffer_internal.h"

/* ---- shape and stride arithmetic ---- */

int64_t zbuf__shape_size(size_t ndim, const int64_t *shape) {
  int64_t n = 1;
  for (size_t i = 0; i < ndim; i++) n *= shape[i];
  return n;
}

void zbuf__contiguous_strides(size_t ndim, const int64_t *shape, int64_t itemsize, zbuf_order order,
                              int64_t *strides) {
  /* NumPy's convention: the stride of an axis is the product of the faster axes' extents, so a zero extent
   * makes the slower axes' strides zero; an empty array never dereferences them. */
  int64_t s = itemsize;
  for (size_t k = 0; k < ndim; k++) {
    size_t i = order == ZBUF_ORDER_C ? ndim - 1 - k : k;
    strides[i] = s;
    s *= shape[i];
  }
}

void zbuf__view_span(const zbuf__view *v, int64_t *lo, int64_t *hi) {
  int64_t l = 0, h = 0;
  for (size_t i = 0; i < v->ndim; i++) {
    if (v->shape[i] == 0) {
      *lo = *hi = 0;
      return;
    }
    int64_t reach = (v->shape[i] - 1) * v->strides[i];
    if (reach < 0)
      l += reach;
    else
      h += reach;
  }
  *lo = l;
  *hi = h + (int64_t)zbuf_dtype_itemsize(v->dtype);
}

/* Span of caller-supplied extents and strides, which may be anything: EINVAL instead of overflow. */
static zbuf_status checked_span(const zbuf__view *v, int64_t *lo, int64_t *hi, zbuf_error *err) {
  int64_t l = 0, h = (int64_t)zbuf_dtype_itemsize(v->dtype);
  for (size_t i = 0; i < v->ndim; i++) {
    if (v->shape[i] == 0) {
      *lo = *hi = 0;
      return ZBUF_OK;
    }
  }
  for (size_t i = 0; i < v->ndim; i++) {
    int64_t reach;
    if (__builtin_mul_overflow(v->shape[i] - 1, v->strides[i], &reach) ||
        (reach < 0 ? __builtin_add_overflow(l, reach, &l) : __builtin_add_overflow(h, reach, &h)))
      return zbuf_error_set(err, ZBUF_EINVAL,
                            "strides[%zu] = %lld with shape[%zu] = %lld reaches beyond the int64 byte range",
                            i, (long long)v->strides[i], i, (long long)v->shape[i]);
  }
  int64_t span;
  if (__builtin_sub_overflow(h, l, &span))
    return zbuf_error_set(err, ZBUF_EINVAL, "strides span more than INT64_MAX bytes");
  *lo = l;
  *hi = h;
  return ZBUF_OK;
}

zbuf_status zbuf__checked_nbytes(size_t ndim, const int64_t *shape, size_t itemsize, const char *what,
                                 int64_t *out_bytes, zbuf_error *err) {
  if (ndim > ZBUF_MAX_NDIM)
    return zbuf_error_set(err, ZBUF_EINVAL, "%s: ndim = %zu exceeds ZBUF_MAX_NDIM = %d", what, ndim,
                          ZBUF_MAX_NDIM);
  if (ndim > 0 && shape == NULL)
    return zbuf_error_set(err, ZBUF_EINVAL, "%s is NULL but ndim = %zu", what, ndim);
  for (size_t i = 0; i < ndim; i++)
    if (shape[i] < 0)
      return zbuf_error_set(err, ZBUF_EINVAL, "%s[%zu] = %lld must be >= 0", what, i, (long long)shape[i]);
  /* As NumPy does, the product of the non-zero extents must fit even when another extent is zero, so that
   * whether a shape is valid does not depend on one zero. */
  int64_t n = (int64_t)itemsize, zero = 0;
  for (size_t i = 0; i < ndim; i++) {
    if (shape[i] == 0) {
      zero = 1;
      continue;
    }
    if (__builtin_mul_overflow(n, shape[i], &n))
      return zbuf_error_set(err, ZBUF_EINVAL, "%s: the array size in bytes (itemsize %zu) exceeds INT64_MAX",
                            what, itemsize);
  }
  *out_bytes = zero ? 0 : n;
  return ZBUF_OK;
}

zbuf__view zbuf__ndbuffer_view(const zbuf_ndbuffer *a) {
  zbuf__view v;
  /* Integer arithmetic rather than pointer arithmetic: an empty view's offset may point past its block
   * (or the block may have no memory at all), which is fine as long as nobody dereferences it. */
  char *base = a->block != NULL ? (char *)a->block->data : NULL;
  v.data = base != NULL ? (char *)((uintptr_t)base + (uintptr_t)a->offset) : NULL;
  v.dtype = a->dtype;
  v.ndim = a->ndim;
  memcpy(v.shape, a->shape, a->ndim * sizeof a->shape[0]);
  memcpy(v.strides, a->strides, a->ndim * sizeof a->strides[0]);
  return v;
}

static int view_is_contiguous(const zbuf__view *v, zbuf_order order) {
  /* NumPy's flags: extents of 1 may have any stride, and an empty array is contiguous. */
  int64_t expect = (int64_t)zbuf_dtype_itemsize(v->dtype);
  for (size_t i = 0; i < v->ndim; i++)
    if (v->shape[i] == 0) return 1;
  for (size_t k = 0; k < v->ndim; k++) {
    size_t i = order == ZBUF_ORDER_C ? v->ndim - 1 - k : k;
    if (v->shape[i] == 1) continue;
    if (v->strides[i] != expect) return 0;
    expect *= v->shape[i];
  }
  return 1;
}

/* ---- handles ---- */

zbuf_status zbuf__ndbuffer_handle_new(zbuf_ndbuffer **out, zbuf_error *err) {
  zbuf_ndbuffer *a = zbuf__malloc(sizeof *a);
  if (a == NULL) return zbuf_error_set(err, ZBUF_ENOMEM, "cannot allocate an ndbuffer handle");
  memset(a, 0, sizeof *a);
  atomic_init(&a->refs, 1);
  zbuf__stats_add(0, 0, 1);
  *out = a;
  return ZBUF_OK;
}

zbuf_ndbuffer zbuf__ndbuffer_desc_of(const zbuf_ndbuffer *src) {
  zbuf_ndbuffer d;
  memset(&d, 0, sizeof d);
  atomic_init(&d.refs, 0);
  d.block = src->block;
  d.offset = src->offset;
  d.dtype = src->dtype;
  d.ndim = src->ndim;
  memcpy(d.shape, src->shape, src->ndim * sizeof src->shape[0]);
  memcpy(d.strides, src->strides, src->ndim * sizeof src->strides[0]);
  return d;
}

zbuf_status zbuf__ndbuffer_from_desc(const zbuf_ndbuffer *desc, zbuf_ndbuffer **out, zbuf_error *err) {
  zbuf_ndbuffer *a;
  ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_handle_new(&a, err));
  a->block = zbuf__block_retain(desc->block);
  a->offset = desc->offset;
  a->dtype = desc->dtype;
  a->ndim = desc->ndim;
  memcpy(a->shape, desc->shape, desc->ndim * sizeof desc->shape[0]);
  memcpy(a->strides, desc->strides, desc->ndim * sizeof desc->strides[0]);
  *out = a;
  return ZBUF_OK;
}

zbuf_ndbuffer *zbuf_ndbuffer_retain(zbuf_ndbuffer *a) {
  if (a != NULL) atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
  return a;
}

void zbuf_ndbuffer_release(zbuf_ndbuffer *a) {
  if (a == NULL) return;
  /* acq_rel: every other holder's use happens-before the free done by the last one. */
  if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1) return;
  zbuf__block_release(a->block);
  zbuf__free(a);
  zbuf__stats_add(0, 0, -1);
}

static zbuf_status check_dtype(zbuf_dtype dtype, zbuf_error *err) {
  if (!zbuf_dtype_is_valid(dtype))
    return zbuf_error_set(err, ZBUF_ETYPE, "dtype (kind %d, byteorder %d) is not a valid dtype",
                          (int)dtype.kind, (int)dtype.byteorder);
  return ZBUF_OK;
}

/* A new array with uninitialised contents. */
static zbuf_status alloc_array(zbuf_device device, size_t ndim, const int64_t *shape, zbuf_dtype dtype,
                               zbuf_order order, zbuf_ndbuffer **out, zbuf_error *err) {
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  ZBUF_RETURN_NOT_OK(check_dtype(dtype, err));
  if (order != ZBUF_ORDER_C && order != ZBUF_ORDER_F)
    return zbuf_error_set(err, ZBUF_EINVAL, "order = %d must be ZBUF_ORDER_C or ZBUF_ORDER_F", (int)order);
  size_t itemsize = zbuf_dtype_itemsize(dtype);
  /* The outputs of the calls below (and of alloc_array for its callers) are set on ZBUF_OK only, but are
   * initialised: a compiler that inlines these calls cannot see that zbuf_error_set (in another file) never
   * returns ZBUF_OK, and GCC 13 -O2, GCC 12 -O3 and -flto warn (maybe-uninitialized). */
  int64_t nbytes = 0;
  ZBUF_RETURN_NOT_OK(zbuf__checked_nbytes(ndim, shape, itemsize, "shape", &nbytes, err));
  zbuf__block *block = NULL;
  ZBUF_RETURN_NOT_OK(zbuf__block_alloc(device, (size_t)nbytes, &block, err));
  zbuf_ndbuffer *a;
  zbuf_status st = zbuf__ndbuffer_handle_new(&a, err);
  if (st != ZBUF_OK) {
    zbuf__block_release(block);
    return st;
  }
  a->block = block;
  a->offset = 0;
  a->dtype = dtype;
  a->ndim = ndim;
  if (ndim > 0) memcpy(a->shape, shape, ndim * sizeof shape[0]);
  zbuf__contiguous_strides(ndim, a->shape, (int64_t)itemsize, order, a->strides);
  *out = a;
  return ZBUF_OK;
}

/* ---- staging device memory through the host ---- */

zbuf_status zbuf__stage(const zbuf__view *v, zbuf_device device, int load, zbuf__staged *out,
                        zbuf_error *err) {
  memset(out, 0, sizeof *out);
  out->view = *v;
  out->device = device;
  if (zbuf_device_is_host(device)) return ZBUF_OK;
  int64_t lo, hi;
  zbuf__view_span(v, &lo, &hi);
  if (hi == lo) {
    out->view.data = NULL;
    return ZBUF_OK;
  }
  size_t span = (size_t)(hi - lo);
  ZBUF_RETURN_NOT_OK(zbuf__block_alloc(ZBUF_CPU, span, &out->staging, err));
  out->span = span;
  out->device_span = (char *)((uintptr_t)v->data - (uintptr_t)(-lo));
  out->view.data = (char *)out->staging->data + (-lo);
  /* A span with holes between the elements must be loaded even when every element will be overwritten:
   * storing it back writes the holes too. */
  int64_t dense = zbuf__shape_size(v->ndim, v->shape) * (int64_t)zbuf_dtype_itemsize(v->dtype);
  if (load || dense != hi - lo) {
    zbuf_status st = zbuf__mem_copy(out->staging->data, ZBUF_CPU, out->device_span, device, span, err);
    if (st != ZBUF_OK) {
      zbuf__block_release(out->staging);
      out->staging = NULL;
      return st;
    }
  }
  return ZBUF_OK;
}

zbuf_status zbuf__unstage(zbuf__staged *s, int store, zbuf_error *err) {
  zbuf_status st = ZBUF_OK;
  if (s->staging != NULL) {
    if (store) st = zbuf__mem_copy(s->device_span, s->device, s->staging->data, ZBUF_CPU, s->span, err);
    zbuf__block_release(s->staging);
    s->staging = NULL;
  }
  return st;
}

/* ---- whole-array copies ---- */

zbuf_status zbuf__ndbuffer_convert(const zbuf__view *src, zbuf_device src_dev, zbuf_device dst_dev,
                                   zbuf_dtype dst_dtype, size_t ndim, const int64_t *shape,
                                   zbuf_ndbuffer **out, zbuf_error *err) {
  if (shape == NULL) {
    ndim = src->ndim;
    shape = src->shape;
  }
  zbuf_ndbuffer *r = NULL; /* set by alloc_array on ZBUF_OK; initialised: see alloc_array */
  ZBUF_RETURN_NOT_OK(alloc_array(dst_dev, ndim, shape, dst_dtype, ZBUF_ORDER_C, &r, err));
  int64_t size = zbuf__shape_size(src->ndim, src->shape);
  zbuf_status st = ZBUF_OK;
  if (size > 0) {
    /* The destination seen with the source's shape, so that the kernel walks both in step. */
    zbuf__view dst = *src;
    dst.data = r->block->data;
    dst.dtype = dst_dtype;
    zbuf__contiguous_strides(dst.ndim, dst.shape, (int64_t)zbuf_dtype_itemsize(dst_dtype), ZBUF_ORDER_C,
                             dst.strides);
    if (zbuf_dtype_equal(src->dtype, dst_dtype) && view_is_contiguous(src, ZBUF_ORDER_C)) {
      st = zbuf__mem_copy(dst.data, dst_dev, src->data, src_dev, r->block->size, err);
    } else {
      /* Both sides in one CUDA device: the device kernels, for the dtypes they cover; otherwise (and in
       * every other pairing) the host kernel on staged copies. */
      st = ZBUF_EUNSUPPORTED;
      if (src_dev.type == ZBUF_DEVICE_CUDA && zbuf_device_equal(src_dev, dst_dev))
        st = zbuf__device_copy(&dst, src, dst_dev, err);
      if (st == ZBUF_EUNSUPPORTED) {
        zbuf__staged s, d;
        st = zbuf__stage(src, src_dev, 1, &s, err);
        if (st == ZBUF_OK) {
          st = zbuf__stage(&dst, dst_dev, 0, &d, err);
          if (st == ZBUF_OK) {
            zbuf__kernel_copy(&d.view, &s.view);
            st = zbuf__unstage(&d, 1, err);
          }
          zbuf__unstage(&s, 0, NULL);
        }
      }
    }
  }
  if (st != ZBUF_OK) {
    zbuf_ndbuffer_release(r);
    return st;
  }
  *out = r;
  return ZBUF_OK;
}

/* ---- creation ---- */

zbuf_status zbuf_ndbuffer_create(zbuf_device device, size_t ndim, const int64_t *shape, zbuf_dtype dtype,
                                 zbuf_order order, const void *fill_value, zbuf_ndbuffer **out,
                                 zbuf_error *err) {
  /* All-zero bytes are zero in every kind and byte order. */
  static const unsigned char zeros[16] = {0};
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  zbuf_ndbuffer *a = NULL; /* set by alloc_array on ZBUF_OK; initialised: see alloc_array */
  ZBUF_RETURN_NOT_OK(alloc_array(device, ndim, shape, dtype, order, &a, err));
  zbuf_status st = zbuf_ndbuffer_fill(a, fill_value != NULL ? fill_value : zeros, err);
  if (st != ZBUF_OK) {
    zbuf_ndbuffer_release(a);
    return st;
  }
  *out = a;
  return ZBUF_OK;
}

zbuf_status zbuf_ndbuffer_empty(zbuf_device device, size_t ndim, const int64_t *shape, zbuf_dtype dtype,
                                zbuf_order order, zbuf_ndbuffer **out, zbuf_error *err) {
  return alloc_array(device, ndim, shape, dtype, order, out, err);
}

/* Validates a caller's description of existing memory and builds its view. */
static zbuf_status caller_view(const void *data, size_t ndim, const int64_t *shape, const int64_t *strides,
                               zbuf_dtype dtype, zbuf__view *v, int64_t *lo, int64_t *hi, zbuf_error *err) {
  ZBUF_RETURN_NOT_OK(check_dtype(dtype, err));
  int64_t nbytes = 0; /* set on ZBUF_OK; initialised: see alloc_array */
  ZBUF_RETURN_NOT_OK(zbuf__checked_nbytes(ndim, shape, zbuf_dtype_itemsize(dtype), "shape", &nbytes, err));
  if (data == NULL && nbytes != 0)
    return zbuf_error_set(err, ZBUF_EINVAL, "data is NULL for an array of %lld bytes", (long long)nbytes);
  v->data = (char *)(uintptr_t)data;
  v->dtype = dtype;
  v->ndim = ndim;
  if (ndim > 0) memcpy(v->shape, shape, ndim * sizeof shape[0]);
  if (strides != NULL)
    memcpy(v->strides, strides, ndim * sizeof strides[0]);
  else
    zbuf__contiguous_strides(ndim, v->shape, (int64_t)zbuf_dtype_itemsize(dtype), ZBUF_ORDER_C, v->strides);
  return checked_span(v, lo, hi, err);
}

zbuf_status zbuf_ndbuffer_from_host(zbuf_device device, const void *data, size_t ndim, const int64_t *shape,
                                    const int64_t *strides, zbuf_dtype dtype, zbuf_ndbuffer **out,
                                    zbuf_error *err) {
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  zbuf__view v;
  int64_t lo, hi;
  ZBUF_RETURN_NOT_OK(caller_view(data, ndim, shape, strides, dtype, &v, &lo, &hi, err));
  return zbuf__ndbuffer_convert(&v, ZBUF_CPU, device, dtype, ndim, v.shape, out, err);
}

zbuf_status zbuf_ndbuffer_wrap(zbuf_device device, void *data, size_t ndim, const int64_t *shape,
                               const int64_t *strides, zbuf_dtype dtype, zbuf_release_fn release, void *ctx,
                               zbuf_ndbuffer **out, zbuf_error *err) {
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  zbuf__view v;
  int64_t lo, hi;
  ZBUF_RETURN_NOT_OK(caller_view(data, ndim, shape, strides, dtype, &v, &lo, &hi, err));
  /* The handle comes first: once the block exists, dropping it would call release, which must not happen
   * on failure. The block starts at the caller's pointer (release gets it back unchanged), so with negative
   * strides some elements lie before block->data; its size is the span, for the statistics. */
  zbuf_ndbuffer *a;
  ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_handle_new(&a, err));
  zbuf_status st = zbuf__block_wrap(device, data, (size_t)(hi - lo), release, ctx, &a->block, err);
  if (st != ZBUF_OK) {
    zbuf_ndbuffer_release(a);
    return st;
  }
  a->offset = 0;
  a->dtype = dtype;
  a->ndim = ndim;
  memcpy(a->shape, v.shape, ndim * sizeof v.shape[0]);
  memcpy(a->strides, v.strides, ndim * sizeof v.strides[0]);
  *out = a;
  return ZBUF_OK;
}

zbuf_status zbuf_ndbuffer_from_buffer(const zbuf_buffer *src, size_t ndim, const int64_t *shape,
                                      zbuf_dtype dtype, zbuf_ndbuffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  ZBUF_RETURN_NOT_OK(check_dtype(dtype, err));
  /* shape NULL asks for the flat view (np.frombuffer): one axis whose length the byte length gives. */
  static const int64_t flat[1] = {-1};
  if (shape == NULL) {
    if (ndim > 1)
      return zbuf_error_set(err, ZBUF_EINVAL, "shape is NULL but ndim = %zu (NULL means a 1-d view)", ndim);
    ndim = 1;
    shape = flat;
  }
  zbuf_ndbuffer desc;
  memset(&desc, 0, sizeof desc);
  ZBUF_RETURN_NOT_OK(zbuf__resolve_shape(ndim, shape, zbuf_dtype_itemsize(dtype), (int64_t)src->length,
                                         "shape", desc.shape, err));
  desc.block = src->block;
  desc.offset = (int64_t)src->offset;
  desc.dtype = dtype;
  desc.ndim = ndim;
  zbuf__contiguous_strides(ndim, desc.shape, (int64_t)zbuf_dtype_itemsize(dtype), ZBUF_ORDER_C, desc.strides);
  return zbuf__ndbuffer_from_desc(&desc, out, err);
}

/* ---- accessors ---- */

zbuf_dtype zbuf_ndbuffer_dtype(const zbuf_ndbuffer *a) {
  if (a == NULL) return (zbuf_dtype){ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE};
  return a->dtype;
}

size_t zbuf_ndbuffer_ndim(const zbuf_ndbuffer *a) { return a != NULL ? a->ndim : 0; }

const int64_t *zbuf_ndbuffer_shape(const zbuf_ndbuffer *a) { return a != NULL ? a->shape : NULL; }

const int64_t *zbuf_ndbuffer_strides(const zbuf_ndbuffer *a) { return a != NULL ? a->strides : NULL; }

int64_t zbuf_ndbuffer_size(const zbuf_ndbuffer *a) {
  return a != NULL ? zbuf__shape_size(a->ndim, a->shape) : 0;
}

void *zbuf_ndbuffer_data(const zbuf_ndbuffer *a) {
  if (a == NULL) return NULL;
  return zbuf__ndbuffer_view(a).data;
}

zbuf_device zbuf_ndbuffer_device(const zbuf_ndbuffer *a) {
  if (a == NULL || a->block == NULL) return (zbuf_device){(zbuf_device_type)0, 0};
  return a->block->device;
}

int zbuf_ndbuffer_is_contiguous(const zbuf_ndbuffer *a, zbuf_order order) {
  if (a == NULL) return 0;
  zbuf__view v = zbuf__ndbuffer_view(a);
  return view_is_contiguous(&v, order);
}

/* ---- copies out ---- */

zbuf_status zbuf_ndbuffer_to_host(const zbuf_ndbuffer *src, zbuf_ndbuffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  if (zbuf_device_is_host(src->block->device)) {
    *out = zbuf_ndbuffer_retain((zbuf_ndbuffer *)(uintptr_t)src);
    return ZBUF_OK;
  }
  zbuf__view v = zbuf__ndbuffer_view(src);
  return zbuf__ndbuffer_convert(&v, src->block->device, ZBUF_CPU, src->dtype, 0, NULL, out, err);
}

zbuf_status zbuf_ndbuffer_to_device(const zbuf_ndbuffer *src, zbuf_device device, zbuf_ndbuffer **out,
                                    zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  ZBUF_RETURN_NOT_OK(zbuf_device_check(device, err));
  if (zbuf_device_equal(src->block->device, device)) {
    *out = zbuf_ndbuffer_retain((zbuf_ndbuffer *)(uintptr_t)src);
    return ZBUF_OK;
  }
  zbuf__view v = zbuf__ndbuffer_view(src);
  return zbuf__ndbuffer_convert(&v, src->block->device, device, src->dtype, 0, NULL, out, err);
}

zbuf_status zbuf_ndbuffer_copy(const zbuf_ndbuffer *src, zbuf_ndbuffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  zbuf__view v = zbuf__ndbuffer_view(src);
  return zbuf__ndbuffer_convert(&v, src->block->device, src->block->device, src->dtype, 0, NULL, out, err);
}

zbuf_status zbuf_ndbuffer_astype(const zbuf_ndbuffer *src, zbuf_dtype dtype, zbuf_ndbuffer **out,
                                 zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  ZBUF_RETURN_NOT_OK(check_dtype(dtype, err));
  zbuf__view v = zbuf__ndbuffer_view(src);
  return zbuf__ndbuffer_convert(&v, src->block->device, src->block->device, dtype, 0, NULL, out, err);
}

zbuf_status zbuf_ndbuffer_to_bytes(const zbuf_ndbuffer *src, void *dst, size_t dst_size, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  size_t itemsize = zbuf_dtype_itemsize(src->dtype);
  int64_t size = zbuf__shape_size(src->ndim, src->shape);
  size_t nbytes = (size_t)size * itemsize;
  if (dst_size < nbytes)
    return zbuf_error_set(err, ZBUF_EINVAL, "dst_size = %zu is smaller than the array's %zu bytes", dst_size,
                          nbytes);
  if (nbytes == 0) return ZBUF_OK;
  if (dst == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "dst is NULL for %zu bytes", nbytes);
  zbuf__view s = zbuf__ndbuffer_view(src);
  if (view_is_contiguous(&s, ZBUF_ORDER_C))
    return zbuf__mem_copy(dst, ZBUF_CPU, s.data, src->block->device, nbytes, err);
  zbuf__view d = s;
  d.data = dst;
  zbuf__contiguous_strides(d.ndim, d.shape, (int64_t)itemsize, ZBUF_ORDER_C, d.strides);
  zbuf__staged st;
  ZBUF_RETURN_NOT_OK(zbuf__stage(&s, src->block->device, 1, &st, err));
  zbuf__kernel_copy(&d, &st.view);
  return zbuf__unstage(&st, 0, err);
}

zbuf_status zbuf_ndbuffer_as_scalar(const zbuf_ndbuffer *src, void *out, size_t out_size, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  int64_t size = zbuf__shape_size(src->ndim, src->shape);
  if (size != 1)
    return zbuf_error_set(err, ZBUF_EINVAL, "src has %lld elements; as_scalar needs exactly 1",
                          (long long)size);
  size_t itemsize = zbuf_dtype_itemsize(src->dtype);
  if (out_size < itemsize)
    return zbuf_error_set(err, ZBUF_EINVAL, "out_size = %zu is smaller than the itemsize %zu", out_size,
                          itemsize);
  return zbuf__mem_copy(out, ZBUF_CPU, zbuf__ndbuffer_view(src).data, src->block->device, itemsize, err);
}

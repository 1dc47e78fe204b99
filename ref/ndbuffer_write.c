/* zbuf reference: writing into NDBuffers (set_item with NumPy broadcasting, set_item_scalar, fill) and
 * comparing them (all_equal, all_equal_scalar). Every write validates all of its arguments and takes every
 * allocation it needs before the first element changes, so a failure leaves dst as it was. */
#include <string.h>

#include "kernels_device.h"
#include "ndbuffer_internal.h"

/* A view of value broadcast to `shape` (NumPy's rules for assignment: value's axes align with the trailing
 * axes; an extent of 1 repeats with stride 0; extra leading axes of value must have extent 1).
 * `what` names value in messages. */
static zbuf_status broadcast_view(const zbuf__view *value, size_t ndim, const int64_t *shape,
                                  const char *what, zbuf__view *out, zbuf_error *err) {
  size_t vn = value->ndim;
  for (size_t k = 0; vn > ndim && k < vn - ndim; k++)
    if (value->shape[k] != 1)
      return zbuf_error_set(err, ZBUF_EINVAL,
                            "%s has ndim %zu with %s.shape[%zu] = %lld, cannot broadcast into ndim %zu", what,
                            vn, what, k, (long long)value->shape[k], ndim);
  zbuf__view b = *value;
  b.ndim = ndim;
  for (size_t i = 0; i < ndim; i++) {
    b.shape[i] = shape[i];
    if (i + vn < ndim) {
      b.strides[i] = 0;
      continue;
    }
    size_t j = i + vn - ndim;
    if (value->shape[j] == shape[i]) {
      b.strides[i] = value->strides[j];
    } else if (value->shape[j] == 1) {
      b.strides[i] = 0;
    } else {
      return zbuf_error_set(err, ZBUF_EINVAL,
                            "%s.shape[%zu] = %lld cannot broadcast to extent %lld (axis %zu of the target)",
                            what, j, (long long)value->shape[j], (long long)shape[i], i);
    }
  }
  *out = b;
  return ZBUF_OK;
}

static int spans_overlap(const zbuf__view *a, const zbuf__view *b) {
  int64_t alo, ahi, blo, bhi;
  zbuf__view_span(a, &alo, &ahi);
  zbuf__view_span(b, &blo, &bhi);
  if (alo == ahi || blo == bhi) return 0;
  uintptr_t a0 = (uintptr_t)a->data - (uintptr_t)(-alo), a1 = (uintptr_t)a->data + (uintptr_t)ahi;
  uintptr_t b0 = (uintptr_t)b->data - (uintptr_t)(-blo), b1 = (uintptr_t)b->data + (uintptr_t)bhi;
  return a0 < b1 && b0 < a1;
}

/* Fills the selection `sel` of dst's memory with one element; the one place fills run their loop. */
static zbuf_status fill_desc(const zbuf_ndbuffer *sel, const void *value, zbuf_error *err) {
  if (zbuf__shape_size(sel->ndim, sel->shape) == 0) return ZBUF_OK;
  zbuf__view v = zbuf__ndbuffer_view(sel);
  zbuf_status dst_st = zbuf__device_fill(&v, value, sel->block->device, err);
  if (dst_st != ZBUF_EUNSUPPORTED) return dst_st;
  zbuf__staged s;
  ZBUF_RETURN_NOT_OK(zbuf__stage(&v, sel->block->device, 0, &s, err));
  zbuf__kernel_fill(&s.view, value);
  return zbuf__unstage(&s, 1, err);
}

zbuf_status zbuf_ndbuffer_set_item(zbuf_ndbuffer *dst, size_t nidx, const zbuf_index *idx,
                                   const zbuf_ndbuffer *value, zbuf_error *err) {
  if (dst == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "dst is NULL");
  if (value == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "value is NULL");
  zbuf_ndbuffer sel;
  ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_select(dst, nidx, idx, &sel, err));
  zbuf__view dv = zbuf__ndbuffer_view(&sel);
  zbuf__view vv = zbuf__ndbuffer_view(value);
  zbuf__view bv;
  ZBUF_RETURN_NOT_OK(broadcast_view(&vv, sel.ndim, sel.shape, "value", &bv, err));
  if (zbuf__shape_size(sel.ndim, sel.shape) == 0) return ZBUF_OK;

  /* The kernel reads and writes element by element, so a value that shares memory with the selection is
   * copied first (NumPy does the same); so is a value the CPU cannot read. */
  zbuf_device vdev = value->block->device, ddev = dst->block->device;
  zbuf_ndbuffer *tmp = NULL;
  /* Value and selection in one CUDA device: the device kernels, for the dtypes they cover (a value that
   * overlaps the selection is first copied within the device). */
  if (ddev.type == ZBUF_DEVICE_CUDA && zbuf_device_equal(vdev, ddev)) {
    zbuf__view dbv = bv;
    if (spans_overlap(&dv, &vv)) {
      ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_convert(&vv, vdev, vdev, value->dtype, 0, NULL, &tmp, err));
      zbuf__view tv = zbuf__ndbuffer_view(tmp);
      broadcast_view(&tv, sel.ndim, sel.shape, "value", &dbv, NULL);
    }
    zbuf_status dst_st = zbuf__device_copy(&dv, &dbv, ddev, err);
    zbuf_ndbuffer_release(tmp);
    tmp = NULL;
    if (dst_st != ZBUF_EUNSUPPORTED) return dst_st;
  }
  if (!zbuf_device_is_host(vdev) || (zbuf_device_is_host(ddev) && spans_overlap(&dv, &vv))) {
    ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_convert(&vv, vdev, ZBUF_CPU, value->dtype, 0, NULL, &tmp, err));
    zbuf__view tv = zbuf__ndbuffer_view(tmp);
    /* Same shape as value, so broadcasting cannot fail a second time. */
    broadcast_view(&tv, sel.ndim, sel.shape, "value", &bv, NULL);
  }
  zbuf__staged s;
  zbuf_status st = zbuf__stage(&dv, ddev, 0, &s, err);
  if (st == ZBUF_OK) {
    zbuf__kernel_copy(&s.view, &bv);
    st = zbuf__unstage(&s, 1, err);
  }
  zbuf_ndbuffer_release(tmp);
  return st;
}

zbuf_status zbuf_ndbuffer_set_item_scalar(zbuf_ndbuffer *dst, size_t nidx, const zbuf_index *idx,
                                          const void *value, zbuf_error *err) {
  if (dst == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "dst is NULL");
  if (value == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "value is NULL");
  zbuf_ndbuffer sel;
  ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_select(dst, nidx, idx, &sel, err));
  return fill_desc(&sel, value, err);
}

zbuf_status zbuf_ndbuffer_fill(zbuf_ndbuffer *dst, const void *value, zbuf_error *err) {
  if (dst == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "dst is NULL");
  if (value == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "value is NULL");
  return fill_desc(dst, value, err);
}

static int is_real_float(zbuf_dtype_kind k) {
  return k == ZBUF_FLOAT16 || k == ZBUF_FLOAT32 || k == ZBUF_FLOAT64;
}

static int all_strides_zero(const zbuf__view *v) {
  for (size_t k = 0; k < v->ndim; k++)
    if (v->strides[k] != 0) return 0;
  return 1;
}

/* Compares a with b (already broadcast to a's shape, same dtype; host-addressable, or in a's CUDA device
 * when b_on_device); the one place comparisons run their loop. For a in a CUDA device the device kernels
 * compare when they cover the dtype (always when b_on_device: the caller checked), else a is staged. */
static zbuf_status equal_views(const zbuf_ndbuffer *a, const zbuf__view *b, int b_on_device, int mode,
                               int equal_nan, int *equal, zbuf_error *err) {
  zbuf__view av = zbuf__ndbuffer_view(a);
  if (a->block->device.type == ZBUF_DEVICE_CUDA && (b_on_device || all_strides_zero(b))) {
    zbuf_status st = zbuf__device_equal(&av, b, !b_on_device, mode, equal_nan, a->block->device, equal, err);
    if (st != ZBUF_EUNSUPPORTED) return st;
    if (b_on_device)
      return zbuf_error_set(err, ZBUF_EINTERNAL, "the device comparison refused a dtype it claims to cover");
  }
  zbuf__staged s;
  ZBUF_RETURN_NOT_OK(zbuf__stage(&av, a->block->device, 1, &s, err));
  *equal = zbuf__kernel_equal(&s.view, b, mode, equal_nan) ? 1 : 0;
  return zbuf__unstage(&s, 0, err);
}

zbuf_status zbuf_ndbuffer_all_equal_scalar(const zbuf_ndbuffer *a, const void *value, int equal_nan,
                                           int *equal, zbuf_error *err) {
  if (a == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "a is NULL");
  if (equal == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "equal is NULL");
  /* Zarr-Python answers False for a None fill value. */
  if (value == NULL) {
    *equal = 0;
    return ZBUF_OK;
  }
  if (zbuf__shape_size(a->ndim, a->shape) == 0) {
    *equal = 1;
    return ZBUF_OK;
  }
  /* Zarr-Python compares a zero float fill value by bit pattern, so that an array of -0.0 does not count
   * as filled with +0.0 (and the reverse). Complex values compare numerically, as there. */
  int mode = ZBUF__EQ_VALUE;
  if (is_real_float(a->dtype.kind)) {
    double d;
    zbuf__cast_element(&d, zbuf_dtype_native(ZBUF_FLOAT64), value, a->dtype);
    if (d == 0.0) mode = ZBUF__EQ_BITS;
  }
  zbuf__view b;
  memset(&b, 0, sizeof b);
  b.data = (char *)(uintptr_t)value;
  b.dtype = a->dtype;
  b.ndim = a->ndim;
  memcpy(b.shape, a->shape, a->ndim * sizeof a->shape[0]);
  return equal_views(a, &b, 0, mode, equal_nan, equal, err);
}

zbuf_status zbuf_ndbuffer_all_equal(const zbuf_ndbuffer *a, const zbuf_ndbuffer *b, int equal_nan, int *equal,
                                    zbuf_error *err) {
  if (a == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "a is NULL");
  if (b == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "b is NULL");
  if (equal == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "equal is NULL");
  zbuf__view bv = zbuf__ndbuffer_view(b), bb;
  ZBUF_RETURN_NOT_OK(broadcast_view(&bv, a->ndim, a->shape, "b", &bb, err));
  if (zbuf__shape_size(a->ndim, a->shape) == 0) {
    *equal = 1;
    return ZBUF_OK;
  }
  /* b is cast to a's dtype (and brought to the host) before comparing: a copy of b's own elements, which
   * are never more than the broadcast ones. */
  zbuf_ndbuffer *tmp = NULL;
  /* b in a's CUDA device with a's dtype stays there when the device kernels can compare it. */
  zbuf_device adev = a->block->device;
  int on_device = adev.type == ZBUF_DEVICE_CUDA && zbuf_device_equal(adev, b->block->device) &&
                  zbuf_dtype_equal(a->dtype, b->dtype) && zbuf__device_equal_covers(a->dtype);
  if (!on_device && (!zbuf_dtype_equal(a->dtype, b->dtype) || !zbuf_device_is_host(b->block->device))) {
    ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_convert(&bv, b->block->device, ZBUF_CPU, a->dtype, 0, NULL, &tmp, err));
    zbuf__view tv = zbuf__ndbuffer_view(tmp);
    broadcast_view(&tv, a->ndim, a->shape, "b", &bb, NULL);
  }
  bb.dtype = a->dtype;
  /* The scalar form's bit-pattern rule carries over (contract ND-SEM-017): a float array compared with float
   * zeros tells -0.0 from +0.0. The zero test runs on b cast to a's dtype, the values actually compared. */
  int mode = ZBUF__EQ_VALUE;
  if (is_real_float(a->dtype.kind) && is_real_float(b->dtype.kind)) {
    static const char zero[16];
    zbuf__view zv = bb;
    zv.data = (char *)(uintptr_t)zero;
    memset(zv.strides, 0, sizeof zv.strides);
    int all_zero = 0;
    if (on_device) {
      zbuf_status zst = zbuf__device_equal(&bb, &zv, 1, ZBUF__EQ_VALUE, 0, adev, &all_zero, err);
      if (zst == ZBUF_EUNSUPPORTED)
        zst = zbuf_error_set(err, ZBUF_EINTERNAL, "the device comparison refused a dtype it claims to cover");
      if (zst != ZBUF_OK) return zst;
    } else {
      all_zero = zbuf__kernel_equal(&bb, &zv, ZBUF__EQ_VALUE, 0);
    }
    if (all_zero) mode = ZBUF__EQ_BITS;
  }
  zbuf_status st = equal_views(a, &bb, on_device, mode, equal_nan, equal, err);
  zbuf_ndbuffer_release(tmp);
  return st;
}

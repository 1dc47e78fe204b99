/* zbuf reference: NDBuffer views that share memory: reshape (a copy only when the strides cannot express
 * the new shape, as NumPy decides), squeeze, transpose and basic indexing. Each computes a descriptor,
 * validates everything, and allocates the handle last. */
#include <string.h>

#include "ndbuffer_internal.h"

zbuf_status zbuf__resolve_shape(size_t ndim, const int64_t *shape, size_t itemsize, int64_t total_bytes,
                                const char *what, int64_t *out_shape, zbuf_error *err) {
  if (ndim > ZBUF_MAX_NDIM)
    return zbuf_error_set(err, ZBUF_EINVAL, "%s: ndim = %zu exceeds ZBUF_MAX_NDIM = %d", what, ndim,
                          ZBUF_MAX_NDIM);
  if (ndim > 0 && shape == NULL)
    return zbuf_error_set(err, ZBUF_EINVAL, "%s is NULL but ndim = %zu", what, ndim);
  size_t unknown = ndim; /* ndim: none */
  int64_t known = (int64_t)itemsize;
  int zero = 0;
  for (size_t i = 0; i < ndim; i++) {
    if (shape[i] == -1) {
      if (unknown != ndim)
        return zbuf_error_set(err, ZBUF_EINVAL,
                              "%s[%zu] and %s[%zu] are both -1: only one extent can be inferred", what,
                              unknown, what, i);
      unknown = i;
      continue;
    }
    if (shape[i] < 0)
      return zbuf_error_set(err, ZBUF_EINVAL, "%s[%zu] = %lld must be >= 0 or -1", what, i,
                            (long long)shape[i]);
    out_shape[i] = shape[i];
    if (shape[i] == 0)
      zero = 1;
    else if (__builtin_mul_overflow(known, shape[i], &known))
      return zbuf_error_set(err, ZBUF_EINVAL, "%s: the array size in bytes exceeds INT64_MAX", what);
  }
  if (unknown != ndim) {
    /* NumPy refuses to guess: with a zero among the other extents any value would do. */
    if (zero)
      return zbuf_error_set(err, ZBUF_EINVAL, "%s[%zu] = -1 cannot be inferred when another extent is 0",
                            what, unknown);
    if (total_bytes % known != 0)
      return zbuf_error_set(
          err, ZBUF_EINVAL,
          "%s[%zu] = -1 cannot be inferred: %lld bytes are not a multiple of the other extents "
          "times the itemsize (%lld bytes)",
          what, unknown, (long long)total_bytes, (long long)known);
    out_shape[unknown] = total_bytes / known;
    return ZBUF_OK;
  }
  int64_t bytes = zero ? 0 : known;
  if (bytes != total_bytes)
    return zbuf_error_set(
        err, ZBUF_EINVAL,
        "%s describes %lld elements of %zu bytes, but the source holds %lld bytes (%lld elements)", what,
        (long long)(bytes / (int64_t)itemsize), itemsize, (long long)total_bytes,
        (long long)(total_bytes / (int64_t)itemsize));
  return ZBUF_OK;
}

/* NumPy's no-copy reshape test: the old axes (extent-1 axes left out) and the new axes are cut into groups
 * of equal element count; a group can be re-expressed without copying exactly when its old axes are
 * C-contiguous among themselves, and then the new axes of the group get C strides that end on the stride of
 * the group's last old axis. Writes the new strides and returns 1 when a view is possible. */
static int nocopy_strides(const zbuf_ndbuffer *a, size_t nd, const int64_t *ns, int64_t *nst) {
  int64_t itemsize = (int64_t)zbuf_dtype_itemsize(a->dtype);
  if (zbuf__shape_size(a->ndim, a->shape) == 0) {
    /* No element is ever addressed, so any strides describe the array. */
    zbuf__contiguous_strides(nd, ns, itemsize, ZBUF_ORDER_C, nst);
    return 1;
  }
  int64_t od[ZBUF_MAX_NDIM], ost[ZBUF_MAX_NDIM];
  size_t m = 0;
  for (size_t i = 0; i < a->ndim; i++) {
    if (a->shape[i] == 1) continue;
    od[m] = a->shape[i];
    ost[m] = a->strides[i];
    m++;
  }
  size_t oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nd && oi < m) {
    int64_t np = ns[ni], op = od[oi];
    while (np != op) {
      if (np < op) {
        if (nj >= nd) return 0;
        np *= ns[nj++];
      } else {
        if (oj >= m) return 0;
        op *= od[oj++];
      }
    }
    for (size_t k = oi; k + 1 < oj; k++)
      if (ost[k] != od[k + 1] * ost[k + 1]) return 0;
    nst[nj - 1] = ost[oj - 1];
    for (size_t k = nj - 1; k > ni; k--) nst[k - 1] = nst[k] * ns[k];
    ni = nj++;
    oi = oj++;
  }
  /* What is left are extent-1 axes, whose stride is never used to step. */
  int64_t last = ni >= 1 ? nst[ni - 1] : itemsize;
  for (size_t k = ni; k < nd; k++) nst[k] = last;
  return 1;
}

zbuf_status zbuf_ndbuffer_reshape(const zbuf_ndbuffer *src, size_t ndim, const int64_t *shape,
                                  zbuf_ndbuffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  size_t itemsize = zbuf_dtype_itemsize(src->dtype);
  int64_t total = zbuf__shape_size(src->ndim, src->shape) * (int64_t)itemsize;
  zbuf_ndbuffer desc = {0};
  ZBUF_RETURN_NOT_OK(zbuf__resolve_shape(ndim, shape, itemsize, total, "shape", desc.shape, err));
  desc.block = src->block;
  desc.offset = src->offset;
  desc.dtype = src->dtype;
  desc.ndim = ndim;
  if (nocopy_strides(src, ndim, desc.shape, desc.strides)) return zbuf__ndbuffer_from_desc(&desc, out, err);
  zbuf__view v = zbuf__ndbuffer_view(src);
  return zbuf__ndbuffer_convert(&v, src->block->device, src->block->device, src->dtype, ndim, desc.shape, out,
                                err);
}

/* Normalises axis number k of `what` (negative counts from the end) against ndim. */
static zbuf_status normalize_axis(int64_t axis, size_t ndim, const char *what, size_t k, size_t *out,
                                  zbuf_error *err) {
  int64_t n = (int64_t)ndim;
  if (axis < -n || axis >= n)
    return zbuf_error_set(err, ZBUF_ERANGE, "%s[%zu] = %lld is out of range for an array of ndim %zu", what,
                          k, (long long)axis, ndim);
  *out = (size_t)(axis < 0 ? axis + n : axis);
  return ZBUF_OK;
}

zbuf_status zbuf_ndbuffer_squeeze(const zbuf_ndbuffer *src, size_t naxes, const int64_t *axes,
                                  zbuf_ndbuffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  unsigned char drop[ZBUF_MAX_NDIM] = {0};
  if (axes == NULL || naxes == 0) {
    for (size_t i = 0; i < src->ndim; i++) drop[i] = src->shape[i] == 1;
  } else {
    for (size_t k = 0; k < naxes; k++) {
      size_t ax = 0;
      ZBUF_RETURN_NOT_OK(normalize_axis(axes[k], src->ndim, "axes", k, &ax, err));
      if (drop[ax])
        return zbuf_error_set(err, ZBUF_EINVAL, "axes[%zu] = %lld repeats axis %zu", k, (long long)axes[k],
                              ax);
      if (src->shape[ax] != 1)
        return zbuf_error_set(err, ZBUF_EINVAL, "axes[%zu] = %lld: cannot squeeze axis %zu of extent %lld", k,
                              (long long)axes[k], ax, (long long)src->shape[ax]);
      drop[ax] = 1;
    }
  }
  zbuf_ndbuffer desc = zbuf__ndbuffer_desc_of(src);
  desc.ndim = 0;
  for (size_t i = 0; i < src->ndim; i++) {
    if (drop[i]) continue;
    desc.shape[desc.ndim] = src->shape[i];
    desc.strides[desc.ndim] = src->strides[i];
    desc.ndim++;
  }
  return zbuf__ndbuffer_from_desc(&desc, out, err);
}

zbuf_status zbuf_ndbuffer_transpose(const zbuf_ndbuffer *src, size_t naxes, const int64_t *axes,
                                    zbuf_ndbuffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  size_t perm[ZBUF_MAX_NDIM] = {0};
  if (axes == NULL) {
    for (size_t i = 0; i < src->ndim; i++) perm[i] = src->ndim - 1 - i;
  } else {
    if (naxes != src->ndim)
      return zbuf_error_set(err, ZBUF_EINVAL,
                            "naxes = %zu must equal ndim = %zu (axes must be a permutation)", naxes,
                            src->ndim);
    unsigned char seen[ZBUF_MAX_NDIM] = {0};
    for (size_t k = 0; k < naxes; k++) {
      ZBUF_RETURN_NOT_OK(normalize_axis(axes[k], src->ndim, "axes", k, &perm[k], err));
      if (seen[perm[k]])
        return zbuf_error_set(err, ZBUF_EINVAL, "axes[%zu] = %lld repeats axis %zu", k, (long long)axes[k],
                              perm[k]);
      seen[perm[k]] = 1;
    }
  }
  zbuf_ndbuffer desc = zbuf__ndbuffer_desc_of(src);
  for (size_t i = 0; i < src->ndim; i++) {
    desc.shape[i] = src->shape[perm[i]];
    desc.strides[i] = src->strides[perm[i]];
  }
  return zbuf__ndbuffer_from_desc(&desc, out, err);
}

zbuf_status zbuf__ndbuffer_select(const zbuf_ndbuffer *src, size_t nidx, const zbuf_index *idx,
                                  zbuf_ndbuffer *desc, zbuf_error *err) {
  if (nidx > src->ndim)
    return zbuf_error_set(err, ZBUF_ERANGE, "too many indices: nidx = %zu for an array of ndim %zu", nidx,
                          src->ndim);
  if (nidx > 0 && idx == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "idx is NULL but nidx = %zu", nidx);
  zbuf_ndbuffer d = zbuf__ndbuffer_desc_of(src);
  d.ndim = 0;
  for (size_t k = 0; k < src->ndim; k++) {
    int64_t len = src->shape[k], stride = src->strides[k];
    if (k >= nidx) {
      d.shape[d.ndim] = len;
      d.strides[d.ndim] = stride;
      d.ndim++;
      continue;
    }
    if (idx[k].kind == ZBUF_INDEX_INTEGER) {
      int64_t i = idx[k].integer;
      if (i < -len || i >= len)
        return zbuf_error_set(err, ZBUF_ERANGE, "idx[%zu] = %lld is out of range for axis %zu of extent %lld",
                              k, (long long)i, k, (long long)len);
      if (i < 0) i += len;
      d.offset += i * stride;
    } else if (idx[k].kind == ZBUF_INDEX_SLICE) {
      zbuf_slice s = idx[k].slice;
      if ((s.given & ZBUF_SLICE_HAS_STEP) && s.step == 0)
        return zbuf_error_set(err, ZBUF_EINVAL, "idx[%zu].slice.step = 0: slice step cannot be zero", k);
      /* Set by zbuf_slice_resolve on ZBUF_OK; initialised for compilers that inline it and cannot see that
       * zbuf_error_set never returns ZBUF_OK (maybe-uninitialized). */
      int64_t start = 0, count = 0, step = 1;
      ZBUF_RETURN_NOT_OK(zbuf_slice_resolve(s, len, &start, &count, &step, err));
      /* An empty selection keeps the offset, so that it never points outside the block; a single element's
       * stride is never used to step, and multiplying it by a huge step could overflow. */
      if (count > 0) d.offset += start * stride;
      d.shape[d.ndim] = count;
      d.strides[d.ndim] = count > 1 ? stride * step : stride;
      d.ndim++;
    } else {
      return zbuf_error_set(err, ZBUF_EINVAL,
                            "idx[%zu].kind = %d is neither ZBUF_INDEX_INTEGER nor ZBUF_INDEX_SLICE", k,
                            (int)idx[k].kind);
    }
  }
  *desc = d;
  return ZBUF_OK;
}

zbuf_status zbuf_ndbuffer_get_item(const zbuf_ndbuffer *src, size_t nidx, const zbuf_index *idx,
                                   zbuf_ndbuffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  zbuf_ndbuffer desc;
  ZBUF_RETURN_NOT_OK(zbuf__ndbuffer_select(src, nidx, idx, &desc, err));
  return zbuf__ndbuffer_from_desc(&desc, out, err);
}

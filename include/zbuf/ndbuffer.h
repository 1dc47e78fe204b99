/* zbuf: NDBuffer, a typed n-dimensional array over memory in one space (Zarr-Python `NDBuffer`). */
#ifndef ZBUF_NDBUFFER_H
#define ZBUF_NDBUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "zbuf/buffer.h"
#include "zbuf/device.h"
#include "zbuf/dtype.h"
#include "zbuf/slice.h"
#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest number of dimensions (NumPy's limit before 2.0). */
#define ZBUF_MAX_NDIM 32

/** Memory layout for newly created arrays. */
typedef enum zbuf_order {
  ZBUF_ORDER_C = 0, /* last axis varies fastest */
  ZBUF_ORDER_F = 1  /* first axis varies fastest */
} zbuf_order;

/** Opaque, reference-counted handle: dtype, shape, strides (in bytes, may be negative or zero) and a byte
 * offset into a reference-counted memory block. Metadata never changes; elements may be written. */
typedef struct zbuf_ndbuffer zbuf_ndbuffer;

/** One entry of a basic index: an integer (drops the axis) or a slice (keeps it). */
typedef struct zbuf_index {
  enum { ZBUF_INDEX_INTEGER = 0, ZBUF_INDEX_SLICE = 1 } kind;
  int64_t integer; /* for ZBUF_INDEX_INTEGER; negative counts from the end */
  zbuf_slice slice; /* for ZBUF_INDEX_SLICE; any non-zero step */
} zbuf_index;

#define ZBUF_AT(i) ((zbuf_index){ZBUF_INDEX_INTEGER, (i), {0, 0, 1, 0}})
#define ZBUF_RANGE(s) ((zbuf_index){ZBUF_INDEX_SLICE, 0, (s)})

/** New array in `device`, every element set to *fill_value (Zarr-Python `NDBuffer.create`). fill_value points
 * at one element stored in `dtype` (its byte order included); NULL fills with zeros. shape entries must be
 * >= 0; ndim <= ZBUF_MAX_NDIM; the total byte size must fit in int64 (ZBUF_EINVAL otherwise). */
zbuf_status zbuf_ndbuffer_create(zbuf_device device, size_t ndim, const int64_t *shape, zbuf_dtype dtype,
                                 zbuf_order order, const void *fill_value, zbuf_ndbuffer **out,
                                 zbuf_error *err);

/** As zbuf_ndbuffer_create with uninitialised contents (Zarr-Python `NDBuffer.empty`). */
zbuf_status zbuf_ndbuffer_empty(zbuf_device device, size_t ndim, const int64_t *shape, zbuf_dtype dtype,
                                zbuf_order order, zbuf_ndbuffer **out, zbuf_error *err);

/** New C-ordered array in `device` holding a copy of a host array described by pointer, shape and byte
 * strides (NULL strides: C-contiguous) (Zarr-Python `NDBuffer.from_numpy_array`, copying). */
zbuf_status zbuf_ndbuffer_from_host(zbuf_device device, const void *data, size_t ndim, const int64_t *shape,
                                    const int64_t *strides, zbuf_dtype dtype, zbuf_ndbuffer **out,
                                    zbuf_error *err);

/** Wraps existing memory of `device` without copying (Zarr-Python `NDBuffer.from_ndarray_like`). strides in
 * bytes (NULL: C-contiguous). release(data, ctx) runs exactly once after the last user; not on failure. */
zbuf_status zbuf_ndbuffer_wrap(zbuf_device device, void *data, size_t ndim, const int64_t *shape,
                               const int64_t *strides, zbuf_dtype dtype, zbuf_release_fn release, void *ctx,
                               zbuf_ndbuffer **out, zbuf_error *err);

/** A view of a contiguous Buffer's bytes with the given dtype and shape (ndim 0 with a non-NULL shape is a
 * scalar; shape may hold one -1). shape NULL gives a flat 1-d view whose length is the byte length divided by
 * the itemsize (ndim must then be 0 or 1). Shares memory; the byte length must match (ZBUF_EINVAL). */
zbuf_status zbuf_ndbuffer_from_buffer(const zbuf_buffer *src, size_t ndim, const int64_t *shape,
                                      zbuf_dtype dtype, zbuf_ndbuffer **out, zbuf_error *err);

/** A host array with the same elements (Zarr-Python `NDBuffer.as_numpy_array`): a new reference when src is
 * already in host memory, a copy with the same shape (C order) otherwise. */
zbuf_status zbuf_ndbuffer_to_host(const zbuf_ndbuffer *src, zbuf_ndbuffer **out, zbuf_error *err);

/** A new array in `device` with src's elements (C order): zero-copy new reference when src is already in
 * `device` (Zarr-Python `NDBuffer.from_ndarray_like(...)` across prototypes). */
zbuf_status zbuf_ndbuffer_to_device(const zbuf_ndbuffer *src, zbuf_device device, zbuf_ndbuffer **out,
                                    zbuf_error *err);

/** Copies the elements in C order into caller host memory dst (dst_size >= size * itemsize). */
zbuf_status zbuf_ndbuffer_to_bytes(const zbuf_ndbuffer *src, void *dst, size_t dst_size, zbuf_error *err);

/** Copies the single element into out (itemsize bytes, src's byte order). The size must be 1 (ZBUF_EINVAL)
 * (Zarr-Python `NDBuffer.as_scalar`). */
zbuf_status zbuf_ndbuffer_as_scalar(const zbuf_ndbuffer *src, void *out, size_t out_size, zbuf_error *err);

zbuf_dtype zbuf_ndbuffer_dtype(const zbuf_ndbuffer *a);
size_t zbuf_ndbuffer_ndim(const zbuf_ndbuffer *a);
/** Pointer to ndim extents, valid while a is alive. */
const int64_t *zbuf_ndbuffer_shape(const zbuf_ndbuffer *a);
/** Pointer to ndim byte strides, valid while a is alive. */
const int64_t *zbuf_ndbuffer_strides(const zbuf_ndbuffer *a);
/** Number of elements (product of shape; 1 for ndim 0). */
int64_t zbuf_ndbuffer_size(const zbuf_ndbuffer *a);
/** Address of element [0, ..., 0] (a device pointer for device arrays); never copies. */
void *zbuf_ndbuffer_data(const zbuf_ndbuffer *a);
zbuf_device zbuf_ndbuffer_device(const zbuf_ndbuffer *a);
/** Whether the elements are laid out contiguously in C (resp. F) order. */
int zbuf_ndbuffer_is_contiguous(const zbuf_ndbuffer *a, zbuf_order order);

/** NumPy `reshape` in C order: a view when the strides allow it, else a C-ordered copy. One entry may be -1
 * (inferred). Sizes must match (ZBUF_EINVAL). */
zbuf_status zbuf_ndbuffer_reshape(const zbuf_ndbuffer *src, size_t ndim, const int64_t *shape,
                                  zbuf_ndbuffer **out, zbuf_error *err);

/** View without the given size-1 axes (NULL axes / naxes 0: all size-1 axes). Axis out of range:
 * ZBUF_ERANGE; axis whose extent is not 1 or repeated: ZBUF_EINVAL. Negative axes count from the end. */
zbuf_status zbuf_ndbuffer_squeeze(const zbuf_ndbuffer *src, size_t naxes, const int64_t *axes,
                                  zbuf_ndbuffer **out, zbuf_error *err);

/** New C-ordered array with elements cast to dtype by NumPy's rules for `astype` (unsafe casting). */
zbuf_status zbuf_ndbuffer_astype(const zbuf_ndbuffer *src, zbuf_dtype dtype, zbuf_ndbuffer **out,
                                 zbuf_error *err);

/** View with axes permuted (NULL axes: reversed). axes must be a permutation of 0..ndim-1 (negative allowed):
 * out of range ZBUF_ERANGE, repeated or wrong count ZBUF_EINVAL. */
zbuf_status zbuf_ndbuffer_transpose(const zbuf_ndbuffer *src, size_t naxes, const int64_t *axes,
                                    zbuf_ndbuffer **out, zbuf_error *err);

/** Basic indexing view (Zarr-Python `NDBuffer.__getitem__`): nidx <= ndim entries, remaining axes taken whole.
 * Integers out of range: ZBUF_ERANGE; too many indices: ZBUF_ERANGE; step 0: ZBUF_EINVAL. */
zbuf_status zbuf_ndbuffer_get_item(const zbuf_ndbuffer *src, size_t nidx, const zbuf_index *idx,
                                   zbuf_ndbuffer **out, zbuf_error *err);

/** Writes value, broadcast to the selection and cast to dst's dtype, into the selection (Zarr-Python
 * `NDBuffer.__setitem__`). value may be in another space and may overlap dst. Shapes that do not broadcast:
 * ZBUF_EINVAL, dst unchanged. */
zbuf_status zbuf_ndbuffer_set_item(zbuf_ndbuffer *dst, size_t nidx, const zbuf_index *idx,
                                   const zbuf_ndbuffer *value, zbuf_error *err);

/** Writes one element value (stored in dst's dtype) into every element of the selection. */
zbuf_status zbuf_ndbuffer_set_item_scalar(zbuf_ndbuffer *dst, size_t nidx, const zbuf_index *idx,
                                          const void *value, zbuf_error *err);

/** Sets every element to *value (stored in dst's dtype) (Zarr-Python `NDBuffer.fill`). */
zbuf_status zbuf_ndbuffer_fill(zbuf_ndbuffer *dst, const void *value, zbuf_error *err);

/** New C-ordered array in the same space with a copy of the elements (Zarr-Python `NDBuffer.copy`). */
zbuf_status zbuf_ndbuffer_copy(const zbuf_ndbuffer *src, zbuf_ndbuffer **out, zbuf_error *err);

/** Whether every element equals *value (one element in a's dtype) (Zarr-Python `NDBuffer.all_equal` with a
 * scalar). With equal_nan, NaN equals NaN (any payload; a complex element with NaN in either part equals any other such element, as NumPy's array_equal does). +0.0 and -0.0 are told apart
 * by bit pattern, as Zarr-Python does for fill values. An empty array is all-equal. */
zbuf_status zbuf_ndbuffer_all_equal_scalar(const zbuf_ndbuffer *a, const void *value, int equal_nan,
                                           int *equal, zbuf_error *err);

/** Whether every element of a equals the matching element of b broadcast to a's shape (Zarr-Python
 * `NDBuffer.all_equal` with an array): same rules as the scalar form, b cast to a's dtype. */
zbuf_status zbuf_ndbuffer_all_equal(const zbuf_ndbuffer *a, const zbuf_ndbuffer *b, int equal_nan,
                                    int *equal, zbuf_error *err);

zbuf_ndbuffer *zbuf_ndbuffer_retain(zbuf_ndbuffer *a);
/** Drops a reference; safe from any thread. zbuf_ndbuffer_release(NULL) is a no-op. */
void zbuf_ndbuffer_release(zbuf_ndbuffer *a);

#ifdef __cplusplus
}
#endif
#endif

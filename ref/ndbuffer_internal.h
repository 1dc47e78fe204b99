/* zbuf reference: helpers shared by the NDBuffer files (ndbuffer.c, ndbuffer_view.c, ndbuffer_write.c,
 * dlpack.c). Not installed.
 *
 * A "descriptor" is a zbuf_ndbuffer value on the stack: block (not retained), offset, dtype, shape and
 * strides. Operations compute a descriptor first, validate everything, and only then allocate a handle
 * from it (zbuf__ndbuffer_from_desc) or write through it, so that a failure leaves nothing changed. */
#ifndef ZBUF_REF_NDBUFFER_INTERNAL_H
#define ZBUF_REF_NDBUFFER_INTERNAL_H

#include "internal.h"

/* Number of elements of a validated shape (1 for ndim 0). */
int64_t zbuf__shape_size(size_t ndim, const int64_t *shape);

/* Byte strides of a contiguous array of this shape in the given order. */
void zbuf__contiguous_strides(size_t ndim, const int64_t *shape, int64_t itemsize, zbuf_order order,
                              int64_t *strides);

/* Byte range [lo, hi) that the elements of a view occupy, relative to element [0,...,0]; lo <= 0 < hi for a
 * non-empty view, lo == hi == 0 for an empty one. */
void zbuf__view_span(const zbuf__view *v, int64_t *lo, int64_t *hi);

/* The descriptor of src: its metadata copied field by field. Copying the whole struct would read src's
 * atomic reference count non-atomically, a data race while other threads retain or release src. */
zbuf_ndbuffer zbuf__ndbuffer_desc_of(const zbuf_ndbuffer *src);

/* A new handle (refs 1, counted in the stats) with the fields of desc and a new reference on desc->block. */
zbuf_status zbuf__ndbuffer_from_desc(const zbuf_ndbuffer *desc, zbuf_ndbuffer **out, zbuf_error *err);

/* A handle (refs 1, counted in the stats) with no block yet; zbuf_ndbuffer_release frees it. Callers that
 * must not release a resource on failure (wrap, DLPack import) take the handle before the block. */
zbuf_status zbuf__ndbuffer_handle_new(zbuf_ndbuffer **out, zbuf_error *err);

/* New C-ordered array in dst_dev with dtype dst_dtype and shape (ndim, shape), holding the elements of src
 * (which lives in src_dev and has the same number of elements) in C order, cast as astype does. The one place
 * where whole-array copies run their element loop. */
zbuf_status zbuf__ndbuffer_convert(const zbuf__view *src, zbuf_device src_dev, zbuf_device dst_dev,
                                   zbuf_dtype dst_dtype, size_t ndim, const int64_t *shape,
                                   zbuf_ndbuffer **out, zbuf_error *err);

/* A host-addressable view of elements that may live in device memory. For host memory the view is the
 * original one and nothing is allocated; otherwise the byte span of the elements is copied into a host
 * staging block (when `load`), and zbuf__unstage copies it back (when `store`). Device pointers are only
 * ever handed to zbuf__mem_copy. */
typedef struct zbuf__staged {
  zbuf__view view;      /* host-addressable */
  zbuf__block *staging; /* NULL when the elements were host memory already */
  char *device_span;    /* device address of the span's first byte */
  zbuf_device device;
  size_t span; /* bytes */
} zbuf__staged;

zbuf_status zbuf__stage(const zbuf__view *v, zbuf_device device, int load, zbuf__staged *out,
                        zbuf_error *err);
/* Copies the staging block back when store is set, then releases it. Always releases, even on error. */
zbuf_status zbuf__unstage(zbuf__staged *s, int store, zbuf_error *err);

/* Resolves a requested shape that may hold one -1 against an array of total_bytes bytes of itemsize-byte
 * elements (ndbuffer_view.c). `what` names the argument in messages. Writes ndim extents to out_shape. */
zbuf_status zbuf__resolve_shape(size_t ndim, const int64_t *shape, size_t itemsize, int64_t total_bytes,
                                const char *what, int64_t *out_shape, zbuf_error *err);

/* Basic indexing (ndbuffer_view.c): the descriptor of src[idx], sharing src's block (not retained). */
zbuf_status zbuf__ndbuffer_select(const zbuf_ndbuffer *src, size_t nidx, const zbuf_index *idx,
                                  zbuf_ndbuffer *desc, zbuf_error *err);

#endif

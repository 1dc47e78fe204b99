/* zbuf: Buffer, a flat contiguous run of bytes in one memory space (Zarr-Python's `Buffer`). */
#ifndef ZBUF_BUFFER_H
#define ZBUF_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "zbuf/device.h"
#include "zbuf/slice.h"
#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque, reference-counted handle. Metadata (device, length, offset) never changes after creation;
 * the bytes may be written through zbuf_buffer_set_slice or the raw pointer. */
typedef struct zbuf_buffer zbuf_buffer;

/** Called exactly once, from whichever thread drops the last reference, when wrapped memory is no longer
 * used by any buffer, view or DLPack export. */
typedef void (*zbuf_release_fn)(void *data, void *ctx);

/** New zero-length buffer in `device` (Zarr-Python `Buffer.create_zero_length`). */
zbuf_status zbuf_buffer_create_zero_length(zbuf_device device, zbuf_buffer **out, zbuf_error *err);

/** New buffer in `device` holding a copy of `size` host bytes (Zarr-Python `Buffer.from_bytes`). data may be
 * NULL only when size is 0. */
zbuf_status zbuf_buffer_from_bytes(zbuf_device device, const void *data, size_t size, zbuf_buffer **out,
                                   zbuf_error *err);

/** Wraps existing memory without copying (Zarr-Python `Buffer.from_array_like`). `release(data, ctx)` runs
 * exactly once after the last user is gone; it may be NULL for memory that outlives every buffer. On
 * failure release is NOT called: the caller still owns the memory. */
zbuf_status zbuf_buffer_wrap(zbuf_device device, void *data, size_t size, zbuf_release_fn release, void *ctx,
                             zbuf_buffer **out, zbuf_error *err);

/** A buffer in `device` with the contents of src (Zarr-Python `Buffer.from_buffer`). Zero-copy (a new
 * reference to the same memory) when src already lives in `device`; otherwise a copy across spaces. */
zbuf_status zbuf_buffer_from_buffer(zbuf_device device, const zbuf_buffer *src, zbuf_buffer **out,
                                    zbuf_error *err);

/** Raw view of the underlying memory; never copies (Zarr-Python `Buffer.as_array_like`). NULL only for a
 * zero-length buffer. Device memory pointers are device pointers. */
void *zbuf_buffer_data(const zbuf_buffer *buf);

/** Number of bytes (Zarr-Python `len(Buffer)`). 0 for NULL. */
size_t zbuf_buffer_length(const zbuf_buffer *buf);

/** Memory space of the bytes. */
zbuf_device zbuf_buffer_device(const zbuf_buffer *buf);

/** A host buffer with the same bytes (Zarr-Python `Buffer.as_numpy_array`): a new reference when src is
 * already in host memory (CPU or pinned), a copy into host memory otherwise. */
zbuf_status zbuf_buffer_to_host(const zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err);

/** Copies all bytes of src into caller memory dst of dst_size bytes (Zarr-Python `Buffer.to_bytes`).
 * dst_size must be >= the buffer length (ZBUF_EINVAL otherwise, nothing written). */
zbuf_status zbuf_buffer_to_bytes(const zbuf_buffer *src, void *dst, size_t dst_size, zbuf_error *err);

/** View of the bytes selected by a Python slice (Zarr-Python `Buffer.__getitem__`); shares memory. The step
 * must be None or 1 (ZBUF_EINVAL otherwise). */
zbuf_status zbuf_buffer_slice(const zbuf_buffer *src, zbuf_slice key, zbuf_buffer **out, zbuf_error *err);

/** Writes value's bytes into the bytes dst selects with key (Zarr-Python `Buffer.__setitem__`). The step
 * must be None or 1 and the lengths must match (ZBUF_EINVAL; dst unchanged). value may live in another
 * memory space and may overlap dst. */
zbuf_status zbuf_buffer_set_slice(zbuf_buffer *dst, zbuf_slice key, const zbuf_buffer *value,
                                  zbuf_error *err);

/** New buffer in parts[0]'s memory space holding the concatenation of n parts (Zarr-Python
 * `Buffer.combine`, which is `self + others`). n must be >= 1; parts in other spaces are copied across. */
zbuf_status zbuf_buffer_combine(const zbuf_buffer *const *parts, size_t n, zbuf_buffer **out,
                                zbuf_error *err);

/** Whether a and b hold equal bytes, in any memory spaces (Zarr-Python `Buffer.__eq__`). */
zbuf_status zbuf_buffer_equal(const zbuf_buffer *a, const zbuf_buffer *b, int *equal, zbuf_error *err);

/** Adds a reference; returns buf. Safe from any thread. NULL gives NULL. */
zbuf_buffer *zbuf_buffer_retain(zbuf_buffer *buf);

/** Drops a reference; the last one frees the handle and, when no view is left, the memory. Safe from any
 * thread. zbuf_buffer_release(NULL) is a no-op. */
void zbuf_buffer_release(zbuf_buffer *buf);

#ifdef __cplusplus
}
#endif
#endif

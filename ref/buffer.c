/* zbuf reference: Buffer, a flat run of bytes in one memory space (Zarr-Python's `Buffer`, core.py/cpu.py).
 * A handle is a window (offset, length) on a reference-counted block; slices are new windows on the same
 * block, so they alias the bytes they came from. */
#include <string.h>

#include "internal.h"

/* A new handle owning one reference to b (the caller's). Does not touch b on failure. */
static zbuf_status handle_new(zbuf__block *b, size_t offset, size_t length, zbuf_buffer **out,
                              zbuf_error *err) {
  zbuf_buffer *h = zbuf__malloc(sizeof *h);
  if (h == NULL) return zbuf_error_set(err, ZBUF_ENOMEM, "cannot allocate a buffer handle");
  atomic_init(&h->refs, 1);
  h->block = b;
  h->offset = offset;
  h->length = length;
  zbuf__stats_add(0, 0, 1);
  *out = h;
  return ZBUF_OK;
}

/* A handle on a fresh owned block of `size` bytes in device. */
static zbuf_status buffer_alloc(zbuf_device device, size_t size, zbuf_buffer **out, zbuf_error *err) {
  zbuf__block *b = NULL;
  ZBUF_RETURN_NOT_OK(zbuf__block_alloc(device, size, &b, err));
  zbuf_status st = handle_new(b, 0, size, out, err);
  if (st != ZBUF_OK) zbuf__block_release(b);
  return st;
}

static char *buffer_bytes(const zbuf_buffer *buf) {
  return buf->length == 0 ? NULL : (char *)buf->block->data + buf->offset;
}

/* The window a slice key selects. Zarr-Python only accepts contiguous 1-d keys for a Buffer
 * (check_item_key_is_1d_contiguous), so a step other than None or 1 is refused, not emulated. */
static zbuf_status resolve_window(const zbuf_buffer *buf, zbuf_slice key, size_t *start, size_t *count,
                                  zbuf_error *err) {
  if ((key.given & ZBUF_SLICE_HAS_STEP) && key.step != 1)
    return zbuf_error_set(err, ZBUF_EINVAL, "key.step = %lld must be None or 1: a Buffer slice is contiguous",
                          (long long)key.step);
  int64_t s = 0, n = 0, step = 0;
  ZBUF_RETURN_NOT_OK(zbuf_slice_resolve(key, (int64_t)buf->length, &s, &n, &step, err));
  *start = (size_t)s;
  *count = (size_t)n;
  return ZBUF_OK;
}

zbuf_status zbuf_buffer_create_zero_length(zbuf_device device, zbuf_buffer **out, zbuf_error *err) {
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  return buffer_alloc(device, 0, out, err);
}

zbuf_status zbuf_buffer_from_bytes(zbuf_device device, const void *data, size_t size, zbuf_buffer **out,
                                   zbuf_error *err) {
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  if (data == NULL && size != 0)
    return zbuf_error_set(err, ZBUF_EINVAL, "data is NULL but size = %zu is not 0", size);
  zbuf_buffer *h = NULL;
  ZBUF_RETURN_NOT_OK(buffer_alloc(device, size, &h, err));
  zbuf_status st = zbuf__mem_copy(buffer_bytes(h), device, data, ZBUF_CPU, size, err);
  if (st != ZBUF_OK) {
    zbuf_buffer_release(h);
    return st;
  }
  *out = h;
  return ZBUF_OK;
}

zbuf_status zbuf_buffer_wrap(zbuf_device device, void *data, size_t size, zbuf_release_fn release, void *ctx,
                             zbuf_buffer **out, zbuf_error *err) {
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  if (data == NULL && size != 0)
    return zbuf_error_set(err, ZBUF_EINVAL, "data is NULL but size = %zu is not 0", size);
  ZBUF_RETURN_NOT_OK(zbuf_device_check(device, err));
  /* The handle comes first: once the block exists, dropping it would run `release`, and the contract says
   * a failed wrap leaves the memory with the caller. */
  zbuf_buffer *h = zbuf__malloc(sizeof *h);
  if (h == NULL) return zbuf_error_set(err, ZBUF_ENOMEM, "cannot allocate a buffer handle");
  zbuf__block *b = NULL;
  zbuf_status st = zbuf__block_wrap(device, data, size, release, ctx, &b, err);
  if (st != ZBUF_OK) {
    zbuf__free(h);
    return st;
  }
  atomic_init(&h->refs, 1);
  h->block = b;
  h->offset = 0;
  h->length = size;
  zbuf__stats_add(0, 0, 1);
  *out = h;
  return ZBUF_OK;
}

zbuf_status zbuf_buffer_from_buffer(zbuf_device device, const zbuf_buffer *src, zbuf_buffer **out,
                                    zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  if (zbuf_device_equal(device, src->block->device)) {
    zbuf_buffer *h = NULL;
    ZBUF_RETURN_NOT_OK(handle_new(src->block, src->offset, src->length, &h, err));
    zbuf__block_retain(src->block);
    *out = h;
    return ZBUF_OK;
  }
  zbuf_buffer *h = NULL;
  ZBUF_RETURN_NOT_OK(buffer_alloc(device, src->length, &h, err));
  zbuf_status st =
      zbuf__mem_copy(buffer_bytes(h), device, buffer_bytes(src), src->block->device, src->length, err);
  if (st != ZBUF_OK) {
    zbuf_buffer_release(h);
    return st;
  }
  *out = h;
  return ZBUF_OK;
}

void *zbuf_buffer_data(const zbuf_buffer *buf) { return buf == NULL ? NULL : buffer_bytes(buf); }

size_t zbuf_buffer_length(const zbuf_buffer *buf) { return buf == NULL ? 0 : buf->length; }

zbuf_device zbuf_buffer_device(const zbuf_buffer *buf) { return buf == NULL ? ZBUF_CPU : buf->block->device; }

zbuf_status zbuf_buffer_to_host(const zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  if (zbuf_device_is_host(src->block->device)) {
    /* Handles are immutable apart from their count, so a new reference is as good as a new handle. */
    *out = zbuf_buffer_retain((zbuf_buffer *)src);
    return ZBUF_OK;
  }
  return zbuf_buffer_from_buffer(ZBUF_CPU, src, out, err);
}

zbuf_status zbuf_buffer_to_bytes(const zbuf_buffer *src, void *dst, size_t dst_size, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (dst == NULL && src->length != 0) return zbuf_error_set(err, ZBUF_EINVAL, "dst is NULL");
  if (dst_size < src->length)
    return zbuf_error_set(err, ZBUF_EINVAL, "dst_size = %zu is smaller than the buffer length %zu", dst_size,
                          src->length);
  return zbuf__mem_copy(dst, ZBUF_CPU, buffer_bytes(src), src->block->device, src->length, err);
}

zbuf_status zbuf_buffer_slice(const zbuf_buffer *src, zbuf_slice key, zbuf_buffer **out, zbuf_error *err) {
  if (src == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "src is NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  size_t start = 0, count = 0;
  ZBUF_RETURN_NOT_OK(resolve_window(src, key, &start, &count, err));
  zbuf_buffer *h = NULL;
  ZBUF_RETURN_NOT_OK(handle_new(src->block, src->offset + start, count, &h, err));
  zbuf__block_retain(src->block);
  *out = h;
  return ZBUF_OK;
}

zbuf_status zbuf_buffer_set_slice(zbuf_buffer *dst, zbuf_slice key, const zbuf_buffer *value,
                                  zbuf_error *err) {
  if (dst == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "dst is NULL");
  if (value == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "value is NULL");
  size_t start = 0, count = 0;
  ZBUF_RETURN_NOT_OK(resolve_window(dst, key, &start, &count, err));
  if (count != value->length)
    return zbuf_error_set(err, ZBUF_EINVAL, "value length %zu does not match the %zu bytes the key selects",
                          value->length, count);
  if (count == 0) return ZBUF_OK;
  /* zbuf__mem_copy has memmove semantics, so value may be a view overlapping dst. */
  return zbuf__mem_copy((char *)dst->block->data + dst->offset + start, dst->block->device,
                        buffer_bytes(value), value->block->device, count, err);
}

zbuf_status zbuf_buffer_combine(const zbuf_buffer *const *parts, size_t n, zbuf_buffer **out,
                                zbuf_error *err) {
  if (parts == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "parts is NULL");
  if (n == 0) return zbuf_error_set(err, ZBUF_EINVAL, "n = 0 must be >= 1");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (parts[i] == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "parts[%zu] is NULL", i);
    if (parts[i]->length > (size_t)INT64_MAX - total)
      return zbuf_error_set(err, ZBUF_EINVAL, "total length of parts[0..%zu] exceeds INT64_MAX", i);
    total += parts[i]->length;
  }
  zbuf_device device = parts[0]->block->device;
  zbuf_buffer *h = NULL;
  ZBUF_RETURN_NOT_OK(buffer_alloc(device, total, &h, err));
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const zbuf_buffer *p = parts[i];
    if (p->length == 0) continue;
    zbuf_status st = zbuf__mem_copy((char *)h->block->data + at, device, buffer_bytes(p), p->block->device,
                                    p->length, err);
    if (st != ZBUF_OK) {
      zbuf_buffer_release(h);
      return st;
    }
    at += p->length;
  }
  *out = h;
  return ZBUF_OK;
}

zbuf_status zbuf_buffer_equal(const zbuf_buffer *a, const zbuf_buffer *b, int *equal, zbuf_error *err) {
  if (a == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "a is NULL");
  if (b == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "b is NULL");
  if (equal == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "equal is NULL");
  if (a->length != b->length || a->length == 0) {
    *equal = a->length == b->length;
    return ZBUF_OK;
  }
  /* Bytes in device memory are brought to the host first; host bytes are compared in place. */
  zbuf_buffer *ha = NULL, *hb = NULL;
  zbuf_status st = zbuf_buffer_to_host(a, &ha, err);
  if (st == ZBUF_OK) st = zbuf_buffer_to_host(b, &hb, err);
  if (st == ZBUF_OK) *equal = memcmp(buffer_bytes(ha), buffer_bytes(hb), a->length) == 0;
  zbuf_buffer_release(ha);
  zbuf_buffer_release(hb);
  return st;
}

zbuf_buffer *zbuf_buffer_retain(zbuf_buffer *buf) {
  if (buf != NULL) atomic_fetch_add_explicit(&buf->refs, 1, memory_order_relaxed);
  return buf;
}

void zbuf_buffer_release(zbuf_buffer *buf) {
  if (buf == NULL) return;
  if (atomic_fetch_sub_explicit(&buf->refs, 1, memory_order_acq_rel) != 1) return;
  zbuf__block_release(buf->block);
  zbuf__free(buf);
  zbuf__stats_add(0, 0, -1);
}

/* zbuf reference: reference-counted memory blocks, the owner of every byte a buffer or ndbuffer views. */
#include "backend.h"

static zbuf__block *block_new(zbuf_device device, void *data, size_t size, zbuf_error *err) {
  zbuf__block *b = zbuf__malloc(sizeof *b);
  if (b == NULL) {
    zbuf_error_set(err, ZBUF_ENOMEM, "cannot allocate a memory block header");
    return NULL;
  }
  atomic_init(&b->refs, 1);
  b->data = data;
  b->size = size;
  b->device = device;
  b->release = NULL;
  b->release_ctx = NULL;
  b->owned = 0;
  return b;
}

zbuf_status zbuf__block_alloc(zbuf_device device, size_t size, zbuf__block **out, zbuf_error *err) {
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  if (size > (size_t)INT64_MAX) return zbuf_error_set(err, ZBUF_EINVAL, "size = %zu exceeds INT64_MAX", size);
  /* Check the space before allocating anything, so that an unusable device costs no allocation. */
  ZBUF_RETURN_NOT_OK(zbuf_device_check(device, err));
  zbuf__block *b = block_new(device, NULL, size, err);
  if (b == NULL) return ZBUF_ENOMEM;
  zbuf_status st = zbuf__mem_alloc(device, size, &b->data, err);
  if (st != ZBUF_OK) {
    zbuf__free(b);
    return st;
  }
  b->owned = 1;
  zbuf__stats_add(1, (int64_t)size, 0);
  *out = b;
  return ZBUF_OK;
}

zbuf_status zbuf__block_wrap(zbuf_device device, void *data, size_t size, zbuf_release_fn release, void *ctx,
                             zbuf__block **out, zbuf_error *err) {
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out is NULL");
  if (data == NULL && size != 0)
    return zbuf_error_set(err, ZBUF_EINVAL, "data is NULL but size = %zu is not 0", size);
  if (size > (size_t)INT64_MAX) return zbuf_error_set(err, ZBUF_EINVAL, "size = %zu exceeds INT64_MAX", size);
  ZBUF_RETURN_NOT_OK(zbuf_device_check(device, err));
  zbuf__block *b = block_new(device, data, size, err);
  if (b == NULL) return ZBUF_ENOMEM;
  b->release = release;
  b->release_ctx = ctx;
  zbuf__stats_add(1, (int64_t)size, 0);
  *out = b;
  return ZBUF_OK;
}

zbuf__block *zbuf__block_retain(zbuf__block *b) {
  /* A new reference is made from an existing one, so no ordering is needed to take it. */
  if (b != NULL) atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
  return b;
}

void zbuf__block_release(zbuf__block *b) {
  if (b == NULL) return;
  /* acq_rel: every other holder's writes happen-before the free done by the last one. */
  if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
  if (b->owned)
    zbuf__mem_free(b->device, b->data, b->size);
  else if (b->release != NULL)
    b->release(b->data, b->release_ctx);
  zbuf__stats_add(-1, -(int64_t)b->size, 0);
  zbuf__free(b);
}

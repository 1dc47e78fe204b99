/* zbuf reference: the pageable host memory backend, on libc. */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

static zbuf_status cpu_check(zbuf_device device, zbuf_error *err) {
  /* Host memory has one space; a non-zero ordinal names a device that does not exist. */
  if (device.id != 0)
    return zbuf_error_set(err, ZBUF_ENODEV, "device.id = %d for cpu must be 0", (int)device.id);
  return ZBUF_OK;
}

/* Large blocks come from the host pool (host_pool.c), warm when one was given back; small ones from malloc. */
static zbuf_status cpu_alloc(zbuf_device device, size_t size, void **out, zbuf_error *err) {
  (void)device;
  void *p = NULL;
  if (size >= zbuf__host_pool_min()) {
    p = zbuf__host_pool_take(size);
    if (p == NULL) p = zbuf__host_pool_fresh(size);
    if (p == NULL) {
      /* Idle pooled memory may be what the system lacks: give it back and try once more. */
      zbuf__host_pool_trim();
      p = zbuf__host_pool_fresh(size);
    }
  } else {
    p = malloc(size);
  }
  if (p == NULL) return zbuf_error_set(err, ZBUF_ENOMEM, "cannot allocate %zu bytes of host memory", size);
  *out = p;
  return ZBUF_OK;
}

static void cpu_free(zbuf_device device, void *p, size_t size) {
  (void)device;
  if (size >= zbuf__host_pool_min())
    zbuf__host_pool_give(p, size);
  else
    free(p);
}

static zbuf_status cpu_copy(void *dst, zbuf_device dst_dev, const void *src, zbuf_device src_dev, size_t n,
                            zbuf_error *err) {
  (void)dst_dev;
  (void)src_dev;
  (void)err;
  memmove(dst, src, n);
  return ZBUF_OK;
}

const zbuf__backend zbuf__cpu_backend = {"cpu", cpu_check, cpu_alloc, cpu_free, cpu_copy};

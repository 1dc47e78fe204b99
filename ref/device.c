/* zbuf reference: memory spaces, and the dispatch of raw memory operations to their backends. */
#include <stdio.h>
#include <string.h>

#include "backend.h"

static int type_known(int type) {
  return type == ZBUF_DEVICE_CPU || type == ZBUF_DEVICE_CUDA || type == ZBUF_DEVICE_CUDA_HOST;
}

const zbuf__backend *zbuf__backend_for(zbuf_device device, zbuf_error *err) {
  switch ((int)device.type) {
    case ZBUF_DEVICE_CPU: return &zbuf__cpu_backend;
    case ZBUF_DEVICE_CUDA:
    case ZBUF_DEVICE_CUDA_HOST:
#ifdef ZBUF_WITH_CUDA
      return &zbuf__cuda_backend;
#else
      zbuf_error_set(err, ZBUF_EUNSUPPORTED, "device %s: zbuf was built without CUDA support",
                     device.type == ZBUF_DEVICE_CUDA ? "cuda" : "cuda_host");
      return NULL;
#endif
    default:
      zbuf_error_set(err, ZBUF_ETYPE,
                     "device.type = %d is not a known memory space (cpu = 1, cuda = 2, "
                     "cuda_host = 3)",
                     (int)device.type);
      return NULL;
  }
}

/* Status of a failed zbuf__backend_for call, recovered without a second error struct. */
static zbuf_status backend_error(zbuf_device device) {
  return type_known((int)device.type) ? ZBUF_EUNSUPPORTED : ZBUF_ETYPE;
}

int zbuf_device_is_host(zbuf_device device) {
  return device.type == ZBUF_DEVICE_CPU || device.type == ZBUF_DEVICE_CUDA_HOST;
}

int zbuf_device_equal(zbuf_device a, zbuf_device b) { return a.type == b.type && a.id == b.id; }

zbuf_status zbuf_device_check(zbuf_device device, zbuf_error *err) {
  const zbuf__backend *be = zbuf__backend_for(device, err);
  if (be == NULL) return backend_error(device);
  return be->check(device, err);
}

const char *zbuf_device_str(zbuf_device device, char out[24]) {
  switch ((int)device.type) {
    case ZBUF_DEVICE_CPU: snprintf(out, 24, "cpu"); break;
    case ZBUF_DEVICE_CUDA: snprintf(out, 24, "cuda:%d", (int)device.id); break;
    case ZBUF_DEVICE_CUDA_HOST: snprintf(out, 24, "cuda_host"); break;
    default: snprintf(out, 24, "unknown(%d)", (int)device.type); break;
  }
  return out;
}

static zbuf_alloc_kind alloc_kind(zbuf_device device) {
  switch ((int)device.type) {
    case ZBUF_DEVICE_CUDA: return ZBUF_ALLOC_DEVICE;
    case ZBUF_DEVICE_CUDA_HOST: return ZBUF_ALLOC_PINNED;
    default: return ZBUF_ALLOC_HOST;
  }
}

zbuf_status zbuf__mem_alloc(zbuf_device device, size_t size, void **out, zbuf_error *err) {
  const zbuf__backend *be = zbuf__backend_for(device, err);
  if (be == NULL) return backend_error(device);
  ZBUF_RETURN_NOT_OK(be->check(device, err));
  /* Zero bytes need no memory; a NULL pointer keeps "zero-length data is NULL" true everywhere. */
  if (size == 0) {
    *out = NULL;
    return ZBUF_OK;
  }
  if (zbuf__alloc_should_fail(alloc_kind(device))) {
    char name[24];
    return zbuf_error_set(err, ZBUF_ENOMEM, "cannot allocate %zu bytes in %s (injected failure)", size,
                          zbuf_device_str(device, name));
  }
  return be->alloc(device, size, out, err);
}

void zbuf__mem_free(zbuf_device device, void *p, size_t size) {
  if (p == NULL) return;
  const zbuf__backend *be = zbuf__backend_for(device, NULL);
  /* Memory can only come from a backend this build has, so be is never NULL for a real pointer. */
  if (be != NULL) be->free(device, p, size);
}

zbuf_status zbuf__mem_copy(void *dst, zbuf_device dst_dev, const void *src, zbuf_device src_dev, size_t n,
                           zbuf_error *err) {
  const zbuf__backend *dbe = zbuf__backend_for(dst_dev, err);
  if (dbe == NULL) return backend_error(dst_dev);
  const zbuf__backend *sbe = zbuf__backend_for(src_dev, err);
  if (sbe == NULL) return backend_error(src_dev);
  if (n == 0) return ZBUF_OK;
  if (dst == NULL || src == NULL)
    return zbuf_error_set(err, ZBUF_EINVAL, "%s is NULL for a copy of %zu bytes", dst ? "src" : "dst", n);
  /* Two host-addressable spaces (pageable or pinned) need no driver: the CPU copies. */
  if (zbuf_device_is_host(dst_dev) && zbuf_device_is_host(src_dev)) {
    memmove(dst, src, n);
    return ZBUF_OK;
  }
  /* Otherwise one side is device memory; its backend knows how to reach the other side. */
  const zbuf__backend *be = zbuf_device_is_host(dst_dev) ? sbe : dbe;
  return be->copy(dst, dst_dev, src, src_dev, n, err);
}

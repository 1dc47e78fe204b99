/* zbuf reference: the table a memory backend fills in. device.c dispatches every raw memory operation to
 * the backend that owns a memory space; a backend compiled in later (CUDA, in gpu_backend.cu under
 * ZBUF_WITH_CUDA) plugs in by defining its table, without changes to the dispatcher's callers. */
#ifndef ZBUF_REF_BACKEND_H
#define ZBUF_REF_BACKEND_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zbuf__backend {
  const char *name;
  /* Whether this space can be used now (driver present, ordinal in range). */
  zbuf_status (*check)(zbuf_device device, zbuf_error *err);
  /* Fresh memory of size > 0 bytes; the dispatcher has already done fault injection and size 0. */
  zbuf_status (*alloc)(zbuf_device device, size_t size, void **out, zbuf_error *err);
  /* Memory from alloc, with the size it was asked for (what a pool needs to keep it). */
  void (*free)(zbuf_device device, void *p, size_t size);
  /* n > 0 bytes between two spaces of which at least one belongs to this backend (memmove semantics within
   * one space). */
  zbuf_status (*copy)(void *dst, zbuf_device dst_dev, const void *src, zbuf_device src_dev, size_t n,
                      zbuf_error *err);
} zbuf__backend;

/* Pageable host memory (cpu_backend.c). */
extern const zbuf__backend zbuf__cpu_backend;

#ifdef ZBUF_WITH_CUDA
/* Pinned host and CUDA device memory, and every copy that involves either (gpu_backend.cu). */
extern const zbuf__backend zbuf__cuda_backend;
#endif

/* The backend for a device type, or NULL with err set: ZBUF_ETYPE for an unknown type, ZBUF_EUNSUPPORTED
 * for a type this build lacks (device.c). */
const zbuf__backend *zbuf__backend_for(zbuf_device device, zbuf_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* zbuf reference: prototypes and the process-wide default prototype (Zarr-Python `BufferPrototype`,
 * `default_buffer_prototype()`). */
#include <stdatomic.h>

#include "internal.h"

/* The default is two devices; storing them in one 64-bit atomic makes every read and write a single
 * lock-free operation, so a reader can never see the buffer device of one prototype with the nd_buffer
 * device of another. Each device takes 32 bits: its type in the top 4, its ordinal in the low 28. */
enum { TYPE_SHIFT = 28 };
#define ID_MASK ((UINT32_C(1) << TYPE_SHIFT) - 1)

static uint32_t pack_device(zbuf_device d) {
  return ((uint32_t)d.type << TYPE_SHIFT) | ((uint32_t)d.id & ID_MASK);
}

static zbuf_device unpack_device(uint32_t v) {
  zbuf_device d;
  d.type = (zbuf_device_type)(v >> TYPE_SHIFT);
  d.id = (int32_t)(v & ID_MASK);
  return d;
}

#define PACKED_CPU \
  ((uint64_t)(((uint32_t)ZBUF_DEVICE_CPU << TYPE_SHIFT)) << 32 | ((uint32_t)ZBUF_DEVICE_CPU << TYPE_SHIFT))

static _Atomic uint64_t default_prototype = PACKED_CPU;

zbuf_prototype zbuf_prototype_cpu(void) {
  zbuf_prototype p = {ZBUF_CPU, ZBUF_CPU};
  return p;
}

zbuf_prototype zbuf_prototype_gpu(int id) {
  zbuf_device d = {ZBUF_DEVICE_CUDA, (int32_t)id};
  zbuf_prototype p = {d, d};
  return p;
}

zbuf_prototype zbuf_default_prototype(void) {
  uint64_t v = atomic_load_explicit(&default_prototype, memory_order_acquire);
  zbuf_prototype p;
  p.buffer = unpack_device((uint32_t)(v >> 32));
  p.nd_buffer = unpack_device((uint32_t)v);
  return p;
}

static zbuf_status check_device(zbuf_device d, const char *what, zbuf_error *err) {
  if (d.type != ZBUF_DEVICE_CPU && d.type != ZBUF_DEVICE_CUDA && d.type != ZBUF_DEVICE_CUDA_HOST)
    return zbuf_error_set(err, ZBUF_ETYPE,
                          "%s.type = %d is not a known memory space (cpu = 1, cuda = 2, "
                          "cuda_host = 3)",
                          what, (int)d.type);
  if (d.id < 0 || (uint32_t)d.id > ID_MASK)
    return zbuf_error_set(err, ZBUF_EINVAL, "%s.id = %d must be in [0, %u]", what, (int)d.id,
                          (unsigned)ID_MASK);
  return ZBUF_OK;
}

zbuf_status zbuf_set_default_prototype(zbuf_prototype prototype, zbuf_error *err) {
  ZBUF_RETURN_NOT_OK(check_device(prototype.buffer, "prototype.buffer", err));
  ZBUF_RETURN_NOT_OK(check_device(prototype.nd_buffer, "prototype.nd_buffer", err));
  uint64_t v = (uint64_t)pack_device(prototype.buffer) << 32 | pack_device(prototype.nd_buffer);
  atomic_store_explicit(&default_prototype, v, memory_order_release);
  return ZBUF_OK;
}

int zbuf_prototype_equal(zbuf_prototype a, zbuf_prototype b) {
  return zbuf_device_equal(a.buffer, b.buffer) && zbuf_device_equal(a.nd_buffer, b.nd_buffer);
}

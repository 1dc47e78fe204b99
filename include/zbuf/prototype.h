/* zbuf: prototypes (Zarr-Python `BufferPrototype`) and the process-wide default prototype. */
#ifndef ZBUF_PROTOTYPE_H
#define ZBUF_PROTOTYPE_H

#include "zbuf/device.h"
#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The pair of kinds an application asks for: where new Buffers and new NDBuffers live. A plain value. */
typedef struct zbuf_prototype {
  zbuf_device buffer;
  zbuf_device nd_buffer;
} zbuf_prototype;

/** The CPU prototype (Zarr-Python `zarr.buffer.cpu.buffer_prototype`): host memory for both. */
zbuf_prototype zbuf_prototype_cpu(void);

/** The GPU prototype for CUDA device `id` (Zarr-Python `zarr.buffer.gpu.buffer_prototype`). */
zbuf_prototype zbuf_prototype_gpu(int id);

/** The process-wide default (Zarr-Python `default_buffer_prototype()`); the CPU prototype until replaced.
 * Safe to call from any thread at any time, also while another thread replaces it: a reader sees either
 * the old or the new value, never a mix. */
zbuf_prototype zbuf_default_prototype(void);

/** Replaces the process-wide default. The devices must be valid types (ZBUF_ETYPE otherwise; the default is
 * unchanged); whether a GPU is present is checked when memory is allocated, not here. Thread-safe. */
zbuf_status zbuf_set_default_prototype(zbuf_prototype prototype, zbuf_error *err);

/** Whether two prototypes name the same kinds. */
int zbuf_prototype_equal(zbuf_prototype a, zbuf_prototype b);

#ifdef __cplusplus
}
#endif
#endif

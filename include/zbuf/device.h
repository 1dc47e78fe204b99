/* zbuf: memory spaces a buffer can live in. Device codes follow DLPack's DLDeviceType numbering. */
#ifndef ZBUF_DEVICE_H
#define ZBUF_DEVICE_H

#include <stdint.h>

#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Memory kinds, numbered as DLPack's DLDeviceType so that the two convert without a table. */
typedef enum zbuf_device_type {
  ZBUF_DEVICE_CPU = 1,       /* ordinary (pageable) host memory: kDLCPU */
  ZBUF_DEVICE_CUDA = 2,      /* CUDA device memory: kDLCUDA */
  ZBUF_DEVICE_CUDA_HOST = 3  /* page-locked (pinned) host memory: kDLCUDAHost */
} zbuf_device_type;

/** A memory space: type plus device ordinal (0 for host memory). */
typedef struct zbuf_device {
  zbuf_device_type type;
  int32_t id;
} zbuf_device;

/** The host (pageable) memory space. */
#define ZBUF_CPU ((zbuf_device){ZBUF_DEVICE_CPU, 0})

/** Whether memory of this space can be read and written by the CPU (CPU and pinned host). */
int zbuf_device_is_host(zbuf_device device);

/** Whether two devices name the same space. */
int zbuf_device_equal(zbuf_device a, zbuf_device b);

/** Checks that the reference can allocate in this space now: ZBUF_OK, ZBUF_ENODEV (no GPU, driver too old,
 * or ordinal out of range), ZBUF_EUNSUPPORTED (a CUDA type in a build without CUDA) or ZBUF_ETYPE (a device
 * type zbuf does not know). */
zbuf_status zbuf_device_check(zbuf_device device, zbuf_error *err);

/** "cpu", "cuda:0", "cuda_host"; writes into out (at least 24 bytes) and returns it. */
const char *zbuf_device_str(zbuf_device device, char out[24]);

#ifdef __cplusplus
}
#endif
#endif

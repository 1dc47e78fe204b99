/* zbuf: the reference implementation of the Zarr-Python cpu/gpu buffer API, in C. Include this header. */
#ifndef ZBUF_ZBUF_H
#define ZBUF_ZBUF_H

#include "zbuf/alloc.h"
#include "zbuf/buffer.h"
#include "zbuf/cuda.h"
#include "zbuf/device.h"
#include "zbuf/dtype.h"
#include "zbuf/ndbuffer.h"
#include "zbuf/prototype.h"
#include "zbuf/slice.h"
#include "zbuf/status.h"
#include "zbuf/version.h"

#endif

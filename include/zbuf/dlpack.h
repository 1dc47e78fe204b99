/* zbuf: zero-copy exchange of NDBuffers as DLPack managed tensors. */
#ifndef ZBUF_DLPACK_H
#define ZBUF_DLPACK_H

#include <dlpack/dlpack.h>

#include "zbuf/ndbuffer.h"
#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** DLPack's code for bool (kDLBool, added in DLPack 0.8; defined here for older headers). */
#define ZBUF_DLPACK_BOOL_CODE 6

/** Exports a as a DLPack tensor sharing its memory (strides in elements, byte_offset 0). The tensor keeps the
 * memory alive until its deleter runs; call the deleter exactly once. Non-native byte order and strides that
 * are not whole multiples of the itemsize: ZBUF_EUNSUPPORTED. */
zbuf_status zbuf_ndbuffer_to_dlpack(const zbuf_ndbuffer *a, DLManagedTensor **out, zbuf_error *err);

/** Imports a DLPack tensor without copying. On success zbuf owns `tensor` and calls its deleter exactly once
 * after the last user; on failure ownership stays with the caller (the deleter is not called). Unsupported
 * dtype codes/bit widths, lanes != 1, or unknown device types: ZBUF_ETYPE / ZBUF_EUNSUPPORTED. */
zbuf_status zbuf_ndbuffer_from_dlpack(DLManagedTensor *tensor, zbuf_ndbuffer **out, zbuf_error *err);

/** DLPack dtype of a zbuf dtype kind. */
DLDataType zbuf_dlpack_dtype(zbuf_dtype_kind kind);

#ifdef __cplusplus
}
#endif
#endif

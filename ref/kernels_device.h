/* zbuf reference: element kernels for views whose elements live in CUDA device memory (gpu_kernels.cu), so
 * that NDBuffer operations on device data run on the device instead of staging through host memory.
 *
 * Each function returns ZBUF_EUNSUPPORTED, without touching err, for a case it does not cover; the caller
 * then runs the host kernels on a staged copy (zbuf__stage), which covers everything. Any other status is
 * final. The views hold device addresses on `device`; the work is ordered on the calling thread's stream and
 * complete on return. In a build without CUDA every function answers ZBUF_EUNSUPPORTED (cuda_stub.c). */
#ifndef ZBUF_REF_KERNELS_DEVICE_H
#define ZBUF_REF_KERNELS_DEVICE_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dst[i] = cast(src[i]) over dst's shape (src has the same shape; 0 strides broadcast), as
 * zbuf__kernel_copy. Covered: the same kind in the same byte order (a copy of the stored bytes, any kind),
 * and casts between native bool, integers, float32 and float64 except float -> integer. dst and src must not
 * overlap. */
zbuf_status zbuf__device_copy(const zbuf__view *dst, const zbuf__view *src, zbuf_device device,
                              zbuf_error *err);

/* dst[i] = *value, value one element in dst's dtype (host memory), as zbuf__kernel_fill. Covers every dtype.
 */
zbuf_status zbuf__device_fill(const zbuf__view *dst, const void *value, zbuf_device device, zbuf_error *err);

/* As zbuf__kernel_equal: *equal = 1 when every element of a equals the matching element of b. b is a view on
 * the same device, or, when b_is_host_scalar, one host element broadcast to a's shape (every stride 0).
 * Covered: by bytes (ZBUF__EQ_BITS, or integer kinds) when both sides share their byte order; bool, float32,
 * float64, complex64 and complex128 by value in native order. */
zbuf_status zbuf__device_equal(const zbuf__view *a, const zbuf__view *b, int b_is_host_scalar, int mode,
                               int equal_nan, zbuf_device device, int *equal, zbuf_error *err);

/* Whether zbuf__device_equal compares two device views of dtype d in both modes: every dtype except float16
 * and except floats and complex numbers stored in the non-native byte order. 0 in a build without CUDA. */
int zbuf__device_equal_covers(zbuf_dtype d);

#ifdef __cplusplus
}
#endif
#endif

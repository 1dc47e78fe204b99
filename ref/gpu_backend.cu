/* zbuf reference: the CUDA backend. Device memory (kDLCUDA) from a per-device stream-ordered memory pool,
 * pinned host memory (kDLCUDAHost) from the pinned pool (gpu_pinned_pool.cu), and every copy that involves
 * either; pageable host <-> device copies above a threshold go through pinned staging (gpu_staging.cu).
 *
 * Streams: work is ordered on the calling thread's stream (include/zbuf/cuda.h; cudaStreamPerThread unless
 * set) and every operation synchronises that stream before it returns, so each call is synchronous for its
 * caller and memory it returns is usable from any stream.
 *
 * Devices: each call sets the current device to the one it works on and restores the caller's afterwards. */
#include <cuda_runtime_api.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <mutex>

#include "backend.h"
#include "gpu_internal.h"

/* ---- errors and settings ---- */

extern "C" zbuf_status zbuf__cuda_error(int cuda_error, const char *what, zbuf_error *err) {
  cudaError_t e = (cudaError_t)cuda_error;
  (void)cudaGetLastError();
  zbuf_status st = ZBUF_EDEVICE;
  switch (e) {
    case cudaErrorMemoryAllocation: st = ZBUF_ENOMEM; break;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
    case cudaErrorSystemDriverMismatch: st = ZBUF_ENODEV; break;
    default: break;
  }
  return zbuf_error_set(err, st, "%s failed: %s (%s)", what, cudaGetErrorName(e), cudaGetErrorString(e));
}

/* ---- streams ---- */

static thread_local cudaStream_t tls_stream = nullptr;

extern "C" zbuf_status zbuf_cuda_set_stream(void *stream, zbuf_error *err) {
  (void)err;
  tls_stream = (cudaStream_t)stream;
  return ZBUF_OK;
}

extern "C" void *zbuf_cuda_get_stream(void) { return (void *)tls_stream; }

extern "C" void *zbuf__cuda_stream(void) { return (void *)(tls_stream ? tls_stream : cudaStreamPerThread); }

static cudaStream_t current_stream(void) { return (cudaStream_t)zbuf__cuda_stream(); }

zbuf__device_scope::~zbuf__device_scope() {
  if (prev_ >= 0) (void)cudaSetDevice(prev_);
}

zbuf_status zbuf__device_scope::enter(int device, zbuf_error *err) {
  int cur = 0;
  cudaError_t e = cudaGetDevice(&cur);
  if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaGetDevice", err);
  if (cur == device) return ZBUF_OK;
  e = cudaSetDevice(device);
  if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaSetDevice", err);
  prev_ = cur;
  return ZBUF_OK;
}

/* ---- check: the device count, probed once per process ---- */

static std::once_flag probe_once;
static int probed_count;
static cudaError_t probed_error;

static void probe(void) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    n = 0;
  }
  probed_count = n;
  probed_error = e;
}

static zbuf_status cuda_check(zbuf_device device, zbuf_error *err) {
  /* call_once publishes the probe's writes to every thread that passes it. */
  std::call_once(probe_once, probe);
  const char *kind = device.type == ZBUF_DEVICE_CUDA ? "cuda" : "cuda_host";
  if (probed_error != cudaSuccess)
    return zbuf_error_set(err, ZBUF_ENODEV, "%s: no usable CUDA device: cudaGetDeviceCount failed: %s (%s)",
                          kind, cudaGetErrorName(probed_error), cudaGetErrorString(probed_error));
  if (probed_count == 0)
    return zbuf_error_set(err, ZBUF_ENODEV, "%s: no usable CUDA device: cudaGetDeviceCount found none", kind);
  if (device.type == ZBUF_DEVICE_CUDA_HOST) {
    /* Pinned memory is one space for the whole process (allocated portable). */
    if (device.id != 0)
      return zbuf_error_set(err, ZBUF_ENODEV, "device.id = %d for cuda_host must be 0", (int)device.id);
    return ZBUF_OK;
  }
  if (device.id < 0 || device.id >= probed_count)
    return zbuf_error_set(err, ZBUF_ENODEV,
                          "device.id = %d for cuda is out of range: this machine has %d CUDA device%s",
                          (int)device.id, probed_count, probed_count == 1 ? "" : "s");
  return ZBUF_OK;
}

/* ---- device memory: one memory pool per device, created on first use ---- */

enum { MAX_DEVICES = 64 };
enum { POOL_NONE = 0, POOL_ASYNC = 1, POOL_PLAIN = 2 }; /* plain: the device lacks memory pools: cudaMalloc */

static std::mutex pools_mu;
static int pool_kind[MAX_DEVICES];
static cudaMemPool_t pools[MAX_DEVICES];

/* The pool of `device` (the current device), made on first use. Memory the pool keeps after frees, up to the
 * release threshold (ZBUF_DEVICE_POOL_KEEP, default 1 GiB), is reused without a driver call. */
static zbuf_status device_pool(int device, int *kind, cudaMemPool_t *pool, zbuf_error *err) {
  if (device >= MAX_DEVICES)
    return zbuf_error_set(err, ZBUF_ENODEV, "cuda:%d: zbuf supports at most %d devices", device, MAX_DEVICES);
  std::lock_guard<std::mutex> lock(pools_mu);
  if (pool_kind[device] == POOL_NONE) {
    int supported = 0;
    cudaError_t e = cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, device);
    if (e != cudaSuccess)
      return zbuf__cuda_error(e, "cudaDeviceGetAttribute(cudaDevAttrMemoryPoolsSupported)", err);
    if (!supported) {
      pool_kind[device] = POOL_PLAIN;
    } else {
      cudaMemPoolProps props = {};
      props.allocType = cudaMemAllocationTypePinned;
      props.handleTypes = cudaMemHandleTypeNone;
      props.location.type = cudaMemLocationTypeDevice;
      props.location.id = device;
      cudaMemPool_t p = nullptr;
      e = cudaMemPoolCreate(&p, &props);
      if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaMemPoolCreate", err);
      uint64_t keep = (uint64_t)zbuf__env_size("ZBUF_DEVICE_POOL_KEEP", (size_t)1 << 30);
      e = cudaMemPoolSetAttribute(p, cudaMemPoolAttrReleaseThreshold, &keep);
      if (e != cudaSuccess) {
        (void)cudaMemPoolDestroy(p);
        return zbuf__cuda_error(e, "cudaMemPoolSetAttribute(cudaMemPoolAttrReleaseThreshold)", err);
      }
      pools[device] = p;
      pool_kind[device] = POOL_ASYNC;
    }
  }
  *kind = pool_kind[device];
  *pool = pools[device];
  return ZBUF_OK;
}

static zbuf_status device_alloc(int device, size_t size, void **out, zbuf_error *err) {
  zbuf__device_scope scope;
  ZBUF_RETURN_NOT_OK(scope.enter(device, err));
  int kind = POOL_NONE;
  cudaMemPool_t pool = nullptr;
  ZBUF_RETURN_NOT_OK(device_pool(device, &kind, &pool, err));
  char what[96];
  void *p = nullptr;
  if (kind == POOL_PLAIN) {
    cudaError_t e = cudaMalloc(&p, size);
    if (e != cudaSuccess) {
      snprintf(what, sizeof what, "cudaMalloc of %zu bytes on cuda:%d", size, device);
      return zbuf__cuda_error(e, what, err);
    }
    *out = p;
    return ZBUF_OK;
  }
  cudaStream_t s = current_stream();
  cudaError_t e = cudaMallocFromPoolAsync(&p, size, pool, s);
  if (e == cudaErrorMemoryAllocation) {
    /* Memory the pool keeps idle may be what is missing: give it back to the driver and try once more. */
    (void)cudaGetLastError();
    (void)cudaStreamSynchronize(s);
    (void)cudaMemPoolTrimTo(pool, 0);
    e = cudaMallocFromPoolAsync(&p, size, pool, s);
  }
  if (e != cudaSuccess) {
    snprintf(what, sizeof what, "cudaMallocFromPoolAsync of %zu bytes on cuda:%d", size, device);
    return zbuf__cuda_error(e, what, err);
  }
  /* Stream-ordered memory is only valid on other streams once the allocation has happened: synchronise, so
   * that the caller may use it from any stream (and from the host's copies) at once. */
  e = cudaStreamSynchronize(s);
  if (e != cudaSuccess) {
    zbuf_status st = zbuf__cuda_error(e, "cudaStreamSynchronize after cudaMallocFromPoolAsync", err);
    (void)cudaFreeAsync(p, s);
    return st;
  }
  *out = p;
  return ZBUF_OK;
}

static void device_free(int device, void *p) {
  zbuf__device_scope scope;
  if (scope.enter(device, NULL) != ZBUF_OK) return;
  int kind = POOL_NONE;
  cudaMemPool_t pool = nullptr;
  if (device_pool(device, &kind, &pool, NULL) != ZBUF_OK) return;
  /* Every zbuf operation completes before it returns, so no queued work can still use p: a free ordered on
   * this thread's stream is safe. A failure here has no one to report to; the error slot is cleared. */
  cudaError_t e = kind == POOL_PLAIN ? cudaFree(p) : cudaFreeAsync(p, current_stream());
  if (e != cudaSuccess) (void)cudaGetLastError();
}

extern "C" zbuf_status zbuf__cuda_device_alloc(int device, size_t size, void **out, zbuf_error *err) {
  return device_alloc(device, size, out, err);
}

extern "C" void zbuf__cuda_device_free(int device, void *p) {
  if (p != nullptr) device_free(device, p);
}

static zbuf_status cuda_alloc(zbuf_device device, size_t size, void **out, zbuf_error *err) {
  if (device.type == ZBUF_DEVICE_CUDA_HOST) return zbuf__pinned_alloc(size, out, err);
  return device_alloc((int)device.id, size, out, err);
}

static void cuda_free(zbuf_device device, void *p, size_t size) {
  (void)size;
  if (device.type == ZBUF_DEVICE_CUDA_HOST)
    zbuf__pinned_free(p);
  else
    device_free((int)device.id, p);
}

/* ---- copies ---- */

/* Whether host memory at p is page-locked although its space says pageable (cudaHostRegister'ed, or pinned
 * memory handed in as cpu). Only asked for copies large enough to stage, where a query costs nothing. */
static int host_is_pinned(const void *p) {
  cudaPointerAttributes a;
  cudaError_t e = cudaPointerGetAttributes(&a, p);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return a.type == cudaMemoryTypeHost;
}

/* One cudaMemcpyAsync on the stream, then a synchronisation. */
static zbuf_status copy_direct(void *dst, const void *src, size_t n, cudaStream_t s, const char *what,
                               zbuf_error *err) {
  cudaError_t e = cudaMemcpyAsync(dst, src, n, cudaMemcpyDefault, s);
  if (e != cudaSuccess) return zbuf__cuda_error(e, what, err);
  e = cudaStreamSynchronize(s);
  if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaStreamSynchronize after cudaMemcpyAsync", err);
  return ZBUF_OK;
}

/* Device to device within one device with overlapping ranges: cudaMemcpy does not promise memmove semantics,
 * so the bytes go through a temporary of the same device. */
static zbuf_status copy_overlapping(void *dst, const void *src, size_t n, int device, cudaStream_t s,
                                    zbuf_error *err) {
  void *tmp = nullptr;
  ZBUF_RETURN_NOT_OK(device_alloc(device, n, &tmp, err));
  zbuf_status st = copy_direct(tmp, src, n, s, "cudaMemcpyAsync (device to temporary)", err);
  if (st == ZBUF_OK) st = copy_direct(dst, tmp, n, s, "cudaMemcpyAsync (temporary to device)", err);
  device_free(device, tmp);
  return st;
}

static int ranges_overlap(const void *a, const void *b, size_t n) {
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  return x < y + n && y < x + n;
}

static zbuf_status cuda_copy(void *dst, zbuf_device dst_dev, const void *src, zbuf_device src_dev, size_t n,
                             zbuf_error *err) {
  /* The dispatcher calls this with at least one side in device memory; host pairs it copies itself. */
  int dst_is_dev = dst_dev.type == ZBUF_DEVICE_CUDA;
  int src_is_dev = src_dev.type == ZBUF_DEVICE_CUDA;
  ZBUF_RETURN_NOT_OK(cuda_check(dst_is_dev ? dst_dev : src_dev, err));
  if (dst_is_dev && src_is_dev) ZBUF_RETURN_NOT_OK(cuda_check(src_dev, err));
  int device = (int)(dst_is_dev ? dst_dev.id : src_dev.id);
  zbuf__device_scope scope;
  ZBUF_RETURN_NOT_OK(scope.enter(device, err));
  cudaStream_t s = current_stream();
  if (dst_is_dev && src_is_dev) {
    if (dst_dev.id == src_dev.id && dst == src) return ZBUF_OK;
    if (dst_dev.id == src_dev.id && ranges_overlap(dst, src, n))
      return copy_overlapping(dst, src, n, device, s, err);
    return copy_direct(dst, src, n, s, "cudaMemcpyAsync (device to device)", err);
  }
  /* Host <-> device. Pinned host memory is one DMA; pageable memory of a large copy is staged. */
  const void *host = dst_is_dev ? src : dst;
  zbuf_device host_dev = dst_is_dev ? src_dev : dst_dev;
  if (host_dev.type == ZBUF_DEVICE_CPU && n >= zbuf__staging_threshold() && !host_is_pinned(host)) {
    return dst_is_dev ? zbuf__staged_to_device(dst, src, n, (void *)s, err)
                      : zbuf__staged_to_host(dst, src, n, (void *)s, err);
  }
  return copy_direct(dst, src, n, s,
                     dst_is_dev ? "cudaMemcpyAsync (host to device)" : "cudaMemcpyAsync (device to host)",
                     err);
}

extern "C" const zbuf__backend zbuf__cuda_backend = {"cuda", cuda_check, cuda_alloc, cuda_free, cuda_copy};

/* zbuf reference: copies between pageable host memory and device memory, pipelined through pinned staging.
 *
 * A cudaMemcpy from pageable memory is staged by the driver through its own small pinned buffers, with the
 * CPU copy and the DMA in lock step. Here two pinned chunks from the pinned pool take turns: while the DMA
 * engine moves one chunk, the CPU fills (to device) or drains (to host) the other. One CUDA event per chunk
 * says when its DMA is done. The chunks return to the pool, so after the first call no pinned allocation is
 * made.
 *
 * The CPU side of each chunk is spread over a few worker threads (parallel_copy.c), since one thread's memcpy
 * is slower than the link. */
#include <cuda_runtime_api.h>

#include <string.h>

#include <atomic>

#include "gpu_internal.h"
#include "parallel_copy.h"

static std::atomic<uint64_t> staged_copies{0};

extern "C" uint64_t zbuf__staging_count(void) { return staged_copies.load(); }

extern "C" size_t zbuf__staging_threshold(void) {
  static const size_t threshold = zbuf__env_size("ZBUF_STAGING_MIN", (size_t)1 << 20);
  return threshold;
}

static size_t chunk_bytes(void) {
  static const size_t chunk = zbuf__env_size("ZBUF_STAGING_CHUNK", (size_t)8 << 20);
  return chunk >= 4096 ? chunk : 4096;
}

namespace {

/* Two pinned chunks and their events; everything the destructor releases was made by open(). */
struct staging {
  void *buf[2] = {nullptr, nullptr};
  cudaEvent_t ev[2] = {nullptr, nullptr};
  cudaStream_t stream = nullptr;
  size_t chunk = 0;

  staging() = default;
  staging(const staging &) = delete;
  staging &operator=(const staging &) = delete;

  /* Whether both chunks and their events could be had. When not, the caller makes a plain copy instead,
   * which reports any real CUDA error itself; err is never touched here, so a successful fallback leaves it
   * as the caller passed it. */
  bool open(cudaStream_t s, size_t n) {
    stream = s;
    chunk = chunk_bytes();
    if (chunk > n) chunk = n;
    for (int i = 0; i < 2; i++) {
      if (zbuf__pinned_alloc(chunk, &buf[i], NULL) != ZBUF_OK) return false;
      if (cudaEventCreateWithFlags(&ev[i], cudaEventDisableTiming) != cudaSuccess) {
        ev[i] = nullptr;
        (void)cudaGetLastError();
        return false;
      }
    }
    return true;
  }

  ~staging() {
    /* A DMA may still read or write a chunk after an error: wait for the stream before the chunks go back
     * to the pool. */
    if (stream != nullptr && cudaStreamSynchronize(stream) != cudaSuccess) (void)cudaGetLastError();
    for (int i = 0; i < 2; i++) {
      if (ev[i] != nullptr) (void)cudaEventDestroy(ev[i]);
      zbuf__pinned_free(buf[i]);
    }
  }
};

zbuf_status plain_copy(void *dst, const void *src, size_t n, cudaMemcpyKind kind, cudaStream_t s,
                       zbuf_error *err) {
  cudaError_t e = cudaMemcpyAsync(dst, src, n, kind, s);
  if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaMemcpyAsync (pageable, unstaged)", err);
  e = cudaStreamSynchronize(s);
  if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaStreamSynchronize after cudaMemcpyAsync", err);
  return ZBUF_OK;
}

} // namespace

extern "C" zbuf_status zbuf__staged_to_device(void *dst, const void *src, size_t n, void *stream,
                                              zbuf_error *err) {
  cudaStream_t s = (cudaStream_t)stream;
  staging st;
  if (!st.open(s, n)) return plain_copy(dst, src, n, cudaMemcpyHostToDevice, s, err);
  staged_copies.fetch_add(1);
  char *d = (char *)dst;
  const char *h = (const char *)src;
  for (size_t off = 0, i = 0; off < n; i++) {
    int b = (int)(i & 1);
    size_t len = n - off < st.chunk ? n - off : st.chunk;
    /* The chunk's previous DMA (two chunks ago) must be done before the CPU overwrites it. */
    cudaError_t e = i >= 2 ? cudaEventSynchronize(st.ev[b]) : cudaSuccess;
    if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaEventSynchronize (staging to device)", err);
    zbuf__parallel_memcpy(st.buf[b], h + off, len);
    e = cudaMemcpyAsync(d + off, st.buf[b], len, cudaMemcpyHostToDevice, s);
    if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaMemcpyAsync (staging to device)", err);
    e = cudaEventRecord(st.ev[b], s);
    if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaEventRecord (staging to device)", err);
    off += len;
  }
  cudaError_t e = cudaStreamSynchronize(s);
  if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaStreamSynchronize (staging to device)", err);
  return ZBUF_OK;
}

extern "C" zbuf_status zbuf__staged_to_host(void *dst, const void *src, size_t n, void *stream,
                                            zbuf_error *err) {
  cudaStream_t s = (cudaStream_t)stream;
  staging st;
  if (!st.open(s, n)) return plain_copy(dst, src, n, cudaMemcpyDeviceToHost, s, err);
  staged_copies.fetch_add(1);
  char *h = (char *)dst;
  const char *d = (const char *)src;
  size_t chunks = (n + st.chunk - 1) / st.chunk;
  /* Chunk i goes to buffer i % 2. Chunk i + 1 is queued before chunk i is drained, so one DMA always runs
   * while the CPU copies; its buffer held chunk i - 1, which the previous iteration drained. */
  for (size_t i = 0; i <= chunks; i++) {
    if (i < chunks) {
      int b = (int)(i & 1);
      size_t off = i * st.chunk, len = n - off < st.chunk ? n - off : st.chunk;
      cudaError_t e = cudaMemcpyAsync(st.buf[b], d + off, len, cudaMemcpyDeviceToHost, s);
      if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaMemcpyAsync (staging to host)", err);
      e = cudaEventRecord(st.ev[b], s);
      if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaEventRecord (staging to host)", err);
    }
    if (i >= 1) {
      size_t j = i - 1;
      int b = (int)(j & 1);
      size_t off = j * st.chunk, len = n - off < st.chunk ? n - off : st.chunk;
      cudaError_t e = cudaEventSynchronize(st.ev[b]);
      if (e != cudaSuccess) return zbuf__cuda_error(e, "cudaEventSynchronize (staging to host)", err);
      zbuf__parallel_memcpy(h + off, st.buf[b], len);
    }
  }
  return ZBUF_OK;
}

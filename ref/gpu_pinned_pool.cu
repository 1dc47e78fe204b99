/* zbuf reference: the pinned host memory pool. cudaHostAlloc of a large block costs far more than the copy
 * it serves (about 0.6 s for 1 GiB), so page-locked memory is kept after free and reused: power-of-two size
 * classes from 4 KiB to 256 MiB, one free list per class, and a byte cap on what the pool holds (in use plus
 * idle). A request over the cap, or larger than the largest class, is served outside the pool by its own
 * cudaHostAlloc and freed at once by cudaFreeHost: slower, never wrong.
 *
 * All memory is allocated portable (cudaHostAllocPortable), so it is pinned for every device of the process,
 * which is why cuda_host is one space. One mutex guards the pool; no driver call runs while it is held. */
#include <cuda_runtime_api.h>

#include <stdint.h>
#include <stdio.h>

#include <mutex>
#include <unordered_map>
#include <vector>

#include "gpu_internal.h"

namespace {

constexpr int kMinShift = 12; /* 4 KiB */
constexpr int kMaxShift = 28; /* 256 MiB */
constexpr int kClasses = kMaxShift - kMinShift + 1;
constexpr size_t kDefaultCap = (size_t)1 << 30;

struct pinned_pool {
  std::mutex mu;
  bool cap_read = false;
  size_t cap = kDefaultCap;
  size_t pooled = 0; /* bytes in pooled blocks, in use or idle */
  size_t idle = 0;
  uint64_t hits = 0, misses = 0, fallbacks = 0;
  std::vector<void *> free_list[kClasses];
  std::unordered_map<void *, int> class_of; /* every pooled block, in use or idle */
};

/* Made on first use and never destroyed: a destructor at exit could run after the CUDA runtime has shut
 * down. The memory it holds goes with the process. */
pinned_pool &pool() {
  static pinned_pool *p = new pinned_pool;
  return *p;
}

/* The class of a request, or -1 when it is larger than the largest class. */
int size_class(size_t size) {
  int c = 0;
  while (c < kClasses && ((size_t)1 << (kMinShift + c)) < size) c++;
  return c < kClasses ? c : -1;
}

size_t class_bytes(int c) { return (size_t)1 << (kMinShift + c); }

/* Reads the cap from the environment once, under the lock. */
void read_cap_locked(pinned_pool &p) {
  if (p.cap_read) return;
  p.cap = zbuf__env_size("ZBUF_PINNED_POOL_MAX", kDefaultCap);
  p.cap_read = true;
}

/* Takes idle blocks off the free lists until the pool holds at most `limit` bytes (or has nothing idle);
 * the caller frees them after dropping the lock. */
void shrink_locked(pinned_pool &p, size_t limit, std::vector<void *> &out) {
  for (int c = kClasses - 1; c >= 0 && p.pooled > limit; c--) {
    while (!p.free_list[c].empty() && p.pooled > limit) {
      void *b = p.free_list[c].back();
      p.free_list[c].pop_back();
      p.class_of.erase(b);
      p.pooled -= class_bytes(c);
      p.idle -= class_bytes(c);
      out.push_back(b);
    }
  }
}

void free_all(const std::vector<void *> &blocks) {
  for (void *b : blocks)
    if (cudaFreeHost(b) != cudaSuccess) (void)cudaGetLastError();
}

} // namespace

extern "C" zbuf_status zbuf__pinned_alloc(size_t size, void **out, zbuf_error *err) {
  pinned_pool &p = pool();
  int c = size_class(size);
  bool pooled = false;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    read_cap_locked(p);
    if (c >= 0 && !p.free_list[c].empty()) {
      *out = p.free_list[c].back();
      p.free_list[c].pop_back();
      p.idle -= class_bytes(c);
      p.hits++;
      return ZBUF_OK;
    }
    /* Reserve the bytes now, so that two threads cannot both pass the cap with one free slot. */
    if (c >= 0 && p.pooled + class_bytes(c) <= p.cap) {
      pooled = true;
      p.pooled += class_bytes(c);
    }
  }
  size_t bytes = pooled ? class_bytes(c) : size;
  void *b = nullptr;
  cudaError_t e = cudaHostAlloc(&b, bytes, cudaHostAllocPortable);
  if (e == cudaErrorMemoryAllocation) {
    /* Idle pooled memory may be what the system lacks: give it back and try once more. */
    (void)cudaGetLastError();
    zbuf__pinned_trim();
    e = cudaHostAlloc(&b, bytes, cudaHostAllocPortable);
  }
  std::lock_guard<std::mutex> lock(p.mu);
  if (e != cudaSuccess) {
    if (pooled) p.pooled -= bytes;
    char what[80];
    snprintf(what, sizeof what, "cudaHostAlloc of %zu bytes of pinned host memory", bytes);
    return zbuf__cuda_error(e, what, err);
  }
  if (pooled) {
    p.class_of.emplace(b, c);
    p.misses++;
  } else {
    p.fallbacks++;
  }
  *out = b;
  return ZBUF_OK;
}

extern "C" void zbuf__pinned_free(void *b) {
  if (b == nullptr) return;
  pinned_pool &p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    auto it = p.class_of.find(b);
    if (it != p.class_of.end()) {
      int c = it->second;
      /* Keep the block for reuse unless the cap was lowered below what the pool holds. */
      if (p.pooled <= p.cap) {
        p.free_list[c].push_back(b);
        p.idle += class_bytes(c);
        return;
      }
      p.class_of.erase(it);
      p.pooled -= class_bytes(c);
    }
  }
  if (cudaFreeHost(b) != cudaSuccess) (void)cudaGetLastError();
}

extern "C" zbuf__pinned_stats zbuf__pinned_stats_get(void) {
  pinned_pool &p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  read_cap_locked(p);
  zbuf__pinned_stats s;
  s.cap = p.cap;
  s.pooled_bytes = p.pooled;
  s.idle_bytes = p.idle;
  s.hits = p.hits;
  s.misses = p.misses;
  s.fallbacks = p.fallbacks;
  return s;
}

extern "C" void zbuf__pinned_set_cap(size_t cap) {
  pinned_pool &p = pool();
  std::vector<void *> out;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.cap = cap;
    p.cap_read = true;
    shrink_locked(p, cap, out);
  }
  free_all(out);
}

extern "C" void zbuf__pinned_trim(void) {
  pinned_pool &p = pool();
  std::vector<void *> out;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    shrink_locked(p, 0, out);
  }
  free_all(out);
}

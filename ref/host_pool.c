/* zbuf reference: the host block pool. glibc serves a large block with fresh pages from mmap and unmaps them
 * on free, so every allocating call on large data (from_bytes, to_host, astype, copy: 64 MiB and up) paid
 * the first touch of each page again, at 0.14-0.35x of memcpy into warm memory. Large blocks are therefore
 * kept after free, up to a byte cap, and the next request of about the same size reuses one: its pages are
 * already mapped. A fresh large block is 2 MiB aligned and asks for transparent huge pages, so that even a
 * cold first touch faults once per 2 MiB rather than once per 4 KiB.
 *
 * Knobs: ZBUF_HOST_POOL_MIN (smallest block kept, default 1 MiB) and ZBUF_HOST_POOL_MAX (bytes kept idle at
 * most, default 2 GiB, at most an eighth of the machine's memory; 0 turns keeping off). One mutex guards the
 * slots; no allocation or free runs while it is held. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

enum { SLOTS = 32 };
#define HUGE_PAGE ((size_t)2 << 20)

typedef struct slot {
  void *p;
  size_t size;
  uint64_t age; /* when it was given back: the oldest is evicted first */
} slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static slot slots[SLOTS];
static size_t idle_bytes, min_size, max_idle;
static uint64_t clock_now, hits, misses;

static void read_knobs(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t cap = (size_t)2 << 30;
  if (pages > 0 && page > 0 && (size_t)pages / 8 < cap / (size_t)page) cap = (size_t)pages / 8 * (size_t)page;
  min_size = zbuf__env_size("ZBUF_HOST_POOL_MIN", (size_t)1 << 20);
  max_idle = zbuf__env_size("ZBUF_HOST_POOL_MAX", cap);
}

size_t zbuf__host_pool_min(void) {
  pthread_once(&once, read_knobs);
  return min_size;
}

void *zbuf__host_pool_take(size_t size) {
  pthread_once(&once, read_knobs);
  if (size < min_size) return NULL;
  void *p = NULL;
  pthread_mutex_lock(&lock);
  /* Best fit among blocks no more than a quarter larger than asked: reuse should not waste much. */
  int best = -1;
  for (int i = 0; i < SLOTS; i++)
    if (slots[i].p && slots[i].size >= size && slots[i].size - size <= size / 4 &&
        (best < 0 || slots[i].size < slots[best].size))
      best = i;
  if (best >= 0) {
    p = slots[best].p;
    idle_bytes -= slots[best].size;
    slots[best].p = NULL;
    hits++;
  } else {
    misses++;
  }
  pthread_mutex_unlock(&lock);
  return p;
}

void *zbuf__host_pool_fresh(size_t size) {
  void *p = NULL;
  if (size < HUGE_PAGE) return malloc(size);
  /* No object can be larger than PTRDIFF_MAX: such a size is refused here rather than handed to the
   * allocator rounded up past it (which memory checkers rightly flag). */
  if (size > (size_t)PTRDIFF_MAX - HUGE_PAGE) return NULL;
  /* Whole huge pages: the tail of a block then never shares a huge page with another allocation. */
  size_t rounded = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  if (posix_memalign(&p, HUGE_PAGE, rounded) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice only: without THP the block works the same */
#endif
  return p;
}

void zbuf__host_pool_give(void *p, size_t size) {
  pthread_once(&once, read_knobs);
  if (p == NULL) return;
  void *evicted[SLOTS];
  int nevicted = 0, kept = 0;
  if (size >= min_size && size <= max_idle) {
    pthread_mutex_lock(&lock);
    /* Make room under the cap and in the slots, oldest first. */
    for (;;) {
      int oldest = -1, empty = -1;
      for (int i = 0; i < SLOTS; i++) {
        if (!slots[i].p) {
          if (empty < 0) empty = i;
        } else if (oldest < 0 || slots[i].age < slots[oldest].age) {
          oldest = i;
        }
      }
      if (empty >= 0 && idle_bytes + size <= max_idle) {
        slots[empty] = (slot){p, size, ++clock_now};
        idle_bytes += size;
        kept = 1;
        break;
      }
      if (oldest < 0) break;
      evicted[nevicted++] = slots[oldest].p;
      idle_bytes -= slots[oldest].size;
      slots[oldest].p = NULL;
    }
    pthread_mutex_unlock(&lock);
  }
  for (int i = 0; i < nevicted; i++) free(evicted[i]);
  if (!kept) free(p);
}

zbuf__host_pool_stats zbuf__host_pool_stats_get(void) {
  pthread_once(&once, read_knobs);
  pthread_mutex_lock(&lock);
  zbuf__host_pool_stats s = {idle_bytes, max_idle, min_size, hits, misses, 0};
  for (int i = 0; i < SLOTS; i++) s.idle_blocks += slots[i].p != NULL;
  pthread_mutex_unlock(&lock);
  return s;
}

void zbuf__host_pool_set_cap(size_t cap) {
  pthread_once(&once, read_knobs);
  pthread_mutex_lock(&lock);
  max_idle = cap;
  pthread_mutex_unlock(&lock);
  zbuf__host_pool_trim();
}

void zbuf__host_pool_trim(void) {
  void *out[SLOTS];
  int n = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < SLOTS; i++) {
    if (slots[i].p) {
      out[n++] = slots[i].p;
      idle_bytes -= slots[i].size;
      slots[i].p = NULL;
    }
  }
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < n; i++) free(out[i]);
}

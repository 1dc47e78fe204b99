/* zbuf: live-allocation accounting, and a fault-injection hook for tests. */
#ifndef ZBUF_ALLOC_H
#define ZBUF_ALLOC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What the reference holds right now: memory blocks it owns or wraps, their bytes, and handles
 * (buffers + ndbuffers + DLPack exports). Counters are atomic; a snapshot taken while other threads work is
 * approximate, one taken when they are idle is exact. A program that released everything sees all zeros. */
typedef struct zbuf_alloc_stats {
  int64_t blocks;
  int64_t bytes;
  int64_t handles;
} zbuf_alloc_stats;

/** Current live-allocation counters. */
zbuf_alloc_stats zbuf_alloc_stats_get(void);

/** Which allocations zbuf_testing_fail_allocation counts. */
typedef enum zbuf_alloc_kind {
  ZBUF_ALLOC_HOST = 1,   /* malloc-like host allocations: handles, blocks, scratch */
  ZBUF_ALLOC_PINNED = 2, /* page-locked host memory */
  ZBUF_ALLOC_DEVICE = 4, /* device memory */
  ZBUF_ALLOC_ANY = 7
} zbuf_alloc_kind;

/** Test-only fault injection: the k-th allocation (k >= 1, counted from this call, over the kinds in `mask`)
 * fails as if the system were out of memory, once. k = 0 disarms. Process-wide; not for production use. */
void zbuf_testing_fail_allocation(int64_t k, unsigned mask);

/** Number of allocations counted since the last zbuf_testing_fail_allocation call (whether or not armed). */
int64_t zbuf_testing_allocation_count(void);

#ifdef __cplusplus
}
#endif
#endif

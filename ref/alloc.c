/* zbuf reference: live-allocation counters and the fault-injection hook. Every allocation of the reference
 * passes through here, so that tests can prove that nothing leaks and that every allocation failure is
 * handled. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static atomic_int_fast64_t live_blocks;
static atomic_int_fast64_t live_bytes;
static atomic_int_fast64_t live_handles;

/* Fault injection state. `counted` numbers the allocations of the kinds in `mask` since the last arm call;
 * the one whose number equals `fail_at` fails. fail_at 0 means disarmed. */
static atomic_int_fast64_t counted;
static atomic_int_fast64_t fail_at;
static atomic_uint mask_armed = ZBUF_ALLOC_ANY;

zbuf_alloc_stats zbuf_alloc_stats_get(void) {
  zbuf_alloc_stats s;
  s.blocks = (int64_t)atomic_load(&live_blocks);
  s.bytes = (int64_t)atomic_load(&live_bytes);
  s.handles = (int64_t)atomic_load(&live_handles);
  return s;
}

void zbuf__stats_add(int64_t blocks, int64_t bytes, int64_t handles) {
  /* Relaxed is enough: the counters order nothing, they are only read as a snapshot. */
  if (blocks) atomic_fetch_add_explicit(&live_blocks, blocks, memory_order_relaxed);
  if (bytes) atomic_fetch_add_explicit(&live_bytes, bytes, memory_order_relaxed);
  if (handles) atomic_fetch_add_explicit(&live_handles, handles, memory_order_relaxed);
}

void zbuf_testing_fail_allocation(int64_t k, unsigned mask) {
  /* Disarm first so that an allocation racing with this call cannot match a half-written state. */
  atomic_store(&fail_at, 0);
  atomic_store(&mask_armed, mask);
  atomic_store(&counted, 0);
  atomic_store(&fail_at, k > 0 ? k : 0);
}

int64_t zbuf_testing_allocation_count(void) { return (int64_t)atomic_load(&counted); }

int zbuf__alloc_should_fail(zbuf_alloc_kind kind) {
  if (((unsigned)kind & atomic_load_explicit(&mask_armed, memory_order_relaxed)) == 0) return 0;
  int_fast64_t n = atomic_fetch_add(&counted, 1) + 1;
  int_fast64_t target = atomic_load(&fail_at);
  /* The counter only grows, so exactly one allocation sees n == target; the exchange makes the failure
   * one-shot even if the test re-reads the count afterwards. */
  if (target != 0 && n == target) return atomic_compare_exchange_strong(&fail_at, &target, 0);
  return 0;
}

void *zbuf__malloc(size_t size) {
  if (zbuf__alloc_should_fail(ZBUF_ALLOC_HOST)) return NULL;
  /* malloc(0) may return NULL, which callers would read as failure; ask for one byte instead. */
  return malloc(size ? size : 1);
}

void *zbuf__calloc(size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size) return NULL;
  if (zbuf__alloc_should_fail(ZBUF_ALLOC_HOST)) return NULL;
  if (n == 0 || size == 0) return calloc(1, 1);
  return calloc(n, size);
}

void zbuf__free(void *p) { free(p); }

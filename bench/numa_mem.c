/* zbuf-bench: host memory bound to a NUMA node, threads bound to a cpu, and where pages really are.
 *
 * A binding request is only a request (a full node, a cgroup limit or a kernel without NUMA support may place
 * pages elsewhere), so every case asks the kernel where its pages landed and reports that, instead of
 * reporting the node it asked for. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "placement.h"

#ifdef ZBUF_WITH_HWLOC
#include <hwloc.h>

static void touch(void *ptr, size_t size) {
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  for (size_t off = 0; off < size; off += (size_t)page) ((volatile char *)ptr)[off] = 0;
  if (size) ((volatile char *)ptr)[size - 1] = 0;
}

void *zbuf_bench_alloc_host(const zbuf_bench_placement *p, size_t size, int node) {
  if (size == 0) size = 1;
  void *ptr = NULL;
  if (p->available && node >= 0) {
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_bitmap_only(set, (unsigned)node);
    /* Bound allocation with a strict policy: the pages come from that node or the call fails. */
    ptr = hwloc_alloc_membind((hwloc_topology_t)p->topology, size, set, HWLOC_MEMBIND_BIND,
                              HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_STRICT);
    if (!ptr)
      ptr = hwloc_alloc_membind((hwloc_topology_t)p->topology, size, set, HWLOC_MEMBIND_BIND,
                                HWLOC_MEMBIND_BYNODESET);
    hwloc_bitmap_free(set);
  } else if (p->available) {
    ptr = hwloc_alloc((hwloc_topology_t)p->topology, size);
  } else if (posix_memalign(&ptr, 4096, size) != 0) {
    ptr = NULL;
  }
  if (ptr) touch(ptr, size);
  return ptr;
}

void zbuf_bench_free_host(const zbuf_bench_placement *p, void *ptr, size_t size) {
  if (!ptr) return;
  if (size == 0) size = 1;
  if (p->available)
    hwloc_free((hwloc_topology_t)p->topology, ptr, size);
  else
    free(ptr);
}

int zbuf_bench_where_is(const zbuf_bench_placement *p, const void *ptr, size_t size) {
  if (!p->available || !ptr || size == 0) return -1;
  hwloc_bitmap_t set = hwloc_bitmap_alloc();
  int r = -1;
  if (hwloc_get_area_memlocation((hwloc_topology_t)p->topology, ptr, size, set, HWLOC_MEMBIND_BYNODESET) ==
          0 &&
      !hwloc_bitmap_iszero(set))
    r = hwloc_bitmap_weight(set) == 1 ? hwloc_bitmap_first(set) : -2;
  hwloc_bitmap_free(set);
  return r;
}

int zbuf_bench_bind_self(const zbuf_bench_placement *p, int cpu, int node) {
  if (!p->available) return cpu < 0 && node < 0 ? 0 : -1;
  int rc = 0;
  hwloc_topology_t topo = (hwloc_topology_t)p->topology;
  if (cpu >= 0) {
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_bitmap_only(set, (unsigned)cpu);
    if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD) != 0) rc = -1;
    hwloc_bitmap_free(set);
  } else {
    /* Back to the allowed set, never wider than the binding the process started with (taskset, Slurm). */
    hwloc_set_cpubind(topo, (hwloc_const_bitmap_t)p->usable_cpuset, HWLOC_CPUBIND_THREAD);
  }
  if (node < 0) {
    /* Back to the policy the process started with: bound to its nodes (numactl --membind), or the default. */
    hwloc_set_membind(topo, (hwloc_const_bitmap_t)p->usable_nodeset,
                      p->membind_bound ? HWLOC_MEMBIND_BIND : HWLOC_MEMBIND_DEFAULT,
                      HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET);
  } else {
    /* Allocations an implementation makes on this thread (its buffers) follow the same node. */
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_bitmap_only(set, (unsigned)node);
    if (hwloc_set_membind(topo, set, HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET) != 0)
      rc = -1;
    hwloc_bitmap_free(set);
  }
  return rc;
}

#else

void *zbuf_bench_alloc_host(const zbuf_bench_placement *p, size_t size, int node) {
  (void)p, (void)node;
  void *ptr = NULL;
  if (posix_memalign(&ptr, 4096, size ? size : 1) != 0) return NULL;
  memset(ptr, 0, size);
  return ptr;
}

void zbuf_bench_free_host(const zbuf_bench_placement *p, void *ptr, size_t size) {
  (void)p, (void)size;
  free(ptr);
}

int zbuf_bench_where_is(const zbuf_bench_placement *p, const void *ptr, size_t size) {
  (void)p, (void)ptr, (void)size;
  return -1;
}

int zbuf_bench_bind_self(const zbuf_bench_placement *p, int cpu, int node) {
  (void)p;
  return cpu < 0 && node < 0 ? 0 : -1;
}
#endif

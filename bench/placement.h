/* zbuf-bench: where a GPU sits and where its host memory and threads should go.
 *
 * The decisions come from an hwloc topology: this machine's, or an hwloc 2.x XML file given with --topology,
 * so that the choices for a multi-socket, multi-GPU server can be replayed (and tested) anywhere. Rules, in
 * the order they are applied, for every GPU: near nodes  the NUMA nodes of the GPU's first non-I/O ancestor
 * (the package, die or group its host bridge hangs from); near_node is the first of them by OS index; near
 * cpus   one cpu (the first PU of each core) per core of near_node; thread_cpu is the k-th of them, where k
 * is the GPU's rank among the GPUs sharing near_node, so that GPUs run side by side do not share a core; far
 * node    among the nodes that are not near: the largest NUMA latency distance from near_node when the
 *               topology has a distance matrix, else the first node of another package, else the first other
 *               node; ties go to the lowest OS index. None on a one-node machine (and the reason says so);
 *   far cpu     the first core's first PU of far_node;
 *   link        the GPU's own PCIe link (hwloc's link speed; generation and width from sysfs when the
 * topology is this machine's), and the narrowest link on its path to the host bridge. Host-only cases use the
 * first NUMA node with cpus as "near" and the far rule from there. */
#ifndef ZBUF_BENCH_PLACEMENT_H
#define ZBUF_BENCH_PLACEMENT_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZBUF_BENCH_MAX_NODES 64
#define ZBUF_BENCH_MAX_GPUS 32
#define ZBUF_BENCH_MAX_CPUS 512

typedef struct zbuf_bench_node {
  int os_index;
  int package; /* OS index of the package holding it, -1 unknown */
  int ncpus;
  int cpus[ZBUF_BENCH_MAX_CPUS]; /* first PU of each core, by logical order */
} zbuf_bench_node;

/** Near/far choice for one anchor (a GPU, or the host for host-only rows). */
typedef struct zbuf_bench_side {
  int near_node, thread_cpu;
  int n_near;
  int near_nodes[ZBUF_BENCH_MAX_NODES];
  int far_node, far_cpu; /* -1 when there is none */
  char far_reason[96];
} zbuf_bench_side;

typedef struct zbuf_bench_gpu {
  int cuda;                 /* CUDA ordinal: from a "cudaN" OS device, from the CUDA runtime, or bus order */
  char ordinal_from[16];    /* "osdev", "cudart", "bus order" */
  char pci[20];             /* "0000:18:00.0" */
  char name[96];            /* hwloc GPUModel / PCI ids */
  double link_GBps;         /* hwloc link speed of the GPU's own link, per direction, 0 unknown */
  double path_GBps;         /* narrowest non-zero link speed from the GPU up to its host bridge */
  double link_GTps;         /* sysfs current_link_speed, 0 unknown */
  int link_gen, link_width; /* derived from sysfs, 0 unknown */
  double ceiling_GBps;      /* theoretical per-direction rate of the link the GPU has */
  char ceiling_from[48];
  zbuf_bench_side side;
} zbuf_bench_gpu;

typedef struct zbuf_bench_placement {
  char source[256]; /* "this machine" or the XML path */
  int available;    /* hwloc built in and the topology loaded */
  char note[256];   /* why not available, or remarks ("one NUMA node") */
  int has_distances;
  int npackages;
  int nnodes;
  zbuf_bench_node nodes[ZBUF_BENCH_MAX_NODES];
  int ngpus;
  zbuf_bench_gpu gpus[ZBUF_BENCH_MAX_GPUS];
  zbuf_bench_side host;
  void *topology; /* hwloc_topology_t */
} zbuf_bench_placement;

/** Loads the topology (xml NULL: this machine) and makes every decision. Returns 0; on failure -1 with msg.
 */
int zbuf_bench_placement_load(const char *xml, zbuf_bench_placement *p, char *msg, size_t msg_size);
/** Renumbers GPUs from the CUDA runtime's view: ordinal i has PCI bus id busids[i] ("0000:18:00.0"). GPUs not
 * named keep their number; decisions that depend on the ordering are redone. */
void zbuf_bench_placement_set_cuda_order(zbuf_bench_placement *p, const char *const *busids, int n);
/** The GPU with CUDA ordinal cuda, or NULL. */
const zbuf_bench_gpu *zbuf_bench_placement_gpu(const zbuf_bench_placement *p, int cuda);
const zbuf_bench_node *zbuf_bench_placement_node(const zbuf_bench_placement *p, int os_index);
/** Writes the decisions as one JSON object. */
void zbuf_bench_placement_json(const zbuf_bench_placement *p, FILE *f);
void zbuf_bench_placement_free(zbuf_bench_placement *p);

/* ---- binding and verification (numa_mem.c) ---- */
/** Page-aligned allocation of size bytes bound to NUMA node `node` (-1: plain, unbound), pages touched so
 * that they exist. NULL on failure. Free with zbuf_bench_free_host. */
void *zbuf_bench_alloc_host(const zbuf_bench_placement *p, size_t size, int node);
void zbuf_bench_free_host(const zbuf_bench_placement *p, void *ptr, size_t size);
/** Where the pages of [ptr, ptr+size) are now: the node's OS index when all are on one node, -2 when they are
 * spread over several, -1 when it cannot be told (no hwloc, or the query failed). */
int zbuf_bench_where_is(const zbuf_bench_placement *p, const void *ptr, size_t size);
/** Binds the calling thread to one OS cpu and its future allocations to one NUMA node; -1 for either puts the
 * thread back on every cpu / the default memory policy (so that a case never inherits the previous case's
 * binding). Returns 0, or -1 when the binding was refused (reported by the caller, never fatal). */
int zbuf_bench_bind_self(const zbuf_bench_placement *p, int cpu, int node);

#ifdef __cplusplus
}
#endif
#endif

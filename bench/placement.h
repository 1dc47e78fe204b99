/* zbuf-bench: where a GPU sits and where its host memory and threads should go.
 *
 * The decisions come from an hwloc topology: this machine's, or an hwloc 2.x (or 1.x) XML file given with
 * --topology, so that the choices for a multi-socket, multi-GPU server can be replayed (and tested) anywhere.
 * The topology is always loaded with the resources this process may not use (HWLOC_TOPOLOGY_FLAG_INCLUDE_
 * DISALLOWED), so that where a GPU physically sits never depends on what the process is allowed; what it is
 * allowed is applied afterwards, by the rules below, and said.
 *
 * Allowed set: the cpus and NUMA nodes this process may use. From a file: the allowed_cpuset and
 *   allowed_nodeset hwloc recorded for the process that exported it. On this machine: hwloc's allowed sets
 *   (the cgroup cpuset: containers, Slurm) intersected with the process's cpu binding (taskset, Slurm's
 *   affinity) and, when the memory policy is "bind" (numactl --membind), with its nodeset. A node is usable
 *   when its memory is allowed and at least one of its cpus is; its allowed cpus are the first allowed PU of
 *   each core that has one.
 * Rules, in the order they are applied, for every GPU:
 *   near nodes  the NUMA nodes of the GPU's first non-I/O ancestor (the package, die or group its host bridge
 *               hangs from), allowed or not: its physical locality (for the nodes with cpus, also what
 *               hwloc_get_local_numanode_objs gives with larger and smaller localities);
 *   near_node   the first usable near node by OS index that is host memory (not a GPU's memory exposed as a
 *               node, hwloc subtype "GPUMemory"). None when no near node is usable: the side is refused (no
 *               near or far rows) and its note says why; zbuf never calls another node "near";
 *   thread_cpu  the k-th allowed cpu of near_node, where k is the GPU's rank (by CUDA ordinal) among the GPUs
 *               sharing near_node, so that GPUs run side by side do not share a core;
 *   far node    among the usable host-memory nodes that are not near: the largest NUMA latency distance from
 *               near_node when the topology has a distance matrix, else the first node of another package,
 *               else the first other node; ties go to the lowest OS index. None on a one-node machine, or
 * when every other node is outside the allowed set (the reason says which); far cpu     the first allowed cpu
 * of far_node; link        the GPU's own PCIe link (hwloc's link speed; generation and width from sysfs when
 * the topology is this machine's, else unknown: the speed alone does not tell them apart, gen4 x16 and gen5
 * x8 are both 31.508 GB/s, so the candidates are listed), and the narrowest link on its path to the host
 * bridge; CUDA        an ordinal from the GPU's "cudaN" OS device where hwloc has one; the GPUs without one
 * take the ordinals left free, in PCI bus order (domain:bus:device.function), which is CUDA's order under
 * CUDA_DEVICE_ORDER=PCI_BUS_ID (its default, FASTEST_FIRST, may differ). On this machine the CUDA runtime's
 * own order (cudaDeviceGetPCIBusId) replaces both, and every disagreement with the topology's is reported.
 * Two GPUs never share an ordinal. Host-only cases use the first usable host-memory node as "near" and the
 * far rule from there. Nothing is capped: node, cpu and GPU lists grow with the topology. */
#ifndef ZBUF_BENCH_PLACEMENT_H
#define ZBUF_BENCH_PLACEMENT_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zbuf_bench_node {
  int os_index;
  int package;    /* OS index of the package holding it, -1 unknown */
  int gpu_memory; /* a GPU's memory exposed as a NUMA node (hwloc subtype "GPUMemory"): never host memory */
  int usable;     /* memory allowed and at least one allowed cpu */
  int nall_cpus;
  int *all_cpus; /* first PU of each core, by logical order, allowed or not */
  int ncpus;
  int *cpus; /* the cpus threads may use: first allowed PU of each core that has one; none when !usable */
} zbuf_bench_node;

/** Near/far choice for one anchor (a GPU, or the host for host-only rows). */
typedef struct zbuf_bench_side {
  int n_near;
  int *near_nodes;           /* physical locality, by OS index, allowed or not */
  int near_node, thread_cpu; /* -1: refused, no near/far rows (note says why) */
  int thread_shared_with;    /* the first GPU (CUDA ordinal) given the same thread cpu, -1: none */
  int far_node, far_cpu;     /* -1 when there is none */
  char *far_reason;          /* how the far node was chosen, or why there is none */
  char *note; /* NULL, or what the allowed set changed: why near_node is -1, which near node was skipped */
} zbuf_bench_side;

typedef struct zbuf_bench_gpu {
  int cuda;               /* CUDA ordinal; -1: the CUDA runtime here does not see this GPU */
  int cuda_topology;      /* the ordinal the topology gave (OS device or bus order), before the runtime's */
  char ordinal_from[48];  /* "osdev cudaN", "bus order", "cudart", "not visible to the CUDA runtime" */
  char topology_from[48]; /* ordinal_from before the runtime's order: "osdev cudaN" or "bus order" */
  char pci[24];           /* "0000:18:00.0" */
  unsigned domain, bus, dev, func;
  char name[128];            /* hwloc GPUModel / PCI ids */
  double link_GBps;          /* hwloc link speed of the GPU's own link, per direction, 0 unknown */
  double path_GBps;          /* narrowest non-zero link speed from the GPU up to its host bridge */
  double link_GTps;          /* sysfs current_link_speed, 0 unknown */
  int link_gen, link_width;  /* from sysfs, 0 unknown */
  char link_candidates[160]; /* generation x width pairs that give link_GBps, when gen/width are unknown */
  double ceiling_GBps;       /* theoretical per-direction rate of the link the GPU has */
  char ceiling_from[48];
  zbuf_bench_side side;
} zbuf_bench_gpu;

typedef struct zbuf_bench_placement {
  char source[4096]; /* "this machine" or the XML path */
  int available;     /* hwloc built in and the topology loaded */
  char note[256];    /* why not available, or remarks ("one NUMA node") */
  int has_distances;
  int npackages;
  int nnodes;
  zbuf_bench_node *nodes; /* sorted by OS index */
  int ngpus;
  zbuf_bench_gpu *gpus; /* sorted by CUDA ordinal, GPUs without one last in bus order */
  zbuf_bench_side host;
  /* The allowed set (rules above). */
  int restricted;     /* smaller than the machine */
  char *allowed_cpus; /* hwloc list syntax, "0-3,8" */
  char *allowed_nodes;
  char allowed_from[160];
  char *missing_nodes; /* NUMA nodes a file names (complete nodeset) but does not describe: left out by a
                        * restricted exporting process; NULL when none */
  char gpu_note[256];  /* set when there is no NVIDIA GPU in the topology, and why that may be */
  char *cuda_note;     /* how the ordinals were chosen; mixed OS devices; the runtime check */
  char *cuda_check;    /* this machine only: the CUDA runtime's order against the topology's, or why not */
  int cuda_disagreements;
  void *topology;       /* hwloc_topology_t */
  void *usable_cpuset;  /* hwloc_bitmap_t of the allowed cpus, for binding */
  void *usable_nodeset; /* hwloc_bitmap_t of the allowed nodes */
  int membind_bound;    /* this process was started under a "bind" memory policy */
} zbuf_bench_placement;

/** Loads the topology (xml NULL: this machine) and makes every decision. Returns 0; on failure -1 with a
 * one-line msg naming the cause (no such file, not XML, hwloc's own reason, a topology zbuf refuses). */
int zbuf_bench_placement_load(const char *xml, zbuf_bench_placement *p, char *msg, size_t msg_size);
/** This machine only: asks the CUDA runtime (where built with it) for its devices' PCI bus ids, renumbers the
 * GPUs in its order and records every disagreement with the topology's ordinals in p->cuda_check (GPUs the
 * runtime does not see get ordinal -1). Returns the number of CUDA devices, or -1 when there is no runtime or
 * no device (cuda_check says which). */
int zbuf_bench_placement_cuda_check(zbuf_bench_placement *p);
/** Renumbers GPUs from the CUDA runtime's view: ordinal i has PCI bus id busids[i] ("0000:18:00.0"); GPUs not
 * named get -1. Decisions that depend on the ordering are redone. (The work of ..._cuda_check, apart so that
 * it can be tested without a GPU.) */
void zbuf_bench_placement_set_cuda_order(zbuf_bench_placement *p, const char *const *busids, int n);
/** Moves the host-only anchor for the slot-th process of a node (a fleet rank without a GPU): the slot-th
 * usable host-memory node, modulo their count, its (slot / nodes)-th cpu, and the far node from there. */
void zbuf_bench_placement_host_slot(zbuf_bench_placement *p, int slot);
/** The GPU with CUDA ordinal cuda, or NULL. */
const zbuf_bench_gpu *zbuf_bench_placement_gpu(const zbuf_bench_placement *p, int cuda);
const zbuf_bench_node *zbuf_bench_placement_node(const zbuf_bench_placement *p, int os_index);
/** Writes the decisions as one JSON object (placement_json.c). */
void zbuf_bench_placement_json(const zbuf_bench_placement *p, FILE *f);
/** Frees what load allocated; a zeroed or already freed placement is a no-op. */
void zbuf_bench_placement_free(zbuf_bench_placement *p);

/* ---- internal to placement.c and gpu_order.c ---- */
/** Thread cpus and far nodes of every side; redone when the CUDA order changes. */
void zbuf__placement_decide(zbuf_bench_placement *p);
/** Ordinals from the topology: cudaN OS devices first, the rest in bus order. -1 with msg when two GPUs claim
 * the same cudaN. */
int zbuf__placement_topology_ordinals(zbuf_bench_placement *p, const int *osdev, char *msg, size_t msg_size);
/** Loads an hwloc XML file into topology (an hwloc_topology_t, flags set); -1 with a one-line msg naming the
 * cause (topology_file.c). */
int zbuf__placement_load_xml(void *topology, const char *xml, char *msg, size_t msg_size);
/** Appends printf-style text to a heap string (*s NULL: a new one); on allocation failure *s is kept. */
void zbuf__placement_append(char **s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- binding and verification (numa_mem.c) ---- */
/** Page-aligned allocation of size bytes bound to NUMA node `node` (-1: plain, unbound), pages touched so
 * that they exist. NULL on failure. Free with zbuf_bench_free_host. */
void *zbuf_bench_alloc_host(const zbuf_bench_placement *p, size_t size, int node);
void zbuf_bench_free_host(const zbuf_bench_placement *p, void *ptr, size_t size);
/** Where the pages of [ptr, ptr+size) are now: the node's OS index when all are on one node, -2 when they are
 * spread over several, -1 when it cannot be told (no hwloc, or the query failed). */
int zbuf_bench_where_is(const zbuf_bench_placement *p, const void *ptr, size_t size);
/** Binds the calling thread to one OS cpu and its future allocations to one NUMA node; -1 for either puts the
 * thread back on the allowed set (rules above: never wider than the process started with) / the memory
 * policy it started with (so that a case never inherits the previous case's binding). Returns 0, or -1 when
 * the binding was refused (reported by the caller, never fatal). */
int zbuf_bench_bind_self(const zbuf_bench_placement *p, int cpu, int node);

#ifdef __cplusplus
}
#endif
#endif

/* zbuf-bench: placement decisions from an hwloc topology (rules in placement.h). */
#define _POSIX_C_SOURCE 200809L
#include "placement.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zbuf__placement_append(char **s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int add = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (add <= 0) return;
  size_t old = *s ? strlen(*s) : 0;
  char *grown = realloc(*s, old + (size_t)add + 1);
  if (!grown) return;
  va_start(ap, fmt);
  vsnprintf(grown + old, (size_t)add + 1, fmt, ap);
  va_end(ap);
  *s = grown;
}

#ifdef ZBUF_WITH_HWLOC
#include <hwloc.h>

static hwloc_topology_t topo_of(const zbuf_bench_placement *p) { return (hwloc_topology_t)p->topology; }

/* "0-3,8" (hwloc's list syntax); "none" for an empty set. The caller frees. */
static char *list_of(hwloc_const_bitmap_t set) {
  char *s = NULL;
  if (!set || hwloc_bitmap_iszero(set)) {
    s = malloc(5);
    if (s) memcpy(s, "none", 5);
  } else if (hwloc_bitmap_list_asprintf(&s, set) < 0) {
    s = NULL;
  }
  return s;
}

/* The cpus of a node: the first PU of each core in its cpuset (PUs when the topology has no Core objects),
 * all of them, and those this process may use: the first allowed PU of each core that has one. */
static int collect_cpus(zbuf_bench_placement *p, hwloc_obj_t numa, int mem_allowed, zbuf_bench_node *n) {
  hwloc_topology_t topo = topo_of(p);
  hwloc_obj_type_t type = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
  int count = hwloc_get_nbobjs_inside_cpuset_by_type(topo, numa->cpuset, type);
  if (count < 0) count = 0;
  n->all_cpus = calloc((size_t)count + 1, sizeof *n->all_cpus);
  n->cpus = calloc((size_t)count + 1, sizeof *n->cpus);
  hwloc_bitmap_t mine = hwloc_bitmap_alloc();
  if (!n->all_cpus || !n->cpus || !mine) {
    hwloc_bitmap_free(mine);
    return -1;
  }
  hwloc_obj_t o = NULL;
  while ((o = hwloc_get_next_obj_inside_cpuset_by_type(topo, numa->cpuset, type, o)) != NULL &&
         n->nall_cpus < count) {
    int pu = hwloc_bitmap_first(o->cpuset);
    if (pu < 0) continue;
    n->all_cpus[n->nall_cpus++] = pu;
    hwloc_bitmap_and(mine, o->cpuset, (hwloc_const_bitmap_t)p->usable_cpuset);
    int allowed = hwloc_bitmap_first(mine);
    if (allowed >= 0 && mem_allowed) n->cpus[n->ncpus++] = allowed;
  }
  hwloc_bitmap_free(mine);
  n->usable = n->ncpus > 0;
  return 0;
}

static double numa_distance(struct hwloc_distances_s *d, int from_os, int to_os) {
  if (!d) return -1;
  int fi = -1, ti = -1;
  for (unsigned i = 0; i < d->nbobjs; i++) {
    if ((int)d->objs[i]->os_index == from_os) fi = (int)i;
    if ((int)d->objs[i]->os_index == to_os) ti = (int)i;
  }
  if (fi < 0 || ti < 0) return -1;
  return (double)d->values[(size_t)fi * d->nbobjs + (size_t)ti];
}

static int is_near(const zbuf_bench_side *s, int os_index) {
  for (int k = 0; k < s->n_near; k++)
    if (s->near_nodes[k] == os_index) return 1;
  return 0;
}

/* Far-node rule: distance, then other package, then any other node, among the usable host-memory nodes that
 * are not near; ties to the lowest OS index (nodes are kept sorted by OS index, so the first candidate met
 * wins a tie). */
static void choose_far(zbuf_bench_placement *p, struct hwloc_distances_s *dist, zbuf_bench_side *s) {
  s->far_node = -1;
  s->far_cpu = -1;
  free(s->far_reason);
  s->far_reason = NULL;
  if (s->near_node < 0) {
    zbuf__placement_append(&s->far_reason, "no near node (see note): no far node either");
    return;
  }
  const zbuf_bench_node *near = zbuf_bench_placement_node(p, s->near_node);
  int best = -1, other_pkg = -1, other = -1, nhost = 0;
  double best_d = -1;
  hwloc_bitmap_t outside = hwloc_bitmap_alloc();
  for (int i = 0; i < p->nnodes; i++) {
    const zbuf_bench_node *n = &p->nodes[i];
    if (n->gpu_memory) continue;
    nhost++;
    if (is_near(s, n->os_index)) continue;
    if (!n->usable) {
      if (outside) hwloc_bitmap_set(outside, (unsigned)n->os_index);
      continue;
    }
    double d = numa_distance(dist, s->near_node, n->os_index);
    if (d > best_d) best_d = d, best = n->os_index;
    if (other_pkg < 0 && near && n->package != near->package) other_pkg = n->os_index;
    if (other < 0) other = n->os_index;
  }
  char *out = outside && !hwloc_bitmap_iszero(outside) ? list_of(outside) : NULL;
  hwloc_bitmap_free(outside);
  if (other < 0) {
    if (out)
      zbuf__placement_append(&s->far_reason,
                             "every other NUMA node (%s) is outside this process's allowed set: no far node",
                             out);
    else if (p->missing_nodes)
      zbuf__placement_append(
          &s->far_reason,
          "the other NUMA nodes (%s) are outside the allowed set and not in this topology: no "
          "far node",
          p->missing_nodes);
    else if (nhost <= 1)
      zbuf__placement_append(&s->far_reason, "one NUMA node: no far node");
    else
      zbuf__placement_append(&s->far_reason, "every NUMA node with cpus is near");
    free(out);
    return;
  }
  if (best >= 0 && best_d >= 0) {
    s->far_node = best;
    zbuf__placement_append(&s->far_reason, "largest NUMA distance from node %d (%g)", s->near_node, best_d);
  } else if (other_pkg >= 0) {
    s->far_node = other_pkg;
    zbuf__placement_append(&s->far_reason, "first node of another package (no distance matrix)");
  } else {
    s->far_node = other;
    zbuf__placement_append(&s->far_reason, "first other node, same package (no distance matrix)");
  }
  /* The far node is the farthest this process may use, which may not be the machine's farthest: say so. */
  if (out)
    zbuf__placement_append(&s->far_reason,
                           "; nodes %s, outside this process's allowed set, were not considered", out);
  if (p->missing_nodes)
    zbuf__placement_append(
        &s->far_reason, "; nodes %s, outside the allowed set and not in this topology, were not considered",
        p->missing_nodes);
  free(out);
  const zbuf_bench_node *far = zbuf_bench_placement_node(p, s->far_node);
  s->far_cpu = far && far->ncpus > 0 ? far->cpus[0] : -1;
}

/* Appends "label: nodes a,b" for the near nodes a side cannot use for the reason `want` (0: outside the
 * allowed set, 1: GPU memory). Returns how many. */
static int skipped_nodes(const zbuf_bench_placement *p, const zbuf_bench_side *s, int want, char **out) {
  int count = 0;
  for (int k = 0; k < s->n_near; k++) {
    const zbuf_bench_node *n = zbuf_bench_placement_node(p, s->near_nodes[k]);
    if (!n || (want ? !n->gpu_memory : n->gpu_memory || n->usable)) continue;
    zbuf__placement_append(out, "%s%d", count++ ? "," : "", n->os_index);
  }
  return count;
}

/* Near nodes of an object: the nodeset of its first non-I/O ancestor; near_node the first usable one of host
 * memory, or none (refused) with the reason. */
static int near_of(zbuf_bench_placement *p, hwloc_obj_t obj, zbuf_bench_side *s) {
  hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(topo_of(p), obj);
  s->near_nodes = calloc((size_t)p->nnodes + 1, sizeof *s->near_nodes);
  if (!s->near_nodes) return -1;
  s->n_near = 0;
  s->near_node = -1;
  for (int i = 0; i < p->nnodes; i++) {
    const zbuf_bench_node *n = &p->nodes[i];
    if (!anc || !anc->nodeset || !hwloc_bitmap_isset(anc->nodeset, (unsigned)n->os_index)) continue;
    s->near_nodes[s->n_near++] = n->os_index;
    if (s->near_node < 0 && n->usable && !n->gpu_memory) s->near_node = n->os_index;
  }
  char *outside = NULL, *gpumem = NULL;
  int n_outside = skipped_nodes(p, s, 0, &outside), n_gpumem = skipped_nodes(p, s, 1, &gpumem);
  if (s->near_node < 0 && s->n_near == 0) {
    char *cpus = anc ? list_of(anc->complete_cpuset) : NULL,
         *nodes = anc ? list_of(anc->complete_nodeset) : NULL;
    zbuf__placement_append(
        &s->note,
        "its locality (%s with cpus %s, NUMA nodes %s) is not in this topology (the process that "
        "exported it was not allowed there, and lstopo leaves such resources out unless given "
        "--disallowed): no near or far rows for this GPU",
        anc ? hwloc_obj_type_string(anc->type) : "unknown", cpus ? cpus : "?", nodes ? nodes : "?");
    free(cpus);
    free(nodes);
  } else if (s->near_node < 0) {
    zbuf__placement_append(&s->note, "no near NUMA node it may use:");
    if (n_outside)
      zbuf__placement_append(&s->note, " node%s %s outside this process's allowed set (cpus %s, nodes %s)",
                             n_outside > 1 ? "s" : "", outside, p->allowed_cpus, p->allowed_nodes);
    if (n_gpumem)
      zbuf__placement_append(&s->note, "%s node%s %s GPU memory, not host memory", n_outside ? ";" : "",
                             n_gpumem > 1 ? "s" : "", gpumem);
    zbuf__placement_append(&s->note, ": no near or far rows for this GPU");
  } else if (n_outside || n_gpumem) {
    zbuf__placement_append(&s->note, "near node %d; skipped near node%s %s (%s%s%s)", s->near_node,
                           n_outside + n_gpumem > 1 ? "s" : "", n_outside ? outside : gpumem,
                           n_outside ? "outside this process's allowed set" : "GPU memory",
                           n_outside && n_gpumem ? "; GPU memory: " : "",
                           n_outside && n_gpumem ? gpumem : "");
  }
  free(outside);
  free(gpumem);
  return 0;
}

/* Link generations: transfer rate per lane and the bytes one transfer carries after line coding. */
static const struct {
  double gtps;
  int gen;
  double coding;
} kLinks[] = {{2.5, 1, 8.0 / 10},   {5, 2, 8.0 / 10},     {8, 3, 128.0 / 130},
              {16, 4, 128.0 / 130}, {32, 5, 128.0 / 130}, {64, 6, 242.0 / 256}};

static void link_from_rate(double gtps, int width, int *gen, double *gbps) {
  *gen = 0;
  *gbps = 0;
  for (size_t i = 0; i < sizeof kLinks / sizeof kLinks[0]; i++)
    if (gtps > kLinks[i].gtps - 0.1 && gtps < kLinks[i].gtps + 0.1) {
      *gen = kLinks[i].gen;
      *gbps = gtps * width * kLinks[i].coding / 8.0;
    }
}

/* Every generation x width whose rate is gbps (within 0.2%): "gen4 x16 or gen5 x8". */
static void link_candidates(double gbps, char *out, size_t out_size) {
  static const int widths[] = {1, 2, 4, 8, 12, 16, 32};
  size_t off = 0;
  out[0] = '\0';
  if (gbps <= 0) return;
  for (size_t i = 0; i < sizeof kLinks / sizeof kLinks[0]; i++)
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
      double r = kLinks[i].gtps * widths[w] * kLinks[i].coding / 8.0;
      if (r < gbps * 0.998 || r > gbps * 1.002 || off >= out_size) continue;
      off += (size_t)snprintf(out + off, out_size - off, "%sgen%d x%d", off ? " or " : "", kLinks[i].gen,
                              widths[w]);
    }
}

static void read_sysfs_link(zbuf_bench_gpu *g) {
  char path[160], text[64];
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/current_link_speed", g->pci);
  FILE *f = fopen(path, "r");
  if (!f) return;
  if (fgets(text, sizeof text, f)) g->link_GTps = strtod(text, NULL);
  fclose(f);
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/current_link_width", g->pci);
  f = fopen(path, "r");
  if (!f) return;
  if (fgets(text, sizeof text, f)) g->link_width = atoi(text);
  fclose(f);
}

/* The OS device "cudaN" below a PCI device: N, or -1. */
static int cuda_osdev(hwloc_obj_t pci, const char **model) {
  for (hwloc_obj_t c = pci->io_first_child; c; c = c->next_sibling) {
    if (c->type != HWLOC_OBJ_OS_DEVICE || !c->name || strncmp(c->name, "cuda", 4) != 0) continue;
    char *end = NULL;
    long n = strtol(c->name + 4, &end, 10);
    if (end == c->name + 4 || *end != '\0' || n < 0 || n > 1000000) continue;
    *model = hwloc_obj_get_info_by_name(c, "GPUModel");
    return (int)n;
  }
  return -1;
}

static int describe_gpu(zbuf_bench_placement *p, hwloc_obj_t pci, zbuf_bench_gpu *g, int live) {
  struct hwloc_pcidev_attr_s *a = &pci->attr->pcidev;
  g->domain = a->domain, g->bus = a->bus, g->dev = a->dev, g->func = a->func;
  snprintf(g->pci, sizeof g->pci, "%04x:%02x:%02x.%01x", g->domain, g->bus, g->dev, g->func);
  const char *model = hwloc_obj_get_info_by_name(pci, "GPUModel");
  if (!model) model = hwloc_obj_get_info_by_name(pci, "PCIDevice");
  if (model)
    snprintf(g->name, sizeof g->name, "%s", model);
  else
    snprintf(g->name, sizeof g->name, "PCI %04x:%04x", a->vendor_id, a->device_id);
  g->link_GBps = a->linkspeed;
  g->path_GBps = a->linkspeed;
  for (hwloc_obj_t o = pci->parent; o && o->type == HWLOC_OBJ_BRIDGE; o = o->parent) {
    if (o->attr->bridge.upstream_type != HWLOC_OBJ_BRIDGE_PCI) continue;
    double s = o->attr->bridge.upstream.pci.linkspeed;
    if (s > 0 && (g->path_GBps <= 0 || s < g->path_GBps)) g->path_GBps = s;
  }
  if (live) read_sysfs_link(g);
  double gbps = 0;
  if (g->link_GTps > 0 && g->link_width > 0) link_from_rate(g->link_GTps, g->link_width, &g->link_gen, &gbps);
  if (gbps > 0) {
    g->ceiling_GBps = gbps;
    snprintf(g->ceiling_from, sizeof g->ceiling_from, "sysfs gen%d x%d", g->link_gen, g->link_width);
  } else if (g->link_GBps > 0) {
    g->ceiling_GBps = g->link_GBps;
    snprintf(g->ceiling_from, sizeof g->ceiling_from, "hwloc link speed");
  } else {
    snprintf(g->ceiling_from, sizeof g->ceiling_from, "unknown");
  }
  if (!g->link_gen) {
    g->link_GTps = 0, g->link_width = 0;
    link_candidates(g->link_GBps, g->link_candidates, sizeof g->link_candidates);
  }
  return near_of(p, pci, &g->side);
}

static int is_nvidia_gpu(hwloc_obj_t o) {
  return o->type == HWLOC_OBJ_PCI_DEVICE && o->attr->pcidev.vendor_id == 0x10de &&
         (o->attr->pcidev.class_id >> 8) == 0x03;
}

/* CUDA ordinal first (the order --gpu uses), GPUs without one last in bus order. */
static int cmp_gpu(const void *a, const void *b) {
  const zbuf_bench_gpu *x = a, *y = b;
  if ((x->cuda < 0) != (y->cuda < 0)) return x->cuda < 0 ? 1 : -1;
  if (x->cuda != y->cuda) return x->cuda < y->cuda ? -1 : 1;
  unsigned kx[4] = {x->domain, x->bus, x->dev, x->func}, ky[4] = {y->domain, y->bus, y->dev, y->func};
  for (int i = 0; i < 4; i++)
    if (kx[i] != ky[i]) return kx[i] < ky[i] ? -1 : 1;
  return 0;
}

void zbuf__placement_decide(zbuf_bench_placement *p) {
  struct hwloc_distances_s *dist = NULL;
  unsigned nr = 1;
  if (hwloc_distances_get_by_type(topo_of(p), HWLOC_OBJ_NUMANODE, &nr, &dist,
                                  HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) != 0 ||
      nr == 0)
    dist = NULL;
  p->has_distances = dist != NULL;
  qsort(p->gpus, (size_t)p->ngpus, sizeof p->gpus[0], cmp_gpu);
  for (int i = 0; i < p->ngpus; i++) {
    zbuf_bench_side *s = &p->gpus[i].side;
    int rank = 0;
    for (int j = 0; j < i; j++) rank += p->gpus[j].side.near_node == s->near_node;
    const zbuf_bench_node *n = zbuf_bench_placement_node(p, s->near_node);
    s->thread_cpu = n && n->ncpus > 0 ? n->cpus[rank % n->ncpus] : -1;
    /* More GPUs on a node than it has allowed cores: threads share, and the decision says with whom. */
    s->thread_shared_with = -1;
    for (int j = 0; j < i && s->thread_shared_with < 0 && s->thread_cpu >= 0; j++)
      if (p->gpus[j].side.thread_cpu == s->thread_cpu) s->thread_shared_with = p->gpus[j].cuda;
    choose_far(p, dist, s);
  }
  zbuf_bench_side *h = &p->host;
  const zbuf_bench_node *n = zbuf_bench_placement_node(p, h->near_node);
  h->thread_cpu = n && n->ncpus > 0 ? n->cpus[0] : -1;
  choose_far(p, dist, h);
  if (dist) hwloc_distances_release(topo_of(p), dist);
}

/* Host-only anchor: the first usable node of host memory. */
static int host_side(zbuf_bench_placement *p) {
  zbuf_bench_side *h = &p->host;
  h->near_nodes = calloc(1, sizeof *h->near_nodes);
  if (!h->near_nodes) return -1;
  h->near_node = -1;
  for (int i = 0; i < p->nnodes && h->near_node < 0; i++)
    if (p->nodes[i].usable && !p->nodes[i].gpu_memory)
      h->near_node = h->near_nodes[h->n_near++] = p->nodes[i].os_index;
  if (h->near_node < 0)
    zbuf__placement_append(
        &h->note,
        "no NUMA node of host memory has both its memory and a cpu in this process's allowed "
        "set (cpus %s, nodes %s): no near or far rows",
        p->allowed_cpus, p->allowed_nodes);
  return 0;
}

/* The allowed set (placement.h): the topology's, and on this machine also the process's binding. */
static int allowed_set(zbuf_bench_placement *p, int live) {
  hwloc_topology_t topo = topo_of(p);
  hwloc_obj_t root = hwloc_get_root_obj(topo);
  hwloc_bitmap_t cpus = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(topo));
  hwloc_bitmap_t nodes = hwloc_bitmap_dup(hwloc_topology_get_allowed_nodeset(topo));
  hwloc_bitmap_t bound = hwloc_bitmap_alloc();
  p->usable_cpuset = cpus;
  p->usable_nodeset = nodes;
  if (!cpus || !nodes || !bound) {
    hwloc_bitmap_free(bound);
    return -1;
  }
  if (!live) {
    snprintf(p->allowed_from, sizeof p->allowed_from,
             "the allowed cpuset and nodeset the file records (those of the process that exported it)");
  } else {
    snprintf(p->allowed_from, sizeof p->allowed_from, "hwloc's allowed sets (cgroup cpuset)");
    if (hwloc_get_cpubind(topo, bound, HWLOC_CPUBIND_PROCESS) == 0 && !hwloc_bitmap_iszero(bound)) {
      hwloc_bitmap_and(cpus, cpus, bound);
      strncat(p->allowed_from, " and this process's cpu binding",
              sizeof p->allowed_from - strlen(p->allowed_from) - 1);
    }
    hwloc_membind_policy_t policy;
    if (hwloc_get_membind(topo, bound, &policy, HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET) == 0 &&
        policy == HWLOC_MEMBIND_BIND && !hwloc_bitmap_iszero(bound)) {
      hwloc_bitmap_and(nodes, nodes, bound);
      p->membind_bound = 1;
      strncat(p->allowed_from, " and its memory binding",
              sizeof p->allowed_from - strlen(p->allowed_from) - 1);
    }
  }
  p->restricted = !hwloc_bitmap_isequal(cpus, root->cpuset) || !hwloc_bitmap_isequal(nodes, root->nodeset);
  /* A file exported by a restricted process without --disallowed lacks the nodes it was not allowed; only its
   * complete nodeset still names them. (On this machine the complete nodeset may also hold offline nodes.) */
  hwloc_bitmap_andnot(bound, root->complete_nodeset, root->nodeset);
  if (!live && !hwloc_bitmap_iszero(bound)) {
    p->missing_nodes = list_of(bound);
    p->restricted = 1;
  }
  hwloc_bitmap_free(bound);
  p->allowed_cpus = list_of(cpus);
  p->allowed_nodes = list_of(nodes);
  return p->allowed_cpus && p->allowed_nodes ? 0 : -1;
}

static int cmp_node(const void *a, const void *b) {
  const zbuf_bench_node *x = a, *y = b;
  return (x->os_index > y->os_index) - (x->os_index < y->os_index);
}

static int collect_nodes(zbuf_bench_placement *p) {
  hwloc_topology_t topo = topo_of(p);
  int count = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
  p->nodes = calloc((size_t)(count > 0 ? count : 0) + 1, sizeof *p->nodes);
  if (!p->nodes) return -1;
  for (hwloc_obj_t n = NULL;
       (n = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, n)) != NULL && p->nnodes < count;) {
    zbuf_bench_node *z = &p->nodes[p->nnodes++];
    z->os_index = (int)n->os_index;
    /* The package whose cpus hold the node's: its ancestor in hwloc 2, its child where a hwloc 1.x file put
     * the node above a package of the same cpus. */
    hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, n);
    if (!pkg && !hwloc_bitmap_iszero(n->cpuset))
      pkg = hwloc_get_next_obj_covering_cpuset_by_type(topo, n->cpuset, HWLOC_OBJ_PACKAGE, NULL);
    z->package = pkg ? (int)pkg->os_index : -1;
    z->gpu_memory = n->subtype && strcmp(n->subtype, "GPUMemory") == 0;
    int mem_allowed = hwloc_bitmap_isset((hwloc_const_bitmap_t)p->usable_nodeset, n->os_index);
    if (collect_cpus(p, n, mem_allowed, z) != 0) return -1;
  }
  /* NUMA nodes come in logical order; sort by OS index so that "lowest OS index" is "first". */
  qsort(p->nodes, (size_t)p->nnodes, sizeof p->nodes[0], cmp_node);
  return 0;
}

/* GPUs: NVIDIA display/3D PCI functions; a "cudaN" OS device below one gives its ordinal. */
static int collect_gpus(zbuf_bench_placement *p, int live, char *msg, size_t msg_size) {
  hwloc_topology_t topo = topo_of(p);
  int count = 0, npci = 0;
  for (hwloc_obj_t o = NULL; (o = hwloc_get_next_pcidev(topo, o)) != NULL;) count += is_nvidia_gpu(o), npci++;
  p->gpus = calloc((size_t)count + 1, sizeof *p->gpus);
  int *osdev = calloc((size_t)count + 1, sizeof *osdev);
  if (!p->gpus || !osdev) {
    free(osdev);
    return -1;
  }
  for (hwloc_obj_t o = NULL; (o = hwloc_get_next_pcidev(topo, o)) != NULL && p->ngpus < count;) {
    if (!is_nvidia_gpu(o)) continue;
    zbuf_bench_gpu *g = &p->gpus[p->ngpus];
    const char *model = NULL;
    osdev[p->ngpus++] = cuda_osdev(o, &model);
    if (describe_gpu(p, o, g, live) != 0) {
      free(osdev);
      return -1;
    }
    if (model) snprintf(g->name, sizeof g->name, "%s", model);
  }
  if (p->ngpus == 0)
    snprintf(p->gpu_note, sizeof p->gpu_note, "%s",
             npci == 0 ? "no NVIDIA GPU: the topology holds no PCI device at all (I/O discovery was off or "
                         "filtered out where it was made: lstopo --whole-io keeps every device)"
                       : "no NVIDIA GPU (PCI vendor 10de, class 03xx) among the topology's PCI devices");
  int rc = zbuf__placement_topology_ordinals(p, osdev, msg, msg_size);
  free(osdev);
  return rc;
}

int zbuf_bench_placement_load(const char *xml, zbuf_bench_placement *p, char *msg, size_t msg_size) {
  memset(p, 0, sizeof *p);
  p->host.near_node = p->host.far_node = p->host.thread_cpu = p->host.far_cpu = p->host.thread_shared_with =
      -1;
  if (xml && strlen(xml) >= sizeof p->source) {
    snprintf(msg, msg_size, "--topology: the file name is longer than %zu bytes", sizeof p->source - 1);
    return -1;
  }
  snprintf(p->source, sizeof p->source, "%s", xml ? xml : "this machine");
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) {
    snprintf(msg, msg_size, "hwloc_topology_init failed");
    return -1;
  }
  /* Where a GPU sits must not depend on what this process may use: load everything, apply the allowed set
   * afterwards (placement.h). */
  hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
  /* A replayed file keeps every I/O object it names; this machine keeps the ones that matter (GPUs and the
   * bridges above them), which is also what lstopo shows by default. */
  hwloc_topology_set_io_types_filter(topo,
                                     xml ? HWLOC_TYPE_FILTER_KEEP_ALL : HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
  /* Linux's own sysfs discovery finds every PCI device, bridge and link speed needed here. The libpciaccess
   * component ("pci") only adds names and leaves an allocation behind that leak checkers report against us;
   * OpenCL and display (gl) devices say nothing about where a CUDA GPU sits. */
  static const char *const unwanted[] = {"pci", "opencl", "gl"};
  for (size_t i = 0; i < sizeof unwanted / sizeof unwanted[0]; i++)
    hwloc_topology_set_components(topo, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, unwanted[i]);
  int loaded = 0;
  if (xml) {
    loaded = zbuf__placement_load_xml(topo, xml, msg, msg_size);
  } else if ((loaded = hwloc_topology_load(topo)) != 0) {
    snprintf(msg, msg_size, "hwloc_topology_load(this machine) failed: %s", strerror(errno));
  }
  if (loaded != 0) {
    hwloc_topology_destroy(topo);
    return -1;
  }
  p->topology = topo;
  p->available = 1;
  p->npackages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
  msg[0] = '\0';
  if (allowed_set(p, xml == NULL) != 0 || collect_nodes(p) != 0 || host_side(p) != 0 ||
      collect_gpus(p, xml == NULL, msg, msg_size) != 0) {
    if (!msg[0]) snprintf(msg, msg_size, "%s: out of memory while taking the placement decisions", p->source);
    zbuf_bench_placement_free(p);
    return -1;
  }
  if (xml)
    zbuf__placement_append(
        &p->cuda_check,
        "not done: the topology is another machine's (the CUDA runtime checks this machine's)");
  zbuf__placement_decide(p);
  if (p->nnodes <= 1) snprintf(p->note, sizeof p->note, "one NUMA node: near and far are the same memory");
  return 0;
}

static void side_free(zbuf_bench_side *s) {
  free(s->near_nodes);
  free(s->note);
  free(s->far_reason);
  s->near_nodes = NULL;
  s->note = s->far_reason = NULL;
  s->n_near = 0;
}

void zbuf_bench_placement_free(zbuf_bench_placement *p) {
  for (int i = 0; i < p->nnodes; i++) {
    free(p->nodes[i].cpus);
    free(p->nodes[i].all_cpus);
  }
  for (int i = 0; i < p->ngpus; i++) side_free(&p->gpus[i].side);
  side_free(&p->host);
  free(p->nodes);
  free(p->gpus);
  free(p->allowed_cpus);
  free(p->allowed_nodes);
  free(p->missing_nodes);
  free(p->cuda_note);
  free(p->cuda_check);
  hwloc_bitmap_free((hwloc_bitmap_t)p->usable_cpuset);
  hwloc_bitmap_free((hwloc_bitmap_t)p->usable_nodeset);
  if (p->topology) hwloc_topology_destroy(topo_of(p));
  p->nodes = NULL;
  p->gpus = NULL;
  p->nnodes = p->ngpus = 0;
  p->allowed_cpus = p->allowed_nodes = p->missing_nodes = p->cuda_note = p->cuda_check = NULL;
  p->usable_cpuset = p->usable_nodeset = p->topology = NULL;
  p->available = 0;
}

void zbuf_bench_placement_host_slot(zbuf_bench_placement *p, int slot) {
  zbuf_bench_side *h = &p->host;
  int usable = 0;
  for (int i = 0; i < p->nnodes; i++) usable += p->nodes[i].usable && !p->nodes[i].gpu_memory;
  if (!p->available || usable == 0 || slot < 0) return;
  int want = slot % usable, seen = 0;
  for (int i = 0; i < p->nnodes; i++) {
    if (!p->nodes[i].usable || p->nodes[i].gpu_memory) continue;
    if (seen++ != want) continue;
    h->near_node = p->nodes[i].os_index;
    if (h->n_near > 0) h->near_nodes[0] = h->near_node;
  }
  zbuf__placement_decide(p);
  /* Slots beyond the node count share nodes: each takes the next core of its node. */
  const zbuf_bench_node *n = zbuf_bench_placement_node(p, h->near_node);
  if (n && n->ncpus > 0) h->thread_cpu = n->cpus[(slot / usable) % n->ncpus];
}

#else /* no hwloc: nothing is known, nothing is bound */

int zbuf_bench_placement_load(const char *xml, zbuf_bench_placement *p, char *msg, size_t msg_size) {
  memset(p, 0, sizeof *p);
  snprintf(p->source, sizeof p->source, "%s", xml ? "a --topology file" : "this machine");
  snprintf(p->note, sizeof p->note, "built without hwloc: no NUMA placement");
  p->host.near_node = p->host.far_node = p->host.thread_cpu = p->host.far_cpu = p->host.thread_shared_with =
      -1;
  if (xml) {
    snprintf(msg, msg_size, "--topology needs a build with hwloc (ZBUF_WITH_HWLOC)");
    return -1;
  }
  return 0;
}

void zbuf__placement_decide(zbuf_bench_placement *p) { (void)p; }
void zbuf_bench_placement_host_slot(zbuf_bench_placement *p, int slot) { (void)p, (void)slot; }

void zbuf_bench_placement_free(zbuf_bench_placement *p) {
  free(p->cuda_note);
  free(p->cuda_check);
  p->cuda_note = p->cuda_check = NULL;
}
#endif

const zbuf_bench_gpu *zbuf_bench_placement_gpu(const zbuf_bench_placement *p, int cuda) {
  if (cuda < 0) return NULL;
  for (int i = 0; i < p->ngpus; i++)
    if (p->gpus[i].cuda == cuda) return &p->gpus[i];
  return NULL;
}

const zbuf_bench_node *zbuf_bench_placement_node(const zbuf_bench_placement *p, int os_index) {
  if (os_index < 0) return NULL;
  for (int i = 0; i < p->nnodes; i++)
    if (p->nodes[i].os_index == os_index) return &p->nodes[i];
  return NULL;
}

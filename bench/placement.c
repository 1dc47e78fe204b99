/* zbuf-bench: placement decisions from an hwloc topology (rules in placement.h). */
#define _POSIX_C_SOURCE 200809L
#include "placement.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef ZBUF_WITH_HWLOC
#include <hwloc.h>

static hwloc_topology_t topo_of(const zbuf_bench_placement *p) { return (hwloc_topology_t)p->topology; }

/* One cpu per core (its first PU) in the node's cpuset; PUs when the topology has no Core objects. */
static void collect_cpus(hwloc_topology_t topo, hwloc_obj_t numa, zbuf_bench_node *n) {
  n->ncpus = 0;
  hwloc_obj_type_t type = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
  hwloc_obj_t o = NULL;
  while ((o = hwloc_get_next_obj_inside_cpuset_by_type(topo, numa->cpuset, type, o)) != NULL &&
         n->ncpus < ZBUF_BENCH_MAX_CPUS) {
    int pu = hwloc_bitmap_first(o->cpuset);
    if (pu >= 0) n->cpus[n->ncpus++] = pu;
  }
}

static double numa_distance(const zbuf_bench_placement *p, struct hwloc_distances_s *d, int from_os,
                            int to_os) {
  (void)p;
  if (!d) return -1;
  int fi = -1, ti = -1;
  for (unsigned i = 0; i < d->nbobjs; i++) {
    if ((int)d->objs[i]->os_index == from_os) fi = (int)i;
    if ((int)d->objs[i]->os_index == to_os) ti = (int)i;
  }
  if (fi < 0 || ti < 0) return -1;
  return (double)d->values[(size_t)fi * d->nbobjs + (size_t)ti];
}

/* Far-node rule: distance, then other package, then any other node; ties to the lowest OS index (nodes are
 * kept sorted by OS index, so the first candidate met wins a tie). */
static void choose_far(zbuf_bench_placement *p, struct hwloc_distances_s *dist, zbuf_bench_side *s) {
  s->far_node = -1;
  s->far_cpu = -1;
  const zbuf_bench_node *near = zbuf_bench_placement_node(p, s->near_node);
  int best = -1;
  double best_d = -1;
  int other_pkg = -1, other = -1;
  for (int i = 0; i < p->nnodes; i++) {
    const zbuf_bench_node *n = &p->nodes[i];
    int is_near = 0;
    for (int k = 0; k < s->n_near; k++) is_near |= s->near_nodes[k] == n->os_index;
    if (is_near || n->ncpus == 0) continue;
    double d = numa_distance(p, dist, s->near_node, n->os_index);
    if (d > best_d) best_d = d, best = n->os_index;
    if (other_pkg < 0 && near && n->package != near->package) other_pkg = n->os_index;
    if (other < 0) other = n->os_index;
  }
  if (other < 0) {
    snprintf(s->far_reason, sizeof s->far_reason, "%s",
             p->nnodes <= 1 ? "one NUMA node: no far node" : "every NUMA node with cpus is near");
    return;
  }
  if (best >= 0 && best_d >= 0) {
    s->far_node = best;
    snprintf(s->far_reason, sizeof s->far_reason, "largest NUMA distance from node %d (%g)", s->near_node,
             best_d);
  } else if (other_pkg >= 0) {
    s->far_node = other_pkg;
    snprintf(s->far_reason, sizeof s->far_reason, "first node of another package (no distance matrix)");
  } else {
    s->far_node = other;
    snprintf(s->far_reason, sizeof s->far_reason, "first other node, same package (no distance matrix)");
  }
  const zbuf_bench_node *far = zbuf_bench_placement_node(p, s->far_node);
  s->far_cpu = far && far->ncpus > 0 ? far->cpus[0] : -1;
}

/* Near nodes of an object: those in the nodeset of its first non-I/O ancestor. */
static void near_of(zbuf_bench_placement *p, hwloc_obj_t obj, zbuf_bench_side *s) {
  hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(topo_of(p), obj);
  s->n_near = 0;
  for (int i = 0; i < p->nnodes; i++)
    if (!anc || !anc->nodeset || hwloc_bitmap_isset(anc->nodeset, (unsigned)p->nodes[i].os_index))
      s->near_nodes[s->n_near++] = p->nodes[i].os_index;
  s->near_node = s->n_near > 0 ? s->near_nodes[0] : (p->nnodes > 0 ? p->nodes[0].os_index : -1);
}

/* Link generation from the transfer rate per lane, and the bytes one transfer carries after line coding. */
static void link_from_rate(double gtps, int width, int *gen, double *gbps) {
  static const struct {
    double gtps;
    int gen;
    double coding;
  } table[] = {{2.5, 1, 8.0 / 10},   {5, 2, 8.0 / 10},     {8, 3, 128.0 / 130},
               {16, 4, 128.0 / 130}, {32, 5, 128.0 / 130}, {64, 6, 242.0 / 256}};
  *gen = 0;
  *gbps = 0;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (gtps > table[i].gtps - 0.1 && gtps < table[i].gtps + 0.1) {
      *gen = table[i].gen;
      *gbps = gtps * width * table[i].coding / 8.0;
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

static void describe_gpu(zbuf_bench_placement *p, hwloc_obj_t pci, zbuf_bench_gpu *g, int live) {
  struct hwloc_pcidev_attr_s *a = &pci->attr->pcidev;
  snprintf(g->pci, sizeof g->pci, "%04x:%02x:%02x.%01x", (unsigned)a->domain, a->bus, a->dev, a->func);
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
  near_of(p, pci, &g->side);
}

static int is_nvidia_gpu(hwloc_obj_t o) {
  return o->type == HWLOC_OBJ_PCI_DEVICE && o->attr->pcidev.vendor_id == 0x10de &&
         (o->attr->pcidev.class_id >> 8) == 0x03;
}

static int cmp_gpu(const void *a, const void *b) {
  return ((const zbuf_bench_gpu *)a)->cuda - ((const zbuf_bench_gpu *)b)->cuda;
}

/* Thread cpus and far nodes; redone when the CUDA order changes. */
static void decide(zbuf_bench_placement *p) {
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
    choose_far(p, dist, s);
  }
  /* Host-only anchor: the first node that has cpus. */
  zbuf_bench_side *h = &p->host;
  h->n_near = 0;
  h->near_node = -1;
  h->thread_cpu = -1;
  for (int i = 0; i < p->nnodes && h->n_near == 0; i++)
    if (p->nodes[i].ncpus > 0) {
      h->near_nodes[h->n_near++] = p->nodes[i].os_index;
      h->near_node = p->nodes[i].os_index;
      h->thread_cpu = p->nodes[i].cpus[0];
    }
  choose_far(p, dist, h);
  if (dist) hwloc_distances_release(topo_of(p), dist);
}

/* Refuses a --topology file that hwloc would only call "Invalid argument": one that is not there, cannot be
 * read, or does not begin like XML. Returns 0 when hwloc may try it. */
static int check_xml_file(const char *xml, char *msg, size_t msg_size) {
  struct stat st;
  if (stat(xml, &st) != 0) {
    snprintf(msg, msg_size, "--topology %s: %s", xml, errno == ENOENT ? "no such file" : strerror(errno));
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(msg, msg_size, "--topology %s: is a directory, not an XML file", xml);
    return -1;
  }
  FILE *f = fopen(xml, "rb");
  if (!f) {
    snprintf(msg, msg_size, "--topology %s: cannot open it: %s", xml, strerror(errno));
    return -1;
  }
  /* An XML document begins with '<', after an optional UTF-8 byte order mark and blanks. */
  int c = getc(f);
  if (c == 0xef && getc(f) == 0xbb && getc(f) == 0xbf) c = getc(f);
  while (c == ' ' || c == '\t' || c == '\r' || c == '\n') c = getc(f);
  fclose(f);
  if (c != '<') {
    snprintf(msg, msg_size, "--topology %s: not an XML file (%s)", xml,
             st.st_size == 0 ? "it is empty"
             : c == EOF      ? "it holds only blanks"
                             : "it does not begin with '<'");
    return -1;
  }
  return 0;
}

/* hwloc tells why an XML import failed only on stderr, and only with HWLOC_XML_VERBOSE=1 (libxml2, when its
 * plugin parses, writes there too). While a --topology file is read, stderr goes to a temporary file, so
 * that the reason can end the one error message; what was caught is written back to stderr on success
 * (warnings). Without a temporary file nothing is caught and hwloc writes to stderr directly. */
typedef struct stderr_catch {
  int saved_fd;
  FILE *tmp;
} stderr_catch;

static void stderr_catch_begin(stderr_catch *c) {
  c->saved_fd = -1;
  fflush(stderr);
  c->tmp = tmpfile();
  if (!c->tmp) return;
  c->saved_fd = dup(STDERR_FILENO);
  if (c->saved_fd < 0 || dup2(fileno(c->tmp), STDERR_FILENO) < 0) {
    if (c->saved_fd >= 0) close(c->saved_fd);
    c->saved_fd = -1;
    fclose(c->tmp);
    c->tmp = NULL;
  }
}

/* Puts stderr back; text gets what was written meanwhile ("" if nothing), without trailing blank lines. */
static void stderr_catch_end(stderr_catch *c, char *text, size_t text_size) {
  text[0] = '\0';
  if (!c->tmp) return;
  fflush(stderr);
  dup2(c->saved_fd, STDERR_FILENO);
  close(c->saved_fd);
  rewind(c->tmp);
  size_t n = fread(text, 1, text_size - 1, c->tmp);
  fclose(c->tmp);
  c->tmp = NULL;
  text[n] = '\0';
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ')) text[--n] = '\0';
}

static int load_xml(hwloc_topology_t topo, const char *xml, char *msg, size_t msg_size) {
  if (check_xml_file(xml, msg, msg_size) != 0) return -1;
  /* hwloc reads HWLOC_XML_VERBOSE once, at its first XML import: set before that, unless the user chose. */
  int set_verbose = getenv("HWLOC_XML_VERBOSE") == NULL;
  if (set_verbose) setenv("HWLOC_XML_VERBOSE", "1", 0);
  stderr_catch c;
  stderr_catch_begin(&c);
  errno = 0;
  int rc = hwloc_topology_set_xml(topo, xml);
  const char *step = "hwloc_topology_set_xml";
  if (rc == 0) {
    rc = hwloc_topology_load(topo);
    step = "hwloc_topology_load";
  }
  int err = errno;
  char said[768];
  stderr_catch_end(&c, said, sizeof said);
  if (set_verbose) unsetenv("HWLOC_XML_VERBOSE");
  if (rc == 0) {
    if (said[0]) fprintf(stderr, "%s\n", said);
    return 0;
  }
  if (said[0]) {
    for (char *l = said; (l = strchr(l, '\n')) != NULL;) *l = ' '; /* one message, one line */
    snprintf(msg, msg_size, "--topology %s: hwloc cannot load it: %s", xml, said);
  } else {
    snprintf(msg, msg_size, "--topology %s: hwloc cannot load it (%s: %s)", xml, step,
             err ? strerror(err) : "failed");
  }
  return -1;
}

int zbuf_bench_placement_load(const char *xml, zbuf_bench_placement *p, char *msg, size_t msg_size) {
  memset(p, 0, sizeof *p);
  snprintf(p->source, sizeof p->source, "%s", xml ? xml : "this machine");
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) {
    snprintf(msg, msg_size, "hwloc_topology_init failed");
    return -1;
  }
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
    loaded = load_xml(topo, xml, msg, msg_size);
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
  for (hwloc_obj_t n = NULL; (n = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, n)) != NULL &&
                             p->nnodes < ZBUF_BENCH_MAX_NODES;) {
    zbuf_bench_node *z = &p->nodes[p->nnodes++];
    z->os_index = (int)n->os_index;
    hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, n);
    z->package = pkg ? (int)pkg->os_index : -1;
    collect_cpus(topo, n, z);
  }
  /* NUMA nodes come in logical order; sort by OS index so that "lowest OS index" is "first". */
  for (int i = 1; i < p->nnodes; i++)
    for (int j = i; j > 0 && p->nodes[j - 1].os_index > p->nodes[j].os_index; j--) {
      zbuf_bench_node t = p->nodes[j];
      p->nodes[j] = p->nodes[j - 1];
      p->nodes[j - 1] = t;
    }
  /* GPUs: NVIDIA display/3D PCI functions in bus order; a "cudaN" OS device below one gives its ordinal. */
  for (hwloc_obj_t o = NULL;
       (o = hwloc_get_next_pcidev(topo, o)) != NULL && p->ngpus < ZBUF_BENCH_MAX_GPUS;) {
    if (!is_nvidia_gpu(o)) continue;
    zbuf_bench_gpu *g = &p->gpus[p->ngpus];
    g->cuda = p->ngpus;
    snprintf(g->ordinal_from, sizeof g->ordinal_from, "bus order");
    for (hwloc_obj_t c = o->io_first_child; c; c = c->next_sibling)
      if (c->type == HWLOC_OBJ_OS_DEVICE && c->name && strncmp(c->name, "cuda", 4) == 0) {
        g->cuda = atoi(c->name + 4);
        snprintf(g->ordinal_from, sizeof g->ordinal_from, "osdev %s", c->name);
        const char *model = hwloc_obj_get_info_by_name(c, "GPUModel");
        if (model) snprintf(g->name, sizeof g->name, "%s", model);
      }
    char keep[sizeof g->name];
    memcpy(keep, g->name, sizeof keep);
    describe_gpu(p, o, g, xml == NULL);
    if (keep[0]) memcpy(g->name, keep, sizeof keep);
    p->ngpus++;
  }
  decide(p);
  if (p->nnodes <= 1) snprintf(p->note, sizeof p->note, "one NUMA node: near and far are the same memory");
  return 0;
}

/* Bus ids compared as numbers: the CUDA runtime may write the domain with 8 hex digits, hwloc with 4. */
static int same_busid(const char *a, const char *b) {
  unsigned d1, b1, s1, f1, d2, b2, s2, f2;
  if (sscanf(a, "%x:%x:%x.%x", &d1, &b1, &s1, &f1) != 4 || sscanf(b, "%x:%x:%x.%x", &d2, &b2, &s2, &f2) != 4)
    return strcasecmp(a, b) == 0;
  return d1 == d2 && b1 == b2 && s1 == s2 && f1 == f2;
}

void zbuf_bench_placement_set_cuda_order(zbuf_bench_placement *p, const char *const *busids, int n) {
  if (!p->available) return;
  for (int i = 0; i < p->ngpus; i++)
    for (int k = 0; k < n; k++)
      if (busids[k] && same_busid(busids[k], p->gpus[i].pci)) {
        p->gpus[i].cuda = k;
        snprintf(p->gpus[i].ordinal_from, sizeof p->gpus[i].ordinal_from, "cudart");
      }
  decide(p);
}

void zbuf_bench_placement_free(zbuf_bench_placement *p) {
  if (p->topology) hwloc_topology_destroy(topo_of(p));
  p->topology = NULL;
}

#else /* no hwloc: nothing is known, nothing is bound */

int zbuf_bench_placement_load(const char *xml, zbuf_bench_placement *p, char *msg, size_t msg_size) {
  memset(p, 0, sizeof *p);
  snprintf(p->source, sizeof p->source, "%s", xml ? xml : "this machine");
  snprintf(p->note, sizeof p->note, "built without hwloc: no NUMA placement");
  p->host.near_node = p->host.far_node = p->host.thread_cpu = p->host.far_cpu = -1;
  if (xml) {
    snprintf(msg, msg_size, "--topology needs a build with hwloc (ZBUF_WITH_HWLOC)");
    return -1;
  }
  return 0;
}

void zbuf_bench_placement_set_cuda_order(zbuf_bench_placement *p, const char *const *busids, int n) {
  (void)p, (void)busids, (void)n;
}

void zbuf_bench_placement_free(zbuf_bench_placement *p) { (void)p; }
#endif

const zbuf_bench_gpu *zbuf_bench_placement_gpu(const zbuf_bench_placement *p, int cuda) {
  for (int i = 0; i < p->ngpus; i++)
    if (p->gpus[i].cuda == cuda) return &p->gpus[i];
  return NULL;
}

const zbuf_bench_node *zbuf_bench_placement_node(const zbuf_bench_placement *p, int os_index) {
  for (int i = 0; i < p->nnodes; i++)
    if (p->nodes[i].os_index == os_index) return &p->nodes[i];
  return NULL;
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      fprintf(f, "\\u%04x", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

static void json_ints(FILE *f, const int *v, int n) {
  fputc('[', f);
  for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", v[i]);
  fputc(']', f);
}

static void json_side(FILE *f, const zbuf_bench_side *s, const zbuf_bench_placement *p, const char *indent) {
  fprintf(f, "%s\"near_nodes\": ", indent);
  json_ints(f, s->near_nodes, s->n_near);
  fprintf(f, ",\n%s\"near_node\": %d,\n%s\"near_cpus\": ", indent, s->near_node, indent);
  const zbuf_bench_node *n = zbuf_bench_placement_node(p, s->near_node);
  json_ints(f, n ? n->cpus : NULL, n ? n->ncpus : 0);
  fprintf(f, ",\n%s\"thread_cpu\": %d,\n", indent, s->thread_cpu);
  if (s->far_node >= 0)
    fprintf(f, "%s\"far_node\": %d,\n%s\"far_cpu\": %d,\n", indent, s->far_node, indent, s->far_cpu);
  else
    fprintf(f, "%s\"far_node\": null,\n%s\"far_cpu\": null,\n", indent, indent);
  fprintf(f, "%s\"far_reason\": ", indent);
  json_str(f, s->far_reason);
}

void zbuf_bench_placement_json(const zbuf_bench_placement *p, FILE *f) {
  fprintf(f, "{\n  \"topology\": ");
  json_str(f, p->source);
  fprintf(f, ",\n  \"hwloc\": %s,\n  \"note\": ", p->available ? "true" : "false");
  json_str(f, p->note);
  fprintf(f, ",\n  \"packages\": %d,\n  \"numa_distances\": %s,\n  \"nodes\": [", p->npackages,
          p->has_distances ? "true" : "false");
  for (int i = 0; i < p->nnodes; i++) {
    fprintf(f, "%s\n    {\"os_index\": %d, \"package\": %d, \"cpus\": ", i ? "," : "", p->nodes[i].os_index,
            p->nodes[i].package);
    json_ints(f, p->nodes[i].cpus, p->nodes[i].ncpus);
    fputc('}', f);
  }
  fprintf(f, "%s],\n  \"host\": {\n", p->nnodes ? "\n  " : "");
  json_side(f, &p->host, p, "    ");
  fprintf(f, "\n  },\n  \"gpus\": [");
  for (int i = 0; i < p->ngpus; i++) {
    const zbuf_bench_gpu *g = &p->gpus[i];
    fprintf(f, "%s\n    {\n      \"cuda\": %d,\n      \"ordinal_from\": ", i ? "," : "", g->cuda);
    json_str(f, g->ordinal_from);
    fprintf(f, ",\n      \"pci\": ");
    json_str(f, g->pci);
    fprintf(f, ",\n      \"name\": ");
    json_str(f, g->name);
    fprintf(f,
            ",\n      \"link\": {\"hwloc_GBps\": %.3f, \"path_min_GBps\": %.3f, \"GTps\": %g, \"gen\": %d, "
            "\"width\": %d, \"ceiling_GBps\": %.3f, \"ceiling_from\": ",
            g->link_GBps, g->path_GBps, g->link_GTps, g->link_gen, g->link_width, g->ceiling_GBps);
    json_str(f, g->ceiling_from);
    fprintf(f, "},\n");
    json_side(f, &g->side, p, "      ");
    fprintf(f, "\n    }");
  }
  fprintf(f, "%s]\n}\n", p->ngpus ? "\n  " : "");
}

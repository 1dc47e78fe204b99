/* zbuf-placement-oracle: what libhwloc itself says about a topology, for check_placement.py to hold
 * zbuf-bench's placement decisions against (test tool, not installed).
 *
 * It shares no code with bench/placement.c and takes each answer from a different libhwloc call than
 * zbuf-bench does: NUMA locality from hwloc_get_local_numanode_objs (larger and smaller localities), cores
 * from a scan of every Core object against each node's cpuset, the allowed sets straight from the topology.
 * It prints raw facts; the rules (usable nodes, ordinals in bus order) are applied by check_placement.py, in
 * Python.
 *
 *   zbuf-placement-oracle [--topology FILE]          facts as JSON on stdout (no FILE: this machine)
 *   zbuf-placement-oracle --synthetic DESC --export OUT.xml
 *   zbuf-placement-oracle --topology FILE --export OUT.xml [--v1]
 *                                                    let libhwloc write a topology (v1: hwloc 1.x XML format)
 * Exit status 0, 1 when hwloc refuses the input, 2 on a usage error. */
#define _POSIX_C_SOURCE 200809L
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_set(hwloc_const_bitmap_t set) {
  printf("[");
  int first = 1, i;
  if (set) hwloc_bitmap_foreach_begin(i, set) {
      printf("%s%d", first ? "" : ", ", i);
      first = 0;
    }
  hwloc_bitmap_foreach_end();
  printf("]");
}

static void print_str(const char *s) {
  if (!s) {
    printf("null");
    return;
  }
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') putchar('\\');
    if ((unsigned char)*s >= 0x20) putchar(*s);
  }
  putchar('"');
}

static void print_nodes(hwloc_topology_t topo) {
  int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  hwloc_obj_type_t unit = ncores > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
  printf("  \"numa_nodes\": [");
  hwloc_obj_t n = NULL;
  for (int k = 0; (n = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, n)) != NULL; k++) {
    hwloc_obj_t pkg = n->parent;
    while (pkg && pkg->type != HWLOC_OBJ_PACKAGE) pkg = pkg->parent;
    printf("%s\n    {\"os_index\": %u, \"subtype\": ", k ? "," : "", n->os_index);
    print_str(n->subtype);
    printf(", \"package\": %d, \"cpuset\": ", pkg ? (int)pkg->os_index : -1);
    print_set(n->cpuset);
    printf(", \"cores\": [");
    /* Every core (or PU) of the machine whose cpuset lies inside the node's, in logical order. */
    int m = 0;
    for (int i = 0; i < hwloc_get_nbobjs_by_type(topo, unit); i++) {
      hwloc_obj_t c = hwloc_get_obj_by_type(topo, unit, (unsigned)i);
      if (hwloc_bitmap_iszero(c->cpuset) || !hwloc_bitmap_isincluded(c->cpuset, n->cpuset)) continue;
      printf("%s", m++ ? ", " : "");
      print_set(c->cpuset);
    }
    printf("]}");
  }
  printf("\n  ],\n");
}

static void print_pcidevs(hwloc_topology_t topo) {
  printf("  \"pci_devices\": [");
  hwloc_obj_t o = NULL;
  for (int k = 0; (o = hwloc_get_next_pcidev(topo, o)) != NULL; k++) {
    struct hwloc_pcidev_attr_s *a = &o->attr->pcidev;
    printf(
        "%s\n    {\"pci\": \"%04x:%02x:%02x.%x\", \"domain\": %u, \"bus\": %u, \"dev\": %u, \"func\": %u, ",
        k ? "," : "", (unsigned)a->domain, a->bus, a->dev, a->func, (unsigned)a->domain, a->bus, a->dev,
        a->func);
    printf("\"vendor\": %u, \"class\": %u, \"link_GBps\": %.6f, \"osdevs\": [", a->vendor_id, a->class_id,
           a->linkspeed);
    int m = 0;
    for (hwloc_obj_t c = o->io_first_child; c; c = c->next_sibling)
      if (c->type == HWLOC_OBJ_OS_DEVICE) {
        printf("%s", m++ ? ", " : "");
        print_str(c->name);
      }
    printf("], \"upstream_GBps\": [");
    m = 0;
    for (hwloc_obj_t b = o->parent; b && b->type == HWLOC_OBJ_BRIDGE; b = b->parent)
      if (b->attr->bridge.upstream_type == HWLOC_OBJ_BRIDGE_PCI)
        printf("%s%.6f", m++ ? ", " : "", b->attr->bridge.upstream.pci.linkspeed);
    /* Locality: the NUMA nodes of the cpuset the device is attached to, larger and smaller ones included
     * (for an object, hwloc documents this as that object's nodeset). */
    struct hwloc_location loc;
    loc.type = HWLOC_LOCATION_TYPE_OBJECT;
    loc.location.object = o;
    unsigned nr = (unsigned)hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    hwloc_obj_t *nodes = calloc(nr + 1, sizeof *nodes);
    printf("], \"local_nodes\": [");
    if (nodes && hwloc_get_local_numanode_objs(topo, &loc, &nr, nodes,
                                               HWLOC_LOCAL_NUMANODE_FLAG_LARGER_LOCALITY |
                                                   HWLOC_LOCAL_NUMANODE_FLAG_SMALLER_LOCALITY) == 0)
      for (unsigned i = 0; i < nr; i++) printf("%s%u", i ? ", " : "", nodes[i]->os_index);
    free(nodes);
    hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(topo, o);
    printf("], \"ancestor\": {\"type\": \"%s\", \"cpuset\": ", hwloc_obj_type_string(anc->type));
    print_set(anc->cpuset);
    printf(", \"nodeset\": ");
    print_set(anc->nodeset);
    printf(", \"complete_nodeset\": ");
    print_set(anc->complete_nodeset);
    printf("}}");
  }
  printf("\n  ],\n");
}

static void print_distances(hwloc_topology_t topo) {
  struct hwloc_distances_s *d = NULL;
  unsigned nr = 1;
  printf("  \"latency\": ");
  if (hwloc_distances_get_by_type(topo, HWLOC_OBJ_NUMANODE, &nr, &d, HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) !=
          0 ||
      nr == 0) {
    printf("null\n");
    return;
  }
  printf("{\"nodes\": [");
  for (unsigned i = 0; i < d->nbobjs; i++) printf("%s%u", i ? ", " : "", d->objs[i]->os_index);
  printf("], \"values\": [");
  for (unsigned long i = 0; i < (unsigned long)d->nbobjs * d->nbobjs; i++)
    printf("%s%llu", i ? ", " : "", (unsigned long long)d->values[i]);
  printf("]}\n");
  hwloc_distances_release(topo, d);
}

static int usage(const char *why) {
  fprintf(stderr,
          "zbuf-placement-oracle: %s\nusage: zbuf-placement-oracle [--topology FILE.xml | --synthetic DESC] "
          "[--export OUT.xml [--v1]]\n",
          why);
  return 2;
}

int main(int argc, char **argv) {
  const char *xml = NULL, *synthetic = NULL, *out = NULL;
  int v1 = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf(
          "zbuf-placement-oracle [--topology FILE.xml | --synthetic DESC] [--export OUT.xml [--v1]]\n"
          "Prints what libhwloc says about a topology (NUMA nodes and their cores, PCI devices with their\n"
          "local NUMA nodes, links and OS devices, allowed sets, latencies) as JSON, or exports it as "
          "XML.\n");
      return 0;
    } else if (!strcmp(argv[i], "--v1")) {
      v1 = 1;
    } else if (i + 1 < argc && !strcmp(argv[i], "--topology")) {
      xml = argv[++i];
    } else if (i + 1 < argc && !strcmp(argv[i], "--synthetic")) {
      synthetic = argv[++i];
    } else if (i + 1 < argc && !strcmp(argv[i], "--export")) {
      out = argv[++i];
    } else {
      return usage("unknown option or missing value");
    }
  }
  if (xml && synthetic) return usage("--topology and --synthetic exclude each other");
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) return 1;
  hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
  hwloc_topology_set_io_types_filter(topo,
                                     xml ? HWLOC_TYPE_FILTER_KEEP_ALL : HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
  /* On this machine, Linux's sysfs discovery finds the PCI devices; the libpciaccess component would leave an
   * allocation behind that the sanitizer tiers report. */
  hwloc_topology_set_components(topo, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "pci");
  if ((xml && hwloc_topology_set_xml(topo, xml) != 0) ||
      (synthetic && hwloc_topology_set_synthetic(topo, synthetic) != 0) || hwloc_topology_load(topo) != 0) {
    fprintf(stderr, "zbuf-placement-oracle: hwloc cannot load %s\n",
            xml         ? xml
            : synthetic ? synthetic
                        : "this machine");
    hwloc_topology_destroy(topo);
    return 1;
  }
  int rc = 0;
  if (out) {
    if (hwloc_topology_export_xml(topo, out, v1 ? HWLOC_TOPOLOGY_EXPORT_XML_FLAG_V1 : 0) != 0) {
      fprintf(stderr, "zbuf-placement-oracle: cannot export to %s\n", out);
      rc = 1;
    }
  } else {
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    printf("{\n  \"allowed_cpus\": ");
    print_set(hwloc_topology_get_allowed_cpuset(topo));
    printf(",\n  \"allowed_nodes\": ");
    print_set(hwloc_topology_get_allowed_nodeset(topo));
    printf(",\n  \"cpus\": ");
    print_set(root->cpuset);
    printf(",\n  \"nodes\": ");
    print_set(root->nodeset);
    printf(",\n  \"complete_nodes\": ");
    print_set(root->complete_nodeset);
    printf(",\n  \"packages\": %d,\n", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE));
    print_nodes(topo);
    print_pcidevs(topo);
    print_distances(topo);
    printf("}\n");
  }
  hwloc_topology_destroy(topo);
  return rc;
}

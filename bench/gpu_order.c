/* zbuf-bench: CUDA ordinals of the GPUs in a topology, and the CUDA runtime's check of them (rules in
 * placement.h).
 *
 * An ordinal is what --gpu and every CUDA call mean by a GPU, so two GPUs must never share one and a guess
 * must say it is one. hwloc's CUDA plugin names each GPU it saw "cudaN" after the exporting process's runtime
 * ordinal; GPUs it did not see (no plugin, CUDA_VISIBLE_DEVICES) have no such name and take the ordinals left
 * free in PCI bus order, the order CUDA_DEVICE_ORDER=PCI_BUS_ID gives. On this machine the runtime itself is
 * asked, and wins. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "placement.h"

#ifdef ZBUF_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

static int bus_before(const zbuf_bench_gpu *x, const zbuf_bench_gpu *y) {
  unsigned kx[4] = {x->domain, x->bus, x->dev, x->func}, ky[4] = {y->domain, y->bus, y->dev, y->func};
  for (int i = 0; i < 4; i++)
    if (kx[i] != ky[i]) return kx[i] < ky[i];
  return 0;
}

static const char *kOrderNote =
    "PCI bus order is CUDA's order under CUDA_DEVICE_ORDER=PCI_BUS_ID; its default, FASTEST_FIRST, may "
    "differ";

int zbuf__placement_topology_ordinals(zbuf_bench_placement *p, const int *osdev, char *msg, size_t msg_size) {
  int n = p->ngpus, named = 0;
  for (int i = 0; i < n; i++) {
    p->gpus[i].cuda = osdev[i];
    if (osdev[i] < 0) continue;
    named++;
    for (int j = 0; j < i; j++)
      if (osdev[j] == osdev[i]) {
        snprintf(msg, msg_size,
                 "%s: GPUs %s and %s both have the OS device cuda%d: not a topology hwloc made", p->source,
                 p->gpus[j].pci, p->gpus[i].pci, osdev[i]);
        return -1;
      }
    snprintf(p->gpus[i].ordinal_from, sizeof p->gpus[i].ordinal_from, "osdev cuda%d", osdev[i]);
  }
  /* The unnamed GPUs in bus order (selection sort: n is small, and nothing is capped), each taking the lowest
   * ordinal no GPU holds yet. */
  int next = 0;
  for (int done = named; done < n; done++) {
    zbuf_bench_gpu *first = NULL;
    for (int i = 0; i < n; i++)
      if (p->gpus[i].cuda < 0 && (!first || bus_before(&p->gpus[i], first))) first = &p->gpus[i];
    for (int taken = 1; taken;) {
      taken = 0;
      for (int i = 0; i < n && !taken; i++) taken = p->gpus[i].cuda == next;
      if (taken) next++;
    }
    first->cuda = next++;
    snprintf(first->ordinal_from, sizeof first->ordinal_from, "bus order");
  }
  for (int i = 0; i < n; i++) {
    p->gpus[i].cuda_topology = p->gpus[i].cuda;
    memcpy(p->gpus[i].topology_from, p->gpus[i].ordinal_from, sizeof p->gpus[i].topology_from);
  }
  if (n == 0) return 0;
  if (named == n) {
    zbuf__placement_append(
        &p->cuda_note,
        "every ordinal is from a cudaN OS device: the CUDA runtime's order where the topology "
        "was made (its CUDA_DEVICE_ORDER and CUDA_VISIBLE_DEVICES)");
  } else if (named == 0) {
    zbuf__placement_append(
        &p->cuda_note,
        "no GPU has a cudaN OS device (hwloc's CUDA plugin did not run where the topology was "
        "made): ordinals follow PCI bus order (domain:bus:device.function); %s",
        kOrderNote);
  } else {
    zbuf__placement_append(&p->cuda_note, "%d of %d GPUs have a cudaN OS device, which gives their ordinal; ",
                           named, n);
    zbuf__placement_append(&p->cuda_note, "the others (");
    int k = 0;
    for (int i = 0; i < n; i++)
      if (osdev[i] < 0) zbuf__placement_append(&p->cuda_note, "%s%s", k++ ? ", " : "", p->gpus[i].pci);
    zbuf__placement_append(&p->cuda_note,
                           ") take the ordinals left free in PCI bus order, a guess: the CUDA runtime that "
                           "exported the topology did not see them (CUDA_VISIBLE_DEVICES?); %s",
                           kOrderNote);
  }
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
  free(p->cuda_check);
  p->cuda_check = NULL;
  p->cuda_disagreements = 0;
  const char *order = getenv("CUDA_DEVICE_ORDER");
  zbuf__placement_append(&p->cuda_check, "the CUDA runtime (CUDA_DEVICE_ORDER=%s) sees %d device(s)",
                         order && *order ? order : "unset: FASTEST_FIRST", n);
  for (int i = 0; i < p->ngpus; i++) {
    zbuf_bench_gpu *g = &p->gpus[i];
    int now = -1;
    for (int k = 0; k < n && now < 0; k++)
      if (busids[k] && same_busid(busids[k], g->pci)) now = k;
    if (now != g->cuda_topology) {
      p->cuda_disagreements++;
      if (now >= 0)
        zbuf__placement_append(&p->cuda_check, "; %s is cuda%d for the runtime, cuda%d (%s) in the topology",
                               g->pci, now, g->cuda_topology, g->topology_from);
      else
        zbuf__placement_append(&p->cuda_check,
                               "; %s (cuda%d, %s, in the topology) is not visible to the runtime", g->pci,
                               g->cuda_topology, g->topology_from);
    }
    g->cuda = now;
    snprintf(g->ordinal_from, sizeof g->ordinal_from, "%s",
             now >= 0 ? "cudart" : "not visible to the CUDA runtime");
  }
  for (int k = 0; k < n; k++) {
    int found = 0;
    for (int i = 0; i < p->ngpus && !found; i++) found = busids[k] && same_busid(busids[k], p->gpus[i].pci);
    if (found) continue;
    p->cuda_disagreements++;
    if (busids[k])
      zbuf__placement_append(&p->cuda_check, "; cuda%d (%s) is not an NVIDIA GPU of the hwloc topology", k,
                             busids[k]);
    else
      zbuf__placement_append(&p->cuda_check, "; cuda%d: cudaDeviceGetPCIBusId failed", k);
  }
  if (p->cuda_disagreements == 0)
    zbuf__placement_append(&p->cuda_check, ": every ordinal agrees with the topology's");
  else
    zbuf__placement_append(&p->cuda_check, " (%d disagreement%s: the runtime's ordinals are used)",
                           p->cuda_disagreements, p->cuda_disagreements > 1 ? "s" : "");
  zbuf__placement_decide(p);
}

int zbuf_bench_placement_cuda_check(zbuf_bench_placement *p) {
  free(p->cuda_check);
  p->cuda_check = NULL;
#ifdef ZBUF_WITH_CUDA
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n <= 0) {
    zbuf__placement_append(&p->cuda_check, "not done: no CUDA device (%s)",
                           e != cudaSuccess ? cudaGetErrorString(e) : "device count is 0");
    cudaGetLastError();
    return -1;
  }
  if (!p->available) {
    zbuf__placement_append(&p->cuda_check, "not done: no hwloc topology to check against");
    return n;
  }
  char(*store)[32] = calloc((size_t)n, sizeof *store);
  const char **ids = calloc((size_t)n, sizeof *ids);
  if (!store || !ids) {
    free(store);
    free(ids);
    zbuf__placement_append(&p->cuda_check, "not done: out of memory");
    return n;
  }
  for (int k = 0; k < n; k++)
    if (cudaDeviceGetPCIBusId(store[k], (int)sizeof store[k], k) == cudaSuccess) ids[k] = store[k];
  cudaGetLastError();
  zbuf_bench_placement_set_cuda_order(p, ids, n);
  free(store);
  free(ids);
  return n;
#else
  zbuf__placement_append(&p->cuda_check, "not done: built without CUDA (ZBUF_WITH_CUDA=OFF)");
  return -1;
#endif
}

/* zbuf-bench: the CUDA runtime's check of the topology's ordinals (zbuf_bench_placement_set_cuda_order), with
 * the bus ids a runtime would report written here, so that it runs without a GPU.
 *
 *   zbuf-bench-gpu-order-test TESTDATA_DIR      exit 0 when every check holds; each failure names its line */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"

static int failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)
#define CHECK_INT(a, b)                                                                              \
  do {                                                                                               \
    long va_ = (long)(a), vb_ = (long)(b);                                                           \
    if (va_ != vb_) {                                                                                \
      fprintf(stderr, "%s:%d: %s == %s failed: %ld != %ld\n", __FILE__, __LINE__, #a, #b, va_, vb_); \
      failures++;                                                                                    \
    }                                                                                                \
  } while (0)
#define CHECK_HAS(text, part)                                                                       \
  do {                                                                                              \
    const char *t_ = (text);                                                                        \
    if (!t_ || !strstr(t_, (part))) {                                                               \
      fprintf(stderr, "%s:%d: %s does not say \"%s\": \"%s\"\n", __FILE__, __LINE__, #text, (part), \
              t_ ? t_ : "(null)");                                                                  \
      failures++;                                                                                   \
    }                                                                                               \
  } while (0)

static int load(const char *dir, const char *name, zbuf_bench_placement *p) {
  char path[4096], msg[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (zbuf_bench_placement_load(path, p, msg, sizeof msg) != 0) {
    fprintf(stderr, "cannot load %s: %s\n", path, msg);
    failures++;
    return -1;
  }
  return 0;
}

static const zbuf_bench_gpu *by_pci(const zbuf_bench_placement *p, const char *pci) {
  for (int i = 0; i < p->ngpus; i++)
    if (!strcmp(p->gpus[i].pci, pci)) return &p->gpus[i];
  return NULL;
}

/* The runtime under CUDA_DEVICE_ORDER=PCI_BUS_ID renumbers the GPUs whose cudaN OS devices said otherwise:
 * every changed ordinal is reported, the runtime's are used, and thread cpus follow the new order. */
static void runtime_renumbers(const char *dir) {
  zbuf_bench_placement p;
  if (load(dir, "mixed_cuda_osdev.xml", &p) != 0) return;
  CHECK_INT(by_pci(&p, "0000:af:00.0")->cuda, 0);
  CHECK_INT(by_pci(&p, "0000:af:00.0")->side.thread_cpu, 4);
  static const char *const ids[] = {"0000:17:00.0", "0000:3a:00.0", "0000:86:00.0", "0000:af:00.0",
                                    "0000:d8:00.0"};
  zbuf_bench_placement_set_cuda_order(&p, ids, 5);
  for (int k = 0; k < 5; k++) {
    const zbuf_bench_gpu *g = zbuf_bench_placement_gpu(&p, k);
    CHECK(g && !strcmp(g->pci, ids[k]) && !strcmp(g->ordinal_from, "cudart"));
  }
  CHECK_INT(p.cuda_disagreements, 4); /* 17: 1->0, 3a: 2->1, 86: 3->2, af: 0->3; d8 stays 4 */
  CHECK_HAS(p.cuda_check, "0000:af:00.0 is cuda3 for the runtime, cuda0 (osdev cuda0) in the topology");
  CHECK_HAS(p.cuda_check, "0000:17:00.0 is cuda0 for the runtime, cuda1 (bus order) in the topology");
  CHECK_HAS(p.cuda_check, "4 disagreements: the runtime's ordinals are used");
  /* On node 1 the runtime's order is 86 (cuda2), af (cuda3), d8 (cuda4): thread cpus 4, 5, 6. */
  CHECK_INT(by_pci(&p, "0000:86:00.0")->side.thread_cpu, 4);
  CHECK_INT(by_pci(&p, "0000:af:00.0")->side.thread_cpu, 5);
  zbuf_bench_placement_free(&p);
}

/* CUDA_VISIBLE_DEVICES=af,3a: two devices, with the domain written in 8 hex digits and capitals as the
 * runtime does; the others are not visible (ordinal -1, never a number another GPU has), each reported. */
static void runtime_sees_fewer(const char *dir) {
  zbuf_bench_placement p;
  if (load(dir, "mixed_cuda_osdev.xml", &p) != 0) return;
  static const char *const ids[] = {"00000000:AF:00.0", "00000000:3A:00.0"};
  zbuf_bench_placement_set_cuda_order(&p, ids, 2);
  CHECK(zbuf_bench_placement_gpu(&p, 0) == by_pci(&p, "0000:af:00.0"));
  CHECK(zbuf_bench_placement_gpu(&p, 1) == by_pci(&p, "0000:3a:00.0"));
  CHECK(zbuf_bench_placement_gpu(&p, 2) == NULL);
  CHECK_INT(by_pci(&p, "0000:17:00.0")->cuda, -1);
  CHECK(!strcmp(by_pci(&p, "0000:17:00.0")->ordinal_from, "not visible to the CUDA runtime"));
  CHECK_INT(p.cuda_disagreements, 4); /* 3a: 2->1; 17, 86, d8 not visible */
  CHECK_HAS(p.cuda_check, "0000:d8:00.0 (cuda4, bus order, in the topology) is not visible to the runtime");
  CHECK_HAS(p.cuda_check, "sees 2 device(s)");
  zbuf_bench_placement_free(&p);
}

/* A runtime device the topology does not have, and one whose bus id could not be read. */
static void runtime_has_others(const char *dir) {
  zbuf_bench_placement p;
  if (load(dir, "single_node_1gpu.xml", &p) != 0) return;
  static const char *const ids[] = {"0000:01:00.0", "0000:99:00.0", NULL};
  zbuf_bench_placement_set_cuda_order(&p, ids, 3);
  CHECK_INT(p.gpus[0].cuda, 0);
  CHECK_INT(p.cuda_disagreements, 2);
  CHECK_HAS(p.cuda_check, "cuda1 (0000:99:00.0) is not an NVIDIA GPU of the hwloc topology");
  CHECK_HAS(p.cuda_check, "cuda2: cudaDeviceGetPCIBusId failed");
  zbuf_bench_placement_free(&p);
}

/* The order the cudaN OS devices gave, confirmed. */
static void runtime_agrees(const char *dir) {
  zbuf_bench_placement p;
  if (load(dir, "dual_socket_4gpu.xml", &p) != 0) return;
  static const char *const ids[] = {"0000:18:00.0", "0000:3b:00.0", "0000:af:00.0", "0000:86:00.0"};
  zbuf_bench_placement_set_cuda_order(&p, ids, 4);
  CHECK_INT(p.cuda_disagreements, 0);
  CHECK_HAS(p.cuda_check, "every ordinal agrees with the topology's");
  CHECK_INT(zbuf_bench_placement_gpu(&p, 3)->side.thread_cpu, 5);
  zbuf_bench_placement_free(&p);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s TESTDATA_DIR\n", argv[0]);
    return 2;
  }
  runtime_renumbers(argv[1]);
  runtime_sees_fewer(argv[1]);
  runtime_has_others(argv[1]);
  runtime_agrees(argv[1]);
  if (failures) fprintf(stderr, "gpu_order_test: %d check(s) failed\n", failures);
  return failures ? 1 : 0;
}

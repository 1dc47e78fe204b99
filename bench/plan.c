/* zbuf-bench: the environment (implementation, topology, CUDA) and the plan of cases built from it. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "zbuf/version.h"

#ifdef ZBUF_WITH_CUDA
#include <cuda_runtime_api.h>
#endif
#ifdef ZBUF_WITH_HWLOC
#include <hwloc.h>
#endif

static zbuf_bench_env *current;

const zbuf_bench_env *zbuf_bench_env_current(void) { return current; }

zbuf_bench_case *zbuf_bench_plan_add(zbuf_bench_plan *plan, const zbuf_bench_case *c) {
  if (plan->n == plan->cap) {
    size_t cap = plan->cap ? plan->cap * 2 : 64;
    zbuf_bench_case *grown = realloc(plan->cases, cap * sizeof *grown);
    if (!grown) {
      fprintf(stderr, "zbuf-bench: out of memory building the plan\n");
      exit(1);
    }
    plan->cases = grown;
    plan->cap = cap;
  }
  plan->cases[plan->n] = *c;
  return &plan->cases[plan->n++];
}

const char *zbuf_bench_size_name(size_t size, char out[24]) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (u < 4 && size >= 1024 && size % 1024 == 0) size /= 1024, u++;
  snprintf(out, 24, "%zu%s", size, units[u]);
  return out;
}

const char *zbuf_bench_where_name(zbuf_bench_where w) {
  return w == ZBUF_BENCH_NEAR ? "near" : w == ZBUF_BENCH_FAR ? "far" : "any";
}

void zbuf_bench_op_case(const zbuf_bench_env *env, zbuf_bench_case *c, zbuf_bench_body body, int op,
                        const char *name, size_t size, int gpu, zbuf_bench_where where) {
  char sz[24];
  memset(c, 0, sizeof *c);
  c->body = body;
  c->op = op;
  c->impl = env->impl;
  c->size = size;
  c->threads = 1;
  c->gpu = gpu;
  c->mem_label = gpu >= 0 ? "device" : "pageable";
  zbuf_bench_place_case(env, c, where, 1);
  zbuf_bench_size_name(size, sz);
  snprintf(c->name, sizeof c->name, "OP/%s/%s/%s", name, gpu >= 0 ? "cuda" : "cpu", sz);
  /* Not a baseline itself: a marker that keeps report_rate from recording it as one. */
  snprintf(c->baseline, sizeof c->baseline, "-");
}

void zbuf_bench_op_memcpy_baseline(zbuf_bench_case *c) {
  char sz[24], base[ZBUF_BENCH_NAME_MAX];
  snprintf(base, sizeof base, "H2H/memcpy/%s/%s", zbuf_bench_where_name(c->where),
           zbuf_bench_size_name(c->size, sz));
  zbuf_bench_case_key(base, 1, c->baseline);
}

void zbuf_bench_place_case(const zbuf_bench_env *env, zbuf_bench_case *c, zbuf_bench_where where,
                           int threads) {
  const zbuf_bench_side *s = env->side;
  int n = (int)(sizeof c->cpus / sizeof c->cpus[0]);
  for (int i = 0; i < n; i++) c->cpus[i] = -1;
  c->where = where;
  c->node = -1;
  c->mem_node_seen = -3;
  if (!env->place.available || !s || where == ZBUF_BENCH_ANYWHERE) return;
  /* Around a GPU, "far" moves memory and threads to the far node: the process placed on the wrong socket.
   * Around the host (no GPU), the threads stay on the anchor node and only the memory moves, since a node is
   * only "far" from somewhere: the row measures what remote memory costs. */
  int threads_far = where == ZBUF_BENCH_FAR && s != &env->place.host;
  const zbuf_bench_node *home =
      zbuf_bench_placement_node(&env->place, threads_far ? s->far_node : s->near_node);
  c->node = where == ZBUF_BENCH_FAR ? s->far_node : s->near_node;
  if (!home || home->ncpus == 0) return;
  int anchor = threads_far ? s->far_cpu : s->thread_cpu;
  int first = 0;
  while (first < home->ncpus && home->cpus[first] != anchor) first++;
  if (first == home->ncpus) first = 0;
  for (int i = 0; i < threads && i < n; i++) c->cpus[i] = home->cpus[(first + i) % home->ncpus];
}

void zbuf_bench_note_missing(zbuf_bench_env *env, const char *op) {
  if (strstr(env->missing_ops, op)) return;
  size_t len = strlen(env->missing_ops);
  snprintf(env->missing_ops + len, sizeof env->missing_ops - len, "%s%s", len ? "," : "", op);
  fprintf(stderr, "zbuf-bench: the implementation does not provide %s: its rows are left out\n", op);
}

static void sizes_init(zbuf_bench_env *env) {
  size_t lo = env->opt.min_size ? env->opt.min_size : 4096;
  size_t hi = env->opt.max_size ? env->opt.max_size : (size_t)1 << 30;
  env->nsizes = 0;
  for (size_t s = 4096; s <= ((size_t)1 << 30) && env->nsizes < ZBUF_BENCH_MAX_SIZES; s *= 4)
    if (s >= lo && s <= hi) env->sizes[env->nsizes++] = s;
  if (env->nsizes == 0) env->sizes[env->nsizes++] = hi < 4096 ? hi : 4096;
  env->small_size = env->sizes[0] < 4096 ? env->sizes[0] : 4096;
  env->large_size = (size_t)16 << 20;
  if (env->large_size > hi) env->large_size = env->sizes[env->nsizes - 1];
}

static void cuda_init(zbuf_bench_env *env) {
#ifdef ZBUF_WITH_CUDA
  env->cuda_built = 1;
  int rt = 0, drv = 0;
  cudaRuntimeGetVersion(&rt);
  cudaDriverGetVersion(&drv);
  snprintf(env->cuda_runtime, sizeof env->cuda_runtime, "%d.%d", rt / 1000, (rt % 1000) / 10);
  if (drv)
    snprintf(env->cuda_driver, sizeof env->cuda_driver, "%d.%d", drv / 1000, (drv % 1000) / 10);
  else
    snprintf(env->cuda_driver, sizeof env->cuda_driver, "none");
  /* The runtime's order is the one --gpu and the implementation use; the topology's is replaced by it, and
   * every disagreement is said (the context's cuda_order_check says why there was no check). */
  if (!env->opt.topology && zbuf_bench_placement_cuda_check(&env->place) > 0 &&
      env->place.cuda_disagreements > 0)
    fprintf(stderr, "zbuf-bench: CUDA order: %s\n", env->place.cuda_check);
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n <= 0) {
    snprintf(env->cuda_note, sizeof env->cuda_note, "no CUDA device: %s",
             e != cudaSuccess ? cudaGetErrorString(e) : "device count is 0");
    cudaGetLastError();
    return;
  }
  if (env->opt.gpu >= n) {
    snprintf(env->cuda_note, sizeof env->cuda_note, "--gpu %d: only %d CUDA device(s)", env->opt.gpu, n);
    return;
  }
  env->cuda_devices = n;
  struct cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, env->opt.gpu) == cudaSuccess)
    snprintf(env->gpu_name, sizeof env->gpu_name, "%s", prop.name);
  if (cudaDeviceGetPCIBusId(env->gpu_pci, (int)sizeof env->gpu_pci, env->opt.gpu) != cudaSuccess)
    env->gpu_pci[0] = '\0';
  cudaSetDevice(env->opt.gpu);
#else
  snprintf(env->cuda_note, sizeof env->cuda_note, "built without CUDA (ZBUF_WITH_CUDA=OFF): no GPU rows");
  if (!env->opt.topology) zbuf_bench_placement_cuda_check(&env->place);
#endif
}

static int device_ok(const zbuf_impl *impl, DLDeviceType type, int id, char *why, size_t why_size) {
  if (!impl->device_check) return 1;
  zbuf_error err = {0};
  zbuf_status st = impl->device_check(impl, (DLDevice){type, id}, &err);
  if (st != ZBUF_OK && why) snprintf(why, why_size, "%s: %s", zbuf_status_name(st), err.message);
  return st == ZBUF_OK;
}

int zbuf_bench_env_init(const zbuf_bench_options *opt, zbuf_bench_env **out) {
  zbuf_bench_env *env = calloc(1, sizeof *env);
  if (!env) return 1;
  env->opt = *opt;
  char msg[1024] = "";
  if (zbuf_bench_placement_load(opt->topology, &env->place, msg, sizeof msg) != 0) {
    fprintf(stderr, "zbuf-bench: %s\n", msg);
    free(env);
    return 2;
  }
  current = env;
  sizes_init(env);
  if (opt->placement_only) {
    /* On this machine the CUDA runtime, where there is one, checks the topology's ordinals. */
    if (!opt->topology) zbuf_bench_placement_cuda_check(&env->place);
    *out = env;
    return 0;
  }
  cuda_init(env);
  int rc = zbuf_bench_impl_load(opt->impl_spec, &env->loaded, msg, sizeof msg);
  if (rc != 0) {
    fprintf(stderr, "zbuf-bench: %s\n", msg);
    /* ref:gpu on a machine without a GPU: nothing to measure, which is not a failure of the run. */
    if (rc == 3) fprintf(stderr, "zbuf-bench: skipped: the implementation cannot run on this machine\n");
    zbuf_bench_placement_free(&env->place);
    free(env);
    return rc == 3 ? 77 : rc;
  }
  const zbuf_impl *impl = env->impl = env->loaded.impl;
  uint64_t caps = impl->capabilities;
  env->impl_host = (caps & ZBUF_CAP_HOST) && device_ok(impl, kDLCPU, 0, NULL, 0);
  env->impl_nd = (caps & ZBUF_CAP_ND) != 0;
  env->impl_threads = (caps & ZBUF_CAP_THREAD_SAFE) != 0;
  if (!(caps & ZBUF_CAP_CUDA))
    snprintf(env->impl_cuda_note, sizeof env->impl_cuda_note, "implementation does not claim CUDA");
  else if (env->cuda_devices == 0)
    snprintf(env->impl_cuda_note, sizeof env->impl_cuda_note, "%s", env->cuda_note);
  else
    env->impl_cuda = device_ok(impl, kDLCUDA, opt->gpu, env->impl_cuda_note, sizeof env->impl_cuda_note);
  env->impl_pinned =
      (caps & ZBUF_CAP_CUDA_HOST) && env->cuda_devices > 0 && device_ok(impl, kDLCUDAHost, 0, NULL, 0);
  const zbuf_bench_gpu *g = env->cuda_devices > 0 ? zbuf_bench_placement_gpu(&env->place, opt->gpu) : NULL;
  env->side = g ? &g->side : &env->place.host;
  if (env->place.available && env->side->near_node < 0)
    fprintf(stderr, "zbuf-bench: %s placement: %s; its rows are unplaced (any)\n", g ? "GPU" : "host",
            env->side->note ? env->side->note : "no near node");
  const zbuf_bench_node *near = zbuf_bench_placement_node(&env->place, env->side->near_node);
  env->all_threads = opt->max_threads > 0 ? opt->max_threads : (near ? near->ncpus : 1);
  if (env->all_threads < 1) env->all_threads = 1;
  if (env->all_threads > ZBUF_BENCH_MAX_THREADS) {
    snprintf(env->threads_note, sizeof env->threads_note,
             "the near node has %d cores; multi-thread rows use %d (ZBUF_BENCH_MAX_THREADS, --threads 1-%d)",
             env->all_threads, ZBUF_BENCH_MAX_THREADS, ZBUF_BENCH_MAX_THREADS);
    fprintf(stderr, "zbuf-bench: %s\n", env->threads_note);
    env->all_threads = ZBUF_BENCH_MAX_THREADS;
  }
  *out = env;
  return 0;
}

/* A headline row: a transfer (any family but OP) placed near the GPU or the host's first node (or unplaced,
 * or within the GPU), at one of the headline sizes. */
static int is_headline(const zbuf_bench_case *c) {
  static const size_t sizes[] = ZBUF_BENCH_HEADLINE_SIZES;
  if (strncmp(c->name, "OP/", 3) == 0 || c->where == ZBUF_BENCH_FAR) return 0;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (c->size == sizes[i]) return 1;
  return 0;
}

/* The order cases run in: headline rows first, then the sweep; within each, near before far, then by size
 * (cheap rows first, so that a budget leaves out the largest), then as the families added them, which puts
 * every baseline before the implementation rows of the same size and placement that are compared with it. */
typedef struct ordered {
  zbuf_bench_case *c;
  size_t added;
} ordered;

static int order_cmp(const void *pa, const void *pb) {
  const ordered *a = pa, *b = pb;
  if (a->c->headline != b->c->headline) return a->c->headline ? -1 : 1;
  int far_a = a->c->where == ZBUF_BENCH_FAR, far_b = b->c->where == ZBUF_BENCH_FAR;
  if (far_a != far_b) return far_a ? 1 : -1;
  if (a->c->size != b->c->size) return a->c->size < b->c->size ? -1 : 1;
  return a->added < b->added ? -1 : a->added > b->added;
}

/* The ordering above keeps every baseline ahead of the rows that divide by it; a row whose baseline ran later
 * would silently lose its ratio, so a plan that breaks this is a bug, stopped here. */
static void check_baselines_first(const zbuf_bench_plan *plan) {
  char key[ZBUF_BENCH_NAME_MAX];
  for (size_t i = 0; i < plan->n; i++) {
    const zbuf_bench_case *c = &plan->cases[i];
    if (!c->baseline[0] || strcmp(c->baseline, "-") == 0) continue;
    for (size_t j = i + 1; j < plan->n; j++) {
      zbuf_bench_case_key(plan->cases[j].name, plan->cases[j].threads, key);
      if (strcmp(key, c->baseline) == 0) {
        fprintf(stderr, "zbuf-bench: internal error: %s is planned before its baseline %s\n", c->name,
                plan->cases[j].name);
        exit(1);
      }
    }
  }
}

static void plan_order(zbuf_bench_plan *plan) {
  if (plan->n == 0) return;
  ordered *o = malloc(plan->n * sizeof *o);
  zbuf_bench_case *sorted = malloc(plan->n * sizeof *sorted);
  if (!o || !sorted) {
    fprintf(stderr, "zbuf-bench: out of memory ordering the plan\n");
    exit(1);
  }
  for (size_t i = 0; i < plan->n; i++) {
    plan->cases[i].headline = is_headline(&plan->cases[i]);
    o[i] = (ordered){&plan->cases[i], i};
  }
  qsort(o, plan->n, sizeof *o, order_cmp);
  for (size_t i = 0; i < plan->n; i++) sorted[i] = *o[i].c;
  memcpy(plan->cases, sorted, plan->n * sizeof *sorted);
  free(sorted);
  free(o);
  check_baselines_first(plan);
}

void zbuf_bench_plan_build(zbuf_bench_env *env, zbuf_bench_plan *plan) {
  if (!env->opt.no_transfers) {
    zbuf_bench_plan_host_copies(env, plan);
    zbuf_bench_plan_gpu_copies(env, plan);
    zbuf_bench_plan_peer_copies(env, plan);
  }
  if (!env->opt.no_ops) {
    zbuf_bench_plan_buffer_ops(env, plan);
    zbuf_bench_plan_ndbuffer_ops(env, plan);
  }
  plan_order(plan);
}

static void add_side(const zbuf_bench_env *env, const zbuf_bench_side *s, const char *prefix,
                     void (*add)(const char *, const char *, void *), void *ctx) {
  char key[96], value[512];
  snprintf(key, sizeof key, "%s_near_node", prefix);
  snprintf(value, sizeof value, s->near_node >= 0 ? "%d" : "none", s->near_node);
  add(key, value, ctx);
  snprintf(key, sizeof key, "%s_thread_cpu", prefix);
  snprintf(value, sizeof value, s->thread_cpu >= 0 ? "%d" : "none", s->thread_cpu);
  add(key, value, ctx);
  snprintf(key, sizeof key, "%s_far_node", prefix);
  snprintf(value, sizeof value, s->far_node >= 0 ? "%d" : "none", s->far_node);
  add(key, value, ctx);
  snprintf(key, sizeof key, "%s_far_reason", prefix);
  add(key, s->far_reason ? s->far_reason : "", ctx);
  /* What the allowed set changed: why there are no near/far rows, or which near node was skipped. */
  snprintf(key, sizeof key, "%s_placement_note", prefix);
  add(key, s->note ? s->note : "", ctx);
  (void)env;
}

void zbuf_bench_env_context(const zbuf_bench_env *env, void (*add)(const char *, const char *, void *),
                            void *ctx) {
  char v[1024];
  add("zbuf_bench_schema", "zbuf-bench/1", ctx);
  add("zbuf_version", zbuf_version(), ctx);
  add("impl_spec", env->loaded.spec, ctx);
  add("impl_name", env->impl->name ? env->impl->name : "", ctx);
  add("impl_version", env->impl->version ? env->impl->version : "", ctx);
  add("impl_description", env->impl->description ? env->impl->description : "", ctx);
  snprintf(v, sizeof v, "0x%llx", (unsigned long long)env->impl->capabilities);
  add("impl_capabilities", v, ctx);
  add("impl_cuda", env->impl_cuda ? "yes" : env->impl_cuda_note, ctx);
  add("impl_missing_ops", env->missing_ops, ctx);
#ifdef ZBUF_BENCH_GBENCH_VERSION
  add("google_benchmark_version", ZBUF_BENCH_GBENCH_VERSION, ctx);
#endif
#ifdef ZBUF_WITH_HWLOC
  /* The library's own version is an info of the root object; hwloc_get_api_version() is only the API level.
   */
  const char *hv = env->place.available
                       ? hwloc_obj_get_info_by_name(hwloc_get_root_obj((hwloc_topology_t)env->place.topology),
                                                    "hwlocVersion")
                       : NULL;
  unsigned api = hwloc_get_api_version();
  snprintf(v, sizeof v, "%s (API %u.%u)", hv ? hv : "unknown", api >> 16, (api >> 8) & 0xff);
  add("hwloc_version", v, ctx);
#else
  add("hwloc_version", "not built", ctx);
#endif
  add("cuda_runtime", env->cuda_built ? env->cuda_runtime : "not built", ctx);
  add("cuda_driver", env->cuda_built ? env->cuda_driver : "not built", ctx);
  snprintf(v, sizeof v, "%d", env->cuda_devices);
  add("cuda_devices", v, ctx);
  add("cuda_note", env->cuda_devices ? "" : env->cuda_note, ctx);
  add("device_name", env->cuda_devices ? env->gpu_name : "none (CPU rows only)", ctx);
  add("topology", env->place.source, ctx);
  snprintf(v, sizeof v, "%d", env->place.nnodes);
  add("numa_nodes", v, ctx);
  add("numa_note", env->place.note, ctx);
  if (env->place.available) {
    char *allowed = NULL;
    zbuf__placement_append(&allowed, "%scpus %s, nodes %s (%s)", env->place.restricted ? "restricted: " : "",
                           env->place.allowed_cpus, env->place.allowed_nodes, env->place.allowed_from);
    add("placement_allowed", allowed ? allowed : "", ctx);
    free(allowed);
  }
  add("cuda_order_check", env->place.cuda_check ? env->place.cuda_check : "", ctx);
  add("all_threads_note", env->threads_note, ctx);
  add_side(env, &env->place.host, "host", add, ctx);
  const zbuf_bench_gpu *g = env->cuda_devices ? zbuf_bench_placement_gpu(&env->place, env->opt.gpu) : NULL;
  if (g) {
    add("gpu_pci", g->pci, ctx);
    add_side(env, &g->side, "gpu", add, ctx);
    if (g->link_gen)
      snprintf(v, sizeof v, "PCIe gen%d x%d (%g GT/s)", g->link_gen, g->link_width, g->link_GTps);
    else
      snprintf(v, sizeof v, "unknown generation/width (hwloc %.3f GB/s%s%s)", g->link_GBps,
               g->link_candidates[0] ? ": " : "", g->link_candidates);
    add("pcie_link", v, ctx);
    snprintf(v, sizeof v, "%.3f", g->ceiling_GBps);
    add("pcie_ceiling_GBps", v, ctx);
    add("pcie_ceiling_from", g->ceiling_from, ctx);
    snprintf(v, sizeof v, "%.3f", g->path_GBps);
    add("pcie_path_min_GBps", v, ctx);
  } else {
    add("pcie_link", env->cuda_devices ? "GPU not found in the hwloc topology" : "no GPU", ctx);
    add("pcie_ceiling_GBps", "0", ctx);
  }
  size_t off = 0;
  for (int i = 0; i < env->nsizes && off < sizeof v; i++)
    off += (size_t)snprintf(v + off, sizeof v - off, "%s%zu", i ? "," : "", env->sizes[i]);
  add("sizes", v, ctx);
  snprintf(v, sizeof v, "%zu,%zu", env->small_size, env->large_size);
  add("op_sizes", v, ctx);
  snprintf(v, sizeof v, "%d", env->all_threads);
  add("all_threads", v, ctx);
  static const size_t headline[] = ZBUF_BENCH_HEADLINE_SIZES;
  off = 0;
  for (size_t i = 0; i < sizeof headline / sizeof headline[0] && off < sizeof v; i++)
    off += (size_t)snprintf(v + off, sizeof v - off, "%s%zu", i ? "," : "", headline[i]);
  add("headline_sizes", v, ctx);
}

int zbuf_bench_env_print_placement(const zbuf_bench_env *env) {
  zbuf_bench_placement_json(&env->place, stdout);
  return 0;
}

void zbuf_bench_env_host_slot(zbuf_bench_env *env, int slot) {
  if (env->side == &env->place.host) zbuf_bench_placement_host_slot(&env->place, slot);
}

int zbuf_bench_env_has_gpu(const zbuf_bench_env *env) { return env->side != &env->place.host; }

void zbuf_bench_env_free(zbuf_bench_env *env) {
  if (!env) return;
  zbuf_bench_impl_unload(&env->loaded);
  zbuf_bench_placement_free(&env->place);
  if (current == env) current = NULL;
  free(env);
}

/* zbuf-bench: transfers to, from and within a GPU, and the cudaMemcpy baselines they are measured against.
 *
 * Baselines (CUDA events on a stream of their own, manual time): cudaMemcpyAsync H2D and D2H from pinned
 * (cudaMallocHost), pageable (hwloc-bound malloc) and registered (the same, cudaHostRegister'ed) memory, both
 * directions at once from two threads, and device-to-device. Implementation rows time each call between two
 * events on the legacy default stream: the ABI's calls are synchronous, so the stop event is recorded once
 * the copy is complete, whichever stream the implementation used. The two-thread bidirectional implementation
 * row times each call with the host clock, since two threads cannot share one default stream's event pair.
 * Nothing here runs without a CUDA device: the plan leaves these rows out and the context says why. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

#ifdef ZBUF_WITH_CUDA
#include <cuda_runtime_api.h>

enum { OP_CUDA = 0, OP_IMPL_FROM_BUFFER, OP_IMPL_TO_HOST, OP_IMPL_TO_BYTES, OP_IMPL_ND_COPY, OP_IMPL_BIDIR };

static const char *mem_names[] = {"pageable", "pinned", "registered"};

#define CUDA_TRY(st, call)                                             \
  do {                                                                 \
    cudaError_t e_ = (call);                                           \
    if (e_ != cudaSuccess) {                                           \
      zbuf_bench_error((st), "%s: %s", #call, cudaGetErrorString(e_)); \
      goto out;                                                        \
    }                                                                  \
  } while (0)

/* Host memory of the case's kind on its node. Pinned memory comes from cudaMallocHost on a thread whose
 * memory policy is bound to the node (zbuf_bench_bind_thread), so its pages follow the policy; the row
 * reports where they went. */
static void *host_alloc(const zbuf_bench_case *c, size_t n) {
  const zbuf_bench_env *env = zbuf_bench_env_current();
  void *p = NULL;
  if (c->mem == ZBUF_BENCH_PINNED) {
    if (cudaMallocHost(&p, n) != cudaSuccess) return NULL;
    memset(p, 0, n);
    return p;
  }
  p = zbuf_bench_alloc_host(&env->place, n, c->node);
  if (p && c->mem == ZBUF_BENCH_REGISTERED &&
      cudaHostRegister(p, n, cudaHostRegisterDefault) != cudaSuccess) {
    zbuf_bench_free_host(&env->place, p, n);
    return NULL;
  }
  return p;
}

static void host_free(const zbuf_bench_case *c, void *p, size_t n) {
  if (!p) return;
  const zbuf_bench_env *env = zbuf_bench_env_current();
  if (c->mem == ZBUF_BENCH_PINNED) {
    cudaFreeHost(p);
    return;
  }
  if (c->mem == ZBUF_BENCH_REGISTERED) cudaHostUnregister(p);
  zbuf_bench_free_host(&env->place, p, n);
}

static void note_node(zbuf_bench_case *c, const void *p, size_t n) {
  if (c->mem_node_seen == -3 && p)
    c->mem_node_seen = zbuf_bench_where_is(&zbuf_bench_env_current()->place, p, n);
}

/* The direction this thread copies: bidirectional cases split H2D (thread 0) and D2H (thread 1). */
static zbuf_bench_dir thread_dir(const zbuf_bench_case *c, int ti) {
  if (c->dir != ZBUF_BENCH_BIDIR) return c->dir;
  return ti == 0 ? ZBUF_BENCH_H2D : ZBUF_BENCH_D2H;
}

/* What one thread of a baseline case keeps from one run to the next: its memory (filled once), stream and
 * events. Google Benchmark runs a case's body several times; a 1 GiB case would otherwise allocate, pin and
 * fill its buffers on every run. */
typedef struct cuda_kept {
  size_t n;
  void *host, *dev, *dev2, *expect, *got;
  cudaStream_t s;
  cudaEvent_t e0, e1;
} cuda_kept;

static void release_cuda_kept(zbuf_bench_case *c, void *p) {
  cuda_kept *k = p;
  cudaSetDevice(c->gpu);
  if (k->e0) cudaEventDestroy(k->e0);
  if (k->e1) cudaEventDestroy(k->e1);
  if (k->s) cudaStreamDestroy(k->s);
  cudaFree(k->dev);
  cudaFree(k->dev2);
  host_free(c, k->host, k->n);
  free(k->expect);
  free(k->got);
  free(k);
}

/* This thread's memory, stream and events for case c, set up on its first run; NULL after an error. */
static cuda_kept *cuda_setup(zbuf_bench_state *st, zbuf_bench_case *c, zbuf_bench_dir dir) {
  int ti = zbuf_bench_thread_index(st);
  /* Every run: Google Benchmark starts new threads for each run of a case. */
  zbuf_bench_bind_thread(c, ti);
  CUDA_TRY(st, cudaSetDevice(c->gpu));
  cuda_kept *k = zbuf_bench_cache_get(st, c);
  if (k) return k;
  if (!(k = calloc(1, sizeof *k))) {
    zbuf_bench_error(st, "out of memory");
    goto out;
  }
  zbuf_bench_cache_keep(st, c, k, release_cuda_kept);
  size_t n = k->n = c->size / (c->dir == ZBUF_BENCH_BIDIR ? 1 : (size_t)zbuf_bench_threads(st));
  k->expect = malloc(n);
  k->got = malloc(n);
  if (!k->expect || !k->got) {
    zbuf_bench_error(st, "out of host memory for the check buffers (%zu bytes)", n);
    goto out;
  }
  zbuf_bench_pattern(k->expect, n, (unsigned)ti + 7);
  CUDA_TRY(st, cudaMalloc(&k->dev, n));
  if (dir == ZBUF_BENCH_D2D) {
    CUDA_TRY(st, cudaMalloc(&k->dev2, n));
    CUDA_TRY(st, cudaMemcpy(k->dev2, k->expect, n, cudaMemcpyHostToDevice));
  } else {
    k->host = host_alloc(c, n);
    if (!k->host) {
      zbuf_bench_error(st, "cannot allocate %zu bytes of %s host memory on node %d", n, mem_names[c->mem],
                       c->node);
      goto out;
    }
    if (ti == 0) note_node(c, k->host, n);
    if (dir == ZBUF_BENCH_H2D)
      memcpy(k->host, k->expect, n);
    else
      CUDA_TRY(st, cudaMemcpy(k->dev, k->expect, n, cudaMemcpyHostToDevice));
  }
  CUDA_TRY(st, cudaStreamCreateWithFlags(&k->s, cudaStreamNonBlocking));
  CUDA_TRY(st, cudaEventCreate(&k->e0));
  CUDA_TRY(st, cudaEventCreate(&k->e1));
  return k;
out:
  return NULL; /* what was allocated stays kept, and is released with the case */
}

static void body_cuda(zbuf_bench_state *st, zbuf_bench_case *c) {
  zbuf_bench_dir dir = thread_dir(c, zbuf_bench_thread_index(st));
  cuda_kept *k = cuda_setup(st, c, dir);
  if (!k) return;
  size_t n = k->n;
  void *dst = dir == ZBUF_BENCH_H2D ? k->dev : dir == ZBUF_BENCH_D2H ? k->host : k->dev;
  const void *src = dir == ZBUF_BENCH_H2D ? k->host : dir == ZBUF_BENCH_D2H ? k->dev : k->dev2;
  enum cudaMemcpyKind kind = dir == ZBUF_BENCH_H2D   ? cudaMemcpyHostToDevice
                             : dir == ZBUF_BENCH_D2H ? cudaMemcpyDeviceToHost
                                                     : cudaMemcpyDeviceToDevice;
  double total = 0;
  int64_t iters = 0;
  while (zbuf_bench_keep_running(st)) {
    float ms = 0;
    cudaEventRecord(k->e0, k->s);
    cudaError_t e = cudaMemcpyAsync(dst, src, n, kind, k->s);
    cudaEventRecord(k->e1, k->s);
    if (e == cudaSuccess) e = cudaEventSynchronize(k->e1);
    if (e == cudaSuccess) e = cudaEventElapsedTime(&ms, k->e0, k->e1);
    if (e != cudaSuccess) {
      zbuf_bench_error(st, "cudaMemcpyAsync (%zu bytes): %s", n, cudaGetErrorString(e));
      break;
    }
    zbuf_bench_set_iteration_time(st, ms * 1e-3);
    total += ms * 1e-3;
    iters++;
  }
  if (iters == 0) return;
  if (zbuf_bench_needs_check(st, c)) {
    CUDA_TRY(st, cudaMemcpy(k->got, dir == ZBUF_BENCH_D2H ? k->host : k->dev, n,
                            dir == ZBUF_BENCH_D2H ? cudaMemcpyHostToHost : cudaMemcpyDeviceToHost));
    if (zbuf_bench_check_once(st, c, k->expect, k->got, n, "cudaMemcpy") != 0) return;
  }
  zbuf_bench_report_rate(st, c, (double)iters * (double)n, total);
out:;
}

/* ---- implementation rows ---- */

static void release_host(void *data, void *ctx) {
  (void)data, (void)ctx; /* the body owns the registered memory and frees it after the buffer is gone */
}

/* The implementation's host-side source of an H2D copy, of the case's memory kind. */
static zbuf_status impl_host_buffer(const zbuf_bench_case *c, const void *bytes, size_t n, void *registered,
                                    zbuf_impl_buffer **out, zbuf_error *err) {
  const zbuf_impl *impl = c->impl;
  if (c->mem == ZBUF_BENCH_REGISTERED) {
    if (!impl->buffer_wrap || !(impl->capabilities & ZBUF_CAP_WRAP))
      return zbuf_error_set(err, ZBUF_EUNSUPPORTED, "buffer_wrap is not provided");
    memcpy(registered, bytes, n);
    return impl->buffer_wrap(impl, (DLDevice){kDLCUDAHost, 0}, registered, n, release_host, NULL, out, err);
  }
  DLDevice d = {c->mem == ZBUF_BENCH_PINNED ? kDLCUDAHost : kDLCPU, 0};
  return impl->buffer_from_bytes(impl, d, bytes, n, out, err);
}

/* One call of the row's operation on src; the result (if any) in *res. */
static zbuf_status impl_call(const zbuf_bench_case *c, int op, zbuf_impl_buffer *src, zbuf_impl_ndbuffer *nd,
                             void *dst_bytes, size_t n, zbuf_impl_buffer **res, zbuf_impl_ndbuffer **nres,
                             zbuf_error *err) {
  const zbuf_impl *impl = c->impl;
  switch (op) {
    case OP_IMPL_FROM_BUFFER:
      return impl->buffer_from_buffer(impl, (DLDevice){kDLCUDA, c->gpu}, src, res, err);
    case OP_IMPL_TO_HOST: return impl->buffer_to_host(impl, src, res, err);
    case OP_IMPL_TO_BYTES: return impl->buffer_to_bytes(impl, src, dst_bytes, n, err);
    default: return impl->ndbuffer_copy(impl, nd, nres, err);
  }
}

/* What one thread of an implementation case keeps from one run to the next: the source buffer (made once,
 * through the implementation), the destination and check memory, and the events. */
typedef struct impl_kept {
  size_t n;
  void *expect, *got, *registered, *pinned_dst;
  zbuf_impl_buffer *src;
  zbuf_impl_ndbuffer *nd;
  cudaEvent_t e0, e1;
} impl_kept;

static void release_impl_kept(zbuf_bench_case *c, void *p) {
  const zbuf_impl *impl = c->impl;
  impl_kept *k = p;
  cudaSetDevice(c->gpu);
  if (k->e0) cudaEventDestroy(k->e0);
  if (k->e1) cudaEventDestroy(k->e1);
  /* The source first: a wrapped buffer reads the registered memory until it is released. */
  if (k->src) impl->buffer_release(impl, k->src);
  if (k->nd) impl->ndbuffer_release(impl, k->nd);
  if (k->registered) host_free(c, k->registered, k->n);
  if (k->pinned_dst) host_free(c, k->pinned_dst, k->n);
  free(k->expect);
  free(k->got);
  free(k);
}

/* The operation this thread of c calls: bidirectional cases split from_buffer (thread 0) and to_host. */
static int impl_thread_op(const zbuf_bench_case *c, int ti) {
  return c->op == OP_IMPL_BIDIR ? (ti == 0 ? OP_IMPL_FROM_BUFFER : OP_IMPL_TO_HOST) : c->op;
}

/* This thread's source, destination and events for case c, set up on its first run; NULL after an error. */
static impl_kept *impl_setup(zbuf_bench_state *st, zbuf_bench_case *c, int op) {
  const zbuf_impl *impl = c->impl;
  int ti = zbuf_bench_thread_index(st);
  zbuf_error err = {0};
  zbuf_status s = ZBUF_OK;
  zbuf_bench_bind_thread(c, ti);
  CUDA_TRY(st, cudaSetDevice(c->gpu));
  impl_kept *k = zbuf_bench_cache_get(st, c);
  if (k) return k;
  if (!(k = calloc(1, sizeof *k))) {
    zbuf_bench_error(st, "out of memory");
    goto out;
  }
  zbuf_bench_cache_keep(st, c, k, release_impl_kept);
  size_t n = k->n = c->size;
  k->expect = malloc(n);
  k->got = malloc(n);
  if (!k->expect || !k->got) {
    zbuf_bench_error(st, "out of host memory for the check buffers (%zu bytes)", n);
    goto out;
  }
  zbuf_bench_pattern(k->expect, n, (unsigned)ti + 11);
  const DLDevice gpu = {kDLCUDA, c->gpu};
  if (op == OP_IMPL_FROM_BUFFER) {
    if (c->mem == ZBUF_BENCH_REGISTERED && !(k->registered = host_alloc(c, n))) {
      zbuf_bench_error(st, "cannot allocate %zu bytes of registered host memory", n);
      goto out;
    }
    s = impl_host_buffer(c, k->expect, n, k->registered, &k->src, &err);
  } else if (op == OP_IMPL_ND_COPY) {
    int64_t shape[1] = {(int64_t)n};
    s = impl->ndbuffer_from_host(impl, gpu, k->expect, 1, shape, NULL, "|u1", &k->nd, &err);
  } else {
    s = impl->buffer_from_bytes(impl, gpu, k->expect, n, &k->src, &err);
    if (s == ZBUF_OK && op == OP_IMPL_TO_BYTES && !(k->pinned_dst = host_alloc(c, n))) {
      zbuf_bench_error(st, "cannot allocate %zu bytes of %s host memory", n, mem_names[c->mem]);
      goto out;
    }
  }
  if (zbuf_bench_failed(st, s, &err, "setting up the source")) goto out;
  if (k->src && ti == 0 && c->mem_node_seen == -3 && op == OP_IMPL_FROM_BUFFER && impl->buffer_info) {
    void *data = NULL;
    size_t len = 0;
    DLDevice dev;
    if (impl->buffer_info(impl, k->src, &data, &len, &dev, NULL) == ZBUF_OK) note_node(c, data, len);
  }
  if (k->pinned_dst && ti == 0) note_node(c, k->pinned_dst, n);
  if (c->op != OP_IMPL_BIDIR) {
    CUDA_TRY(st, cudaEventCreate(&k->e0));
    CUDA_TRY(st, cudaEventCreate(&k->e1));
  }
  return k;
out:
  return NULL; /* what was made stays kept, and is released with the case */
}

static void body_impl(zbuf_bench_state *st, zbuf_bench_case *c) {
  const zbuf_impl *impl = c->impl;
  int op = impl_thread_op(c, zbuf_bench_thread_index(st));
  int use_events = c->op != OP_IMPL_BIDIR;
  zbuf_error err = {0};
  zbuf_status s = ZBUF_OK;
  zbuf_impl_buffer *res = NULL;
  zbuf_impl_ndbuffer *nres = NULL;
  impl_kept *k = impl_setup(st, c, op);
  if (!k) return;
  size_t n = k->n;
  double total = 0;
  int64_t iters = 0;
  while (zbuf_bench_keep_running(st)) {
    double t0 = 0, secs = 0;
    if (use_events)
      cudaEventRecord(k->e0, 0);
    else
      t0 = zbuf_bench_now();
    s = impl_call(c, op, k->src, k->nd, k->pinned_dst, n, &res, &nres, &err);
    if (use_events) {
      float ms = 0;
      cudaEventRecord(k->e1, 0);
      cudaEventSynchronize(k->e1);
      cudaEventElapsedTime(&ms, k->e0, k->e1);
      secs = ms * 1e-3;
    } else {
      secs = zbuf_bench_now() - t0;
    }
    if (s != ZBUF_OK) break;
    zbuf_bench_set_iteration_time(st, secs);
    total += secs;
    iters++;
    if (res) impl->buffer_release(impl, res), res = NULL;
    if (nres) impl->ndbuffer_release(impl, nres), nres = NULL;
  }
  if (zbuf_bench_failed(st, s, &err, "the timed call")) goto out;
  if (zbuf_bench_needs_check(st, c)) {
    /* Once per case: one more call, its result brought back through the implementation. */
    s = impl_call(c, op, k->src, k->nd, k->pinned_dst, n, &res, &nres, &err);
    if (s == ZBUF_OK && res) s = impl->buffer_to_bytes(impl, res, k->got, n, &err);
    if (s == ZBUF_OK && nres) s = impl->ndbuffer_to_bytes(impl, nres, k->got, n, &err);
    if (s == ZBUF_OK && op == OP_IMPL_TO_BYTES) memcpy(k->got, k->pinned_dst, n);
    if (zbuf_bench_failed(st, s, &err, "checking the copy")) goto out;
    if (zbuf_bench_check_once(st, c, k->expect, k->got, n, c->name) != 0) goto out;
  }
  zbuf_bench_report_rate(st, c, (double)iters * (double)n, total);
out:
  if (res) impl->buffer_release(impl, res);
  if (nres) impl->ndbuffer_release(impl, nres);
}

static const char *dir_names[] = {"H2H", "H2D", "D2H", "D2D", "BIDIR"};

/* Whether the table has what an implementation row of op calls, set-up and check included. */
static int impl_op_provided(const zbuf_impl *impl, int op) {
  if (op == OP_IMPL_ND_COPY)
    return ZBUF_BENCH_HAS(impl, ndbuffer_from_host) && ZBUF_BENCH_HAS(impl, ndbuffer_copy) &&
           ZBUF_BENCH_HAS(impl, ndbuffer_to_bytes) && ZBUF_BENCH_HAS(impl, ndbuffer_release);
  if (!ZBUF_BENCH_HAS(impl, buffer_from_bytes) || !ZBUF_BENCH_HAS(impl, buffer_to_bytes) ||
      !ZBUF_BENCH_HAS(impl, buffer_release))
    return 0;
  int from = ZBUF_BENCH_HAS(impl, buffer_from_buffer), to = ZBUF_BENCH_HAS(impl, buffer_to_host);
  return op == OP_IMPL_FROM_BUFFER ? from : op == OP_IMPL_TO_HOST ? to : op == OP_IMPL_BIDIR ? from && to : 1;
}

static void add(zbuf_bench_env *env, zbuf_bench_plan *plan, int op, zbuf_bench_dir dir, zbuf_bench_mem mem,
                zbuf_bench_where where, size_t size) {
  static const char *ops[] = {"cudaMemcpyAsync",      "impl:buffer_from_buffer", "impl:buffer_to_host",
                              "impl:buffer_to_bytes", "impl:ndbuffer_copy",      "impl:from_buffer+to_host"};
  if (op != OP_CUDA && !impl_op_provided(env->impl, op)) {
    zbuf_bench_note_missing(env, ops[op] + 5);
    return;
  }
  char sz[24];
  zbuf_bench_case c;
  memset(&c, 0, sizeof c);
  c.body = op == OP_CUDA ? body_cuda : body_impl;
  c.op = op;
  c.impl = op == OP_CUDA ? NULL : env->impl;
  c.size = size;
  c.dir = dir;
  c.mem = mem;
  c.threads = dir == ZBUF_BENCH_BIDIR ? 2 : 1;
  c.manual_time = 1;
  c.gpu = env->opt.gpu;
  c.mem_label = dir == ZBUF_BENCH_D2D ? "device" : mem_names[mem];
  zbuf_bench_place_case(env, &c, dir == ZBUF_BENCH_D2D ? ZBUF_BENCH_ANYWHERE : where, c.threads);
  zbuf_bench_size_name(size, sz);
  const char *w = dir == ZBUF_BENCH_D2D ? "device" : zbuf_bench_where_name(where);
  snprintf(c.name, sizeof c.name, "%s/%s/%s/%s/%s", dir_names[dir], ops[op], c.mem_label, w, sz);
  if (op != OP_CUDA) {
    char base[ZBUF_BENCH_NAME_MAX];
    snprintf(base, sizeof base, "%s/%s/%s/%s/%s", dir_names[dir], ops[OP_CUDA], c.mem_label, w, sz);
    zbuf_bench_case_key(base, c.threads, c.baseline);
  }
  zbuf_bench_plan_add(plan, &c);
}

void zbuf_bench_plan_gpu_copies(zbuf_bench_env *env, zbuf_bench_plan *plan) {
  if (env->cuda_devices == 0) return;
  zbuf_bench_where wheres[2] = {zbuf_bench_env_placed(env) ? ZBUF_BENCH_NEAR : ZBUF_BENCH_ANYWHERE, ZBUF_BENCH_FAR};
  int nwhere = env->place.available && env->side->far_node >= 0 ? 2 : 1;
  int ic = env->impl_cuda;
  for (int k = 0; k < env->nsizes; k++) {
    size_t size = env->sizes[k];
    add(env, plan, OP_CUDA, ZBUF_BENCH_D2D, ZBUF_BENCH_PAGEABLE, ZBUF_BENCH_ANYWHERE, size);
    if (ic && env->impl_nd)
      add(env, plan, OP_IMPL_ND_COPY, ZBUF_BENCH_D2D, ZBUF_BENCH_PAGEABLE, ZBUF_BENCH_ANYWHERE, size);
    for (int w = 0; w < nwhere; w++) {
      zbuf_bench_where where = wheres[w];
      for (int m = 0; m < 3; m++) {
        add(env, plan, OP_CUDA, ZBUF_BENCH_H2D, (zbuf_bench_mem)m, where, size);
        add(env, plan, OP_CUDA, ZBUF_BENCH_D2H, (zbuf_bench_mem)m, where, size);
      }
      add(env, plan, OP_CUDA, ZBUF_BENCH_BIDIR, ZBUF_BENCH_PINNED, where, size);
      add(env, plan, OP_CUDA, ZBUF_BENCH_BIDIR, ZBUF_BENCH_PAGEABLE, where, size);
      if (!ic) continue;
      add(env, plan, OP_IMPL_FROM_BUFFER, ZBUF_BENCH_H2D, ZBUF_BENCH_PAGEABLE, where, size);
      if (env->impl_pinned)
        add(env, plan, OP_IMPL_FROM_BUFFER, ZBUF_BENCH_H2D, ZBUF_BENCH_PINNED, where, size);
      if (env->impl->capabilities & ZBUF_CAP_WRAP)
        add(env, plan, OP_IMPL_FROM_BUFFER, ZBUF_BENCH_H2D, ZBUF_BENCH_REGISTERED, where, size);
      add(env, plan, OP_IMPL_TO_HOST, ZBUF_BENCH_D2H, ZBUF_BENCH_PAGEABLE, where, size);
      add(env, plan, OP_IMPL_TO_BYTES, ZBUF_BENCH_D2H, ZBUF_BENCH_PINNED, where, size);
      if (env->impl_threads)
        add(env, plan, OP_IMPL_BIDIR, ZBUF_BENCH_BIDIR, ZBUF_BENCH_PAGEABLE, where, size);
    }
  }
}

#else

void zbuf_bench_plan_gpu_copies(zbuf_bench_env *env, zbuf_bench_plan *plan) {
  (void)env, (void)plan; /* built without CUDA: the context's cuda_note says so */
}
#endif

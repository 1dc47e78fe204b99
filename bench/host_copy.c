/* zbuf-bench: host-to-host copies. The baseline is memcpy, on one thread and on every core of the near NUMA
 * node; the implementation's rows are the calls that copy host bytes (Buffer.from_bytes, Buffer.to_bytes).
 * A second baseline, malloc + memcpy + free, is what a plain C caller pays for a copy into new memory, which
 * is what from_bytes makes.
 * Memory sits on the near node, or on the far one with the threads still near (what a badly placed buffer
 * costs). Every thread copies its own slice of `size` bytes, so a row's bytes are `size` per iteration. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

enum { OP_MEMCPY = 0, OP_FROM_BYTES = 1, OP_TO_BYTES = 2, OP_MALLOC_MEMCPY = 3 };

/* What one thread keeps from one run of a case to the next: its slices and, for to_bytes, the
 * implementation's source buffer (allocated, filled and located once per case, not once per run). */
typedef struct kept {
  void *src, *dst;
  size_t n;
  zbuf_impl_buffer *b;
} kept;

static void release_kept(zbuf_bench_case *c, void *p) {
  const zbuf_bench_env *env = zbuf_bench_env_current();
  kept *k = p;
  if (k->b) c->impl->buffer_release(c->impl, k->b);
  zbuf_bench_free_host(&env->place, k->src, k->n);
  zbuf_bench_free_host(&env->place, k->dst, k->n);
  free(k);
}

/* This thread's slices of case c; NULL after reporting an error. */
static kept *slices(zbuf_bench_state *st, zbuf_bench_case *c) {
  const zbuf_bench_env *env = zbuf_bench_env_current();
  int ti = zbuf_bench_thread_index(st);
  /* Every run: Google Benchmark starts new threads for each run of a case. */
  zbuf_bench_bind_thread(c, ti);
  kept *k = zbuf_bench_cache_get(st, c);
  if (k) return k;
  if (!(k = calloc(1, sizeof *k))) {
    zbuf_bench_error(st, "out of memory");
    return NULL;
  }
  zbuf_bench_cache_keep(st, c, k, release_kept);
  k->n = c->size / (size_t)zbuf_bench_threads(st);
  k->src = zbuf_bench_alloc_host(&env->place, k->n, c->node);
  k->dst = zbuf_bench_alloc_host(&env->place, k->n, c->node);
  if (!k->src || !k->dst) {
    zbuf_bench_error(st, "cannot allocate 2 x %zu bytes on node %d", k->n, c->node);
    return NULL;
  }
  zbuf_bench_pattern(k->src, k->n, (unsigned)ti + 1);
  if (ti == 0 && c->mem_node_seen == -3) {
    int a = zbuf_bench_where_is(&env->place, k->src, k->n),
        b = zbuf_bench_where_is(&env->place, k->dst, k->n);
    c->mem_node_seen = a == b ? a : -2;
  }
  return k;
}

static void body_memcpy(zbuf_bench_state *st, zbuf_bench_case *c) {
  kept *k = slices(st, c);
  if (!k) return;
  int64_t iters = 0;
  double t0 = 0;
  while (zbuf_bench_keep_running(st)) {
    if (iters++ == 0) t0 = zbuf_bench_now();
    memcpy(k->dst, k->src, k->n);
  }
  double secs = zbuf_bench_now() - t0;
  if (zbuf_bench_check_once(st, c, k->src, k->dst, k->n, "memcpy") == 0)
    zbuf_bench_report_rate(st, c, (double)iters * (double)k->n, secs);
}

static void body_malloc_memcpy(zbuf_bench_state *st, zbuf_bench_case *c) {
  kept *k = slices(st, c);
  if (!k) return;
  int64_t iters = 0;
  double t0 = 0;
  int checked = 0;
  while (zbuf_bench_keep_running(st)) {
    if (iters++ == 0) t0 = zbuf_bench_now();
    void *p = malloc(k->n);
    if (!p) {
      zbuf_bench_error(st, "malloc of %zu bytes failed", k->n);
      return;
    }
    memcpy(p, k->src, k->n);
    if (!checked) {
      /* Keep the first copy for the check, so that the compiler cannot drop the pair as dead. */
      memcpy(k->dst, p, k->n);
      checked = 1;
    }
    free(p);
  }
  double secs = zbuf_bench_now() - t0;
  if (zbuf_bench_check_once(st, c, k->src, k->dst, k->n, "malloc_memcpy") == 0)
    zbuf_bench_report_rate(st, c, (double)iters * (double)k->n, secs);
}

/* The address of an implementation buffer's bytes, to ask where its pages are. */
static void note_impl_node(zbuf_bench_case *c, const zbuf_impl *impl, zbuf_impl_buffer *b) {
  if (c->mem_node_seen != -3 || !impl->buffer_info) return;
  void *data = NULL;
  size_t len = 0;
  DLDevice dev;
  if (impl->buffer_info(impl, b, &data, &len, &dev, NULL) == ZBUF_OK)
    c->mem_node_seen = zbuf_bench_where_is(&zbuf_bench_env_current()->place, data, len);
}

static void body_from_bytes(zbuf_bench_state *st, zbuf_bench_case *c) {
  const zbuf_impl *impl = c->impl;
  zbuf_error err = {0};
  const DLDevice cpu = {kDLCPU, 0};
  kept *k = slices(st, c);
  if (!k) return;
  zbuf_impl_buffer *b = NULL;
  zbuf_status s;
  if (zbuf_bench_needs_check(st, c)) {
    /* Checked before timing: a wrong copy must not produce a number at all. */
    s = impl->buffer_from_bytes(impl, cpu, k->src, k->n, &b, &err);
    if (zbuf_bench_failed(st, s, &err, "buffer_from_bytes")) return;
    note_impl_node(c, impl, b);
    s = impl->buffer_to_bytes(impl, b, k->dst, k->n, &err);
    impl->buffer_release(impl, b);
    if (zbuf_bench_failed(st, s, &err, "buffer_to_bytes") ||
        zbuf_bench_check_once(st, c, k->src, k->dst, k->n, "buffer_from_bytes") != 0)
      return;
  }
  int64_t iters = 0;
  double t0 = 0;
  s = ZBUF_OK;
  while (zbuf_bench_keep_running(st)) {
    if (iters++ == 0) t0 = zbuf_bench_now();
    s = impl->buffer_from_bytes(impl, cpu, k->src, k->n, &b, &err);
    if (s != ZBUF_OK) break;
    impl->buffer_release(impl, b);
  }
  double secs = zbuf_bench_now() - t0;
  if (!zbuf_bench_failed(st, s, &err, "buffer_from_bytes"))
    zbuf_bench_report_rate(st, c, (double)iters * (double)k->n, secs);
}

static void body_to_bytes(zbuf_bench_state *st, zbuf_bench_case *c) {
  const zbuf_impl *impl = c->impl;
  zbuf_error err = {0};
  kept *k = slices(st, c);
  if (!k) return;
  zbuf_status s = ZBUF_OK;
  if (!k->b) {
    s = impl->buffer_from_bytes(impl, (DLDevice){kDLCPU, 0}, k->src, k->n, &k->b, &err);
    if (zbuf_bench_failed(st, s, &err, "buffer_from_bytes")) return;
    note_impl_node(c, impl, k->b);
  }
  int64_t iters = 0;
  double t0 = 0;
  while (zbuf_bench_keep_running(st)) {
    if (iters++ == 0) t0 = zbuf_bench_now();
    s = impl->buffer_to_bytes(impl, k->b, k->dst, k->n, &err);
    if (s != ZBUF_OK) break;
  }
  double secs = zbuf_bench_now() - t0;
  if (!zbuf_bench_failed(st, s, &err, "buffer_to_bytes") &&
      zbuf_bench_check_once(st, c, k->src, k->dst, k->n, "buffer_to_bytes") == 0)
    zbuf_bench_report_rate(st, c, (double)iters * (double)k->n, secs);
}

static void add(zbuf_bench_env *env, zbuf_bench_plan *plan, int op, zbuf_bench_where where, size_t size,
                int threads) {
  static const char *names[] = {"memcpy", "impl:buffer_from_bytes", "impl:buffer_to_bytes", "malloc_memcpy"};
  static const zbuf_bench_body bodies[] = {body_memcpy, body_from_bytes, body_to_bytes, body_malloc_memcpy};
  char sz[24];
  zbuf_bench_case c;
  memset(&c, 0, sizeof c);
  c.body = bodies[op];
  c.op = op;
  c.impl = op == OP_MEMCPY || op == OP_MALLOC_MEMCPY ? NULL : env->impl;
  c.size = size;
  c.threads = threads;
  c.dir = ZBUF_BENCH_H2H;
  c.gpu = -1;
  c.mem_label = "pageable";
  zbuf_bench_place_case(env, &c, where, threads);
  zbuf_bench_size_name(size, sz);
  snprintf(c.name, sizeof c.name, "H2H/%s/%s/%s", names[op], zbuf_bench_where_name(where), sz);
  if (op != OP_MEMCPY && op != OP_MALLOC_MEMCPY) {
    char base[ZBUF_BENCH_NAME_MAX];
    snprintf(base, sizeof base, "H2H/memcpy/%s/%s", zbuf_bench_where_name(where), sz);
    zbuf_bench_case_key(base, threads, c.baseline);
  }
  zbuf_bench_plan_add(plan, &c);
}

void zbuf_bench_plan_host_copies(zbuf_bench_env *env, zbuf_bench_plan *plan) {
  zbuf_bench_where wheres[2] = {zbuf_bench_env_placed(env) ? ZBUF_BENCH_NEAR : ZBUF_BENCH_ANYWHERE, ZBUF_BENCH_FAR};
  int nwhere = env->place.available && env->side->far_node >= 0 ? 2 : 1;
  int multi = env->all_threads > 1;
  for (int w = 0; w < nwhere; w++)
    for (int k = 0; k < env->nsizes; k++) {
      size_t size = env->sizes[k];
      add(env, plan, OP_MEMCPY, wheres[w], size, 1);
      add(env, plan, OP_MALLOC_MEMCPY, wheres[w], size, 1);
      if (multi) add(env, plan, OP_MEMCPY, wheres[w], size, env->all_threads);
      if (!env->impl_host) continue;
      if (!ZBUF_BENCH_HAS(env->impl, buffer_from_bytes) || !ZBUF_BENCH_HAS(env->impl, buffer_to_bytes) ||
          !ZBUF_BENCH_HAS(env->impl, buffer_release)) {
        zbuf_bench_note_missing(env, "buffer_from_bytes/buffer_to_bytes/buffer_release");
        continue;
      }
      add(env, plan, OP_FROM_BYTES, wheres[w], size, 1);
      add(env, plan, OP_TO_BYTES, wheres[w], size, 1);
      if (multi && env->impl_threads) add(env, plan, OP_TO_BYTES, wheres[w], size, env->all_threads);
    }
}

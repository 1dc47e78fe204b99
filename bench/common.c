/* zbuf-bench: what every body shares: the baseline table behind the ratio counters, the rate counters, the
 * data pattern and its check, the clock and thread binding. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "env.h"

/* Baselines run before the implementation rows they anchor (the plan registers them first); a row whose
 * baseline did not run (filtered out) reports no ratio rather than a made-up one. */
#define BASELINE_MAX 1024
static struct {
  char key[ZBUF_BENCH_NAME_MAX];
  double rate;
} baselines[BASELINE_MAX];
static int nbaselines;
static pthread_mutex_t baselines_lock = PTHREAD_MUTEX_INITIALIZER;

void zbuf_bench_baseline_record(const char *key, double bytes_per_second) {
  pthread_mutex_lock(&baselines_lock);
  int i = 0;
  while (i < nbaselines && strcmp(baselines[i].key, key) != 0) i++;
  if (i < BASELINE_MAX) {
    if (i == nbaselines) {
      snprintf(baselines[i].key, sizeof baselines[i].key, "%s", key);
      nbaselines++;
    }
    baselines[i].rate = bytes_per_second;
  }
  pthread_mutex_unlock(&baselines_lock);
}

double zbuf_bench_baseline_get(const char *key) {
  double r = 0;
  pthread_mutex_lock(&baselines_lock);
  for (int i = 0; i < nbaselines; i++)
    if (strcmp(baselines[i].key, key) == 0) r = baselines[i].rate;
  pthread_mutex_unlock(&baselines_lock);
  return r;
}

void zbuf_bench_report_rate(zbuf_bench_state *st, zbuf_bench_case *c, double bytes, double seconds) {
  int threads = zbuf_bench_threads(st);
  zbuf_bench_set_bytes(st, (int64_t)bytes);
  /* Copies read every byte once and write it once: the memory system moves twice what was copied. */
  zbuf_bench_counter(st, "rw_bytes_per_second", 2 * bytes, ZBUF_BENCH_RATE | ZBUF_BENCH_KIB);
  zbuf_bench_counter(st, "size", (double)c->size, ZBUF_BENCH_AVG_THREADS | ZBUF_BENCH_KIB);
  if (c->node >= 0) zbuf_bench_counter(st, "mem_node_asked", c->node, ZBUF_BENCH_AVG_THREADS);
  if (c->mem_node_seen != -3)
    zbuf_bench_counter(st, "mem_node_seen", c->mem_node_seen, ZBUF_BENCH_AVG_THREADS);
  if (zbuf_bench_thread_index(st) != 0 || seconds <= 0) return;
  /* Thread 0 speaks for the run: all threads moved about as much, during the same wall time. */
  double rate = bytes * threads / seconds;
  if (!c->baseline[0]) {
    char key[ZBUF_BENCH_NAME_MAX];
    zbuf_bench_case_key(c->name, threads, key);
    zbuf_bench_baseline_record(key, rate);
    return;
  }
  double base = zbuf_bench_baseline_get(c->baseline);
  if (base > 0) {
    zbuf_bench_counter(st, "vs_baseline", rate / base, 0);
    zbuf_bench_counter(st, "baseline_bytes_per_second", base, 0);
  }
}

double zbuf_bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void zbuf_bench_pattern(void *dst, size_t n, unsigned seed) {
  unsigned char *p = dst;
  /* A position-dependent byte sequence with a period that is no power of two, so a copy shifted by a
   * page or a cache line does not match by accident. */
  uint32_t x = seed * 2654435761u + 1;
  size_t i = 0;
  /* Four bytes per step of the generator, least significant first: 2.6x faster than byte by byte, which
   * matters when a 1 GiB case fills its source. */
  for (; i + 4 <= n; i += 4) {
    x = x * 1664525u + 1013904223u;
    const unsigned char b[4] = {(unsigned char)x, (unsigned char)(x >> 8), (unsigned char)(x >> 16),
                                (unsigned char)(x >> 24)};
    memcpy(p + i, b, 4);
  }
  if (i < n) x = x * 1664525u + 1013904223u;
  for (; i < n; i++) p[i] = (unsigned char)(x >> (8 * (i & 3)));
}

int64_t zbuf_bench_first_difference(const void *a, const void *b, size_t n) {
  if (memcmp(a, b, n) == 0) return -1;
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return (int64_t)i;
  return -1;
}

void zbuf_bench_bind_thread(const zbuf_bench_case *c, int thread_index) {
  const zbuf_bench_env *env = zbuf_bench_env_current();
  int cpu = thread_index < (int)(sizeof c->cpus / sizeof c->cpus[0]) ? c->cpus[thread_index] : -1;
  zbuf_bench_bind_self(&env->place, cpu, c->node);
}

void zbuf_bench_case_key(const char *name, int threads, char out[ZBUF_BENCH_NAME_MAX]) {
  snprintf(out, ZBUF_BENCH_NAME_MAX, "%.*s#%d", ZBUF_BENCH_NAME_MAX - 8, name, threads);
}

/* A case stopped at the budget's deadline is discarded: there is nothing left to verify, and no time to. */
static int cut(const zbuf_bench_case *c) {
  return __atomic_load_n(&c->fate, __ATOMIC_ACQUIRE) == ZBUF_BENCH_CUT;
}

int zbuf_bench_needs_check(zbuf_bench_state *st, const zbuf_bench_case *c) {
  if (cut(c)) return 0;
  uint64_t bit = (uint64_t)1 << (zbuf_bench_thread_index(st) & 63);
  return (__atomic_load_n(&c->checked, __ATOMIC_ACQUIRE) & bit) == 0;
}

int zbuf_bench_check_once(zbuf_bench_state *st, zbuf_bench_case *c, const void *expect, const void *got,
                          size_t n, const char *what) {
  int t = zbuf_bench_thread_index(st);
  uint64_t bit = (uint64_t)1 << (t & 63);
  if (cut(c) || (__atomic_load_n(&c->checked, __ATOMIC_ACQUIRE) & bit)) return 0;
  int64_t at = zbuf_bench_first_difference(expect, got, n);
  __atomic_fetch_or(&c->checked, bit, __ATOMIC_ACQ_REL);
  if (at < 0) return 0;
  zbuf_bench_error(st, "%s: wrong copy: byte %lld of %zu is 0x%02x, expected 0x%02x", what, (long long)at, n,
                   ((const unsigned char *)got)[at], ((const unsigned char *)expect)[at]);
  return -1;
}

int zbuf_bench_failed(zbuf_bench_state *st, zbuf_status status, const zbuf_error *err, const char *call) {
  if (status == ZBUF_OK) return 0;
  if (status == ZBUF_EUNSUPPORTED) {
    zbuf_bench_skip(st, "%s: unsupported by this implementation: %s", call, err ? err->message : "");
    return 1;
  }
  zbuf_bench_error(st, "%s: %s: %s", call, zbuf_status_name(status), err ? err->message : "");
  return 1;
}

void *zbuf_bench_cache_get(zbuf_bench_state *st, zbuf_bench_case *c) {
  return c->cache[zbuf_bench_thread_index(st) % ZBUF_BENCH_MAX_THREADS];
}

void zbuf_bench_cache_keep(zbuf_bench_state *st, zbuf_bench_case *c, void *kept,
                           void (*release)(zbuf_bench_case *c, void *kept)) {
  /* Each thread writes its own slot; the release function is the same for every slot of a case. */
  c->cache[zbuf_bench_thread_index(st) % ZBUF_BENCH_MAX_THREADS] = kept;
  c->cache_release = release;
}

void zbuf_bench_cache_release(zbuf_bench_case *c) {
  for (int t = 0; t < ZBUF_BENCH_MAX_THREADS; t++) {
    if (c->cache[t] && c->cache_release) c->cache_release(c, c->cache[t]);
    c->cache[t] = NULL;
  }
}

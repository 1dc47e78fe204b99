/* zbuf-bench: the budget: which cases start, what each is expected to cost, and the ETA.
 *
 * How Google Benchmark (1.7) spends time on one case: a warm-up phase that lasts --benchmark_min_warmup_time
 * (W), then --benchmark_repetitions (R) repetitions. The first repetition grows its iteration count (1, 10,
 * 100, ... until a run lasts a tenth of --benchmark_min_time (T), then a prediction aiming at 1.4 T); the
 * later repetitions reuse that count. A phase that must last X therefore takes about 1.5 X, or one iteration
 * when one iteration is longer than X. Manual-time rows (CUDA events) count only the copy, so their wall time
 * per iteration is larger than the time Google Benchmark sizes them by. On top comes the set-up a body keeps
 * per case (allocating, pinning and filling its memory, zbuf_bench_cache_*), which grows with the size.
 *
 * Estimates learn from the cases already measured. A case of size s takes its figures from the latest
 * measured case of its series (same name but the size, same threads) scaled to s: time per iteration in
 * proportion (an overestimate for latency-bound small sizes, which matters only once an iteration approaches
 * T), set-up in proportion from 4 MiB up, else at the bytes rate learned from large cases. A series not seen
 * yet uses priors. A case starts only if its estimate fits in what is left before the deadline; the shim also
 * stops a case still running at the deadline (zbuf_bench_case::fate CUT). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* Priors, for a series not measured yet: a copy at 4 GB/s plus 2 us, set-up at 3 ns per byte (what
 * allocating, first-touching and filling two buffers costs on a busy virtual machine), Google Benchmark's own
 * time between runs, and the wall time per event-timed iteration against its manual time. */
#define PRIOR_RATE 4e9
#define PRIOR_LATENCY 2e-6
#define PRIOR_SETUP_PER_BYTE 3e-9
#define PRIOR_OTHER 0.005
#define PRIOR_MANUAL_RATIO 2.0
/* From this size up, a case's set-up is mostly proportional to its size. */
#define SETUP_SCALES_FROM ((size_t)4 << 20)

typedef struct learned {
  char series[ZBUF_BENCH_NAME_MAX];
  size_t size;
  double basis; /* Google Benchmark's seconds per iteration (manual time for manual-time rows) */
  double ratio; /* wall seconds per iteration / basis, >= 1 */
  double setup; /* seconds of set-up (the first run's wall time beyond its iterations) */
  double other; /* the rest of the case's wall time the model does not explain */
} learned;

#define LEARNED_MAX 1024
static struct {
  zbuf_bench_budget_settings s;
  double deadline;
  learned table[LEARNED_MAX];
  int n;
  double setup_per_byte; /* mean over large cases, PRIOR_SETUP_PER_BYTE until one is measured */
  int setup_samples;
} b = {.setup_per_byte = PRIOR_SETUP_PER_BYTE};

void zbuf_bench_budget_init(const zbuf_bench_budget_settings *s) {
  b.s = *s;
  if (b.s.repetitions < 1) b.s.repetitions = 1;
  b.deadline = s->seconds > 0 ? s->start + s->seconds : 0;
}

double zbuf_bench_budget_deadline(void) { return b.deadline; }

/* A case's series: its name without the size (the last component), and its thread count. */
static void series_of(const zbuf_bench_case *c, char out[ZBUF_BENCH_NAME_MAX]) {
  const char *slash = strrchr(c->name, '/');
  int len = slash ? (int)(slash - c->name) : (int)strlen(c->name);
  snprintf(out, ZBUF_BENCH_NAME_MAX, "%.*s#%d", len < ZBUF_BENCH_NAME_MAX - 8 ? len : ZBUF_BENCH_NAME_MAX - 8,
           c->name, c->threads);
}

static learned *find(const char *series) {
  for (int i = 0; i < b.n; i++)
    if (strcmp(b.table[i].series, series) == 0) return &b.table[i];
  return NULL;
}

/* One phase that must last `target` seconds of Google Benchmark's time, at `basis` seconds per iteration. */
static double phase(double target, double basis) { return basis >= target ? basis : 1.5 * target; }

/* Wall seconds of the warm-up and every repetition, at `basis` seconds per iteration. */
static double measuring(double basis, double ratio) {
  const double T = b.s.min_time, W = b.s.warmup;
  double t = W > 0 ? phase(W, basis) : 0;
  t += phase(T, basis);
  t += (b.s.repetitions - 1) * (basis >= T ? basis : 1.4 * T);
  return t * ratio;
}

double zbuf_bench_budget_estimate(const zbuf_bench_case *c) {
  char series[ZBUF_BENCH_NAME_MAX];
  series_of(c, series);
  const learned *p = find(series);
  double size = (double)c->size, basis, ratio, setup, other;
  if (p) {
    double scale = size / (double)p->size;
    basis = p->basis * scale;
    ratio = p->ratio;
    if (p->size >= SETUP_SCALES_FROM)
      setup = p->setup * scale;
    else
      setup = p->setup + (size > (double)p->size ? (size - (double)p->size) * b.setup_per_byte : 0);
    other = p->other;
  } else {
    basis = size / PRIOR_RATE + PRIOR_LATENCY;
    ratio = c->manual_time ? PRIOR_MANUAL_RATIO : 1.0;
    setup = size * b.setup_per_byte;
    other = PRIOR_OTHER;
  }
  return setup + measuring(basis, ratio) + other;
}

int zbuf_bench_budget_admit(zbuf_bench_case *c, double now) {
  double est = zbuf_bench_budget_estimate(c);
  c->timing.estimate = est;
  c->timing.started = now;
  int fits = b.deadline <= 0 || now + est <= b.deadline;
  __atomic_store_n(&c->fate, fits ? ZBUF_BENCH_RUNNING : ZBUF_BENCH_LEFT_OUT, __ATOMIC_RELEASE);
  return fits;
}

void zbuf_bench_budget_run_ended(zbuf_bench_case *c, double wall, int64_t iterations) {
  zbuf_bench_timing *t = &c->timing;
  if (t->runs++ == 0) {
    t->first_wall = wall;
    t->first_iters = iterations;
  }
  t->last_wall = wall;
  t->last_iters = iterations;
}

void zbuf_bench_budget_finished(zbuf_bench_case *c, double now, double seconds_per_iteration) {
  const zbuf_bench_timing *t = &c->timing;
  if (t->runs == 0 || c->size == 0) return;
  double total = now - t->started;
  double wall_per_iter = t->last_iters > 0 ? t->last_wall / (double)t->last_iters : t->last_wall;
  double basis = seconds_per_iteration > 0 ? seconds_per_iteration : wall_per_iter;
  double ratio = basis > 0 && wall_per_iter > basis ? wall_per_iter / basis : 1.0;
  double setup = t->first_wall - (double)t->first_iters * wall_per_iter;
  if (setup < 0) setup = 0;
  double other = total - setup - measuring(basis, ratio);
  if (other < 0) other = 0;
  char series[ZBUF_BENCH_NAME_MAX];
  series_of(c, series);
  learned *p = find(series);
  if (!p && b.n < LEARNED_MAX) p = &b.table[b.n++];
  if (p) {
    *p = (learned){.size = c->size, .basis = basis, .ratio = ratio, .setup = setup, .other = other};
    snprintf(p->series, sizeof p->series, "%s", series);
  }
  if (c->size >= SETUP_SCALES_FROM) {
    b.setup_samples++;
    b.setup_per_byte += (setup / (double)c->size - b.setup_per_byte) / b.setup_samples;
  }
}

double zbuf_bench_budget_eta(const zbuf_bench_plan *plan, size_t from, double now) {
  double t = now;
  for (size_t i = from; i < plan->n; i++) {
    const zbuf_bench_case *c = &plan->cases[i];
    int fate = __atomic_load_n(&c->fate, __ATOMIC_ACQUIRE);
    if (!c->selected) continue;
    if (fate == ZBUF_BENCH_RUNNING) {
      /* It ends at its start plus its estimate, or now if that has passed. */
      if (c->timing.started + c->timing.estimate > t) t = c->timing.started + c->timing.estimate;
    } else if (fate == ZBUF_BENCH_PENDING) {
      double est = zbuf_bench_budget_estimate(c);
      if (b.deadline <= 0 || t + est <= b.deadline) t += est; /* else it will be left out */
    }
  }
  if (b.deadline > 0 && t > b.deadline) t = b.deadline;
  return t > now ? t - now : 0;
}

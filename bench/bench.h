/* zbuf-bench: what the C benchmark bodies and the C++ shim (shim.cc) share.
 *
 * The split: C decides the plan (which cases exist for this implementation, machine and set of options) and
 * runs each case's body; shim.cc only registers the plan's cases with Google Benchmark and forwards
 * benchmark::State operations through the zbuf_bench_state functions below. Bodies never see C++. */
#ifndef ZBUF_BENCH_H
#define ZBUF_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "zbuf/impl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the benchmark::State a body runs under (implemented in shim.cc) ---- */
typedef struct zbuf_bench_state zbuf_bench_state;

/** Whether the timed loop goes on: `while (zbuf_bench_keep_running(st)) { ... }`. */
int zbuf_bench_keep_running(zbuf_bench_state *st);
/** For manual-time cases: the time one iteration took, measured by the body (CUDA events or a clock). */
void zbuf_bench_set_iteration_time(zbuf_bench_state *st, double seconds);
void zbuf_bench_pause(zbuf_bench_state *st);
void zbuf_bench_resume(zbuf_bench_state *st);
/** Turns this run into an error row (Google Benchmark's error_occurred + error_message) and makes the process
 * exit non-zero at the end: a wrong copy or a failed call is never reported as a number. */
void zbuf_bench_error(zbuf_bench_state *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Ends this run as a skipped row (error_message starts with "SKIPPED: ") without failing the process: for an
 * operation the implementation answers with ZBUF_EUNSUPPORTED, found only when it is tried. */
void zbuf_bench_skip(zbuf_bench_state *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Counter flags, mapped onto benchmark::Counter's. */
enum {
  ZBUF_BENCH_RATE = 1,        /* value divided by the run's time */
  ZBUF_BENCH_AVG_THREADS = 2, /* value divided by the number of threads */
  ZBUF_BENCH_KIB = 4          /* shown with 1024 multiples */
};
void zbuf_bench_counter(zbuf_bench_state *st, const char *name, double value, unsigned flags);
/** Bytes copied in the whole run by this thread (Google Benchmark's bytes_per_second). */
void zbuf_bench_set_bytes(zbuf_bench_state *st, int64_t bytes);
void zbuf_bench_set_label(zbuf_bench_state *st, const char *label);
int64_t zbuf_bench_iterations(const zbuf_bench_state *st);
int zbuf_bench_thread_index(const zbuf_bench_state *st);
int zbuf_bench_threads(const zbuf_bench_state *st);

/* ---- cases ---- */
typedef struct zbuf_bench_case zbuf_bench_case;
typedef void (*zbuf_bench_body)(zbuf_bench_state *st, zbuf_bench_case *c);

/** Where a case's host memory and threads are placed. */
typedef enum zbuf_bench_where {
  ZBUF_BENCH_ANYWHERE = 0, /* no binding (no hwloc, or nothing to choose between) */
  ZBUF_BENCH_NEAR = 1,     /* NUMA node near the GPU (or the host-only node) */
  ZBUF_BENCH_FAR = 2       /* a NUMA node away from the GPU */
} zbuf_bench_where;

/** Host memory kinds of transfer cases. */
typedef enum zbuf_bench_mem {
  ZBUF_BENCH_PAGEABLE = 0,  /* malloc / hwloc_alloc_membind */
  ZBUF_BENCH_PINNED = 1,    /* cudaMallocHost, or the implementation's kDLCUDAHost */
  ZBUF_BENCH_REGISTERED = 2 /* pageable memory registered with cudaHostRegister */
} zbuf_bench_mem;

/** Transfer directions. */
typedef enum zbuf_bench_dir {
  ZBUF_BENCH_H2H = 0,
  ZBUF_BENCH_H2D = 1,
  ZBUF_BENCH_D2H = 2,
  ZBUF_BENCH_D2D = 3,
  ZBUF_BENCH_BIDIR = 4 /* H2D and D2H at once */
} zbuf_bench_dir;

#define ZBUF_BENCH_NAME_MAX 160
#define ZBUF_BENCH_MAX_THREADS 64

/** What became of a case in this run (zbuf_bench_case::fate; read and written with __atomic builtins, since
 * the signal watcher reads it while the benchmark threads write it). */
typedef enum zbuf_bench_fate {
  ZBUF_BENCH_PENDING = 0,  /* not reached yet (or not selected by --benchmark_filter) */
  ZBUF_BENCH_RUNNING = 1,  /* started, results not reported yet */
  ZBUF_BENCH_DONE = 2,     /* its results are reported */
  ZBUF_BENCH_LEFT_OUT = 3, /* never started: its estimate did not fit in what was left of the budget */
  ZBUF_BENCH_CUT = 4       /* started, then stopped at the budget's deadline: no results */
} zbuf_bench_fate;

/** How long a case took, as the budget learns it (budget.c). Thread 0 records each run of the body. */
typedef struct zbuf_bench_timing {
  double estimate;   /* seconds the budget expected the case to take, when it started */
  double started;    /* zbuf_bench_now() when its first run began */
  double first_wall; /* the first run of the body: it pays the set-up */
  int64_t first_iters;
  double last_wall; /* the latest run */
  int64_t last_iters;
  int runs;
} zbuf_bench_timing;

/** One registered row family (Google Benchmark adds /repeats, /threads and aggregates to the name). */
struct zbuf_bench_case {
  char name[ZBUF_BENCH_NAME_MAX];
  zbuf_bench_body body;
  const zbuf_impl *impl; /* NULL for raw baselines */
  size_t size;           /* bytes moved per iteration (all threads together) */
  int threads;           /* Google Benchmark threads */
  int manual_time;       /* 1: the body times itself (CUDA events) */
  int op;                /* body-specific: which operation */
  zbuf_bench_dir dir;
  zbuf_bench_mem mem;
  zbuf_bench_where where;
  int node;                           /* NUMA node OS index for host memory, -1: none */
  int cpus[ZBUF_BENCH_MAX_THREADS];   /* OS cpu of each thread, -1: unbound */
  int gpu;                            /* CUDA ordinal, -1 for host-only cases */
  char baseline[ZBUF_BENCH_NAME_MAX]; /* key of the matching baseline row, "" for none (baselines themselves)
                                       */
  uint64_t checked; /* bit t: thread t verified its copy (once per case; __atomic builtins) */
  int failed;       /* 1 error, 2 skipped: every later run of the case repeats fail_msg (shim.cc), since
                     * Google Benchmark reports a case's last run, not its first */
  char fail_msg[256];
  int mem_node_seen;     /* where the host pages were found (zbuf_bench_where_is), -3: not looked yet */
  const char *mem_label; /* e.g. "pinned"; for the row's label */
  /* Set-up a body keeps from one run to the next (zbuf_bench_cache_*), one slot per thread. */
  void *cache[ZBUF_BENCH_MAX_THREADS];
  void (*cache_release)(zbuf_bench_case *c, void *kept);
  /* The run's bookkeeping (plan.c, budget.c, shim.cc); bodies never touch it. */
  int headline; /* a headline row (plan.c): planned before the sweep */
  int selected; /* --benchmark_filter keeps it: Google Benchmark will run it */
  int fate;     /* zbuf_bench_fate */
  zbuf_bench_timing timing;
};

/** Options that change the plan (parsed by shim.cc). */
typedef struct zbuf_bench_options {
  const char *impl_spec;     /* --impl, default "ref:cpu" */
  const char *topology;      /* --topology FILE or NULL (this machine) */
  size_t min_size, max_size; /* --min-size / --max-size */
  int max_threads;           /* --threads: largest thread count of multi-thread rows; 0: cores of the node */
  int placement_only;        /* --placement-only */
  int no_ops, no_transfers;  /* --no-ops / --no-transfers */
  int gpu;                   /* --gpu N: CUDA ordinal to benchmark */
  int peer_from_own_gpu;     /* the peer matrix: only the pairs from `gpu` (a fleet rank), else every pair */
  const char *argv0;
} zbuf_bench_options;

/** The plan: built once, cases live until exit. */
typedef struct zbuf_bench_plan {
  zbuf_bench_case *cases;
  size_t n, cap;
} zbuf_bench_plan;

/** Appends a case (copying *c) and returns the stored one. Exits on out of memory. */
zbuf_bench_case *zbuf_bench_plan_add(zbuf_bench_plan *plan, const zbuf_bench_case *c);

/** The sizes of the headline rows: transfers of every direction and memory kind, near the GPU (or on the
 * host's first node), each beside its raw baseline. They are planned first, so that a budget cuts the sweep,
 * not them. 16 MiB is where the reference's speed goals start (docs/performance.md). Sizes outside
 * --min-size/--max-size are not swept, so not headline rows either. */
#define ZBUF_BENCH_HEADLINE_SIZES \
  { (size_t)4 << 10, (size_t)1 << 20, (size_t)16 << 20, (size_t)64 << 20, (size_t)1 << 30 }

/* ---- the machine and the implementation, once per process (plan.c) ---- */
typedef struct zbuf_bench_env zbuf_bench_env;
/** Loads topology and implementation, picks placements. Returns 0, or prints why and returns an exit code. */
int zbuf_bench_env_init(const zbuf_bench_options *opt, zbuf_bench_env **out);
/** Builds the plan of every case for this environment, in the order they run: the headline rows (transfers at
 * ZBUF_BENCH_HEADLINE_SIZES, near placement) by size, then the rest of the sweep by size, far placement last.
 * Every implementation row comes after the baseline it is compared with. */
void zbuf_bench_plan_build(zbuf_bench_env *env, zbuf_bench_plan *plan);
/** Context key/value pairs for the JSON output (device, link, placement, versions...), via the callback. */
void zbuf_bench_env_context(const zbuf_bench_env *env,
                            void (*add)(const char *key, const char *value, void *ctx), void *ctx);
/** Prints the placement decisions as JSON to stdout (--placement-only). Returns an exit code. */
int zbuf_bench_env_print_placement(const zbuf_bench_env *env);
void zbuf_bench_env_free(zbuf_bench_env *env);
/** Fleet ranks without a GPU: places the host rows of the slot-th rank of a node (one per NUMA node). */
void zbuf_bench_env_host_slot(zbuf_bench_env *env, int slot);
/** Whether the run benchmarks a GPU (the fleet's ranks with one). */
int zbuf_bench_env_has_gpu(const zbuf_bench_env *env);
/** Whether any body reported an error (the process exit code). */
int zbuf_bench_had_error(void);

/* ---- baselines and ratios (common.c) ---- */
/** Records a baseline's measured rate (bytes/s) under its key; the latest run wins. Thread-safe. */
void zbuf_bench_baseline_record(const char *key, double bytes_per_second);
/** The recorded rate for key, or 0 when that baseline has not run (filtered out, or after this row). */
double zbuf_bench_baseline_get(const char *key);
/** Adds the counters every row carries: bytes moved and their read+write total, and for implementation rows
 * the ratio to the matching baseline. seconds is the run's measured time (wall or summed manual time). */
void zbuf_bench_report_rate(zbuf_bench_state *st, zbuf_bench_case *c, double bytes, double seconds);
/** Monotonic clock in seconds. */
double zbuf_bench_now(void);
/** Fills n bytes with a pattern that depends on seed and position, so that shifted or stale copies show. */
void zbuf_bench_pattern(void *dst, size_t n, unsigned seed);
/** Index of the first byte where a and b differ, or -1. */
int64_t zbuf_bench_first_difference(const void *a, const void *b, size_t n);
/** Verifies a copy once per case and thread: compares got with expect when this thread has not checked yet,
 * and turns the run into an error row on a difference. Returns 0 when correct (or already checked), -1 after
 * reporting the error. `what` names the copy ("H2D", "to_bytes"). */
int zbuf_bench_check_once(zbuf_bench_state *st, zbuf_bench_case *c, const void *expect, const void *got,
                          size_t n, const char *what);
/** Whether this thread still has to verify case c's copy (so that a body can skip preparing the check). */
int zbuf_bench_needs_check(zbuf_bench_state *st, const zbuf_bench_case *c);
/** The key a baseline row is recorded under and an implementation row names: case name plus thread count. */
void zbuf_bench_case_key(const char *name, int threads, char out[ZBUF_BENCH_NAME_MAX]);
/** Reports a failed implementation call as an error row (ZBUF_EUNSUPPORTED as a skipped row); returns 1 when
 * status is not ZBUF_OK (for `if (zbuf_bench_failed(...)) return`). */
int zbuf_bench_failed(zbuf_bench_state *st, zbuf_status status, const zbuf_error *err, const char *call);
/** Binds the calling thread to case c's cpu for its thread index (no-op without hwloc or binding). */
void zbuf_bench_bind_thread(const zbuf_bench_case *c, int thread_index);

/* ---- set-up kept across the runs of one case (common.c) ----
 * Google Benchmark runs a body several times per case (warm-up, the trials that size the iteration count,
 * each repetition). A body that allocates and fills 1 GiB would pay that every time; instead it keeps its
 * set-up per thread with zbuf_bench_cache_keep and finds it again with zbuf_bench_cache_get. The shim
 * releases it once the case's results are reported, so only one case's memory is held at a time. */
/** What this thread of case c kept, or NULL on its first run. */
void *zbuf_bench_cache_get(zbuf_bench_state *st, zbuf_bench_case *c);
/** Keeps `kept` for this thread's later runs of c; `release` frees it (every kept slot of a case shares one
 * release function). */
void zbuf_bench_cache_keep(zbuf_bench_state *st, zbuf_bench_case *c, void *kept,
                           void (*release)(zbuf_bench_case *c, void *kept));
/** Releases everything case c kept (shim.cc, when the case is over). */
void zbuf_bench_cache_release(zbuf_bench_case *c);

/* ---- the budget (budget.c): which cases start, what each costs, the ETA ---- */
typedef struct zbuf_bench_budget_settings {
  double start;    /* zbuf_bench_now() when the process started: the budget counts from there */
  double seconds;  /* the budget; 0: none (every case starts) */
  double min_time; /* --benchmark_min_time */
  double warmup;   /* --benchmark_min_warmup_time */
  int repetitions; /* --benchmark_repetitions */
} zbuf_bench_budget_settings;
void zbuf_bench_budget_init(const zbuf_bench_budget_settings *s);
/** The deadline (zbuf_bench_now() scale), or 0 without a budget. */
double zbuf_bench_budget_deadline(void);
/** Seconds case c is expected to take, from the cases measured so far. */
double zbuf_bench_budget_estimate(const zbuf_bench_case *c);
/** Called once, when case c is about to start: it starts (fate RUNNING, returns 1) when its estimate fits
 * before the deadline, else it is left out (fate LEFT_OUT, returns 0). */
int zbuf_bench_budget_admit(zbuf_bench_case *c, double now);
/** Thread 0 after each run of c's body: its wall time and iterations. */
void zbuf_bench_budget_run_ended(zbuf_bench_case *c, double wall, int64_t iterations);
/** Case c's results are reported: learn from how long it took. `seconds_per_iteration` is Google Benchmark's
 * own time per iteration (manual time for manual-time rows), 0 when unknown. */
void zbuf_bench_budget_finished(zbuf_bench_case *c, double now, double seconds_per_iteration);
/** Seconds until the last case that fits (selected, pending or running, from plan index `from`) ends. */
double zbuf_bench_budget_eta(const zbuf_bench_plan *plan, size_t from, double now);

/* ---- bodies (one file per family) ---- */
/** host_copy.c: memcpy baselines and the implementation's host copies. */
void zbuf_bench_plan_host_copies(zbuf_bench_env *env, zbuf_bench_plan *plan);
/** gpu_copy.c: cudaMemcpy baselines and the implementation's transfers to, from and within a GPU. */
void zbuf_bench_plan_gpu_copies(zbuf_bench_env *env, zbuf_bench_plan *plan);
/** ops_buffer.c / ops_ndbuffer.c: every operation of the contract, small and large. */
void zbuf_bench_plan_buffer_ops(zbuf_bench_env *env, zbuf_bench_plan *plan);
void zbuf_bench_plan_ndbuffer_ops(zbuf_bench_env *env, zbuf_bench_plan *plan);
/** peer_copy.c: cudaMemcpyPeerAsync between every ordered pair of GPUs, with two or more in the process. */
void zbuf_bench_plan_peer_copies(zbuf_bench_env *env, zbuf_bench_plan *plan);
/** The ordered pairs (source, destination) of the peer matrix of `ndev` GPUs, source != destination, only
 * those from GPU `from` when from >= 0: writes at most `cap` into pairs (NULL with cap 0 counts them) and
 * returns how many there are. */
int zbuf_bench_peer_pairs(int ndev, int from, int (*pairs)[2], int cap);

#ifdef __cplusplus
}
#endif
#endif

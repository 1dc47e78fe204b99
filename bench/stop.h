/* zbuf-bench: when a run stops early: on SIGINT or SIGTERM, and at the budget's deadline (stop.c). */
#ifndef ZBUF_BENCH_STOP_H
#define ZBUF_BENCH_STOP_H

#ifdef __cplusplus
extern "C" {
#endif

/** Blocks SIGINT and SIGTERM in the calling thread, and so in every thread started after it, and starts the
 * thread that takes them. Call it first in main, before any other thread exists. Returns 0, or -1 when the
 * thread cannot be started (then the signals are left as they were). */
int zbuf_bench_stop_start(void);
/** What the watcher does on SIGINT/SIGTERM before the process exits with 128 + the signal number: `hook` runs
 * on the watcher thread (it may lock, allocate and write files; the benchmark threads go on meanwhile). NULL:
 * only a line on stderr. */
void zbuf_bench_stop_on_signal(void (*hook)(int sig, void *ctx), void *ctx);
/** From `when` (zbuf_bench_now() scale) on, zbuf_bench_stop_expired() answers 1; 0: never. */
void zbuf_bench_stop_set_deadline(double when);
/** Whether the deadline has passed (a relaxed load: cheap enough for every iteration of a timed loop). */
int zbuf_bench_stop_expired(void);
/** "SIGINT", "SIGTERM" or "signal N". */
const char *zbuf_bench_stop_signal_name(int sig);

#ifdef __cplusplus
}
#endif
#endif

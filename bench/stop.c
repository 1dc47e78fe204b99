/* zbuf-bench: when a run stops early: SIGINT/SIGTERM, and the budget's deadline.
 *
 * Both signals are blocked in every thread from the start of main (threads inherit the mask: Google
 * Benchmark's, CUDA's, Python's), and one watcher thread takes them with sigtimedwait. It is an ordinary
 * thread, so what it does on a signal (write the JSON file with every row measured so far) may lock, allocate
 * and write files, which a signal handler may not. Then it ends the process with _exit(128 + signal), the
 * shell's convention, without running exit handlers under the feet of the benchmark threads. Between signals
 * it wakes every 50 ms to see whether the deadline has passed, which the timed loops read as one flag. */
#define _POSIX_C_SOURCE 200809L
#include "stop.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void (*hook)(int, void *);
static void *hook_ctx;
static double deadline;
static int expired;

static void stop_signals(sigset_t *set) {
  sigemptyset(set);
  sigaddset(set, SIGINT);
  sigaddset(set, SIGTERM);
}

const char *zbuf_bench_stop_signal_name(int sig) {
  static char other[32];
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  snprintf(other, sizeof other, "signal %d", sig);
  return other;
}

static void *watch(void *arg) {
  (void)arg;
  sigset_t set;
  stop_signals(&set);
  const struct timespec tick = {0, 50 * 1000 * 1000};
  for (;;) {
    int sig = sigtimedwait(&set, NULL, &tick);
    pthread_mutex_lock(&lock);
    if (sig == SIGINT || sig == SIGTERM) {
      /* The lock stays held: a second signal cannot start a second hook before the process ends. */
      if (hook)
        hook(sig, hook_ctx);
      else
        fprintf(stderr, "zbuf-bench: %s: stopped\n", zbuf_bench_stop_signal_name(sig));
      _exit(128 + sig);
    }
    if (deadline > 0 && !expired && zbuf_bench_now() >= deadline)
      __atomic_store_n(&expired, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int zbuf_bench_stop_start(void) {
  sigset_t set, old;
  stop_signals(&set);
  if (pthread_sigmask(SIG_BLOCK, &set, &old) != 0) return -1;
  pthread_t t;
  if (pthread_create(&t, NULL, watch, NULL) != 0) {
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return -1;
  }
  pthread_detach(t);
  return 0;
}

void zbuf_bench_stop_on_signal(void (*h)(int sig, void *ctx), void *ctx) {
  pthread_mutex_lock(&lock);
  hook = h;
  hook_ctx = ctx;
  pthread_mutex_unlock(&lock);
}

void zbuf_bench_stop_set_deadline(double when) {
  pthread_mutex_lock(&lock);
  deadline = when;
  pthread_mutex_unlock(&lock);
}

int zbuf_bench_stop_expired(void) { return __atomic_load_n(&expired, __ATOMIC_RELAXED); }

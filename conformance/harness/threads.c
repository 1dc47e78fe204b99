/* zbuf-conform: running a THREAD clause's workers together. A barrier releases every worker at once so that
 * their calls into the implementation really overlap; the harness's per-test timeout turns a deadlock into
 * TIMEOUT, and the first outcome any thread reports ends the test (conform__finish serialises them; in a
 * worker process the test ends once its threads are joined). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef struct worker {
  conform_ctx *ctx;
  int index;
  conform_thread_fn fn;
  void *arg;
  pthread_barrier_t *start;
} worker;

static void *worker_main(void *p) {
  worker *w = p;
  pthread_barrier_wait(w->start);
  w->fn(w->ctx, w->index, w->arg);
  return NULL;
}

void conform_threads_run(conform_ctx *ctx, int nthreads, conform_thread_fn fn, void *arg) {
  if (nthreads < 1) conform_unresolved(ctx, "conform_threads_run: nthreads = %d must be >= 1", nthreads);
  pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
  worker *ws = calloc((size_t)nthreads, sizeof *ws);
  pthread_barrier_t start;
  if (!tids || !ws || pthread_barrier_init(&start, NULL, (unsigned)nthreads) != 0)
    conform_unresolved(ctx, "conform_threads_run: cannot set up %d threads", nthreads);
  for (int i = 0; i < nthreads; i++) {
    ws[i] = (worker){ctx, i, fn, arg, &start};
    int rc = pthread_create(&tids[i], NULL, worker_main, &ws[i]);
    /* Threads already started wait at the barrier forever, so the process must end with the test. */
    if (rc != 0) {
      conform__spoil_process();
      conform_unresolved(ctx, "conform_threads_run: starting thread %d of %d: %s", i, nthreads, strerror(rc));
    }
  }
  for (int i = 0; i < nthreads; i++) pthread_join(tids[i], NULL);
  pthread_barrier_destroy(&start);
  free(tids);
  free(ws);
  conform__frame_take_pending();
}

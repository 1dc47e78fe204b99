/* zbuf reference: host memcpy spread over worker threads (parallel_copy.h).
 *
 * One job slot, guarded by one mutex: the caller that finds the slot free publishes its copy as `parts`
 * parts, wakes the workers, and copies parts itself until none is left, then waits for the parts the workers
 * took. Parts are handed out under the mutex, so a worker that wakes late sees either no part left or a part
 * of the job now in the slot, never a stale pointer. A caller that finds the slot busy copies alone. */
#include "parallel_copy.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_WORKERS = 32 };
#define MIN_PARALLEL ((size_t)2 << 20) /* below this the thread hand-off costs more than it saves */
#define MIN_PART ((size_t)512 << 10)

static struct {
  pthread_mutex_t mu;
  pthread_cond_t work; /* a part is available */
  pthread_cond_t done; /* the last part of the job finished */
  int workers;
  int busy; /* a caller owns the slot */
  char *dst;
  const char *src;
  size_t n, part, parts, next, finished;
} pool = {PTHREAD_MUTEX_INITIALIZER,
          PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER,
          0,
          0,
          NULL,
          NULL,
          0,
          0,
          0,
          0,
          0};

static pthread_once_t start_once = PTHREAD_ONCE_INIT;

/* Takes the next part (called with the lock held) and copies it with the lock released. Returns 1 when that
 * part was the last of the job to finish. */
static int copy_next_part(void) {
  size_t off = pool.next++ * pool.part;
  char *d = pool.dst + off;
  const char *s = pool.src + off;
  size_t len = pool.n - off < pool.part ? pool.n - off : pool.part;
  pthread_mutex_unlock(&pool.mu);
  memcpy(d, s, len);
  pthread_mutex_lock(&pool.mu);
  return ++pool.finished == pool.parts;
}

static void *worker_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    while (pool.next >= pool.parts) pthread_cond_wait(&pool.work, &pool.mu);
    if (copy_next_part()) pthread_cond_signal(&pool.done);
  }
  return NULL;
}

static void start_workers(void) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long want = cores > 1 ? cores - 1 : 0;
  if (want > 4) want = 4;
  const char *env = getenv("ZBUF_COPY_THREADS");
  if (env != NULL && *env != '\0') {
    char *end = NULL;
    long v = strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= 0) want = v;
  }
  if (want > MAX_WORKERS) want = MAX_WORKERS;
  int started = 0;
  for (long i = 0; i < want; i++) {
    pthread_attr_t attr;
    pthread_t t;
    if (pthread_attr_init(&attr) != 0) break;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker_main, NULL);
    pthread_attr_destroy(&attr);
    /* Fewer workers than asked (thread limits) is still correct: the caller copies what is left. */
    if (rc != 0) break;
    started++;
  }
  pthread_mutex_lock(&pool.mu);
  pool.workers = started;
  pthread_mutex_unlock(&pool.mu);
}

int zbuf__parallel_copy_workers(void) {
  pthread_once(&start_once, start_workers);
  pthread_mutex_lock(&pool.mu);
  int w = pool.workers;
  pthread_mutex_unlock(&pool.mu);
  return w;
}

void zbuf__parallel_memcpy(void *dst, const void *src, size_t n) {
  if (n < MIN_PARALLEL || zbuf__parallel_copy_workers() == 0) {
    memcpy(dst, src, n);
    return;
  }
  pthread_mutex_lock(&pool.mu);
  if (pool.busy) {
    pthread_mutex_unlock(&pool.mu);
    memcpy(dst, src, n);
    return;
  }
  pool.busy = 1;
  size_t ways = (size_t)pool.workers + 1;
  size_t part = (n + ways - 1) / ways;
  if (part < MIN_PART) part = MIN_PART;
  part = (part + 63) & ~(size_t)63; /* whole cache lines, so that two threads never write one line */
  pool.dst = dst;
  pool.src = src;
  pool.n = n;
  pool.part = part;
  pool.next = 0;
  pool.finished = 0;
  pool.parts = (n + part - 1) / part;
  pthread_cond_broadcast(&pool.work);
  while (pool.next < pool.parts) copy_next_part();
  while (pool.finished < pool.parts) pthread_cond_wait(&pool.done, &pool.mu);
  pool.parts = pool.next = pool.finished = 0;
  pool.busy = 0;
  pthread_mutex_unlock(&pool.mu);
}

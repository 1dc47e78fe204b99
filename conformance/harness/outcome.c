/* zbuf-conform: how a test's outcome leaves the process that ran it. This is the bottom layer of the test
 * side: conform_api.c, threads.c and child.c call it, and it calls none of them.
 *
 * The process reports to the parent through a pipe, one record per line: "KEY value\n", with backslash and
 * newline in the value escaped as "\\" and "\n" (runner.c undoes it).
 *
 * Two ways a test can run (child.c):
 *   alone     (--isolate, and reruns) a fresh process runs one test; its outcome is reported and the
 *             process exits, so whatever the test left behind ends with it;
 *   in frame  (a worker) the process runs test after test; conform__finish on the test's own thread jumps
 *             back to the frame the worker set up, which reports and goes on with the next test. An outcome
 *             reported from another thread of the test (the THREAD clauses' workers) is kept, that thread
 *             ends, and the test thread takes it up once it has joined them (conform__frame_take_pending). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

int conform__report_fd = -1;

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return; /* the parent is gone; nothing useful is left to do */
    }
    p += w;
    n -= (size_t)w;
  }
}

void conform__write_record(const char *key, const char *value) {
  if (conform__report_fd < 0) return;
  size_t n = strlen(value);
  char *line = malloc(strlen(key) + 2 * n + 3);
  if (!line) return;
  char *q = line;
  for (const char *k = key; *k; k++) *q++ = *k;
  *q++ = ' ';
  for (size_t i = 0; i < n; i++) {
    if (value[i] == '\\') {
      *q++ = '\\';
      *q++ = '\\';
    } else if (value[i] == '\n') {
      *q++ = '\\';
      *q++ = 'n';
    } else {
      *q++ = value[i];
    }
  }
  *q++ = '\n';
  write_all(conform__report_fd, line, (size_t)(q - line));
  free(line);
}

void conform__report(int outcome, const char *message) {
  fflush(stdout);
  fflush(stderr);
  if (message && message[0]) conform__write_record("MSG", message);
  conform__write_record("STATUS", conform__outcome_name(outcome));
}

/* ---- the frame of a worker's test ---- */

static conform__frame *frame; /* NULL outside a worker's test */
/* One outcome per test: when several threads report at once, the first wins. */
static atomic_flag claimed = ATOMIC_FLAG_INIT;
static int pending_outcome = -1; /* an outcome another thread of the test reported */
static char pending_message[sizeof frame->message];

void conform__frame_enter(conform__frame *f) {
  f->thread = pthread_self();
  f->outcome = CONFORM_PASS;
  f->spoiled = 0;
  f->message[0] = '\0';
  pending_outcome = -1;
  atomic_flag_clear(&claimed);
  frame = f;
}

void conform__frame_leave(void) { frame = NULL; }

void conform__frame_take_pending(void) {
  if (frame && pending_outcome >= 0) {
    frame->outcome = pending_outcome;
    snprintf(frame->message, sizeof frame->message, "%s", pending_message);
    siglongjmp(frame->jump, 1);
  }
}

void conform__finish(int outcome, const char *message) {
  if (!frame) {
    /* Alone: the first outcome wins; other threads wait for the process to end. */
    if (atomic_flag_test_and_set(&claimed))
      for (;;) pause();
    conform__report(outcome, message);
    _exit(0);
  }
  int first = !atomic_flag_test_and_set(&claimed);
  if (!pthread_equal(pthread_self(), frame->thread)) {
    if (first) {
      snprintf(pending_message, sizeof pending_message, "%s", message ? message : "");
      pending_outcome = outcome;
    }
    pthread_exit(NULL);
  }
  if (!first) conform__frame_take_pending(); /* a joined thread was first */
  frame->outcome = outcome;
  snprintf(frame->message, sizeof frame->message, "%s", message ? message : "");
  siglongjmp(frame->jump, 1);
}

void conform__spoil_process(void) {
  if (frame) frame->spoiled = 1;
}

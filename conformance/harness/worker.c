/* zbuf-conform: a worker process, the default way tests run (the model of Mesa's deqp-runner for GPU
 * conformance suites). A worker opens the implementation once, so one entry call, one CUDA context or one
 * Python interpreter serves a whole batch of tests, and runs the tests the parent sends it one after another,
 * reporting each before it starts the next. A crash or hang ends only this worker: the parent (runner.c)
 * gives the test its verdict and starts a fresh worker for the rest.
 *
 * Between tests the worker puts back the process-wide state a test may change through the ABI, so the next
 * test starts from what the entry call set up: the default prototype and the fault-injection counter.
 *
 * A worker of tests run alone (the reruns) makes no entry call itself: it is a warm process to fork from. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Reads one line (a test index) from fd; returns 0 at end of file or on a malformed line. */
static int read_index(int fd, size_t ntests, size_t *out) {
  char line[32];
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0;
    if (c == '\n') break;
    if (n + 1 >= sizeof line) return 0;
    line[n++] = c;
  }
  line[n] = '\0';
  char *end;
  unsigned long long v = strtoull(line, &end, 10);
  if (end == line || *end || v >= ntests) return 0;
  *out = (size_t)v;
  return 1;
}

/* The state the entry call left, to be put back after each test. */
typedef struct saved_state {
  int has_prototype;
  zbuf_impl_prototype prototype;
} saved_state;

static void save_state(const zbuf_impl *impl, saved_state *s) {
  memset(s, 0, sizeof *s);
  zbuf_error err;
  s->has_prototype = CONFORM_HAS_OP(impl, default_prototype) && CONFORM_HAS_OP(impl, set_default_prototype) &&
                     impl->default_prototype(impl, &s->prototype, &err) == ZBUF_OK;
}

/* Returns 0, or -1 when the state could not be put back (the worker must end). */
static int restore_state(const zbuf_impl *impl, const saved_state *s) {
  if (CONFORM_HAS_OP(impl, testing_fail_allocation) && (impl->capabilities & ZBUF_CAP_FAULT_INJECTION))
    impl->testing_fail_allocation(impl, 0, ZBUF_ALLOC_ANY);
  if (!s->has_prototype) return 0;
  zbuf_error err;
  zbuf_impl_prototype now;
  if (impl->default_prototype(impl, &now, &err) != ZBUF_OK) return -1;
  if (conform_device_equal(now.buffer, s->prototype.buffer) &&
      conform_device_equal(now.nd_buffer, s->prototype.nd_buffer))
    return 0;
  return impl->set_default_prototype(impl, &s->prototype, &err) == ZBUF_OK ? 0 : -1;
}

/* The worker of tests run alone: each test in a fork that makes its own entry call. */
static void alone_main(const conform__spec *spec, conform__test *const *tests, size_t ntests, int cmd_fd,
                       int fd) CONFORM__NORETURN;
static void alone_main(const conform__spec *spec, conform__test *const *tests, size_t ntests, int cmd_fd,
                       int fd) {
  if (spec->prepare) spec->prepare(spec->config);
  conform__write_record("READY", "");
  size_t index;
  while (read_index(cmd_fd, ntests, &index)) {
    char rec[160];
    snprintf(rec, sizeof rec, "%zu", index);
    conform__write_record("BEGIN", rec);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
#ifdef __linux__
      prctl(PR_SET_PDEATHSIG, SIGKILL); /* ends with this worker, as this worker ends with the run */
#endif
      close(cmd_fd);
      conform__child_run_test(spec, tests[index], fd);
    }
    int wstatus = 0;
    if (pid < 0) {
      snprintf(rec, sizeof rec, "could not be started: fork: %s", strerror(errno));
    } else {
      while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) continue;
      if (WIFSIGNALED(wstatus))
        snprintf(rec, sizeof rec, "killed by signal %d (%s) before reporting a result", WTERMSIG(wstatus),
                 strsignal(WTERMSIG(wstatus)));
      else
        snprintf(rec, sizeof rec, "exited with status %d without reporting a result", WEXITSTATUS(wstatus));
    }
    conform__write_record("ENDED", rec);
  }
  _exit(0);
}

/* The shared worker: one entry call, each test in a frame. */
static void shared_main(const conform__spec *spec, conform__test *const *tests, size_t ntests,
                        int cmd_fd) CONFORM__NORETURN;
static void shared_main(const conform__spec *spec, conform__test *const *tests, size_t ntests, int cmd_fd) {
  const zbuf_impl *impl = NULL;
  zbuf_error entry_err;
  int st = conform__open_and_describe(spec, &impl, &entry_err);
  int usable = conform__table_usable(st, impl);
  saved_state saved;
  memset(&saved, 0, sizeof saved);
  if (usable) save_state(impl, &saved);
  conform__write_record("READY", "");

  static conform__frame frame; /* static: siglongjmp must find it after the test's stack is gone */
  size_t index;
  while (read_index(cmd_fd, ntests, &index)) {
    char rec[32];
    snprintf(rec, sizeof rec, "%zu", index);
    conform__write_record("BEGIN", rec);
    conform__frame_enter(&frame);
    if (sigsetjmp(frame.jump, 0) == 0) conform__run_body(tests[index], st, impl, &entry_err);
    conform__frame_leave();
    int spoiled = frame.spoiled || (usable && restore_state(impl, &saved) != 0);
    /* SPOILED goes before the test's STATUS: once the parent has the STATUS it may hand out the next test,
     * and it must know by then that this worker will not take it. */
    if (spoiled)
      conform__write_record("SPOILED", "the test left state behind that the next one must not see");
    conform__report(frame.outcome, frame.message);
    if (spoiled) _exit(0);
  }
  conform__close_impl(st, impl);
  fflush(stdout);
  fflush(stderr);
  _exit(0);
}

void conform__worker_main(const conform__spec *spec, conform__test *const *tests, size_t ntests, int cmd_fd,
                          int fd, int alone) {
  conform__report_fd = fd;
  if (alone) alone_main(spec, tests, ntests, cmd_fd, fd);
  shared_main(spec, tests, ntests, cmd_fd);
}

/* zbuf unit tests: the runner. Usage: <test-binary> [--list] [--timeout S] [NAME-SUBSTRING]
 * Exit status: 0 all passed, 1 a failure, 77 every selected test skipped (CTest's SKIP_RETURN_CODE). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

/* Sanitizer builds: run LeakSanitizer before _exit, which would otherwise skip it, so that a leaked handle or
 * block header (not visible in zbuf_alloc_stats) fails the test that leaked it. */
#if defined(__SANITIZE_ADDRESS__)
#define ZBUF_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZBUF_TEST_LSAN 1
#endif
#endif
#ifdef ZBUF_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

enum { MAX_TESTS = 1024, EXIT_SKIP = 77 };

static struct {
  const char *name;
  const char *file;
  zbuf_test_fn fn;
} tests[MAX_TESTS];
static int ntests;

void zbuf_test_register(const char *name, const char *file, zbuf_test_fn fn) {
  if (ntests == MAX_TESTS) {
    fprintf(stderr, "too many tests (max %d)\n", MAX_TESTS);
    exit(2);
  }
  tests[ntests].name = name;
  tests[ntests].file = file;
  tests[ntests].fn = fn;
  ntests++;
}

void zbuf_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stdout, "# %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fprintf(stdout, "\n");
  fflush(stdout);
  _exit(1);
}

const char *zbuf_test_err_message(const zbuf_error *err) { return err ? err->message : ""; }

void zbuf_test_check_err(const char *file, int line, const char *expr, const zbuf_error *err, zbuf_status want) {
  if (err && (err->code != want || err->message[0] == '\0'))
    zbuf_test_fail(file, line, "%s: error struct not filled (code %s, message \"%s\")", expr,
                   zbuf_status_name(err->code), err->message);
}

void zbuf_test_skip(const char *why) {
  fprintf(stdout, "# SKIP %s\n", why);
  fflush(stdout);
  _exit(EXIT_SKIP);
}

/* Runs one test in the child: the test, then the leak check. */
static void run_child(int i) {
  tests[i].fn();
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  if (s.blocks != 0 || s.bytes != 0 || s.handles != 0) {
    fprintf(stdout, "# leak after test: %" PRId64 " blocks, %" PRId64 " bytes, %" PRId64 " handles live\n",
            s.blocks, s.bytes, s.handles);
    fflush(stdout);
    _exit(1);
  }
#ifdef ZBUF_TEST_LSAN
  if (__lsan_do_recoverable_leak_check() != 0) {
    fprintf(stdout, "# LeakSanitizer found leaks after test\n");
    fflush(stdout);
    _exit(1);
  }
#endif
  fflush(stdout);
  _exit(0);
}

/* Waits for pid for at most timeout_s seconds; kills it after that. Returns the wait status, or -1 on
 * timeout. */
static int wait_with_timeout(pid_t pid, double timeout_s) {
  struct timespec start, now, nap = {0, 2000000};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -2;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 > timeout_s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    nanosleep(&nap, NULL);
  }
}

int main(int argc, char **argv) {
  const char *filter = NULL;
  double timeout_s = 60;
  int list = 0;
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--list") == 0) {
      list = 1;
    } else if (strcmp(argv[a], "--timeout") == 0 && a + 1 < argc) {
      timeout_s = atof(argv[++a]);
    } else if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
      printf("usage: %s [--list] [--timeout SECONDS] [NAME-SUBSTRING]\n"
             "Runs each test in a child process; prints TAP. Exit 0 pass, 1 fail, 77 all skipped.\n",
             argv[0]);
      return 0;
    } else {
      filter = argv[a];
    }
  }
  int selected[MAX_TESTS], n = 0;
  for (int i = 0; i < ntests; i++)
    if (!filter || strstr(tests[i].name, filter)) selected[n++] = i;
  if (list) {
    for (int k = 0; k < n; k++) printf("%s\n", tests[selected[k]].name);
    return 0;
  }
  printf("TAP version 13\n1..%d\n", n);
  fflush(stdout);
  int failed = 0, skipped = 0;
  for (int k = 0; k < n; k++) {
    int i = selected[k];
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) run_child(i);
    int status = wait_with_timeout(pid, timeout_s);
    if (status == -1) {
      printf("not ok %d - %s # TIMEOUT after %.0f s\n", k + 1, tests[i].name, timeout_s);
      failed++;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      printf("ok %d - %s\n", k + 1, tests[i].name);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
      printf("ok %d - %s # SKIP\n", k + 1, tests[i].name);
      skipped++;
    } else if (WIFSIGNALED(status)) {
      printf("not ok %d - %s # CRASH signal %d\n", k + 1, tests[i].name, WTERMSIG(status));
      failed++;
    } else {
      printf("not ok %d - %s\n", k + 1, tests[i].name);
      failed++;
    }
    fflush(stdout);
  }
  printf("# %d tests, %d failed, %d skipped\n", n, failed, skipped);
  if (failed) return 1;
  return (n > 0 && skipped == n) ? EXIT_SKIP : 0;
}

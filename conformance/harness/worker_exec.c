/* zbuf-conform: test processes that are the user's own Python interpreter (`py:` specs with
 * ZBUF_CONFORM_PYTHON_WORKER set, which the pip-installed zbuf-conform always sets to sys.executable).
 *
 * A forked process of the run (runner.c) does not go on in the parent's image: it execs
 *   PYTHON -c BOOTSTRAP CORE --role ROLE --res-fd N --cmd-fd N --index K --impl SPEC --adapter SO
 *                       --vectors DIR --thread-budget S --tests RANGES
 * where CORE is this shared library (libzbuf_conform_core.so, found with dladdr). The bootstrap loads it with
 * ctypes (so the GIL is released while C runs) and calls zbuf_conform_worker_main, which rebuilds what the
 * parent has (the registry, from the same library, so indices agree; the selection, as registry index
 * ranges) and becomes the worker, the worker of tests alone, the probe or the test alone of worker.c and
 * child.c. The adapter then finds Python already running (Py_IsInitialized) and starts no interpreter of
 * its own; the hosted build of it (libzbuf_pyadapter_hosted.so) does not even link libpython, its symbols
 * resolve from the interpreter that loaded it, as an extension module's do. The parent stays a C program
 * that never imports the user's module, NumPy or CuPy. */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* The Python side: sys.path from the caller (the pytest plugin passes its own), then the core library and the
 * call. Run with -c so that nothing needs to be importable beyond the standard library. */
static const char bootstrap[] =
    "import ctypes, os, sys\n"
    "extra = os.environ.get('ZBUF_CONFORM_SYS_PATH')\n"
    "if extra:\n"
    "    sys.path[0:0] = [d for d in extra.split(os.pathsep) if d and d not in sys.path]\n"
    "core = ctypes.CDLL(sys.argv[1])\n"
    "args = [os.fsencode(a) for a in sys.argv[1:]]\n"
    "main = core.zbuf_conform_worker_main\n"
    "main.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]\n"
    "main.restype = ctypes.c_int\n"
    "sys.exit(main(len(args), (ctypes.c_char_p * (len(args) + 1))(*args)))\n";

static const char *const role_names[] = {"worker", "alone", "probe", "test"};

/* Where this library lies: a data object of it, given to dladdr. */
static const char core_marker = 0;

/* The selection as ranges of registry indices ("0-40,42,44-1201"): tests are one array in registration
 * order, so a test's index is its offset in it. */
static char *selection_ranges(const conform__run *run) {
  size_t cap = 64, len = 0;
  char *s = malloc(cap);
  if (!s) abort();
  s[0] = '\0';
  const conform__test *base = conform__test_at(0);
  for (size_t k = 0; k < run->n;) {
    size_t first = (size_t)(run->tests[k] - base), last = first;
    while (k + 1 < run->n && (size_t)(run->tests[k + 1] - base) == last + 1) last++, k++;
    k++;
    char part[48];
    int n = first == last ? snprintf(part, sizeof part, "%s%zu", len ? "," : "", first)
                          : snprintf(part, sizeof part, "%s%zu-%zu", len ? "," : "", first, last);
    while (len + (size_t)n + 1 > cap) cap *= 2;
    s = realloc(s, cap);
    if (!s) abort();
    memcpy(s + len, part, (size_t)n + 1);
    len += (size_t)n;
  }
  return s;
}

void conform__exec_worker(const conform__run *run, conform__exec_role role, size_t index, int res_fd,
                          int cmd_fd) {
  Dl_info info;
  if (dladdr(&core_marker, &info) == 0 || !info.dli_fname) {
    fprintf(stderr, "zbuf-conform: cannot find the path of the harness library (dladdr failed)\n");
    _exit(127);
  }
  char res[24], cmd[24], idx[24], budget[32];
  snprintf(res, sizeof res, "%d", res_fd);
  snprintf(cmd, sizeof cmd, "%d", cmd_fd);
  snprintf(idx, sizeof idx, "%zu", index);
  snprintf(budget, sizeof budget, "%.17g", conform_thread_budget_s());
  char *ranges = selection_ranges(run);
  char *argv[] = {run->spec->worker_python,
                  "-c",
                  (char *)bootstrap,
                  (char *)info.dli_fname,
                  "--role",
                  (char *)role_names[role],
                  "--res-fd",
                  res,
                  "--cmd-fd",
                  cmd,
                  "--index",
                  idx,
                  "--impl",
                  run->spec->text,
                  "--adapter",
                  run->spec->path,
                  "--vectors",
                  (char *)conform_vectors_dir(),
                  "--thread-budget",
                  budget,
                  "--tests",
                  ranges,
                  NULL};
  execv(run->spec->worker_python, argv);
  fprintf(stderr, "zbuf-conform: cannot start the Python worker %s: %s\n", run->spec->worker_python,
          strerror(errno));
  _exit(127);
}

/* Parses "a-b,c,..." into registry tests; returns the count, or 0 (with a message) on a malformed list. */
static size_t parse_ranges(const char *text, conform__test **out, size_t cap) {
  size_t n = 0, total = conform__test_count();
  const char *p = text;
  while (*p) {
    char *end;
    unsigned long long a = strtoull(p, &end, 10), b = a;
    if (end == p) return 0;
    p = end;
    if (*p == '-') {
      b = strtoull(p + 1, &end, 10);
      if (end == p + 1) return 0;
      p = end;
    }
    if (a > b || b >= total) return 0;
    for (unsigned long long i = a; i <= b; i++) {
      if (n >= cap) return 0;
      out[n++] = conform__test_at((size_t)i);
    }
    if (*p == ',')
      p++;
    else if (*p)
      return 0;
  }
  return n;
}

/* Says why the worker cannot go on, as the entry's answer (the parent reports "did not start" and exits 2),
 * then ends. */
static void refuse(int res_fd, const char *why) CONFORM__NORETURN;
static void refuse(int res_fd, const char *why) {
  fprintf(stderr, "zbuf-conform worker: %s\n", why);
  conform__report_fd = res_fd;
  char rec[ZBUF_ERROR_MESSAGE_SIZE + 32];
  snprintf(rec, sizeof rec, "%d\t%s", (int)ZBUF_EINTERNAL, why);
  conform__write_record("ENTRY", rec);
  fflush(stderr);
  _exit(3);
}

int zbuf_conform_worker_main(int argc, char **argv) {
  const char *opt[8] = {0};
  static const char *const names[8] = {"--role", "--res-fd",  "--cmd-fd",        "--index",
                                       "--impl", "--adapter", "--thread-budget", "--tests"};
  const char *vectors = NULL;
  for (int a = 1; a + 1 < argc; a += 2) {
    int known = 0;
    for (int i = 0; i < 8; i++)
      if (strcmp(argv[a], names[i]) == 0) opt[i] = argv[a + 1], known = 1;
    if (strcmp(argv[a], "--vectors") == 0) vectors = argv[a + 1], known = 1;
    if (!known) {
      fprintf(stderr, "zbuf_conform_worker_main: unknown argument %s\n", argv[a]);
      return 2;
    }
  }
  int role = -1;
  for (int i = 0; i < 4 && opt[0]; i++)
    if (strcmp(opt[0], role_names[i]) == 0) role = i;
  for (int i = 0; i < 8; i++)
    if (!opt[i] || role < 0) {
      fprintf(stderr, "zbuf_conform_worker_main: %s is missing or wrong (started by zbuf-conform only)\n",
              names[i]);
      return 2;
    }
  int res_fd = atoi(opt[1]), cmd_fd = atoi(opt[2]);
  size_t index = (size_t)strtoull(opt[3], NULL, 10);
  /* As in a forked worker: the harness's signals, not Python's (which ignores SIGPIPE, traps SIGINT). */
  signal(SIGPIPE, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  /* This process hosts the implementation: it must load the adapter itself, never exec another worker. */
  unsetenv("ZBUF_CONFORM_PYTHON_WORKER");
  setenv("ZBUF_PYADAPTER", opt[5], 1);
  if (vectors) conform__set_vectors_dir(vectors);
  conform__set_thread_budget(strtod(opt[6], NULL));
  if (conform__registry_finish() != 0) refuse(res_fd, "the clause tests did not register (see the output)");
  size_t cap = conform__test_count();
  conform__test **tests = calloc(cap + 1, sizeof *tests);
  if (!tests) abort();
  size_t n = parse_ranges(opt[7], tests, cap);
  if (n == 0 || ((role == CONFORM_EXEC_TEST) && index >= n)) refuse(res_fd, "malformed --tests or --index");
  static conform__spec spec;
  char msg[1024];
  if (conform__spec_load(opt[4], NULL, &spec, msg, sizeof msg) != 0) refuse(res_fd, msg);
  switch (role) {
    case CONFORM_EXEC_PROBE: conform__child_probe(&spec, res_fd);
    case CONFORM_EXEC_TEST: conform__child_run_test(&spec, tests[index], res_fd);
    default: conform__worker_main(&spec, tests, n, cmd_fd, res_fd, role == CONFORM_EXEC_ALONE);
  }
}

/* zbuf-conform: the command line. Loads one implementation through zbuf/impl.h, runs the selected clause
 * tests in worker processes (or each in its own child process with --isolate), prints TAP, the aliasing matrix and a summary, writes JSON and JUnit,
 * and gates on an expectations file. See docs/conformance.md. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "zbuf/version.h"
#ifdef ZBUF_WITH_MPI
#include "fleet.h"
#endif

static const char usage_text[] =
    "usage: zbuf-conform --impl SPEC [options]\n"
    "       zbuf-conform --list [--filter GLOB]...\n"
    "       zbuf-conform diff A.json B.json\n"
    "\n"
    "Runs the zbuf conformance suite against one implementation of the zbuf buffer ABI (zbuf/impl.h).\n"
    "\n"
    "SPEC:\n"
    "  ref:cpu | ref:gpu       the reference implementation built into this binary\n"
    "  lib:PATH[:CONFIG]       a shared object exporting " ZBUF_IMPL_ENTRY_SYMBOL
    "\n"
    "  py:MODULE:ATTR          a Zarr-style BufferPrototype through the Python adapter\n"
    "                          (libzbuf_pyadapter.so next to this binary, or $ZBUF_PYADAPTER)\n"
    "options:\n"
    "  --filter GLOB   run tests whose ID equals GLOB or matches it (or whose clause matches); repeatable\n"
    "  --list          print the selected test IDs with their clause (ID TAB CLAUSE) and exit\n"
    "  --json FILE     write results as JSON (schema " CONFORM_JSON_SCHEMA
    ")\n"
    "  --junit FILE    write results as JUnit XML (one testsuite per clause area)\n"
    "  --expect FILE   compare with an expectations file (" CONFORM_EXPECT_SCHEMA
    "); exit 0 iff all equal\n"
    "  --write-expect FILE  write the observed statuses as an expectations file (to start or refresh one)\n"
    "  --jobs N        run N worker processes, each with one entry call (default: the number of CPUs, at\n"
    "                  most 8; at most 64)\n"
    "  --isolate       run every test in a fresh process with its own entry call (slow; as before 1.1)\n"
    "  --timeout S     per-test limit in seconds (default 30)\n"
    "  --thread-budget S  seconds a THREAD clause's loop may run before stopping short of the contract's\n"
    "                  iteration count (default 0.5; more hunts races longer in slow implementations)\n"
    "  --vectors DIR   golden vectors folder (default: $ZBUF_CONFORM_VECTORS, else the source tree's)\n"
    "  --quiet         print only tests that did not pass/skip, and the summary\n"
    "  --mpi-timeout S under mpirun/srun (builds with MPI): seconds a rank waits for the others at the\n"
    "                  gather of results before it names the missing ranks and stops the job, exit 3\n"
    "                  (default 300)\n"
    "  --help, --version\n"
    "\n"
    "A worker runs test after test; a CRASH or TIMEOUT ends only that worker, and a FAIL or UNRESOLVED is run\n"
    "again alone before it is reported (a test whose result differs alone is named order-dependent).\n"
    "\n"
    "Statuses: PASS FAIL SKIP UNSUPPORTED UNRESOLVED CRASH TIMEOUT. Exit status: without --expect 0 iff no\n"
    "FAIL, CRASH, TIMEOUT or UNRESOLVED; with --expect 0 iff every status equals the expected one; 2 for "
    "usage\n"
    "errors and for an implementation that refuses to start; without --expect, 4 when no test ran (every\n"
    "selected test SKIP or UNSUPPORTED: an implementation that serves nothing is not conformant).\n"
    "\n"
    "Under mpirun or srun (builds with ZBUF_WITH_MPI) every rank runs the suite on its own GPU (GPU = local\n"
    "rank unless CUDA_VISIBLE_DEVICES is set; the host without one) and rank 0 prints the fleet summary and\n"
    "writes --json FILE as one fleet result (zbuf-conform-fleet/1): exit 1 when any rank differs from the\n"
    "majority or from its --expect (docs/fleet.md).\n";

/* The exit status of a run without --expect: 1 for a bad outcome, 4 when no test ran, else 0. */
static int run_status(const conform__run *run) {
  size_t ran = 0;
  for (size_t k = 0; k < run->n; k++) {
    if (conform__outcome_is_bad(run->results[k].outcome)) return 1;
    if (run->results[k].outcome == CONFORM_PASS) ran++;
  }
  return ran == 0 ? 4 : 0;
}

/* A fleet rank's end: the gather and the fleet's exit status (fleet.c); without MPI there is no fleet. */
static int fleet_end(const conform__run *r, conform__test *const *tests, size_t ntests, const char *expect,
                     const char *json, int status) {
#ifdef ZBUF_WITH_MPI
  return conform__fleet_finish(r, tests, ntests, expect, json, status);
#else
  (void)r, (void)tests, (void)ntests, (void)expect, (void)json;
  return status;
#endif
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "zbuf-conform: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(see zbuf-conform --help)\n");
  return 2;
}

/* How repro lines spell this program: as typed when found on PATH, else its absolute path, so that the
 * line works from any directory. */
static const char *command_name(const char *argv0) {
  static char path[4096];
  if (!strchr(argv0, '/')) return argv0;
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return argv0;
  path[n] = '\0';
  return path;
}

/* Seconds allowed for loading a plugin: generous, because loading may import Python packages. */
static unsigned load_timeout_s(double test_timeout_s) {
  double t = 4 * test_timeout_s;
  return t < 120 ? 120u : (unsigned)t;
}

/* Workers by default: one per CPU, at most 8 (each may hold a CUDA context or an interpreter). */
static int default_jobs(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

static void on_load_timeout(int sig) {
  static const char text[] =
      "zbuf-conform: loading the implementation did not finish in time (a plugin constructor hangs?)\n";
  (void)sig;
  ssize_t w = write(2, text, sizeof text - 1);
  (void)w;
  _exit(2);
}

/* Decides from the probe whether the run can go on; returns 0 to go on, or 2 with the reason in run->load_error
 * and run->load_status (printed, and recorded in the JSON). */
static int judge_probe(conform__run *run) {
  const conform__impl_info *in = &run->info;
  const char *spec = run->spec->text;
  if (!in->reported) {
    fprintf(stderr, "zbuf-conform: warning: %s: %s; the tests will report it\n", spec, in->crash);
    return 0;
  }
  int st = in->entry_status;
  const char *message = in->entry_message[0] ? in->entry_message : "(no message)";
  if (!conform_status_known(st)) {
    fprintf(stderr,
            "zbuf-conform: warning: %s: the entry returned status %d, outside the known set; every test "
            "will FAIL\n",
            spec, st);
    return 0;
  }
  if (st == ZBUF_ENODEV) {
    fprintf(stderr, "zbuf-conform: note: %s has no usable device here (%s); its tests will SKIP\n", spec,
            in->entry_message);
    return 0;
  }
  if (st != ZBUF_OK) {
    run->load_status = conform_status_name(st);
    run->load_error = conform__strdup(message);
    fprintf(stderr, "zbuf-conform: %s %s (%s): %s\n", spec,
            st == ZBUF_EUNSUPPORTED ? "refused to start" : "did not start: the entry failed", run->load_status,
            message);
    return 2;
  }
  if (in->table_null) {
    fprintf(stderr,
            "zbuf-conform: warning: %s: the entry returned OK but a NULL table; every test will FAIL\n",
            spec);
    return 0;
  }
  if (in->abi_version != ZBUF_IMPL_ABI_VERSION) {
    run->load_status = "ABI";
    run->load_error = conform__printf("its table is for ABI version %u, zbuf-conform speaks ABI version %u",
                                      in->abi_version, (unsigned)ZBUF_IMPL_ABI_VERSION);
    fprintf(stderr, "zbuf-conform: %s refused: %s\n", spec, run->load_error);
    return 2;
  }
  return 0;
}

/* What a run builds lives until the process ends; keeping it reachable from here (rather than freeing it just
 * before exit) is what lets leak checkers such as LeakSanitizer tell it from a real leak. */
static const char **filters;
static conform__test **selected;
static conform__spec spec;
static conform__run run;

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "diff") == 0) return conform__diff_main(argc - 2, argv + 2);
  const char *impl = NULL, *json = NULL, *junit = NULL, *expect = NULL, *write_expect = NULL;
  filters = calloc((size_t)argc + 1, sizeof *filters);
  size_t nfilters = 0;
  int list = 0, quiet = 0, isolate = 0, jobs = default_jobs(), in_fleet = 0;
  double timeout_s = 30, mpi_timeout_s = 300;
  for (int a = 1; a < argc; a++) {
    const char *o = argv[a];
    const char *v = a + 1 < argc ? argv[a + 1] : NULL;
    /* "-j4", as make and ctest spell it. */
    if (strncmp(o, "-j", 2) == 0 && o[2]) {
      o = "-j";
      v = argv[a] + 2;
      a--; /* the value is part of this argument; the increment below must not skip the next one */
    }
    int takes = strcmp(o, "--impl") == 0 || strcmp(o, "--filter") == 0 || strcmp(o, "--json") == 0 ||
                strcmp(o, "--junit") == 0 || strcmp(o, "--expect") == 0 || strcmp(o, "--jobs") == 0 ||
                strcmp(o, "-j") == 0 || strcmp(o, "--timeout") == 0 || strcmp(o, "--vectors") == 0 || strcmp(o, "--thread-budget") == 0 ||
                strcmp(o, "--write-expect") == 0 || strcmp(o, "--mpi-timeout") == 0;
    if (takes && !v) return usage_error("%s needs a value", o);
    if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
      fputs(usage_text, stdout);
      return 0;
    } else if (strcmp(o, "--version") == 0) {
      printf("zbuf-conform %s (zbuf %s, implementation ABI %u)\n", CONFORM_HARNESS_VERSION,
             ZBUF_VERSION_STRING, (unsigned)ZBUF_IMPL_ABI_VERSION);
      return 0;
    } else if (strcmp(o, "--list") == 0) {
      list = 1;
    } else if (strcmp(o, "--isolate") == 0) {
      isolate = 1;
    } else if (strcmp(o, "--quiet") == 0 || strcmp(o, "-q") == 0) {
      quiet = 1;
    } else if (strcmp(o, "--impl") == 0) {
      impl = v;
    } else if (strcmp(o, "--filter") == 0) {
      filters[nfilters++] = v;
    } else if (strcmp(o, "--json") == 0) {
      json = v;
    } else if (strcmp(o, "--junit") == 0) {
      junit = v;
    } else if (strcmp(o, "--expect") == 0) {
      expect = v;
    } else if (strcmp(o, "--write-expect") == 0) {
      write_expect = v;
    } else if (strcmp(o, "--vectors") == 0) {
      conform__set_vectors_dir(v);
    } else if (strcmp(o, "--jobs") == 0 || strcmp(o, "-j") == 0) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n < 1 || n > 64) return usage_error("--jobs %s: expected a whole number from 1 to 64", v);
      jobs = (int)n;
    } else if (strcmp(o, "--thread-budget") == 0) {
      char *end;
      double b = strtod(v, &end);
      if (*end || !(b > 0) || b > 3600)
        return usage_error("--thread-budget %s: expected a positive number of seconds (at most 3600)", v);
      conform__set_thread_budget(b);
    } else if (strcmp(o, "--mpi-timeout") == 0) {
#ifdef ZBUF_WITH_MPI
      char *end;
      mpi_timeout_s = strtod(v, &end);
      if (*end || !(mpi_timeout_s > 0))
        return usage_error("--mpi-timeout %s: expected a positive number of seconds", v);
#else
      return usage_error("%s: this zbuf-conform was built without MPI (ZBUF_WITH_MPI=OFF)", o);
#endif
    } else if (strcmp(o, "--timeout") == 0) {
      char *end;
      timeout_s = strtod(v, &end);
      if (*end || !(timeout_s > 0))
        return usage_error("--timeout %s: expected a positive number of seconds", v);
    } else {
      return usage_error("unknown argument %s", o);
    }
    if (takes) a++;
  }
  if (conform__registry_finish() != 0) return 2;

  size_t total = conform__test_count(), n = 0;
  selected = calloc(total + 1, sizeof *selected);
  if (!selected) abort();
  for (size_t i = 0; i < total; i++) {
    conform__test *t = conform__test_at(i);
    int keep = nfilters == 0;
    for (size_t f = 0; f < nfilters && !keep; f++) keep = conform__filter_match(filters[f], t);
    if (keep) selected[n++] = t;
  }
  if (list) {
    for (size_t k = 0; k < n; k++) printf("%s\t%s\n", selected[k]->id, selected[k]->clause);
    return 0;
  }
  if (!impl) return usage_error("%s", "--impl SPEC is required (ref:cpu, ref:gpu, lib:PATH, py:MODULE:ATTR)");
  if (n == 0)
    return usage_error("%s", nfilters ? "no test matches the --filter patterns" : "no tests registered");

#ifdef ZBUF_WITH_MPI
  /* Under an MPI launcher every rank runs the suite and rank 0 writes one fleet result; per-rank files would
   * collide on a shared file system. */
  if ((junit || write_expect) && zbuf_fleet_launched())
    return usage_error("%s is not available under mpirun/srun: the fleet writes --json only (run one rank "
                       "for it)",
                       junit ? "--junit" : "--write-expect");
  in_fleet = conform__fleet_begin(&argc, &argv, mpi_timeout_s, 0);
  if (in_fleet < 0) return 2;
#else
  (void)mpi_timeout_s;
#endif

  char msg[1024];
  /* Loading runs the plugin's constructors in this process; a plugin that hangs while loading (or preparing)
   * must end the run with a message, not stall it forever. */
  signal(SIGALRM, on_load_timeout);
  alarm(load_timeout_s(timeout_s));
  if (conform__spec_load(impl, argv[0], &spec, msg, sizeof msg) != 0) {
    fprintf(stderr, "zbuf-conform: %s\n", msg);
    run.load_error = msg;
    return in_fleet ? fleet_end(&run, selected, n, NULL, json, 2) : 2;
  }
  /* A process per test: the plugin warms this process (the Python adapter starts its interpreter), so that
   * every fork finds it done. Workers start their own instead, and then this process never does. */
  if (isolate && spec.prepare) spec.prepare(spec.config);
  alarm(0);
  run.spec = &spec;
  run.n = n;
  run.tests = selected;
  run.results = calloc(n, sizeof *run.results);
  run.jobs = jobs;
  run.isolate = isolate;
  run.timeout_s = timeout_s;
  run.quiet = quiet;
  run.command_name = command_name(argv[0]);
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(run.start_time, sizeof run.start_time, "%Y-%m-%dT%H:%M:%SZ", &tm);

  conform__run_probe(&run);
  int refused = judge_probe(&run);
  if (refused) {
    /* Not starting is a result too (a module a release lacks is the migration itself): recorded, no tests. */
    run.n = 0;
    if (in_fleet) return fleet_end(&run, selected, n, NULL, json, refused);
    if (json && conform__write_json(&run, json, msg, sizeof msg) != 0) fprintf(stderr, "zbuf-conform: %s\n", msg);
    return refused;
  }
  char caps[256];
  printf(
      "TAP version 13\n# zbuf-conform %s: %s = %s %s (%s); capabilities %s; prototype buffer=%s "
      "nd_buffer=%s\n",
      CONFORM_HARNESS_VERSION, spec.text, run.info.name[0] ? run.info.name : "?", run.info.version,
      run.info.description, conform_caps_str(run.info.capabilities, caps, sizeof caps),
      run.info.proto_buffer[0] ? run.info.proto_buffer : "?", run.info.proto_nd[0] ? run.info.proto_nd : "?");
  conform__run_tests(&run);
  conform__print_alias_matrix(&run, stdout);
  conform__print_summary(&run, stdout);
  fflush(stdout);
  if (in_fleet) return fleet_end(&run, selected, n, expect, json, run_status(&run));

  int rc = 0;
  if (json && conform__write_json(&run, json, msg, sizeof msg) != 0) {
    fprintf(stderr, "zbuf-conform: %s\n", msg);
    rc = 2;
  }
  if (junit && conform__write_junit(&run, junit, msg, sizeof msg) != 0) {
    fprintf(stderr, "zbuf-conform: %s\n", msg);
    rc = 2;
  }
  if (write_expect && conform__write_expectations(&run, write_expect, msg, sizeof msg) != 0) {
    fprintf(stderr, "zbuf-conform: %s\n", msg);
    rc = 2;
  }
  if (rc) return rc;
  if (expect) {
    int d = conform__check_expectations(&run, expect, stdout);
    printf("# expectations %s: %s\n", expect,
           d == 0   ? "all statuses as expected"
           : d == 1 ? "DIFFERENCES"
                    : "unreadable");
    return d;
  }
  rc = run_status(&run);
  if (rc == 4) {
    /* Every selected test was SKIP or UNSUPPORTED: nothing was shown to work. An implementation that claims
     * nothing (or has no usable device here) is not conformant; an expectations file that says so on
     * purpose (--expect) is the way to accept such a run. */
    fprintf(stderr,
            "zbuf-conform: no test ran: all %zu selected tests of %s were SKIP or UNSUPPORTED (0 PASS, 0 FAIL); "
            "an implementation that serves nothing is not conformant (exit 4; use --expect to accept it)\n",
            n, spec.text);
    return 4;
  }
  return rc;
}

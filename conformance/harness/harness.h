/* zbuf-conform internals shared by the harness's files: the test registry, implementation specs, the child
 * protocol, results and the reports. Clause tests never include this; they use conform.h. */
#ifndef ZBUF_CONFORM_HARNESS_H
#define ZBUF_CONFORM_HARNESS_H

#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>

#include "conform.h"

#define CONFORM_HARNESS_VERSION "1.0.0"
#define CONFORM_JSON_SCHEMA "zbuf-conform/1"
#define CONFORM_EXPECT_SCHEMA "zbuf-expect/1"

/* ---- outcomes ---- */
typedef enum conform__outcome {
  CONFORM_PASS = 0,
  CONFORM_FAIL,
  CONFORM_SKIP,
  CONFORM_UNSUPPORTED,
  CONFORM_UNRESOLVED,
  CONFORM_CRASH,
  CONFORM_TIMEOUT,
  CONFORM_OUTCOME_COUNT
} conform__outcome;

/* "PASS", ...; NULL outside the set. */
const char *conform__outcome_name(int outcome);
/* The outcome named by text (exact, upper case), or -1. */
int conform__outcome_parse(const char *text);
/* Whether an outcome makes a run without --expect fail (FAIL, CRASH, TIMEOUT, UNRESOLVED). */
int conform__outcome_is_bad(int outcome);

/* Sets what conform_thread_budget_s() answers (--thread-budget). */
void conform__set_thread_budget(double seconds);

/* ---- registry (registry.c) ---- */
typedef struct conform__test {
  char *id; /* "CLAUSE[variant]" or "CLAUSE" */
  char *clause;
  char *variant;
  char *label;         /* variant without its device part */
  uint64_t needs_caps; /* as registered plus the caps of the variant's devices */
  conform_fn fn;
  const void *data;
  const char *file;
  int line;
  char *unresolved_why; /* conform_register_unresolved: the reason, reported as UNRESOLVED */
  int ndevices;         /* 0, 1 or 2 devices named by the variant */
  DLDevice devices[2];
} conform__test;

/* Runs the registrars once (idempotent). Returns 0, or -1 after printing registration errors (duplicates,
 * malformed variants) to stderr. */
int conform__registry_finish(void);
size_t conform__test_count(void);
conform__test *conform__test_at(size_t i);
void conform__set_vectors_dir(const char *dir);
/* Area of a clause for grouping (JUnit suites, counts): the clause without its trailing number,
 * "BUF-COPY-001" -> "BUF-COPY". Writes into out. */
const char *conform__clause_area(const char *clause, char *out, size_t out_size);
/* Whether a --filter pattern selects the test: the exact ID, or a glob on the ID or on the clause. */
int conform__filter_match(const char *pattern, const conform__test *t);

/* ---- implementation specs (impl_loader.c) ---- */
typedef struct conform__spec {
  char *text;   /* as given: "ref:cpu", "lib:/x/y.so:cfg", "py:mod:attr" */
  char *path;   /* shared object, NULL for ref: */
  char *config; /* entry config or NULL */
  void *dl;     /* dlopen handle */
  zbuf_impl_entry_fn entry;
  zbuf_impl_prepare_fn prepare; /* optional (ZBUF_IMPL_PREPARE_SYMBOL): warms a process that forks instances */
  char *worker_python; /* py: with ZBUF_CONFORM_PYTHON_WORKER: test processes exec this interpreter
                          (worker_exec.c) and the parent loads nothing (path is then the hosted adapter) */
} conform__spec;

/* Parses and loads (dlopen + dlsym) a spec in the parent; the entry is called only in children. Returns 0, or
 * -1 with a message in msg. argv0 locates the Python adapter next to the binary. */
int conform__spec_load(const char *text, const char *argv0, conform__spec *out, char *msg, size_t msg_size);

/* ---- outcomes (outcome.c): the bottom layer of the test side ---- */
/* Where a worker runs one test: conform__finish on the test's thread jumps back here. */
typedef struct conform__frame {
  sigjmp_buf jump;
  pthread_t thread;  /* the test's own thread */
  int outcome;       /* the test's outcome; PASS while the body runs */
  int spoiled;       /* the process was left in an unknown state: the worker ends after this test */
  char message[4400];
} conform__frame;

/* The report pipe of this test process (child or worker). */
extern int conform__report_fd;
/* Writes one record "KEY value\n" to the report pipe, escaping newlines and backslashes in value; a no-op
 * when no pipe is set. */
void conform__write_record(const char *key, const char *value);
/* Flushes stdout and stderr, then writes MSG (when message is not empty) and STATUS. */
void conform__report(int outcome, const char *message);
/* Ends the running test with an outcome: a test alone reports it and exits the process; a test in a frame
 * jumps back to the frame (from another of its threads: the outcome is kept and that thread ends). */
void conform__finish(int outcome, const char *message) CONFORM__NORETURN;
void conform__frame_enter(conform__frame *f);
void conform__frame_leave(void);
/* In a frame, once the test's threads are joined: ends the test with the outcome one of them reported. */
void conform__frame_take_pending(void);
/* In a frame: the test leaves state behind that the next test must not see (threads it could not join). */
void conform__spoil_process(void);

/* ---- process roles (child.c, worker.c) ---- */
/* Runs test t alone in this (child) process, after its own entry call, and _exits; reports go to fd. */
void conform__child_run_test(const conform__spec *spec, const conform__test *t, int fd) CONFORM__NORETURN;
/* Calls the entry, describes the implementation on fd and _exits (the probe of --isolate runs). */
void conform__child_probe(const conform__spec *spec, int fd) CONFORM__NORETURN;
/* Whether an entry's answer is a table usable beyond its fixed header (what describing and shutting down
 * need), and its shutdown when it is. */
int conform__table_usable(int st, const zbuf_impl *impl);
void conform__close_impl(int st, const zbuf_impl *impl);
/* Calls the entry and describes the implementation on fd; returns the entry's status and table. */
int conform__open_and_describe(const conform__spec *spec, const zbuf_impl **impl, zbuf_error *err);
/* Runs test t's checks and body against an implementation opened by entry_status/impl/entry_err; returns
 * when the body returns (PASS); every other outcome goes through conform__finish. */
void conform__run_body(const conform__test *t, int entry_status, const zbuf_impl *impl,
                       const zbuf_error *entry_err);
/* A worker: one entry call, described on fd and followed by "READY"; then reads test indices (decimal, one
 * per line) from cmd_fd and runs each in a frame, reporting "BEGIN index", the test's records and "STATUS";
 * at end of file it shuts the implementation down and _exits. A test that spoils the process reports
 * "SPOILED" before its STATUS, then the worker exits.
 * With `alone`, the worker makes no entry call: it prepares the plugin (spec->prepare), says "READY", and
 * runs each test alone in a fork of itself that makes its own entry call, then says "ENDED how" once that
 * fork has ended. */
void conform__worker_main(const conform__spec *spec, conform__test *const *tests, size_t ntests, int cmd_fd,
                          int fd, int alone) CONFORM__NORETURN;

/* ---- test processes that are the user's Python (worker_exec.c) ---- */
typedef enum conform__exec_role {
  CONFORM_EXEC_WORKER = 0, /* conform__worker_main */
  CONFORM_EXEC_ALONE,      /* conform__worker_main with `alone` */
  CONFORM_EXEC_PROBE,      /* conform__child_probe */
  CONFORM_EXEC_TEST        /* conform__child_run_test of the selection's test `index` */
} conform__exec_role;
struct conform__run;
/* In a forked process of the run, its pipes in place: execs spec->worker_python, which loads this library and
 * plays the role through zbuf_conform_worker_main. Does not return (exit 127 when the exec fails). */
void conform__exec_worker(const struct conform__run *run, conform__exec_role role, size_t index, int res_fd,
                          int cmd_fd) CONFORM__NORETURN;
/* The exec'd process's entry, called through ctypes; returns 2 only on arguments it cannot use. */
int zbuf_conform_worker_main(int argc, char **argv);

/* ---- what the probe learnt about the implementation ---- */
typedef struct conform__impl_info {
  int reported;     /* the probe child reported at all */
  int entry_status; /* what the entry returned */
  char entry_message[ZBUF_ERROR_MESSAGE_SIZE];
  int table_null;
  unsigned abi_version, struct_size;
  char name[128], version[128], description[512];
  uint64_t capabilities;
  char proto_buffer[48], proto_nd[48];
  char crash[256]; /* how the probe ended when it did not report */
} conform__impl_info;

/* ---- results (runner.c) ---- */
/* Whether a result came out differently in a shared worker and alone: it depends on what ran before it. */
#define CONFORM__ORDER_DEPENDENT(r) ((r)->shared_outcome >= 0 && (r)->shared_outcome != (r)->outcome)
typedef struct conform__result {
  int outcome;
  char *message; /* reason or failure text; may be multi-line; never NULL after a run */
  char *output;  /* tail of the child's stdout/stderr; may be empty */
  double duration_s;
  int shared_outcome;   /* -1, or what the test gave in a shared worker before it was rerun alone */
  char *shared_message; /* the shared run's message, when rerun */
} conform__result;

typedef struct conform__alias {
  char *op, *memory;
  int n_alias, n_copy;
} conform__alias;

typedef struct conform__run {
  const conform__spec *spec;
  conform__impl_info info;
  size_t n;                 /* selected tests */
  conform__test **tests;    /* n entries */
  conform__result *results; /* n entries */
  conform__alias *aliases;
  size_t naliases;
  int jobs;
  int isolate; /* 1: a fresh process (and entry call) per test; 0: --jobs long-lived workers */
  double timeout_s;
  int quiet;
  char start_time[32]; /* ISO 8601 UTC */
  double duration_s;
  const char *command_name; /* how to spell zbuf-conform in repro lines */
  const char *load_error;   /* the implementation did not start: why (then no test ran) */
  const char *load_status;  /* its status name, e.g. "EUNSUPPORTED" */
  size_t entry_calls;       /* processes that called the entry: probe, workers, tests alone */
  size_t workers;           /* workers started */
  size_t reruns;            /* tests rerun alone after a failure in a shared worker */
  struct conform__pool *pool; /* the processes of the run (runner.c) */
} conform__run;

/* Fills run->info from the first entry call: a probe child (--isolate), else the first worker, which stays
 * for the tests. */
void conform__run_probe(conform__run *run);
/* Runs the selected tests, prints TAP and progress. */
void conform__run_tests(conform__run *run);
/* "zbuf-conform --impl 'SPEC' --filter 'ID'" into a malloc'd string. */
char *conform__repro(const conform__run *run, const char *id);
/* Records one alias observation (parent side). */
void conform__alias_add(conform__run *run, const char *op, const char *memory, int aliased);

/* ---- reports (report.c, report_json.c, report_junit.c) ---- */
void conform__print_alias_matrix(const conform__run *run, FILE *f);
void conform__print_summary(const conform__run *run, FILE *f);
int conform__write_json(const conform__run *run, const char *path, char *msg, size_t msg_size);
int conform__write_junit(const conform__run *run, const char *path, char *msg, size_t msg_size);
/* Compares with an expectations file; prints FIX/REGRESSION/CHANGED/NEW/UNMATCHED. Returns 0 when all equal,
 * 1 when something differs, 2 when the file cannot be read. */
int conform__check_expectations(const conform__run *run, const char *path, FILE *f);
/* Writes the observed statuses as an expectations file (--write-expect), to start or refresh one. */
int conform__write_expectations(const conform__run *run, const char *path, char *msg, size_t msg_size);
/* The `diff A.json B.json` subcommand; returns the exit status. */
int conform__diff_main(int argc, char **argv);

/* ---- the fleet (fleet.c, ZBUF_WITH_MPI builds only): zbuf-conform as one rank of an MPI job ---- */
/* Starts MPI when an MPI launcher started this process (or `forced`), chooses the rank's GPU and quiets the
 * stdout of ranks other than 0. Returns 1 in a fleet, 0 when not launched, -1 (said) when MPI fails. */
int conform__fleet_begin(int *argc, char ***argv, double timeout_s, int forced);
/* Checks the rank's expectations, gathers every rank's record to rank 0, which prints the fleet summary and
 * writes the fleet JSON to `json` (when not NULL); ends MPI. Returns the fleet's exit status, the same on
 * every rank: 0 when every rank agrees with the majority and meets its expectations (or, without --expect,
 * exited 0); 1 otherwise; 2 when the JSON cannot be written. */
int conform__fleet_finish(const conform__run *run, conform__test *const *tests, size_t ntests,
                          const char *expect, const char *json, int exit_status);

/* ---- small helpers (util.c) ---- */
char *conform__strdup(const char *s);
char *conform__printf(const char *fmt, ...) CONFORM__PRINTF(1, 2);
double conform__now(void); /* monotonic seconds */
/* Reads a whole file into a malloc'd NUL-terminated string; NULL with errno set on failure. */
char *conform__read_file(const char *path);

#endif

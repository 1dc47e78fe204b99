/* zbuf-conform: the scheduler, in the parent process. It never calls the entry itself: every entry call
 * happens in a process it forks, so that neither a crash nor CUDA or Python state can reach it.
 *
 * Two modes:
 *   workers   (default) --jobs long-lived worker processes (worker.c), each with one entry call, are handed
 *             tests one at a time. A CRASH or TIMEOUT ends only that worker: the test keeps its verdict and
 *             a fresh worker goes on with the rest. A FAIL or UNRESOLVED is run again alone in a fresh
 *             process before it is reported; the result is the lone run's, and both are recorded, so that a
 *             test whose result depends on what ran before it in the same process is named.
 *   isolate   (--isolate) a fresh process, with its own entry call, per test.
 * Each process's report records and its stdout/stderr come through two pipes; the per-test timeout kills
 * the process group; TAP is printed in test order as results complete. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

enum { OUTPUT_TAIL = 8192, REPORT_MAX = 1 << 20, PROGRESS_EVERY = 50 };
#define NO_TEST ((size_t)-1)

typedef struct strbuf {
  char *p;
  size_t n, cap;
} strbuf;

static void sb_append(strbuf *b, const char *s, size_t n, size_t limit, int keep_tail) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->n + n + 1) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) abort();
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
  if (b->n > limit) {
    if (keep_tail) {
      memmove(b->p, b->p + (b->n - limit), limit);
      b->n = limit;
      b->p[b->n] = '\0';
    } else {
      b->n = limit;
      b->p[b->n] = '\0';
    }
  }
}

/* Reads what is available; closes the fd at end of file. */
static void drain(int *fd, strbuf *b, size_t limit, int keep_tail) {
  char chunk[4096];
  while (*fd >= 0) {
    ssize_t n = read(*fd, chunk, sizeof chunk);
    if (n > 0) {
      sb_append(b, chunk, (size_t)n, limit, keep_tail);
    } else if (n == 0) {
      close(*fd);
      *fd = -1;
    } else {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        close(*fd);
        *fd = -1;
      }
      return;
    }
  }
}

/* Undoes the escaping of conform__write_record in place. */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && r[1] == 'n') {
      *w++ = '\n';
      r++;
    } else if (*r == '\\' && r[1] == '\\') {
      *w++ = '\\';
      r++;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

/* Calls fn(key, value) for each complete record of the report stream. */
static void each_record(char *text, void (*fn)(void *arg, const char *key, char *value), void *arg) {
  char *line = text;
  while (line && *line) {
    char *nl = strchr(line, '\n');
    if (!nl) break; /* an incomplete last line: the child died while writing it */
    *nl = '\0';
    char *sp = strchr(line, ' ');
    if (sp) {
      *sp = '\0';
      unescape(sp + 1);
      fn(arg, line, sp + 1);
    }
    line = nl + 1;
  }
}

static char *describe_end(int wstatus) {
  if (WIFSIGNALED(wstatus)) {
    int sig = WTERMSIG(wstatus);
    return conform__printf("killed by signal %d (%s) before reporting a result", sig, strsignal(sig));
  }
  if (WIFEXITED(wstatus))
    return conform__printf("exited with status %d without reporting a result", WEXITSTATUS(wstatus));
  return conform__strdup("ended without reporting a result");
}

/* What one test's records say. */
typedef struct test_parse {
  int outcome;
  char *message;
  strbuf notes;
  strbuf aliases; /* "op TAB memory TAB 0|1" lines, applied once the result is final */
} test_parse;

static void on_test_record(void *arg, const char *key, char *value) {
  test_parse *p = arg;
  if (strcmp(key, "STATUS") == 0) {
    p->outcome = conform__outcome_parse(value);
  } else if (strcmp(key, "MSG") == 0) {
    free(p->message);
    p->message = conform__strdup(value);
  } else if (strcmp(key, "NOTE") == 0) {
    sb_append(&p->notes, "note: ", 6, REPORT_MAX, 0);
    sb_append(&p->notes, value, strlen(value), REPORT_MAX, 0);
    sb_append(&p->notes, "\n", 1, REPORT_MAX, 0);
  } else if (strcmp(key, "ALIAS") == 0) {
    sb_append(&p->aliases, value, strlen(value), REPORT_MAX, 0);
    sb_append(&p->aliases, "\n", 1, REPORT_MAX, 0);
  }
}

static void apply_aliases(conform__run *run, char *lines) {
  for (char *line = lines; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    char *t1 = strchr(line, '\t');
    char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (t1 && t2) {
      *t1 = *t2 = '\0';
      conform__alias_add(run, line, t1 + 1, atoi(t2 + 1) != 0);
    }
    line = nl ? nl + 1 : NULL;
  }
}

static void on_probe_record(void *arg, const char *key, char *value) {
  conform__impl_info *in = arg;
  if (strcmp(key, "ENTRY") == 0) {
    char *tab = strchr(value, '\t');
    in->entry_status = atoi(value);
    snprintf(in->entry_message, sizeof in->entry_message, "%s", tab ? tab + 1 : "");
    in->reported = 1;
    in->table_null = 1; /* until the table is described */
  } else if (strcmp(key, "ABI") == 0) {
    in->abi_version = (unsigned)strtoul(value, NULL, 10);
    in->table_null = 0;
  } else if (strcmp(key, "SIZE") == 0) {
    in->struct_size = (unsigned)strtoul(value, NULL, 10);
  } else if (strcmp(key, "NAME") == 0) {
    snprintf(in->name, sizeof in->name, "%s", value);
  } else if (strcmp(key, "VERSION") == 0) {
    snprintf(in->version, sizeof in->version, "%s", value);
  } else if (strcmp(key, "DESC") == 0) {
    snprintf(in->description, sizeof in->description, "%s", value);
  } else if (strcmp(key, "CAPS") == 0) {
    in->capabilities = strtoull(value, NULL, 10);
  } else if (strcmp(key, "PROTO") == 0) {
    char *tab = strchr(value, '\t');
    if (tab) *tab = '\0';
    snprintf(in->proto_buffer, sizeof in->proto_buffer, "%s", value);
    snprintf(in->proto_nd, sizeof in->proto_nd, "%s", tab ? tab + 1 : "");
  }
}

typedef enum proc_kind { PROC_FREE = 0, PROC_PROBE, PROC_ALONE, PROC_WORKER } proc_kind;

/* A process of the run. */
typedef struct proc {
  proc_kind kind;
  pid_t pid;
  int res_fd, out_fd, cmd_fd; /* reports in, stdout/stderr in, test indices out (workers) */
  strbuf res;   /* report stream: all of it (probe, alone), or what is not yet handled (worker) */
  strbuf cur;   /* worker: the current test's records */
  strbuf out;   /* stdout/stderr tail since the current test began */
  size_t test;  /* the test it runs, or NO_TEST */
  int ready;    /* worker: its entry call returned and it described the implementation */
  int quitting; /* worker: told to end, or ending by itself (SPOILED) */
  int alone;    /* worker: runs each test alone in a fork of itself (reruns) */
  double start; /* when the current test, or the entry call, began */
} proc;

struct conform__pool {
  proc *procs; /* run->jobs slots */
  size_t next; /* next test to hand out */
  size_t *reruns;
  size_t nreruns, rerun_head;
  char *done;
  int any_ready;           /* some worker's entry call succeeded */
  int entry_failures;      /* workers that died or hung in their entry call */
  int entry_verdict;       /* -1, or the outcome every remaining test gets: the entry call itself fails */
  char entry_message[512]; /* why, for entry_verdict */
};

static void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* Forks a process of the given kind (for PROC_ALONE, running test `index`). Returns 0, or -1 with errno. */
static int spawn(conform__run *run, proc *p, proc_kind kind, size_t index, int alone) {
  int rp[2], op[2], cp[2] = {-1, -1};
  memset(p, 0, sizeof *p);
  p->res_fd = p->out_fd = p->cmd_fd = -1;
  if (pipe(rp) != 0) return -1;
  if (pipe(op) != 0) {
    close(rp[0]), close(rp[1]);
    return -1;
  }
  if (kind == PROC_WORKER && pipe(cp) != 0) {
    close(rp[0]), close(rp[1]), close(op[0]), close(op[1]);
    return -1;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(rp[0]), close(rp[1]), close(op[0]), close(op[1]);
    if (cp[0] >= 0) close(cp[0]), close(cp[1]);
    return -1;
  }
  if (pid == 0) {
    /* Its own process group, so that a timeout also ends whatever the implementation started. */
    setpgid(0, 0);
#ifdef __linux__
    /* Own process group means the terminal's Ctrl-C does not reach the child; this ends it with the parent.
     */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    close(rp[0]);
    close(op[0]);
    if (cp[1] >= 0) close(cp[1]);
    /* Other workers' pipes, inherited through fork, must not keep them open. */
    for (int s = 0; s < run->jobs && run->pool; s++) {
      proc *o = &run->pool->procs[s];
      if (o == p) continue;
      close_fd(&o->res_fd), close_fd(&o->out_fd), close_fd(&o->cmd_fd);
    }
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    /* The implementation's own prints must not corrupt the TAP stream: they go to the parent, which shows
     * them with the result. */
    dup2(op[1], 1);
    dup2(op[1], 2);
    close(op[1]);
    if (run->spec->worker_python)
      conform__exec_worker(run,
                           kind == PROC_PROBE   ? CONFORM_EXEC_PROBE
                           : kind == PROC_ALONE ? CONFORM_EXEC_TEST
                           : alone              ? CONFORM_EXEC_ALONE
                                                : CONFORM_EXEC_WORKER,
                           index, rp[1], cp[0]);
    if (kind == PROC_PROBE) conform__child_probe(run->spec, rp[1]);
    if (kind == PROC_ALONE) conform__child_run_test(run->spec, run->tests[index], rp[1]);
    conform__worker_main(run->spec, run->tests, run->n, cp[0], rp[1], alone);
  }
  setpgid(pid, pid); /* also here: whichever runs first wins the race, the other is harmless */
  close(rp[1]);
  close(op[1]);
  if (cp[0] >= 0) close(cp[0]);
  set_nonblocking(rp[0]);
  set_nonblocking(op[0]);
  p->kind = kind;
  p->pid = pid;
  p->res_fd = rp[0];
  p->out_fd = op[0];
  p->cmd_fd = cp[1];
  p->test = kind == PROC_ALONE ? index : NO_TEST;
  p->alone = alone;
  p->start = conform__now();
  if (kind == PROC_WORKER && !alone) run->workers++;
  /* A worker of tests alone calls the entry once per test it is handed (hand_out). */
  if (kind == PROC_PROBE || (kind == PROC_WORKER && !alone) ||
      (kind == PROC_ALONE && !run->tests[index]->unresolved_why))
    run->entry_calls++;
  return 0;
}

static void free_proc(proc *p) {
  close_fd(&p->res_fd), close_fd(&p->out_fd), close_fd(&p->cmd_fd);
  free(p->res.p), free(p->cur.p), free(p->out.p);
  memset(p, 0, sizeof *p);
  p->kind = PROC_FREE;
  p->res_fd = p->out_fd = p->cmd_fd = -1;
}

static int rerun_worthy(int outcome) { return outcome == CONFORM_FAIL || outcome == CONFORM_UNRESOLVED; }

/* Settles the test p runs from its records (NULL when there are none): the outcome they report, else
 * TIMEOUT, else CRASH saying how the process ended (end_why). A FAIL or UNRESOLVED from a shared worker is
 * queued to run again alone rather than settled. */
static void conclude(conform__run *run, proc *p, char *records, const char *end_why, int timed_out) {
  struct conform__pool *pool = run->pool;
  size_t k = p->test;
  conform__result *r = &run->results[k];
  test_parse t = {-1, NULL, {0}, {0}};
  if (records) each_record(records, on_test_record, &t);
  int outcome;
  if (timed_out) {
    outcome = CONFORM_TIMEOUT;
    free(t.message);
    t.message = conform__printf("did not finish within %g s (killed)", run->timeout_s);
  } else if (t.outcome < 0) {
    outcome = CONFORM_CRASH;
    free(t.message);
    t.message = conform__strdup(end_why ? end_why : "ended without reporting a result");
  } else {
    outcome = t.outcome;
  }
  const char *msg = t.message ? t.message : "";
  char *message =
      t.notes.n ? conform__printf("%s%s%s", msg, msg[0] ? "\n" : "", t.notes.p) : conform__strdup(msg);
  size_t len = strlen(message);
  if (len && message[len - 1] == '\n') message[len - 1] = '\0'; /* the notes block's last newline */
  double duration = conform__now() - p->start;

  if (p->kind == PROC_WORKER && !p->alone && rerun_worthy(outcome)) {
    r->shared_outcome = outcome;
    free(r->shared_message);
    r->shared_message = message;
    pool->reruns[pool->nreruns++] = k;
  } else {
    free(r->message), free(r->output);
    r->outcome = outcome;
    r->message = message;
    r->output = conform__strdup(p->out.p ? p->out.p : "");
    r->duration_s = duration;
    if (t.aliases.p) apply_aliases(run, t.aliases.p);
    pool->done[k] = 1;
  }
  free(t.message), free(t.notes.p), free(t.aliases.p);
  p->test = NO_TEST;
  p->out.n = 0;
  if (p->out.p) p->out.p[0] = '\0';
}

/* Every test not yet handed out gets the verdict of a failed entry call (tests that cannot be built keep
 * their own UNRESOLVED, as they never reach the entry). */
static void settle_remaining(conform__run *run) {
  struct conform__pool *pool = run->pool;
  for (; pool->next < run->n; pool->next++) {
    size_t k = pool->next;
    conform__result *r = &run->results[k];
    const conform__test *t = run->tests[k];
    r->outcome = t->unresolved_why ? CONFORM_UNRESOLVED : pool->entry_verdict;
    r->message = conform__strdup(t->unresolved_why ? t->unresolved_why : pool->entry_message);
    r->output = conform__strdup("");
    pool->done[k] = 1;
  }
}

/* A worker died or hung before it was ready. The first time nothing has worked yet, or once more workers
 * failed so than the run has slots, the entry call itself is judged broken. */
static void entry_failed(conform__run *run, int outcome, const char *why) {
  struct conform__pool *pool = run->pool;
  pool->entry_failures++;
  if (pool->entry_verdict < 0 && (!pool->any_ready || pool->entry_failures > run->jobs)) {
    pool->entry_verdict = outcome;
    snprintf(pool->entry_message, sizeof pool->entry_message, "the entry call %s (one entry call per worker)",
             why);
    if (!run->info.reported && !run->info.crash[0])
      snprintf(run->info.crash, sizeof run->info.crash, "the entry call %s", why);
  }
}

/* Handles the complete report lines a worker sent. */
static void worker_lines(conform__run *run, proc *p) {
  char *start = p->res.p;
  if (!start) return;
  char *line = start;
  for (char *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
    size_t n = (size_t)(nl - line) + 1;
    if (!p->ready) {
      *nl = '\0';
      char *sp = strchr(line, ' ');
      if (sp) {
        *sp = '\0';
        unescape(sp + 1);
        if (strcmp(line, "READY") == 0) {
          p->ready = 1;
          run->pool->any_ready = 1;
        } else if (run->workers == 1 || !run->info.reported) {
          on_probe_record(&run->info, line, sp + 1);
        }
      }
      continue;
    }
    if (strncmp(line, "BEGIN ", 6) == 0) continue;
    if (strncmp(line, "ENDED ", 6) == 0) {
      /* A worker of tests alone saw its fork end: without a STATUS before, the test crashed. */
      *nl = '\0';
      unescape(line + 6);
      if (p->test != NO_TEST) conclude(run, p, p->cur.p, line + 6, 0);
      p->cur.n = 0;
      if (p->cur.p) p->cur.p[0] = '\0';
      continue;
    }
    if (strncmp(line, "SPOILED ", 8) == 0) {
      p->quitting = 1;
      continue;
    }
    sb_append(&p->cur, line, n, REPORT_MAX, 0);
    /* A test alone ends when its fork has ended (ENDED), after whatever it reported. */
    if (strncmp(line, "STATUS ", 7) == 0 && p->test != NO_TEST && !p->alone) {
      /* What the worker printed before STATUS is in the output pipe already: take all of it first. */
      drain(&p->out_fd, &p->out, OUTPUT_TAIL, 1);
      conclude(run, p, p->cur.p, NULL, 0);
      p->cur.n = 0;
      p->cur.p[0] = '\0';
    }
  }
  size_t rest = p->res.n - (size_t)(line - start);
  memmove(start, line, rest);
  p->res.n = rest;
  start[rest] = '\0';
}

/* Kills a process and its group, and reaps it. */
static void kill_proc(proc *p, int *wstatus) {
  kill(-p->pid, SIGKILL);
  kill(p->pid, SIGKILL);
  waitpid(p->pid, wstatus, 0);
}

/* Looks after one process: reads what it sent, notices its end and its deadline. */
static void tend(conform__run *run, proc *p) {
  if (p->kind == PROC_FREE) return;
  /* A worker's stream holds many tests' records; the records it has handled are dropped as it goes. */
  size_t limit = p->kind == PROC_WORKER ? REPORT_MAX * 4 : REPORT_MAX;
  drain(&p->res_fd, &p->res, limit, 0);
  drain(&p->out_fd, &p->out, OUTPUT_TAIL, 1);
  if (p->kind == PROC_WORKER) worker_lines(run, p);
  int wstatus = 0, timed_out = 0;
  pid_t r = waitpid(p->pid, &wstatus, WNOHANG);
  if (r != p->pid) {
    if (p->kind == PROC_WORKER && p->ready && p->test == NO_TEST && !p->quitting) return; /* idle */
    if (conform__now() - p->start <= run->timeout_s) return;
    kill_proc(p, &wstatus);
    timed_out = 1;
  }
  drain(&p->res_fd, &p->res, limit, 0);
  drain(&p->out_fd, &p->out, OUTPUT_TAIL, 1);
  char *end = describe_end(wstatus);
  if (p->kind == PROC_PROBE) {
    if (p->res.p) each_record(p->res.p, on_probe_record, &run->info);
    if (timed_out)
      snprintf(run->info.crash, sizeof run->info.crash, "the entry call did not return within %g s",
               run->timeout_s);
    else if (!run->info.reported)
      snprintf(run->info.crash, sizeof run->info.crash, "the probe calling the entry %s", end);
  } else if (p->kind == PROC_ALONE) {
    conclude(run, p, p->res.p, end, timed_out);
  } else {
    worker_lines(run, p);
    if (!p->ready) {
      char *d = timed_out ? conform__printf("did not return within %g s", run->timeout_s)
                          : conform__printf("ended: %s", end);
      entry_failed(run, timed_out ? CONFORM_TIMEOUT : CONFORM_CRASH, d);
      free(d);
    } else if (p->test != NO_TEST) {
      conclude(run, p, p->cur.p, end, timed_out);
    }
  }
  free(end);
  free_proc(p);
}

/* Waits until some process has something to say or a deadline may have passed, then tends them all. */
static void step(conform__run *run) {
  struct conform__pool *pool = run->pool;
  struct pollfd *fds = calloc((size_t)run->jobs * 2 + 1, sizeof *fds);
  if (!fds) abort();
  nfds_t nfds = 0;
  int busy = 0;
  for (int s = 0; s < run->jobs; s++) {
    proc *p = &pool->procs[s];
    if (p->kind == PROC_FREE) continue;
    busy = 1;
    if (p->res_fd >= 0) fds[nfds++] = (struct pollfd){p->res_fd, POLLIN, 0};
    if (p->out_fd >= 0) fds[nfds++] = (struct pollfd){p->out_fd, POLLIN, 0};
  }
  /* 20 ms also bounds how late a process that closed its pipes is reaped and a timeout noticed. */
  if (busy) poll(fds, nfds, 20);
  free(fds);
  for (int s = 0; s < run->jobs; s++) tend(run, &pool->procs[s]);
}

static struct conform__pool *pool_new(conform__run *run) {
  struct conform__pool *pool = calloc(1, sizeof *pool);
  if (!pool) abort();
  pool->procs = calloc((size_t)run->jobs, sizeof *pool->procs);
  pool->reruns = calloc(run->n + 1, sizeof *pool->reruns);
  pool->done = calloc(run->n + 1, 1);
  if (!pool->procs || !pool->reruns || !pool->done) abort();
  for (int s = 0; s < run->jobs; s++) free_proc(&pool->procs[s]);
  pool->entry_verdict = -1;
  for (size_t k = 0; k < run->n; k++) run->results[k].shared_outcome = -1;
  return pool;
}

void conform__run_probe(conform__run *run) {
  if (run->jobs < 1) run->jobs = 1;
  memset(&run->info, 0, sizeof run->info);
  run->pool = pool_new(run);
  proc *p = &run->pool->procs[0];
  if (spawn(run, p, run->isolate ? PROC_PROBE : PROC_WORKER, 0, 0) != 0) {
    snprintf(run->info.crash, sizeof run->info.crash, "cannot start the probe: %s", strerror(errno));
    return;
  }
  while (p->kind != PROC_FREE && !(p->kind == PROC_WORKER && p->ready)) step(run);
}
char *conform__repro(const conform__run *run, const char *id) {
  /* Single quotes keep '[' and '>' of IDs away from the shell; a quote inside becomes '\''. */
  strbuf b = {0};
  const char *parts[] = {run->command_name, " --impl ", run->spec->text, " --filter ", id};
  for (int i = 0; i < 5; i++) {
    int quote = i == 2 || i == 4;
    if (quote) sb_append(&b, "'", 1, REPORT_MAX, 0);
    for (const char *c = parts[i]; *c; c++) {
      if (quote && *c == '\'')
        sb_append(&b, "'\\''", 4, REPORT_MAX, 0);
      else
        sb_append(&b, c, 1, REPORT_MAX, 0);
    }
    if (quote) sb_append(&b, "'", 1, REPORT_MAX, 0);
  }
  return b.p;
}

/* Prints text as TAP diagnostic lines ("#   ..."). */
static void print_diag(const char *prefix, const char *text) {
  const char *line = text;
  while (line && *line) {
    const char *nl = strchr(line, '\n');
    int n = nl ? (int)(nl - line) : (int)strlen(line);
    printf("#   %s%.*s\n", prefix, n, line);
    line = nl ? nl + 1 : NULL;
  }
}

static void print_tap(const conform__run *run, size_t k) {
  const conform__test *t = run->tests[k];
  const conform__result *r = &run->results[k];
  int o = r->outcome;
  if (o == CONFORM_PASS) {
    if (!run->quiet) printf("ok %zu - %s\n", k + 1, t->id);
  } else if (o == CONFORM_SKIP || o == CONFORM_UNSUPPORTED) {
    if (!run->quiet) {
      /* The first line only: TAP directives are one line. */
      const char *nl = strchr(r->message, '\n');
      int n = nl ? (int)(nl - r->message) : (int)strlen(r->message);
      printf("ok %zu - %s # SKIP %s%.*s\n", k + 1, t->id, o == CONFORM_UNSUPPORTED ? "UNSUPPORTED: " : "", n,
             r->message);
    }
  } else {
    printf("not ok %zu - %s # %s\n", k + 1, t->id, conform__outcome_name(o));
    print_diag("", r->message);
    if (r->output && r->output[0]) print_diag("output| ", r->output);
    char *repro = conform__repro(run, t->id);
    printf("#   repro: %s\n", repro);
    free(repro);
  }
  if (CONFORM__ORDER_DEPENDENT(r)) {
    printf("#   order-dependent: %s in a shared worker, %s alone; the shared run said:\n",
           conform__outcome_name(r->shared_outcome), conform__outcome_name(o));
    print_diag("  ", r->shared_message);
  }
}

/* Set by SIGINT/SIGTERM: the run stops, kills its processes and exits, rather than leaving them behind. */
static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig) { interrupted = sig; }

static void kill_all_and_exit(conform__run *run) {
  for (int s = 0; s < run->jobs; s++) {
    proc *p = &run->pool->procs[s];
    if (p->kind != PROC_FREE) kill_proc(p, NULL);
  }
  fflush(stdout);
  fprintf(stderr, "zbuf-conform: interrupted by signal %d; running tests killed\n", (int)interrupted);
  _exit(128 + (int)interrupted);
}

/* Hands a test to an idle worker; 0, or -1 when the worker cannot be reached (it is then ending). */
static int hand_out(conform__run *run, proc *p, size_t k) {
  char line[32];
  int n = snprintf(line, sizeof line, "%zu\n", k);
  if (write(p->cmd_fd, line, (size_t)n) != n) return -1;
  p->test = k;
  p->start = conform__now();
  if (p->alone) run->entry_calls++, run->reruns++;
  return 0;
}

static void quit(proc *p) {
  close_fd(&p->cmd_fd);
  p->quitting = 1;
  p->start = conform__now(); /* its shutdown gets a test's time limit */
}

static int waiting_for_work(const proc *p) {
  return p->kind == PROC_WORKER && !p->quitting && (!p->ready || p->test == NO_TEST);
}

/* Gives every free slot and idle worker something to do: reruns to workers of tests alone, the rest to
 * shared workers (or, with --isolate, to a process each). */
static void schedule(conform__run *run) {
  struct conform__pool *pool = run->pool;
  if (pool->entry_verdict >= 0) settle_remaining(run);
  int waiting = 0, waiting_alone = 0, shared_busy = 0, shared_alive = 0;
  for (int s = 0; s < run->jobs; s++) {
    proc *p = &pool->procs[s];
    if (waiting_for_work(p)) *(p->alone ? &waiting_alone : &waiting) += 1;
    if (p->kind == PROC_WORKER && !p->alone && p->test != NO_TEST) shared_busy = 1;
    if (p->kind == PROC_WORKER && !p->alone && !p->quitting) shared_alive = 1;
  }
  for (int s = 0; s < run->jobs; s++) {
    proc *p = &pool->procs[s];
    if (p->kind == PROC_WORKER && p->ready && p->test == NO_TEST && !p->quitting) {
      if (p->alone) {
        waiting_alone--;
        if (pool->rerun_head < pool->nreruns) {
          if (hand_out(run, p, pool->reruns[pool->rerun_head]) == 0) pool->rerun_head++;
        } else if ((pool->next >= run->n && !shared_busy) || (pool->next < run->n && !shared_alive)) {
          /* Nothing left to rerun, or the slot is wanted for a shared worker (with --jobs 1 it is the only
           * one): a later rerun starts another worker of tests alone. */
          quit(p);
        }
      } else {
        waiting--;
        if (pool->next < run->n && hand_out(run, p, pool->next) == 0)
          pool->next++;
        else
          quit(p);
      }
    }
    if (p->kind != PROC_FREE) continue;
    int started = 0;
    if (pool->nreruns - pool->rerun_head > (size_t)waiting_alone) {
      started = spawn(run, p, PROC_WORKER, 0, 1) == 0;
      if (started) waiting_alone++;
    } else if (run->isolate && pool->next < run->n) {
      started = spawn(run, p, PROC_ALONE, pool->next, 0) == 0;
      if (started) pool->next++;
    } else if (!run->isolate && pool->next + (size_t)waiting < run->n && pool->entry_verdict < 0) {
      started = spawn(run, p, PROC_WORKER, 0, 0) == 0;
      if (started) waiting++;
    } else {
      continue;
    }
    if (started) continue;
    /* Nothing could be forked: the test at hand is settled without it, so that the run still ends (a rerun
     * keeps its shared result; a fresh test is UNRESOLVED). */
    size_t k = pool->rerun_head < pool->nreruns ? pool->reruns[pool->rerun_head++] : pool->next++;
    if (k >= run->n) continue;
    conform__result *r = &run->results[k];
    r->outcome = r->shared_outcome >= 0 ? r->shared_outcome : CONFORM_UNRESOLVED;
    free(r->message);
    r->message = conform__printf("%s%sthe harness could not start a process: %s",
                                 r->shared_message ? r->shared_message : "", r->shared_message ? "\n" : "",
                                 strerror(errno));
    r->output = conform__strdup("");
    pool->done[k] = 1;
  }
}

void conform__run_tests(conform__run *run) {
  struct conform__pool *pool = run->pool;
  int tty = isatty(2);
  size_t printed = 0;
  double t0 = conform__now();
  printf("1..%zu\n", run->n);
  fflush(stdout);
  signal(SIGINT, on_interrupt);
  signal(SIGTERM, on_interrupt);
  signal(SIGPIPE, SIG_IGN); /* a worker that died between tests must not end the run */
  while (printed < run->n) {
    if (interrupted) kill_all_and_exit(run);
    schedule(run);
    step(run);
    while (printed < run->n && pool->done[printed]) {
      print_tap(run, printed);
      printed++;
      if (!run->quiet && (tty || printed % PROGRESS_EVERY == 0 || printed == run->n)) {
        fflush(stdout);
        fprintf(stderr, "# %zu/%zu\n", printed, run->n);
      }
    }
    fflush(stdout);
  }
  /* Workers shut their implementation down when told to quit; one that does not end in time is killed. */
  for (int s = 0; s < run->jobs; s++)
    if (pool->procs[s].kind == PROC_WORKER) quit(&pool->procs[s]);
  for (;;) {
    int alive = 0;
    for (int s = 0; s < run->jobs; s++) alive |= pool->procs[s].kind != PROC_FREE;
    if (!alive) break;
    if (interrupted) kill_all_and_exit(run);
    step(run);
  }
  run->duration_s = conform__now() - t0;
}

void conform__alias_add(conform__run *run, const char *op, const char *memory, int aliased) {
  for (size_t i = 0; i < run->naliases; i++) {
    conform__alias *a = &run->aliases[i];
    if (strcmp(a->op, op) == 0 && strcmp(a->memory, memory) == 0) {
      if (aliased)
        a->n_alias++;
      else
        a->n_copy++;
      return;
    }
  }
  conform__alias *na = realloc(run->aliases, (run->naliases + 1) * sizeof *na);
  if (!na) abort();
  run->aliases = na;
  conform__alias *a = &run->aliases[run->naliases++];
  a->op = conform__strdup(op);
  a->memory = conform__strdup(memory);
  a->n_alias = aliased ? 1 : 0;
  a->n_copy = aliased ? 0 : 1;
}

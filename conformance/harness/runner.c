/* zbuf-conform: the scheduler. Forks one child per test (up to --jobs at once), collects each child's report
 * records and its stdout/stderr through two pipes, enforces the per-test timeout by killing the child's
 * process group, and prints TAP in test order as results complete. Modelled on libuv's runner: isolation by
 * process, a verdict for every way a child can end. */
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

typedef struct job {
  pid_t pid;
  size_t index; /* index into run->tests; SIZE_MAX for the probe */
  int res_fd, out_fd;
  strbuf res, out;
  double start;
} job;

static void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static int spawn(const conform__run *run, job *j, size_t index) {
  int rp[2], op[2];
  memset(j, 0, sizeof *j);
  j->index = index;
  if (pipe(rp) != 0) return -1;
  if (pipe(op) != 0) {
    close(rp[0]);
    close(rp[1]);
    return -1;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(rp[0]), close(rp[1]), close(op[0]), close(op[1]);
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
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    /* The implementation's own prints must not corrupt the TAP stream: they go to the parent, which shows
     * them with the result. */
    dup2(op[1], 1);
    dup2(op[1], 2);
    close(op[1]);
    if (index == SIZE_MAX)
      conform__child_probe(run->spec, rp[1]);
    else
      conform__child_run_test(run->spec, run->tests[index], rp[1]);
  }
  setpgid(pid, pid); /* also here: whichever runs first wins the race, the other is harmless */
  close(rp[1]);
  close(op[1]);
  set_nonblocking(rp[0]);
  set_nonblocking(op[0]);
  j->pid = pid;
  j->res_fd = rp[0];
  j->out_fd = op[0];
  j->start = conform__now();
  return 0;
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

typedef struct test_parse {
  conform__run *run;
  int outcome;
  char *message;
  strbuf notes;
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
    char *t1 = strchr(value, '\t');
    char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (t1 && t2) {
      *t1 = *t2 = '\0';
      conform__alias_add(p->run, value, t1 + 1, atoi(t2 + 1) != 0);
    }
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

static void finish_test(conform__run *run, job *j, int wstatus, int timed_out) {
  conform__result *r = &run->results[j->index];
  test_parse p = {run, -1, NULL, {0}};
  if (j->res.p) each_record(j->res.p, on_test_record, &p);
  r->duration_s = conform__now() - j->start;
  if (timed_out) {
    r->outcome = CONFORM_TIMEOUT;
    free(p.message);
    p.message = conform__printf("did not finish within %g s (killed)", run->timeout_s);
  } else if (p.outcome < 0) {
    r->outcome = CONFORM_CRASH;
    free(p.message);
    p.message = describe_end(wstatus);
  } else {
    r->outcome = p.outcome;
  }
  const char *msg = p.message ? p.message : "";
  if (p.notes.n)
    r->message = conform__printf("%s%s%s", msg, msg[0] ? "\n" : "", p.notes.p);
  else
    r->message = conform__strdup(msg);
  /* Drop the trailing newline of the notes block. */
  size_t len = strlen(r->message);
  if (len && r->message[len - 1] == '\n') r->message[len - 1] = '\0';
  r->output = conform__strdup(j->out.p ? j->out.p : "");
  free(p.message);
  free(p.notes.p);
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

/* Waits for one job with a deadline; returns 1 when it timed out (and was killed). */
static int wait_job(job *j, double timeout_s, int *wstatus) {
  for (;;) {
    struct pollfd fds[2];
    int nfds = 0;
    if (j->res_fd >= 0) fds[nfds++] = (struct pollfd){j->res_fd, POLLIN, 0};
    if (j->out_fd >= 0) fds[nfds++] = (struct pollfd){j->out_fd, POLLIN, 0};
    if (nfds) poll(fds, (nfds_t)nfds, 20);
    drain(&j->res_fd, &j->res, REPORT_MAX, 0);
    drain(&j->out_fd, &j->out, OUTPUT_TAIL, 1);
    pid_t r = waitpid(j->pid, wstatus, WNOHANG);
    if (r == j->pid) {
      drain(&j->res_fd, &j->res, REPORT_MAX, 0);
      drain(&j->out_fd, &j->out, OUTPUT_TAIL, 1);
      return 0;
    }
    if (!nfds) {
      struct timespec nap = {0, 5000000};
      nanosleep(&nap, NULL);
    }
    if (conform__now() - j->start > timeout_s) {
      kill(-j->pid, SIGKILL);
      kill(j->pid, SIGKILL);
      waitpid(j->pid, wstatus, 0);
      drain(&j->res_fd, &j->res, REPORT_MAX, 0);
      drain(&j->out_fd, &j->out, OUTPUT_TAIL, 1);
      return 1;
    }
  }
}

static void close_job(job *j) {
  if (j->res_fd >= 0) close(j->res_fd);
  if (j->out_fd >= 0) close(j->out_fd);
  free(j->res.p);
  free(j->out.p);
  memset(j, 0, sizeof *j);
  j->res_fd = j->out_fd = -1;
}

void conform__run_probe(conform__run *run) {
  job j;
  memset(&run->info, 0, sizeof run->info);
  if (spawn(run, &j, SIZE_MAX) != 0) {
    snprintf(run->info.crash, sizeof run->info.crash, "cannot start the probe: %s", strerror(errno));
    return;
  }
  int wstatus = 0;
  int timed_out = wait_job(&j, run->timeout_s, &wstatus);
  if (j.res.p) each_record(j.res.p, on_probe_record, &run->info);
  if (timed_out)
    snprintf(run->info.crash, sizeof run->info.crash, "the entry call did not return within %g s",
             run->timeout_s);
  else if (!run->info.reported) {
    char *d = describe_end(wstatus);
    snprintf(run->info.crash, sizeof run->info.crash, "the probe calling the entry %s", d);
    free(d);
  }
  close_job(&j);
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
}

/* Set by SIGINT/SIGTERM: the run stops, kills its children and exits, rather than leaving them behind. */
static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig) { interrupted = sig; }

static void kill_all_and_exit(job *slots, int jobs) {
  for (int s = 0; s < jobs; s++) {
    if (slots[s].pid == 0) continue;
    kill(-slots[s].pid, SIGKILL);
    kill(slots[s].pid, SIGKILL);
    waitpid(slots[s].pid, NULL, 0);
  }
  fflush(stdout);
  fprintf(stderr, "zbuf-conform: interrupted by signal %d; running tests killed\n", (int)interrupted);
  _exit(128 + (int)interrupted);
}

void conform__run_tests(conform__run *run) {
  int jobs = run->jobs > 0 ? run->jobs : 1;
  job *slots = calloc((size_t)jobs, sizeof *slots);
  char *done = calloc(run->n + 1, 1);
  if (!slots || !done) abort();
  for (int i = 0; i < jobs; i++) slots[i].pid = 0;
  int tty = isatty(2);
  size_t next = 0, printed = 0;
  int active = 0;
  double t0 = conform__now();
  printf("1..%zu\n", run->n);
  fflush(stdout);
  signal(SIGINT, on_interrupt);
  signal(SIGTERM, on_interrupt);
  while (printed < run->n) {
    if (interrupted) kill_all_and_exit(slots, jobs);
    for (int s = 0; s < jobs && next < run->n; s++) {
      if (slots[s].pid != 0) continue;
      if (spawn(run, &slots[s], next) != 0) {
        conform__result *r = &run->results[next];
        r->outcome = CONFORM_UNRESOLVED;
        r->message = conform__printf("the harness could not start a child: %s", strerror(errno));
        r->output = conform__strdup("");
        done[next] = 1;
        slots[s].pid = 0;
      } else {
        active++;
      }
      next++;
    }
    struct pollfd fds[128];
    nfds_t nfds = 0;
    for (int s = 0; s < jobs && nfds + 2 <= 128; s++) {
      if (slots[s].pid == 0) continue;
      if (slots[s].res_fd >= 0) fds[nfds++] = (struct pollfd){slots[s].res_fd, POLLIN, 0};
      if (slots[s].out_fd >= 0) fds[nfds++] = (struct pollfd){slots[s].out_fd, POLLIN, 0};
    }
    if (active > 0) {
      if (nfds)
        poll(fds, nfds, 10);
      else {
        struct timespec nap = {0, 2000000};
        nanosleep(&nap, NULL);
      }
    }
    for (int s = 0; s < jobs; s++) {
      job *j = &slots[s];
      if (j->pid == 0) continue;
      drain(&j->res_fd, &j->res, REPORT_MAX, 0);
      drain(&j->out_fd, &j->out, OUTPUT_TAIL, 1);
      int wstatus = 0, timed_out = 0;
      pid_t r = waitpid(j->pid, &wstatus, WNOHANG);
      if (r != j->pid) {
        if (conform__now() - j->start <= run->timeout_s) continue;
        kill(-j->pid, SIGKILL);
        kill(j->pid, SIGKILL);
        waitpid(j->pid, &wstatus, 0);
        timed_out = 1;
      }
      drain(&j->res_fd, &j->res, REPORT_MAX, 0);
      drain(&j->out_fd, &j->out, OUTPUT_TAIL, 1);
      finish_test(run, j, wstatus, timed_out);
      done[j->index] = 1;
      active--;
      close_job(j);
      j->pid = 0;
    }
    while (printed < run->n && done[printed]) {
      print_tap(run, printed);
      printed++;
      if (!run->quiet && (tty || printed % PROGRESS_EVERY == 0 || printed == run->n)) {
        fflush(stdout);
        fprintf(stderr, "# %zu/%zu\n", printed, run->n);
      }
    }
    fflush(stdout);
  }
  run->duration_s = conform__now() - t0;
  free(slots);
  free(done);
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

/* zbuf-conform: machine-readable results (schema zbuf-conform/1, written with cJSON) and the `diff`
 * subcommand that compares two such files (statuses, messages, tests on one side, per clause), for migration
 * checks between implementations or versions. */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "zbuf/version.h"

/* First "model name" of /proc/cpuinfo, else the machine type from uname. */
static void cpu_model(char *out, size_t size) {
  struct utsname u;
  snprintf(out, size, "%s", uname(&u) == 0 ? u.machine : "unknown");
  char *info = conform__read_file("/proc/cpuinfo");
  if (!info) return;
  char *line = strstr(info, "model name");
  if (line) {
    char *colon = strchr(line, ':');
    char *nl = strchr(line, '\n');
    if (colon && (!nl || colon < nl)) {
      colon++;
      while (*colon == ' ' || *colon == '\t') colon++;
      if (nl) *nl = '\0';
      snprintf(out, size, "%s", colon);
    }
  }
  free(info);
}

/* "PRETTY_NAME (sysname release)". */
static void os_name(char *out, size_t size) {
  struct utsname u;
  char pretty[256] = "";
  char *rel = conform__read_file("/etc/os-release");
  if (rel) {
    char *p = strstr(rel, "PRETTY_NAME=");
    if (p) {
      p += strlen("PRETTY_NAME=");
      if (*p == '"') p++;
      size_t n = strcspn(p, "\"\n");
      snprintf(pretty, sizeof pretty, "%.*s", (int)n, p);
    }
    free(rel);
  }
  if (uname(&u) == 0)
    snprintf(out, size, "%s%s%s %s%s", pretty, pretty[0] ? " (" : "", u.sysname, u.release,
             pretty[0] ? ")" : "");
  else
    snprintf(out, size, "%s", pretty[0] ? pretty : "unknown");
}

int conform__write_json(const conform__run *run, const char *path, char *msg, size_t msg_size) {
  char buf[512];
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "schema", CONFORM_JSON_SCHEMA);

  cJSON *impl = cJSON_AddObjectToObject(root, "impl");
  cJSON_AddStringToObject(impl, "spec", run->spec->text);
  cJSON_AddStringToObject(impl, "name", run->info.name);
  cJSON_AddStringToObject(impl, "version", run->info.version);
  cJSON_AddStringToObject(impl, "description", run->info.description);
  cJSON_AddNumberToObject(impl, "abi_version", run->info.abi_version);
  cJSON *caps = cJSON_AddArrayToObject(impl, "capabilities");
  char names[512];
  conform_caps_str(run->info.capabilities, names, sizeof names);
  for (char *tok = strtok(names, ","); tok; tok = strtok(NULL, ","))
    cJSON_AddItemToArray(caps, cJSON_CreateString(tok));
  cJSON *proto = cJSON_AddObjectToObject(impl, "prototype");
  cJSON_AddStringToObject(proto, "buffer", run->info.proto_buffer);
  cJSON_AddStringToObject(proto, "nd_buffer", run->info.proto_nd);

  cJSON *machine = cJSON_AddObjectToObject(root, "machine");
  if (gethostname(buf, sizeof buf) != 0) snprintf(buf, sizeof buf, "unknown");
  buf[sizeof buf - 1] = '\0';
  cJSON_AddStringToObject(machine, "hostname", buf);
  cpu_model(buf, sizeof buf);
  cJSON_AddStringToObject(machine, "cpu", buf);
  cJSON_AddNumberToObject(machine, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
  os_name(buf, sizeof buf);
  cJSON_AddStringToObject(machine, "os", buf);

  cJSON_AddStringToObject(root, "zbuf_version", ZBUF_VERSION_STRING);
  cJSON_AddStringToObject(root, "harness_version", CONFORM_HARNESS_VERSION);
  cJSON_AddStringToObject(root, "start_time", run->start_time);
  cJSON_AddNumberToObject(root, "duration_s", run->duration_s);
  cJSON_AddNumberToObject(root, "timeout_s", run->timeout_s);
  if (run->load_error) {
    /* The implementation did not start: that is the result (a module a release does not have, say). */
    cJSON *le = cJSON_AddObjectToObject(root, "load_error");
    cJSON_AddStringToObject(le, "status", run->load_status ? run->load_status : "");
    cJSON_AddStringToObject(le, "message", run->load_error);
  }
  cJSON *exec = cJSON_AddObjectToObject(root, "execution");
  cJSON_AddStringToObject(exec, "mode", run->isolate ? "isolate" : "workers");
  cJSON_AddNumberToObject(exec, "jobs", run->jobs);
  cJSON_AddNumberToObject(exec, "entry_calls", (double)run->entry_calls);
  cJSON_AddNumberToObject(exec, "workers", (double)run->workers);
  cJSON_AddNumberToObject(exec, "reruns", (double)run->reruns);
  cJSON *order = cJSON_AddArrayToObject(exec, "order_dependent");

  cJSON *tests = cJSON_AddArrayToObject(root, "tests");
  size_t counts[CONFORM_OUTCOME_COUNT] = {0};
  for (size_t k = 0; k < run->n; k++) {
    const conform__test *t = run->tests[k];
    const conform__result *r = &run->results[k];
    counts[r->outcome]++;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", t->id);
    cJSON_AddStringToObject(o, "clause", t->clause);
    cJSON_AddStringToObject(o, "variant", t->variant);
    cJSON_AddStringToObject(o, "status", conform__outcome_name(r->outcome));
    cJSON_AddStringToObject(o, "message", r->message ? r->message : "");
    if (r->output && r->output[0]) cJSON_AddStringToObject(o, "output", r->output);
    cJSON_AddNumberToObject(o, "duration_s", r->duration_s);
    if (r->shared_outcome >= 0) {
      /* Failed in a shared worker and ran again alone: status is the lone run's. */
      cJSON *shared = cJSON_AddObjectToObject(o, "shared_run");
      cJSON_AddStringToObject(shared, "status", conform__outcome_name(r->shared_outcome));
      cJSON_AddStringToObject(shared, "message", r->shared_message ? r->shared_message : "");
      cJSON_AddBoolToObject(o, "order_dependent", CONFORM__ORDER_DEPENDENT(r));
      if (CONFORM__ORDER_DEPENDENT(r)) cJSON_AddItemToArray(order, cJSON_CreateString(t->id));
    }
    char *repro = conform__repro(run, t->id);
    cJSON_AddStringToObject(o, "repro", repro);
    free(repro);
    cJSON_AddItemToArray(tests, o);
  }

  cJSON *aliasing = cJSON_AddArrayToObject(root, "aliasing");
  for (size_t i = 0; i < run->naliases; i++) {
    const conform__alias *a = &run->aliases[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", a->op);
    cJSON_AddStringToObject(o, "memory", a->memory);
    cJSON_AddStringToObject(o, "observed", a->n_alias && a->n_copy ? "MIXED" : a->n_alias ? "ALIAS" : "COPY");
    cJSON_AddNumberToObject(o, "alias_count", a->n_alias);
    cJSON_AddNumberToObject(o, "copy_count", a->n_copy);
    cJSON_AddItemToArray(aliasing, o);
  }

  cJSON *summary = cJSON_AddObjectToObject(root, "summary");
  cJSON_AddNumberToObject(summary, "total", (double)run->n);
  for (int o = 0; o < CONFORM_OUTCOME_COUNT; o++)
    cJSON_AddNumberToObject(summary, conform__outcome_name(o), (double)counts[o]);

  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  FILE *f = fopen(path, "w");
  if (!f) {
    snprintf(msg, msg_size, "cannot write %s", path);
    free(text);
    return -1;
  }
  int bad = fputs(text, f) < 0 || fputc('\n', f) < 0;
  bad |= fclose(f) != 0;
  free(text);
  if (bad) snprintf(msg, msg_size, "error writing %s", path);
  return bad ? -1 : 0;
}

/* ---- diff ---- */

static cJSON *load_results(const char *path) {
  char *text = conform__read_file(path);
  if (!text) {
    fprintf(stderr, "zbuf-conform diff: cannot read %s\n", path);
    return NULL;
  }
  cJSON *root = cJSON_Parse(text);
  free(text);
  const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
  if (!root || !cJSON_IsString(schema) || strcmp(schema->valuestring, CONFORM_JSON_SCHEMA) != 0 ||
      !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "tests"))) {
    fprintf(stderr, "zbuf-conform diff: %s is not a %s results file\n", path, CONFORM_JSON_SCHEMA);
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

static const cJSON *test_of(const cJSON *tests, const char *id) {
  const cJSON *t;
  cJSON_ArrayForEach(t, tests) {
    const cJSON *tid = cJSON_GetObjectItemCaseSensitive(t, "id");
    if (cJSON_IsString(tid) && strcmp(tid->valuestring, id) == 0) return t;
  }
  return NULL;
}

static const char *field(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : "";
}

/* The first line of a message, at most 160 characters, for one-line listings. */
static void first_line(const char *text, char *out, size_t size) {
  size_t n = strcspn(text, "\n");
  if (n > 160) n = 160;
  snprintf(out, size, "%.*s", (int)n, text);
}

/* Per clause: how many tests changed status, changed message, or appear on one side only. */
typedef struct clause_count {
  char clause[64];
  int status, message, only;
} clause_count;

static void count_clause(clause_count *counts, size_t *n, const char *clause, int status, int message,
                         int only) {
  size_t i = 0;
  while (i < *n && strcmp(counts[i].clause, clause) != 0) i++;
  if (i == *n) {
    snprintf(counts[i].clause, sizeof counts[i].clause, "%s", clause);
    (*n)++;
  }
  counts[i].status += status;
  counts[i].message += message;
  counts[i].only += only;
}

static const char diff_usage[] =
    "usage: zbuf-conform diff [--messages] A.json B.json\n"
    "Compares two zbuf-conform/1 result files: first every test whose status differs (CHANGED), then with\n"
    "--messages every test whose status is the same but whose message differs (MESSAGE), then the tests in\n"
    "only one file (ONLY-A, ONLY-B), then one line per clause that changed. A run whose implementation did\n"
    "not load (it records load_error) is compared as such, not test by test. Exit 0 when nothing differs, 1\n"
    "when something does, 2 on errors.\n";

int conform__diff_main(int argc, char **argv) {
  int messages = 0;
  if (argc >= 1 && strcmp(argv[0], "--messages") == 0) messages = 1, argc--, argv++;
  if (argc != 2) {
    fputs(diff_usage, stderr);
    return 2;
  }
  cJSON *a = load_results(argv[0]);
  cJSON *b = a ? load_results(argv[1]) : NULL;
  if (!a || !b) {
    cJSON_Delete(a);
    return 2;
  }
  const char *spec_a = field(cJSON_GetObjectItemCaseSensitive(a, "impl"), "spec");
  const char *spec_b = field(cJSON_GetObjectItemCaseSensitive(b, "impl"), "spec");
  const cJSON *la = cJSON_GetObjectItemCaseSensitive(a, "load_error");
  const cJSON *lb = cJSON_GetObjectItemCaseSensitive(b, "load_error");
  int differ = 0;
  if (la || lb) {
    /* An implementation that did not load has no tests to compare: the load itself is the difference. */
    if (la) printf("NOT-LOADED A: %s: %s\n", field(la, "status"), field(la, "message"));
    if (lb) printf("NOT-LOADED B: %s: %s\n", field(lb, "status"), field(lb, "message"));
    differ = !(la && lb && strcmp(field(la, "message"), field(lb, "message")) == 0);
    printf("# diff %s (%s) vs %s (%s): %s\n", argv[0], spec_a, argv[1], spec_b,
           differ ? "one did not load" : "neither loaded, for the same reason");
    cJSON_Delete(a);
    cJSON_Delete(b);
    return differ;
  }
  const cJSON *ta = cJSON_GetObjectItemCaseSensitive(a, "tests");
  const cJSON *tb = cJSON_GetObjectItemCaseSensitive(b, "tests");
  size_t nclauses = 0;
  clause_count *counts = calloc((size_t)cJSON_GetArraySize(ta) + (size_t)cJSON_GetArraySize(tb) + 1,
                                sizeof *counts);
  if (!counts) abort();
  const cJSON *t;
  char la_line[200], lb_line[200];
  cJSON_ArrayForEach(t, ta) { /* status changes */
    const char *id = field(t, "id");
    const cJSON *other = test_of(tb, id);
    if (!other || strcmp(field(t, "status"), field(other, "status")) == 0) continue;
    printf("CHANGED %s: %s -> %s\n", id, field(t, "status"), field(other, "status"));
    count_clause(counts, &nclauses, field(t, "clause"), 1, 0, 0);
    differ = 1;
  }
  cJSON_ArrayForEach(t, ta) { /* message changes under the same status */
    const char *id = field(t, "id");
    const cJSON *other = test_of(tb, id);
    if (!other || strcmp(field(t, "status"), field(other, "status")) != 0 ||
        strcmp(field(t, "message"), field(other, "message")) == 0)
      continue;
    count_clause(counts, &nclauses, field(t, "clause"), 0, 1, 0);
    if (!messages) continue;
    first_line(field(t, "message"), la_line, sizeof la_line);
    first_line(field(other, "message"), lb_line, sizeof lb_line);
    printf("MESSAGE %s [%s]: \"%s\" -> \"%s\"\n", id, field(t, "status"), la_line, lb_line);
    differ = 1;
  }
  cJSON_ArrayForEach(t, ta) { /* tests in one file only */
    if (test_of(tb, field(t, "id"))) continue;
    printf("ONLY-A %s: %s\n", field(t, "id"), field(t, "status"));
    count_clause(counts, &nclauses, field(t, "clause"), 0, 0, 1);
    differ = 1;
  }
  cJSON_ArrayForEach(t, tb) {
    if (test_of(ta, field(t, "id"))) continue;
    printf("ONLY-B %s: %s\n", field(t, "id"), field(t, "status"));
    count_clause(counts, &nclauses, field(t, "clause"), 0, 0, 1);
    differ = 1;
  }
  for (size_t i = 0; i < nclauses; i++) {
    const clause_count *c = &counts[i];
    if (!c->status && !c->only && !messages) continue; /* message changes alone are listed with --messages */
    printf("CLAUSE %s: %d status change%s, %d message change%s, %d test%s in one file only\n", c->clause,
           c->status, c->status == 1 ? "" : "s", c->message, c->message == 1 ? "" : "s", c->only,
           c->only == 1 ? "" : "s");
  }
  free(counts);
  printf("# diff %s (%s) vs %s (%s): %s\n", argv[0], spec_a, argv[1], spec_b,
         differ ? (messages ? "statuses or messages differ" : "statuses differ")
                : (messages ? "same statuses and messages" : "same statuses"));
  cJSON_Delete(a);
  cJSON_Delete(b);
  return differ;
}

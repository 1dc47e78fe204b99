/* zbuf-conform: machine-readable results (schema zbuf-conform/1, written with cJSON) and the `diff`
 * subcommand that compares two such files, for migration checks between implementations or versions. */
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

static const char *status_of(const cJSON *tests, const char *id) {
  const cJSON *t;
  cJSON_ArrayForEach(t, tests) {
    const cJSON *tid = cJSON_GetObjectItemCaseSensitive(t, "id");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "status");
    if (cJSON_IsString(tid) && strcmp(tid->valuestring, id) == 0)
      return cJSON_IsString(st) ? st->valuestring : "?";
  }
  return NULL;
}

int conform__diff_main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr,
            "usage: zbuf-conform diff A.json B.json\n"
            "Lists every test whose status differs between two zbuf-conform/1 result files, and tests "
            "present in\n"
            "only one. Exit 0 when none differ, 1 when some do, 2 on errors.\n");
    return 2;
  }
  cJSON *a = load_results(argv[0]);
  cJSON *b = a ? load_results(argv[1]) : NULL;
  if (!a || !b) {
    cJSON_Delete(a);
    return 2;
  }
  const cJSON *ta = cJSON_GetObjectItemCaseSensitive(a, "tests");
  const cJSON *tb = cJSON_GetObjectItemCaseSensitive(b, "tests");
  int differ = 0;
  const cJSON *t;
  cJSON_ArrayForEach(t, ta) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "id");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "status");
    if (!cJSON_IsString(id) || !cJSON_IsString(st)) continue;
    const char *other = status_of(tb, id->valuestring);
    if (!other) {
      printf("ONLY-A %s: %s\n", id->valuestring, st->valuestring);
      differ = 1;
    } else if (strcmp(other, st->valuestring) != 0) {
      printf("CHANGED %s: %s -> %s\n", id->valuestring, st->valuestring, other);
      differ = 1;
    }
  }
  cJSON_ArrayForEach(t, tb) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "id");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "status");
    if (!cJSON_IsString(id) || !cJSON_IsString(st)) continue;
    if (!status_of(ta, id->valuestring)) {
      printf("ONLY-B %s: %s\n", id->valuestring, st->valuestring);
      differ = 1;
    }
  }
  const cJSON *sa = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "impl"), "spec");
  const cJSON *sb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "impl"), "spec");
  printf("# diff %s (%s) vs %s (%s): %s\n", argv[0], cJSON_IsString(sa) ? sa->valuestring : "?", argv[1],
         cJSON_IsString(sb) ? sb->valuestring : "?", differ ? "statuses differ" : "same statuses");
  cJSON_Delete(a);
  cJSON_Delete(b);
  return differ;
}

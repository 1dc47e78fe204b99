/* zbuf-conform: the human-facing end of a run: the aliasing matrix, the summary line, and the comparison with
 * an expectations file (zbuf-expect/1), which is the gate CI uses. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harness.h"

/* Column order: the single kinds first, as the contract lists them, then pairs and anything else by name. */
static int memory_rank(const char *m) {
  if (strcmp(m, "cpu") == 0) return 0;
  if (strcmp(m, "cuda_host") == 0) return 1;
  if (strcmp(m, "cuda") == 0) return 2;
  return 3;
}

static int cmp_memory(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  int rx = memory_rank(x), ry = memory_rank(y);
  return rx != ry ? rx - ry : strcmp(x, y);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct values of one field of the alias records, sorted. */
static size_t distinct(const conform__run *run, int memory, const char **out) {
  size_t n = 0;
  for (size_t i = 0; i < run->naliases; i++) {
    const char *v = memory ? run->aliases[i].memory : run->aliases[i].op;
    size_t k = 0;
    while (k < n && strcmp(out[k], v) != 0) k++;
    if (k == n) out[n++] = v;
  }
  qsort(out, n, sizeof *out, memory ? cmp_memory : cmp_str);
  return n;
}

static const char *cell(const conform__run *run, const char *op, const char *memory) {
  for (size_t i = 0; i < run->naliases; i++) {
    const conform__alias *a = &run->aliases[i];
    if (strcmp(a->op, op) != 0 || strcmp(a->memory, memory) != 0) continue;
    if (a->n_alias && a->n_copy) return "MIXED";
    return a->n_alias ? "ALIAS" : "COPY";
  }
  return "n/a";
}

void conform__print_alias_matrix(const conform__run *run, FILE *f) {
  if (run->naliases == 0) {
    fprintf(f, "# aliasing matrix: no observations (no test called conform_observe_alias)\n");
    return;
  }
  const char **ops = malloc(run->naliases * sizeof *ops);
  const char **mems = malloc(run->naliases * sizeof *mems);
  if (!ops || !mems) abort();
  size_t nops = distinct(run, 0, ops), nmems = distinct(run, 1, mems);
  int w0 = 2;
  for (size_t i = 0; i < nops; i++)
    if ((int)strlen(ops[i]) > w0) w0 = (int)strlen(ops[i]);
  fprintf(f,
          "# aliasing matrix (op x memory kind: ALIAS shares memory, COPY does not, MIXED tests disagree)\n");
  fprintf(f, "# %-*s", w0, "op");
  for (size_t m = 0; m < nmems; m++) fprintf(f, "  %-10s", mems[m]);
  fprintf(f, "\n");
  for (size_t o = 0; o < nops; o++) {
    fprintf(f, "# %-*s", w0, ops[o]);
    for (size_t m = 0; m < nmems; m++) fprintf(f, "  %-10s", cell(run, ops[o], mems[m]));
    fprintf(f, "\n");
  }
  free(ops);
  free(mems);
}

void conform__print_summary(const conform__run *run, FILE *f) {
  size_t counts[CONFORM_OUTCOME_COUNT] = {0};
  for (size_t i = 0; i < run->n; i++) counts[run->results[i].outcome]++;
  fprintf(f, "# %zu tests (%s, %s):", run->n, run->spec->text, run->info.name[0] ? run->info.name : "?");
  for (int o = 0; o < CONFORM_OUTCOME_COUNT; o++)
    fprintf(f, " %zu %s%s", counts[o], conform__outcome_name(o), o + 1 < CONFORM_OUTCOME_COUNT ? "," : "");
  fprintf(f, " in %.1f s\n", run->duration_s);
  if (run->isolate)
    fprintf(f, "# %zu entry calls (a process per test, --isolate)\n", run->entry_calls);
  else
    fprintf(f, "# %zu entry calls (%zu workers, %zu tests rerun alone)\n", run->entry_calls, run->workers,
            run->reruns);
  size_t order = 0;
  for (size_t i = 0; i < run->n; i++) order += CONFORM__ORDER_DEPENDENT(&run->results[i]);
  if (!order) return;
  fprintf(f, "# %zu test%s depend%s on what ran before in the same process (result alone differs):\n", order,
          order == 1 ? "" : "s", order == 1 ? "s" : "");
  for (size_t i = 0; i < run->n; i++) {
    const conform__result *r = &run->results[i];
    if (CONFORM__ORDER_DEPENDENT(r))
      fprintf(f, "#   %s: %s in a shared worker, %s alone\n", run->tests[i]->id,
              conform__outcome_name(r->shared_outcome), conform__outcome_name(r->outcome));
  }
}

/* The expected status for test id: an exact key first, else the first glob key (in file order) matching it.
 * Returns the JSON item or NULL. */
static const cJSON *lookup(const cJSON *tests, const char *id) {
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(tests, id);
  if (e) return e;
  for (const cJSON *it = tests->child; it; it = it->next)
    if (strpbrk(it->string, "*?") && fnmatch(it->string, id, 0) == 0) return it;
  return NULL;
}

static const char *expected_status(const cJSON *e, const char **reason) {
  *reason = NULL;
  if (cJSON_IsString(e)) return e->valuestring;
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "status");
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "reason");
  if (cJSON_IsString(r)) *reason = r->valuestring;
  return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* Whether `now` is one of the statuses an expectation object lists under "also": for findings that depend on
 * timing, such as a race the test observes only when the threads happen to interleave. Returns -1 when "also"
 * is present but malformed. */
static int also_accepts(const cJSON *e, const char *now) {
  const cJSON *also = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "also") : NULL;
  if (!also) return 0;
  if (!cJSON_IsArray(also)) return -1;
  int hit = 0;
  for (const cJSON *a = also->child; a; a = a->next) {
    if (!cJSON_IsString(a) || conform__outcome_parse(a->valuestring) < 0) return -1;
    if (now && strcmp(a->valuestring, now) == 0) hit = 1;
  }
  return hit;
}

int conform__check_expectations(const conform__run *run, const char *path, FILE *f) {
  char *text = conform__read_file(path);
  if (!text) {
    fprintf(stderr, "zbuf-conform: cannot read expectations %s\n", path);
    return 2;
  }
  cJSON *root = cJSON_Parse(text);
  free(text);
  const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
  const cJSON *tests = cJSON_GetObjectItemCaseSensitive(root, "tests");
  if (!root || !cJSON_IsObject(tests) ||
      (schema && (!cJSON_IsString(schema) || strcmp(schema->valuestring, CONFORM_EXPECT_SCHEMA) != 0))) {
    fprintf(stderr,
            "zbuf-conform: %s is not a %s file (an object with \"tests\": {ID: STATUS | {status, "
            "reason}})\n",
            path, CONFORM_EXPECT_SCHEMA);
    cJSON_Delete(root);
    return 2;
  }
  int differ = 0;
  for (const cJSON *it = tests->child; it; it = it->next) {
    const char *reason;
    const char *st = expected_status(it, &reason);
    if (!st || conform__outcome_parse(st) < 0 || also_accepts(it, NULL) < 0) {
      fprintf(stderr,
              "zbuf-conform: %s: expectation for %s is not a known status (PASS, FAIL, SKIP, "
              "UNSUPPORTED, UNRESOLVED, CRASH, TIMEOUT), or its \"also\" is not a list of them\n",
              path, it->string);
      cJSON_Delete(root);
      return 2;
    }
  }
  for (size_t k = 0; k < run->n; k++) {
    const char *id = run->tests[k]->id;
    const char *now = conform__outcome_name(run->results[k].outcome);
    const cJSON *e = lookup(tests, id);
    if (!e) {
      fprintf(f, "NEW %s: %s\n", id, now);
      differ = 1;
      continue;
    }
    const char *reason;
    const char *want = expected_status(e, &reason);
    if (strcmp(want, now) == 0 || also_accepts(e, now) == 1) continue;
    differ = 1;
    if (strcmp(now, "PASS") == 0)
      fprintf(f, "FIX %s: expected %s, now PASS", id, want);
    else if (strcmp(want, "PASS") == 0)
      fprintf(f, "REGRESSION %s: expected PASS, now %s", id, now);
    else
      fprintf(f, "CHANGED %s: expected %s, now %s", id, want, now);
    if (reason) fprintf(f, " (expectation's reason: %s)", reason);
    fprintf(f, "\n");
  }
  /* Keys that select no registered test at all (a selection by --filter does not make a key unmatched). */
  for (const cJSON *it = tests->child; it; it = it->next) {
    int matched = 0;
    for (size_t i = 0; i < conform__test_count() && !matched; i++) {
      const char *id = conform__test_at(i)->id;
      matched = strcmp(it->string, id) == 0 || (strpbrk(it->string, "*?") && fnmatch(it->string, id, 0) == 0);
    }
    if (!matched) {
      fprintf(f, "UNMATCHED %s\n", it->string);
      differ = 1;
    }
  }
  cJSON_Delete(root);
  return differ;
}

int conform__write_expectations(const conform__run *run, const char *path, char *msg, size_t msg_size) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "schema", CONFORM_EXPECT_SCHEMA);
  cJSON_AddStringToObject(root, "impl", run->spec->text);
  cJSON_AddStringToObject(root, "generated", run->start_time);
  cJSON *tests = cJSON_AddObjectToObject(root, "tests");
  for (size_t k = 0; k < run->n; k++) {
    const conform__result *r = &run->results[k];
    const char *st = conform__outcome_name(r->outcome);
    if (r->outcome == CONFORM_PASS) {
      cJSON_AddStringToObject(tests, run->tests[k]->id, st);
      continue;
    }
    /* The first line of the message as the reason; a person should make it say why the status is right. */
    char reason[256];
    const char *m = r->message ? r->message : "";
    size_t n = strcspn(m, "\n");
    snprintf(reason, sizeof reason, "%.*s", (int)(n < sizeof reason - 1 ? n : sizeof reason - 1), m);
    cJSON *o = cJSON_AddObjectToObject(tests, run->tests[k]->id);
    cJSON_AddStringToObject(o, "status", st);
    cJSON_AddStringToObject(o, "reason", reason);
  }
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  FILE *f = fopen(path, "w");
  int bad = !f;
  if (f) {
    bad |= fputs(text, f) < 0 || fputc('\n', f) < 0;
    bad |= fclose(f) != 0;
  }
  free(text);
  if (bad) snprintf(msg, msg_size, "cannot write expectations %s", path);
  return bad ? -1 : 0;
}

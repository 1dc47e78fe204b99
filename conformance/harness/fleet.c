/* zbuf-conform as one rank of an MPI job (ZBUF_WITH_MPI builds; docs/fleet.md): each rank runs the suite on
 * its own GPU (or host), sends rank 0 one compact record (a line per field, one character per test status),
 * and rank 0 writes the fleet JSON (schema zbuf-conform-fleet/1) and the summary: the tests whose status
 * differs between ranks, and the ranks that differ from the majority or from their --expect. */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fleet.h"
#include "harness.h"

#define FLEET_JSON_SCHEMA "zbuf-conform-fleet/1"
/* Status letters of the record and of the JSON's "statuses" strings, in conform__outcome order; '-' is a test
 * the rank did not run (its implementation did not start). */
static const char status_letters[] = "PFSURCT";
#define NOT_RUN '-'
/* At most this many expectation differences and messages travel per rank: the summary names the rank, the
 * rank's own output has them all. */
#define MAX_LINES 64
#define MAX_TEXT 200

static zbuf_fleet fleet;
static int active;
static char gpu_pci[64] = "";

/* The n-th NVIDIA GPU of this node by PCI address (the CUDA order under CUDA_DEVICE_ORDER=PCI_BUS_ID), from
 * the driver's /proc tree; the count of them. */
static int nvidia_gpus(int n, char *pci, size_t size) {
  struct dirent **names = NULL;
  int count = scandir("/proc/driver/nvidia/gpus", &names, NULL, alphasort), gpus = 0;
  for (int i = 0; i < count; i++) {
    if (names[i]->d_name[0] != '.') {
      if (gpus == n) snprintf(pci, size, "%.*s", (int)(size - 1), names[i]->d_name);
      gpus++;
    }
    free(names[i]);
  }
  free(names);
  return gpus;
}

/* GPU = local rank (modulo the node's GPUs), unless CUDA_VISIBLE_DEVICES already chose: the rank's test
 * processes then see only that GPU, as device 0. Ranks of a node without a GPU test the host. */
static void choose_gpu(void) {
  const char *visible = getenv("CUDA_VISIBLE_DEVICES");
  if (visible) {
    snprintf(gpu_pci, sizeof gpu_pci, "CUDA_VISIBLE_DEVICES=%s", visible);
    return;
  }
  char pci[64] = "";
  int gpus = nvidia_gpus(0, pci, sizeof pci);
  if (gpus == 0) return;
  int mine = fleet.local_rank % gpus;
  nvidia_gpus(mine, gpu_pci, sizeof gpu_pci);
  char index[16];
  snprintf(index, sizeof index, "%d", mine);
  setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID", 1);
  setenv("CUDA_VISIBLE_DEVICES", index, 1);
}

int conform__fleet_begin(int *argc, char ***argv, double timeout_s, int forced) {
  if (!forced && !zbuf_fleet_launched()) return 0;
  char msg[256];
  if (zbuf_fleet_start(argc, argv, timeout_s, &fleet, msg, sizeof msg) != 0) {
    fprintf(stderr, "zbuf-conform: MPI: %s\n", msg);
    return -1;
  }
  active = 1;
  choose_gpu();
  /* One TAP stream on the job's stdout: rank 0's. The others' details are in the fleet JSON. */
  if (fleet.rank != 0 && !freopen("/dev/null", "w", stdout))
    fprintf(stderr, "zbuf-conform: cannot quiet stdout\n");
  return 1;
}

int conform__fleet_active(void) { return active; }

/* The cpus this rank may run on, "0-3,8". */
static void cpu_list(char *out, size_t size) {
  cpu_set_t set;
  size_t off = 0;
  out[0] = '\0';
  if (sched_getaffinity(0, sizeof set, &set) != 0) return;
  for (int c = 0; c < CPU_SETSIZE && off < size; c++) {
    if (!CPU_ISSET(c, &set)) continue;
    int last = c;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) last++;
    off += (size_t)snprintf(out + off, size - off, last > c ? "%s%d-%d" : "%s%d", off ? "," : "", c, last);
    c = last;
  }
}

/* FNV-1a of the selected IDs: ranks with other selections cannot be compared test by test. */
static unsigned long long ids_hash(conform__test *const *tests, size_t n) {
  unsigned long long h = 1469598103934665603ull;
  for (size_t k = 0; k < n; k++)
    for (const char *p = tests[k]->id;; p++) {
      h = (h ^ (unsigned char)*p) * 1099511628211ull;
      if (!*p) break;
    }
  return h;
}

/* Appends "key\tvalue\n" with the value's tabs and newlines turned into spaces and cut to MAX_TEXT. */
static void field(FILE *f, const char *key, const char *value) {
  fprintf(f, "%s\t", key);
  for (size_t i = 0; value && value[i] && i < MAX_TEXT; i++)
    fputc(value[i] == '\t' || value[i] == '\n' ? ' ' : value[i], f);
  fputc('\n', f);
}

/* This rank's record. */
static char *make_record(const conform__run *run, conform__test *const *tests, size_t ntests,
                         const char *expect, int expect_result, const char *expect_diff, int exit_status,
                         size_t *len) {
  char *rec = NULL, line[64], cpus[512];
  FILE *f = open_memstream(&rec, len);
  if (!f) return NULL;
  field(f, "host", fleet.host);
  fprintf(f, "rank\t%d\t%d\t%d\n", fleet.rank, fleet.local_rank, fleet.node);
  field(f, "gpu", gpu_pci);
  cpu_list(cpus, sizeof cpus);
  field(f, "cpus", cpus);
  field(f, "impl", run->spec ? run->spec->text : "");
  field(f, "impl_name", run->info.name);
  field(f, "impl_version", run->info.version);
  field(f, "load_error", run->load_error ? run->load_error : "");
  field(f, "expect", expect ? expect : "");
  fprintf(f, "expect_result\t%d\nexit\t%d\nids\t%llx\t%zu\nstatuses\t", expect_result, exit_status,
          ids_hash(tests, ntests), ntests);
  for (size_t k = 0; k < ntests; k++)
    fputc(k < run->n ? status_letters[run->results[k].outcome] : NOT_RUN, f);
  fputc('\n', f);
  int lines = 0;
  for (size_t k = 0; k < run->n && lines < MAX_LINES; k++)
    if (conform__outcome_is_bad(run->results[k].outcome)) {
      snprintf(line, sizeof line, "msg %zu", k);
      field(f, line, run->results[k].message);
      lines++;
    }
  /* The expectation differences, one line each ("REGRESSION ID: expected PASS, now FAIL"). */
  for (const char *p = expect_diff; p && *p && lines < 2 * MAX_LINES; lines++) {
    size_t n = strcspn(p, "\n");
    char *one = conform__printf("%.*s", (int)n, p);
    field(f, "xdiff", one);
    free(one);
    p += n + (p[n] == '\n');
  }
  fclose(f);
  return rec;
}

/* ---- rank 0: the records parsed, the verdict, the JSON and the summary ---- */
typedef struct rank_rec {
  const char *host, *gpu, *cpus, *impl, *impl_name, *impl_version, *load_error, *expect, *statuses;
  int rank, local_rank, node, expect_result, exit_status, same_selection, differs_majority, ndiff;
  int nlines;
  const char *lines[2 * MAX_LINES]; /* "msg K\ttext" and "xdiff\ttext" */
} rank_rec;

static const char *value_of(char *line, const char *key) {
  size_t n = strlen(key);
  return strncmp(line, key, n) == 0 && line[n] == '\t' ? line + n + 1 : NULL;
}

static void parse_record(char *text, rank_rec *r, const char *want_ids) {
  memset(r, 0, sizeof *r);
  r->host = r->gpu = r->cpus = r->impl = r->impl_name = r->impl_version = r->load_error = r->expect = "";
  r->statuses = "";
  r->expect_result = -1;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    const char *v;
    if ((v = value_of(line, "host")))
      r->host = v;
    else if ((v = value_of(line, "rank")))
      sscanf(v, "%d\t%d\t%d", &r->rank, &r->local_rank, &r->node);
    else if ((v = value_of(line, "gpu")))
      r->gpu = v;
    else if ((v = value_of(line, "cpus")))
      r->cpus = v;
    else if ((v = value_of(line, "impl")))
      r->impl = v;
    else if ((v = value_of(line, "impl_name")))
      r->impl_name = v;
    else if ((v = value_of(line, "impl_version")))
      r->impl_version = v;
    else if ((v = value_of(line, "load_error")))
      r->load_error = v;
    else if ((v = value_of(line, "expect")))
      r->expect = v;
    else if ((v = value_of(line, "expect_result")))
      r->expect_result = atoi(v);
    else if ((v = value_of(line, "exit")))
      r->exit_status = atoi(v);
    else if ((v = value_of(line, "ids")))
      r->same_selection = strcmp(v, want_ids) == 0;
    else if ((v = value_of(line, "statuses")))
      r->statuses = v;
    else if ((!strncmp(line, "msg ", 4) || !strncmp(line, "xdiff\t", 6)) && r->nlines < 2 * MAX_LINES)
      r->lines[r->nlines++] = line;
  }
}

static const char *letter_name(char c) {
  const char *at = strchr(status_letters, c);
  return c && at ? conform__outcome_name((int)(at - status_letters)) : "NOT_RUN";
}

/* The most common status of test k among the comparable ranks (ties: the earlier status letter). */
static char majority(const rank_rec *recs, int n, size_t k) {
  int counts[8] = {0};
  const char *all = "PFSURCT-";
  for (int r = 0; r < n; r++)
    if (recs[r].same_selection) counts[strchr(all, recs[r].statuses[k]) - all]++;
  int best = 0;
  for (int i = 1; i < 8; i++)
    if (counts[i] > counts[best]) best = i;
  return all[best];
}

static void put_json(FILE *out, cJSON *item, const char *sep) {
  char *text = cJSON_PrintUnformatted(item);
  fprintf(out, "%s%s", text ? text : "null", sep);
  free(text);
  cJSON_Delete(item);
}

/* Streams the fleet JSON: one line per rank and per test, so that rank 0 never holds the document. */
static int write_fleet_json(const char *path, rank_rec *recs, int n, conform__test *const *tests,
                            size_t ntests, const char *maj, int verdict) {
  char *tmp = conform__printf("%s.tmp", path);
  FILE *out = fopen(tmp, "w");
  if (!out) {
    fprintf(stderr, "zbuf-conform: cannot write %s\n", tmp);
    free(tmp);
    return -1;
  }
  fprintf(out,
          "{\"schema\": \"%s\", \"harness_version\": \"%s\", \"ranks_total\": %d, \"nodes\": %d, "
          "\"verdict\": \"%s\",\n\"status_letters\": {\"P\": \"PASS\", \"F\": \"FAIL\", \"S\": \"SKIP\", "
          "\"U\": \"UNSUPPORTED\", \"R\": \"UNRESOLVED\", \"C\": \"CRASH\", \"T\": \"TIMEOUT\", \"-\": "
          "\"NOT_RUN\"},\n\"ranks\": [\n",
          FLEET_JSON_SCHEMA, CONFORM_HARNESS_VERSION, n, fleet.nodes, verdict ? "DIFFERENT" : "SAME");
  for (int r = 0; r < n; r++) {
    const rank_rec *x = &recs[r];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", x->rank);
    cJSON_AddStringToObject(o, "host", x->host);
    cJSON_AddNumberToObject(o, "local_rank", x->local_rank);
    cJSON_AddNumberToObject(o, "node", x->node);
    cJSON_AddStringToObject(o, "gpu", x->gpu[0] ? x->gpu : "host");
    cJSON *place = cJSON_AddObjectToObject(o, "placement");
    cJSON_AddStringToObject(place, "cpus", x->cpus);
    cJSON *impl = cJSON_AddObjectToObject(o, "impl");
    cJSON_AddStringToObject(impl, "spec", x->impl);
    cJSON_AddStringToObject(impl, "name", x->impl_name);
    cJSON_AddStringToObject(impl, "version", x->impl_version);
    if (x->load_error[0]) cJSON_AddStringToObject(o, "load_error", x->load_error);
    if (x->expect[0]) {
      cJSON_AddStringToObject(o, "expect", x->expect);
      cJSON_AddBoolToObject(o, "matches_expect", x->expect_result == 0);
    }
    cJSON_AddNumberToObject(o, "exit", x->exit_status);
    cJSON_AddBoolToObject(o, "same_selection", x->same_selection);
    cJSON_AddNumberToObject(o, "tests_differing_from_majority", x->ndiff);
    cJSON *lines = cJSON_AddArrayToObject(o, "notes");
    for (int i = 0; i < x->nlines; i++) cJSON_AddItemToArray(lines, cJSON_CreateString(x->lines[i]));
    put_json(out, o, r + 1 < n ? ",\n" : "\n");
  }
  fputs("],\n\"tests\": [\n", out);
  char *statuses = malloc((size_t)n + 1);
  for (size_t k = 0; statuses && k < ntests; k++) {
    int differs = 0;
    for (int r = 0; r < n; r++) {
      statuses[r] = recs[r].same_selection ? recs[r].statuses[k] : '?';
      differs |= statuses[r] != maj[k];
    }
    statuses[n] = '\0';
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", tests[k]->id);
    cJSON_AddStringToObject(o, "clause", tests[k]->clause);
    cJSON_AddStringToObject(o, "majority", letter_name(maj[k]));
    cJSON_AddBoolToObject(o, "differs", differs);
    cJSON_AddStringToObject(o, "statuses", statuses); /* one letter per rank, in rank order */
    put_json(out, o, k + 1 < ntests ? ",\n" : "\n");
  }
  free(statuses);
  fputs("]}\n", out);
  int bad = ferror(out) | fclose(out);
  if (bad || rename(tmp, path) != 0) {
    fprintf(stderr, "zbuf-conform: cannot write %s\n", path);
    remove(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

/* Rank 0: the summary on stdout and the JSON; returns the fleet's exit status. */
static int merge(char *all, const size_t *offsets, const size_t *lengths, conform__test *const *tests,
                 size_t ntests, const char *json) {
  int n = fleet.size;
  rank_rec *recs = calloc((size_t)n, sizeof *recs);
  char *maj = calloc(ntests + 1, 1);
  if (!recs || !maj) abort();
  char want[64];
  snprintf(want, sizeof want, "%llx\t%zu", ids_hash(tests, ntests), ntests);
  for (int r = 0; r < n; r++) {
    all[offsets[r] + lengths[r] - (lengths[r] ? 1 : 0)] = '\0'; /* each record ends with a newline */
    parse_record(all + offsets[r], &recs[r], want);
    if (strlen(recs[r].statuses) != ntests) recs[r].same_selection = 0;
  }
  for (size_t k = 0; k < ntests; k++) maj[k] = majority(recs, n, k);
  size_t differing_tests = 0;
  printf("# fleet: %d ranks on %d node%s, %zu tests\n", n, fleet.nodes, fleet.nodes == 1 ? "" : "s", ntests);
  for (size_t k = 0; k < ntests; k++) {
    int first = 1;
    for (int r = 0; r < n; r++) {
      if (!recs[r].same_selection || recs[r].statuses[k] == maj[k]) continue;
      recs[r].ndiff++;
      if (first && ++differing_tests <= 20)
        printf("# fleet: DIFFERS %s: %s on most ranks;", tests[k]->id, letter_name(maj[k]));
      if (differing_tests <= 20)
        printf(" rank %d (%s) %s", r, recs[r].host, letter_name(recs[r].statuses[k]));
      first = 0;
    }
    if (!first && differing_tests <= 20) printf("\n");
  }
  if (differing_tests > 20)
    printf("# fleet: ... %zu tests differ in all (the JSON lists them)\n", differing_tests);
  int verdict = 0;
  for (int r = 0; r < n; r++) {
    const rank_rec *x = &recs[r];
    const char *why = !x->same_selection     ? "ran another selection of tests"
                      : x->ndiff             ? "differs from the majority"
                      : x->expect_result > 0 ? "differs from its --expect"
                      : x->exit_status       ? "failed"
                                             : NULL;
    if (!why) continue;
    verdict = 1;
    printf(
        "# fleet: RANK %d (host %s, local rank %d, gpu %s, impl %s) %s: %d tests from the majority, "
        "expectations %s, exit %d\n",
        r, x->host, x->local_rank, x->gpu[0] ? x->gpu : "host", x->impl, why, x->ndiff,
        x->expect_result < 0    ? "not given"
        : x->expect_result == 0 ? "met"
                                : "NOT met",
        x->exit_status);
    for (int i = 0; i < x->nlines && i < 5; i++) printf("#   %s\n", x->lines[i]);
  }
  printf("# fleet: %s: %zu of %zu tests differ between ranks\n", verdict ? "DIFFERENT" : "SAME",
         differing_tests, ntests);
  fflush(stdout);
  int rc = verdict;
  if (json && write_fleet_json(json, recs, n, tests, ntests, maj, verdict) != 0) rc = 2;
  free(recs);
  free(maj);
  return rc;
}

int conform__fleet_finish(const conform__run *run, conform__test *const *tests, size_t ntests,
                          const char *expect, const char *json, int exit_status) {
  int expect_result = -1;
  char *diff = NULL;
  size_t diff_len = 0;
  if (expect && !run->load_error) {
    FILE *f = open_memstream(&diff, &diff_len);
    if (f) {
      expect_result = conform__check_expectations(run, expect, f);
      fclose(f);
      printf("# expectations %s (rank %d): %s\n%s", expect, fleet.rank,
             expect_result == 0   ? "all statuses as expected"
             : expect_result == 1 ? "DIFFERENCES"
                                  : "unreadable",
             diff ? diff : "");
      exit_status = expect_result;
    }
  }
  zbuf_fleet_test_hooks(&fleet, "gather the results");
  size_t len = 0;
  char *rec = make_record(run, tests, ntests, expect, expect_result, diff, exit_status, &len);
  free(diff);
  if (!rec) abort();
  char *all;
  size_t *offsets, *lengths;
  zbuf_fleet_gather(&fleet, "gather the results", rec, len, &all, &offsets, &lengths);
  free(rec);
  int rc = 0;
  if (fleet.rank == 0) rc = merge(all, offsets, lengths, tests, ntests, json);
  free(all);
  free(offsets);
  free(lengths);
  zbuf_fleet_broadcast_int(&fleet, "share the verdict", &rc);
  zbuf_fleet_end(&fleet);
  return rc;
}

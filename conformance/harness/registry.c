/* zbuf-conform: the test registry. Tests register from constructors (CONFORM_TEST) or from registrars run at
 * start-up (data-driven tests). The registry is built in the parent before any child is forked, so every
 * child inherits the same tests, data pointers included, without registering again. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static conform__test *tests;
static size_t ntests, cap_tests;
static conform_registrar_fn *registrars;
static size_t nregistrars;
static int registrars_done;
static const char *vectors_dir;
/* Registration problems are collected and reported once, because constructors run before main can print. */
static char *errors;

static void add_error(const char *file, int line, const char *text) {
  char *e = conform__printf("%s%s:%d: %s\n", errors ? errors : "", file ? file : "?", line, text);
  free(errors);
  errors = e;
}

/* Parses one device name of a variant; 0 on success. */
static int parse_device(const char *s, size_t n, DLDevice *out, uint64_t *cap) {
  static const struct {
    const char *name;
    DLDeviceType type;
    int id;
    uint64_t cap;
  } names[] = {{"cpu", kDLCPU, 0, ZBUF_CAP_HOST},
               {"gpu", kDLCUDA, 0, ZBUF_CAP_CUDA},
               {"cuda", kDLCUDA, 0, ZBUF_CAP_CUDA},
               {"gpu1", kDLCUDA, 1, ZBUF_CAP_CUDA},
               {"cuda1", kDLCUDA, 1, ZBUF_CAP_CUDA},
               {"pinned", kDLCUDAHost, 0, ZBUF_CAP_CUDA_HOST},
               {"cuda_host", kDLCUDAHost, 0, ZBUF_CAP_CUDA_HOST}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strlen(names[i].name) == n && strncmp(names[i].name, s, n) == 0) {
      out->device_type = names[i].type;
      out->device_id = names[i].id;
      *cap = names[i].cap;
      return 0;
    }
  }
  return -1;
}

/* Parses a device spec "a" or "a->b" into t; 0 on success, -1 when the text is not a device spec. */
static int parse_devices(const char *spec, conform__test *t) {
  const char *arrow = strstr(spec, "->");
  uint64_t c0 = 0, c1 = 0;
  if (!arrow) {
    if (parse_device(spec, strlen(spec), &t->devices[0], &c0) != 0) return -1;
    t->ndevices = 1;
  } else {
    if (parse_device(spec, (size_t)(arrow - spec), &t->devices[0], &c0) != 0) return -1;
    if (parse_device(arrow + 2, strlen(arrow + 2), &t->devices[1], &c1) != 0) return -1;
    t->ndevices = 2;
  }
  t->needs_caps |= c0 | c1;
  return 0;
}

static conform__test *new_test(const char *clause, const char *variant, uint64_t needs_caps, const char *file,
                               int line) {
  if (!clause || !clause[0]) {
    add_error(file, line, "a test registered with an empty clause ID");
    return NULL;
  }
  if (!variant) variant = "";
  if (ntests == cap_tests) {
    cap_tests = cap_tests ? 2 * cap_tests : 256;
    tests = realloc(tests, cap_tests * sizeof *tests);
    if (!tests) abort();
  }
  conform__test *t = &tests[ntests];
  memset(t, 0, sizeof *t);
  t->clause = conform__strdup(clause);
  t->variant = conform__strdup(variant);
  t->id = variant[0] ? conform__printf("%s[%s]", clause, variant) : conform__strdup(clause);
  t->needs_caps = needs_caps;
  t->file = file;
  t->line = line;
  const char *at = strrchr(variant, '@');
  if (at) {
    t->label = conform__strdup(variant);
    t->label[at - variant] = '\0';
    if (parse_devices(at + 1, t) != 0) {
      char *e = conform__printf(
          "test %s: \"%s\" after '@' is not a device spec (cpu, gpu, gpu1, pinned, "
          "or a pair a->b)",
          t->id, at + 1);
      add_error(file, line, e);
      free(e);
    }
  } else if (variant[0] && parse_devices(variant, t) == 0) {
    t->label = conform__strdup("");
  } else {
    t->ndevices = 0;
    t->label = conform__strdup(variant);
  }
  for (size_t i = 0; i < ntests; i++) {
    if (strcmp(tests[i].id, t->id) == 0) {
      char *e = conform__printf("duplicate test ID %s (first registered at %s:%d)", t->id, tests[i].file,
                                tests[i].line);
      add_error(file, line, e);
      free(e);
    }
  }
  ntests++;
  return t;
}

void conform_register(const char *clause, const char *variant, uint64_t needs_caps, conform_fn fn,
                      const void *data, const char *file, int line) {
  conform__test *t = new_test(clause, variant, needs_caps, file, line);
  if (!t) return;
  t->fn = fn;
  t->data = data;
  if (!fn) add_error(file, line, "a test registered with a NULL function");
}

void conform_register_variants(const char *clause, const char *variants, uint64_t needs_caps, conform_fn fn,
                               const void *data, const char *file, int line) {
  const char *p = variants ? variants : "";
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    /* "cpu, cuda" reads naturally; spaces around a variant are not part of it. */
    while (n > 0 && *p == ' ') p++, n--;
    while (n > 0 && p[n - 1] == ' ') n--;
    char *v = malloc(n + 1);
    if (!v) abort();
    memcpy(v, p, n);
    v[n] = '\0';
    conform_register(clause, v, needs_caps, fn, data, file, line);
    free(v);
    if (!comma) break;
    p = comma + 1;
  }
}

void conform_register_unresolved(const char *clause, const char *variant, const char *why, const char *file,
                                 int line) {
  conform__test *t = new_test(clause, variant, 0, file, line);
  if (!t) return;
  t->unresolved_why = conform__strdup(why && why[0] ? why : "registration failed (no reason given)");
}

void conform_add_registrar(conform_registrar_fn fn) {
  conform_registrar_fn *r = realloc(registrars, (nregistrars + 1) * sizeof *r);
  if (!r) abort();
  registrars = r;
  registrars[nregistrars++] = fn;
}

void conform__set_vectors_dir(const char *dir) { vectors_dir = dir; }

const char *conform_vectors_dir(void) {
  if (vectors_dir) return vectors_dir;
  const char *env = getenv("ZBUF_CONFORM_VECTORS");
  if (env && env[0]) return env;
#ifdef ZBUF_CONFORM_VECTORS_DIR
  return ZBUF_CONFORM_VECTORS_DIR;
#else
  return "conformance/contract/vectors";
#endif
}

int conform__registry_finish(void) {
  if (!registrars_done) {
    registrars_done = 1;
    for (size_t i = 0; i < nregistrars; i++) registrars[i]();
  }
  if (errors) {
    fprintf(stderr, "zbuf-conform: test registration failed:\n%s", errors);
    return -1;
  }
  return 0;
}

size_t conform__test_count(void) { return ntests; }
conform__test *conform__test_at(size_t i) { return &tests[i]; }

const char *conform__clause_area(const char *clause, char *out, size_t out_size) {
  snprintf(out, out_size, "%s", clause);
  char *dash = strrchr(out, '-');
  /* Only strip a trailing all-digit part: "BUF-COPY-001" -> "BUF-COPY"; "ODD" stays "ODD". */
  if (dash && dash[1] && strspn(dash + 1, "0123456789") == strlen(dash + 1)) *dash = '\0';
  return out;
}

int conform__filter_match(const char *pattern, const conform__test *t) {
  /* The exact ID first: IDs contain '[', which a glob would read as a bracket expression, and the repro
   * command of every failure passes the exact ID. */
  if (strcmp(pattern, t->id) == 0) return 1;
  if (fnmatch(pattern, t->id, 0) == 0) return 1;
  return fnmatch(pattern, t->clause, 0) == 0;
}

/* zbuf-conform: small helpers shared by the harness files (strings, time, files, outcome names). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static const char *const outcome_names[CONFORM_OUTCOME_COUNT] = {
    "PASS", "FAIL", "SKIP", "UNSUPPORTED", "UNRESOLVED", "CRASH", "TIMEOUT"};

const char *conform__outcome_name(int outcome) {
  return outcome >= 0 && outcome < CONFORM_OUTCOME_COUNT ? outcome_names[outcome] : NULL;
}

int conform__outcome_parse(const char *text) {
  for (int i = 0; text && i < CONFORM_OUTCOME_COUNT; i++)
    if (strcmp(text, outcome_names[i]) == 0) return i;
  return -1;
}

int conform__outcome_is_bad(int outcome) {
  return outcome == CONFORM_FAIL || outcome == CONFORM_CRASH || outcome == CONFORM_TIMEOUT ||
         outcome == CONFORM_UNRESOLVED;
}

char *conform__strdup(const char *s) {
  if (!s) s = "";
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (!d) abort();
  memcpy(d, s, n);
  return d;
}

char *conform__printf(const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) abort();
  char *s = malloc((size_t)n + 1);
  if (!s) abort();
  vsnprintf(s, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return s;
}

double conform__now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *conform__read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (!buf) abort();
  for (;;) {
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
    if (n + 1 == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (!buf) abort();
    }
  }
  int failed = ferror(f);
  fclose(f);
  if (failed) {
    free(buf);
    errno = EIO;
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

/* zbuf-conform: JUnit XML for CI dashboards: one <testsuite> per clause area (BUF-COPY, ND-ERR, ...), one
 * <testcase> per test; FAIL is <failure>, CRASH/TIMEOUT/UNRESOLVED are <error>, SKIP/UNSUPPORTED <skipped>.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void xml_escape(FILE *f, const char *s) {
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
      case '&': fputs("&amp;", f); break;
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '"': fputs("&quot;", f); break;
      case '\'': fputs("&apos;", f); break;
      default:
        /* XML 1.0 forbids most control characters even escaped; show them as '?'. */
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
          fputc('?', f);
        else
          fputc(c, f);
    }
  }
}

int conform__write_junit(const conform__run *run, const char *path, char *msg, size_t msg_size) {
  FILE *f = fopen(path, "w");
  if (!f) {
    snprintf(msg, msg_size, "cannot write %s", path);
    return -1;
  }
  char *done = calloc(run->n + 1, 1);
  if (!done) abort();
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"zbuf-conform ");
  xml_escape(f, run->spec->text);
  fprintf(f, "\" time=\"%.3f\">\n", run->duration_s);
  /* Suites in order of first appearance of their area. */
  for (size_t first = 0; first < run->n; first++) {
    if (done[first]) continue;
    char area[64], other[64];
    conform__clause_area(run->tests[first]->clause, area, sizeof area);
    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    double time = 0;
    for (size_t k = first; k < run->n; k++) {
      if (strcmp(conform__clause_area(run->tests[k]->clause, other, sizeof other), area) != 0) continue;
      int o = run->results[k].outcome;
      tests++;
      time += run->results[k].duration_s;
      failures += o == CONFORM_FAIL;
      errors += o == CONFORM_CRASH || o == CONFORM_TIMEOUT || o == CONFORM_UNRESOLVED;
      skipped += o == CONFORM_SKIP || o == CONFORM_UNSUPPORTED;
    }
    fprintf(f, "  <testsuite name=\"");
    xml_escape(f, area);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", tests,
            failures, errors, skipped, time);
    for (size_t k = first; k < run->n; k++) {
      if (strcmp(conform__clause_area(run->tests[k]->clause, other, sizeof other), area) != 0) continue;
      done[k] = 1;
      const conform__result *r = &run->results[k];
      const char *name = conform__outcome_name(r->outcome);
      fprintf(f, "    <testcase classname=\"");
      xml_escape(f, area);
      fprintf(f, "\" name=\"");
      xml_escape(f, run->tests[k]->id);
      fprintf(f, "\" time=\"%.3f\">", r->duration_s);
      const char *elem = NULL;
      if (r->outcome == CONFORM_FAIL) elem = "failure";
      if (r->outcome == CONFORM_CRASH || r->outcome == CONFORM_TIMEOUT || r->outcome == CONFORM_UNRESOLVED)
        elem = "error";
      if (r->outcome == CONFORM_SKIP || r->outcome == CONFORM_UNSUPPORTED) elem = "skipped";
      if (elem) {
        fprintf(f, "\n      <%s type=\"%s\" message=\"", elem, name);
        xml_escape(f, r->message);
        fprintf(f, "\">");
        if (strcmp(elem, "skipped") != 0) {
          char *repro = conform__repro(run, run->tests[k]->id);
          xml_escape(f, r->message);
          fprintf(f, "\nrepro: ");
          xml_escape(f, repro);
          free(repro);
          if (r->output && r->output[0]) {
            fprintf(f, "\noutput:\n");
            xml_escape(f, r->output);
          }
        }
        fprintf(f, "</%s>\n    ", elem);
      }
      fprintf(f, "</testcase>\n");
    }
    fprintf(f, "  </testsuite>\n");
  }
  fprintf(f, "</testsuites>\n");
  free(done);
  if (fclose(f) != 0) {
    snprintf(msg, msg_size, "error writing %s", path);
    return -1;
  }
  return 0;
}

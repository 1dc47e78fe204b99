/* zbuf reference: status names, texts and the error out-parameter. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Every table is generated from ZBUF_STATUS_MAP so that names, texts and classes can never drift apart. */
static const char *const status_names[] = {
#define ZBUF__NAME(name, value, pyexc, text) [value] = #name,
    ZBUF_STATUS_MAP(ZBUF__NAME)
#undef ZBUF__NAME
};

static const char *const status_texts[] = {
#define ZBUF__TEXT(name, value, pyexc, text) [value] = text,
    ZBUF_STATUS_MAP(ZBUF__TEXT)
#undef ZBUF__TEXT
};

static const char *const status_classes[] = {
#define ZBUF__CLASS(name, value, pyexc, text) [value] = pyexc,
    ZBUF_STATUS_MAP(ZBUF__CLASS)
#undef ZBUF__CLASS
};

/* The header promises ZBUF_STATUS_COUNT rows; a new row without a new count must not compile. */
_Static_assert(sizeof status_names / sizeof status_names[0] == ZBUF_STATUS_COUNT,
               "ZBUF_STATUS_COUNT does not match ZBUF_STATUS_MAP");

static int status_known(int status) {
  return status >= 0 && status < ZBUF_STATUS_COUNT && status_names[status] != NULL;
}

const char *zbuf_status_name(int status) { return status_known(status) ? status_names[status] : "UNKNOWN"; }

const char *zbuf_status_text(int status) {
  return status_known(status) ? status_texts[status] : "unknown status";
}

const char *zbuf_status_python_class(int status) {
  /* An unknown code still has to map to some exception a binding can raise; RuntimeError is the one
   * Python itself uses for "something went wrong that has no better class". */
  return status_known(status) ? status_classes[status] : "RuntimeError";
}

zbuf_status zbuf_error_set(zbuf_error *err, zbuf_status code, const char *fmt, ...) {
  if (err == NULL) return code;
  err->code = code;
  if (fmt == NULL) {
    /* A caller without a message still gets something readable rather than stale text. */
    snprintf(err->message, sizeof err->message, "%s", zbuf_status_text(code));
    return code;
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  /* vsnprintf truncates and terminates on its own; an encoding error (n < 0) may leave the buffer in any
   * state, so fall back to the status text. */
  if (n < 0) snprintf(err->message, sizeof err->message, "%s", zbuf_status_text(code));
  return code;
}

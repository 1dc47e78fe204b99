/* zbuf-bench --topology FILE: reading another machine's hwloc XML, and saying in one line why it cannot be
 * read (no such file, not XML, hwloc's own reason) instead of hwloc's "Invalid argument". */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "placement.h"

#ifdef ZBUF_WITH_HWLOC
#include <hwloc.h>

/* Refuses a --topology file that hwloc would only call "Invalid argument": one that is not there, cannot be
 * read, or does not begin like XML. Returns 0 when hwloc may try it. */
static int check_xml_file(const char *xml, char *msg, size_t msg_size) {
  struct stat st;
  if (!*xml) {
    snprintf(msg, msg_size, "--topology needs a file name, got an empty one");
    return -1;
  }
  if (stat(xml, &st) != 0) {
    snprintf(msg, msg_size, "--topology %s: %s", xml, errno == ENOENT ? "no such file" : strerror(errno));
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(msg, msg_size, "--topology %s: is a directory, not an XML file", xml);
    return -1;
  }
  FILE *f = fopen(xml, "rb");
  if (!f) {
    snprintf(msg, msg_size, "--topology %s: cannot open it: %s", xml, strerror(errno));
    return -1;
  }
  /* An XML document begins with '<', after an optional UTF-8 byte order mark and blanks. */
  int c = getc(f);
  if (c == 0xef && getc(f) == 0xbb && getc(f) == 0xbf) c = getc(f);
  while (c == ' ' || c == '\t' || c == '\r' || c == '\n') c = getc(f);
  fclose(f);
  if (c != '<') {
    snprintf(msg, msg_size, "--topology %s: not an XML file (%s)", xml,
             st.st_size == 0 ? "it is empty"
             : c == EOF      ? "it holds only blanks"
                             : "it does not begin with '<'");
    return -1;
  }
  return 0;
}

/* hwloc tells why an XML import failed only on stderr, and only with HWLOC_XML_VERBOSE=1 (libxml2, when its
 * plugin parses, writes there too). While a --topology file is read, stderr goes to a temporary file, so
 * that the reason can end the one error message; what was caught is written back to stderr on success
 * (warnings). Without a temporary file nothing is caught and hwloc writes to stderr directly. */
typedef struct stderr_catch {
  int saved_fd;
  FILE *tmp;
} stderr_catch;

static void stderr_catch_begin(stderr_catch *c) {
  c->saved_fd = -1;
  fflush(stderr);
  c->tmp = tmpfile();
  if (!c->tmp) return;
  c->saved_fd = dup(STDERR_FILENO);
  if (c->saved_fd < 0 || dup2(fileno(c->tmp), STDERR_FILENO) < 0) {
    if (c->saved_fd >= 0) close(c->saved_fd);
    c->saved_fd = -1;
    fclose(c->tmp);
    c->tmp = NULL;
  }
}

/* Puts stderr back; text gets what was written meanwhile ("" if nothing), without trailing blank lines. */
static void stderr_catch_end(stderr_catch *c, char *text, size_t text_size) {
  text[0] = '\0';
  if (!c->tmp) return;
  fflush(stderr);
  dup2(c->saved_fd, STDERR_FILENO);
  close(c->saved_fd);
  rewind(c->tmp);
  size_t n = fread(text, 1, text_size - 1, c->tmp);
  fclose(c->tmp);
  c->tmp = NULL;
  text[n] = '\0';
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ')) text[--n] = '\0';
}

int zbuf__placement_load_xml(void *topology, const char *xml, char *msg, size_t msg_size) {
  hwloc_topology_t topo = (hwloc_topology_t)topology;
  if (check_xml_file(xml, msg, msg_size) != 0) return -1;
  /* hwloc reads HWLOC_XML_VERBOSE once, at its first XML import: set before that, unless the user chose. */
  int set_verbose = getenv("HWLOC_XML_VERBOSE") == NULL;
  if (set_verbose) setenv("HWLOC_XML_VERBOSE", "1", 0);
  stderr_catch c;
  stderr_catch_begin(&c);
  errno = 0;
  int rc = hwloc_topology_set_xml(topo, xml);
  const char *step = "hwloc_topology_set_xml";
  if (rc == 0) {
    rc = hwloc_topology_load(topo);
    step = "hwloc_topology_load";
  }
  int err = errno;
  char said[768];
  stderr_catch_end(&c, said, sizeof said);
  if (set_verbose) unsetenv("HWLOC_XML_VERBOSE");
  if (rc == 0) {
    if (said[0]) fprintf(stderr, "%s\n", said);
    return 0;
  }
  if (said[0]) {
    for (char *l = said; (l = strchr(l, '\n')) != NULL;) *l = ' '; /* one message, one line */
    snprintf(msg, msg_size, "--topology %s: hwloc cannot load it: %s", xml, said);
  } else {
    snprintf(msg, msg_size, "--topology %s: hwloc cannot load it (%s: %s)", xml, step,
             err ? strerror(err) : "failed");
  }
  return -1;
}
#endif

/* zbuf-conform: turns an --impl spec into an entry function. The parent only loads code (dlopen + dlsym);
 * it never calls the entry, so that neither a crashing entry nor the CUDA state an entry creates can reach
 * the parent: forked children inherit the mapping and make their own entry call.
 *
 *   ref[:CONFIG]        the reference linked into this binary (CONFIG "cpu" or "gpu")
 *   lib:PATH[:CONFIG]   a shared object exporting ZBUF_IMPL_ENTRY_SYMBOL
 *   py:MODULE:ATTR      the Python adapter plugin driving a Zarr-style BufferPrototype (loaded here, or with
 *                       ZBUF_CONFORM_PYTHON_WORKER only in the Python test processes: worker_exec.c) */
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* Directory of the running executable, for the adapter that is built next to it. */
static void exe_dir(const char *argv0, char *out, size_t size) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n > 0) {
    path[n] = '\0';
  } else {
    snprintf(path, sizeof path, "%s", argv0 ? argv0 : ".");
  }
  char *slash = strrchr(path, '/');
  if (slash) {
    *slash = '\0';
    snprintf(out, size, "%s", path[0] ? path : "/");
  } else {
    snprintf(out, size, ".");
  }
}

static int load_library(conform__spec *s, int global, char *msg, size_t msg_size) {
  dlerror();
  s->dl = dlopen(s->path, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));
  if (!s->dl) {
    const char *e = dlerror();
    snprintf(msg, msg_size, "cannot load %s: %s", s->path, e ? e : "unknown dlopen error");
    return -1;
  }
  dlerror();
  void *sym = dlsym(s->dl, ZBUF_IMPL_ENTRY_SYMBOL);
  if (!sym) {
    const char *e = dlerror();
    snprintf(msg, msg_size, "%s does not export %s: %s", s->path, ZBUF_IMPL_ENTRY_SYMBOL,
             e ? e : "symbol is NULL");
    return -1;
  }
  /* POSIX guarantees that data and function pointers convert through dlsym's result. */
  memcpy(&s->entry, &sym, sizeof s->entry);
  void *prepare = dlsym(s->dl, ZBUF_IMPL_PREPARE_SYMBOL); /* optional */
  if (prepare) memcpy(&s->prepare, &prepare, sizeof s->prepare);
  return 0;
}

int conform__spec_load(const char *text, const char *argv0, conform__spec *out, char *msg, size_t msg_size) {
  memset(out, 0, sizeof *out);
  out->text = conform__strdup(text);
  if (strcmp(text, "ref") == 0 || strncmp(text, "ref:", 4) == 0) {
    out->config = text[3] == ':' ? conform__strdup(text + 4) : NULL;
    out->entry = zbuf_ref_impl_entry;
    return 0;
  }
  if (strncmp(text, "lib:", 4) == 0) {
    const char *rest = text + 4;
    if (!rest[0]) {
      snprintf(msg, msg_size,
               "--impl %s: lib: needs a path, e.g. lib:./libmyimpl.so or lib:./libmyimpl.so:cfg", text);
      return -1;
    }
    /* A path may itself hold ':'; the whole text is a path when such a file exists, else the part after the
     * last ':' is the config. */
    const char *colon = strrchr(rest, ':');
    if (access(rest, F_OK) == 0 || !colon) {
      out->path = conform__strdup(rest);
    } else {
      out->path = conform__strdup(rest);
      out->path[colon - rest] = '\0';
      out->config = conform__strdup(colon + 1);
    }
    return load_library(out, 0, msg, msg_size);
  }
  if (strncmp(text, "py:", 3) == 0) {
    const char *target = text + 3;
    if (!strchr(target, ':') || target[0] == ':' || target[strlen(target) - 1] == ':') {
      snprintf(msg, msg_size, "--impl %s: py: needs MODULE:ATTR, e.g. py:zarr.buffer.cpu:buffer_prototype",
               text);
      return -1;
    }
    out->config = conform__strdup(target);
    /* With a worker interpreter, test processes are that Python (worker_exec.c) and load the hosted adapter,
     * which has no interpreter of its own; this process loads nothing. */
    const char *python = getenv("ZBUF_CONFORM_PYTHON_WORKER");
    const char *adapter = python && python[0] ? "libzbuf_pyadapter_hosted.so" : "libzbuf_pyadapter.so";
    const char *env = getenv("ZBUF_PYADAPTER");
    if (env && env[0]) {
      out->path = conform__strdup(env);
    } else {
      char dir[PATH_MAX];
      exe_dir(argv0, dir, sizeof dir);
      out->path = conform__printf("%s/%s", dir, adapter);
    }
    if (access(out->path, F_OK) != 0) {
      snprintf(msg, msg_size,
               "--impl %s: the Python adapter plugin is not available: %s does not exist (build the "
               "zbuf_pyadapter target, or point $ZBUF_PYADAPTER at %s)",
               text, out->path, adapter);
      return -1;
    }
    if (python && python[0]) {
      if (access(python, X_OK) != 0) {
        snprintf(msg, msg_size,
                 "--impl %s: ZBUF_CONFORM_PYTHON_WORKER=%s is not an executable (it names the Python "
                 "interpreter that runs the tests, e.g. a venv's bin/python)",
                 text, python);
        return -1;
      }
      out->worker_python = conform__strdup(python);
      return 0;
    }
    /* Global symbols: Python extension modules the adapter imports resolve libpython's symbols through it. */
    return load_library(out, 1, msg, msg_size);
  }
  snprintf(msg, msg_size,
           "--impl %s: unknown implementation spec; use ref:cpu, ref:gpu, lib:PATH[:CONFIG] or "
           "py:MODULE:ATTR",
           text);
  return -1;
}

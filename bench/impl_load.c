/* zbuf-bench: turns an --impl spec into an implementation table, with the grammar of zbuf-conform:
 *
 *   ref[:CONFIG]        the reference linked into this binary (CONFIG "cpu" or "gpu")
 *   lib:PATH[:CONFIG]   a shared object exporting ZBUF_IMPL_ENTRY_SYMBOL
 *   py:MODULE:ATTR      the Python adapter plugin (libzbuf_pyadapter.so) driving a Zarr-style BufferPrototype
 *
 * The harness's loader (conformance/harness/impl_loader.c) only dlopens, because zbuf-conform calls the entry
 * in forked children; it is built on the harness's internal helpers. The benchmarks call the entry
 * in-process, once, so this file is the small in-process version of the same grammar. */
#define _POSIX_C_SOURCE 200809L
#include "impl_load.h"

#include <dlfcn.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void exe_dir(char *out, size_t size) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) {
    snprintf(out, size, ".");
    return;
  }
  path[n] = '\0';
  char *slash = strrchr(path, '/');
  if (slash) *slash = '\0';
  snprintf(out, size, "%s", path[0] ? path : "/");
}

/* The adapter: $ZBUF_PYADAPTER, next to this executable, or where this build tree built it. */
static int find_adapter(char *out, size_t size) {
  const char *env = getenv("ZBUF_PYADAPTER");
  if (env && env[0]) {
    snprintf(out, size, "%s", env);
    return access(out, F_OK) == 0 ? 0 : -1;
  }
  char dir[PATH_MAX];
  exe_dir(dir, sizeof dir);
  snprintf(out, size, "%s/libzbuf_pyadapter.so", dir);
  if (access(out, F_OK) == 0) return 0;
#ifdef ZBUF_BENCH_PYADAPTER_PATH
  snprintf(out, size, "%s", ZBUF_BENCH_PYADAPTER_PATH);
  if (access(out, F_OK) == 0) return 0;
#endif
  return -1;
}

static int open_entry(zbuf_bench_loaded *l, const char *path, int global, char *msg, size_t msg_size) {
  dlerror();
  l->dl = dlopen(path, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));
  if (!l->dl) {
    const char *e = dlerror();
    snprintf(msg, msg_size, "cannot load %s: %s", path, e ? e : "unknown dlopen error");
    return 2;
  }
  void *sym = dlsym(l->dl, ZBUF_IMPL_ENTRY_SYMBOL);
  if (!sym) {
    snprintf(msg, msg_size, "%s does not export %s", path, ZBUF_IMPL_ENTRY_SYMBOL);
    return 2;
  }
  memcpy(&l->entry, &sym, sizeof l->entry);
  return 0;
}

int zbuf_bench_impl_load(const char *spec, zbuf_bench_loaded *l, char *msg, size_t msg_size) {
  memset(l, 0, sizeof *l);
  snprintf(l->spec, sizeof l->spec, "%s", spec);
  const char *config = NULL;
  int rc = 0;
  if (strcmp(spec, "ref") == 0 || strncmp(spec, "ref:", 4) == 0) {
    config = spec[3] == ':' ? spec + 4 : NULL;
    l->entry = zbuf_ref_impl_entry;
  } else if (strncmp(spec, "lib:", 4) == 0 && spec[4]) {
    const char *rest = spec + 4;
    const char *colon = strrchr(rest, ':');
    if (access(rest, F_OK) == 0 || !colon) {
      snprintf(l->path, sizeof l->path, "%s", rest);
    } else {
      snprintf(l->path, sizeof l->path, "%.*s", (int)(colon - rest), rest);
      snprintf(l->config, sizeof l->config, "%s", colon + 1);
      config = l->config;
    }
    rc = open_entry(l, l->path, 0, msg, msg_size);
  } else if (strncmp(spec, "py:", 3) == 0) {
    const char *target = spec + 3;
    if (!strchr(target, ':') || target[0] == ':' || target[strlen(target) - 1] == ':') {
      snprintf(msg, msg_size, "--impl %s: py: needs MODULE:ATTR, e.g. py:zarr.buffer.cpu:buffer_prototype",
               spec);
      return 2;
    }
    snprintf(l->config, sizeof l->config, "%s", target);
    config = l->config;
    if (find_adapter(l->path, sizeof l->path) != 0) {
      snprintf(
          msg, msg_size,
          "--impl %s: the Python adapter libzbuf_pyadapter.so was not found (next to zbuf-bench, in this "
          "build tree, or at $ZBUF_PYADAPTER)",
          spec);
      return 2;
    }
    /* Global: extension modules the adapter's Python imports resolve libpython's symbols through it. */
    rc = open_entry(l, l->path, 1, msg, msg_size);
  } else {
    snprintf(msg, msg_size,
             "--impl %s: unknown implementation spec; use ref:cpu, ref:gpu, lib:PATH[:CONFIG] or "
             "py:MODULE:ATTR",
             spec);
    return 2;
  }
  if (rc) return rc;
  zbuf_error err = {0};
  zbuf_status st = l->entry(ZBUF_IMPL_ABI_VERSION, config, &l->impl, &err);
  if (st != ZBUF_OK || !l->impl) {
    snprintf(msg, msg_size, "--impl %s: the entry refused: %s: %s", spec, zbuf_status_name(st),
             st != ZBUF_OK ? err.message : "returned no table");
    /* An implementation that cannot run here (no GPU for ref:gpu) is not a usage error. */
    return st == ZBUF_ENODEV || st == ZBUF_EUNSUPPORTED ? 3 : 1;
  }
  /* A table from before the last appended operations is fine (those are missing, see ZBUF_BENCH_HAS); one
   * that ends before the operations of the first ABI 1 table is not a table this program can read. */
  if (l->impl->abi_version != ZBUF_IMPL_ABI_VERSION ||
      l->impl->struct_size < offsetof(zbuf_impl, ndbuffer_from_dlpack) + sizeof(void *)) {
    snprintf(msg, msg_size, "--impl %s: table has ABI %u, size %u; this zbuf-bench speaks ABI %u, size %zu",
             spec, l->impl->abi_version, l->impl->struct_size, ZBUF_IMPL_ABI_VERSION, sizeof(zbuf_impl));
    return 1;
  }
  return 0;
}

void zbuf_bench_impl_unload(zbuf_bench_loaded *l) {
  if (l->impl && l->impl->shutdown) l->impl->shutdown(l->impl);
  l->impl = NULL;
  /* The library stays mapped: the Python interpreter and CUDA runtime do not survive being unloaded. */
}

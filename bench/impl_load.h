/* zbuf-bench: loading an implementation from an --impl spec (grammar in impl_load.c). */
#ifndef ZBUF_BENCH_IMPL_LOAD_H
#define ZBUF_BENCH_IMPL_LOAD_H

#include <stddef.h>

#include "zbuf/impl.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zbuf_bench_loaded {
  char spec[512];
  char path[4200];  /* shared object, "" for ref (PATH_MAX plus a file name) */
  char config[256]; /* entry config, "" for none */
  void *dl;
  zbuf_impl_entry_fn entry;
  const zbuf_impl *impl;
} zbuf_bench_loaded;

/** Whether the table provides an operation: inside the struct_size it was built with, and not NULL. */
#define ZBUF_BENCH_HAS(impl, op) \
  ((impl)->struct_size >= offsetof(zbuf_impl, op) + sizeof((impl)->op) && (impl)->op != NULL)

/** Loads the spec and calls the entry. Returns 0, or an exit code with a message: 2 a bad spec or a library
 * that cannot be loaded, 3 an implementation that cannot run here (ENODEV/EUNSUPPORTED), 1 anything else. */
int zbuf_bench_impl_load(const char *spec, zbuf_bench_loaded *l, char *msg, size_t msg_size);
/** Calls the table's shutdown; NULL table is a no-op. */
void zbuf_bench_impl_unload(zbuf_bench_loaded *l);

#ifdef __cplusplus
}
#endif
#endif

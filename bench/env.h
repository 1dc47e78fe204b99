/* zbuf-bench: the process-wide environment the plan is built from (C files only). */
#ifndef ZBUF_BENCH_ENV_H
#define ZBUF_BENCH_ENV_H

#include "bench.h"
#include "impl_load.h"
#include "placement.h"

#define ZBUF_BENCH_MAX_SIZES 16

struct zbuf_bench_env {
  zbuf_bench_options opt;
  zbuf_bench_loaded loaded;
  const zbuf_impl *impl; /* NULL when the implementation could not be loaded */
  zbuf_bench_placement place;
  /* What the implementation can do here and now (capability claimed and device_check ok). */
  int impl_host, impl_cuda, impl_pinned, impl_nd, impl_threads;
  char impl_cuda_note[600];
  /* CUDA as the benchmarks see it (ZBUF_WITH_CUDA builds). */
  int cuda_built;
  int cuda_devices; /* usable devices; 0 with cuda_note saying why */
  char cuda_note[256];
  char cuda_runtime[32], cuda_driver[32];
  char gpu_name[256];
  char gpu_pci[32];
  /* The anchor the host-side cases are placed around: the benchmarked GPU's side, or the host's. */
  const zbuf_bench_side *side;
  char missing_ops[1024]; /* operations the plan left out because the table lacks them */
  int nsizes;
  size_t sizes[ZBUF_BENCH_MAX_SIZES];
  size_t small_size, large_size; /* operation rows */
  int all_threads;               /* threads of multi-thread rows: cores of the near node (or --threads) */
  char threads_note[160];        /* set when the near node has more cores than a row may have threads */
};

/** Whether host memory and threads can be placed around the anchor: hwloc loaded and the anchor has a near
 * node this process may use. Otherwise the rows are unplaced (`any`), never called near or far. */
static inline int zbuf_bench_env_placed(const zbuf_bench_env *env) {
  return env->place.available && env->side && env->side->near_node >= 0;
}

/** The environment zbuf_bench_env_init made (bodies read placement from it). */
const zbuf_bench_env *zbuf_bench_env_current(void);

/** "4KiB", "1MiB", "1GiB", or bytes: for row names. */
const char *zbuf_bench_size_name(size_t size, char out[24]);
/** Fills c's cpus for `threads` threads placed at `where` (first thread on the side's thread cpu, the others
 * on the next cores of the same node) and its node. */
void zbuf_bench_place_case(const zbuf_bench_env *env, zbuf_bench_case *c, zbuf_bench_where where,
                           int threads);
/** Records that rows of `op` were left out because the implementation does not provide it (context
 * `impl_missing_ops`, and one line on stderr). */
void zbuf_bench_note_missing(zbuf_bench_env *env, const char *op);
/** "near", "far", "any". */
const char *zbuf_bench_where_name(zbuf_bench_where w);
/** Fills c for a row of the operation benchmarks (ops_buffer.c, ops_ndbuffer.c): operation `op`, named
 * `name`, run by `body` on `size` bytes in host memory (gpu -1) or on CUDA device `gpu`, its thread placed at
 * `where`; the row is named OP/<name>/<cpu|cuda>/<size>, with no baseline ("-") until the caller sets one. */
void zbuf_bench_op_case(const zbuf_bench_env *env, zbuf_bench_case *c, zbuf_bench_body body, int op,
                        const char *name, size_t size, int gpu, zbuf_bench_where where);
/** Makes c's baseline memcpy of the same size at the same place, H2H/memcpy/<where>/<size> (host rows that
 * copy). */
void zbuf_bench_op_memcpy_baseline(zbuf_bench_case *c);

#endif

/* zbuf: Python slice keys (start:stop:step, each part optional) and their normalisation. */
#ifndef ZBUF_SLICE_H
#define ZBUF_SLICE_H

#include <stdint.h>

#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flags telling which parts of a zbuf_slice were given; a part not given is Python's None. */
enum {
  ZBUF_SLICE_HAS_START = 1,
  ZBUF_SLICE_HAS_STOP = 2,
  ZBUF_SLICE_HAS_STEP = 4
};

/** A Python slice `start:stop:step`. Negative start/stop count from the end; parts not flagged in `given`
 * are None. The zero value `{0}` is `:` (everything). */
typedef struct zbuf_slice {
  int64_t start;
  int64_t stop;
  int64_t step;
  unsigned given;
} zbuf_slice;

/** `[start:stop]` */
#define ZBUF_SLICE(a, b) ((zbuf_slice){(a), (b), 1, ZBUF_SLICE_HAS_START | ZBUF_SLICE_HAS_STOP})
/** `[start:stop:step]` */
#define ZBUF_SLICE_STEP(a, b, s) \
  ((zbuf_slice){(a), (b), (s), ZBUF_SLICE_HAS_START | ZBUF_SLICE_HAS_STOP | ZBUF_SLICE_HAS_STEP})
/** `[:]` */
#define ZBUF_SLICE_ALL ((zbuf_slice){0, 0, 1, 0})

/** Python's `slice.indices(length)`: clamps start/stop into range and resolves None and negative values.
 * Writes the resolved start, the number of selected elements (count) and the step. A step of 0 is
 * ZBUF_EINVAL ("slice step cannot be zero"); length < 0 is ZBUF_EINVAL. */
zbuf_status zbuf_slice_resolve(zbuf_slice slice, int64_t length, int64_t *start, int64_t *count,
                               int64_t *step, zbuf_error *err);

#ifdef __cplusplus
}
#endif
#endif

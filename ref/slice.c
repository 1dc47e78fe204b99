/* zbuf reference: Python slice normalisation, exactly `slice.indices(length)` and `len(range(...))`. */
#include "internal.h"

/* Python's rule for one bound: None takes the default for the step's sign, a negative value counts from
 * the end, and the result is clamped into [lower, upper]. Adding a negative value to a non-negative
 * length cannot overflow, so no wider type is needed. */
static int64_t resolve_bound(int given, int64_t value, int64_t length, int64_t lower, int64_t upper,
                             int64_t none_value) {
  if (!given) return none_value;
  if (value < 0) {
    value += length;
    return value < lower ? lower : value;
  }
  return value > upper ? upper : value;
}

zbuf_status zbuf_slice_resolve(zbuf_slice slice, int64_t length, int64_t *start, int64_t *count,
                               int64_t *step, zbuf_error *err) {
  if (start == NULL || count == NULL || step == NULL)
    return zbuf_error_set(err, ZBUF_EINVAL, "%s is NULL",
                          start == NULL   ? "start"
                          : count == NULL ? "count"
                                          : "step");
  if (length < 0) return zbuf_error_set(err, ZBUF_EINVAL, "length = %lld must be >= 0", (long long)length);
  int64_t st = (slice.given & ZBUF_SLICE_HAS_STEP) ? slice.step : 1;
  if (st == 0) return zbuf_error_set(err, ZBUF_EINVAL, "slice step cannot be zero");
  /* Python: for a positive step the bounds live in [0, length], for a negative one in [-1, length - 1]. */
  int64_t lower = st > 0 ? 0 : -1;
  int64_t upper = st > 0 ? length : length - 1;
  int64_t b = resolve_bound(slice.given & ZBUF_SLICE_HAS_START, slice.start, length, lower, upper,
                            st > 0 ? lower : upper);
  int64_t e = resolve_bound(slice.given & ZBUF_SLICE_HAS_STOP, slice.stop, length, lower, upper,
                            st > 0 ? upper : lower);
  /* Both bounds lie in a range of width <= length, so their difference fits; the step's magnitude is taken
   * in unsigned arithmetic because -INT64_MIN does not exist. */
  int64_t n = 0;
  if (st > 0 && e > b)
    n = (int64_t)((uint64_t)(e - b - 1) / (uint64_t)st + 1);
  else if (st < 0 && b > e)
    n = (int64_t)((uint64_t)(b - e - 1) / (UINT64_C(0) - (uint64_t)st) + 1);
  *start = b;
  *count = n;
  *step = st;
  return ZBUF_OK;
}

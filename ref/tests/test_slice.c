/* Unit tests for slice.c: zbuf_slice_resolve is exactly Python's slice.indices(length) plus
 * len(range(start, stop, step)), for every sign of step and for extreme int64 inputs. */
#include <stdint.h>

#include "test.h"

enum { S = ZBUF_SLICE_HAS_START, E = ZBUF_SLICE_HAS_STOP, P = ZBUF_SLICE_HAS_STEP };

typedef struct golden {
  int64_t start, stop, step;
  unsigned given;
  int64_t length;
  int64_t want_start, want_count, want_step;
} golden;

/* Expected values computed with CPython 3: s = slice(start, stop, step) (None where the flag is absent);
 * (b, e, st) = s.indices(length); want = (b, len(range(b, e, st)), st). */
static const golden cases[] = {
    {7, 2, -3, S | E | P, INT64_MAX, 7, 2, -3},
    {0, 1, -10, S | E | P, 0, -1, 0, -10},
    {-7, INT64_MIN, 0, S | E, 10, 3, 0, 1},
    {3, 0, 1, S | E | P, 5, 3, 0, 1},
    {-10, 1, 2, S | E | P, 0, 0, 0, 2},
    {-100, -10, 0, S | E, 10, 0, 0, 1},
    {-1, -3, INT64_MIN, S | E | P, INT64_MAX, 9223372036854775806, 1, INT64_MIN},
    {INT64_MIN, 0, INT64_MAX, S | E | P, 10, 0, 0, INT64_MAX},
    {10, 0, 2, S | E | P, 0, 0, 0, 2},
    {-100, 2, -2, S | E | P, 5, -1, 0, -2},
    {2, -100, 1, S | E | P, 10, 2, 0, 1},
    {-5, -100, INT64_MIN, S | E | P, 1, -1, 0, INT64_MIN},
    {-1, INT64_MIN, INT64_MAX, S | E | P, INT64_MAX, 9223372036854775806, 0, INT64_MAX},
    {3, -7, 1, S | E | P, 10, 3, 0, 1},
    {1, INT64_MIN, 0, S | E, 10, 1, 0, 1},
    {3, -11, INT64_MIN, S | E | P, 10, 3, 1, INT64_MIN},
    {-10, 7, 10, S | E | P, 10, 0, 1, 10},
    {11, -7, -2, S | E | P, 1, 0, 1, -2},
    {-2, -3, 1, S | E | P, 10, 8, 0, 1},
    {-5, 100, 10, S | E | P, 2, 0, 1, 10},
    {11, -5, INT64_MAX, S | E | P, 0, 0, 0, INT64_MAX},
    {-1, 100, -3, S | E | P, 1, 0, 0, -3},
    {7, 2, 10, S | E | P, 5, 5, 0, 10},
    {0, 9223372036854775806, 1, S | E | P, 10, 0, 10, 1},
    {INT64_MIN, 7, 3, S | E | P, INT64_MAX, 0, 3, 3},
    {-7, INT64_MAX, 10, S | E | P, 10, 3, 1, 10},
    {11, 1, 1, S | E | P, 2, 2, 0, 1},
    {-11, 9223372036854775806, 1, S | E | P, 0, 0, 0, 1},
    {-5, -9223372036854775807, INT64_MAX, S | E | P, INT64_MAX, 9223372036854775802, 0, INT64_MAX},
    {11, -5, -9223372036854775807, S | E | P, 5, 4, 1, -9223372036854775807},
    {9223372036854775806, -7, 0, S | E, 5, 5, 0, 1},
    {-7, -2, INT64_MAX, S | E | P, 0, 0, 0, INT64_MAX},
    {-11, 0, 2, S | E | P, 2, 0, 0, 2},
    {2, -3, -3, S | E | P, 5, 2, 0, -3},
    {-11, 1, -1, S | E | P, 5, -1, 0, -1},
    {10, -100, -2, S | E | P, 1, 0, 1, -2},
    {-10, -100, -2, S | E | P, INT64_MAX, 9223372036854775797, 45, -2},
    {-10, -7, INT64_MIN, S | E | P, 5, -1, 0, INT64_MIN},
    {-3, 2, 1, S | E | P, 1, 0, 1, 1},
    {2, -3, INT64_MIN, S | E | P, 1, 0, 1, INT64_MIN},
    {0, -11, INT64_MAX, E | P, 1, 0, 0, INT64_MAX},
    {5, -5, 0, S | E, 1, 1, 0, 1},
    {-10, -100, 3, S | E | P, 10, 0, 0, 3},
    {INT64_MIN, 7, -1, S | E | P, INT64_MAX, -1, 0, -1},
    {100, INT64_MAX, INT64_MIN, S | E | P, INT64_MAX, 100, 0, INT64_MIN},
    {0, 11, INT64_MIN, S | E | P, 10, 0, 0, INT64_MIN},
    {10, 10, -3, S | E | P, 5, 4, 0, -3},
    {-1, -11, INT64_MIN, S | E | P, 5, 4, 1, INT64_MIN},
    {0, 3, 1, S | E | P, 1, 0, 1, 1},
    {11, -2, 1, S | E | P, 2, 2, 0, 1},
    {INT64_MAX, 0, 1, S | E | P, 0, 0, 0, 1},
    {INT64_MIN, 2, -10, S | E | P, 0, -1, 0, -10},
    {-7, INT64_MAX, 0, S | E, 0, 0, 0, 1},
    {3, INT64_MAX, -3, S | E | P, 1, 0, 0, -3},
    {-9223372036854775807, 5, 3, S | E | P, 10, 0, 2, 3},
    {-7, -11, 1, S | E | P, 0, 0, 0, 1},
    {-11, 11, 10, S | E | P, 5, 0, 1, 10},
    {-5, 1, -1, S | E | P, 0, -1, 0, -1},
    {7, 5, 10, S | E | P, INT64_MAX, 7, 0, 10},
    {-2, 100, 0, S | E, 1, 0, 1, 1},
    {100, -7, -1, S | E | P, INT64_MAX, 100, 0, -1},
    {-100, 0, -10, S | P, 2, -1, 0, -10},
    {-9223372036854775807, 1, -9223372036854775807, S | E | P, 2, -1, 0, -9223372036854775807},
    {100, -7, -1, S | E | P, 2, 1, 2, -1},
    {-3, -100, -10, S | E | P, 10, 7, 1, -10},
    {7, -9223372036854775807, 2, S | E | P, 10, 7, 0, 2},
    {3, -3, -3, S | E | P, INT64_MAX, 3, 0, -3},
    {-3, 3, -10, S | E | P, 5, 2, 0, -10},
    {-7, 0, 0, S, 2, 0, 2, 1},
    {-11, 5, 2, S | E | P, INT64_MAX, 9223372036854775796, 0, 2},
    {INT64_MAX, -7, 10, S | E | P, INT64_MAX, INT64_MAX, 0, 10},
    {-7, -7, 1, S | E | P, 1, 0, 0, 1},
    {-1, -3, 10, S | E | P, 1, 0, 0, 10},
    {7, 3, 10, S | E | P, 10, 7, 0, 10},
    {INT64_MAX, 0, 10, S | P, INT64_MAX, INT64_MAX, 0, 10},
    {-7, -9223372036854775807, 1, S | E | P, INT64_MAX, 9223372036854775800, 0, 1},
    {-1, 10, -9223372036854775807, S | E | P, 1, 0, 0, -9223372036854775807},
    {-11, -2, -3, S | E | P, INT64_MAX, 9223372036854775796, 0, -3},
    {7, 1, -9223372036854775807, S | E | P, 5, 4, 1, -9223372036854775807},
    {11, 10, -9223372036854775807, S | E | P, 0, -1, 0, -9223372036854775807},
    {-2, -2, -1, S | E | P, 0, -1, 0, -1},
    {2, INT64_MIN, 10, S | E | P, INT64_MAX, 2, 0, 10},
    {2, INT64_MAX, INT64_MAX, S | E | P, 5, 2, 1, INT64_MAX},
    {9223372036854775806, -7, -1, S | E | P, 10, 9, 6, -1},
    {-100, 2, 0, S | E, 0, 0, 0, 1},
    {-9223372036854775807, -1, -10, S | E | P, INT64_MAX, 0, 0, -10},
    {2, -10, 2, S | E | P, 1, 1, 0, 2},
    {0, 5, 2, E | P, 2, 0, 1, 2},
    {100, -3, INT64_MAX, S | E | P, 2, 2, 0, INT64_MAX},
    {5, -100, -3, S | E | P, 1, 0, 1, -3},
};

TEST(slice_resolve_matches_python_slice_indices) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const golden *c = &cases[i];
    zbuf_slice s = {c->start, c->stop, c->step, c->given};
    int64_t b = -42, n = -42, st = -42;
    zbuf_error err_ = {0}, *err = &err_;
    ASSERT_OK(zbuf_slice_resolve(s, c->length, &b, &n, &st, err), err);
    if (b != c->want_start || n != c->want_count || st != c->want_step)
      zbuf_test_fail(__FILE__, __LINE__,
                     "case %zu: got (start %lld, count %lld, step %lld), want (%lld, %lld, %lld)", i,
                     (long long)b, (long long)n, (long long)st, (long long)c->want_start,
                     (long long)c->want_count, (long long)c->want_step);
  }
}

TEST(slice_extreme_bounds_do_not_overflow) {
  struct {
    zbuf_slice s;
    int64_t length, start, count, step;
  } x[] = {
      {ZBUF_SLICE_STEP(INT64_MIN, INT64_MAX, 1), 10, 0, 10, 1},
      {ZBUF_SLICE_STEP(INT64_MAX, INT64_MIN, -1), 10, 9, 10, -1},
      {ZBUF_SLICE_STEP(INT64_MIN, INT64_MAX, INT64_MAX), 10, 0, 1, INT64_MAX},
      {ZBUF_SLICE_STEP(INT64_MAX, INT64_MIN, INT64_MIN), 10, 9, 1, INT64_MIN},
      {ZBUF_SLICE_STEP(0, 10, INT64_MIN), 10, 0, 0, INT64_MIN},
      {ZBUF_SLICE_STEP(INT64_MIN, INT64_MIN, INT64_MIN), INT64_MAX, -1, 0, INT64_MIN},
      {ZBUF_SLICE_STEP(INT64_MAX, INT64_MAX, INT64_MAX), INT64_MAX, INT64_MAX, 0, INT64_MAX},
      {{0, 0, INT64_MIN, P}, INT64_MAX, INT64_MAX - 1, 1, INT64_MIN},
      {{0, 0, INT64_MAX, P}, INT64_MAX, 0, 1, INT64_MAX},
      {{INT64_MIN, 0, -1, S | P}, INT64_MAX, -1, 0, -1},
      {{0, INT64_MIN, -1, E | P}, INT64_MAX, INT64_MAX - 1, INT64_MAX, -1},
      {{-1, 0, -1, S | P}, INT64_MAX, INT64_MAX - 1, INT64_MAX, -1},
      {{0, 0, -2, P}, INT64_MAX, INT64_MAX - 1, INT64_C(4611686018427387904), -2},
      {ZBUF_SLICE_ALL, INT64_MAX, 0, INT64_MAX, 1},
  };
  for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
    int64_t b = 7777, n = 7777, st = 7777; /* no case expects 7777: an output left unset fails */
    ASSERT_OK(zbuf_slice_resolve(x[i].s, x[i].length, &b, &n, &st, NULL), (zbuf_error *)NULL);
    ASSERT_INT_EQ(b, x[i].start);
    ASSERT_INT_EQ(n, x[i].count);
    ASSERT_INT_EQ(st, x[i].step);
  }
}

/* For every small slice, the selected indices start..start+(count-1)*step lie inside [0, length), and one
 * more step would leave the range the bounds allow: count is neither too small nor too large. */
TEST(slice_selected_indices_stay_in_range) {
  for (int64_t len = 0; len <= 7; len++)
    for (int64_t a = -9; a <= 9; a++)
      for (int64_t e = -9; e <= 9; e++)
        for (int64_t p = -4; p <= 4; p++) {
          if (p == 0) continue;
          int64_t b, n, st;
          ASSERT_OK(zbuf_slice_resolve(ZBUF_SLICE_STEP(a, e, p), len, &b, &n, &st, NULL), (zbuf_error *)NULL);
          ASSERT(n >= 0 && n <= len);
          for (int64_t k = 0; k < n; k++) {
            int64_t idx = b + k * st;
            ASSERT(idx >= 0 && idx < len);
          }
          /* The index after the last lies at or beyond the (normalised) stop. */
          int64_t stop = e < 0 ? e + len : e;
          if (p > 0) {
            if (stop > len) stop = len;
            ASSERT(b + n * st >= stop || n == 0);
          } else {
            if (stop < -1) stop = -1;
            ASSERT(b + n * st <= stop || n == 0);
          }
        }
}

TEST(slice_zero_step_is_einval) {
  int64_t b = 7, n = 7, st = 7;
  zbuf_error err_ = {0}, *err = &err_;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_slice_resolve(ZBUF_SLICE_STEP(0, 5, 0), 10, &b, &n, &st, err), err);
  ASSERT(strstr(err->message, "step") != NULL);
  ASSERT_INT_EQ(b, 7);
  ASSERT_INT_EQ(n, 7);
  ASSERT_INT_EQ(st, 7);
}

TEST(slice_negative_length_is_einval) {
  int64_t b = 7, n = 7, st = 7;
  zbuf_error err_ = {0}, *err = &err_;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_slice_resolve(ZBUF_SLICE_ALL, -1, &b, &n, &st, err), err);
  ASSERT(strstr(err->message, "length") != NULL);
  ASSERT_INT_EQ(b + n + st, 21);
}

TEST(slice_null_outputs_are_einval) {
  int64_t b, n, st;
  zbuf_error err_ = {0}, *err = &err_;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_slice_resolve(ZBUF_SLICE_ALL, 3, NULL, &n, &st, err), err);
  ASSERT(strstr(err->message, "start") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_slice_resolve(ZBUF_SLICE_ALL, 3, &b, NULL, &st, err), err);
  ASSERT(strstr(err->message, "count") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_slice_resolve(ZBUF_SLICE_ALL, 3, &b, &n, NULL, err), err);
  ASSERT(strstr(err->message, "step") != NULL);
}

TEST(slice_zero_value_is_everything) {
  zbuf_slice s = {0};
  int64_t b, n, st;
  ASSERT_OK(zbuf_slice_resolve(s, 13, &b, &n, &st, NULL), (zbuf_error *)NULL);
  ASSERT_INT_EQ(b, 0);
  ASSERT_INT_EQ(n, 13);
  ASSERT_INT_EQ(st, 1);
}

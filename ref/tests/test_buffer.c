/* Unit tests for buffer.c: Zarr-Python's `Buffer` (core.py / cpu.py) as zbuf_buffer. Slices are views,
 * conversions copy only across memory spaces, and every error leaves inputs and outputs as they were. */
#include <stdatomic.h>

#include "test.h"
#include "test_util.h"

static const zbuf_device BOGUS = {(zbuf_device_type)77, 0};

/* A distinct non-NULL pointer: outputs set to it must still hold it after a failed call. */
static char sentinel_storage;
#define SENTINEL ((zbuf_buffer *)(void *)&sentinel_storage)

static zbuf_buffer *bytes_buffer(const char *s) {
  zbuf_buffer *b = NULL;
  zbuf_error e = {0}, *err = &e;
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, s, strlen(s), &b, err), err);
  return b;
}

/* The buffer's bytes as a NUL-terminated string in out (at most 63 bytes). */
static const char *contents(const zbuf_buffer *b, char out[64]) {
  size_t n = zbuf_buffer_length(b);
  ASSERT(n < 64);
  ASSERT_OK(zbuf_buffer_to_bytes(b, out, 63, NULL), (zbuf_error *)NULL);
  out[n] = '\0';
  return out;
}

/* ---- creation ---- */

TEST(from_bytes_copies_the_bytes) {
  char src[6] = "hello";
  zbuf_buffer *b = bytes_buffer(src);
  char s[64];
  ASSERT_UINT_EQ(zbuf_buffer_length(b), 5);
  ASSERT(zbuf_device_equal(zbuf_buffer_device(b), ZBUF_CPU));
  ASSERT(zbuf_buffer_data(b) != (void *)src);
  src[0] = 'J';
  ASSERT_STR_EQ(contents(b, s), "hello");
  zbuf_buffer_release(b);
}

TEST(from_bytes_of_zero_bytes_has_null_data) {
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, NULL, 0, &b, NULL), (zbuf_error *)NULL);
  ASSERT_UINT_EQ(zbuf_buffer_length(b), 0);
  ASSERT(zbuf_buffer_data(b) == NULL);
  zbuf_buffer_release(b);
  ASSERT_OK(zbuf_buffer_from_bytes(ZBUF_CPU, "x", 0, &b, NULL), (zbuf_error *)NULL);
  ASSERT(zbuf_buffer_data(b) == NULL);
  zbuf_buffer_release(b);
}

TEST(create_zero_length_is_empty_host_buffer) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_create_zero_length(ZBUF_CPU, &b, err), err);
  ASSERT_UINT_EQ(zbuf_buffer_length(b), 0);
  ASSERT(zbuf_buffer_data(b) == NULL);
  ASSERT(zbuf_device_equal(zbuf_buffer_device(b), ZBUF_CPU));
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 1);
  zbuf_buffer_release(b);
}

TEST(creation_errors_name_the_argument_and_leave_out_alone) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *b = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_from_bytes(ZBUF_CPU, NULL, 3, &b, err), err);
  ASSERT(strstr(err->message, "data") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_from_bytes(ZBUF_CPU, "abc", 3, NULL, err), err);
  ASSERT(strstr(err->message, "out") != NULL);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_buffer_from_bytes(BOGUS, "abc", 3, &b, err), err);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_buffer_create_zero_length(BOGUS, &b, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_create_zero_length(ZBUF_CPU, NULL, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_wrap(ZBUF_CPU, NULL, 3, NULL, NULL, &b, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_wrap(ZBUF_CPU, "abc", 3, NULL, NULL, NULL, err), err);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_buffer_wrap(BOGUS, "abc", 3, NULL, NULL, &b, err), err);
  ASSERT(b == SENTINEL);
}

TEST(creation_in_cuda_without_cuda_is_unsupported) {
  if (have_cuda()) SKIP("this build has a usable CUDA device");
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *b = SENTINEL;
  zbuf_device pinned = {ZBUF_DEVICE_CUDA_HOST, 0};
  zbuf_status st = zbuf_buffer_from_bytes(CUDA0, "abc", 3, &b, err);
  if (st == ZBUF_ENODEV) SKIP("CUDA is built in but no device is usable");
  ASSERT_STATUS(ZBUF_EUNSUPPORTED, st, err);
  ASSERT(strstr(err->message, "without CUDA support") != NULL);
  ASSERT_STATUS(ZBUF_EUNSUPPORTED, zbuf_buffer_create_zero_length(pinned, &b, err), err);
  ASSERT_STATUS(ZBUF_EUNSUPPORTED, zbuf_buffer_wrap(CUDA0, (void *)"abc", 3, NULL, NULL, &b, err), err);
  ASSERT(b == SENTINEL);
}

/* ---- wrap: zero-copy and the release callback ---- */

TEST(wrap_is_zero_copy) {
  char mem[8] = "abcdefg";
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_wrap(ZBUF_CPU, mem, 7, NULL, NULL, &b, NULL), (zbuf_error *)NULL);
  ASSERT(zbuf_buffer_data(b) == (void *)mem);
  mem[0] = 'Z';
  char s[64];
  ASSERT_STR_EQ(contents(b, s), "Zbcdefg");
  zbuf_buffer_release(b);
}

TEST(wrap_release_runs_once_after_the_last_view) {
  char mem[8] = "abcdefg";
  release_log log = {0};
  zbuf_buffer *b = NULL, *v = NULL, *w = NULL;
  ASSERT_OK(zbuf_buffer_wrap(ZBUF_CPU, mem, 7, record_release, &log, &b, NULL), (zbuf_error *)NULL);
  ASSERT_OK(zbuf_buffer_slice(b, ZBUF_SLICE(1, 4), &v, NULL), (zbuf_error *)NULL);
  ASSERT_OK(zbuf_buffer_from_buffer(ZBUF_CPU, v, &w, NULL), (zbuf_error *)NULL);
  zbuf_buffer_release(b);
  ASSERT_INT_EQ(atomic_load(&log.calls), 0);
  char s[64];
  ASSERT_STR_EQ(contents(v, s), "bcd");
  zbuf_buffer_release(v);
  ASSERT_INT_EQ(atomic_load(&log.calls), 0);
  ASSERT_STR_EQ(contents(w, s), "bcd");
  zbuf_buffer_release(w);
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
  ASSERT(log.data == (void *)mem && log.ctx == (void *)&log);
}

TEST(wrap_of_zero_bytes_reports_null_data_but_releases_the_pointer) {
  char mem[1];
  release_log log = {0};
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_wrap(ZBUF_CPU, mem, 0, record_release, &log, &b, NULL), (zbuf_error *)NULL);
  ASSERT(zbuf_buffer_data(b) == NULL);
  zbuf_buffer_release(b);
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
  ASSERT(log.data == (void *)mem);
}

TEST(wrap_failure_leaves_the_memory_with_the_caller) {
  zbuf_error e = {0}, *err = &e;
  char mem[4];
  release_log log = {0};
  for (int64_t k = 1;; k++) {
    zbuf_buffer *b = SENTINEL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_buffer_wrap(ZBUF_CPU, mem, 4, record_release, &log, &b, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      ASSERT(k > 1);
      zbuf_buffer_release(b);
      break;
    }
    ASSERT_STATUS(ZBUF_ENOMEM, st, err);
    ASSERT(b == SENTINEL);
    ASSERT_INT_EQ(atomic_load(&log.calls), 0);
  }
  ASSERT_INT_EQ(atomic_load(&log.calls), 1);
}

/* ---- from_buffer, to_host, to_bytes ---- */

TEST(from_buffer_in_the_same_space_shares_memory) {
  zbuf_buffer *a = bytes_buffer("shared"), *b = NULL;
  ASSERT_OK(zbuf_buffer_from_buffer(ZBUF_CPU, a, &b, NULL), (zbuf_error *)NULL);
  ASSERT(a != b);
  ASSERT(zbuf_buffer_data(a) == zbuf_buffer_data(b));
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 2);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 1);
  ((char *)zbuf_buffer_data(b))[0] = 'S';
  char s[64];
  ASSERT_STR_EQ(contents(a, s), "Shared");
  zbuf_buffer_release(a);
  ASSERT_STR_EQ(contents(b, s), "Shared");
  zbuf_buffer_release(b);
}

TEST(from_buffer_errors) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("abc"), *b = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_from_buffer(ZBUF_CPU, NULL, &b, err), err);
  ASSERT(strstr(err->message, "src") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_from_buffer(ZBUF_CPU, a, NULL, err), err);
  ASSERT(strstr(err->message, "out") != NULL);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_buffer_from_buffer(BOGUS, a, &b, err), err);
  if (!have_cuda()) ASSERT_STATUS(NO_CUDA, zbuf_buffer_from_buffer(CUDA0, a, &b, err), err);
  ASSERT(b == SENTINEL);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.handles, 1);
  ASSERT_INT_EQ(s.blocks, 1);
  zbuf_buffer_release(a);
}

TEST(to_host_of_host_memory_is_a_new_reference) {
  zbuf_buffer *a = bytes_buffer("host"), *h = NULL;
  ASSERT_OK(zbuf_buffer_to_host(a, &h, NULL), (zbuf_error *)NULL);
  ASSERT(zbuf_buffer_data(h) == zbuf_buffer_data(a));
  ASSERT(zbuf_device_is_host(zbuf_buffer_device(h)));
  zbuf_buffer_release(a);
  char s[64];
  ASSERT_STR_EQ(contents(h, s), "host");
  zbuf_buffer_release(h);
}

TEST(to_host_errors) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("x"), *h = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_to_host(NULL, &h, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_to_host(a, NULL, err), err);
  ASSERT(h == SENTINEL);
  zbuf_buffer_release(a);
}

TEST(to_bytes_copies_out_and_checks_the_size) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("abcdef");
  char dst[8] = "zzzzzzz";
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_to_bytes(a, dst, 5, err), err);
  ASSERT(strstr(err->message, "dst_size") != NULL);
  ASSERT_STR_EQ(dst, "zzzzzzz");
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_to_bytes(a, NULL, 8, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_to_bytes(NULL, dst, 8, err), err);
  ASSERT_OK(zbuf_buffer_to_bytes(a, dst, 6, err), err);
  ASSERT_STR_EQ(dst, "abcdefz");
  zbuf_buffer *z = NULL;
  ASSERT_OK(zbuf_buffer_create_zero_length(ZBUF_CPU, &z, err), err);
  ASSERT_OK(zbuf_buffer_to_bytes(z, NULL, 0, err), err);
  zbuf_buffer_release(z);
  zbuf_buffer_release(a);
}

TEST(accessors_accept_null) {
  ASSERT(zbuf_buffer_data(NULL) == NULL);
  ASSERT_UINT_EQ(zbuf_buffer_length(NULL), 0);
  ASSERT(zbuf_buffer_retain(NULL) == NULL);
  zbuf_buffer_release(NULL);
}

/* ---- slices ---- */

TEST(slice_is_a_view_that_aliases_its_source) {
  zbuf_buffer *a = bytes_buffer("0123456789"), *v = NULL;
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(2, 6), &v, NULL), (zbuf_error *)NULL);
  char s[64];
  ASSERT_STR_EQ(contents(v, s), "2345");
  char *vd = zbuf_buffer_data(v);
  /* vd != NULL tells the compiler too: zbuf_buffer_data is NULL for an empty buffer, and GCC -flto warns
   * (stringop-overflow) about the write below on that path. */
  ASSERT(vd != NULL && vd == (char *)zbuf_buffer_data(a) + 2);
  vd[0] = 'X';
  ASSERT_STR_EQ(contents(a, s), "01X3456789");
  ((char *)zbuf_buffer_data(a))[5] = 'Y';
  ASSERT_STR_EQ(contents(v, s), "X34Y");
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 1);
  zbuf_buffer_release(a);
  zbuf_buffer_release(v);
}

TEST(slice_follows_python_rules_for_bounds) {
  zbuf_buffer *a = bytes_buffer("0123456789");
  struct {
    zbuf_slice key;
    const char *want;
  } cases[] = {
      {ZBUF_SLICE_ALL, "0123456789"},
      {ZBUF_SLICE(-3, 100), "789"},
      {ZBUF_SLICE(-100, 2), "01"},
      {ZBUF_SLICE(7, 3), ""},
      {ZBUF_SLICE_STEP(1, -1, 1), "12345678"},
      {{4, 0, 0, ZBUF_SLICE_HAS_START}, "456789"},
      {{0, -8, 0, ZBUF_SLICE_HAS_STOP}, "01"},
      {{0, 0, 1, ZBUF_SLICE_HAS_STEP}, "0123456789"},
      {ZBUF_SLICE(INT64_MIN, INT64_MAX), "0123456789"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zbuf_buffer *v = NULL;
    ASSERT_OK(zbuf_buffer_slice(a, cases[i].key, &v, NULL), (zbuf_error *)NULL);
    char s[64];
    ASSERT_STR_EQ(contents(v, s), cases[i].want);
    if (cases[i].want[0] == '\0') ASSERT(zbuf_buffer_data(v) == NULL);
    zbuf_buffer_release(v);
  }
  zbuf_buffer_release(a);
}

TEST(slice_of_a_slice_offsets_add_up) {
  zbuf_buffer *a = bytes_buffer("abcdefghij"), *v = NULL, *w = NULL;
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(3, 9), &v, NULL), (zbuf_error *)NULL);
  ASSERT_OK(zbuf_buffer_slice(v, ZBUF_SLICE(-4, -1), &w, NULL), (zbuf_error *)NULL);
  char s[64];
  ASSERT_STR_EQ(contents(w, s), "fgh");
  zbuf_buffer_release(a);
  zbuf_buffer_release(v);
  ASSERT_STR_EQ(contents(w, s), "fgh");
  zbuf_buffer_release(w);
}

TEST(slice_rejects_steps_other_than_one) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("abcdef"), *v = SENTINEL;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_slice(a, ZBUF_SLICE_STEP(0, 6, 2), &v, err), err);
  ASSERT(strstr(err->message, "step") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_slice(a, ZBUF_SLICE_STEP(5, 0, -1), &v, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_slice(a, ZBUF_SLICE_STEP(0, 6, 0), &v, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_slice(NULL, ZBUF_SLICE_ALL, &v, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_slice(a, ZBUF_SLICE_ALL, NULL, err), err);
  ASSERT(v == SENTINEL);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 1);
  zbuf_buffer_release(a);
}

/* ---- set_slice ---- */

TEST(set_slice_writes_into_the_selected_bytes) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("0123456789"), *v = bytes_buffer("abc");
  ASSERT_OK(zbuf_buffer_set_slice(a, ZBUF_SLICE(-4, -1), v, err), err);
  char s[64];
  ASSERT_STR_EQ(contents(a, s), "012345abc9");
  ASSERT_STR_EQ(contents(v, s), "abc");
  zbuf_buffer_release(a);
  zbuf_buffer_release(v);
}

TEST(set_slice_through_a_view_is_seen_by_the_parent) {
  zbuf_buffer *a = bytes_buffer("0123456789"), *view = NULL, *v = bytes_buffer("XY");
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(5, 10), &view, NULL), (zbuf_error *)NULL);
  ASSERT_OK(zbuf_buffer_set_slice(view, ZBUF_SLICE(1, 3), v, NULL), (zbuf_error *)NULL);
  char s[64];
  ASSERT_STR_EQ(contents(a, s), "012345XY89");
  zbuf_buffer_release(a);
  zbuf_buffer_release(view);
  zbuf_buffer_release(v);
}

TEST(set_slice_handles_overlapping_views) {
  zbuf_buffer *a = bytes_buffer("abcdefghij"), *src = NULL;
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(0, 6), &src, NULL), (zbuf_error *)NULL);
  ASSERT_OK(zbuf_buffer_set_slice(a, ZBUF_SLICE(2, 8), src, NULL), (zbuf_error *)NULL);
  char s[64];
  ASSERT_STR_EQ(contents(a, s), "ababcdefij");
  zbuf_buffer_release(src);
  zbuf_buffer_release(a);
  a = bytes_buffer("abcdefghij");
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(3, 10), &src, NULL), (zbuf_error *)NULL);
  ASSERT_OK(zbuf_buffer_set_slice(a, ZBUF_SLICE(0, 7), src, NULL), (zbuf_error *)NULL);
  ASSERT_STR_EQ(contents(a, s), "defghijhij");
  ASSERT_OK(zbuf_buffer_set_slice(a, ZBUF_SLICE_ALL, a, NULL), (zbuf_error *)NULL);
  ASSERT_STR_EQ(contents(a, s), "defghijhij");
  zbuf_buffer_release(src);
  zbuf_buffer_release(a);
}

TEST(set_slice_errors_leave_dst_unchanged) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("0123456789"), *v = bytes_buffer("abc");
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_set_slice(a, ZBUF_SLICE(0, 4), v, err), err);
  ASSERT(strstr(err->message, "length") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_set_slice(a, ZBUF_SLICE(8, 20), v, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_set_slice(a, ZBUF_SLICE_STEP(0, 6, 2), v, err), err);
  ASSERT(strstr(err->message, "step") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_set_slice(a, ZBUF_SLICE_STEP(0, 3, 0), v, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_set_slice(NULL, ZBUF_SLICE(0, 3), v, err), err);
  ASSERT(strstr(err->message, "dst") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_set_slice(a, ZBUF_SLICE(0, 3), NULL, err), err);
  ASSERT(strstr(err->message, "value") != NULL);
  char s[64];
  ASSERT_STR_EQ(contents(a, s), "0123456789");
  zbuf_buffer_release(a);
  zbuf_buffer_release(v);
}

TEST(set_slice_of_nothing_with_nothing_is_ok) {
  zbuf_buffer *a = bytes_buffer("0123"), *z = NULL;
  ASSERT_OK(zbuf_buffer_create_zero_length(ZBUF_CPU, &z, NULL), (zbuf_error *)NULL);
  ASSERT_OK(zbuf_buffer_set_slice(a, ZBUF_SLICE(3, 1), z, NULL), (zbuf_error *)NULL);
  ASSERT_OK(zbuf_buffer_set_slice(z, ZBUF_SLICE_ALL, z, NULL), (zbuf_error *)NULL);
  char s[64];
  ASSERT_STR_EQ(contents(a, s), "0123");
  zbuf_buffer_release(a);
  zbuf_buffer_release(z);
}

/* ---- combine ---- */

TEST(combine_concatenates_in_order_into_new_memory) {
  zbuf_buffer *p[4] = {bytes_buffer("ab"), NULL, bytes_buffer("cde"), bytes_buffer("f")};
  ASSERT_OK(zbuf_buffer_create_zero_length(ZBUF_CPU, &p[1], NULL), (zbuf_error *)NULL);
  zbuf_buffer *c = NULL;
  ASSERT_OK(zbuf_buffer_combine((const zbuf_buffer *const *)p, 4, &c, NULL), (zbuf_error *)NULL);
  char s[64];
  ASSERT_STR_EQ(contents(c, s), "abcdef");
  ((char *)zbuf_buffer_data(p[0]))[0] = 'X';
  ASSERT_STR_EQ(contents(c, s), "abcdef");
  for (int i = 0; i < 4; i++) zbuf_buffer_release(p[i]);
  zbuf_buffer_release(c);
}

TEST(combine_of_one_part_is_a_copy) {
  zbuf_buffer *a = bytes_buffer("solo"), *c = NULL;
  const zbuf_buffer *parts[1] = {a};
  ASSERT_OK(zbuf_buffer_combine(parts, 1, &c, NULL), (zbuf_error *)NULL);
  ASSERT(zbuf_buffer_data(c) != zbuf_buffer_data(a));
  char s[64];
  ASSERT_STR_EQ(contents(c, s), "solo");
  zbuf_buffer_release(a);
  zbuf_buffer_release(c);
}

TEST(combine_with_itself_and_views) {
  zbuf_buffer *a = bytes_buffer("xyz"), *v = NULL, *c = NULL;
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(1, 3), &v, NULL), (zbuf_error *)NULL);
  const zbuf_buffer *parts[3] = {a, v, a};
  ASSERT_OK(zbuf_buffer_combine(parts, 3, &c, NULL), (zbuf_error *)NULL);
  char s[64];
  ASSERT_STR_EQ(contents(c, s), "xyzyzxyz");
  zbuf_buffer_release(a);
  zbuf_buffer_release(v);
  zbuf_buffer_release(c);
}

TEST(combine_errors) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("a"), *c = SENTINEL;
  const zbuf_buffer *parts[2] = {a, NULL};
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_combine(parts, 0, &c, err), err);
  ASSERT(strstr(err->message, "n = 0") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_combine(NULL, 1, &c, err), err);
  ASSERT(strstr(err->message, "parts") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_combine(parts, 2, &c, err), err);
  ASSERT(strstr(err->message, "parts[1]") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_combine(parts, 1, NULL, err), err);
  ASSERT(c == SENTINEL);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 1);
  zbuf_buffer_release(a);
}

/* ---- equal ---- */

TEST(equal_compares_length_then_bytes) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("abcabc"), *b = bytes_buffer("abc"), *x = bytes_buffer("abd");
  zbuf_buffer *v1 = NULL, *v2 = NULL, *z1 = NULL, *z2 = NULL;
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(0, 3), &v1, err), err);
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(3, 6), &v2, err), err);
  ASSERT_OK(zbuf_buffer_create_zero_length(ZBUF_CPU, &z1, err), err);
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(4, 4), &z2, err), err);
  int eq = -1;
  ASSERT_OK(zbuf_buffer_equal(v1, v2, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_buffer_equal(v1, b, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_buffer_equal(b, x, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_buffer_equal(a, b, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_buffer_equal(b, a, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_buffer_equal(z1, z2, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  ASSERT_OK(zbuf_buffer_equal(z1, b, &eq, err), err);
  ASSERT_INT_EQ(eq, 0);
  ASSERT_OK(zbuf_buffer_equal(a, a, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_buffer *all[] = {a, b, x, v1, v2, z1, z2};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) zbuf_buffer_release(all[i]);
}

TEST(equal_errors_leave_the_result_alone) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *a = bytes_buffer("a");
  int eq = 42;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_equal(NULL, a, &eq, err), err);
  ASSERT(strstr(err->message, "a is NULL") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_equal(a, NULL, &eq, err), err);
  ASSERT(strstr(err->message, "b is NULL") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_buffer_equal(a, a, NULL, err), err);
  ASSERT(strstr(err->message, "equal") != NULL);
  ASSERT_INT_EQ(eq, 42);
  zbuf_buffer_release(a);
}

/* ---- reference counting and accounting ---- */

TEST(retain_and_release_count_references) {
  zbuf_buffer *a = bytes_buffer("rc");
  ASSERT(zbuf_buffer_retain(a) == a);
  zbuf_buffer_release(a);
  char s[64];
  ASSERT_STR_EQ(contents(a, s), "rc");
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 1);
  zbuf_buffer_release(a);
  zbuf_alloc_stats st = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(st.handles + st.blocks + st.bytes, 0);
}

TEST(stats_count_handles_blocks_and_bytes) {
  zbuf_buffer *a = bytes_buffer("0123456789"), *v = NULL;
  ASSERT_OK(zbuf_buffer_slice(a, ZBUF_SLICE(1, 3), &v, NULL), (zbuf_error *)NULL);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.handles, 2);
  ASSERT_INT_EQ(s.blocks, 1);
  ASSERT_INT_EQ(s.bytes, 10);
  zbuf_buffer_release(a);
  s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.handles, 1);
  ASSERT_INT_EQ(s.bytes, 10);
  zbuf_buffer_release(v);
}

/* ---- fault injection: every allocating call fails cleanly at each of its allocations ---- */

typedef zbuf_status (*alloc_op)(zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err);

static zbuf_status op_from_bytes(zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err) {
  (void)src;
  return zbuf_buffer_from_bytes(ZBUF_CPU, "payload", 7, out, err);
}
static zbuf_status op_zero_length(zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err) {
  (void)src;
  return zbuf_buffer_create_zero_length(ZBUF_CPU, out, err);
}
static zbuf_status op_from_buffer(zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err) {
  return zbuf_buffer_from_buffer(ZBUF_CPU, src, out, err);
}
static zbuf_status op_slice(zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err) {
  return zbuf_buffer_slice(src, ZBUF_SLICE(1, 4), out, err);
}
static zbuf_status op_combine(zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err) {
  const zbuf_buffer *parts[3] = {src, src, src};
  return zbuf_buffer_combine(parts, 3, out, err);
}
static zbuf_status op_to_host(zbuf_buffer *src, zbuf_buffer **out, zbuf_error *err) {
  return zbuf_buffer_to_host(src, out, err);
}

/* For k = 1, 2, ...: the k-th allocation fails; the call must answer ZBUF_ENOMEM with out untouched and
 * the live counters as they were, until k passes the number of allocations the call makes. Returns how
 * many allocations the call needed. */
static int64_t check_every_failure(alloc_op op, const char *want) {
  zbuf_error e = {0}, *err = &e;
  zbuf_buffer *src = bytes_buffer("payload");
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    zbuf_buffer *out = SENTINEL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = op(src, &out, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      char s[64];
      ASSERT_STR_EQ(contents(out, s), want);
      zbuf_buffer_release(out);
      zbuf_buffer_release(src);
      return k - 1;
    }
    ASSERT_STATUS(ZBUF_ENOMEM, st, err);
    ASSERT(out == SENTINEL);
    zbuf_alloc_stats now = zbuf_alloc_stats_get();
    ASSERT_INT_EQ(now.blocks, before.blocks);
    ASSERT_INT_EQ(now.bytes, before.bytes);
    ASSERT_INT_EQ(now.handles, before.handles);
    char s[64];
    ASSERT_STR_EQ(contents(src, s), "payload");
  }
}

TEST(fault_injection_from_bytes) { ASSERT_INT_EQ(check_every_failure(op_from_bytes, "payload"), 3); }
TEST(fault_injection_create_zero_length) { ASSERT_INT_EQ(check_every_failure(op_zero_length, ""), 2); }
TEST(fault_injection_from_buffer) { ASSERT_INT_EQ(check_every_failure(op_from_buffer, "payload"), 1); }
TEST(fault_injection_slice) { ASSERT_INT_EQ(check_every_failure(op_slice, "ayl"), 1); }
TEST(fault_injection_combine) { ASSERT_INT_EQ(check_every_failure(op_combine, "payloadpayloadpayload"), 3); }
TEST(fault_injection_to_host_of_host_memory_allocates_nothing) {
  ASSERT_INT_EQ(check_every_failure(op_to_host, "payload"), 0);
}

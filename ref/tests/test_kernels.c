/* Unit tests of ref/cast.c and ref/kernels_host.c: element casts (NumPy astype, unsafe casting) and the
 * strided kernels.
 * Cast expectations come from NumPy, recorded once in cast_vectors.h (see gen_cast_vectors.py), and from
 * the rules stated in cast.c for the readable cases below. Kernel expectations are computed here
 * from index arithmetic. */
#include <math.h>

#include "float16.h"
#include "internal.h"
#include "test.h"

#include "cast_vectors.h"

static int host_little(void) {
  const uint16_t probe = 1;
  unsigned char first;
  memcpy(&first, &probe, 1);
  return first;
}

static zbuf_byteorder other_order(void) { return host_little() ? ZBUF_BIG : ZBUF_LITTLE; }

static zbuf_dtype dt(zbuf_dtype_kind kind, zbuf_byteorder order) {
  zbuf_dtype d = {kind, order};
  return d;
}

/* Reverses the bytes of each scalar part of one element (complex: real and imaginary separately). */
static void reverse_parts(unsigned char *p, zbuf_dtype_kind kind) {
  size_t size = zbuf_dtype_itemsize(zbuf_dtype_native(kind));
  size_t part = kind >= ZBUF_COMPLEX64 ? size / 2 : size;
  for (size_t off = 0; off < size; off += part)
    for (size_t i = 0, j = part - 1; i < j; i++, j--) {
      unsigned char t = p[off + i];
      p[off + i] = p[off + j];
      p[off + j] = t;
    }
}

/* Decodes n elements of `kind` from little-endian hex into native order. */
static void decode(const char *hex, zbuf_dtype_kind kind, int n, unsigned char *out) {
  size_t size = zbuf_dtype_itemsize(zbuf_dtype_native(kind));
  for (size_t i = 0; i < size * (size_t)n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) zbuf_test_fail(__FILE__, __LINE__, "bad hex in cast_vectors.h");
    out[i] = (unsigned char)v;
  }
  if (!host_little())
    for (int e = 0; e < n; e++) reverse_parts(out + (size_t)e * size, kind);
}

static zbuf__view view1d(void *data, zbuf_dtype d, int64_t n, int64_t stride) {
  zbuf__view v = {0};
  v.data = data;
  v.dtype = d;
  v.ndim = 1;
  v.shape[0] = n;
  v.strides[0] = stride;
  return v;
}

enum { MAXV = 64 };

/* Checks every recorded pair with the given storage orders of source and destination, both through
 * zbuf__cast_element and through zbuf__kernel_copy over a strided view. */
static void check_vectors(int swap_src, int swap_dst) {
  for (size_t r = 0; r < sizeof cast_vectors / sizeof cast_vectors[0]; r++) {
    const struct cast_vector *cv = &cast_vectors[r];
    zbuf_dtype s = dt(cv->src, swap_src ? other_order() : ZBUF_NATIVE);
    zbuf_dtype d = dt(cv->dst, swap_dst ? other_order() : ZBUF_NATIVE);
    size_t ss = zbuf_dtype_itemsize(s), ds = zbuf_dtype_itemsize(d);
    unsigned char src[MAXV * 16], want[MAXV * 16], got[MAXV * 16], strided[MAXV * 32];
    ASSERT(cv->count <= MAXV);
    decode(cv->src_hex, cv->src, cv->count, src);
    decode(cv->dst_hex, cv->dst, cv->count, want);
    for (int e = 0; e < cv->count; e++) {
      if (swap_src) reverse_parts(src + e * ss, cv->src);
      if (swap_dst) reverse_parts(want + e * ds, cv->dst);
    }
    for (int e = 0; e < cv->count; e++) {
      memset(got, 0xAB, ds);
      zbuf__cast_element(got, d, src + e * ss, s);
      if (memcmp(got, want + e * ds, ds) != 0) {
        char a[8], b[8];
        zbuf_test_fail(__FILE__, __LINE__, "cast %s -> %s of element %d differs from NumPy (swap %d/%d)",
                       zbuf_dtype_str(s, a), zbuf_dtype_str(d, b), e, swap_src, swap_dst);
      }
    }
    /* The kernel over contiguous rows (its blocked loop runs on the first multiple of 8 elements). */
    memset(got, 0xAB, sizeof got);
    zbuf__view dc = view1d(got, d, cv->count, (int64_t)ds), sc = view1d(src, s, cv->count, (int64_t)ss);
    zbuf__kernel_copy(&dc, &sc);
    if (memcmp(got, want, ds * (size_t)cv->count) != 0) {
      char a[8], b[8];
      zbuf_test_fail(__FILE__, __LINE__, "contiguous kernel_copy %s -> %s differs from NumPy (swap %d/%d)",
                     zbuf_dtype_str(s, a), zbuf_dtype_str(d, b), swap_src, swap_dst);
    }
    /* The kernel, reading every other slot of a strided source. */
    memset(strided, 0, sizeof strided);
    for (int e = 0; e < cv->count; e++) memcpy(strided + 2 * e * ss, src + e * ss, ss);
    zbuf__view dv = view1d(got, d, cv->count, (int64_t)ds),
               sv = view1d(strided, s, cv->count, 2 * (int64_t)ss);
    zbuf__kernel_copy(&dv, &sv);
    if (memcmp(got, want, ds * (size_t)cv->count) != 0) {
      char a[8], b[8];
      zbuf_test_fail(__FILE__, __LINE__, "kernel_copy %s -> %s differs from NumPy (swap %d/%d)",
                     zbuf_dtype_str(s, a), zbuf_dtype_str(d, b), swap_src, swap_dst);
    }
  }
}

TEST(cast_matches_numpy_for_every_kind_pair) { check_vectors(0, 0); }
TEST(cast_matches_numpy_with_byte_swapped_source) { check_vectors(1, 0); }
TEST(cast_matches_numpy_with_byte_swapped_destination) { check_vectors(0, 1); }
TEST(cast_matches_numpy_with_both_sides_byte_swapped) { check_vectors(1, 1); }

/* ---- the rules, readably ---- */

static int64_t to_i64(double x, zbuf_dtype_kind from) {
  unsigned char in[16] = {0};
  if (from == ZBUF_FLOAT16) {
    uint16_t h = zbuf__half_from_double(x);
    memcpy(in, &h, 2);
  } else if (from == ZBUF_FLOAT32) {
    float f = (float)x;
    memcpy(in, &f, 4);
  } else {
    memcpy(in, &x, 8);
  }
  int64_t out;
  zbuf__cast_element(&out, zbuf_dtype_native(ZBUF_INT64), in, zbuf_dtype_native(from));
  return out;
}

static uint64_t double_to(zbuf_dtype_kind to, double x) {
  unsigned char out[8] = {0};
  zbuf__cast_element(out, zbuf_dtype_native(to), &x, zbuf_dtype_native(ZBUF_FLOAT64));
  switch (zbuf_dtype_itemsize(zbuf_dtype_native(to))) {
    case 1: return out[0];
    case 2: {
      uint16_t v;
      memcpy(&v, out, 2);
      return v;
    }
    case 4: {
      uint32_t v;
      memcpy(&v, out, 4);
      return v;
    }
    default: {
      uint64_t v;
      memcpy(&v, out, 8);
      return v;
    }
  }
}

TEST(float_to_int_truncates_toward_zero_in_range) {
  ASSERT_INT_EQ(to_i64(-2.5, ZBUF_FLOAT64), -2);
  ASSERT_INT_EQ(to_i64(2.99, ZBUF_FLOAT32), 2);
  ASSERT_INT_EQ(to_i64(-300.75, ZBUF_FLOAT16), -300);
  ASSERT_INT_EQ(to_i64(-0.0, ZBUF_FLOAT64), 0);
  ASSERT_UINT_EQ(double_to(ZBUF_UINT64, 1e19), UINT64_C(10000000000000000000));
  ASSERT_UINT_EQ(double_to(ZBUF_INT32, 2147483647.9), 2147483647);
}

/* The invalid conversions as the rule in cast.c states them (observed on NumPy 2.4, x86-64). */
TEST(float_to_int_of_nan_inf_and_out_of_range_is_deterministic) {
  zbuf_dtype_kind from[3] = {ZBUF_FLOAT16, ZBUF_FLOAT32, ZBUF_FLOAT64};
  for (int f = 0; f < 3; f++) {
    ASSERT_INT_EQ(to_i64(NAN, from[f]), INT64_MIN);
    ASSERT_INT_EQ(to_i64(INFINITY, from[f]), INT64_MIN);
    ASSERT_INT_EQ(to_i64(-INFINITY, from[f]), INT64_MIN);
  }
  ASSERT_INT_EQ(to_i64(1e20, ZBUF_FLOAT64), INT64_MIN);
  ASSERT_INT_EQ(to_i64(9223372036854775808.0, ZBUF_FLOAT64), INT64_MIN);
  ASSERT_UINT_EQ(double_to(ZBUF_INT32, NAN), UINT32_C(0x80000000)); /* INT32_MIN */
  ASSERT_UINT_EQ(double_to(ZBUF_INT32, 3e9), UINT32_C(0x80000000));
  ASSERT_UINT_EQ(double_to(ZBUF_INT8, NAN), 0); /* low byte of INT32_MIN */
  ASSERT_UINT_EQ(double_to(ZBUF_INT16, INFINITY), 0);
  ASSERT_UINT_EQ(double_to(ZBUF_INT8, 300.7), 44); /* 300 wraps to 8 bits */
  ASSERT_UINT_EQ(double_to(ZBUF_UINT8, -1.0), 255);
  ASSERT_UINT_EQ(double_to(ZBUF_UINT16, 70000.5), 4464);              /* 70000 mod 65536 */
  ASSERT_UINT_EQ(double_to(ZBUF_UINT32, NAN), 0);                     /* low half of INT64_MIN */
  ASSERT_UINT_EQ(double_to(ZBUF_UINT32, -3e9), UINT32_C(1294967296)); /* -3e9 mod 2^32 */
  ASSERT_UINT_EQ(double_to(ZBUF_UINT32, 5e9), UINT32_C(705032704));
  ASSERT_UINT_EQ(double_to(ZBUF_UINT64, NAN), UINT64_C(1) << 63);
  ASSERT_UINT_EQ(double_to(ZBUF_UINT64, -1.0), UINT64_MAX);
  ASSERT_UINT_EQ(double_to(ZBUF_UINT64, -1e20), UINT64_C(1) << 63);
  ASSERT_UINT_EQ(double_to(ZBUF_UINT64, 1e20), 0);
  ASSERT_UINT_EQ(double_to(ZBUF_UINT64, INFINITY), 0);
  ASSERT_UINT_EQ(double_to(ZBUF_UINT64, 18446744073709549568.0), UINT64_C(18446744073709549568));
}

TEST(bool_is_nonzero_and_nan_is_true) {
  ASSERT_UINT_EQ(double_to(ZBUF_BOOL, NAN), 1);
  ASSERT_UINT_EQ(double_to(ZBUF_BOOL, -0.0), 0);
  ASSERT_UINT_EQ(double_to(ZBUF_BOOL, 1e-300), 1);
  float z[2] = {0.0f, NAN};
  unsigned char b = 7;
  zbuf__cast_element(&b, zbuf_dtype_native(ZBUF_BOOL), z, zbuf_dtype_native(ZBUF_COMPLEX64));
  ASSERT_UINT_EQ(b, 1); /* either part non-zero */
  unsigned char two = 2;
  int32_t i = -5;
  zbuf__cast_element(&i, zbuf_dtype_native(ZBUF_INT32), &two, zbuf_dtype_native(ZBUF_BOOL));
  ASSERT_INT_EQ(i, 1);
  zbuf__cast_element(&b, zbuf_dtype_native(ZBUF_BOOL), &two, zbuf_dtype_native(ZBUF_BOOL));
  ASSERT_UINT_EQ(b, 2); /* a same-kind cast copies bytes, as NumPy's astype(bool) does */
}

TEST(integers_wrap_and_complex_keeps_real_part) {
  int64_t big = INT64_C(0x123456789);
  int16_t s;
  zbuf__cast_element(&s, zbuf_dtype_native(ZBUF_INT16), &big, zbuf_dtype_native(ZBUF_INT64));
  ASSERT_INT_EQ(s, 0x6789);
  uint64_t umax = UINT64_MAX;
  int8_t c;
  zbuf__cast_element(&c, zbuf_dtype_native(ZBUF_INT8), &umax, zbuf_dtype_native(ZBUF_UINT64));
  ASSERT_INT_EQ(c, -1);
  double z[2] = {-2.5, 7.0}, r = 0;
  zbuf__cast_element(&r, zbuf_dtype_native(ZBUF_FLOAT64), z, zbuf_dtype_native(ZBUF_COMPLEX128));
  ASSERT(r == -2.5);
  float zf[2] = {9, 9};
  int32_t three = 3;
  zbuf__cast_element(zf, zbuf_dtype_native(ZBUF_COMPLEX64), &three, zbuf_dtype_native(ZBUF_INT32));
  ASSERT(zf[0] == 3.0f && zf[1] == 0.0f);
}

TEST(int_to_float16_overflows_like_numpy) {
  int64_t v[3] = {65519, 65520, -65536};
  uint16_t h[3];
  for (int i = 0; i < 3; i++)
    zbuf__cast_element(&h[i], zbuf_dtype_native(ZBUF_FLOAT16), &v[i], zbuf_dtype_native(ZBUF_INT64));
  ASSERT_UINT_EQ(h[0], ZBUF__HALF_MAX);
  ASSERT_UINT_EQ(h[1], ZBUF__HALF_POS_INF);
  ASSERT_UINT_EQ(h[2], ZBUF__HALF_NEG_INF);
}

/* Signalling-NaN payloads between float16 and float32/complex64 survive as NumPy 2.4.6 keeps them (recorded):
 * the conversion must not pass through double, which would quiet them on x86. */
TEST(float16_nan_payloads_do_not_pass_through_double) {
  uint32_t snan = 0x7fa00000u, back = 0;
  uint16_t h = 0;
  zbuf__cast_element(&h, zbuf_dtype_native(ZBUF_FLOAT16), &snan, zbuf_dtype_native(ZBUF_FLOAT32));
  ASSERT_UINT_EQ(h, 0x7d00);
  uint32_t z[2] = {snan, 0};
  h = 0;
  zbuf__cast_element(&h, zbuf_dtype_native(ZBUF_FLOAT16), z, zbuf_dtype_native(ZBUF_COMPLEX64));
  ASSERT_UINT_EQ(h, 0x7d00);
  zbuf__cast_element(&back, zbuf_dtype_native(ZBUF_FLOAT32), &h, zbuf_dtype_native(ZBUF_FLOAT16));
  ASSERT_UINT_EQ(back, 0x7fa00000u);
}

TEST(cast_element_ignores_invalid_dtypes) {
  double x = 1.0;
  unsigned char out[16];
  memset(out, 0x5a, sizeof out);
  zbuf__cast_element(out, dt(ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE), &x, zbuf_dtype_native(ZBUF_FLOAT64));
  zbuf__cast_element(out, zbuf_dtype_native(ZBUF_INT8), &x, dt(ZBUF_FLOAT64, (zbuf_byteorder)9));
  for (size_t i = 0; i < sizeof out; i++) ASSERT_UINT_EQ(out[i], 0x5a);
}

/* ---- copy ---- */

static zbuf__view viewnd(void *data, zbuf_dtype d, size_t ndim, const int64_t *shape,
                         const int64_t *strides) {
  zbuf__view v = {0};
  v.data = data;
  v.dtype = d;
  v.ndim = ndim;
  for (size_t i = 0; i < ndim; i++) {
    v.shape[i] = shape[i];
    v.strides[i] = strides[i];
  }
  return v;
}

TEST(copy_reads_every_other_element_of_a_strided_source) {
  int32_t src[10], dst[5] = {0};
  for (int i = 0; i < 10; i++) src[i] = i * 11;
  zbuf__view d = view1d(dst, zbuf_dtype_native(ZBUF_INT32), 5, 4), s = view1d(src, d.dtype, 5, 8);
  zbuf__kernel_copy(&d, &s);
  for (int i = 0; i < 5; i++) ASSERT_INT_EQ(dst[i], 2 * i * 11);
}

TEST(copy_with_negative_strides_reverses) {
  int16_t src[7], dst[7] = {0};
  for (int i = 0; i < 7; i++) src[i] = (int16_t)(100 + i);
  zbuf__view d = view1d(dst, zbuf_dtype_native(ZBUF_INT16), 7, 2), s = view1d(src + 6, d.dtype, 7, -2);
  zbuf__kernel_copy(&d, &s);
  for (int i = 0; i < 7; i++) ASSERT_INT_EQ(dst[i], 106 - i);
  /* Negative destination stride, positive source: the same reversal seen from the other side. */
  int16_t back[7] = {0};
  zbuf__view d2 = view1d(back + 6, d.dtype, 7, -2), s2 = view1d(src, d.dtype, 7, 2);
  zbuf__kernel_copy(&d2, &s2);
  for (int i = 0; i < 7; i++) ASSERT_INT_EQ(back[i], 106 - i);
}

TEST(copy_broadcasts_a_zero_stride_source) {
  double one = 2.5;
  float dst[3][4];
  memset(dst, 0, sizeof dst);
  int64_t shape[2] = {3, 4}, dstr[2] = {16, 4}, sstr[2] = {0, 0};
  zbuf__view d = viewnd(dst, zbuf_dtype_native(ZBUF_FLOAT32), 2, shape, dstr);
  zbuf__view s = viewnd(&one, zbuf_dtype_native(ZBUF_FLOAT64), 2, shape, sstr);
  zbuf__kernel_copy(&d, &s);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++) ASSERT(dst[i][j] == 2.5f);
}

TEST(copy_of_0d_views_moves_one_element) {
  uint8_t src = 200;
  int64_t dst = -1;
  zbuf__view d = viewnd(&dst, zbuf_dtype_native(ZBUF_INT64), 0, NULL, NULL);
  zbuf__view s = viewnd(&src, zbuf_dtype_native(ZBUF_UINT8), 0, NULL, NULL);
  zbuf__kernel_copy(&d, &s);
  ASSERT_INT_EQ(dst, 200);
}

TEST(copy_transposes_fortran_order_into_c_order) {
  /* src is a (2,3,4) array stored in F order; dst is C order. */
  int64_t src[24], dst[24] = {0};
  for (int i = 0; i < 24; i++) src[i] = 1000 + i;
  int64_t shape[3] = {2, 3, 4}, fstr[3] = {8, 16, 48}, cstr[3] = {96, 32, 8};
  zbuf__view d = viewnd(dst, zbuf_dtype_native(ZBUF_INT64), 3, shape, cstr);
  zbuf__view s = viewnd(src, d.dtype, 3, shape, fstr);
  zbuf__kernel_copy(&d, &s);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++) ASSERT_INT_EQ(dst[i * 12 + j * 4 + k], 1000 + i + 2 * j + 6 * k);
}

TEST(copy_leaves_gaps_of_a_padded_destination_alone) {
  uint16_t src[3][5], dst[3][8];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 5; j++) src[i][j] = (uint16_t)(i * 5 + j + 1);
  memset(dst, 0xEE, sizeof dst);
  int64_t shape[2] = {3, 5}, dstr[2] = {16, 2}, sstr[2] = {10, 2};
  zbuf__view d = viewnd(dst, zbuf_dtype_native(ZBUF_UINT16), 2, shape, dstr);
  zbuf__view s = viewnd(src, d.dtype, 2, shape, sstr);
  zbuf__kernel_copy(&d, &s);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 8; j++) ASSERT_UINT_EQ(dst[i][j], j < 5 ? (unsigned)(i * 5 + j + 1) : 0xEEEEu);
}

TEST(copy_of_an_empty_shape_writes_nothing) {
  int32_t src[4] = {1, 2, 3, 4}, dst[4] = {9, 9, 9, 9};
  int64_t shape[2] = {4, 0}, str[2] = {4, 4};
  zbuf__view d = viewnd(dst, zbuf_dtype_native(ZBUF_INT32), 2, shape, str),
             s = viewnd(src, d.dtype, 2, shape, str);
  zbuf__kernel_copy(&d, &s);
  for (int i = 0; i < 4; i++) ASSERT_INT_EQ(dst[i], 9);
}

TEST(copy_between_byte_orders_swaps_each_part) {
  float src[2] = {1.0f, -2.0f}; /* one complex64 element */
  unsigned char dst[8], want[8];
  zbuf__view d = view1d(dst, dt(ZBUF_COMPLEX64, other_order()), 1, 8);
  zbuf__view s = view1d(src, zbuf_dtype_native(ZBUF_COMPLEX64), 1, 8);
  zbuf__kernel_copy(&d, &s);
  memcpy(want, src, 8);
  reverse_parts(want, ZBUF_COMPLEX64);
  ASSERT_MEM_EQ(dst, want, 8);
  /* And back, through the other direction of the same path. */
  float again[2] = {0, 0};
  zbuf__view d2 = view1d(again, zbuf_dtype_native(ZBUF_COMPLEX64), 1, 8), s2 = view1d(dst, d.dtype, 1, 8);
  zbuf__kernel_copy(&d2, &s2);
  ASSERT(again[0] == 1.0f && again[1] == -2.0f);
}

/* More elements than one chunk of the cast path, with a swapped strided source and a swapped destination
 * walked backwards: every part of the chunked path at once. */
TEST(copy_casts_long_swapped_strided_rows) {
  enum { N = 1500 };
  static double src[2 * N];
  static int16_t dst[N];
  for (int i = 0; i < N; i++) {
    double v = i * 0.75 - 700.0;
    unsigned char *p = (unsigned char *)&src[2 * i];
    memcpy(p, &v, 8);
    reverse_parts(p, ZBUF_FLOAT64);
  }
  zbuf__view s = view1d(src, dt(ZBUF_FLOAT64, other_order()), N, 16);
  zbuf__view d = view1d(dst + N - 1, dt(ZBUF_INT16, other_order()), N, -2);
  zbuf__kernel_copy(&d, &s);
  for (int i = 0; i < N; i++) {
    unsigned char *p = (unsigned char *)&dst[N - 1 - i];
    reverse_parts(p, ZBUF_INT16);
    int16_t got;
    memcpy(&got, p, 2);
    ASSERT_INT_EQ(got, (int)(i * 0.75 - 700.0)); /* in range: truncation toward zero */
  }
}

TEST(copy_of_a_large_contiguous_block_is_exact) {
  enum { N = 100003 };
  static uint32_t src[N], dst[N];
  for (uint32_t i = 0; i < N; i++) src[i] = i * 2654435761u;
  zbuf__view d = view1d(dst, zbuf_dtype_native(ZBUF_UINT32), N, 4), s = view1d(src, d.dtype, N, 4);
  zbuf__kernel_copy(&d, &s);
  ASSERT_MEM_EQ(dst, src, sizeof src);
}

/* ---- fill ---- */

TEST(fill_of_a_large_block_with_a_non_uniform_element) {
  enum { N = 100003 }; /* several doubling blocks and an odd tail */
  static double a[N + 1];
  a[N] = 42.0;
  double v = -1.5;
  zbuf__view d = view1d(a, zbuf_dtype_native(ZBUF_FLOAT64), N, 8);
  zbuf__kernel_fill(&d, &v);
  for (int i = 0; i < N; i++)
    if (a[i] != -1.5) zbuf_test_fail(__FILE__, __LINE__, "a[%d] = %g", i, a[i]);
  ASSERT(a[N] == 42.0);
}

/* Beyond the streaming threshold (8 MiB), from an address that is not aligned to the element or the cache
 * line, with a tail that is not a whole line: the element's byte phase must hold everywhere. */
TEST(fill_of_a_very_large_unaligned_block) {
  enum { N = (9 << 20) / 4 + 5 };
  static unsigned char raw[4 * N + 16];
  memset(raw, 0x77, sizeof raw);
  unsigned char *start = raw + 6;
  uint32_t v = 0x01020304u;
  zbuf__view d = view1d(start, zbuf_dtype_native(ZBUF_UINT32), N, 4);
  zbuf__kernel_fill(&d, &v);
  for (size_t i = 0; i < N; i++) {
    uint32_t got;
    memcpy(&got, start + 4 * i, 4);
    if (got != v) zbuf_test_fail(__FILE__, __LINE__, "element %zu = 0x%08x", i, (unsigned)got);
  }
  for (size_t i = 0; i < 6; i++) ASSERT_UINT_EQ(raw[i], 0x77);
  for (size_t i = 6 + 4 * (size_t)N; i < sizeof raw; i++) ASSERT_UINT_EQ(raw[i], 0x77);
}

TEST(fill_with_uniform_bytes_and_with_zero) {
  uint16_t a[1000];
  uint16_t v = 0x0101;
  zbuf__view d = view1d(a, zbuf_dtype_native(ZBUF_UINT16), 999, 2);
  a[999] = 7;
  zbuf__kernel_fill(&d, &v);
  for (int i = 0; i < 999; i++) ASSERT_UINT_EQ(a[i], 0x0101);
  ASSERT_UINT_EQ(a[999], 7);
  v = 0;
  zbuf__kernel_fill(&d, &v);
  for (int i = 0; i < 999; i++) ASSERT_UINT_EQ(a[i], 0);
}

TEST(fill_of_a_padded_2d_view_leaves_gaps) {
  int32_t a[4][7];
  memset(a, 0x11, sizeof a);
  int32_t v = -123456;
  int64_t shape[2] = {4, 5}, str[2] = {28, 4};
  zbuf__view d = viewnd(a, zbuf_dtype_native(ZBUF_INT32), 2, shape, str);
  zbuf__kernel_fill(&d, &v);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 7; j++) ASSERT_INT_EQ(a[i][j], j < 5 ? -123456 : 0x11111111);
}

TEST(fill_with_negative_and_sparse_strides) {
  int64_t a[10] = {0};
  int64_t v = INT64_MIN + 3;
  zbuf__view d = view1d(a + 9, zbuf_dtype_native(ZBUF_INT64), 4, -24); /* a[9], a[6], a[3], a[0] */
  zbuf__kernel_fill(&d, &v);
  for (int i = 0; i < 10; i++) ASSERT_INT_EQ(a[i], i % 3 == 0 ? INT64_MIN + 3 : 0);
}

TEST(fill_of_0d_and_zero_stride_views_writes_one_element) {
  double z[3] = {0, 0, 0};
  double v[2] = {1.0, -1.0}; /* one complex128 */
  zbuf__view d0 = viewnd(z, zbuf_dtype_native(ZBUF_COMPLEX128), 0, NULL, NULL);
  zbuf__kernel_fill(&d0, v);
  ASSERT(z[0] == 1.0 && z[1] == -1.0 && z[2] == 0.0);
  float f[2] = {0, 0};
  float one = 3.0f;
  int64_t shape[2] = {5, 6}, str[2] = {0, 0};
  zbuf__view db = viewnd(f, zbuf_dtype_native(ZBUF_FLOAT32), 2, shape, str);
  zbuf__kernel_fill(&db, &one);
  ASSERT(f[0] == 3.0f && f[1] == 0.0f);
}

TEST(fill_of_16_byte_elements_contiguous_and_strided) {
  static double z[2 * 3000];
  double v[2] = {0.25, 8.0};
  zbuf__view d = view1d(z, zbuf_dtype_native(ZBUF_COMPLEX128), 3000, 16);
  zbuf__kernel_fill(&d, v);
  for (int i = 0; i < 3000; i++) ASSERT(z[2 * i] == 0.25 && z[2 * i + 1] == 8.0);
  double w[2] = {-1, -2};
  zbuf__view ds = view1d(z, d.dtype, 1000, 48);
  zbuf__kernel_fill(&ds, w);
  for (int i = 0; i < 3000; i++) ASSERT(z[2 * i] == (i % 3 ? 0.25 : -1.0));
}

TEST(fill_of_an_empty_view_writes_nothing) {
  uint8_t a[4] = {1, 2, 3, 4}, v = 0;
  int64_t shape[2] = {0, 4}, str[2] = {4, 1};
  zbuf__view d = viewnd(a, zbuf_dtype_native(ZBUF_UINT8), 2, shape, str);
  zbuf__kernel_fill(&d, &v);
  ASSERT(a[0] == 1 && a[3] == 4);
}

/* ---- equality ---- */

static int eq1(void *a, void *b, zbuf_dtype d, int64_t n, int mode, int equal_nan) {
  size_t size = zbuf_dtype_itemsize(d);
  zbuf__view va = view1d(a, d, n, (int64_t)size), vb = view1d(b, d, n, (int64_t)size);
  return zbuf__kernel_equal(&va, &vb, mode, equal_nan);
}

TEST(equal_value_mode_is_numeric_and_bits_mode_is_bytes) {
  zbuf_dtype f8 = zbuf_dtype_native(ZBUF_FLOAT64);
  double a[2] = {0.0, 1.0}, b[2] = {-0.0, 1.0};
  ASSERT_INT_EQ(eq1(a, b, f8, 2, ZBUF__EQ_VALUE, 0), 1);
  ASSERT_INT_EQ(eq1(a, b, f8, 2, ZBUF__EQ_BITS, 0), 0);
  uint16_t h[2] = {0x0000, 0x3c00}, g[2] = {0x8000, 0x3c00};
  ASSERT_INT_EQ(eq1(h, g, zbuf_dtype_native(ZBUF_FLOAT16), 2, ZBUF__EQ_VALUE, 0), 1);
  ASSERT_INT_EQ(eq1(h, g, zbuf_dtype_native(ZBUF_FLOAT16), 2, ZBUF__EQ_BITS, 0), 0);
  unsigned char t1 = 1, t2 = 2; /* two spellings of true */
  ASSERT_INT_EQ(eq1(&t1, &t2, zbuf_dtype_native(ZBUF_BOOL), 1, ZBUF__EQ_VALUE, 0), 1);
  ASSERT_INT_EQ(eq1(&t1, &t2, zbuf_dtype_native(ZBUF_BOOL), 1, ZBUF__EQ_BITS, 0), 0);
}

TEST(equal_nan_only_when_asked) {
  zbuf_dtype f4 = zbuf_dtype_native(ZBUF_FLOAT32), f2 = zbuf_dtype_native(ZBUF_FLOAT16);
  float a[2] = {NAN, 1.0f}, b[2] = {NAN, 1.0f};
  ASSERT_INT_EQ(eq1(a, b, f4, 2, ZBUF__EQ_VALUE, 0), 0);
  ASSERT_INT_EQ(eq1(a, b, f4, 2, ZBUF__EQ_VALUE, 1), 1);
  ASSERT_INT_EQ(eq1(a, b, f4, 2, ZBUF__EQ_BITS, 0), 1); /* same pattern */
  uint32_t other = 0x7fc00001u;
  memcpy(&b[0], &other, 4);
  ASSERT_INT_EQ(eq1(a, b, f4, 2, ZBUF__EQ_VALUE, 1), 1); /* any NaN equals any NaN */
  ASSERT_INT_EQ(eq1(a, b, f4, 2, ZBUF__EQ_BITS, 0), 0);  /* but not bit for bit */
  float c[2] = {NAN, 2.0f};
  ASSERT_INT_EQ(eq1(a, c, f4, 2, ZBUF__EQ_VALUE, 1), 0);
  float d[2] = {0.0f, 1.0f};
  ASSERT_INT_EQ(eq1(a, d, f4, 2, ZBUF__EQ_VALUE, 1), 0); /* NaN against a number */
  uint16_t h1 = 0x7e00, h2 = 0xfc01;
  ASSERT_INT_EQ(eq1(&h1, &h2, f2, 1, ZBUF__EQ_VALUE, 1), 1);
  ASSERT_INT_EQ(eq1(&h1, &h2, f2, 1, ZBUF__EQ_VALUE, 0), 0);
}

/* NumPy 2.4: array_equal([nan+1j], [1+nanj], equal_nan=True) is True (an element is NaN when either part
 * is); with equal_nan=False any NaN part makes the elements unequal. */
TEST(equal_complex_nan_follows_numpy_array_equal) {
  zbuf_dtype c16 = zbuf_dtype_native(ZBUF_COMPLEX128);
  double a[2] = {NAN, 1.0}, b[2] = {1.0, NAN}, c[2] = {NAN, 2.0}, d[2] = {1.0, 1.0};
  ASSERT_INT_EQ(eq1(a, b, c16, 1, ZBUF__EQ_VALUE, 1), 1);
  ASSERT_INT_EQ(eq1(a, c, c16, 1, ZBUF__EQ_VALUE, 1), 1);
  ASSERT_INT_EQ(eq1(a, d, c16, 1, ZBUF__EQ_VALUE, 1), 0);
  ASSERT_INT_EQ(eq1(a, a, c16, 1, ZBUF__EQ_VALUE, 0), 0);
  double e[2] = {0.0, -0.0}, f[2] = {-0.0, 0.0};
  ASSERT_INT_EQ(eq1(e, f, c16, 1, ZBUF__EQ_VALUE, 0), 1);
  float g[2] = {1.0f, 2.0f}, h[2] = {1.0f, 2.5f};
  ASSERT_INT_EQ(eq1(g, h, zbuf_dtype_native(ZBUF_COMPLEX64), 1, ZBUF__EQ_VALUE, 0), 0);
}

TEST(equal_finds_one_difference_in_a_strided_3d_view) {
  static int32_t a[4][5][6], b[4][5][6];
  for (int i = 0; i < 120; i++) (&a[0][0][0])[i] = (&b[0][0][0])[i] = i * 7;
  int64_t shape[3] = {2, 5, 3}, str[3] = {240, 24, 8}; /* every other plane and every other column */
  zbuf__view va = viewnd(a, zbuf_dtype_native(ZBUF_INT32), 3, shape, str), vb = va;
  vb.data = (char *)b;
  ASSERT_INT_EQ(zbuf__kernel_equal(&va, &vb, ZBUF__EQ_VALUE, 0), 1);
  b[1][0][0] = -1; /* outside the view: still equal */
  ASSERT_INT_EQ(zbuf__kernel_equal(&va, &vb, ZBUF__EQ_VALUE, 0), 1);
  b[2][4][4] = -1; /* the view's last element */
  ASSERT_INT_EQ(zbuf__kernel_equal(&va, &vb, ZBUF__EQ_VALUE, 0), 0);
  ASSERT_INT_EQ(zbuf__kernel_equal(&va, &vb, ZBUF__EQ_BITS, 0), 0);
}

TEST(equal_with_broadcast_and_reversed_views) {
  double filled[12], one = 4.0;
  for (int i = 0; i < 12; i++) filled[i] = 4.0;
  int64_t shape[2] = {3, 4}, cstr[2] = {32, 8}, bstr[2] = {0, 0};
  zbuf__view a = viewnd(filled, zbuf_dtype_native(ZBUF_FLOAT64), 2, shape, cstr);
  zbuf__view b = viewnd(&one, a.dtype, 2, shape, bstr);
  ASSERT_INT_EQ(zbuf__kernel_equal(&a, &b, ZBUF__EQ_VALUE, 0), 1);
  filled[5] = 4.5;
  ASSERT_INT_EQ(zbuf__kernel_equal(&a, &b, ZBUF__EQ_VALUE, 0), 0);
  int8_t x[5] = {1, 2, 3, 4, 5}, y[5] = {5, 4, 3, 2, 1};
  zbuf__view vx = view1d(x, zbuf_dtype_native(ZBUF_INT8), 5, 1), vy = view1d(y + 4, vx.dtype, 5, -1);
  ASSERT_INT_EQ(zbuf__kernel_equal(&vx, &vy, ZBUF__EQ_VALUE, 0), 1);
}

TEST(equal_compares_values_across_byte_orders) {
  enum { N = 1300 }; /* more than one chunk of the swapped path */
  static double native[N];
  static unsigned char swapped[N * 8];
  for (int i = 0; i < N; i++) {
    native[i] = i * 1.25 - 3.0;
    memcpy(swapped + 8 * i, &native[i], 8);
    reverse_parts(swapped + 8 * i, ZBUF_FLOAT64);
  }
  zbuf__view a = view1d(native, zbuf_dtype_native(ZBUF_FLOAT64), N, 8);
  zbuf__view b = view1d(swapped, dt(ZBUF_FLOAT64, other_order()), N, 8);
  ASSERT_INT_EQ(zbuf__kernel_equal(&a, &b, ZBUF__EQ_VALUE, 0), 1);
  ASSERT_INT_EQ(zbuf__kernel_equal(&a, &b, ZBUF__EQ_BITS, 0), 1); /* element bit patterns, not storage */
  native[1200] = 0.0;
  ASSERT_INT_EQ(zbuf__kernel_equal(&a, &b, ZBUF__EQ_VALUE, 0), 0);
}

TEST(equal_of_empty_mismatched_or_invalid_views) {
  int32_t a[2] = {1, 2}, b[2] = {1, 2};
  int64_t shape[2] = {0, 2}, str[2] = {8, 4};
  zbuf__view e1 = viewnd(a, zbuf_dtype_native(ZBUF_INT32), 2, shape, str), e2 = e1;
  ASSERT_INT_EQ(zbuf__kernel_equal(&e1, &e2, ZBUF__EQ_VALUE, 0), 1);
  zbuf__view va = view1d(a, zbuf_dtype_native(ZBUF_INT32), 2, 4), vb = view1d(b, va.dtype, 1, 4);
  ASSERT_INT_EQ(zbuf__kernel_equal(&va, &vb, ZBUF__EQ_VALUE, 0), 0); /* shapes differ */
  vb = view1d(b, zbuf_dtype_native(ZBUF_UINT32), 2, 4);
  ASSERT_INT_EQ(zbuf__kernel_equal(&va, &vb, ZBUF__EQ_VALUE, 0), 0); /* kinds differ */
  vb = view1d(b, dt(ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE), 2, 4);
  ASSERT_INT_EQ(zbuf__kernel_equal(&va, &vb, ZBUF__EQ_VALUE, 0), 0);
}

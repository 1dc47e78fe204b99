/* Unit tests of ref/float16.c: IEEE binary16 conversions as NumPy performs them.
 * Expected values come from the IEEE 754 definition of binary16 (computed here with ldexp), or were recorded
 * from NumPy 2.4 where IEEE leaves a choice (NaN payloads); those are marked. */
#include <math.h>

#include "float16.h"
#include "test.h"

static uint32_t float_bits(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}
static float float_of_bits(uint32_t b) {
  float f;
  memcpy(&f, &b, 4);
  return f;
}
static uint64_t double_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}
static double double_of_bits(uint64_t b) {
  double d;
  memcpy(&d, &b, 8);
  return d;
}

/* The value of a finite half by the IEEE definition: (-1)^s * 2^(e-15) * (1 + f/1024), or f * 2^-24. */
static double ieee_half_value(uint16_t h) {
  int s = h >> 15, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  double mag = e == 0 ? ldexp(f, -24) : ldexp(1024 + f, e - 25);
  return s ? -mag : mag;
}

TEST(every_half_widens_to_its_ieee_value) {
  for (uint32_t h = 0; h < 65536; h++) {
    uint16_t x = (uint16_t)h;
    int e = (x >> 10) & 0x1f;
    double d = zbuf__half_to_double(x);
    float f = zbuf__half_to_float(x);
    if (e == 0x1f) {
      if ((x & 0x3ff) == 0) {
        ASSERT(isinf(d) && isinf(f));
        ASSERT_INT_EQ(signbit(d) != 0, (x >> 15) != 0);
      } else {
        ASSERT(isnan(d) && isnan(f));
        ASSERT(zbuf__half_is_nan(x));
      }
      continue;
    }
    ASSERT(!zbuf__half_is_nan(x));
    if (d != ieee_half_value(x) || (double)f != d)
      zbuf_test_fail(__FILE__, __LINE__, "half 0x%04x widened to %.17g / %.9g, IEEE value %.17g", (unsigned)x,
                     d, (double)f, ieee_half_value(x));
    ASSERT_INT_EQ(signbit(d) != 0, (x >> 15) != 0); /* -0.0 keeps its sign */
  }
}

TEST(every_half_round_trips_through_float_and_double_bit_for_bit) {
  for (uint32_t h = 0; h < 65536; h++) {
    uint16_t x = (uint16_t)h;
    uint16_t via_float = zbuf__half_from_float(zbuf__half_to_float(x));
    uint16_t via_double = zbuf__half_from_double(zbuf__half_to_double(x));
    /* NaNs included: the payload moves up and back down unchanged, so a NaN stays that very NaN. */
    if (via_float != x || via_double != x)
      zbuf_test_fail(__FILE__, __LINE__, "0x%04x -> float -> 0x%04x, -> double -> 0x%04x", (unsigned)x,
                     (unsigned)via_float, (unsigned)via_double);
  }
}

/* Between every two adjacent finite halves of one sign, the midpoint must round to the one with an even
 * pattern, and the nearest float/double on either side of it to the nearer half. */
TEST(narrowing_rounds_to_nearest_ties_to_even_everywhere) {
  for (uint32_t h = 0; h < 0x7bff; h++) {
    for (int neg = 0; neg < 2; neg++) {
      uint16_t lo = (uint16_t)(h | (neg ? 0x8000u : 0)), hi = (uint16_t)(lo + 1);
      double mid = (ieee_half_value(lo) + ieee_half_value(hi)) / 2; /* exact: needs 12 significant bits */
      uint16_t even = (lo & 1) ? hi : lo;
      double toward_lo = nextafter(mid, ieee_half_value(lo)), toward_hi = nextafter(mid, ieee_half_value(hi));
      float fmid = (float)mid;
      ASSERT((double)fmid == mid);
      if (zbuf__half_from_double(mid) != even || zbuf__half_from_float(fmid) != even ||
          zbuf__half_from_double(toward_lo) != lo || zbuf__half_from_double(toward_hi) != hi ||
          zbuf__half_from_float(nextafterf(fmid, (float)ieee_half_value(lo))) != lo ||
          zbuf__half_from_float(nextafterf(fmid, (float)ieee_half_value(hi))) != hi)
        zbuf_test_fail(__FILE__, __LINE__, "rounding between 0x%04x and 0x%04x is wrong", (unsigned)lo,
                       (unsigned)hi);
    }
  }
}

TEST(double_to_half_rounds_once_not_through_float) {
  /* 1 + 2^-11 + 2^-40 lies just above the midpoint of 1 and 1 + 2^-10. Through float it would first
   * become the midpoint itself (float keeps 23 fraction bits) and then round to even, 1.0. */
  double d = 1.0 + ldexp(1, -11) + ldexp(1, -40);
  ASSERT_UINT_EQ(zbuf__half_from_double(d), 0x3c01);
  ASSERT_UINT_EQ(zbuf__half_from_float((float)d), 0x3c00);
}

TEST(overflow_becomes_infinity_at_65520) {
  ASSERT_UINT_EQ(zbuf__half_from_double(65504.0), ZBUF__HALF_MAX);
  ASSERT_UINT_EQ(zbuf__half_from_double(65519.99), ZBUF__HALF_MAX);
  ASSERT_UINT_EQ(zbuf__half_from_double(65520.0), ZBUF__HALF_POS_INF); /* the tie rounds to even: inf */
  ASSERT_UINT_EQ(zbuf__half_from_float(65520.0f), ZBUF__HALF_POS_INF);
  ASSERT_UINT_EQ(zbuf__half_from_double(-65520.0), ZBUF__HALF_NEG_INF);
  ASSERT_UINT_EQ(zbuf__half_from_double(1e300), ZBUF__HALF_POS_INF);
  ASSERT_UINT_EQ(zbuf__half_from_float(-3e38f), ZBUF__HALF_NEG_INF);
  ASSERT_UINT_EQ(zbuf__half_from_double(HUGE_VAL), ZBUF__HALF_POS_INF);
  ASSERT_UINT_EQ(zbuf__half_from_float(-HUGE_VALF), ZBUF__HALF_NEG_INF);
}

TEST(underflow_goes_through_subnormals_to_signed_zero) {
  ASSERT_UINT_EQ(zbuf__half_from_double(ldexp(1, -24)), 0x0001); /* smallest subnormal */
  ASSERT_UINT_EQ(zbuf__half_from_double(ldexp(1, -25)), 0x0000); /* tie with 0: even */
  ASSERT_UINT_EQ(zbuf__half_from_double(ldexp(1.0000001, -25)), 0x0001);
  ASSERT_UINT_EQ(zbuf__half_from_double(ldexp(3, -25)), 0x0002);      /* 1.5 ulp: tie, even */
  ASSERT_UINT_EQ(zbuf__half_from_double(ldexp(1023.5, -24)), 0x0400); /* largest subnormal rounds up */
  ASSERT_UINT_EQ(zbuf__half_from_double(-ldexp(1, -26)), 0x8000);
  ASSERT_UINT_EQ(zbuf__half_from_float(-ldexpf(1, -26)), 0x8000);
  ASSERT_UINT_EQ(zbuf__half_from_double(5e-324), 0x0000); /* double subnormal */
  ASSERT_UINT_EQ(zbuf__half_from_float(-1e-45f), 0x8000); /* float subnormal */
  ASSERT_UINT_EQ(zbuf__half_from_double(-0.0), 0x8000);
  ASSERT_UINT_EQ(zbuf__half_from_float(0.0f), 0x0000);
}

/* NaN payloads are NumPy's choice, recorded from NumPy 2.4.6 (x86-64): sign and top payload bits kept, an
 * all-zero remainder becomes 1, signalling NaNs are not quieted. */
TEST(nan_payloads_follow_numpy) {
  ASSERT_UINT_EQ(zbuf__half_from_float(float_of_bits(0x7fc00000u)), 0x7e00);
  ASSERT_UINT_EQ(zbuf__half_from_float(float_of_bits(0x7f800001u)), 0x7c01);
  ASSERT_UINT_EQ(zbuf__half_from_float(float_of_bits(0x7f801fffu)), 0x7c01);
  ASSERT_UINT_EQ(zbuf__half_from_float(float_of_bits(0x7fa00000u)), 0x7d00);
  ASSERT_UINT_EQ(zbuf__half_from_float(float_of_bits(0xffc00001u)), 0xfe00);
  ASSERT_UINT_EQ(zbuf__half_from_double(double_of_bits(0x7ff8000000000000u)), 0x7e00);
  ASSERT_UINT_EQ(zbuf__half_from_double(double_of_bits(0x7ff0000000000001u)), 0x7c01);
  ASSERT_UINT_EQ(zbuf__half_from_double(double_of_bits(0x7ff0040000000000u)), 0x7c01);
  ASSERT_UINT_EQ(zbuf__half_from_double(double_of_bits(0x7ff4000000000000u)), 0x7d00);
  ASSERT_UINT_EQ(zbuf__half_from_double(double_of_bits(0xfff8000000000001u)), 0xfe00);
  ASSERT_UINT_EQ(float_bits(zbuf__half_to_float(0x7c01)), 0x7f802000u);
  ASSERT_UINT_EQ(float_bits(zbuf__half_to_float(0x7d00)), 0x7fa00000u);
  ASSERT_UINT_EQ(float_bits(zbuf__half_to_float(0xfc01)), 0xff802000u);
  ASSERT_UINT_EQ(double_bits(zbuf__half_to_double(0x7c01)), 0x7ff0040000000000u);
  ASSERT_UINT_EQ(double_bits(zbuf__half_to_double(0x7fff)), 0x7ffffc0000000000u);
}

/* zbuf reference: IEEE 754 binary16 conversions, written from the IEEE definition of the formats.
 *
 * Narrowing works on the bit fields of the source: the exact value is sig * 2^(e - mbits), with sig the
 * significand including its implicit leading one. Keeping the result's 10 fraction bits is a right shift of
 * sig; the bits shifted out decide the rounding (more than half an ulp: up; exactly half: up only when the
 * kept value is odd). A carry out of the fraction moves into the exponent field by plain addition, which
 * also turns 65504 + half an ulp into infinity and the largest subnormal into the smallest normal, as IEEE
 * requires. Widening is exact, so it only moves fields. */
#include "float16.h"

#include <string.h>

enum {
  HALF_FRAC_BITS = 10,
  HALF_BIAS = 15,
  HALF_EMAX = 15,     /* largest unbiased exponent of a finite half */
  HALF_EMIN = -14,    /* smallest unbiased exponent of a normal half */
  HALF_SUB_SCALE = 24 /* a subnormal half is k * 2^-24, k < 1024 */
};

/* Right-shifts sig by shift (>= 1) and rounds the result to nearest, ties to even. */
static inline uint64_t shift_round_even(uint64_t sig, int shift) {
  if (shift >= 64) return 0; /* every caller's sig is below 2^53, so it is below half of 2^64 */
  uint64_t kept = sig >> shift;
  uint64_t rest = sig & ((UINT64_C(1) << shift) - 1);
  uint64_t halfway = UINT64_C(1) << (shift - 1);
  if (rest > halfway || (rest == halfway && (kept & 1u))) kept++;
  return kept;
}

/* Narrows a finite or special source value given by its fields to a half.
 * sign: 0 or 1; exp_field: the biased exponent field; frac: the fraction field (mbits wide);
 * bias and exp_all_ones describe the source format. */
static inline uint16_t narrow(unsigned sign, int exp_field, uint64_t frac, int mbits, int bias,
                              int exp_all_ones) {
  uint16_t s = (uint16_t)(sign << 15);
  if (exp_field == exp_all_ones) {
    if (frac == 0) return (uint16_t)(s | ZBUF__HALF_POS_INF);
    /* NaN: keep the top payload bits, and make sure at least one stays set so that it remains a NaN. */
    uint16_t payload = (uint16_t)(frac >> (mbits - HALF_FRAC_BITS));
    if (payload == 0) payload = 1;
    return (uint16_t)(s | ZBUF__HALF_POS_INF | payload);
  }
  /* A zero or a subnormal source is far below 2^-25 for float and double: it rounds to a signed zero. */
  if (exp_field == 0) return s;
  int e = exp_field - bias;
  if (e > HALF_EMAX) return (uint16_t)(s | ZBUF__HALF_POS_INF);
  uint64_t sig = frac | (UINT64_C(1) << mbits);
  if (e >= HALF_EMIN) {
    uint64_t kept = shift_round_even(sig, mbits - HALF_FRAC_BITS); /* 1024 .. 2048 */
    /* kept carries the implicit one at bit 10; adding it to (biased exponent - 1) << 10 gives the pattern,
     * and a rounding carry (kept == 2048) bumps the exponent, up to infinity. */
    uint64_t bits = ((uint64_t)(e + HALF_BIAS - 1) << HALF_FRAC_BITS) + kept;
    return (uint16_t)(s | (uint16_t)bits);
  }
  /* Subnormal half: k = value * 2^24 = sig * 2^(e - mbits + 24), rounded. */
  int shift = mbits - HALF_SUB_SCALE - e;
  if (shift > mbits + 1) return s; /* value < 2^-25: below half the smallest subnormal */
  return (uint16_t)(s | (uint16_t)shift_round_even(sig, shift));
}

uint16_t zbuf__half_from_float(float f) {
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  return narrow(b >> 31, (int)((b >> 23) & 0xffu), b & 0x7fffffu, 23, 127, 0xff);
}

uint16_t zbuf__half_from_double(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return narrow((unsigned)(b >> 63), (int)((b >> 52) & 0x7ffu), b & ((UINT64_C(1) << 52) - 1), 52, 1023,
                0x7ff);
}

/* Widens h into a format with mbits fraction bits, ebits exponent bits and the given bias; returns the bit
 * pattern of the wider value. */
static inline uint64_t widen(uint16_t h, int mbits, int ebits, int bias) {
  uint64_t exp_all_ones = (UINT64_C(1) << ebits) - 1;
  uint64_t sign = (uint64_t)(h >> 15);
  uint64_t exp_field = (h >> HALF_FRAC_BITS) & 0x1fu;
  uint64_t frac = h & 0x3ffu;
  uint64_t out_sign = sign << (mbits + ebits);
  if (exp_field == 0x1f) /* infinity or NaN: the payload moves to the top of the wider fraction */
    return out_sign | (exp_all_ones << mbits) | (frac << (mbits - HALF_FRAC_BITS));
  if (exp_field == 0) {
    if (frac == 0) return out_sign;
    /* Subnormal half frac * 2^-24: normalise so that the leading one becomes the implicit bit. */
    int e = HALF_EMIN; /* frac * 2^-24 with its leading one at bit 10 would be 1.f * 2^-14 */
    while (!(frac & 0x400u)) {
      frac <<= 1;
      e--;
    }
    frac &= 0x3ffu;
    return out_sign | ((uint64_t)(e + bias) << mbits) | (frac << (mbits - HALF_FRAC_BITS));
  }
  int e = (int)exp_field - HALF_BIAS;
  return out_sign | ((uint64_t)(e + bias) << mbits) | (frac << (mbits - HALF_FRAC_BITS));
}

float zbuf__half_to_float(uint16_t h) {
  uint32_t b = (uint32_t)widen(h, 23, 8, 127);
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

double zbuf__half_to_double(uint16_t h) {
  uint64_t b = widen(h, 52, 11, 1023);
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

int zbuf__half_is_nan(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0; }

/* zbuf reference: IEEE 754 binary16 ("half", NumPy float16) conversions. Not installed.
 *
 * A half is carried as its 16-bit pattern (uint16_t), because C11 has no half type. The conversions follow
 * NumPy's float16 casts bit for bit:
 * - narrowing (float or double -> half) rounds once, to nearest with ties to even, directly from the source
 *   value (double -> half never goes through float, which could round twice);
 * - magnitudes that round to 65520 or more become infinity, those below half the smallest subnormal (2^-25)
 *   become a zero of the same sign, and a tie at exactly 2^-25 rounds to zero (the even neighbour);
 * - NaN keeps its sign and the top 10 bits of its payload; when those bits are all zero the payload becomes 1
 *   so that the result stays a NaN. Signalling NaNs are not quieted, in either direction (NumPy does the
 * same);
 * - widening (half -> float or double) is exact; a NaN payload is shifted into the top payload bits. */
#ifndef ZBUF_REF_FLOAT16_H
#define ZBUF_REF_FLOAT16_H

#include <stdint.h>

/* Bit patterns of a few halves the kernels and tests name. */
#define ZBUF__HALF_POS_INF ((uint16_t)0x7c00u)
#define ZBUF__HALF_NEG_INF ((uint16_t)0xfc00u)
#define ZBUF__HALF_MAX ((uint16_t)0x7bffu) /* 65504 */

/* Nearest half to f (ties to even); see the header comment for NaN, overflow and underflow. */
uint16_t zbuf__half_from_float(float f);

/* Nearest half to d, rounded once (ties to even). */
uint16_t zbuf__half_from_double(double d);

/* The exact float value of the half h. */
float zbuf__half_to_float(uint16_t h);

/* The exact double value of the half h. */
double zbuf__half_to_double(uint16_t h);

/* 1 when h is a NaN pattern (exponent all ones, payload non-zero). */
int zbuf__half_is_nan(uint16_t h);

#endif

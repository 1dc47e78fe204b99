/* zbuf reference: element casts by NumPy's astype rules, and the byte swapping they need.
 *
 * Casts follow NumPy's astype with unsafe casting: integers wrap (two's complement), int -> float and
 * float -> float round to nearest (once), complex -> real keeps the real part, anything -> bool is "non-zero"
 * (NaN included), bool -> number is 0 or 1. A same-kind cast copies the stored bytes (swapped when the byte
 * orders differ), so NaN payloads and non-0/1 bool bytes survive it, as in NumPy.
 *
 * Float -> integer: a value whose truncation toward zero fits the target is truncated. For NaN, infinities
 * and values out of range, C leaves the result undefined and NumPy's is implementation-defined (it warns
 * "invalid value encountered in cast"); the reference defines it the way NumPy 2.4 on x86-64 produces it in
 * its element-by-element loops, whatever the source float width:
 *   int8, int16, uint8, uint16, int32: t = trunc32(x), then the low 8/16/32 bits of t;
 *   uint32, int64:                      t = trunc64(x), then the low 32/64 bits of t;
 *   uint64: trunc64(x) when x < 2^63 or x is NaN, else trunc64(x - 2^63) with its top bit flipped;
 * where truncN(x) is x truncated toward zero when that fits intN, and INTN_MIN (the x86 "integer indefinite"
 * value) otherwise, NaN included. So NaN -> int64 is INT64_MIN, NaN -> int32 is INT32_MIN, NaN -> int8,
 * int16, uint8, uint16, uint32 is 0, NaN -> uint64 is 2^63, 1e20 -> uint64 is 0, -1.0 -> uint8 is 255.
 * (NumPy's contiguous SIMD loop differs for float32/float64 -> uint32, which it converts like uint64 but
 * with 32 bits; its strided and scalar loops, and every float16 loop, agree with the rule above.)
 * Complex sources use their real part under the same rule. No out-of-range conversion is ever executed.
 *
 * The kernels (kernels_host.c) use the per-pair inner loops of this file on rows of elements. */
#include "cast.h"

#include <string.h>

#include "float16.h"

/* ---- byte order ---- */

static int host_is_little(void) {
  const uint16_t probe = 1;
  unsigned char first;
  memcpy(&first, &probe, 1);
  return first;
}

int zbuf__dtype_needs_swap(zbuf_dtype d) {
  if (zbuf_dtype_itemsize(d) == 1 || d.byteorder == ZBUF_NATIVE) return 0;
  return (d.byteorder == ZBUF_LITTLE) != host_is_little();
}

static uint16_t bswap16(uint16_t x) { return (uint16_t)((x >> 8) | (x << 8)); }
static uint32_t bswap32(uint32_t x) {
  return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}
static uint64_t bswap64(uint64_t x) {
  return ((uint64_t)bswap32((uint32_t)x) << 32) | bswap32((uint32_t)(x >> 32));
}

/* Copies n elements of `size` bytes from s to d (strides in bytes), reversing the bytes of each scalar part
 * (part = 2, 4 or 8; a complex element has two parts). d == s swaps in place: each part is loaded before it
 * is stored. The constant sizes in each loop let the compiler emit bswap/movbe. */
void zbuf__copy_swapped(char *d, ptrdiff_t ds, const char *s, ptrdiff_t ss, size_t n, size_t size,
                        size_t part) {
#define SWAP_LOOP(UTYPE, BSWAP, NPARTS)        \
  for (size_t k = 0; k < n; k++) {             \
    const char *sp = s + (ptrdiff_t)k * ss;    \
    char *dp = d + (ptrdiff_t)k * ds;          \
    for (size_t q = 0; q < (NPARTS); q++) {    \
      UTYPE v;                                 \
      memcpy(&v, sp + q * sizeof v, sizeof v); \
      v = BSWAP(v);                            \
      memcpy(dp + q * sizeof v, &v, sizeof v); \
    }                                          \
  }
  if (part == 2) {
    SWAP_LOOP(uint16_t, bswap16, 1)
  } else if (part == 4) {
    if (size == 4) {
      SWAP_LOOP(uint32_t, bswap32, 1)
    } else {
      SWAP_LOOP(uint32_t, bswap32, 2)
    }
  } else if (size == 8) {
    SWAP_LOOP(uint64_t, bswap64, 1)
  } else {
    SWAP_LOOP(uint64_t, bswap64, 2)
  }
#undef SWAP_LOOP
}

size_t zbuf__dtype_part_size(zbuf_dtype_kind kind) {
  return kind == ZBUF_COMPLEX64    ? 4
         : kind == ZBUF_COMPLEX128 ? 8
                                   : zbuf_dtype_itemsize(zbuf_dtype_native(kind));
}

/* ---- one element, from any kind to any kind ----
 * A loaded value keeps the source's own representation (class), because the store must convert from it
 * directly: int64 -> float32 rounds once, and float32/float16 NaN payloads must not pass through double
 * (x86 would quiet a signalling NaN on the way, NumPy does not). */
typedef enum { V_BOOL, V_SINT, V_UINT, V_HALF, V_F32, V_F64 } value_class;

typedef struct {
  value_class cls;
  int64_t i;    /* V_SINT */
  uint64_t u;   /* V_BOOL (0/1), V_UINT */
  uint16_t h;   /* V_HALF */
  float f, fi;  /* V_F32: real and imaginary part (0 for float32) */
  double d, di; /* V_F64 */
} value;

typedef float pair_f32[2];
typedef double pair_f64[2];

#define DEFINE_LOAD(NAME, CTYPE, SETUP)            \
  static inline value load_##NAME(const char *p) { \
    CTYPE x;                                       \
    memcpy(&x, p, sizeof x);                       \
    value v = {0};                                 \
    SETUP;                                         \
    return v;                                      \
  }
DEFINE_LOAD(BOOL, uint8_t, (v.cls = V_BOOL, v.u = x != 0))
DEFINE_LOAD(INT8, int8_t, (v.cls = V_SINT, v.i = x))
DEFINE_LOAD(INT16, int16_t, (v.cls = V_SINT, v.i = x))
DEFINE_LOAD(INT32, int32_t, (v.cls = V_SINT, v.i = x))
DEFINE_LOAD(INT64, int64_t, (v.cls = V_SINT, v.i = x))
DEFINE_LOAD(UINT8, uint8_t, (v.cls = V_UINT, v.u = x))
DEFINE_LOAD(UINT16, uint16_t, (v.cls = V_UINT, v.u = x))
DEFINE_LOAD(UINT32, uint32_t, (v.cls = V_UINT, v.u = x))
DEFINE_LOAD(UINT64, uint64_t, (v.cls = V_UINT, v.u = x))
DEFINE_LOAD(FLOAT16, uint16_t, (v.cls = V_HALF, v.h = x))
DEFINE_LOAD(FLOAT32, float, (v.cls = V_F32, v.f = x))
DEFINE_LOAD(FLOAT64, double, (v.cls = V_F64, v.d = x))
DEFINE_LOAD(COMPLEX64, pair_f32, (v.cls = V_F32, v.f = x[0], v.fi = x[1]))
DEFINE_LOAD(COMPLEX128, pair_f64, (v.cls = V_F64, v.d = x[0], v.di = x[1]))

/* Truncation as x86-64's cvttsd2si: in range, toward zero; otherwise (NaN included) the minimum. The range
 * test runs first, so the C conversion only ever sees values it defines. */
static inline int64_t trunc32(double x) {
  return (x > -2147483649.0 && x < 2147483648.0) ? (int32_t)x : INT32_MIN;
}
static inline int64_t trunc64(double x) {
  return (x >= -9223372036854775808.0 && x < 9223372036854775808.0) ? (int64_t)x : INT64_MIN;
}

/* The real part of a float value, exactly, as a double. */
static inline double real_of(value v) {
  return v.cls == V_HALF ? zbuf__half_to_double(v.h) : v.cls == V_F32 ? (double)v.f : v.d;
}

/* Two's-complement bits of v converted to an integer kind of `bits` width (signed or not); the caller keeps
 * the low bits. */
static inline uint64_t int_bits(value v, int bits, int is_signed) {
  switch (v.cls) {
    case V_BOOL:
    case V_UINT: return v.u;
    case V_SINT: return (uint64_t)v.i;
    default: break;
  }
  double x = real_of(v);
  if (bits < 32 || (bits == 32 && is_signed)) return (uint64_t)trunc32(x);
  if (bits == 32 || is_signed) return (uint64_t)trunc64(x);
  if (x >= 9223372036854775808.0) return (uint64_t)trunc64(x - 9223372036854775808.0) ^ (UINT64_C(1) << 63);
  return (uint64_t)trunc64(x);
}

static inline int truth(value v) {
  switch (v.cls) {
    case V_BOOL:
    case V_UINT: return v.u != 0;
    case V_SINT: return v.i != 0;
    case V_HALF: return (v.h & 0x7fffu) != 0;
    case V_F32: return v.f != 0 || v.fi != 0; /* NaN != 0 holds: NaN is true */
    default: return v.d != 0 || v.di != 0;
  }
}

static inline float to_f32(value v) {
  switch (v.cls) {
    case V_BOOL:
    case V_UINT: return (float)v.u;
    case V_SINT: return (float)v.i;
    case V_HALF: return zbuf__half_to_float(v.h);
    case V_F32: return v.f;
    default: return (float)v.d; /* IEEE (C11 Annex F): too large becomes infinity */
  }
}

static inline double to_f64(value v) {
  switch (v.cls) {
    case V_BOOL:
    case V_UINT: return (double)v.u;
    case V_SINT: return (double)v.i;
    default: return real_of(v);
  }
}

static inline uint16_t to_f16(value v) {
  switch (v.cls) {
    case V_HALF: return v.h;
    case V_F32: return zbuf__half_from_float(v.f);
    default:
      /* Integers are exact in double below 2^53, and every integer from 65520 up is infinity either way. */
      return zbuf__half_from_double(to_f64(v));
  }
}

#define DEFINE_STORE_INT(NAME, UTYPE, BITS, SIGNED)   \
  static inline void store_##NAME(char *p, value v) { \
    UTYPE x = (UTYPE)int_bits(v, BITS, SIGNED);       \
    memcpy(p, &x, sizeof x);                          \
  }
DEFINE_STORE_INT(INT8, uint8_t, 8, 1)
DEFINE_STORE_INT(INT16, uint16_t, 16, 1)
DEFINE_STORE_INT(INT32, uint32_t, 32, 1)
DEFINE_STORE_INT(INT64, uint64_t, 64, 1)
DEFINE_STORE_INT(UINT8, uint8_t, 8, 0)
DEFINE_STORE_INT(UINT16, uint16_t, 16, 0)
DEFINE_STORE_INT(UINT32, uint32_t, 32, 0)
DEFINE_STORE_INT(UINT64, uint64_t, 64, 0)

static inline void store_BOOL(char *p, value v) { *p = (char)truth(v); }
static inline void store_FLOAT16(char *p, value v) {
  uint16_t x = to_f16(v);
  memcpy(p, &x, 2);
}
static inline void store_FLOAT32(char *p, value v) {
  float x = to_f32(v);
  memcpy(p, &x, 4);
}
static inline void store_FLOAT64(char *p, value v) {
  double x = to_f64(v);
  memcpy(p, &x, 8);
}
static inline void store_COMPLEX64(char *p, value v) {
  float x[2] = {to_f32(v), v.cls == V_F32 ? v.fi : v.cls == V_F64 ? (float)v.di : 0.0f};
  memcpy(p, x, 8);
}
static inline void store_COMPLEX128(char *p, value v) {
  double x[2] = {to_f64(v), v.cls == V_F32 ? (double)v.fi : v.cls == V_F64 ? v.di : 0.0};
  memcpy(p, x, 16);
}

/* One inner loop per (source kind, destination kind) on native-order elements; after inlining, the class
 * switches fold away and each loop is a plain conversion loop. */

/* clang-format off */
#define KINDS_OUTER(X) \
  X(BOOL) X(INT8) X(INT16) X(INT32) X(INT64) X(UINT8) X(UINT16) X(UINT32) X(UINT64) \
  X(FLOAT16) X(FLOAT32) X(FLOAT64) X(COMPLEX64) X(COMPLEX128)
#define KINDS_INNER(X, S) \
  X(S, BOOL) X(S, INT8) X(S, INT16) X(S, INT32) X(S, INT64) X(S, UINT8) X(S, UINT16) X(S, UINT32) \
  X(S, UINT64) X(S, FLOAT16) X(S, FLOAT32) X(S, FLOAT64) X(S, COMPLEX64) X(S, COMPLEX128)
/* clang-format on */

enum {
  SIZE_BOOL = 1,
  SIZE_INT8 = 1,
  SIZE_INT16 = 2,
  SIZE_INT32 = 4,
  SIZE_INT64 = 8,
  SIZE_UINT8 = 1,
  SIZE_UINT16 = 2,
  SIZE_UINT32 = 4,
  SIZE_UINT64 = 8,
  SIZE_FLOAT16 = 2,
  SIZE_FLOAT32 = 4,
  SIZE_FLOAT64 = 8,
  SIZE_COMPLEX64 = 8,
  SIZE_COMPLEX128 = 16
};

/* Contiguous rows run in blocks of CAST_BLOCK elements with constant strides, a shape of loop that
 * compilers vectorise (clang at -O2, GCC at -O3); the general strided loop finishes the rest. */
enum { CAST_BLOCK = 8 };

#define DEFINE_CAST(S, D)                                                                        \
  static void cast_##S##_##D(char *dst, ptrdiff_t ds, const char *src, ptrdiff_t ss, size_t n) { \
    size_t k = 0;                                                                                \
    if (ds == SIZE_##D && ss == SIZE_##S) {                                                      \
      for (; k + CAST_BLOCK <= n; k += CAST_BLOCK)                                               \
        for (size_t j = k; j < k + CAST_BLOCK; j++)                                              \
          store_##D(dst + j * SIZE_##D, load_##S(src + j * SIZE_##S));                           \
    }                                                                                            \
    for (; k < n; k++) store_##D(dst + (ptrdiff_t)k * ds, load_##S(src + (ptrdiff_t)k * ss));    \
  }
#define DEFINE_CAST_ROW(S) KINDS_INNER(DEFINE_CAST, S)
KINDS_OUTER(DEFINE_CAST_ROW)

#define CAST_ENTRY(S, D) cast_##S##_##D,
#define CAST_TABLE_ROW(S) {KINDS_INNER(CAST_ENTRY, S)},
static const zbuf__cast_loop cast_table[ZBUF_DTYPE_KIND_COUNT][ZBUF_DTYPE_KIND_COUNT] = {
    KINDS_OUTER(CAST_TABLE_ROW)};

void zbuf__cast_element(void *dst, zbuf_dtype dst_dtype, const void *src, zbuf_dtype src_dtype) {
  if (!dst || !src || !zbuf_dtype_is_valid(dst_dtype) || !zbuf_dtype_is_valid(src_dtype)) return;
  size_t dsize = zbuf_dtype_itemsize(dst_dtype), ssize = zbuf_dtype_itemsize(src_dtype);
  char in[16], out[16];
  memcpy(in, src, ssize);
  if (dst_dtype.kind == src_dtype.kind) {
    if (zbuf__dtype_needs_swap(dst_dtype) != zbuf__dtype_needs_swap(src_dtype))
      zbuf__copy_swapped(in, 0, in, 0, 1, ssize, zbuf__dtype_part_size(src_dtype.kind));
    memcpy(dst, in, dsize);
    return;
  }
  if (zbuf__dtype_needs_swap(src_dtype))
    zbuf__copy_swapped(in, 0, in, 0, 1, ssize, zbuf__dtype_part_size(src_dtype.kind));
  cast_table[src_dtype.kind][dst_dtype.kind](out, 0, in, 0, 1);
  if (zbuf__dtype_needs_swap(dst_dtype))
    zbuf__copy_swapped(out, 0, out, 0, 1, dsize, zbuf__dtype_part_size(dst_dtype.kind));
  memcpy(dst, out, dsize);
}

zbuf__cast_loop zbuf__cast_loop_get(zbuf_dtype_kind src, zbuf_dtype_kind dst) {
  if ((int)src < 0 || src >= ZBUF_DTYPE_KIND_COUNT || (int)dst < 0 || dst >= ZBUF_DTYPE_KIND_COUNT)
    return NULL;
  return cast_table[src][dst];
}

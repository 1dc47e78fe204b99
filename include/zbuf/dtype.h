/* zbuf: element types of NDBuffer, with byte order, named as NumPy names them ("<f8", "|b1"). */
#ifndef ZBUF_DTYPE_H
#define ZBUF_DTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The element kinds NDBuffer supports (NumPy's bool, intN, uintN, floatN, complexN). */
typedef enum zbuf_dtype_kind {
  ZBUF_BOOL = 0,
  ZBUF_INT8,
  ZBUF_INT16,
  ZBUF_INT32,
  ZBUF_INT64,
  ZBUF_UINT8,
  ZBUF_UINT16,
  ZBUF_UINT32,
  ZBUF_UINT64,
  ZBUF_FLOAT16,
  ZBUF_FLOAT32,
  ZBUF_FLOAT64,
  ZBUF_COMPLEX64,
  ZBUF_COMPLEX128,
  ZBUF_DTYPE_KIND_COUNT
} zbuf_dtype_kind;

/** Byte order of the stored elements. One-byte types are always ZBUF_NATIVE ("|" in NumPy). */
typedef enum zbuf_byteorder {
  ZBUF_NATIVE = 0, /* the machine's own order; "=" in NumPy, written "<" on little-endian machines */
  ZBUF_LITTLE = 1, /* "<" */
  ZBUF_BIG = 2     /* ">" */
} zbuf_byteorder;

/** An element type: kind plus byte order. Plain value, copy freely. */
typedef struct zbuf_dtype {
  zbuf_dtype_kind kind;
  zbuf_byteorder byteorder;
} zbuf_dtype;

/** Size of one element in bytes (1 for bool; 16 for complex128); 0 for an invalid kind. */
size_t zbuf_dtype_itemsize(zbuf_dtype dtype);

/** Whether dtype names a valid kind and byte order. */
int zbuf_dtype_is_valid(zbuf_dtype dtype);

/** Whether elements are stored in the machine's own byte order. */
int zbuf_dtype_is_native(zbuf_dtype dtype);

/** The same kind in the machine's own byte order, normalised to ZBUF_NATIVE. */
zbuf_dtype zbuf_dtype_native(zbuf_dtype_kind kind);

/** Whether two dtypes describe the same bytes (kind equal, byte orders equal after resolving NATIVE;
 * byte order ignored for one-byte kinds). */
int zbuf_dtype_equal(zbuf_dtype a, zbuf_dtype b);

/** Parses a NumPy dtype string: "<f8", ">i4", "|b1", "=u2", "f4" (native), or a NumPy name such as
 * "float64", "int8", "bool", "complex128". Unknown text is ZBUF_ETYPE. */
zbuf_status zbuf_dtype_parse(const char *text, zbuf_dtype *out, zbuf_error *err);

/** Writes the NumPy `dtype.str` form ("<f8", "|b1"; NATIVE resolved to "<" or ">") into out, which must hold
 * at least 8 bytes. Returns out, or "?" text for an invalid dtype. */
const char *zbuf_dtype_str(zbuf_dtype dtype, char out[8]);

/** NumPy name of the kind: "bool", "int8", ..., "complex128"; "invalid" otherwise. */
const char *zbuf_dtype_kind_name(zbuf_dtype_kind kind);

#ifdef __cplusplus
}
#endif
#endif

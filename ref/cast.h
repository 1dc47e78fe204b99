/* zbuf reference: element casts shared by the host kernels (cast.c). Not installed.
 * zbuf__cast_element itself is declared in internal.h. */
#ifndef ZBUF_REF_CAST_H
#define ZBUF_REF_CAST_H

#include <stddef.h>

#include "internal.h"

/* Whether elements of d are stored in the order opposite to the machine's (one-byte kinds never are). */
int zbuf__dtype_needs_swap(zbuf_dtype d);

/* Size of one scalar part of an element: the itemsize, or half of it for complex kinds. */
size_t zbuf__dtype_part_size(zbuf_dtype_kind kind);

/* Copies n elements of `size` bytes from s to d (strides in bytes), reversing the bytes of each scalar part
 * (part = 2, 4 or 8). d == s with equal strides swaps in place. */
void zbuf__copy_swapped(char *d, ptrdiff_t ds, const char *s, ptrdiff_t ss, size_t n, size_t size,
                        size_t part);

/* Casts n native-order elements from a strided source row to a strided destination row, by the rules
 * stated in cast.c. Elements may be unaligned; the rows must not overlap. */
typedef void (*zbuf__cast_loop)(char *dst, ptrdiff_t ds, const char *src, ptrdiff_t ss, size_t n);

/* The inner loop for one pair of kinds; NULL when either kind is invalid. */
zbuf__cast_loop zbuf__cast_loop_get(zbuf_dtype_kind src, zbuf_dtype_kind dst);

#endif

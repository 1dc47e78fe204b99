/* zbuf conformance: the golden-vector runner, shared between vectors.c (finding, parsing and comparing cases)
 * and vectors_ops.c (running one case's operation through the implementation's table).
 *
 * Each case of conformance/contract/vectors/<op>.json (format in vectors/FORMAT.md) becomes one test whose ID
 * is the case's id and whose clause is the case's clause. A case that cannot be read is a set-up problem
 * (UNRESOLVED), never a verdict on the implementation. Nothing here dereferences memory the implementation
 * owns: inputs go in through ndbuffer_from_host, results come back through ndbuffer_to_bytes and
 * ndbuffer_info, so the same cases run in cpu, cuda_host and cuda memory. */
#ifndef ZBUF_CONFORM_TESTS_VECTORS_H
#define ZBUF_CONFORM_TESTS_VECTORS_H

#include <cjson/cJSON.h>

#include "conform.h"

/** One registered case: the test's data pointer. Lives for the whole process (the child inherits it). */
typedef struct vx_case {
  const char *op;    /* the file's op: "reshape", ... */
  const char *file;  /* "reshape.json", for messages */
  const cJSON *json; /* the case object */
} vx_case;

/** A NumPy dtype string taken apart: "<f8" is order '<', kind 'f', size 8. */
typedef struct vx_dtype {
  char order; /* '<', '>', '|' or '=' */
  char kind;  /* 'b', 'i', 'u', 'f', 'c' */
  size_t size;
} vx_dtype;

/** What one running case owns: host scratch memory and implementation handles, released at the end. */
typedef struct vx_run {
  conform_ctx *ctx;
  const vx_case *vc;
  void *allocs[64];
  size_t nallocs;
  zbuf_impl_ndbuffer *handles[16];
  size_t nhandles;
} vx_run;

/** The test body of every case (vectors_ops.c). */
void vx_case_body(conform_ctx *ctx);

/* ---- scratch memory and handles (vectors.c) ---- */

/** n zeroed host bytes (at least one), freed by vx_run_end. */
void *vx_alloc(vx_run *r, size_t n);
/** Keeps a handle to release at the end; returns it. */
zbuf_impl_ndbuffer *vx_keep(vx_run *r, zbuf_impl_ndbuffer *h);
/** Releases every kept handle (last kept first) and frees the scratch memory. */
void vx_run_end(vx_run *r);

/* ---- reading a case; a malformed case is UNRESOLVED naming the file, the case and the member ---- */

/** Ends the test as UNRESOLVED: the case is malformed. */
void vx_malformed(vx_run *r, const char *fmt, ...) CONFORM__PRINTF(2, 3) CONFORM__NORETURN;
/** A member that must be there (any type, JSON null included). */
const cJSON *vx_member(vx_run *r, const cJSON *obj, const char *key);
/** A member that must be a string. */
const char *vx_string(vx_run *r, const cJSON *obj, const char *key);
/** A JSON integer that fits in int64 (cJSON reads numbers as doubles; every extent in the vectors is exact).
 */
int64_t vx_int(vx_run *r, const cJSON *item, const char *what);
/** A list of integers; returns the count and sets *out (NULL for an empty list). */
size_t vx_int_list(vx_run *r, const cJSON *arr, const char *what, int64_t **out);
/** Lower-case hex to bytes; returns the count and sets *out. */
size_t vx_hex(vx_run *r, const cJSON *item, const char *what, unsigned char **out);
/** An index: integers and slice objects, one per leading axis. */
size_t vx_index(vx_run *r, const cJSON *arr, const char *what, zbuf_index **out);
/** 0 when s is a dtype of the supported kinds; fills d. */
int vx_dtype_parse(const char *s, vx_dtype *d);
/** Parses a dtype string that must be valid. */
vx_dtype vx_dtype_of(vx_run *r, const char *s, const char *what);
/** The zbuf status a name of FORMAT.md stands for ("EINVAL" -> ZBUF_EINVAL). */
zbuf_status vx_status(vx_run *r, const char *name);

/* ---- building inputs ---- */

/** Builds an array record {dtype, shape, data[, order][, view]} in ctx->nd_dev. order "F" places the elements
 * at F-order addresses (a new F-ordered array, then set_item of the C-ordered copy); with allow_view, a
 * `view` member is applied with get_item and the view is returned. */
zbuf_impl_ndbuffer *vx_build(vx_run *r, const cJSON *rec, int allow_view);

/* ---- observing results ---- */

/** Number of elements of a shape. */
size_t vx_count(size_t ndim, const int64_t *shape);
/** The array's dtype, shape and C-order bytes must be those of the expected record (`dtype`, `shape`, `data`,
 * `nan`, and `strides`, `c_contiguous`, `f_contiguous` when given). seen_bytes: bytes the operation already
 * produced (to_bytes as the operation under test), or NULL to read them with ndbuffer_to_bytes. */
void vx_check_array(vx_run *r, const zbuf_impl_ndbuffer *a, const cJSON *expect,
                    const unsigned char *seen_bytes, size_t seen_n);
/** Compares bytes of n elements exactly (or with NaN matching any NaN); the failure names the first
 * differing element, its index and both values in hex. */
void vx_check_data(vx_run *r, const char *what, vx_dtype dt, size_t ndim, const int64_t *shape,
                   const unsigned char *want, const unsigned char *seen, size_t n, int nan_any);

/** Metadata and bytes of an array, to prove that a failing call left it unchanged. */
typedef struct vx_snap {
  zbuf_impl_ndinfo info;
  int64_t shape[ZBUF_MAX_NDIM], strides[ZBUF_MAX_NDIM];
  unsigned char *bytes;
  size_t n;
} vx_snap;
void vx_snapshot(vx_run *r, const zbuf_impl_ndbuffer *a, vx_snap *s);
void vx_check_unchanged(vx_run *r, const char *what, const zbuf_impl_ndbuffer *a, const vx_snap *s);

#endif

/* minibuf: a small host-memory buffer library written the way an outside team would write one against the
 * zbuf implementation ABI (zbuf/impl.h) -- its own names, its own data structures, nothing from the zbuf
 * reference. It exists to show what `zbuf-conform --impl lib:PATH` reports for a third-party implementation:
 * a subset of the NDBuffer operations (the rest are NULL, so their tests are UNSUPPORTED), dtypes in
 * little-endian order only, and a few faults planted on purpose, each caught by a clause (README.md).
 *
 * The config string of the entry call picks the faults: NULL, "" or "default" plants the deterministic ones
 * (slice-copies, slice-step, zero-sign, early-release); "none" plants nothing; otherwise a comma-separated
 * list of fault names ("racy-refcount" is only planted when named, since whether its race shows depends on
 * the machine). "init-delay-ms=N" in the list makes the entry call take N ms, as a slow start would. */
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zbuf/impl.h"

/* ---- planted faults ---- */

enum minibuf_fault {
  MINIBUF_SLICE_COPIES = 1u << 0,  /* Buffer slices copy their bytes instead of sharing them */
  MINIBUF_SLICE_STEP = 1u << 1,    /* Buffer slices accept a step > 1 (gathering every step-th byte) */
  MINIBUF_ZERO_SIGN = 1u << 2,     /* all_equal compares with a zero by value: -0.0 equals +0.0 */
  MINIBUF_EARLY_RELEASE = 1u << 3, /* the wrap callback runs when the wrapping handle goes, not the memory */
  MINIBUF_RACY_REFCOUNT = 1u << 4  /* Buffer retain/release are a split load and store, not one atomic op */
};
#define MINIBUF_DEFAULT_FAULTS \
  (MINIBUF_SLICE_COPIES | MINIBUF_SLICE_STEP | MINIBUF_ZERO_SIGN | MINIBUF_EARLY_RELEASE)

static const struct {
  const char *name;
  unsigned bit;
} minibuf_fault_names[] = {{"slice-copies", MINIBUF_SLICE_COPIES},
                           {"slice-step", MINIBUF_SLICE_STEP},
                           {"zero-sign", MINIBUF_ZERO_SIGN},
                           {"early-release", MINIBUF_EARLY_RELEASE},
                           {"racy-refcount", MINIBUF_RACY_REFCOUNT}};

static unsigned minibuf_faults;

#define MINIBUF_MAX_NDIM 32

/* ---- errors and live-allocation counters ---- */

__attribute__((format(printf, 3, 4))) static zbuf_status minibuf_fail(zbuf_error *err, zbuf_status code,
                                                                      const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

#define MINIBUF_NEED(cond, err, what) \
  if (!(cond)) return minibuf_fail((err), ZBUF_EINVAL, "%s must not be NULL", (what))

static atomic_llong minibuf_blocks, minibuf_bytes, minibuf_handles;

/* ---- memory blocks: one allocation (or one wrapped region) shared by every handle viewing it ---- */

typedef struct minibuf_block {
  atomic_int refs;
  unsigned char *data;
  int owned;         /* data was allocated by minibuf (else it is the caller's, wrapped) */
  size_t owned_size; /* bytes minibuf allocated */
  zbuf_impl_release_fn release;
  void *release_ctx;
  atomic_int release_ran;
} minibuf_block;

static minibuf_block *minibuf_block_new(size_t size, int zero) {
  minibuf_block *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->data = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
  if (!b->data) {
    free(b);
    return NULL;
  }
  atomic_init(&b->refs, 1);
  b->owned = 1;
  b->owned_size = size;
  atomic_fetch_add(&minibuf_blocks, 1);
  atomic_fetch_add(&minibuf_bytes, (long long)size);
  return b;
}

static minibuf_block *minibuf_block_wrap(void *data, zbuf_impl_release_fn release, void *ctx) {
  minibuf_block *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  atomic_init(&b->refs, 1);
  b->data = data;
  b->release = release;
  b->release_ctx = ctx;
  atomic_fetch_add(&minibuf_blocks, 1);
  return b;
}

static void minibuf_block_run_release(minibuf_block *b) {
  if (b->release && atomic_exchange(&b->release_ran, 1) == 0) b->release(b->data, b->release_ctx);
}

static void minibuf_block_unref(minibuf_block *b) {
  if (atomic_fetch_sub(&b->refs, 1) != 1) return;
  if (b->owned) {
    atomic_fetch_sub(&minibuf_bytes, (long long)b->owned_size);
    free(b->data);
  } else {
    minibuf_block_run_release(b);
  }
  atomic_fetch_sub(&minibuf_blocks, 1);
  free(b);
}

/* ---- Buffers ---- */

struct zbuf_impl_buffer {
  atomic_int refs;
  int wraps; /* made by buffer_wrap (the early-release fault keys on it) */
  minibuf_block *block;
  size_t offset, length;
};

static zbuf_impl_buffer *minibuf_buffer_new(minibuf_block *block, size_t offset, size_t length) {
  zbuf_impl_buffer *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  atomic_init(&b->refs, 1);
  b->block = block;
  b->offset = offset;
  b->length = length;
  atomic_fetch_add(&minibuf_handles, 1);
  return b;
}

/* Host memory is the one kind minibuf serves; the other zbuf kinds are known but not served (EUNSUPPORTED),
 * and any other device type is not a memory kind minibuf knows (ETYPE, CONV-ERR-003). */
static zbuf_status minibuf_host_only(DLDevice d, zbuf_error *err) {
  if (d.device_type == kDLCPU) return ZBUF_OK;
  if (d.device_type == kDLCUDA || d.device_type == kDLCUDAHost)
    return minibuf_fail(err, ZBUF_EUNSUPPORTED,
                        "minibuf keeps memory in host RAM (kDLCPU) only, not device type %d",
                        (int)d.device_type);
  return minibuf_fail(err, ZBUF_ETYPE, "device type %d is not a memory kind minibuf knows",
                      (int)d.device_type);
}

/* A new Buffer over fresh memory holding a copy of n bytes (src may be NULL: uninitialised). */
static zbuf_status minibuf_buffer_copy_of(const void *src, size_t n, zbuf_impl_buffer **out,
                                          zbuf_error *err) {
  minibuf_block *blk = minibuf_block_new(n, 0);
  if (!blk) return minibuf_fail(err, ZBUF_ENOMEM, "cannot allocate %zu bytes", n);
  if (src && n) memcpy(blk->data, src, n);
  zbuf_impl_buffer *b = minibuf_buffer_new(blk, 0, n);
  if (!b) {
    minibuf_block_unref(blk);
    return minibuf_fail(err, ZBUF_ENOMEM, "cannot allocate a Buffer handle");
  }
  *out = b;
  return ZBUF_OK;
}

static zbuf_status mb_from_bytes(const zbuf_impl *self, DLDevice device, const void *data, size_t size,
                                 zbuf_impl_buffer **out, zbuf_error *err) {
  MINIBUF_NEED(out, err, "out");
  if (!data && size) return minibuf_fail(err, ZBUF_EINVAL, "data is NULL but size is %zu", size);
  ZBUF_RETURN_NOT_OK(minibuf_host_only(device, err));
  return minibuf_buffer_copy_of(data, size, out, err);
}

static zbuf_status mb_zero_length(const zbuf_impl *self, DLDevice device, zbuf_impl_buffer **out,
                                  zbuf_error *err) {
  return mb_from_bytes(self, device, NULL, 0, out, err);
}

static zbuf_status mb_wrap(const zbuf_impl *self, DLDevice device, void *data, size_t size,
                           zbuf_impl_release_fn release, void *ctx, zbuf_impl_buffer **out, zbuf_error *err) {
  MINIBUF_NEED(out, err, "out");
  if (!data && size) return minibuf_fail(err, ZBUF_EINVAL, "data is NULL but size is %zu", size);
  ZBUF_RETURN_NOT_OK(minibuf_host_only(device, err));
  minibuf_block *blk = minibuf_block_wrap(data, release, ctx);
  zbuf_impl_buffer *b = blk ? minibuf_buffer_new(blk, 0, size) : NULL;
  if (!b) {
    free(blk);
    if (blk) atomic_fetch_sub(&minibuf_blocks, 1);
    return minibuf_fail(err, ZBUF_ENOMEM, "cannot allocate a Buffer handle");
  }
  b->wraps = 1;
  *out = b;
  return ZBUF_OK;
}

/* Another handle on the same bytes. */
static zbuf_status minibuf_buffer_alias(const zbuf_impl_buffer *src, size_t offset, size_t length,
                                        zbuf_impl_buffer **out, zbuf_error *err) {
  atomic_fetch_add(&src->block->refs, 1);
  zbuf_impl_buffer *b = minibuf_buffer_new(src->block, src->offset + offset, length);
  if (!b) {
    minibuf_block_unref(src->block);
    return minibuf_fail(err, ZBUF_ENOMEM, "cannot allocate a Buffer handle");
  }
  *out = b;
  return ZBUF_OK;
}

static zbuf_status mb_from_buffer(const zbuf_impl *self, DLDevice device, const zbuf_impl_buffer *src,
                                  zbuf_impl_buffer **out, zbuf_error *err) {
  MINIBUF_NEED(src, err, "src");
  MINIBUF_NEED(out, err, "out");
  ZBUF_RETURN_NOT_OK(minibuf_host_only(device, err));
  return minibuf_buffer_alias(src, 0, src->length, out, err);
}

static zbuf_status mb_buffer_info(const zbuf_impl *self, const zbuf_impl_buffer *buf, void **data,
                                  size_t *length, DLDevice *device, zbuf_error *err) {
  MINIBUF_NEED(buf, err, "buf");
  if (data) *data = buf->block->data + buf->offset;
  if (length) *length = buf->length;
  if (device) *device = (DLDevice){kDLCPU, 0};
  return ZBUF_OK;
}

static zbuf_status mb_buffer_to_bytes(const zbuf_impl *self, const zbuf_impl_buffer *buf, void *dst,
                                      size_t dst_size, zbuf_error *err) {
  MINIBUF_NEED(buf, err, "buf");
  if (dst_size < buf->length)
    return minibuf_fail(err, ZBUF_EINVAL, "dst_size %zu is less than the length %zu", dst_size, buf->length);
  MINIBUF_NEED(dst || !buf->length, err, "dst");
  if (buf->length) memcpy(dst, buf->block->data + buf->offset, buf->length);
  return ZBUF_OK;
}

static zbuf_status mb_buffer_to_host(const zbuf_impl *self, const zbuf_impl_buffer *buf,
                                     zbuf_impl_buffer **out, zbuf_error *err) {
  MINIBUF_NEED(buf, err, "buf");
  MINIBUF_NEED(out, err, "out");
  return minibuf_buffer_alias(buf, 0, buf->length, out, err);
}

/* Python's slice.indices(length) for a non-zero step: first index and number of positions. */
static void minibuf_slice_indices(zbuf_slice s, int64_t len, int64_t step, int64_t *start, int64_t *count) {
  int64_t lo = step < 0 ? -1 : 0, hi = step < 0 ? len - 1 : len;
  int64_t b = step < 0 ? hi : lo, e = step < 0 ? lo : hi;
  if (s.given & ZBUF_SLICE_HAS_START) {
    b = s.start < 0 ? s.start + len : s.start;
    b = b < lo ? lo : b > hi ? hi : b;
  }
  if (s.given & ZBUF_SLICE_HAS_STOP) {
    e = s.stop < 0 ? s.stop + len : s.stop;
    e = e < lo ? lo : e > hi ? hi : e;
  }
  *start = b;
  if (step > 0)
    *count = e > b ? (e - b + step - 1) / step : 0;
  else
    *count = b > e ? (b - e - step - 1) / -step : 0;
}

/* A Buffer key: contiguous slices only (step 1 or None), resolved against the length. */
static zbuf_status minibuf_buffer_key(zbuf_slice key, size_t length, int allow_steps, int64_t *start,
                                      int64_t *count, int64_t *step, zbuf_error *err) {
  *step = (key.given & ZBUF_SLICE_HAS_STEP) ? key.step : 1;
  if (*step != 1 && !(allow_steps && *step > 1))
    return minibuf_fail(err, ZBUF_EINVAL, "slice must be contiguous: step %lld is not 1", (long long)*step);
  minibuf_slice_indices(key, (int64_t)length, *step, start, count);
  return ZBUF_OK;
}

static zbuf_status mb_buffer_slice(const zbuf_impl *self, const zbuf_impl_buffer *buf, zbuf_slice key,
                                   zbuf_impl_buffer **out, zbuf_error *err) {
  MINIBUF_NEED(buf, err, "buf");
  MINIBUF_NEED(out, err, "out");
  int64_t start = 0, count = 0, step = 1;
  ZBUF_RETURN_NOT_OK(minibuf_buffer_key(key, buf->length, (minibuf_faults & MINIBUF_SLICE_STEP) != 0, &start,
                                        &count, &step, err));
  const unsigned char *p = buf->block->data + buf->offset + start;
  if (step != 1) { /* FAULT slice-step: "strided byte slices are handy", gathered into a copy */
    ZBUF_RETURN_NOT_OK(minibuf_buffer_copy_of(NULL, (size_t)count, out, err));
    for (int64_t i = 0; i < count; i++) (*out)->block->data[i] = p[i * step];
    return ZBUF_OK;
  }
  if (minibuf_faults & MINIBUF_SLICE_COPIES) /* FAULT slice-copies: a slice is a fresh copy */
    return minibuf_buffer_copy_of(p, (size_t)count, out, err);
  return minibuf_buffer_alias(buf, (size_t)start, (size_t)count, out, err);
}

static zbuf_status mb_buffer_set_slice(const zbuf_impl *self, zbuf_impl_buffer *dst, zbuf_slice key,
                                       const zbuf_impl_buffer *value, zbuf_error *err) {
  MINIBUF_NEED(dst, err, "dst");
  MINIBUF_NEED(value, err, "value");
  int64_t start = 0, count = 0, step = 1;
  ZBUF_RETURN_NOT_OK(minibuf_buffer_key(key, dst->length, 0, &start, &count, &step, err));
  if ((size_t)count != value->length)
    return minibuf_fail(err, ZBUF_EINVAL, "value has %zu bytes but the slice selects %lld", value->length,
                        (long long)count);
  if (count)
    memmove(dst->block->data + dst->offset + start, value->block->data + value->offset, (size_t)count);
  return ZBUF_OK;
}

static zbuf_status mb_buffer_combine(const zbuf_impl *self, const zbuf_impl_buffer *const *parts, size_t n,
                                     zbuf_impl_buffer **out, zbuf_error *err) {
  MINIBUF_NEED(parts, err, "parts");
  MINIBUF_NEED(out, err, "out");
  if (n == 0) return minibuf_fail(err, ZBUF_EINVAL, "combine needs at least one part, n is 0");
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (!parts[i]) return minibuf_fail(err, ZBUF_EINVAL, "parts[%zu] is NULL", i);
    total += parts[i]->length;
  }
  zbuf_impl_buffer *b = NULL;
  ZBUF_RETURN_NOT_OK(minibuf_buffer_copy_of(NULL, total, &b, err));
  for (size_t i = 0, at = 0; i < n; at += parts[i]->length, i++)
    if (parts[i]->length)
      memcpy(b->block->data + at, parts[i]->block->data + parts[i]->offset, parts[i]->length);
  *out = b;
  return ZBUF_OK;
}

static zbuf_status mb_buffer_equal(const zbuf_impl *self, const zbuf_impl_buffer *a,
                                   const zbuf_impl_buffer *b, int *equal, zbuf_error *err) {
  MINIBUF_NEED(a && b, err, "a and b");
  MINIBUF_NEED(equal, err, "equal");
  *equal = a->length == b->length &&
           (a->length == 0 || memcmp(a->block->data + a->offset, b->block->data + b->offset, a->length) == 0);
  return ZBUF_OK;
}

/* FAULT racy-refcount: a load and a store with a yield between them, so that a concurrent retain or release
 * in that window is lost, as with a plain `refs++` on a machine with many cores. */
static int minibuf_refs_add(atomic_int *refs, int delta) {
  if (!(minibuf_faults & MINIBUF_RACY_REFCOUNT)) return atomic_fetch_add(refs, delta) + delta;
  int r = atomic_load_explicit(refs, memory_order_relaxed);
  sched_yield();
  atomic_store_explicit(refs, r + delta, memory_order_relaxed);
  return r + delta;
}

static zbuf_impl_buffer *mb_buffer_retain(const zbuf_impl *self, zbuf_impl_buffer *buf) {
  if (buf) minibuf_refs_add(&buf->refs, 1);
  return buf;
}

static void mb_buffer_release(const zbuf_impl *self, zbuf_impl_buffer *buf) {
  if (!buf || minibuf_refs_add(&buf->refs, -1) != 0) return;
  /* FAULT early-release: the wrapped memory is "given back" with the handle that wrapped it, although
   * aliases made from that handle still point at it. */
  if (buf->wraps && (minibuf_faults & MINIBUF_EARLY_RELEASE)) minibuf_block_run_release(buf->block);
  minibuf_block_unref(buf->block);
  atomic_fetch_sub(&minibuf_handles, 1);
  free(buf);
}

/* ---- dtypes: little-endian numbers and bool ---- */

typedef struct minibuf_dtype {
  char str[4]; /* NumPy dtype.str */
  char kind;   /* 'b', 'i', 'u', 'f' */
  int size;
} minibuf_dtype;

static const minibuf_dtype minibuf_dtypes[] = {
    {"|b1", 'b', 1}, {"|i1", 'i', 1}, {"|u1", 'u', 1}, {"<i2", 'i', 2}, {"<u2", 'u', 2}, {"<i4", 'i', 4},
    {"<u4", 'u', 4}, {"<i8", 'i', 8}, {"<u8", 'u', 8}, {"<f4", 'f', 4}, {"<f8", 'f', 8}};

/* NumPy dtype strings minibuf knows but does not support (big-endian, float16, complex) are EUNSUPPORTED;
 * anything else is not a dtype at all: ETYPE. */
static zbuf_status minibuf_dtype_parse(const char *text, minibuf_dtype *out, zbuf_error *err) {
  MINIBUF_NEED(text, err, "dtype");
  static const char *const numpy[] = {"b1", "i1", "i2", "i4", "i8", "u1", "u2",
                                      "u4", "u8", "f2", "f4", "f8", "c8", "c16"};
  int known = 0;
  for (size_t i = 0; i < sizeof numpy / sizeof numpy[0]; i++)
    known |= text[0] && strchr("<>=|", text[0]) && strcmp(text + 1, numpy[i]) == 0;
  if (!known) return minibuf_fail(err, ZBUF_ETYPE, "data type \"%s\" not understood", text);
  for (size_t i = 0; i < sizeof minibuf_dtypes / sizeof minibuf_dtypes[0]; i++) {
    const minibuf_dtype *d = &minibuf_dtypes[i];
    if (strcmp(d->str + 1, text + 1) == 0 && (text[0] != '>' || d->size == 1)) {
      *out = *d;
      return ZBUF_OK;
    }
  }
  return minibuf_fail(err, ZBUF_EUNSUPPORTED, "minibuf does not support dtype \"%s\"", text);
}

/* ---- NDBuffers ---- */

struct zbuf_impl_ndbuffer {
  atomic_int refs;
  minibuf_block *block;
  int64_t offset; /* bytes from block->data to element [0, ..., 0] */
  minibuf_dtype dtype;
  int32_t ndim;
  int64_t shape[MINIBUF_MAX_NDIM], strides[MINIBUF_MAX_NDIM];
};
typedef struct zbuf_impl_ndbuffer minibuf_nd;

static unsigned char *minibuf_nd_base(const minibuf_nd *a) { return a->block->data + a->offset; }

static int64_t minibuf_nd_count(const minibuf_nd *a) {
  int64_t n = 1;
  for (int i = 0; i < a->ndim; i++) n *= a->shape[i];
  return n;
}

static void minibuf_c_strides(minibuf_nd *a) {
  int64_t s = a->dtype.size;
  for (int i = a->ndim - 1; i >= 0; i--) {
    a->strides[i] = s;
    s *= a->shape[i] > 0 ? a->shape[i] : 1;
  }
}

/* Checks ndim and shape (no -1 here); fills the element count, refusing sizes whose bytes overflow. */
static zbuf_status minibuf_check_shape(size_t ndim, const int64_t *shape, int size, int64_t *count,
                                       zbuf_error *err) {
  if (ndim > MINIBUF_MAX_NDIM)
    return minibuf_fail(err, ZBUF_EINVAL, "ndim %zu is more than minibuf's %d", ndim, MINIBUF_MAX_NDIM);
  MINIBUF_NEED(shape || ndim == 0, err, "shape");
  int64_t n = 1;
  int big = 0, empty = 0;
  for (size_t i = 0; i < ndim; i++) {
    if (shape[i] < 0)
      return minibuf_fail(err, ZBUF_EINVAL, "shape[%zu] = %lld must be >= 0", i, (long long)shape[i]);
    if (shape[i] == 0)
      empty = 1;
    else if (big || n > INT64_MAX / size / shape[i])
      big = 1;
    else
      n *= shape[i];
  }
  if (empty) big = 0, n = 0; /* a zero-size array needs no bytes, whatever its other extents */
  if (big) return minibuf_fail(err, ZBUF_EINVAL, "array is too big: its byte size overflows int64");
  *count = n;
  return ZBUF_OK;
}

/* A handle on `block` (whose reference the caller hands over) with meta's dtype, shape, strides and offset.
 */
static zbuf_status minibuf_nd_handle(minibuf_block *block, const minibuf_nd *meta, minibuf_nd **out,
                                     zbuf_error *err) {
  minibuf_nd *a = malloc(sizeof *a);
  if (!a) {
    minibuf_block_unref(block);
    return minibuf_fail(err, ZBUF_ENOMEM, "cannot allocate an NDBuffer handle");
  }
  *a = *meta;
  atomic_init(&a->refs, 1);
  a->block = block;
  atomic_fetch_add(&minibuf_handles, 1);
  *out = a;
  return ZBUF_OK;
}

static zbuf_status minibuf_nd_view(const minibuf_nd *src, const minibuf_nd *meta, minibuf_nd **out,
                                   zbuf_error *err) {
  atomic_fetch_add(&src->block->refs, 1);
  return minibuf_nd_handle(src->block, meta, out, err);
}

/* Visits every element of a in C order. */
typedef void (*minibuf_visit)(unsigned char *elem, int size, void *arg);
static void minibuf_walk(const minibuf_nd *a, minibuf_visit visit, void *arg) {
  int64_t n = minibuf_nd_count(a), idx[MINIBUF_MAX_NDIM] = {0};
  unsigned char *p = minibuf_nd_base(a);
  for (int64_t k = 0; k < n; k++) {
    visit(p, a->dtype.size, arg);
    for (int d = a->ndim - 1; d >= 0; d--) {
      if (++idx[d] < a->shape[d]) {
        p += a->strides[d];
        break;
      }
      p -= a->strides[d] * (a->shape[d] - 1);
      idx[d] = 0;
    }
  }
}

static void minibuf_gather(unsigned char *elem, int size, void *arg) {
  unsigned char **cursor = arg;
  memcpy(*cursor, elem, (size_t)size);
  *cursor += size;
}

static void minibuf_scatter(unsigned char *elem, int size, void *arg) { memcpy(elem, arg, (size_t)size); }

/* A C-contiguous copy of a's elements in new memory. */
static zbuf_status minibuf_nd_copy_of(const minibuf_nd *a, minibuf_nd **out, zbuf_error *err) {
  minibuf_block *blk = minibuf_block_new((size_t)(minibuf_nd_count(a) * a->dtype.size), 0);
  if (!blk) return minibuf_fail(err, ZBUF_ENOMEM, "cannot allocate the copy");
  unsigned char *cursor = blk->data;
  minibuf_walk(a, minibuf_gather, &cursor);
  minibuf_nd meta = *a;
  meta.offset = 0;
  minibuf_c_strides(&meta);
  return minibuf_nd_handle(blk, &meta, out, err);
}

static zbuf_status minibuf_nd_new(size_t ndim, const int64_t *shape, const char *dtype, zbuf_order order,
                                  int zero, minibuf_nd **out, zbuf_error *err) {
  MINIBUF_NEED(out, err, "out");
  minibuf_nd meta;
  memset(&meta, 0, sizeof meta);
  ZBUF_RETURN_NOT_OK(minibuf_dtype_parse(dtype, &meta.dtype, err));
  if (order != ZBUF_ORDER_C && order != ZBUF_ORDER_F)
    return minibuf_fail(err, ZBUF_EINVAL, "order must be C or F, not %d", (int)order);
  int64_t n;
  ZBUF_RETURN_NOT_OK(minibuf_check_shape(ndim, shape, meta.dtype.size, &n, err));
  meta.ndim = (int32_t)ndim;
  for (size_t i = 0; i < ndim; i++) meta.shape[i] = shape[i];
  minibuf_c_strides(&meta);
  if (order == ZBUF_ORDER_F)
    for (int64_t i = 0, s = meta.dtype.size; i < (int64_t)ndim; s *= shape[i] ? shape[i] : 1, i++)
      meta.strides[i] = s;
  minibuf_block *blk = minibuf_block_new((size_t)(n * meta.dtype.size), zero);
  if (!blk) return minibuf_fail(err, ZBUF_ENOMEM, "cannot allocate %lld elements", (long long)n);
  return minibuf_nd_handle(blk, &meta, out, err);
}

static zbuf_status mb_nd_create(const zbuf_impl *self, DLDevice device, size_t ndim, const int64_t *shape,
                                const char *dtype, zbuf_order order, const void *fill_value, minibuf_nd **out,
                                zbuf_error *err) {
  ZBUF_RETURN_NOT_OK(minibuf_host_only(device, err));
  ZBUF_RETURN_NOT_OK(minibuf_nd_new(ndim, shape, dtype, order, fill_value == NULL, out, err));
  if (fill_value) minibuf_walk(*out, minibuf_scatter, (void *)fill_value);
  return ZBUF_OK;
}

static zbuf_status mb_nd_empty(const zbuf_impl *self, DLDevice device, size_t ndim, const int64_t *shape,
                               const char *dtype, zbuf_order order, minibuf_nd **out, zbuf_error *err) {
  ZBUF_RETURN_NOT_OK(minibuf_host_only(device, err));
  return minibuf_nd_new(ndim, shape, dtype, order, 0, out, err);
}

/* Metadata of caller memory (strides in bytes, NULL for C order); the caller sets the block. */
static zbuf_status minibuf_describe(void *data, size_t ndim, const int64_t *shape, const int64_t *strides,
                                    const char *dtype, minibuf_nd *meta, zbuf_error *err) {
  memset(meta, 0, sizeof *meta);
  ZBUF_RETURN_NOT_OK(minibuf_dtype_parse(dtype, &meta->dtype, err));
  int64_t n;
  ZBUF_RETURN_NOT_OK(minibuf_check_shape(ndim, shape, meta->dtype.size, &n, err));
  if (!data && n) return minibuf_fail(err, ZBUF_EINVAL, "data is NULL for %lld elements", (long long)n);
  meta->ndim = (int32_t)ndim;
  for (size_t i = 0; i < ndim; i++) meta->shape[i] = shape[i];
  minibuf_c_strides(meta);
  if (strides)
    for (size_t i = 0; i < ndim; i++) meta->strides[i] = strides[i];
  return ZBUF_OK;
}

static zbuf_status mb_nd_from_host(const zbuf_impl *self, DLDevice device, const void *data, size_t ndim,
                                   const int64_t *shape, const int64_t *strides, const char *dtype,
                                   minibuf_nd **out, zbuf_error *err) {
  MINIBUF_NEED(out, err, "out");
  ZBUF_RETURN_NOT_OK(minibuf_host_only(device, err));
  minibuf_nd src;
  minibuf_block tmp = {.data = (unsigned char *)(uintptr_t)data};
  ZBUF_RETURN_NOT_OK(minibuf_describe((void *)(uintptr_t)data, ndim, shape, strides, dtype, &src, err));
  src.block = &tmp;
  return minibuf_nd_copy_of(&src, out, err);
}

static zbuf_status mb_nd_info(const zbuf_impl *self, const minibuf_nd *a, zbuf_impl_ndinfo *out,
                              zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  MINIBUF_NEED(out, err, "out");
  memset(out, 0, sizeof *out);
  memcpy(out->dtype, a->dtype.str, sizeof a->dtype.str);
  out->ndim = a->ndim;
  out->shape = a->shape;
  out->strides = a->strides;
  out->data = minibuf_nd_base(a);
  out->device = (DLDevice){kDLCPU, 0};
  return ZBUF_OK;
}

static zbuf_status mb_nd_to_bytes(const zbuf_impl *self, const minibuf_nd *a, void *dst, size_t dst_size,
                                  zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  size_t need = (size_t)(minibuf_nd_count(a) * a->dtype.size);
  if (dst_size < need)
    return minibuf_fail(err, ZBUF_EINVAL, "dst_size %zu is less than %zu bytes", dst_size, need);
  MINIBUF_NEED(dst || !need, err, "dst");
  unsigned char *cursor = dst;
  minibuf_walk(a, minibuf_gather, &cursor);
  return ZBUF_OK;
}

static zbuf_status mb_nd_to_device(const zbuf_impl *self, const minibuf_nd *a, DLDevice device,
                                   minibuf_nd **out, zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  MINIBUF_NEED(out, err, "out");
  ZBUF_RETURN_NOT_OK(minibuf_host_only(device, err));
  return minibuf_nd_view(a, a, out, err);
}

static zbuf_status mb_nd_to_host(const zbuf_impl *self, const minibuf_nd *a, minibuf_nd **out,
                                 zbuf_error *err) {
  return mb_nd_to_device(self, a, (DLDevice){kDLCPU, 0}, out, err);
}

static zbuf_status mb_nd_as_scalar(const zbuf_impl *self, const minibuf_nd *a, void *out, size_t out_size,
                                   zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  if (minibuf_nd_count(a) != 1)
    return minibuf_fail(err, ZBUF_EINVAL, "Buffer does not contain a single scalar value");
  if (out_size < (size_t)a->dtype.size)
    return minibuf_fail(err, ZBUF_EINVAL, "out_size %zu is less than the itemsize %d", out_size,
                        a->dtype.size);
  MINIBUF_NEED(out, err, "out");
  memcpy(out, minibuf_nd_base(a), (size_t)a->dtype.size);
  return ZBUF_OK;
}

/* Resolves a shape with at most one -1 for `count` elements into meta (C strides). */
static zbuf_status minibuf_resolve_shape(size_t ndim, const int64_t *shape, int64_t count, minibuf_nd *meta,
                                         zbuf_error *err) {
  if (ndim > MINIBUF_MAX_NDIM) return minibuf_fail(err, ZBUF_EINVAL, "ndim %zu is too many", ndim);
  MINIBUF_NEED(shape || ndim == 0, err, "shape");
  int64_t known = 1;
  int unknown = -1;
  for (size_t i = 0; i < ndim; i++) {
    if (shape[i] == -1 && unknown < 0) {
      unknown = (int)i;
      continue;
    }
    if (shape[i] < 0) return minibuf_fail(err, ZBUF_EINVAL, "can only specify one unknown dimension");
    known *= shape[i];
  }
  meta->ndim = (int32_t)ndim;
  for (size_t i = 0; i < ndim; i++) meta->shape[i] = shape[i];
  if (unknown >= 0) {
    if (known == 0 || count % known)
      return minibuf_fail(err, ZBUF_EINVAL, "cannot reshape %lld elements with shape[%d] = -1",
                          (long long)count, unknown);
    meta->shape[unknown] = count / known;
  } else if (known != count) {
    return minibuf_fail(err, ZBUF_EINVAL, "cannot reshape array of size %lld into one of size %lld",
                        (long long)count, (long long)known);
  }
  minibuf_c_strides(meta);
  return ZBUF_OK;
}

static int minibuf_is_c_contiguous(const minibuf_nd *a) {
  int64_t s = a->dtype.size;
  if (minibuf_nd_count(a) == 0) return 1;
  for (int i = a->ndim - 1; i >= 0; i--) {
    if (a->shape[i] != 1 && a->strides[i] != s) return 0;
    s *= a->shape[i];
  }
  return 1;
}

static zbuf_status mb_nd_reshape(const zbuf_impl *self, const minibuf_nd *a, size_t ndim,
                                 const int64_t *shape, minibuf_nd **out, zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  MINIBUF_NEED(out, err, "out");
  minibuf_nd meta = *a;
  ZBUF_RETURN_NOT_OK(minibuf_resolve_shape(ndim, shape, minibuf_nd_count(a), &meta, err));
  if (minibuf_is_c_contiguous(a)) return minibuf_nd_view(a, &meta, out, err);
  minibuf_nd *c = NULL; /* strided input: minibuf always copies (ND-COPY-006 allows it) */
  ZBUF_RETURN_NOT_OK(minibuf_nd_copy_of(a, &c, err));
  meta.offset = 0;
  zbuf_status st = minibuf_nd_view(c, &meta, out, err);
  self->ndbuffer_release(self, c);
  return st;
}

static zbuf_status mb_nd_transpose(const zbuf_impl *self, const minibuf_nd *a, size_t naxes,
                                   const int64_t *axes, minibuf_nd **out, zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  MINIBUF_NEED(out, err, "out");
  if (axes && naxes != (size_t)a->ndim)
    return minibuf_fail(err, ZBUF_EINVAL, "axes don't match array: %zu axes for ndim %d", naxes, a->ndim);
  minibuf_nd meta = *a;
  int seen[MINIBUF_MAX_NDIM] = {0};
  for (int i = 0; i < a->ndim; i++) {
    int64_t k = axes ? axes[i] : a->ndim - 1 - i;
    if (k < -a->ndim || k >= a->ndim)
      return minibuf_fail(err, ZBUF_ERANGE, "axes[%d] = %lld is out of bounds for ndim %d", i, (long long)k,
                          a->ndim);
    if (k < 0) k += a->ndim;
    if (seen[k]++) return minibuf_fail(err, ZBUF_EINVAL, "repeated axis in transpose: %lld", (long long)k);
    meta.shape[i] = a->shape[k];
    meta.strides[i] = a->strides[k];
  }
  return minibuf_nd_view(a, &meta, out, err);
}

/* Basic indexing: the view idx selects, as metadata over a's memory. */
static zbuf_status minibuf_select(const minibuf_nd *a, size_t nidx, const zbuf_index *idx, minibuf_nd *meta,
                                  zbuf_error *err) {
  if (nidx > (size_t)a->ndim)
    return minibuf_fail(err, ZBUF_ERANGE, "too many indices for array: %zu for ndim %d", nidx, a->ndim);
  MINIBUF_NEED(idx || nidx == 0, err, "idx");
  *meta = *a;
  meta->ndim = 0;
  for (int i = 0; i < a->ndim; i++) {
    zbuf_index x = (size_t)i < nidx ? idx[i] : ZBUF_RANGE(ZBUF_SLICE_ALL);
    if (x.kind == ZBUF_INDEX_INTEGER) {
      int64_t k = x.integer < 0 ? x.integer + a->shape[i] : x.integer;
      if (k < 0 || k >= a->shape[i])
        return minibuf_fail(err, ZBUF_ERANGE, "index %lld is out of bounds for axis %d with size %lld",
                            (long long)x.integer, i, (long long)a->shape[i]);
      meta->offset += k * a->strides[i];
      continue;
    }
    int64_t step = (x.slice.given & ZBUF_SLICE_HAS_STEP) ? x.slice.step : 1, start, count;
    if (step == 0) return minibuf_fail(err, ZBUF_EINVAL, "slice step cannot be zero (axis %d)", i);
    minibuf_slice_indices(x.slice, a->shape[i], step, &start, &count);
    if (count) meta->offset += start * a->strides[i];
    meta->shape[meta->ndim] = count;
    meta->strides[meta->ndim++] = a->strides[i] * step;
  }
  return ZBUF_OK;
}

static zbuf_status mb_nd_get_item(const zbuf_impl *self, const minibuf_nd *a, size_t nidx,
                                  const zbuf_index *idx, minibuf_nd **out, zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  MINIBUF_NEED(out, err, "out");
  minibuf_nd meta;
  ZBUF_RETURN_NOT_OK(minibuf_select(a, nidx, idx, &meta, err));
  return minibuf_nd_view(a, &meta, out, err);
}

static zbuf_status mb_nd_set_item_scalar(const zbuf_impl *self, minibuf_nd *dst, size_t nidx,
                                         const zbuf_index *idx, const void *value, zbuf_error *err) {
  MINIBUF_NEED(dst, err, "dst");
  MINIBUF_NEED(value, err, "value");
  minibuf_nd sel;
  ZBUF_RETURN_NOT_OK(minibuf_select(dst, nidx, idx, &sel, err));
  minibuf_walk(&sel, minibuf_scatter, (void *)(uintptr_t)value);
  return ZBUF_OK;
}

static zbuf_status mb_nd_fill(const zbuf_impl *self, minibuf_nd *dst, const void *value, zbuf_error *err) {
  MINIBUF_NEED(dst, err, "dst");
  MINIBUF_NEED(value, err, "value");
  minibuf_walk(dst, minibuf_scatter, (void *)(uintptr_t)value);
  return ZBUF_OK;
}

static zbuf_status mb_nd_copy(const zbuf_impl *self, const minibuf_nd *a, minibuf_nd **out, zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  MINIBUF_NEED(out, err, "out");
  return minibuf_nd_copy_of(a, out, err);
}

typedef struct minibuf_cmp {
  const void *value;
  char kind;
  int equal_nan, by_bits, all;
} minibuf_cmp;

static void minibuf_compare(unsigned char *elem, int size, void *arg) {
  minibuf_cmp *c = arg;
  if (!c->all) return;
  if (c->kind != 'f' || c->by_bits) {
    c->all = memcmp(elem, c->value, (size_t)size) == 0;
    return;
  }
  double e, v;
  if (size == 4) {
    float fe, fv;
    memcpy(&fe, elem, 4), memcpy(&fv, c->value, 4);
    e = fe, v = fv;
  } else {
    memcpy(&e, elem, 8), memcpy(&v, c->value, 8);
  }
  c->all = (isnan(e) || isnan(v)) ? (c->equal_nan && isnan(e) && isnan(v)) : e == v;
}

static zbuf_status mb_nd_all_equal_scalar(const zbuf_impl *self, const minibuf_nd *a, const void *value,
                                          int equal_nan, int *equal, zbuf_error *err) {
  MINIBUF_NEED(a, err, "a");
  MINIBUF_NEED(value, err, "value");
  MINIBUF_NEED(equal, err, "equal");
  minibuf_cmp c = {value, a->dtype.kind, equal_nan, 0, 1};
  if (c.kind == 'f' && !(minibuf_faults & MINIBUF_ZERO_SIGN)) {
    /* Zarr 3.1: a zero is compared by bit pattern, so that -0.0 and +0.0 differ. (FAULT zero-sign skips
     * this, comparing by value as zarr 3.0 did.) */
    double v = 1.0;
    if (a->dtype.size == 4) {
      float f;
      memcpy(&f, value, 4);
      v = f;
    } else {
      memcpy(&v, value, 8);
    }
    c.by_bits = v == 0.0;
  }
  minibuf_walk(a, minibuf_compare, &c);
  *equal = c.all;
  return ZBUF_OK;
}

static minibuf_nd *mb_nd_retain(const zbuf_impl *self, minibuf_nd *a) {
  if (a) atomic_fetch_add(&a->refs, 1);
  return a;
}

static void mb_nd_release(const zbuf_impl *self, minibuf_nd *a) {
  if (!a || atomic_fetch_sub(&a->refs, 1) != 1) return;
  minibuf_block_unref(a->block);
  atomic_fetch_sub(&minibuf_handles, 1);
  free(a);
}

static zbuf_status mb_nd_from_buffer(const zbuf_impl *self, const zbuf_impl_buffer *buf, size_t ndim,
                                     const int64_t *shape, const char *dtype, minibuf_nd **out,
                                     zbuf_error *err) {
  MINIBUF_NEED(buf, err, "buf");
  MINIBUF_NEED(out, err, "out");
  minibuf_nd meta;
  memset(&meta, 0, sizeof meta);
  ZBUF_RETURN_NOT_OK(minibuf_dtype_parse(dtype, &meta.dtype, err));
  if (buf->length % (size_t)meta.dtype.size)
    return minibuf_fail(err, ZBUF_EINVAL, "%zu bytes are not a whole number of %s elements", buf->length,
                        dtype);
  ZBUF_RETURN_NOT_OK(
      minibuf_resolve_shape(ndim, shape, (int64_t)(buf->length / (size_t)meta.dtype.size), &meta, err));
  meta.offset = (int64_t)buf->offset;
  atomic_fetch_add(&buf->block->refs, 1);
  return minibuf_nd_handle(buf->block, &meta, out, err);
}

static zbuf_status mb_nd_wrap(const zbuf_impl *self, DLDevice device, void *data, size_t ndim,
                              const int64_t *shape, const int64_t *strides, const char *dtype,
                              zbuf_impl_release_fn release, void *ctx, minibuf_nd **out, zbuf_error *err) {
  MINIBUF_NEED(out, err, "out");
  ZBUF_RETURN_NOT_OK(minibuf_host_only(device, err));
  minibuf_nd meta;
  ZBUF_RETURN_NOT_OK(minibuf_describe(data, ndim, shape, strides, dtype, &meta, err));
  /* The callback is attached only once the handle exists: a failed wrap must not call it. */
  minibuf_block *blk = minibuf_block_wrap(data, NULL, NULL);
  if (!blk) return minibuf_fail(err, ZBUF_ENOMEM, "cannot allocate a block");
  ZBUF_RETURN_NOT_OK(minibuf_nd_handle(blk, &meta, out, err));
  blk->release = release;
  blk->release_ctx = ctx;
  return ZBUF_OK;
}

/* ---- probes, prototypes and the entry ---- */

static zbuf_status mb_device_check(const zbuf_impl *self, DLDevice device, zbuf_error *err) {
  return minibuf_host_only(device, err);
}

static zbuf_status mb_alloc_stats(const zbuf_impl *self, zbuf_alloc_stats *out, zbuf_error *err) {
  MINIBUF_NEED(out, err, "out");
  out->blocks = atomic_load(&minibuf_blocks);
  out->bytes = atomic_load(&minibuf_bytes);
  out->handles = atomic_load(&minibuf_handles);
  return ZBUF_OK;
}

/* The default prototype is always host memory; minibuf has no setter (set_default_prototype is NULL). */
static zbuf_status mb_default_prototype(const zbuf_impl *self, zbuf_impl_prototype *out, zbuf_error *err) {
  MINIBUF_NEED(out, err, "out");
  *out = self->prototype;
  return ZBUF_OK;
}

static char minibuf_description[160];

static zbuf_impl minibuf_table = {
    .abi_version = ZBUF_IMPL_ABI_VERSION,
    .struct_size = sizeof(zbuf_impl),
    .name = "minibuf",
    .version = "0.3.0",
    .description = minibuf_description,
    .capabilities = ZBUF_CAP_HOST | ZBUF_CAP_ND | ZBUF_CAP_THREAD_SAFE | ZBUF_CAP_ALLOC_STATS | ZBUF_CAP_WRAP,
    .prototype = {{kDLCPU, 0}, {kDLCPU, 0}},
    .device_check = mb_device_check,
    .alloc_stats = mb_alloc_stats,
    .default_prototype = mb_default_prototype,

    .buffer_create_zero_length = mb_zero_length,
    .buffer_from_bytes = mb_from_bytes,
    .buffer_wrap = mb_wrap,
    .buffer_from_buffer = mb_from_buffer,
    .buffer_info = mb_buffer_info,
    .buffer_to_bytes = mb_buffer_to_bytes,
    .buffer_to_host = mb_buffer_to_host,
    .buffer_slice = mb_buffer_slice,
    .buffer_set_slice = mb_buffer_set_slice,
    .buffer_combine = mb_buffer_combine,
    .buffer_equal = mb_buffer_equal,
    .buffer_retain = mb_buffer_retain,
    .buffer_release = mb_buffer_release,
    .ndbuffer_create = mb_nd_create,
    .ndbuffer_empty = mb_nd_empty,
    .ndbuffer_from_host = mb_nd_from_host,
    .ndbuffer_info = mb_nd_info,
    .ndbuffer_to_bytes = mb_nd_to_bytes,
    .ndbuffer_to_host = mb_nd_to_host,
    .ndbuffer_to_device = mb_nd_to_device,
    .ndbuffer_as_scalar = mb_nd_as_scalar,
    .ndbuffer_reshape = mb_nd_reshape,
    .ndbuffer_transpose = mb_nd_transpose,
    .ndbuffer_get_item = mb_nd_get_item,
    .ndbuffer_set_item_scalar = mb_nd_set_item_scalar,
    .ndbuffer_fill = mb_nd_fill,
    .ndbuffer_copy = mb_nd_copy,
    .ndbuffer_all_equal_scalar = mb_nd_all_equal_scalar,
    .ndbuffer_retain = mb_nd_retain,
    .ndbuffer_release = mb_nd_release,
    .ndbuffer_from_buffer = mb_nd_from_buffer,
    .ndbuffer_wrap = mb_nd_wrap,
    /* Not provided (NULL: the harness reports UNSUPPORTED): squeeze, astype, set_item, all_equal with an
     * array, DLPack, fault injection, shutdown. */
};

/* Milliseconds the entry call sleeps (config "init-delay-ms=N"): a stand-in for an implementation whose start
 * is slow (a CUDA context, an interpreter), to measure what a harness pays per entry call. */
static long minibuf_init_delay_ms;

/* Parses the config into a fault set and the init delay; 0 on success. Items are separated by commas: fault
 * names, "default" (the deterministic faults), "none", and "init-delay-ms=N". */
static int minibuf_parse_config(const char *config, unsigned *out) {
  *out = MINIBUF_DEFAULT_FAULTS;
  minibuf_init_delay_ms = 0;
  if (!config || !*config) return 0;
  int faults_named = 0;
  unsigned faults = 0;
  for (const char *p = config; *p;) {
    size_t n = strcspn(p, ",");
    int known = 0;
    if (strncmp(p, "init-delay-ms=", 14) == 0 && n > 14) {
      char *end;
      minibuf_init_delay_ms = strtol(p + 14, &end, 10);
      known = end == p + n && minibuf_init_delay_ms >= 0 && minibuf_init_delay_ms <= 600000;
    } else if (n == 4 && strncmp(p, "none", 4) == 0) {
      known = faults_named = 1;
    } else if (n == 7 && strncmp(p, "default", 7) == 0) {
      faults |= MINIBUF_DEFAULT_FAULTS, known = faults_named = 1;
    }
    for (size_t i = 0; i < sizeof minibuf_fault_names / sizeof minibuf_fault_names[0]; i++)
      if (strlen(minibuf_fault_names[i].name) == n && strncmp(p, minibuf_fault_names[i].name, n) == 0)
        faults |= minibuf_fault_names[i].bit, known = faults_named = 1;
    if (!known) return -1;
    p += n + (p[n] == ',');
  }
  if (faults_named) *out = faults;
  return 0;
}

__attribute__((visibility("default"))) zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config,
                                                                   const zbuf_impl **out, zbuf_error *err);

zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config, const zbuf_impl **out,
                            zbuf_error *err) {
  if (requested_abi != ZBUF_IMPL_ABI_VERSION)
    return minibuf_fail(err, ZBUF_EUNSUPPORTED,
                        "minibuf speaks ABI version %u only, the caller requested version %u",
                        (unsigned)ZBUF_IMPL_ABI_VERSION, (unsigned)requested_abi);
  MINIBUF_NEED(out, err, "out");
  if (minibuf_parse_config(config, &minibuf_faults) != 0)
    return minibuf_fail(
        err, ZBUF_EINVAL,
        "config \"%s\": expected default, none, or fault names separated by commas (slice-copies, "
        "slice-step, zero-sign, early-release, racy-refcount), and optionally init-delay-ms=N",
        config);
  if (minibuf_init_delay_ms > 0) {
    struct timespec delay = {minibuf_init_delay_ms / 1000, (minibuf_init_delay_ms % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0) continue;
  }
  snprintf(minibuf_description, sizeof minibuf_description, "example third-party plugin, faults: %s",
           config && *config ? config : "default");
  *out = &minibuf_table;
  return ZBUF_OK;
}

/* zbuf reference: the host kernels: strided copy (with cast), fill and comparison of n-d views.
 *
 * Kernels walk n-d views whose strides (bytes) may be negative or zero. Axes of length 1 are dropped, axes
 * are flipped so that the destination's strides are positive, ordered by decreasing destination stride and
 * merged where contiguous, so that a dense region becomes one memcpy/memset and every other view iterates
 * with a typed inner loop over its last axis. Loads and stores go through memcpy, so unaligned elements are
 * fine. */
#include <math.h>
#include <string.h>

#include "cast.h"
#include "float16.h"
#include "internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_STREAM_STORES 1
#endif

/* ---- walking n-d views ---- */

enum { MAX_OPS = 2 };

/* The views of one kernel call reduced to ndim >= 1 axes; the last axis is the inner loop. */
typedef struct {
  size_t nops, ndim;
  int64_t shape[ZBUF_MAX_NDIM];
  int64_t stride[MAX_OPS][ZBUF_MAX_NDIM];
  char *base[MAX_OPS];
} walk;

/* Prepares the walk of nops views that share a shape (view 0 leads). Returns -1 when the views do not fit
 * together (bad ndim, shapes differ), 0 when there is no element, 1 otherwise. drop_broadcast drops axes
 * where view 0 has stride 0: for fill, writing one element again and again adds nothing. */
static int walk_init(walk *w, const zbuf__view *const *v, size_t nops, int drop_broadcast) {
  size_t ndim = v[0]->ndim;
  if (ndim > ZBUF_MAX_NDIM) return -1;
  int empty = 0;
  for (size_t k = 0; k < nops; k++) {
    if (v[k]->ndim != ndim) return -1;
    for (size_t a = 0; a < ndim; a++) {
      if (v[k]->shape[a] != v[0]->shape[a] || v[k]->shape[a] < 0 || v[k]->strides[a] == INT64_MIN) return -1;
      empty |= v[k]->shape[a] == 0;
    }
  }
  if (empty) return 0;
  w->nops = nops;
  w->ndim = 0;
  for (size_t k = 0; k < nops; k++) {
    if (v[k]->data == NULL) return -1;
    w->base[k] = v[k]->data;
  }
  for (size_t a = 0; a < ndim; a++) {
    int64_t n = v[0]->shape[a];
    if (n == 1 || (drop_broadcast && v[0]->strides[a] == 0)) continue;
    size_t j = w->ndim++;
    w->shape[j] = n;
    int flip = v[0]->strides[a] < 0;
    for (size_t k = 0; k < nops; k++) {
      int64_t s = v[k]->strides[a];
      /* Flipping an axis in every view keeps the pairing of elements and makes view 0 walk forwards. */
      if (flip) {
        w->base[k] += (n - 1) * s;
        s = -s;
      }
      w->stride[k][j] = s;
    }
  }
  /* Order axes by decreasing stride of view 0 (stable insertion sort; ndim is small). */
  for (size_t i = 1; i < w->ndim; i++) {
    for (size_t j = i; j > 0 && w->stride[0][j - 1] < w->stride[0][j]; j--) {
      int64_t t = w->shape[j];
      w->shape[j] = w->shape[j - 1];
      w->shape[j - 1] = t;
      for (size_t k = 0; k < nops; k++) {
        t = w->stride[k][j];
        w->stride[k][j] = w->stride[k][j - 1];
        w->stride[k][j - 1] = t;
      }
    }
  }
  /* Merge an axis into the one outside it when every view steps over it contiguously. */
  size_t kept = 0;
  for (size_t a = 1; a < w->ndim; a++) {
    int merge = 1;
    for (size_t k = 0; k < nops && merge; k++) {
      int64_t s = w->stride[k][a], n = w->shape[a];
      merge = (s >= 0 ? s : -s) <= INT64_MAX / n && w->stride[k][kept] == s * n;
    }
    if (merge) {
      w->shape[kept] *= w->shape[a];
      for (size_t k = 0; k < nops; k++) w->stride[k][kept] = w->stride[k][a];
    } else {
      kept++;
      w->shape[kept] = w->shape[a];
      for (size_t k = 0; k < nops; k++) w->stride[k][kept] = w->stride[k][a];
    }
  }
  if (w->ndim == 0) { /* a 0-d view, or only axes of length 1: one element */
    w->shape[0] = 1;
    for (size_t k = 0; k < nops; k++) w->stride[k][0] = 0;
    kept = 0;
  }
  w->ndim = kept + 1;
  return 1;
}

/* Steps the outer axes (all but the last) like an odometer, moving ptr; returns 0 after the last row. */
static int walk_next(const walk *w, int64_t *idx, char **ptr) {
  for (size_t a = w->ndim - 1; a-- > 0;) {
    if (idx[a] + 1 < w->shape[a]) {
      idx[a]++;
      for (size_t k = 0; k < w->nops; k++) ptr[k] += w->stride[k][a];
      return 1;
    }
    /* Back to the start of this axis without stepping past its end. */
    for (size_t k = 0; k < w->nops; k++) ptr[k] -= w->stride[k][a] * (w->shape[a] - 1);
    idx[a] = 0;
  }
  return 0;
}

/* ---- copy ---- */

/* Copies n elements of `size` bytes between strided rows; fixed-size memcpy lets the compiler emit plain
 * (unaligned) moves. */
static void copy_row(char *d, ptrdiff_t ds, const char *s, ptrdiff_t ss, size_t n, size_t size) {
  if (ds == (ptrdiff_t)size && ss == (ptrdiff_t)size) {
    memcpy(d, s, n * size);
    return;
  }
#define COPY_LOOP(SIZE) \
  for (size_t k = 0; k < n; k++) memcpy(d + (ptrdiff_t)k * ds, s + (ptrdiff_t)k * ss, SIZE);
  switch (size) {
    case 1: COPY_LOOP(1) break;
    case 2: COPY_LOOP(2) break;
    case 4: COPY_LOOP(4) break;
    case 8: COPY_LOOP(8) break;
    default: COPY_LOOP(16) break;
  }
#undef COPY_LOOP
}

/* Rows are cast in chunks through stack buffers when a side needs swapping, so that each chunk is swapped
 * while it is in cache. */
enum { CHUNK = 512 };

typedef struct {
  size_t dsize, ssize, dpart, spart;
  int dswap, sswap;
  zbuf__cast_loop cast; /* NULL: same kind, bytes are copied */
} copy_plan;

static void copy_row_plan(const copy_plan *p, char *d, ptrdiff_t ds, const char *s, ptrdiff_t ss, size_t n) {
  if (!p->cast) { /* same kind: bytes, swapped when the orders differ */
    if (p->dswap == p->sswap)
      copy_row(d, ds, s, ss, n, p->dsize);
    else
      zbuf__copy_swapped(d, ds, s, ss, n, p->dsize, p->dpart);
    return;
  }
  char in[CHUNK * 16], out[CHUNK * 16];
  for (size_t off = 0; off < n; off += CHUNK) {
    size_t c = n - off < CHUNK ? n - off : CHUNK;
    char *dp = d + (ptrdiff_t)off * ds;
    const char *sp = s + (ptrdiff_t)off * ss;
    ptrdiff_t sps = ss;
    if (p->sswap) {
      zbuf__copy_swapped(in, (ptrdiff_t)p->ssize, sp, ss, c, p->ssize, p->spart);
      sp = in;
      sps = (ptrdiff_t)p->ssize;
    }
    if (p->dswap) {
      p->cast(out, (ptrdiff_t)p->dsize, sp, sps, c);
      zbuf__copy_swapped(dp, ds, out, (ptrdiff_t)p->dsize, c, p->dsize, p->dpart);
    } else {
      p->cast(dp, ds, sp, sps, c);
    }
  }
}

void zbuf__kernel_copy(const zbuf__view *dst, const zbuf__view *src) {
  if (!dst || !src || !zbuf_dtype_is_valid(dst->dtype) || !zbuf_dtype_is_valid(src->dtype)) return;
  const zbuf__view *views[2] = {dst, src};
  walk w;
  if (walk_init(&w, views, 2, 0) != 1) return;
  copy_plan p = {
      zbuf_dtype_itemsize(dst->dtype),
      zbuf_dtype_itemsize(src->dtype),
      zbuf__dtype_part_size(dst->dtype.kind),
      zbuf__dtype_part_size(src->dtype.kind),
      zbuf__dtype_needs_swap(dst->dtype),
      zbuf__dtype_needs_swap(src->dtype),
      dst->dtype.kind == src->dtype.kind ? NULL : zbuf__cast_loop_get(src->dtype.kind, dst->dtype.kind)};
  size_t inner = w.ndim - 1;
  int64_t idx[ZBUF_MAX_NDIM] = {0};
  char *ptr[2] = {w.base[0], w.base[1]};
  do {
    copy_row_plan(&p, ptr[0], (ptrdiff_t)w.stride[0][inner], ptr[1], (ptrdiff_t)w.stride[1][inner],
                  (size_t)w.shape[inner]);
  } while (walk_next(&w, idx, ptr));
}

/* ---- fill ---- */

enum {
  FILL_BLOCK = 16384,       /* bytes; a block this size stays in L1/L2 while it is copied out */
  FILL_STREAM_MIN = 8 << 20 /* bytes; from here on a fill is far larger than the caches */
};

#ifdef HAVE_STREAM_STORES
/* Fills with non-temporal stores, as memset does for large sizes: an ordinary store first reads the line it
 * writes (read for ownership), which halves the rate of a fill much larger than the cache. Whole 64-byte
 * lines are written per step so that the write-combining buffers flush full lines. rep holds the element
 * repeated; since size divides 16, every aligned 16-byte block gets the same bytes. */
static void fill_stream(char *p, size_t nbytes, const char *v, size_t size) {
  unsigned char rep[80];
  for (size_t i = 0; i < sizeof rep; i++) rep[i] = (unsigned char)v[i % size];
  size_t head = (64 - ((uintptr_t)p & 63u)) & 63u; /* bytes up to a cache-line boundary */
  memcpy(p, rep, head);
  size_t phase = head % size, body = (nbytes - head) & ~(size_t)63;
  __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(rep + phase));
  char *q = p + head;
  for (size_t i = 0; i < body; i += 64) {
    _mm_stream_si128((__m128i *)(void *)(q + i), x);
    _mm_stream_si128((__m128i *)(void *)(q + i + 16), x);
    _mm_stream_si128((__m128i *)(void *)(q + i + 32), x);
    _mm_stream_si128((__m128i *)(void *)(q + i + 48), x);
  }
  _mm_sfence(); /* order the streaming stores before anything the caller does next */
  memcpy(q + body, rep + phase, nbytes - head - body);
}
#endif

/* Fills nbytes (a multiple of size) at p with the element v. An element whose bytes are all equal (zero is
 * the common case) is a memset. Otherwise the element is replicated into a private block, copied out in
 * large memcpys from a source that stays in cache. The source is never the destination itself: another
 * thread may be writing overlapping elements at the same time (ND-THREAD-005), and copying from p would
 * spread that thread's value outside its own range. */
static void fill_dense(char *p, size_t nbytes, const char *v, size_t size, int uniform) {
  if (uniform) {
    memset(p, (unsigned char)v[0], nbytes);
    return;
  }
#ifdef HAVE_STREAM_STORES
  if (nbytes >= FILL_STREAM_MIN) {
    fill_stream(p, nbytes, v, size);
    return;
  }
#endif
  /* FILL_BLOCK is a multiple of every itemsize (1, 2, 4, 8, 16). */
  char pattern[FILL_BLOCK];
  size_t block = nbytes < sizeof pattern ? nbytes : sizeof pattern;
  for (size_t i = 0; i < block; i += size) memcpy(pattern + i, v, size);
  for (size_t done = 0; done < nbytes; done += block) {
    size_t c = nbytes - done < block ? nbytes - done : block;
    memcpy(p + done, pattern, c);
  }
}

static void fill_row(char *p, ptrdiff_t stride, size_t n, const char *v, size_t size, int uniform) {
  if (stride == (ptrdiff_t)size) {
    fill_dense(p, n * size, v, size, uniform);
    return;
  }
#define FILL_LOOP(SIZE) \
  for (size_t k = 0; k < n; k++) memcpy(p + (ptrdiff_t)k * stride, v, SIZE);
  switch (size) {
    case 1: FILL_LOOP(1) break;
    case 2: FILL_LOOP(2) break;
    case 4: FILL_LOOP(4) break;
    case 8: FILL_LOOP(8) break;
    default: FILL_LOOP(16) break;
  }
#undef FILL_LOOP
}

void zbuf__kernel_fill(const zbuf__view *dst, const void *value) {
  if (!dst || !value || !zbuf_dtype_is_valid(dst->dtype)) return;
  const zbuf__view *views[1] = {dst};
  walk w;
  if (walk_init(&w, views, 1, 1) != 1) return;
  size_t size = zbuf_dtype_itemsize(dst->dtype);
  char v[16];
  memcpy(v, value, size);
  int uniform = 1;
  for (size_t i = 1; i < size; i++) uniform &= v[i] == v[0];
  size_t inner = w.ndim - 1;
  int64_t idx[ZBUF_MAX_NDIM] = {0};
  char *ptr[1] = {w.base[0]};
  do {
    fill_row(ptr[0], (ptrdiff_t)w.stride[0][inner], (size_t)w.shape[inner], v, size, uniform);
  } while (walk_next(&w, idx, ptr));
}

/* ---- equality ----
 * ZBUF__EQ_VALUE is NumPy's ==, and with equal_nan NumPy's array_equal(equal_nan=True): a NaN equals a NaN.
 * For complex numbers NumPy counts an element as NaN when either part is, and two such elements are equal
 * whatever their other parts: array_equal([nan+1j], [1+nanj], equal_nan=True) is True. */

static inline int eq_bool(const char *x, const char *y) { return (*x != 0) == (*y != 0); }
static inline int eq_f16(const char *x, const char *y, int equal_nan) {
  uint16_t a, b;
  memcpy(&a, x, 2);
  memcpy(&b, y, 2);
  if (zbuf__half_is_nan(a) || zbuf__half_is_nan(b))
    return equal_nan && zbuf__half_is_nan(a) && zbuf__half_is_nan(b);
  return zbuf__half_to_float(a) == zbuf__half_to_float(b);
}
#define DEFINE_EQ_REAL(NAME, T)                                              \
  static inline int eq_##NAME(const char *x, const char *y, int equal_nan) { \
    T a, b;                                                                  \
    memcpy(&a, x, sizeof a);                                                 \
    memcpy(&b, y, sizeof b);                                                 \
    return a == b || (equal_nan && isnan(a) && isnan(b));                    \
  }
#define DEFINE_EQ_COMPLEX(NAME, T)                                              \
  static inline int eq_##NAME(const char *x, const char *y, int equal_nan) {    \
    T a[2], b[2];                                                               \
    memcpy(a, x, sizeof a);                                                     \
    memcpy(b, y, sizeof b);                                                     \
    int nan_a = isnan(a[0]) || isnan(a[1]), nan_b = isnan(b[0]) || isnan(b[1]); \
    if (equal_nan && (nan_a || nan_b)) return nan_a && nan_b;                   \
    return a[0] == b[0] && a[1] == b[1];                                        \
  }
DEFINE_EQ_REAL(f32, float)
DEFINE_EQ_REAL(f64, double)
DEFINE_EQ_COMPLEX(c64, float)
DEFINE_EQ_COMPLEX(c128, double)

/* Compares n native-order elements of two rows. by_bytes: compare stored bytes (BITS mode, and integers,
 * whose values are equal exactly when their bytes are). */
static int equal_row(zbuf_dtype_kind kind, size_t size, int by_bytes, int equal_nan, const char *a,
                     ptrdiff_t as, const char *b, ptrdiff_t bs, size_t n) {
  if (by_bytes && as == (ptrdiff_t)size && bs == (ptrdiff_t)size) return memcmp(a, b, n * size) == 0;
#define EQ_LOOP(TEST)                                                  \
  for (size_t k = 0; k < n; k++) {                                     \
    const char *x = a + (ptrdiff_t)k * as, *y = b + (ptrdiff_t)k * bs; \
    if (!(TEST)) return 0;                                             \
  }                                                                    \
  return 1;
  if (by_bytes) {
    switch (size) {
      case 1: EQ_LOOP(memcmp(x, y, 1) == 0)
      case 2: EQ_LOOP(memcmp(x, y, 2) == 0)
      case 4: EQ_LOOP(memcmp(x, y, 4) == 0)
      case 8: EQ_LOOP(memcmp(x, y, 8) == 0)
      default: EQ_LOOP(memcmp(x, y, 16) == 0)
    }
  }
  switch (kind) {
    case ZBUF_BOOL: EQ_LOOP(eq_bool(x, y))
    case ZBUF_FLOAT16: EQ_LOOP(eq_f16(x, y, equal_nan))
    case ZBUF_FLOAT32: EQ_LOOP(eq_f32(x, y, equal_nan))
    case ZBUF_FLOAT64: EQ_LOOP(eq_f64(x, y, equal_nan))
    case ZBUF_COMPLEX64: EQ_LOOP(eq_c64(x, y, equal_nan))
    default: EQ_LOOP(eq_c128(x, y, equal_nan))
  }
#undef EQ_LOOP
}

int zbuf__kernel_equal(const zbuf__view *a, const zbuf__view *b, int mode, int equal_nan) {
  if (!a || !b || !zbuf_dtype_is_valid(a->dtype) || !zbuf_dtype_is_valid(b->dtype)) return 0;
  if (a->dtype.kind != b->dtype.kind) return 0;
  const zbuf__view *views[2] = {a, b};
  walk w;
  int st = walk_init(&w, views, 2, 0);
  if (st <= 0) return st == 0; /* empty views of one shape are equal */
  zbuf_dtype_kind kind = a->dtype.kind;
  size_t size = zbuf_dtype_itemsize(a->dtype), part = zbuf__dtype_part_size(kind);
  int aswap = zbuf__dtype_needs_swap(a->dtype), bswap = zbuf__dtype_needs_swap(b->dtype);
  int integer = kind != ZBUF_BOOL && kind < ZBUF_FLOAT16;
  /* Stored bytes in the same order compare as bytes; otherwise both sides are brought to native order. */
  int by_bytes = mode == ZBUF__EQ_BITS || integer;
  int both_same_order = aswap == bswap;
  if (both_same_order && by_bytes) aswap = bswap = 0;
  size_t inner = w.ndim - 1;
  ptrdiff_t as = (ptrdiff_t)w.stride[0][inner], bs = (ptrdiff_t)w.stride[1][inner];
  size_t n = (size_t)w.shape[inner];
  int64_t idx[ZBUF_MAX_NDIM] = {0};
  char *ptr[2] = {w.base[0], w.base[1]};
  char ta[CHUNK * 16], tb[CHUNK * 16];
  do {
    if (!aswap && !bswap) {
      if (!equal_row(kind, size, by_bytes, equal_nan, ptr[0], as, ptr[1], bs, n)) return 0;
      continue;
    }
    for (size_t off = 0; off < n; off += CHUNK) {
      size_t c = n - off < CHUNK ? n - off : CHUNK;
      const char *pa = ptr[0] + (ptrdiff_t)off * as, *pb = ptr[1] + (ptrdiff_t)off * bs;
      ptrdiff_t sa = as, sb = bs;
      if (aswap) {
        zbuf__copy_swapped(ta, (ptrdiff_t)size, pa, as, c, size, part);
        pa = ta;
        sa = (ptrdiff_t)size;
      }
      if (bswap) {
        zbuf__copy_swapped(tb, (ptrdiff_t)size, pb, bs, c, size, part);
        pb = tb;
        sb = (ptrdiff_t)size;
      }
      if (!equal_row(kind, size, by_bytes, equal_nan, pa, sa, pb, sb, c)) return 0;
    }
  } while (walk_next(&w, idx, ptr));
  return 1;
}

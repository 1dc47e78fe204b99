/* libFuzzer target: decodes the input into a sequence of API calls on a few Buffers and NDBuffers and checks
 * every result against a small model kept beside them. The model is deliberately naive: each memory block is
 * a plain byte array, a Buffer is (block, offset, length), an NDBuffer is (block, byte offset, dtype, shape,
 * byte strides), and every read or write walks the elements with explicit index arithmetic. Views share the
 * model's blocks exactly as zbuf's views share memory, so after every call the contents of EVERY live handle
 * are compared with the model: a write through one view must show in the others, and nowhere else.
 *
 * Status rules are checked too: where the model says a call is invalid (lengths that differ, shapes that do
 * not broadcast, an index out of range, a step of 0) zbuf must fail and leave *out untouched; where the model
 * says it is valid zbuf must succeed. At the end everything is released and zbuf_alloc_stats must be zero.
 *
 * The calls: from_bytes, slice, set_slice, combine, release, create, from_host, from_buffer, reshape,
 * transpose, get_item, set_item, fill, astype, copy, squeeze, a DLPack export + import, all_equal_scalar.
 * Dtypes are uint8, int32 and float64 in native order. Casts from float64 to an integer type are left out:
 * NumPy's result for NaN or out-of-range values is platform-specific, so the model could not say what is
 * right. Build: cmake -DZBUF_FUZZ=ON with clang (see docs/reliability.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zbuf/dlpack.h"

#include "internal.h"

#define CHECK(cond)                                                                                       \
  do {                                                                                                    \
    if (!(cond)) {                                                                                        \
      fprintf(stderr, "fuzz_api_model: %s:%d: model and zbuf disagree: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                                            \
    }                                                                                                     \
  } while (0)

enum { NSLOT = 4, MAXMEM = 96, MAXD = 3, MAXOPS = 64 };
enum { K_U8, K_I32, K_F64, NKINDS };
static const zbuf_dtype_kind kinds[NKINDS] = {ZBUF_UINT8, ZBUF_INT32, ZBUF_FLOAT64};
static const int64_t isz[NKINDS] = {1, 4, 8};

/* ---- the input ---- */
typedef struct input {
  const uint8_t *p;
  size_t n;
} input;
static unsigned get(input *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

/* ---- the model ---- */
typedef struct mem {
  uint8_t *bytes;
  int64_t size;
} mem;
typedef struct mbuf {
  zbuf_buffer *h; /* NULL: slot empty */
  int m;          /* model block; -1 for a zero-length buffer without one */
  int64_t off, len;
} mbuf;
typedef struct mnd {
  zbuf_ndbuffer *h;
  int m;
  int kind;
  size_t ndim;
  int64_t off, shape[MAXD], strides[MAXD];
} mnd;

static mem mems[MAXMEM];
static int nmems;
static mbuf bufs[NSLOT];
static mnd nds[NSLOT];

static int new_mem(int64_t size) {
  if (nmems == MAXMEM) return -1;
  mems[nmems].bytes = calloc((size_t)size + 1, 1);
  mems[nmems].size = size;
  return nmems++;
}

static int64_t nd_size(const mnd *a) {
  int64_t s = 1;
  for (size_t d = 0; d < a->ndim; d++) s *= a->shape[d];
  return s;
}

static void c_strides(size_t ndim, const int64_t *shape, int64_t item, int f_order, int64_t *strides) {
  int64_t s = item;
  for (size_t i = 0; i < ndim; i++) {
    size_t d = f_order ? i : ndim - 1 - i;
    strides[d] = s;
    s *= shape[d]; /* NumPy: a zero extent makes the slower axes' strides 0 */
  }
}

/* Address in the model of element number `flat` (C order) of a. */
static uint8_t *nd_elem(const mnd *a, int64_t flat) {
  int64_t at = a->off;
  for (size_t i = a->ndim; i-- > 0;) {
    at += (flat % a->shape[i]) * a->strides[i];
    flat /= a->shape[i];
  }
  CHECK(a->m >= 0 && at >= 0 && at + isz[a->kind] <= mems[a->m].size);
  return mems[a->m].bytes + at;
}

/* The elements of a in C order, as the model sees them. Caller frees. */
static uint8_t *nd_read(const mnd *a) {
  int64_t n = nd_size(a), item = isz[a->kind];
  uint8_t *out = malloc((size_t)(n * item) + 1);
  for (int64_t i = 0; i < n; i++) memcpy(out + i * item, nd_elem(a, i), (size_t)item);
  return out;
}

/* NumPy's astype for the kinds here; float64 -> integer is never asked for. */
static void cast(uint8_t *dst, int dk, const uint8_t *src, int sk) {
  int64_t iv = 0;
  double fv = 0;
  if (sk == K_F64) {
    memcpy(dst, src, 8); /* dk is K_F64 */
    return;
  }
  if (sk == K_U8) iv = src[0];
  if (sk == K_I32) {
    int32_t v;
    memcpy(&v, src, 4);
    iv = v;
  }
  if (dk == K_U8) dst[0] = (uint8_t)(uint64_t)iv;
  if (dk == K_I32) {
    int32_t v = (int32_t)(uint32_t)(uint64_t)iv;
    memcpy(dst, &v, 4);
  }
  if (dk == K_F64) {
    fv = (double)iv;
    memcpy(dst, &fv, 8);
  }
}

/* Python's slice.indices(length): start and element count. */
static void py_slice(zbuf_slice s, int64_t len, int64_t *start, int64_t *count) {
  int64_t step = (s.given & ZBUF_SLICE_HAS_STEP) ? s.step : 1;
  int64_t lo = step < 0 ? -1 : 0, hi = step < 0 ? len - 1 : len;
  int64_t a = (s.given & ZBUF_SLICE_HAS_START) ? s.start : (step < 0 ? hi : lo);
  int64_t b = (s.given & ZBUF_SLICE_HAS_STOP) ? s.stop : (step < 0 ? lo : hi);
  if (s.given & ZBUF_SLICE_HAS_START) {
    if (a < 0) a += len;
    if (a < lo) a = lo;
    if (a > hi) a = hi;
  }
  if (s.given & ZBUF_SLICE_HAS_STOP) {
    if (b < 0) b += len;
    if (b < lo) b = lo;
    if (b > hi) b = hi;
  }
  *start = a;
  if (step > 0)
    *count = b > a ? (b - a - 1) / step + 1 : 0;
  else
    *count = a > b ? (a - b - 1) / (-step) + 1 : 0;
}

static zbuf_slice get_slice(input *in, int allow_steps) {
  zbuf_slice s = {0, 0, 1, 0};
  unsigned g = get(in);
  s.given = g & 7;
  s.start = (int64_t)(get(in) % 41) - 20;
  s.stop = (int64_t)(get(in) % 41) - 20;
  s.step = allow_steps ? (int64_t)(get(in) % 7) - 3 : 1;
  return s;
}

/* ---- comparing the model with zbuf ---- */

static void check_buf(const mbuf *b) {
  CHECK((int64_t)zbuf_buffer_length(b->h) == b->len);
  uint8_t *got = malloc((size_t)b->len + 1);
  CHECK(zbuf_buffer_to_bytes(b->h, got, (size_t)b->len, NULL) == ZBUF_OK);
  if (b->len > 0) CHECK(memcmp(got, mems[b->m].bytes + b->off, (size_t)b->len) == 0);
  free(got);
}

static void check_nd(const mnd *a) {
  CHECK(zbuf_ndbuffer_ndim(a->h) == a->ndim);
  CHECK(zbuf_dtype_equal(zbuf_ndbuffer_dtype(a->h), zbuf_dtype_native(kinds[a->kind])));
  for (size_t d = 0; d < a->ndim; d++) CHECK(zbuf_ndbuffer_shape(a->h)[d] == a->shape[d]);
  int64_t n = nd_size(a), item = isz[a->kind];
  CHECK(zbuf_ndbuffer_size(a->h) == n);
  uint8_t *want = nd_read(a), *got = malloc((size_t)(n * item) + 1);
  CHECK(zbuf_ndbuffer_to_bytes(a->h, got, (size_t)(n * item), NULL) == ZBUF_OK);
  CHECK(memcmp(want, got, (size_t)(n * item)) == 0);
  free(want);
  free(got);
}

static void check_all(void) {
  for (int i = 0; i < NSLOT; i++) {
    if (bufs[i].h) check_buf(&bufs[i]);
    if (nds[i].h) check_nd(&nds[i]);
  }
}

/* Byte offset of a's element [0,...,0] from its block's start, as zbuf sees it. */
static int64_t zbuf_offset(const zbuf_ndbuffer *h) { return h->offset; }

static void put_buf(int slot, mbuf b) {
  zbuf_buffer_release(bufs[slot].h);
  bufs[slot] = b;
}
static void put_nd(int slot, mnd a) {
  zbuf_ndbuffer_release(nds[slot].h);
  nds[slot] = a;
}

/* ---- the operations ---- */

static void op_buf_from_bytes(input *in) {
  int slot = (int)(get(in) % NSLOT);
  int64_t len = get(in) % 48;
  int m = new_mem(len);
  if (m < 0) return;
  for (int64_t i = 0; i < len; i++) mems[m].bytes[i] = (uint8_t)get(in);
  zbuf_buffer *h = NULL;
  CHECK(zbuf_buffer_from_bytes(ZBUF_CPU, mems[m].bytes, (size_t)len, &h, NULL) == ZBUF_OK);
  put_buf(slot, (mbuf){h, m, 0, len});
}

static void op_buf_slice(input *in) {
  int slot = (int)(get(in) % NSLOT), src = (int)(get(in) % NSLOT);
  zbuf_slice key = get_slice(in, 1);
  if (!bufs[src].h) return;
  zbuf_buffer *h = NULL;
  zbuf_status st = zbuf_buffer_slice(bufs[src].h, key, &h, NULL);
  if ((key.given & ZBUF_SLICE_HAS_STEP) && key.step != 1) {
    CHECK(st != ZBUF_OK && h == NULL);
    return;
  }
  CHECK(st == ZBUF_OK);
  int64_t start, count;
  py_slice(key, bufs[src].len, &start, &count);
  put_buf(slot, (mbuf){h, bufs[src].m, bufs[src].off + start, count});
}

static void op_buf_set_slice(input *in) {
  int dst = (int)(get(in) % NSLOT), val = (int)(get(in) % NSLOT);
  zbuf_slice key = get_slice(in, 0);
  if (!bufs[dst].h || !bufs[val].h) return;
  int64_t start, count;
  py_slice(key, bufs[dst].len, &start, &count);
  zbuf_status st = zbuf_buffer_set_slice(bufs[dst].h, key, bufs[val].h, NULL);
  if (count != bufs[val].len) {
    CHECK(st == ZBUF_EINVAL);
    return;
  }
  CHECK(st == ZBUF_OK);
  if (count > 0)
    memmove(mems[bufs[dst].m].bytes + bufs[dst].off + start, mems[bufs[val].m].bytes + bufs[val].off,
            (size_t)count);
}

static void op_buf_combine(input *in) {
  int slot = (int)(get(in) % NSLOT), a = (int)(get(in) % NSLOT), b = (int)(get(in) % NSLOT);
  if (!bufs[a].h || !bufs[b].h) return;
  int64_t la = bufs[a].len, lb = bufs[b].len;
  if (la + lb > 4096) return; /* repeated self-combines would double the length up to 2^64 */
  int m = new_mem(la + lb);
  if (m < 0) return;
  if (la) memcpy(mems[m].bytes, mems[bufs[a].m].bytes + bufs[a].off, (size_t)la);
  if (lb) memcpy(mems[m].bytes + la, mems[bufs[b].m].bytes + bufs[b].off, (size_t)lb);
  const zbuf_buffer *parts[2] = {bufs[a].h, bufs[b].h};
  zbuf_buffer *h = NULL;
  CHECK(zbuf_buffer_combine(parts, 2, &h, NULL) == ZBUF_OK);
  put_buf(slot, (mbuf){h, m, 0, la + lb});
}

static size_t get_shape(input *in, int64_t *shape) {
  size_t ndim = get(in) % (MAXD + 1);
  for (size_t d = 0; d < ndim; d++) shape[d] = get(in) % 5;
  return ndim;
}

static void op_nd_create(input *in) {
  int slot = (int)(get(in) % NSLOT), kind = (int)(get(in) % NKINDS), f_order = (int)(get(in) & 1);
  mnd a = {0};
  a.kind = kind;
  a.ndim = get_shape(in, a.shape);
  uint8_t fill[8];
  for (int i = 0; i < 8; i++) fill[i] = (uint8_t)get(in);
  a.m = new_mem(nd_size(&a) * isz[kind]);
  if (a.m < 0) return;
  c_strides(a.ndim, a.shape, isz[kind], f_order, a.strides);
  for (int64_t i = 0; i < nd_size(&a); i++) memcpy(nd_elem(&a, i), fill, (size_t)isz[kind]);
  CHECK(zbuf_ndbuffer_create(ZBUF_CPU, a.ndim, a.shape, zbuf_dtype_native(kinds[kind]),
                             f_order ? ZBUF_ORDER_F : ZBUF_ORDER_C, fill, &a.h, NULL) == ZBUF_OK);
  for (size_t d = 0; d < a.ndim; d++) CHECK(zbuf_ndbuffer_strides(a.h)[d] == a.strides[d]);
  put_nd(slot, a);
}

static void op_nd_from_host(input *in) {
  int slot = (int)(get(in) % NSLOT), kind = (int)(get(in) % NKINDS);
  mnd a = {0};
  a.kind = kind;
  a.ndim = get_shape(in, a.shape);
  a.m = new_mem(nd_size(&a) * isz[kind]);
  if (a.m < 0) return;
  for (int64_t i = 0; i < mems[a.m].size; i++) mems[a.m].bytes[i] = (uint8_t)get(in);
  c_strides(a.ndim, a.shape, isz[kind], 0, a.strides);
  CHECK(zbuf_ndbuffer_from_host(ZBUF_CPU, mems[a.m].bytes, a.ndim, a.shape, NULL,
                                zbuf_dtype_native(kinds[kind]), &a.h, NULL) == ZBUF_OK);
  /* from_host copies: the model's block is the copy, the source bytes are not the array's memory. */
  put_nd(slot, a);
}

static void op_nd_from_buffer(input *in) {
  int slot = (int)(get(in) % NSLOT), src = (int)(get(in) % NSLOT), kind = (int)(get(in) % NKINDS);
  if (!bufs[src].h) return;
  zbuf_ndbuffer *h = NULL;
  zbuf_status st = zbuf_ndbuffer_from_buffer(bufs[src].h, 1, NULL, zbuf_dtype_native(kinds[kind]), &h, NULL);
  if (bufs[src].len % isz[kind] != 0) {
    CHECK(st != ZBUF_OK && h == NULL);
    return;
  }
  CHECK(st == ZBUF_OK);
  mnd a = {h, bufs[src].m, kind, 1, bufs[src].off, {bufs[src].len / isz[kind]}, {isz[kind]}};
  put_nd(slot, a);
}

/* Whether zbuf's array h shares memory with the model array src (the same block). */
static int shares(const zbuf_ndbuffer *h, const mnd *src) { return h->block == src->h->block; }

static void op_nd_reshape(input *in) {
  int slot = (int)(get(in) % NSLOT), src = (int)(get(in) % NSLOT);
  int64_t shape[MAXD];
  size_t ndim = 1 + get(in) % MAXD;
  for (size_t d = 0; d < ndim; d++) shape[d] = (int64_t)(get(in) % 9) - 1; /* -1 .. 7 */
  if (!nds[src].h) return;
  const mnd *s = &nds[src];
  /* What NumPy would do: one -1 is inferred from the size; the sizes must match. */
  int64_t known = 1, holes = 0, size = nd_size(s);
  for (size_t d = 0; d < ndim; d++) {
    if (shape[d] < 0)
      holes++;
    else
      known *= shape[d];
  }
  int64_t want[MAXD];
  memcpy(want, shape, sizeof want);
  int ok = holes == 0 ? known == size : holes == 1 && known != 0 && size % known == 0;
  for (size_t d = 0; ok && d < ndim; d++)
    if (want[d] < 0) want[d] = size / known;
  zbuf_ndbuffer *h = NULL;
  zbuf_status st = zbuf_ndbuffer_reshape(s->h, ndim, shape, &h, NULL);
  if (!ok) {
    CHECK(st != ZBUF_OK && h == NULL);
    return;
  }
  CHECK(st == ZBUF_OK);
  mnd a = {h, s->m, s->kind, ndim, 0, {0}, {0}};
  memcpy(a.shape, want, sizeof want);
  uint8_t *expect = nd_read(s);
  int contiguous = zbuf_ndbuffer_is_contiguous(s->h, ZBUF_ORDER_C);
  if (shares(h, s)) {
    /* A view: take zbuf's layout, and prove with the model's arithmetic that it selects the right bytes. */
    a.off = zbuf_offset(h) - zbuf_offset(s->h) + s->off;
    for (size_t d = 0; d < ndim; d++) a.strides[d] = zbuf_ndbuffer_strides(h)[d];
    uint8_t *seen = nd_read(&a);
    CHECK(memcmp(seen, expect, (size_t)(size * isz[s->kind])) == 0);
    free(seen);
  } else {
    CHECK(!contiguous || size == 0); /* a C-contiguous source always reshapes as a view */
    a.m = new_mem(size * isz[s->kind]);
    if (a.m < 0) {
      free(expect);
      zbuf_ndbuffer_release(h);
      return;
    }
    memcpy(mems[a.m].bytes, expect, (size_t)(size * isz[s->kind]));
    c_strides(ndim, a.shape, isz[s->kind], 0, a.strides);
  }
  free(expect);
  put_nd(slot, a);
}

static void op_nd_transpose(input *in) {
  int slot = (int)(get(in) % NSLOT), src = (int)(get(in) % NSLOT), reversed = (int)(get(in) & 1);
  unsigned r[MAXD] = {get(in), get(in), get(in)};
  if (!nds[src].h) return;
  const mnd *s = &nds[src];
  int64_t axes[MAXD];
  for (size_t d = 0; d < s->ndim; d++) axes[d] = reversed ? (int64_t)(s->ndim - 1 - d) : (int64_t)d;
  for (size_t d = s->ndim; d-- > 1;) { /* Fisher-Yates from the input's bytes */
    size_t j = r[d] % (d + 1);
    int64_t t = axes[d];
    axes[d] = axes[j];
    axes[j] = t;
  }
  zbuf_ndbuffer *h = NULL;
  CHECK(zbuf_ndbuffer_transpose(s->h, s->ndim, axes, &h, NULL) == ZBUF_OK);
  mnd a = *s;
  a.h = h;
  for (size_t d = 0; d < s->ndim; d++) {
    a.shape[d] = s->shape[axes[d]];
    a.strides[d] = s->strides[axes[d]];
    CHECK(zbuf_ndbuffer_strides(h)[d] == zbuf_ndbuffer_strides(s->h)[axes[d]]);
  }
  put_nd(slot, a);
}

/* Decodes a basic index for src into idx; computes the selection in the model. Returns 0 when the
 * index is invalid (and what zbuf must say then in *want). */
static int get_index(input *in, const mnd *s, size_t *nidx, zbuf_index *idx, mnd *sel, zbuf_status *want) {
  *nidx = get(in) % (MAXD + 2);
  for (size_t k = 0; k < *nidx; k++) {
    if (get(in) & 1) {
      idx[k] = ZBUF_AT((int64_t)(get(in) % 11) - 5);
    } else {
      idx[k] = ZBUF_RANGE(get_slice(in, 1));
    }
  }
  *sel = *s;
  sel->h = NULL;
  if (*nidx > s->ndim) {
    *want = ZBUF_ERANGE;
    return 0;
  }
  size_t out = 0;
  for (size_t d = 0; d < s->ndim; d++) {
    int64_t len = s->shape[d];
    if (d < *nidx && idx[d].kind == ZBUF_INDEX_INTEGER) {
      int64_t i = idx[d].integer < 0 ? idx[d].integer + len : idx[d].integer;
      if (i < 0 || i >= len) {
        *want = ZBUF_ERANGE;
        return 0;
      }
      sel->off += i * s->strides[d];
      continue;
    }
    int64_t start = 0, count = len, step = 1;
    if (d < *nidx) {
      zbuf_slice sl = idx[d].slice;
      if ((sl.given & ZBUF_SLICE_HAS_STEP) && sl.step == 0) {
        *want = ZBUF_EINVAL;
        return 0;
      }
      step = (sl.given & ZBUF_SLICE_HAS_STEP) ? sl.step : 1;
      py_slice(sl, len, &start, &count);
    }
    if (count > 0) sel->off += start * s->strides[d];
    sel->shape[out] = count;
    sel->strides[out] = s->strides[d] * step;
    out++;
  }
  sel->ndim = out;
  return 1;
}

static void op_nd_get_item(input *in) {
  int slot = (int)(get(in) % NSLOT), src = (int)(get(in) % NSLOT);
  if (!nds[src].h) return;
  size_t nidx;
  zbuf_index idx[MAXD + 2];
  mnd a;
  zbuf_status want = ZBUF_OK;
  int ok = get_index(in, &nds[src], &nidx, idx, &a, &want);
  zbuf_ndbuffer *h = NULL;
  zbuf_status st = zbuf_ndbuffer_get_item(nds[src].h, nidx, idx, &h, NULL);
  if (!ok) {
    CHECK(st == want && h == NULL);
    return;
  }
  CHECK(st == ZBUF_OK);
  a.h = h;
  if (nd_size(&a) > 0) {
    CHECK(zbuf_offset(h) - zbuf_offset(nds[src].h) == a.off - nds[src].off);
    for (size_t d = 0; d < a.ndim; d++)
      if (a.shape[d] > 1) CHECK(zbuf_ndbuffer_strides(h)[d] == a.strides[d]);
  }
  put_nd(slot, a);
}

static void op_nd_set_item(input *in) {
  int dst = (int)(get(in) % NSLOT), val = (int)(get(in) % NSLOT);
  if (!nds[dst].h || !nds[val].h) return;
  size_t nidx;
  zbuf_index idx[MAXD + 2];
  mnd sel;
  zbuf_status want = ZBUF_OK;
  int ok = get_index(in, &nds[dst], &nidx, idx, &sel, &want);
  const mnd *v = &nds[val];
  if (v->kind == K_F64 && sel.kind != K_F64) return; /* see the header comment */
  /* NumPy broadcasting: value's axes align with the selection's last axes, each equal or 1; as NumPy's
   * __setitem__ does, value may have extra leading axes if they are all 1. */
  for (size_t d = 0; ok && d < v->ndim; d++) {
    int64_t ve = v->shape[v->ndim - 1 - d], se = d < sel.ndim ? sel.shape[sel.ndim - 1 - d] : 1;
    if (ve != se && ve != 1) ok = 0, want = ZBUF_EINVAL;
  }
  zbuf_status st = zbuf_ndbuffer_set_item(nds[dst].h, nidx, idx, v->h, NULL);
  if (!ok) {
    if (st != want)
      fprintf(stderr, "set_item: zbuf says %s, the model %s\n", zbuf_status_name(st), zbuf_status_name(want));
    CHECK(st == want); /* dst unchanged: check_all compares it with the untouched model */
    return;
  }
  CHECK(st == ZBUF_OK);
  /* Read all of value first (it may overlap dst), then write each selected element. */
  uint8_t *vals = nd_read(v);
  int64_t n = nd_size(&sel);
  for (int64_t i = 0; i < n; i++) {
    int64_t vflat = 0, rest = i, mul = 1;
    for (size_t d = 0; d < sel.ndim; d++) {
      size_t sd = sel.ndim - 1 - d;
      int64_t coord = rest % sel.shape[sd];
      rest /= sel.shape[sd];
      if (d < v->ndim) {
        int64_t ve = v->shape[v->ndim - 1 - d];
        vflat += (ve == 1 ? 0 : coord) * mul;
        mul *= ve;
      }
    }
    cast(nd_elem(&sel, i), sel.kind, vals + vflat * isz[v->kind], v->kind);
  }
  free(vals);
}

static void op_nd_fill(input *in) {
  int dst = (int)(get(in) % NSLOT);
  uint8_t value[8];
  for (int i = 0; i < 8; i++) value[i] = (uint8_t)get(in);
  if (!nds[dst].h) return;
  CHECK(zbuf_ndbuffer_fill(nds[dst].h, value, NULL) == ZBUF_OK);
  for (int64_t i = 0; i < nd_size(&nds[dst]); i++)
    memcpy(nd_elem(&nds[dst], i), value, (size_t)isz[nds[dst].kind]);
}

static void op_nd_astype_or_copy(input *in, int copy) {
  int slot = (int)(get(in) % NSLOT), src = (int)(get(in) % NSLOT), kind = (int)(get(in) % NKINDS);
  if (!nds[src].h) return;
  const mnd *s = &nds[src];
  if (copy) kind = s->kind;
  if (s->kind == K_F64 && kind != K_F64) return;
  mnd a = *s;
  a.kind = kind;
  a.off = 0;
  int64_t n = nd_size(s);
  a.m = new_mem(n * isz[kind]);
  if (a.m < 0) return;
  c_strides(a.ndim, a.shape, isz[kind], 0, a.strides);
  for (int64_t i = 0; i < n; i++) cast(nd_elem(&a, i), kind, nd_elem(s, i), s->kind);
  zbuf_status st = copy ? zbuf_ndbuffer_copy(s->h, &a.h, NULL)
                        : zbuf_ndbuffer_astype(s->h, zbuf_dtype_native(kinds[kind]), &a.h, NULL);
  CHECK(st == ZBUF_OK);
  CHECK(n == 0 || !shares(a.h, s));
  put_nd(slot, a);
}

static void op_nd_squeeze(input *in) {
  int slot = (int)(get(in) % NSLOT), src = (int)(get(in) % NSLOT);
  if (!nds[src].h) return;
  mnd a = nds[src];
  size_t out = 0;
  for (size_t d = 0; d < a.ndim; d++)
    if (a.shape[d] != 1) {
      a.shape[out] = a.shape[d];
      a.strides[out] = a.strides[d];
      out++;
    }
  a.ndim = out;
  CHECK(zbuf_ndbuffer_squeeze(nds[src].h, 0, NULL, &a.h, NULL) == ZBUF_OK);
  put_nd(slot, a);
}

/* Export to DLPack and import the tensor again: the result shares src's memory with the same layout. */
static void op_nd_dlpack_round_trip(input *in) {
  int slot = (int)(get(in) % NSLOT), src = (int)(get(in) % NSLOT);
  if (!nds[src].h) return;
  DLManagedTensor *t = NULL;
  CHECK(zbuf_ndbuffer_to_dlpack(nds[src].h, &t, NULL) == ZBUF_OK);
  mnd a = nds[src];
  a.h = NULL;
  if (zbuf_ndbuffer_from_dlpack(t, &a.h, NULL) != ZBUF_OK) {
    t->deleter(t);
    CHECK(!"the import of zbuf's own export failed");
  }
  if (nd_size(&a) > 0) {
    CHECK(zbuf_ndbuffer_data(a.h) == zbuf_ndbuffer_data(nds[src].h));
    for (size_t d = 0; d < a.ndim; d++)
      if (a.shape[d] > 1) CHECK(zbuf_ndbuffer_strides(a.h)[d] == a.strides[d]);
  }
  put_nd(slot, a);
}

/* all_equal_scalar: integers compare by value (= bits here), float64 by bit pattern except that NaN equals
 * NaN (any payload) exactly when equal_nan is set (the rules of ndbuffer.h). */
static void op_nd_all_equal_scalar(input *in) {
  int src = (int)(get(in) % NSLOT), equal_nan = (int)(get(in) & 1), pick = (int)(get(in) & 1);
  uint8_t value[8];
  for (int i = 0; i < 8; i++) value[i] = (uint8_t)get(in);
  if (!nds[src].h) return;
  const mnd *a = &nds[src];
  int64_t n = nd_size(a), item = isz[a->kind];
  if (pick && n > 0) memcpy(value, nd_elem(a, 0), (size_t)item); /* often all-equal, not only by chance */
  int want = 1;
  for (int64_t i = 0; i < n && want; i++) {
    const uint8_t *e = nd_elem(a, i);
    if (a->kind == K_F64) {
      double x, y;
      memcpy(&x, e, 8);
      memcpy(&y, value, 8);
      if (x != x || y != y)
        want = x != x && y != y && equal_nan;
      else
        want = memcmp(e, value, 8) == 0;
    } else {
      want = memcmp(e, value, (size_t)item) == 0;
    }
  }
  int got = -1;
  CHECK(zbuf_ndbuffer_all_equal_scalar(a->h, value, equal_nan, &got, NULL) == ZBUF_OK);
  CHECK(got == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  memset(bufs, 0, sizeof bufs);
  memset(nds, 0, sizeof nds);
  nmems = 0;
  for (int ops = 0; ops < MAXOPS && in.n > 0; ops++) {
    unsigned op = get(&in) % 18;
    switch (op) {
      case 0: op_buf_from_bytes(&in); break;
      case 1: op_buf_slice(&in); break;
      case 2: op_buf_set_slice(&in); break;
      case 3: op_buf_combine(&in); break;
      case 4: put_buf((int)(get(&in) % NSLOT), (mbuf){0}); break;
      case 5: op_nd_create(&in); break;
      case 6: op_nd_from_host(&in); break;
      case 7: op_nd_from_buffer(&in); break;
      case 8: op_nd_reshape(&in); break;
      case 9: op_nd_transpose(&in); break;
      case 10: op_nd_get_item(&in); break;
      case 11: op_nd_set_item(&in); break;
      case 12: op_nd_fill(&in); break;
      case 13: op_nd_astype_or_copy(&in, 0); break;
      case 14: op_nd_astype_or_copy(&in, 1); break;
      case 15: op_nd_squeeze(&in); break;
      case 16: op_nd_dlpack_round_trip(&in); break;
      default: op_nd_all_equal_scalar(&in); break;
    }
    check_all();
  }
  for (int i = 0; i < NSLOT; i++) {
    put_buf(i, (mbuf){0});
    put_nd(i, (mnd){0});
  }
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  CHECK(s.blocks == 0 && s.bytes == 0 && s.handles == 0);
  for (int i = 0; i < nmems; i++) free(mems[i].bytes);
  return 0;
}

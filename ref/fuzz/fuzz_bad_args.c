/* libFuzzer target: malformed arguments. The input picks one call and its arguments — shapes and strides
 * with any int64 (negative, huge, overflowing), dtype kinds and byte orders outside the enums, dtype strings
 * of any bytes, slice keys and indices with INT64_MIN/INT64_MAX parts, squeeze and transpose axes, DLPack
 * tensors with bad ndim, shape, strides, dtype code/bits/lanes, device type or byte_offset. zbuf must return
 * an error status, or succeed with a result that is sound: every view stays inside the memory block it
 * shares, sizes match shapes, and nothing leaks (zbuf_alloc_stats back to zero; LeakSanitizer). A crash,
 * sanitizer report or failed check is a bug.
 *
 * Calls that would be valid but allocate more than 1 MiB are not made: the fuzzer's malloc limit would stop
 * them, and "too big to allocate" is the fault-injection test's subject (test_fault_injection.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zbuf/dlpack.h"

#include "internal.h"

#define CHECK(cond)                                                                           \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      fprintf(stderr, "fuzz_bad_args: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                                \
    }                                                                                         \
  } while (0)

typedef struct input {
  const uint8_t *p;
  size_t n;
} input;
static unsigned get(input *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

/* An int64 that is often an edge value, otherwise small or raw. */
static int64_t get_i64(input *in) {
  static const int64_t edges[] = {0,
                                  1,
                                  -1,
                                  2,
                                  -2,
                                  3,
                                  7,
                                  -7,
                                  64,
                                  INT64_MAX,
                                  INT64_MIN,
                                  INT64_MAX - 1,
                                  INT64_MIN + 1,
                                  INT32_MAX,
                                  INT32_MIN,
                                  (int64_t)1 << 32,
                                  (int64_t)1 << 62,
                                  -((int64_t)1 << 62)};
  unsigned sel = get(in);
  if (sel < 128) return (int64_t)(sel % 16) - 4;
  if (sel < 200) return edges[sel % (sizeof edges / sizeof edges[0])];
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | get(in);
  return (int64_t)v;
}

static zbuf_dtype get_dtype(input *in) {
  unsigned k = get(in), b = get(in);
  zbuf_dtype d;
  /* Mostly valid kinds and orders, sometimes values outside the enums. */
  d.kind = (zbuf_dtype_kind)(k < 240 ? k % ZBUF_DTYPE_KIND_COUNT : (int)k - 250);
  d.byteorder = (zbuf_byteorder)(b < 240 ? b % 3 : (int)b - 250);
  return d;
}

static size_t get_ndim(input *in) {
  unsigned v = get(in);
  return v < 240 ? v % 5 : (size_t)v - 240 + 28; /* 0..4, or around ZBUF_MAX_NDIM (28..43) */
}

static zbuf_slice get_slice(input *in) {
  zbuf_slice s;
  s.given = get(in) & 7;
  s.start = get_i64(in);
  s.stop = get_i64(in);
  s.step = get_i64(in);
  return s;
}

/* Whether a's elements all lie inside its memory block. */
static void check_view_sound(const zbuf_ndbuffer *a) {
  CHECK(a->ndim <= ZBUF_MAX_NDIM);
  int64_t size = zbuf_ndbuffer_size(a);
  int64_t item = (int64_t)zbuf_dtype_itemsize(a->dtype);
  CHECK(item > 0);
  if (size == 0) return;
  int64_t lo = a->offset, hi = a->offset + item;
  for (size_t d = 0; d < a->ndim; d++) {
    CHECK(a->shape[d] > 0);
    int64_t reach = (a->shape[d] - 1) * a->strides[d];
    if (reach < 0)
      lo += reach;
    else
      hi += reach;
  }
  CHECK(lo >= 0 && hi <= (int64_t)a->block->size);
}

/* A valid small array to work on: int16 (or another kind), shape from the input, at most 64 elements. */
static zbuf_ndbuffer *make_array(input *in) {
  int64_t shape[4];
  size_t ndim = get(in) % 5;
  for (size_t d = 0; d < ndim; d++) shape[d] = get(in) % 4 + (d == 0);
  zbuf_dtype dt = zbuf_dtype_native((zbuf_dtype_kind)(get(in) % ZBUF_DTYPE_KIND_COUNT));
  zbuf_ndbuffer *a = NULL;
  CHECK(zbuf_ndbuffer_create(ZBUF_CPU, ndim, shape, dt, ZBUF_ORDER_C, NULL, &a, NULL) == ZBUF_OK);
  return a;
}

/* Result of a call that may fail: on success, the view must be sound; on failure, out untouched. */
static void finish(zbuf_status st, zbuf_ndbuffer *out, const zbuf_error *err) {
  if (st == ZBUF_OK) {
    CHECK(out != NULL);
    check_view_sound(out);
    zbuf_ndbuffer_release(out);
  } else {
    CHECK(out == NULL);
    CHECK(st > ZBUF_OK && st < ZBUF_STATUS_COUNT);
    CHECK(err->code == st && err->message[0] != '\0');
  }
}

static int64_t dlpack_data[512];
static int deleter_calls;
static void count_deleter(DLManagedTensor *self) {
  (void)self;
  deleter_calls++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  zbuf_error err;
  memset(&err, 0, sizeof err);
  zbuf_ndbuffer *out = NULL;
  int64_t shape[48], axes[48];
  zbuf_index idx[48];
  unsigned op = get(&in) % 11;
  switch (op) {
    case 0: { /* dtype strings of any bytes */
      char text[24];
      size_t n = get(&in) % sizeof text;
      for (size_t i = 0; i < n; i++) text[i] = (char)get(&in);
      text[n] = '\0';
      zbuf_dtype d;
      if (zbuf_dtype_parse(text, &d, &err) == ZBUF_OK) {
        char s[8], again_s[8];
        zbuf_dtype again;
        CHECK(zbuf_dtype_is_valid(d));
        CHECK(zbuf_dtype_parse(zbuf_dtype_str(d, s), &again, NULL) == ZBUF_OK && zbuf_dtype_equal(d, again));
        CHECK(strcmp(zbuf_dtype_str(again, again_s), s) == 0);
      }
      break;
    }
    case 1: { /* create / empty with any shape, dtype, order */
      size_t ndim = get_ndim(&in);
      for (size_t d = 0; d < ndim; d++) shape[d] = get_i64(&in);
      zbuf_dtype dt = get_dtype(&in);
      zbuf_order order = (zbuf_order)((int)get(&in) % 4 - 1);
      int valid = ndim <= ZBUF_MAX_NDIM && zbuf_dtype_is_valid(dt) &&
                  (order == ZBUF_ORDER_C || order == ZBUF_ORDER_F);
      /* NumPy's rule: extents >= 0, and the product of the non-zero extents times the itemsize fits in int64
       * even when another extent is zero. */
      int64_t bytes = valid ? (int64_t)zbuf_dtype_itemsize(dt) : 0, zero = 0;
      for (size_t d = 0; valid && d < ndim; d++) {
        if (shape[d] < 0) valid = 0;
        if (shape[d] == 0) zero = 1;
        if (shape[d] > 0 && __builtin_mul_overflow(bytes, shape[d], &bytes)) valid = 0;
      }
      if (valid && !zero && bytes > (1 << 20)) break; /* valid but too big to allocate here */
      zbuf_status st = (get(&in) & 1)
                           ? zbuf_ndbuffer_empty(ZBUF_CPU, ndim, shape, dt, order, &out, &err)
                           : zbuf_ndbuffer_create(ZBUF_CPU, ndim, shape, dt, order, NULL, &out, &err);
      CHECK((st == ZBUF_OK) == valid);
      finish(st, out, &err);
      break;
    }
    case 2: { /* from_buffer with any shape over a buffer of any small length */
      static const unsigned char bytes[64];
      zbuf_buffer *b = NULL;
      CHECK(zbuf_buffer_from_bytes(ZBUF_CPU, bytes, get(&in) % 65, &b, NULL) == ZBUF_OK);
      size_t ndim = get_ndim(&in);
      for (size_t d = 0; d < ndim; d++) shape[d] = get_i64(&in);
      zbuf_dtype dt = get_dtype(&in);
      finish(zbuf_ndbuffer_from_buffer(b, ndim, (get(&in) & 1) ? shape : NULL, dt, &out, &err), out, &err);
      zbuf_buffer_release(b);
      break;
    }
    case 3: { /* reshape to any shape */
      zbuf_ndbuffer *a = make_array(&in);
      if (get(&in) & 1) { /* a non-contiguous source too */
        zbuf_ndbuffer *t = NULL;
        CHECK(zbuf_ndbuffer_transpose(a, 0, NULL, &t, NULL) == ZBUF_OK);
        zbuf_ndbuffer_release(a);
        a = t;
      }
      size_t ndim = get_ndim(&in);
      for (size_t d = 0; d < ndim; d++) shape[d] = get_i64(&in);
      zbuf_status st = zbuf_ndbuffer_reshape(a, ndim, shape, &out, &err);
      if (st == ZBUF_OK) CHECK(zbuf_ndbuffer_size(out) == zbuf_ndbuffer_size(a));
      finish(st, out, &err);
      zbuf_ndbuffer_release(a);
      break;
    }
    case 4:   /* squeeze with any axes */
    case 5: { /* transpose with any axes */
      int squeeze = op == 4;
      zbuf_ndbuffer *a = make_array(&in);
      size_t n = get_ndim(&in);
      for (size_t d = 0; d < n; d++) axes[d] = get_i64(&in);
      const int64_t *ax = (get(&in) & 1) ? axes : NULL;
      finish(squeeze ? zbuf_ndbuffer_squeeze(a, n, ax, &out, &err)
                     : zbuf_ndbuffer_transpose(a, n, ax, &out, &err),
             out, &err);
      zbuf_ndbuffer_release(a);
      break;
    }
    case 6: { /* get_item with any index */
      zbuf_ndbuffer *a = make_array(&in);
      size_t n = get_ndim(&in);
      for (size_t k = 0; k < n; k++) {
        idx[k].kind = get(&in) & 1 ? ZBUF_INDEX_INTEGER : ZBUF_INDEX_SLICE;
        if (get(&in) == 255) idx[k].kind = 7; /* neither */
        idx[k].integer = get_i64(&in);
        idx[k].slice = get_slice(&in);
      }
      finish(zbuf_ndbuffer_get_item(a, n, (get(&in) & 1) ? idx : NULL, &out, &err), out, &err);
      zbuf_ndbuffer_release(a);
      break;
    }
    case 7: { /* set_item_scalar with any index (the selection is written: it must lie inside) */
      zbuf_ndbuffer *a = make_array(&in);
      size_t n = get_ndim(&in);
      for (size_t k = 0; k < n; k++) {
        idx[k].kind = get(&in) & 1 ? ZBUF_INDEX_INTEGER : ZBUF_INDEX_SLICE;
        idx[k].integer = get_i64(&in);
        idx[k].slice = get_slice(&in);
      }
      static const unsigned char value[16];
      zbuf_status st = zbuf_ndbuffer_set_item_scalar(a, n, idx, value, &err);
      if (st != ZBUF_OK) CHECK(err.code == st && err.message[0] != '\0');
      zbuf_ndbuffer_release(a);
      break;
    }
    case 8: { /* Buffer slice and set_slice with any key */
      static const unsigned char bytes[32];
      zbuf_buffer *b = NULL, *v = NULL;
      CHECK(zbuf_buffer_from_bytes(ZBUF_CPU, bytes, get(&in) % 33, &b, NULL) == ZBUF_OK);
      zbuf_slice key = get_slice(&in);
      zbuf_status st = zbuf_buffer_slice(b, key, &v, &err);
      if (st == ZBUF_OK) {
        CHECK(v->offset + v->length <= b->length && v->block == b->block);
        CHECK(zbuf_buffer_set_slice(b, key, v, NULL) == ZBUF_OK);
        zbuf_buffer_release(v);
      } else {
        CHECK(v == NULL);
        CHECK(zbuf_buffer_set_slice(b, key, b, NULL) != ZBUF_OK);
      }
      zbuf_buffer_release(b);
      break;
    }
    case 9: { /* slice resolution with any parts and length */
      zbuf_slice key = get_slice(&in);
      int64_t length = get_i64(&in), start = 0, count = 0, step = 0;
      if (zbuf_slice_resolve(key, length, &start, &count, &step, &err) == ZBUF_OK) {
        CHECK(length >= 0 && count >= 0 && count <= length && step != 0);
        if (count > 0) {
          /* first and last selected index inside [0, length) */
          CHECK(start >= 0 && start < length);
          int64_t last = start + (count - 1) * step; /* cannot overflow: inside [0, length) if correct */
          CHECK(last >= 0 && last < length);
        }
      }
      break;
    }
    default: { /* DLPack tensors with bad fields */
      DLManagedTensor t;
      memset(&t, 0, sizeof t);
      int64_t tshape[40], tstrides[40];
      t.dl_tensor.ndim = (int32_t)(get(&in) < 240 ? (int)(get(&in) % 5) : (int)get_i64(&in));
      for (int d = 0; d < 40; d++) {
        tshape[d] = get(&in) & 1 ? (int64_t)(get(&in) % 5) : get_i64(&in);
        tstrides[d] = get_i64(&in);
      }
      t.dl_tensor.shape = (get(&in) & 7) ? tshape : NULL;
      t.dl_tensor.strides = (get(&in) & 1) ? tstrides : NULL;
      t.dl_tensor.data = (get(&in) & 7) ? (void *)dlpack_data : NULL;
      t.dl_tensor.byte_offset = (uint64_t)get_i64(&in);
      t.dl_tensor.device.device_type = (DLDeviceType)(get(&in) % 16);
      t.dl_tensor.device.device_id = (int32_t)get_i64(&in);
      t.dl_tensor.dtype.code = (uint8_t)get(&in);
      t.dl_tensor.dtype.bits = (uint8_t)get(&in);
      t.dl_tensor.dtype.lanes = (uint16_t)get(&in);
      t.deleter = count_deleter;
      deleter_calls = 0;
      zbuf_status st = zbuf_ndbuffer_from_dlpack(&t, &out, &err);
      /* The memory is not read: a producer's strides cannot be checked against a size DLPack does not give.
       */
      if (st == ZBUF_OK) {
        CHECK(out != NULL && deleter_calls == 0);
        zbuf_ndbuffer_release(out);
        CHECK(deleter_calls == 1);
      } else {
        CHECK(out == NULL && deleter_calls == 0);
        CHECK(err.code == st && err.message[0] != '\0');
      }
      break;
    }
  }
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  CHECK(s.blocks == 0 && s.bytes == 0 && s.handles == 0);
  return 0;
}

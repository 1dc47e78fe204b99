/* Fault injection over every allocating public operation: for k = 1, 2, ... the k-th allocation the
 * operation makes fails (zbuf_testing_fail_allocation), until the operation makes fewer than k allocations
 * and succeeds. Each injected failure must
 *   - return ZBUF_ENOMEM and fill the error struct (and also return ZBUF_ENOMEM with err NULL),
 *   - leave *out untouched (it still holds a sentinel),
 *   - leak nothing: zbuf_alloc_stats as before the call (and LeakSanitizer after each test in ASan builds),
 *   - leave the inputs unchanged: handle metadata, reference counts, and every byte of their memory blocks,
 *   - not call a wrapped memory's release callback or a DLPack tensor's deleter.
 * An operation that succeeds although its k-th allocation failed has swallowed the failure: also an error.
 *
 * Every operation is one test; `fault_points_total_over_every_operation` runs them all and prints
 * `# fault points: N`, the number of distinct (operation, k) failures exercised, which docs/reliability.md
 * cites. Cases that need another memory space (pinned, CUDA) skip in a build or on a machine without one. */
#include <stdatomic.h>

#include "zbuf/dlpack.h"

#include "internal.h"
#include "test.h"

#define I32 zbuf_dtype_native(ZBUF_INT32)
#define I8 zbuf_dtype_native(ZBUF_INT8)
#define F64 zbuf_dtype_native(ZBUF_FLOAT64)
#define PINNED ((zbuf_device){ZBUF_DEVICE_CUDA_HOST, 0})
#define CUDA0 ((zbuf_device){ZBUF_DEVICE_CUDA, 0})

enum { MAX_K = 1000, NIN = 3 };
enum { NONE, PINNED_SPACE, CUDA_SPACE };

static unsigned char sentinel_storage;
#define SENTINEL ((void *)&sentinel_storage)

/* Inputs an operation reads or writes, and the outputs it makes. */
typedef struct fixture {
  zbuf_buffer *buf[NIN];
  zbuf_ndbuffer *nd[NIN];
  DLManagedTensor *tensor; /* an input tensor for from_dlpack (owned by the test until imported) */
  zbuf_buffer *out_buf;
  zbuf_ndbuffer *out_nd;
  DLManagedTensor *out_tensor;
  int out_int;
} fixture;

typedef struct fi_case {
  const char *name;
  int needs; /* a memory space the case needs besides the CPU: NONE, PINNED_SPACE or CUDA_SPACE */
  void (*setup)(fixture *f);                      /* makes the inputs, with injection disarmed */
  zbuf_status (*op)(fixture *f, zbuf_error *err); /* the operation under test, writing f->out_* */
} fi_case;

/* ---- callbacks that count: a failed wrap or import must not call them ---- */

static atomic_int release_calls;
static void count_release(void *data, void *ctx) {
  (void)data, (void)ctx;
  atomic_fetch_add(&release_calls, 1);
}

typedef struct producer {
  DLManagedTensor managed;
  int64_t shape[2];
  int32_t data[6];
} producer;
static producer the_producer;
static atomic_int deleter_calls;
static void count_deleter(DLManagedTensor *self) {
  (void)self;
  atomic_fetch_add(&deleter_calls, 1);
}

/* ---- input makers ---- */

static const unsigned char pattern[64] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                          17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
                                          33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
                                          49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64};

static zbuf_buffer *make_buf(zbuf_device dev, size_t n) {
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_from_bytes(dev, pattern, n, &b, NULL), NULL);
  return b;
}

/* An int32 array of the given shape, elements 0, 1, 2, ... in C order. */
static zbuf_ndbuffer *make_nd(zbuf_device dev, size_t ndim, const int64_t *shape) {
  int32_t v[64];
  for (int i = 0; i < 64; i++) v[i] = i * 7 - 20;
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(dev, v, ndim, shape, NULL, I32, &a, NULL), NULL);
  return a;
}

static const int64_t shape23[2] = {2, 3};
static const int64_t shape46[2] = {4, 6};

static void setup_none(fixture *f) { (void)f; }
static void setup_buf64(fixture *f) { f->buf[0] = make_buf(ZBUF_CPU, 64); }
static void setup_nd23(fixture *f) { f->nd[0] = make_nd(ZBUF_CPU, 2, shape23); }
static void setup_nd46(fixture *f) { f->nd[0] = make_nd(ZBUF_CPU, 2, shape46); }
static void setup_nd_transposed(fixture *f) {
  zbuf_ndbuffer *a = make_nd(ZBUF_CPU, 2, shape46);
  ASSERT_OK(zbuf_ndbuffer_transpose(a, 0, NULL, &f->nd[0], NULL), NULL);
  zbuf_ndbuffer_release(a);
}
static void setup_nd_with_view(fixture *f) {
  /* nd[0] a 4x6 array, nd[1] the view nd[0][0:3], which overlaps nd[0][1:4] */
  f->nd[0] = make_nd(ZBUF_CPU, 2, shape46);
  zbuf_index idx = ZBUF_RANGE(ZBUF_SLICE(0, 3));
  ASSERT_OK(zbuf_ndbuffer_get_item(f->nd[0], 1, &idx, &f->nd[1], NULL), NULL);
}
static void setup_nd_and_i8_row(fixture *f) {
  f->nd[0] = make_nd(ZBUF_CPU, 2, shape46);
  int8_t row[6] = {-1, 2, -3, 4, -5, 6};
  int64_t n = 6;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, row, 1, &n, NULL, I8, &f->nd[1], NULL), NULL);
}
static void setup_producer(fixture *f) {
  memset(&the_producer, 0, sizeof the_producer);
  for (int i = 0; i < 6; i++) the_producer.data[i] = i;
  the_producer.shape[0] = 2;
  the_producer.shape[1] = 3;
  DLTensor *t = &the_producer.managed.dl_tensor;
  t->data = the_producer.data;
  t->device.device_type = kDLCPU;
  t->ndim = 2;
  t->dtype = zbuf_dlpack_dtype(ZBUF_INT32);
  t->shape = the_producer.shape;
  the_producer.managed.deleter = count_deleter;
  f->tensor = &the_producer.managed;
}
static void setup_buf_cross(fixture *f, zbuf_device other) {
  f->buf[0] = make_buf(ZBUF_CPU, 64);
  f->buf[1] = make_buf(other, 16);
}
static void setup_buf_pinned(fixture *f) { setup_buf_cross(f, PINNED); }
static void setup_buf_cuda(fixture *f) { setup_buf_cross(f, CUDA0); }
static void setup_nd_cuda(fixture *f) {
  f->nd[0] = make_nd(ZBUF_CPU, 2, shape46);
  f->nd[1] = make_nd(CUDA0, 2, shape46);
}

/* ---- the operations: Buffer ---- */

static zbuf_status op_buffer_from_bytes(fixture *f, zbuf_error *err) {
  return zbuf_buffer_from_bytes(ZBUF_CPU, pattern, 64, &f->out_buf, err);
}
static zbuf_status op_buffer_create_zero_length(fixture *f, zbuf_error *err) {
  return zbuf_buffer_create_zero_length(ZBUF_CPU, &f->out_buf, err);
}
static unsigned char wrapped_bytes[32];
static zbuf_status op_buffer_wrap(fixture *f, zbuf_error *err) {
  return zbuf_buffer_wrap(ZBUF_CPU, wrapped_bytes, sizeof wrapped_bytes, count_release, NULL, &f->out_buf,
                          err);
}
static zbuf_status op_buffer_from_buffer_same_space(fixture *f, zbuf_error *err) {
  return zbuf_buffer_from_buffer(ZBUF_CPU, f->buf[0], &f->out_buf, err);
}
static zbuf_status op_buffer_from_buffer_to_pinned(fixture *f, zbuf_error *err) {
  return zbuf_buffer_from_buffer(PINNED, f->buf[0], &f->out_buf, err);
}
static zbuf_status op_buffer_from_buffer_to_cuda(fixture *f, zbuf_error *err) {
  return zbuf_buffer_from_buffer(CUDA0, f->buf[0], &f->out_buf, err);
}
static zbuf_status op_buffer_to_host(fixture *f, zbuf_error *err) {
  return zbuf_buffer_to_host(f->buf[0], &f->out_buf, err);
}
static zbuf_status op_buffer_to_host_from_cuda(fixture *f, zbuf_error *err) {
  return zbuf_buffer_to_host(f->buf[1], &f->out_buf, err);
}
static zbuf_status op_buffer_slice(fixture *f, zbuf_error *err) {
  return zbuf_buffer_slice(f->buf[0], ZBUF_SLICE(8, -8), &f->out_buf, err);
}
static void setup_three_parts(fixture *f) {
  f->buf[0] = make_buf(ZBUF_CPU, 10);
  f->buf[1] = make_buf(ZBUF_CPU, 0);
  f->buf[2] = make_buf(ZBUF_CPU, 30);
}
static zbuf_status op_buffer_combine(fixture *f, zbuf_error *err) {
  const zbuf_buffer *parts[3] = {f->buf[0], f->buf[1], f->buf[2]};
  return zbuf_buffer_combine(parts, 3, &f->out_buf, err);
}
static zbuf_status op_buffer_combine_cross_space(fixture *f, zbuf_error *err) {
  const zbuf_buffer *parts[2] = {f->buf[0], f->buf[1]};
  return zbuf_buffer_combine(parts, 2, &f->out_buf, err);
}
static void setup_buf_and_view(fixture *f) {
  f->buf[0] = make_buf(ZBUF_CPU, 64);
  ASSERT_OK(zbuf_buffer_slice(f->buf[0], ZBUF_SLICE(0, 32), &f->buf[1], NULL), NULL);
}
static zbuf_status op_buffer_set_slice_overlapping(fixture *f, zbuf_error *err) {
  return zbuf_buffer_set_slice(f->buf[0], ZBUF_SLICE(16, 48), f->buf[1], err);
}
static zbuf_status op_buffer_set_slice_cross_space(fixture *f, zbuf_error *err) {
  return zbuf_buffer_set_slice(f->buf[0], ZBUF_SLICE(0, 16), f->buf[1], err);
}
static zbuf_status op_buffer_equal(fixture *f, zbuf_error *err) {
  return zbuf_buffer_equal(f->buf[0], f->buf[1], &f->out_int, err);
}

/* ---- the operations: NDBuffer ---- */

static zbuf_status op_nd_create(fixture *f, zbuf_error *err) {
  int32_t fill = 42;
  return zbuf_ndbuffer_create(ZBUF_CPU, 2, shape46, I32, ZBUF_ORDER_F, &fill, &f->out_nd, err);
}
static zbuf_status op_nd_empty(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_empty(ZBUF_CPU, 2, shape46, F64, ZBUF_ORDER_C, &f->out_nd, err);
}
static zbuf_status op_nd_from_host_strided(fixture *f, zbuf_error *err) {
  static const int32_t v[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  const int64_t strides[2] = {4, 8}; /* Fortran order over a 2x6 host array */
  const int64_t shape[2] = {2, 6};
  return zbuf_ndbuffer_from_host(ZBUF_CPU, v, 2, shape, strides, I32, &f->out_nd, err);
}
static int32_t wrapped_elements[24];
static zbuf_status op_nd_wrap(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_wrap(ZBUF_CPU, wrapped_elements, 2, shape46, NULL, I32, count_release, NULL,
                            &f->out_nd, err);
}
static zbuf_status op_nd_from_buffer(fixture *f, zbuf_error *err) {
  const int64_t shape[2] = {-1, 4};
  return zbuf_ndbuffer_from_buffer(f->buf[0], 2, shape, I32, &f->out_nd, err);
}
static zbuf_status op_nd_to_host(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_to_host(f->nd[0], &f->out_nd, err);
}
static zbuf_status op_nd_to_host_from_cuda(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_to_host(f->nd[1], &f->out_nd, err);
}
static zbuf_status op_nd_to_device_same_space(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_to_device(f->nd[0], ZBUF_CPU, &f->out_nd, err);
}
static zbuf_status op_nd_to_device_cuda(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_to_device(f->nd[0], CUDA0, &f->out_nd, err);
}
static int32_t scratch[64];
static zbuf_status op_nd_to_bytes_strided(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_to_bytes(f->nd[0], scratch, sizeof scratch, err);
}
static zbuf_status op_nd_as_scalar(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_as_scalar(f->nd[0], &f->out_int, sizeof f->out_int, err);
}
static void setup_nd_scalar(fixture *f) {
  const int64_t one[3] = {1, 1, 1};
  f->nd[0] = make_nd(ZBUF_CPU, 3, one);
}
static zbuf_status op_nd_reshape_view(fixture *f, zbuf_error *err) {
  const int64_t shape[3] = {2, -1, 3};
  return zbuf_ndbuffer_reshape(f->nd[0], 3, shape, &f->out_nd, err);
}
static zbuf_status op_nd_reshape_copy(fixture *f, zbuf_error *err) {
  const int64_t shape[1] = {24}; /* the source is transposed: flattening it in C order must copy */
  return zbuf_ndbuffer_reshape(f->nd[0], 1, shape, &f->out_nd, err);
}
static zbuf_status op_nd_squeeze(fixture *f, zbuf_error *err) {
  const int64_t axes[1] = {-1};
  return zbuf_ndbuffer_squeeze(f->nd[0], 1, axes, &f->out_nd, err);
}
static void setup_nd_squeezable(fixture *f) {
  const int64_t shape[3] = {1, 6, 1};
  f->nd[0] = make_nd(ZBUF_CPU, 3, shape);
}
static zbuf_status op_nd_transpose(fixture *f, zbuf_error *err) {
  const int64_t axes[2] = {1, 0};
  return zbuf_ndbuffer_transpose(f->nd[0], 2, axes, &f->out_nd, err);
}
static zbuf_status op_nd_astype(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_astype(f->nd[0], F64, &f->out_nd, err);
}
static zbuf_status op_nd_get_item(fixture *f, zbuf_error *err) {
  const zbuf_index idx[2] = {ZBUF_AT(-1), ZBUF_RANGE(ZBUF_SLICE_STEP(5, 0, -2))};
  return zbuf_ndbuffer_get_item(f->nd[0], 2, idx, &f->out_nd, err);
}
static zbuf_status op_nd_set_item_overlapping(fixture *f, zbuf_error *err) {
  zbuf_index idx = ZBUF_RANGE(ZBUF_SLICE(1, 4));
  return zbuf_ndbuffer_set_item(f->nd[0], 1, &idx, f->nd[1], err);
}
static zbuf_status op_nd_set_item_broadcast_cast(fixture *f, zbuf_error *err) {
  zbuf_index idx = ZBUF_RANGE(ZBUF_SLICE_STEP(0, 4, 2));
  return zbuf_ndbuffer_set_item(f->nd[0], 1, &idx, f->nd[1], err);
}
static zbuf_status op_nd_set_item_cross_space(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_set_item(f->nd[1], 0, NULL, f->nd[0], err);
}
static zbuf_status op_nd_set_item_scalar(fixture *f, zbuf_error *err) {
  const zbuf_index idx[2] = {ZBUF_RANGE(ZBUF_SLICE_ALL), ZBUF_AT(2)};
  int32_t v = -5;
  return zbuf_ndbuffer_set_item_scalar(f->nd[0], 2, idx, &v, err);
}
static zbuf_status op_nd_fill(fixture *f, zbuf_error *err) {
  int32_t v = 9;
  return zbuf_ndbuffer_fill(f->nd[0], &v, err);
}
static zbuf_status op_nd_copy(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_copy(f->nd[0], &f->out_nd, err);
}
static zbuf_status op_nd_all_equal_cast_broadcast(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_all_equal(f->nd[0], f->nd[1], 0, &f->out_int, err);
}
static zbuf_status op_nd_all_equal_scalar(fixture *f, zbuf_error *err) {
  int32_t v = -20;
  return zbuf_ndbuffer_all_equal_scalar(f->nd[0], &v, 1, &f->out_int, err);
}
static zbuf_status op_nd_to_dlpack(fixture *f, zbuf_error *err) {
  return zbuf_ndbuffer_to_dlpack(f->nd[0], &f->out_tensor, err);
}
static zbuf_status op_nd_from_dlpack(fixture *f, zbuf_error *err) {
  zbuf_status st = zbuf_ndbuffer_from_dlpack(f->tensor, &f->out_nd, err);
  if (st == ZBUF_OK) f->tensor = NULL; /* zbuf owns it now */
  return st;
}

static const fi_case cases[] = {
    {"buffer_from_bytes", NONE, setup_none, op_buffer_from_bytes},
    {"buffer_create_zero_length", NONE, setup_none, op_buffer_create_zero_length},
    {"buffer_wrap", NONE, setup_none, op_buffer_wrap},
    {"buffer_from_buffer_same_space", NONE, setup_buf64, op_buffer_from_buffer_same_space},
    {"buffer_from_buffer_to_pinned", PINNED_SPACE, setup_buf_pinned, op_buffer_from_buffer_to_pinned},
    {"buffer_from_buffer_to_cuda", CUDA_SPACE, setup_buf_cuda, op_buffer_from_buffer_to_cuda},
    {"buffer_to_host", NONE, setup_buf64, op_buffer_to_host},
    {"buffer_to_host_from_cuda", CUDA_SPACE, setup_buf_cuda, op_buffer_to_host_from_cuda},
    {"buffer_slice", NONE, setup_buf64, op_buffer_slice},
    {"buffer_combine", NONE, setup_three_parts, op_buffer_combine},
    {"buffer_combine_cross_space", CUDA_SPACE, setup_buf_cuda, op_buffer_combine_cross_space},
    {"buffer_set_slice_overlapping", NONE, setup_buf_and_view, op_buffer_set_slice_overlapping},
    {"buffer_set_slice_cross_space", CUDA_SPACE, setup_buf_cuda, op_buffer_set_slice_cross_space},
    {"buffer_equal", NONE, setup_buf_and_view, op_buffer_equal},
    {"buffer_equal_cross_space", CUDA_SPACE, setup_buf_cuda, op_buffer_equal},
    {"ndbuffer_create", NONE, setup_none, op_nd_create},
    {"ndbuffer_empty", NONE, setup_none, op_nd_empty},
    {"ndbuffer_from_host_strided", NONE, setup_none, op_nd_from_host_strided},
    {"ndbuffer_wrap", NONE, setup_none, op_nd_wrap},
    {"ndbuffer_from_buffer", NONE, setup_buf64, op_nd_from_buffer},
    {"ndbuffer_to_host", NONE, setup_nd23, op_nd_to_host},
    {"ndbuffer_to_host_from_cuda", CUDA_SPACE, setup_nd_cuda, op_nd_to_host_from_cuda},
    {"ndbuffer_to_device_same_space", NONE, setup_nd23, op_nd_to_device_same_space},
    {"ndbuffer_to_device_cuda", CUDA_SPACE, setup_nd_cuda, op_nd_to_device_cuda},
    {"ndbuffer_to_bytes_strided", NONE, setup_nd_transposed, op_nd_to_bytes_strided},
    {"ndbuffer_as_scalar", NONE, setup_nd_scalar, op_nd_as_scalar},
    {"ndbuffer_reshape_view", NONE, setup_nd46, op_nd_reshape_view},
    {"ndbuffer_reshape_copy", NONE, setup_nd_transposed, op_nd_reshape_copy},
    {"ndbuffer_squeeze", NONE, setup_nd_squeezable, op_nd_squeeze},
    {"ndbuffer_transpose", NONE, setup_nd23, op_nd_transpose},
    {"ndbuffer_astype", NONE, setup_nd_transposed, op_nd_astype},
    {"ndbuffer_get_item", NONE, setup_nd46, op_nd_get_item},
    {"ndbuffer_set_item_overlapping", NONE, setup_nd_with_view, op_nd_set_item_overlapping},
    {"ndbuffer_set_item_broadcast_cast", NONE, setup_nd_and_i8_row, op_nd_set_item_broadcast_cast},
    {"ndbuffer_set_item_cross_space", CUDA_SPACE, setup_nd_cuda, op_nd_set_item_cross_space},
    {"ndbuffer_set_item_scalar", NONE, setup_nd46, op_nd_set_item_scalar},
    {"ndbuffer_fill", NONE, setup_nd_transposed, op_nd_fill},
    {"ndbuffer_copy", NONE, setup_nd_transposed, op_nd_copy},
    {"ndbuffer_all_equal_cast_broadcast", NONE, setup_nd_and_i8_row, op_nd_all_equal_cast_broadcast},
    {"ndbuffer_all_equal_scalar", NONE, setup_nd_transposed, op_nd_all_equal_scalar},
    {"ndbuffer_to_dlpack", NONE, setup_nd_transposed, op_nd_to_dlpack},
    {"ndbuffer_from_dlpack", NONE, setup_producer, op_nd_from_dlpack},
};
enum { NCASES = sizeof cases / sizeof cases[0] };

/* ---- snapshots of the inputs ---- */

typedef struct block_shot {
  const zbuf__block *block;
  int64_t refs;
  void *data;
  size_t size;
  zbuf_device device;
  unsigned char *bytes; /* plain malloc: not counted by zbuf_alloc_stats */
} block_shot;

typedef struct snapshot {
  zbuf_alloc_stats stats;
  int64_t buf_refs[NIN], nd_refs[NIN];
  struct zbuf_buffer buf_meta[NIN];
  struct zbuf_ndbuffer nd_meta[NIN];
  block_shot blocks[2 * NIN];
  int nblocks;
  DLManagedTensor tensor;
  int64_t tensor_shape[2];
} snapshot;

static void shoot_block(snapshot *s, const zbuf__block *b) {
  for (int i = 0; i < s->nblocks; i++)
    if (s->blocks[i].block == b) return;
  block_shot *x = &s->blocks[s->nblocks++];
  x->block = b;
  x->refs = (int64_t)atomic_load(&((zbuf__block *)b)->refs);
  x->data = b->data;
  x->size = b->size;
  x->device = b->device;
  x->bytes = NULL;
  if (b->size > 0 && zbuf_device_is_host(b->device)) {
    x->bytes = malloc(b->size);
    ASSERT(x->bytes != NULL);
    memcpy(x->bytes, b->data, b->size);
  }
}

static void take_snapshot(const fixture *f, snapshot *s) {
  memset(s, 0, sizeof *s);
  for (int i = 0; i < NIN; i++) {
    if (f->buf[i]) {
      s->buf_refs[i] = (int64_t)atomic_load(&f->buf[i]->refs);
      memcpy(&s->buf_meta[i], f->buf[i], sizeof s->buf_meta[i]);
      shoot_block(s, f->buf[i]->block);
    }
    if (f->nd[i]) {
      s->nd_refs[i] = (int64_t)atomic_load(&f->nd[i]->refs);
      memcpy(&s->nd_meta[i], f->nd[i], sizeof s->nd_meta[i]);
      shoot_block(s, f->nd[i]->block);
    }
  }
  if (f->tensor) {
    s->tensor = *f->tensor;
    memcpy(s->tensor_shape, f->tensor->dl_tensor.shape, sizeof s->tensor_shape);
  }
  s->stats = zbuf_alloc_stats_get();
}

/* Fails the test unless the inputs and the counters are what the snapshot recorded. */
static void check_unchanged(const char *name, int64_t k, const fixture *f, const snapshot *s) {
  zbuf_alloc_stats now = zbuf_alloc_stats_get();
  if (now.blocks != s->stats.blocks || now.bytes != s->stats.bytes || now.handles != s->stats.handles)
    zbuf_test_fail(
        __FILE__, __LINE__,
        "%s, allocation %" PRId64 " failed: live blocks/bytes/handles %" PRId64 "/%" PRId64 "/%" PRId64
        " after the call, %" PRId64 "/%" PRId64 "/%" PRId64 " before (a leak or a double free)",
        name, k, now.blocks, now.bytes, now.handles, s->stats.blocks, s->stats.bytes, s->stats.handles);
  for (int i = 0; i < NIN; i++) {
    if (f->buf[i]) {
      const zbuf_buffer *b = f->buf[i], *m = &s->buf_meta[i];
      if ((int64_t)atomic_load(&((zbuf_buffer *)b)->refs) != s->buf_refs[i] || b->block != m->block ||
          b->offset != m->offset || b->length != m->length)
        zbuf_test_fail(__FILE__, __LINE__, "%s, allocation %" PRId64 " failed: input buf[%d] changed", name,
                       k, i);
    }
    if (f->nd[i]) {
      const zbuf_ndbuffer *a = f->nd[i], *m = &s->nd_meta[i];
      int same = (int64_t)atomic_load(&((zbuf_ndbuffer *)a)->refs) == s->nd_refs[i] && a->block == m->block &&
                 a->offset == m->offset && zbuf_dtype_equal(a->dtype, m->dtype) && a->ndim == m->ndim;
      for (size_t d = 0; same && d < a->ndim; d++)
        same = a->shape[d] == m->shape[d] && a->strides[d] == m->strides[d];
      if (!same)
        zbuf_test_fail(__FILE__, __LINE__, "%s, allocation %" PRId64 " failed: input nd[%d] changed", name, k,
                       i);
    }
  }
  for (int i = 0; i < s->nblocks; i++) {
    const block_shot *x = &s->blocks[i];
    const zbuf__block *b = x->block;
    if ((int64_t)atomic_load(&((zbuf__block *)b)->refs) != x->refs || b->data != x->data ||
        b->size != x->size || !zbuf_device_equal(b->device, x->device))
      zbuf_test_fail(__FILE__, __LINE__, "%s, allocation %" PRId64 " failed: an input's memory block changed",
                     name, k);
    if (x->bytes && memcmp(x->bytes, b->data, b->size) != 0)
      zbuf_test_fail(__FILE__, __LINE__, "%s, allocation %" PRId64 " failed: an input's bytes changed", name,
                     k);
  }
  if (f->tensor && (memcmp(&s->tensor, f->tensor, sizeof s->tensor) != 0 ||
                    memcmp(s->tensor_shape, f->tensor->dl_tensor.shape, sizeof s->tensor_shape) != 0))
    zbuf_test_fail(__FILE__, __LINE__, "%s, allocation %" PRId64 " failed: the input tensor changed", name,
                   k);
  if (atomic_load(&release_calls) != 0 || atomic_load(&deleter_calls) != 0)
    zbuf_test_fail(__FILE__, __LINE__, "%s, allocation %" PRId64 " failed: a release callback or deleter ran",
                   name, k);
}

static void free_snapshot(snapshot *s) {
  for (int i = 0; i < s->nblocks; i++) free(s->blocks[i].bytes);
}

static void teardown(fixture *f) {
  for (int i = 0; i < NIN; i++) {
    zbuf_buffer_release(f->buf[i]);
    zbuf_ndbuffer_release(f->nd[i]);
  }
  if (f->out_buf != SENTINEL) zbuf_buffer_release(f->out_buf);
  if (f->out_nd != SENTINEL) zbuf_ndbuffer_release(f->out_nd);
  if (f->out_tensor != SENTINEL && f->out_tensor != NULL) f->out_tensor->deleter(f->out_tensor);
}

/* One call of c's operation with allocation k armed to fail (k = 0: none). Returns the status; fills
 * *allocations with the number of allocations the call made. Checks everything the header comment lists
 * when the call failed. */
static zbuf_status run_once(const fi_case *c, int64_t k, int with_err, int64_t *allocations) {
  fixture f;
  memset(&f, 0, sizeof f);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
  atomic_store(&release_calls, 0);
  atomic_store(&deleter_calls, 0);
  c->setup(&f);
  f.out_buf = SENTINEL;
  f.out_nd = SENTINEL;
  f.out_tensor = SENTINEL;
  f.out_int = 0x5a5a;
  snapshot s;
  take_snapshot(&f, &s);
  zbuf_error err;
  memset(&err, 0, sizeof err);
  zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
  zbuf_status st = c->op(&f, with_err ? &err : NULL);
  *allocations = zbuf_testing_allocation_count();
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
  if (st != ZBUF_OK) {
    if (st != ZBUF_ENOMEM)
      zbuf_test_fail(__FILE__, __LINE__, "%s, allocation %" PRId64 " failed: returned %s, want ENOMEM (%s)",
                     c->name, k, zbuf_status_name(st), err.message);
    if (with_err) zbuf_test_check_err(__FILE__, __LINE__, c->name, &err, ZBUF_ENOMEM);
    if (f.out_buf != SENTINEL || f.out_nd != SENTINEL || f.out_tensor != SENTINEL || f.out_int != 0x5a5a)
      zbuf_test_fail(__FILE__, __LINE__, "%s, allocation %" PRId64 " failed: *out was written", c->name, k);
    check_unchanged(c->name, k, &f, &s);
  }
  free_snapshot(&s);
  teardown(&f);
  return st;
}

/* Fails allocation 1, 2, ... of c until the operation succeeds; returns how many failures it exercised. */
static int64_t exercise(const fi_case *c) {
  int64_t allocations = 0;
  for (int64_t k = 1; k <= MAX_K; k++) {
    zbuf_status st = run_once(c, k, 1, &allocations);
    if (st == ZBUF_OK) {
      if (allocations >= k)
        zbuf_test_fail(__FILE__, __LINE__, "%s: succeeded although its allocation %" PRId64 " failed",
                       c->name, k);
      return k - 1;
    }
    /* The same failure with err NULL: the status alone must be right, and nothing may write through NULL. */
    ASSERT_INT_EQ(run_once(c, k, 0, &allocations), ZBUF_ENOMEM);
  }
  zbuf_test_fail(__FILE__, __LINE__, "%s: still failing after %d injected failures", c->name, MAX_K);
}

static int available(int needs) {
  if (needs == PINNED_SPACE) return zbuf_device_check(PINNED, NULL) == ZBUF_OK;
  if (needs == CUDA_SPACE) return zbuf_device_check(CUDA0, NULL) == ZBUF_OK;
  return 1;
}

static void exercise_named(const char *name) {
  for (int i = 0; i < NCASES; i++) {
    if (strcmp(cases[i].name, name) != 0) continue;
    if (!available(cases[i].needs)) SKIP("needs a memory space this build or machine does not have");
    int64_t n = exercise(&cases[i]);
    printf("# %s: %" PRId64 " fault points\n", name, n);
    return;
  }
  zbuf_test_fail(__FILE__, __LINE__, "no case named %s", name);
}

#define FAULT_TEST(name) \
  TEST(name##_fails_cleanly_at_every_allocation) { exercise_named(#name); }

FAULT_TEST(buffer_from_bytes)
FAULT_TEST(buffer_create_zero_length)
FAULT_TEST(buffer_wrap)
FAULT_TEST(buffer_from_buffer_same_space)
FAULT_TEST(buffer_from_buffer_to_pinned)
FAULT_TEST(buffer_from_buffer_to_cuda)
FAULT_TEST(buffer_to_host)
FAULT_TEST(buffer_to_host_from_cuda)
FAULT_TEST(buffer_slice)
FAULT_TEST(buffer_combine)
FAULT_TEST(buffer_combine_cross_space)
FAULT_TEST(buffer_set_slice_overlapping)
FAULT_TEST(buffer_set_slice_cross_space)
FAULT_TEST(buffer_equal)
FAULT_TEST(buffer_equal_cross_space)
FAULT_TEST(ndbuffer_create)
FAULT_TEST(ndbuffer_empty)
FAULT_TEST(ndbuffer_from_host_strided)
FAULT_TEST(ndbuffer_wrap)
FAULT_TEST(ndbuffer_from_buffer)
FAULT_TEST(ndbuffer_to_host)
FAULT_TEST(ndbuffer_to_host_from_cuda)
FAULT_TEST(ndbuffer_to_device_same_space)
FAULT_TEST(ndbuffer_to_device_cuda)
FAULT_TEST(ndbuffer_to_bytes_strided)
FAULT_TEST(ndbuffer_as_scalar)
FAULT_TEST(ndbuffer_reshape_view)
FAULT_TEST(ndbuffer_reshape_copy)
FAULT_TEST(ndbuffer_squeeze)
FAULT_TEST(ndbuffer_transpose)
FAULT_TEST(ndbuffer_astype)
FAULT_TEST(ndbuffer_get_item)
FAULT_TEST(ndbuffer_set_item_overlapping)
FAULT_TEST(ndbuffer_set_item_broadcast_cast)
FAULT_TEST(ndbuffer_set_item_cross_space)
FAULT_TEST(ndbuffer_set_item_scalar)
FAULT_TEST(ndbuffer_fill)
FAULT_TEST(ndbuffer_copy)
FAULT_TEST(ndbuffer_all_equal_cast_broadcast)
FAULT_TEST(ndbuffer_all_equal_scalar)
FAULT_TEST(ndbuffer_to_dlpack)
FAULT_TEST(ndbuffer_from_dlpack)

/* A wrapped block's release runs exactly once after a successful wrap: the counting callback is honest. */
TEST(wrap_release_runs_once_after_success) {
  atomic_store(&release_calls, 0);
  zbuf_buffer *b = NULL;
  ASSERT_OK(zbuf_buffer_wrap(ZBUF_CPU, wrapped_bytes, 8, count_release, NULL, &b, NULL), NULL);
  ASSERT_INT_EQ(atomic_load(&release_calls), 0);
  zbuf_buffer_release(b);
  ASSERT_INT_EQ(atomic_load(&release_calls), 1);
}

/* Every case, with the total count of injected failures docs/reliability.md cites. */
TEST(fault_points_total_over_every_operation) {
  int64_t total = 0;
  int ran = 0, skipped = 0;
  for (int i = 0; i < NCASES; i++) {
    if (!available(cases[i].needs)) {
      skipped++;
      continue;
    }
    total += exercise(&cases[i]);
    ran++;
  }
  printf("# fault points: %" PRId64 " (%d operations exercised, %d skipped: memory space not available)\n",
         total, ran, skipped);
  ASSERT(total > 0);
}

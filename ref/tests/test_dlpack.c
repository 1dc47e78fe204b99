/* Unit tests for dlpack.c: exporting NDBuffers as DLPack tensors and importing tensors, with exact
 * accounting of who calls which deleter how often. */
#include <stdatomic.h>

#include "zbuf/dlpack.h"

#include "internal.h"
#include "test.h"
#include "test_util.h"

#define F64 zbuf_dtype_native(ZBUF_FLOAT64)
#define I16 zbuf_dtype_native(ZBUF_INT16)
#define SENTINEL ((zbuf_ndbuffer *)(uintptr_t)0x5a5a)

/* A tensor made by a pretend producer: its deleter counts calls and never frees anything. */
typedef struct producer {
  DLManagedTensor managed;
  int64_t shape[3];
  int64_t strides[3];
  atomic_int deleted;
} producer;

static void producer_deleter(DLManagedTensor *self) {
  producer *p = self->manager_ctx;
  atomic_fetch_add(&p->deleted, 1);
}

/* A CPU tensor over data with ndim axes of the given extents, C-contiguous (strides NULL). */
static void producer_init(producer *p, void *data, int ndim, const int64_t *shape, DLDataType dtype) {
  memset(p, 0, sizeof *p);
  for (int i = 0; i < ndim; i++) p->shape[i] = shape[i];
  p->managed.dl_tensor.data = data;
  p->managed.dl_tensor.device.device_type = kDLCPU;
  p->managed.dl_tensor.device.device_id = 0;
  p->managed.dl_tensor.ndim = ndim;
  p->managed.dl_tensor.dtype = dtype;
  p->managed.dl_tensor.shape = p->shape;
  p->managed.dl_tensor.strides = NULL;
  p->managed.manager_ctx = p;
  p->managed.deleter = producer_deleter;
}

TEST(dlpack_dtype_maps_every_kind) {
  struct {
    zbuf_dtype_kind kind;
    uint8_t code, bits;
  } want[] = {{ZBUF_BOOL, ZBUF_DLPACK_BOOL_CODE, 8},
              {ZBUF_INT8, kDLInt, 8},
              {ZBUF_INT64, kDLInt, 64},
              {ZBUF_UINT16, kDLUInt, 16},
              {ZBUF_UINT64, kDLUInt, 64},
              {ZBUF_FLOAT16, kDLFloat, 16},
              {ZBUF_FLOAT64, kDLFloat, 64},
              {ZBUF_COMPLEX64, kDLComplex, 64},
              {ZBUF_COMPLEX128, kDLComplex, 128}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    DLDataType t = zbuf_dlpack_dtype(want[i].kind);
    ASSERT_UINT_EQ(t.code, want[i].code);
    ASSERT_UINT_EQ(t.bits, want[i].bits);
    ASSERT_UINT_EQ(t.lanes, 1);
  }
  ASSERT_UINT_EQ(zbuf_dlpack_dtype(ZBUF_DTYPE_KIND_COUNT).lanes, 0);
}

TEST(export_shares_memory_with_strides_in_elements) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_empty(ZBUF_CPU, 2, shape, F64, ZBUF_ORDER_F, &a, err), err);
  DLManagedTensor *t = NULL;
  ASSERT_OK(zbuf_ndbuffer_to_dlpack(a, &t, err), err);
  const DLTensor *dl = &t->dl_tensor;
  ASSERT(dl->data == zbuf_ndbuffer_data(a));
  ASSERT_INT_EQ(dl->device.device_type, kDLCPU);
  ASSERT_INT_EQ(dl->device.device_id, 0);
  ASSERT_INT_EQ(dl->ndim, 2);
  ASSERT_UINT_EQ(dl->dtype.code, kDLFloat);
  ASSERT_UINT_EQ(dl->dtype.bits, 64);
  ASSERT_UINT_EQ(dl->dtype.lanes, 1);
  ASSERT_INT_EQ(dl->shape[0], 2);
  ASSERT_INT_EQ(dl->shape[1], 3);
  ASSERT_INT_EQ(dl->strides[0], 1);
  ASSERT_INT_EQ(dl->strides[1], 2);
  ASSERT_UINT_EQ(dl->byte_offset, 0);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 2);
  /* The tensor keeps the memory alive after the array handle is gone. */
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().blocks, 1);
  ((double *)dl->data)[5] = 1.25;
  t->deleter(t);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 0);
  ASSERT_INT_EQ(s.handles, 0);
}

TEST(export_of_a_reversed_view_has_negative_element_strides) {
  zbuf_error e = {0}, *err = &e;
  int16_t src[5] = {0, 1, 2, 3, 4};
  int64_t shape[1] = {5};
  zbuf_ndbuffer *a = NULL, *r = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, src, 1, shape, NULL, I16, &a, err), err);
  zbuf_index rev = ZBUF_RANGE(((zbuf_slice){0, 0, -2, ZBUF_SLICE_HAS_STEP})); /* 4, 2, 0 */
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &rev, &r, err), err);
  DLManagedTensor *t = NULL;
  ASSERT_OK(zbuf_ndbuffer_to_dlpack(r, &t, err), err);
  ASSERT_INT_EQ(t->dl_tensor.strides[0], -2);
  const int16_t *p = t->dl_tensor.data;
  for (int i = 0; i < 3; i++) ASSERT_INT_EQ(p[i * t->dl_tensor.strides[0]], 4 - 2 * i);
  t->deleter(t);
  zbuf_ndbuffer_release(r);
  zbuf_ndbuffer_release(a);
}

TEST(export_rejects_byte_order_and_odd_strides) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {2};
  zbuf_ndbuffer *be = NULL, *odd = NULL;
  zbuf_dtype big = {ZBUF_INT32,
                    zbuf_dtype_is_native((zbuf_dtype){ZBUF_INT32, ZBUF_BIG}) ? ZBUF_LITTLE : ZBUF_BIG};
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, big, ZBUF_ORDER_C, NULL, &be, err), err);
  DLManagedTensor *t = (DLManagedTensor *)(uintptr_t)0x1;
  ASSERT_STATUS(ZBUF_EUNSUPPORTED, zbuf_ndbuffer_to_dlpack(be, &t, err), err);
  /* int16 elements 3 bytes apart: DLPack cannot count that in elements. */
  char mem[8] = {0};
  int64_t strides[1] = {3};
  ASSERT_OK(zbuf_ndbuffer_wrap(ZBUF_CPU, mem, 1, shape, strides, I16, NULL, NULL, &odd, err), err);
  ASSERT_STATUS(ZBUF_EUNSUPPORTED, zbuf_ndbuffer_to_dlpack(odd, &t, err), err);
  ASSERT(strstr(e.message, "strides[0] = 3") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_to_dlpack(NULL, &t, err), err);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_to_dlpack(odd, NULL, err), err);
  ASSERT(t == (DLManagedTensor *)(uintptr_t)0x1);
  zbuf_ndbuffer_release(odd);
  zbuf_ndbuffer_release(be);
}

TEST(export_reports_enomem_and_leaks_nothing) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[1] = {4};
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_create(ZBUF_CPU, 1, shape, F64, ZBUF_ORDER_C, NULL, &a, err), err);
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  DLManagedTensor *t = NULL;
  zbuf_testing_fail_allocation(1, ZBUF_ALLOC_ANY);
  ASSERT_STATUS(ZBUF_ENOMEM, zbuf_ndbuffer_to_dlpack(a, &t, err), err);
  zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
  ASSERT(t == NULL);
  zbuf_alloc_stats now = zbuf_alloc_stats_get();
  ASSERT(now.blocks == before.blocks && now.handles == before.handles);
  zbuf_ndbuffer_release(a);
}

TEST(import_wraps_the_tensor_and_calls_its_deleter_once) {
  zbuf_error e = {0}, *err = &e;
  int16_t mem[6] = {0, 1, 2, 3, 4, 5};
  producer p;
  producer_init(&p, mem, 2, (const int64_t[2]){2, 3}, zbuf_dlpack_dtype(ZBUF_INT16));
  zbuf_ndbuffer *a = NULL, *row = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);
  ASSERT(zbuf_ndbuffer_data(a) == (void *)mem);
  ASSERT(zbuf_dtype_equal(zbuf_ndbuffer_dtype(a), I16));
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[0], 6);
  ASSERT_INT_EQ(zbuf_ndbuffer_strides(a)[1], 2);
  zbuf_index one = ZBUF_AT(1);
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 1, &one, &row, err), err);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(atomic_load(&p.deleted), 0);
  mem[4] = 40;
  int16_t out[3];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(row, out, sizeof out, err), err);
  ASSERT_INT_EQ(out[0], 3);
  ASSERT_INT_EQ(out[1], 40);
  ASSERT_INT_EQ(out[2], 5);
  zbuf_ndbuffer_release(row);
  ASSERT_INT_EQ(atomic_load(&p.deleted), 1);
}

TEST(import_honours_byte_offset_and_negative_strides) {
  zbuf_error e = {0}, *err = &e;
  double mem[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  producer p;
  producer_init(&p, mem, 2, (const int64_t[2]){2, 2}, zbuf_dlpack_dtype(ZBUF_FLOAT64));
  /* Element [0][0] is mem[7] (byte_offset 56); rows step back by 4, columns by 2: t[i][j] = mem[7 - 4i - 2j].
   */
  p.strides[0] = -4;
  p.strides[1] = -2;
  p.managed.dl_tensor.strides = p.strides;
  p.managed.dl_tensor.byte_offset = 56;
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);
  ASSERT(zbuf_ndbuffer_data(a) == (void *)&mem[7]);
  double out[4];
  ASSERT_OK(zbuf_ndbuffer_to_bytes(a, out, sizeof out, err), err);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) ASSERT(out[i * 2 + j] == mem[7 - 4 * i - 2 * j]);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(atomic_load(&p.deleted), 1);
}

TEST(round_trip_export_then_import_shares_memory_and_releases_everything) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[3] = {2, 1, 3};
  uint8_t yes = 1;
  zbuf_ndbuffer *a = NULL, *b = NULL;
  ASSERT_OK(
      zbuf_ndbuffer_create(ZBUF_CPU, 3, shape, zbuf_dtype_native(ZBUF_BOOL), ZBUF_ORDER_F, &yes, &a, err),
      err);
  DLManagedTensor *t = NULL;
  ASSERT_OK(zbuf_ndbuffer_to_dlpack(a, &t, err), err);
  ASSERT_UINT_EQ(t->dl_tensor.dtype.code, ZBUF_DLPACK_BOOL_CODE);
  ASSERT_OK(zbuf_ndbuffer_from_dlpack(t, &b, err), err);
  ASSERT(zbuf_ndbuffer_data(b) == zbuf_ndbuffer_data(a));
  ASSERT(zbuf_dtype_equal(zbuf_ndbuffer_dtype(b), zbuf_ndbuffer_dtype(a)));
  for (int i = 0; i < 3; i++) {
    ASSERT_INT_EQ(zbuf_ndbuffer_shape(b)[i], shape[i]);
    if (shape[i] != 1) ASSERT_INT_EQ(zbuf_ndbuffer_strides(b)[i], zbuf_ndbuffer_strides(a)[i]);
  }
  int eq = -1;
  ASSERT_OK(zbuf_ndbuffer_all_equal(a, b, 0, &eq, err), err);
  ASSERT_INT_EQ(eq, 1);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 2); /* b and the export that b owns */
  zbuf_ndbuffer_release(b);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 0);
  ASSERT_INT_EQ(s.handles, 0);
}

TEST(import_rejects_unsupported_tensors_and_keeps_ownership) {
  zbuf_error e = {0}, *err = &e;
  float mem[4] = {0};
  producer p;
  zbuf_ndbuffer *a = SENTINEL;

  producer_init(&p, mem, 1, (const int64_t[1]){4}, zbuf_dlpack_dtype(ZBUF_FLOAT32));
  p.managed.dl_tensor.dtype.lanes = 2;
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  producer_init(&p, mem, 1, (const int64_t[1]){4}, (DLDataType){kDLBfloat, 16, 1});
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  producer_init(&p, mem, 1, (const int64_t[1]){4}, (DLDataType){kDLFloat, 24, 1});
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  producer_init(&p, mem, 1, (const int64_t[1]){4}, zbuf_dlpack_dtype(ZBUF_FLOAT32));
  p.managed.dl_tensor.device.device_type = kDLOpenCL;
  ASSERT_STATUS(ZBUF_EUNSUPPORTED, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  producer_init(&p, mem, -1, NULL, zbuf_dlpack_dtype(ZBUF_FLOAT32));
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  producer_init(&p, mem, 1, (const int64_t[1]){-4}, zbuf_dlpack_dtype(ZBUF_FLOAT32));
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  producer_init(&p, NULL, 1, (const int64_t[1]){4}, zbuf_dlpack_dtype(ZBUF_FLOAT32));
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_dlpack(NULL, &a, err), err);
  ASSERT(a == SENTINEL);
  ASSERT_INT_EQ(atomic_load(&p.deleted), 0);
}

TEST(import_reports_enomem_without_calling_the_deleter) {
  zbuf_error e = {0}, *err = &e;
  int16_t mem[2] = {7, 8};
  producer p;
  producer_init(&p, mem, 1, (const int64_t[1]){2}, zbuf_dlpack_dtype(ZBUF_INT16));
  zbuf_alloc_stats before = zbuf_alloc_stats_get();
  for (int64_t k = 1;; k++) {
    zbuf_ndbuffer *a = SENTINEL;
    zbuf_testing_fail_allocation(k, ZBUF_ALLOC_ANY);
    zbuf_status st = zbuf_ndbuffer_from_dlpack(&p.managed, &a, err);
    zbuf_testing_fail_allocation(0, ZBUF_ALLOC_ANY);
    if (st == ZBUF_OK) {
      ASSERT(k > 1);
      zbuf_ndbuffer_release(a);
      break;
    }
    ASSERT_FAILED_CLEANLY(st, err, a, SENTINEL, before, k);
    ASSERT_INT_EQ(atomic_load(&p.deleted), 0);
  }
  ASSERT_INT_EQ(atomic_load(&p.deleted), 1);
}

TEST(import_of_an_empty_tensor_still_calls_the_deleter) {
  zbuf_error e = {0}, *err = &e;
  producer p;
  producer_init(&p, NULL, 2, (const int64_t[2]){3, 0}, zbuf_dlpack_dtype(ZBUF_UINT32));
  zbuf_ndbuffer *a = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);
  ASSERT_INT_EQ(zbuf_ndbuffer_size(a), 0);
  zbuf_ndbuffer_release(a);
  ASSERT_INT_EQ(atomic_load(&p.deleted), 1);
}

TEST(import_of_a_cuda_tensor_without_cuda_fails_cleanly) {
  zbuf_device cuda = {ZBUF_DEVICE_CUDA, 0};
  zbuf_status avail = zbuf_device_check(cuda, NULL);
  if (avail == ZBUF_OK) SKIP("a CUDA device is usable here; this test is for machines without one");
  zbuf_error e = {0}, *err = &e;
  producer p;
  producer_init(&p, (void *)(uintptr_t)0x1000, 1, (const int64_t[1]){4}, zbuf_dlpack_dtype(ZBUF_FLOAT32));
  p.managed.dl_tensor.device.device_type = kDLCUDA;
  zbuf_ndbuffer *a = SENTINEL;
  ASSERT_STATUS(avail, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);
  ASSERT(a == SENTINEL);
  ASSERT_INT_EQ(atomic_load(&p.deleted), 0);
  ASSERT_INT_EQ(zbuf_alloc_stats_get().handles, 0);
}

TEST(round_trip_of_a_negative_stride_view_imports_its_own_export) {
  zbuf_error e = {0}, *err = &e;
  int64_t shape[2] = {2, 3};
  int32_t vals[6] = {0, 1, 2, 3, 4, 5};
  zbuf_ndbuffer *a = NULL, *r = NULL, *b = NULL;
  ASSERT_OK(zbuf_ndbuffer_from_host(ZBUF_CPU, vals, 2, shape, NULL, zbuf_dtype_native(ZBUF_INT32), &a, err),
            err);
  /* r = a[::-1, ::-2]: element [0][0] is a[1][2]; the other elements lie before it in memory. */
  zbuf_index idx[2] = {ZBUF_RANGE(((zbuf_slice){0, 0, -1, ZBUF_SLICE_HAS_STEP})),
                       ZBUF_RANGE(((zbuf_slice){0, 0, -2, ZBUF_SLICE_HAS_STEP}))};
  ASSERT_OK(zbuf_ndbuffer_get_item(a, 2, idx, &r, err), err);
  DLManagedTensor *t = NULL;
  ASSERT_OK(zbuf_ndbuffer_to_dlpack(r, &t, err), err);
  ASSERT_OK(zbuf_ndbuffer_from_dlpack(t, &b, err), err);
  int32_t got[4], want[4] = {5, 3, 2, 0};
  ASSERT_OK(zbuf_ndbuffer_to_bytes(b, got, sizeof got, err), err);
  ASSERT_MEM_EQ(got, want, sizeof want);
  zbuf_ndbuffer_release(b);
  zbuf_ndbuffer_release(r);
  zbuf_ndbuffer_release(a);
}

/* Found by fuzz_bad_args (UBSan: pointer overflow): strides or a byte_offset that place elements outside the
 * address space (below address 0, or past its end) are refused, without computing the out-of-range pointer. */
TEST(import_rejects_tensors_whose_elements_leave_the_address_space) {
  zbuf_error e = {0}, *err = &e;
  int8_t mem[4] = {0};
  producer p;
  zbuf_ndbuffer *a = SENTINEL;

  /* element 1 would lie 2^62 bytes below element 0, which is a user-space address well below 2^62 */
  producer_init(&p, mem, 1, (const int64_t[1]){2}, zbuf_dlpack_dtype(ZBUF_INT8));
  p.strides[0] = -((int64_t)1 << 62);
  p.managed.dl_tensor.strides = p.strides;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  /* upwards: data + byte_offset + (INT64_MAX - 1) is past the end of a 64-bit address space */
  producer_init(&p, mem, 1, (const int64_t[1]){2}, zbuf_dlpack_dtype(ZBUF_INT8));
  p.strides[0] = INT64_MAX - 1;
  p.managed.dl_tensor.strides = p.strides;
  p.managed.dl_tensor.byte_offset = (uint64_t)INT64_MAX;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_ndbuffer_from_dlpack(&p.managed, &a, err), err);

  ASSERT(a == SENTINEL);
  ASSERT_INT_EQ(atomic_load(&p.deleted), 0);
}

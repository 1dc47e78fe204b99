/* zbuf Python adapter: NDBuffer and DLPack operations. Each one takes the GIL, calls the Python half's method
 * of the same name (which calls one Zarr NDBuffer method) and wraps the answer; see pyadapter_ops.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyadapter.h"

#define GIL_BEGIN PyGILState_STATE zbuf__gil = zbuf__py_gil_take()
#define GIL_END PyGILState_Release(zbuf__gil)
#define OBJ(a) (((const zbuf__pyhandle *)(a))->obj)

/* The order as NumPy spells it. A value outside the enum goes to Zarr as text that NumPy refuses, so that the
 * error (ValueError: order must be one of ...) is Zarr's own, not the adapter's. */
static const char *zbuf__py_order(zbuf_order order, char buf[32]) {
  if (order == ZBUF_ORDER_C) return "C";
  if (order == ZBUF_ORDER_F) return "F";
  snprintf(buf, 32, "zbuf_order(%d)", (int)order);
  return buf;
}

static zbuf_status zbuf__py_out_nd(zbuf_status st, PyObject *obj, zbuf_impl_ndbuffer **out, zbuf_error *err,
                                   const char *op) {
  if (st != ZBUF_OK) return st;
  zbuf__pyhandle *h = zbuf__py_handle_new(obj);
  if (h == NULL) return zbuf__py_error(err, ZBUF_ENOMEM, "%s: out of memory for the handle", op);
  *out = (zbuf_impl_ndbuffer *)h;
  return ZBUF_OK;
}

/* A shape or axes argument: a tuple, or None when the C caller passed NULL / 0 entries and none_if_empty. */
static PyObject *zbuf__py_axes(size_t n, const int64_t *values, int none_if_empty) {
  if (none_if_empty && (values == NULL || n == 0)) Py_RETURN_NONE;
  return zbuf__py_tuple_i64(n, values);
}

#define CHECK_OUT(op) \
  if (out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, op ": out is NULL")
#define CHECK_SHAPE(op)          \
  if (shape == NULL && ndim > 0) \
  return zbuf__py_error(err, ZBUF_EINVAL, op ": shape is NULL but ndim = %zu", ndim)

static zbuf_status zbuf__py_nd_create(const zbuf_impl *self, DLDevice device, size_t ndim,
                                      const int64_t *shape, const char *dtype, zbuf_order order,
                                      const void *fill_value, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  CHECK_OUT("ndbuffer_create");
  CHECK_SHAPE("ndbuffer_create");
  char order_text[32];
  GIL_BEGIN;
  PyObject *r = NULL, *fill = fill_value ? PyLong_FromVoidPtr((void *)fill_value) : Py_NewRef(Py_None);
  zbuf_status st = zbuf__py_call(self, err, &r, "ndbuffer_create", "(iNssN)", (int)device.device_type,
                                 zbuf__py_tuple_i64(ndim, shape), dtype ? dtype : "",
                                 zbuf__py_order(order, order_text), fill);
  st = zbuf__py_out_nd(st, r, out, err, "ndbuffer_create");
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_empty(const zbuf_impl *self, DLDevice device, size_t ndim,
                                     const int64_t *shape, const char *dtype, zbuf_order order,
                                     zbuf_impl_ndbuffer **out, zbuf_error *err) {
  CHECK_OUT("ndbuffer_empty");
  CHECK_SHAPE("ndbuffer_empty");
  char order_text[32];
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st =
      zbuf__py_call(self, err, &r, "ndbuffer_empty", "(iNss)", (int)device.device_type,
                    zbuf__py_tuple_i64(ndim, shape), dtype ? dtype : "", zbuf__py_order(order, order_text));
  st = zbuf__py_out_nd(st, r, out, err, "ndbuffer_empty");
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_from_host(const zbuf_impl *self, DLDevice device, const void *data,
                                         size_t ndim, const int64_t *shape, const int64_t *strides,
                                         const char *dtype, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  CHECK_OUT("ndbuffer_from_host");
  CHECK_SHAPE("ndbuffer_from_host");
  if (data == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_from_host: data is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "ndbuffer_from_host", "(iNNNs)", (int)device.device_type,
                                 PyLong_FromVoidPtr((void *)data), zbuf__py_tuple_i64(ndim, shape),
                                 zbuf__py_axes(ndim, strides, strides == NULL), dtype ? dtype : "");
  st = zbuf__py_out_nd(st, r, out, err, "ndbuffer_from_host");
  GIL_END;
  return st;
}

/* Reads an int64 tuple into the handle's cache. */
static int zbuf__py_read_i64s(PyObject *tuple, int64_t *dst, Py_ssize_t n) {
  for (Py_ssize_t i = 0; i < n; i++) {
    dst[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(tuple, i));
    if (dst[i] == -1 && PyErr_Occurred()) return -1;
  }
  return 0;
}

static zbuf_status zbuf__py_nd_info(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, zbuf_impl_ndinfo *out,
                                    zbuf_error *err) {
  if (a == NULL || out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_info: a or out is NULL");
  zbuf__pyhandle *h =
      (zbuf__pyhandle *)a; /* the cache is written under the GIL; the metadata never changes */
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "ndbuffer_info", "(O)", h->obj);
  if (st == ZBUF_OK) {
    const char *dtype = NULL;
    PyObject *shape = NULL, *strides = NULL;
    unsigned long long addr = 0;
    int type = 0, id = 0;
    if (!PyArg_ParseTuple(r, "sO!O!Kii", &dtype, &PyTuple_Type, &shape, &PyTuple_Type, &strides, &addr, &type,
                          &id)) {
      st = zbuf__py_error_from_exception(err, "ndbuffer_info");
    } else if (strlen(dtype) >= sizeof h->dtype || PyTuple_GET_SIZE(strides) != PyTuple_GET_SIZE(shape)) {
      st = zbuf__py_error(err, ZBUF_ETYPE, "ndbuffer_info: dtype '%s' is longer than the ABI's 7 characters",
                          dtype);
    } else {
      /* Filled once: the metadata never changes, and other threads may be reading the arrays handed out. */
      Py_ssize_t n = PyTuple_GET_SIZE(shape);
      int64_t *dims = h->dims != NULL ? NULL : malloc(sizeof *dims * (size_t)(2 * n + 1));
      if (h->dims == NULL && dims == NULL) {
        st = zbuf__py_error(err, ZBUF_ENOMEM, "ndbuffer_info: out of memory for %zd dimensions", n);
      } else if (dims != NULL &&
                 (zbuf__py_read_i64s(shape, dims, n) != 0 || zbuf__py_read_i64s(strides, dims + n, n) != 0)) {
        free(dims);
        st = zbuf__py_error_from_exception(err, "ndbuffer_info");
      } else {
        if (dims != NULL) {
          snprintf(h->dtype, sizeof h->dtype, "%s", dtype);
          h->ndim = (int32_t)n;
          h->dims = dims;
        }
        n = h->ndim;
        memcpy(out->dtype, h->dtype, sizeof out->dtype);
        out->ndim = h->ndim;
        out->shape = h->dims;
        out->strides = h->dims + n;
        out->data = (void *)(uintptr_t)addr;
        out->device = (DLDevice){(DLDeviceType)type, id};
      }
    }
    Py_DECREF(r);
  }
  GIL_END;
  return st;
}

/* Operations answering bytes into caller memory: to_bytes, as_scalar. */
static zbuf_status zbuf__py_nd_bytes(const zbuf_impl *self, const char *op, const zbuf_impl_ndbuffer *a,
                                     void *dst, size_t dst_size, zbuf_error *err) {
  if (a == NULL || (dst == NULL && dst_size > 0))
    return zbuf__py_error(err, ZBUF_EINVAL, "%s: a or dst is NULL", op);
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, op, "(O)", OBJ(a));
  if (st == ZBUF_OK) {
    st = zbuf__py_copy_bytes(r, dst, dst_size, err, op);
    Py_DECREF(r);
  }
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_to_bytes(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, void *dst,
                                        size_t dst_size, zbuf_error *err) {
  return zbuf__py_nd_bytes(self, "ndbuffer_to_bytes", a, dst, dst_size, err);
}

static zbuf_status zbuf__py_nd_as_scalar(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, void *out,
                                         size_t out_size, zbuf_error *err) {
  return zbuf__py_nd_bytes(self, "ndbuffer_as_scalar", a, out, out_size, err);
}

/* Operations taking one array and answering a new one: to_host, copy. */
static zbuf_status zbuf__py_nd_unary(const zbuf_impl *self, const char *op, const zbuf_impl_ndbuffer *a,
                                     zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (a == NULL || out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "%s: a or out is NULL", op);
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, op, "(O)", OBJ(a));
  st = zbuf__py_out_nd(st, r, out, err, op); /* two statements: r is set by the call */
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_to_host(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                       zbuf_impl_ndbuffer **out, zbuf_error *err) {
  return zbuf__py_nd_unary(self, "ndbuffer_to_host", a, out, err);
}

static zbuf_status zbuf__py_nd_copy(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                    zbuf_impl_ndbuffer **out, zbuf_error *err) {
  return zbuf__py_nd_unary(self, "ndbuffer_copy", a, out, err);
}

/* Operations taking one array and one Python argument (stolen) and answering a new array. */
static zbuf_status zbuf__py_nd_with(const zbuf_impl *self, const char *op, const zbuf_impl_ndbuffer *a,
                                    PyObject *arg, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, op, "(ON)", OBJ(a), arg);
  return zbuf__py_out_nd(st, r, out, err, op);
}

static zbuf_status zbuf__py_nd_to_device(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, DLDevice device,
                                         zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (a == NULL || out == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_to_device: a or out is NULL");
  GIL_BEGIN;
  zbuf_status st =
      zbuf__py_nd_with(self, "ndbuffer_to_device", a, PyLong_FromLong((long)device.device_type), out, err);
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_reshape(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t ndim,
                                       const int64_t *shape, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (a == NULL || out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_reshape: a or out is NULL");
  CHECK_SHAPE("ndbuffer_reshape");
  GIL_BEGIN;
  zbuf_status st = zbuf__py_nd_with(self, "ndbuffer_reshape", a, zbuf__py_tuple_i64(ndim, shape), out, err);
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_squeeze(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t naxes,
                                       const int64_t *axes, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (a == NULL || out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_squeeze: a or out is NULL");
  GIL_BEGIN;
  zbuf_status st = zbuf__py_nd_with(self, "ndbuffer_squeeze", a, zbuf__py_axes(naxes, axes, 1), out, err);
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_astype(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, const char *dtype,
                                      zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (a == NULL || out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_astype: a or out is NULL");
  GIL_BEGIN;
  zbuf_status st =
      zbuf__py_nd_with(self, "ndbuffer_astype", a, PyUnicode_FromString(dtype ? dtype : ""), out, err);
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_transpose(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t naxes,
                                         const int64_t *axes, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (a == NULL || out == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_transpose: a or out is NULL");
  GIL_BEGIN;
  zbuf_status st = zbuf__py_nd_with(self, "ndbuffer_transpose", a, zbuf__py_axes(naxes, axes, 1), out, err);
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_get_item(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t nidx,
                                        const zbuf_index *idx, zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (a == NULL || out == NULL || (idx == NULL && nidx > 0))
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_get_item: a, idx or out is NULL");
  GIL_BEGIN;
  zbuf_status st = zbuf__py_nd_with(self, "ndbuffer_get_item", a, zbuf__py_index_tuple(nidx, idx), out, err);
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_set_item(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, size_t nidx,
                                        const zbuf_index *idx, const zbuf_impl_ndbuffer *value,
                                        zbuf_error *err) {
  if (dst == NULL || value == NULL || (idx == NULL && nidx > 0))
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_set_item: dst, idx or value is NULL");
  GIL_BEGIN;
  zbuf_status st = zbuf__py_call(self, err, NULL, "ndbuffer_set_item", "(ONO)", OBJ(dst),
                                 zbuf__py_index_tuple(nidx, idx), OBJ(value));
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_set_item_scalar(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, size_t nidx,
                                               const zbuf_index *idx, const void *value, zbuf_error *err) {
  if (dst == NULL || value == NULL || (idx == NULL && nidx > 0))
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_set_item_scalar: dst, idx or value is NULL");
  GIL_BEGIN;
  zbuf_status st = zbuf__py_call(self, err, NULL, "ndbuffer_set_item_scalar", "(ONN)", OBJ(dst),
                                 zbuf__py_index_tuple(nidx, idx), PyLong_FromVoidPtr((void *)value));
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_fill(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, const void *value,
                                    zbuf_error *err) {
  if (dst == NULL || value == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_fill: dst or value is NULL");
  GIL_BEGIN;
  zbuf_status st =
      zbuf__py_call(self, err, NULL, "ndbuffer_fill", "(ON)", OBJ(dst), PyLong_FromVoidPtr((void *)value));
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_equal_answer(zbuf_status st, PyObject *r, int *equal) {
  if (st == ZBUF_OK) {
    *equal = PyObject_IsTrue(r) == 1;
    Py_DECREF(r);
  }
  return st;
}

static zbuf_status zbuf__py_nd_all_equal_scalar(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                                const void *value, int equal_nan, int *equal,
                                                zbuf_error *err) {
  if (a == NULL || value == NULL || equal == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_all_equal_scalar: a, value or equal is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "ndbuffer_all_equal_scalar", "(ONi)", OBJ(a),
                                 PyLong_FromVoidPtr((void *)value), equal_nan);
  st = zbuf__py_nd_equal_answer(st, r, equal);
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_nd_all_equal(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                         const zbuf_impl_ndbuffer *b, int equal_nan, int *equal,
                                         zbuf_error *err) {
  if (a == NULL || b == NULL || equal == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_all_equal: a, b or equal is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "ndbuffer_all_equal", "(OOi)", OBJ(a), OBJ(b), equal_nan);
  st = zbuf__py_nd_equal_answer(st, r, equal);
  GIL_END;
  return st;
}

static zbuf_impl_ndbuffer *zbuf__py_nd_retain(const zbuf_impl *self, zbuf_impl_ndbuffer *a) {
  (void)self;
  return (zbuf_impl_ndbuffer *)zbuf__py_handle_retain((zbuf__pyhandle *)a);
}

static void zbuf__py_nd_release(const zbuf_impl *self, zbuf_impl_ndbuffer *a) {
  (void)self;
  zbuf__py_handle_release((zbuf__pyhandle *)a);
}

/* ---- DLPack: the array's own __dlpack__ out, numpy/cupy.from_dlpack in; no copy either way ---- */

static zbuf_status zbuf__py_nd_to_dlpack(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                         DLManagedTensor **out, zbuf_error *err) {
  if (a == NULL || out == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_to_dlpack: a or out is NULL");
  GIL_BEGIN;
  PyObject *capsule = NULL;
  zbuf_status st = zbuf__py_call(self, err, &capsule, "ndbuffer_to_dlpack", "(O)", OBJ(a));
  if (st == ZBUF_OK) {
    DLManagedTensor *t = PyCapsule_GetPointer(capsule, "dltensor");
    /* Renaming marks the capsule consumed, so that its destructor leaves the tensor to our caller, whose
     * deleter call (NumPy's takes the GIL itself) releases the array. */
    if (t == NULL || PyCapsule_SetName(capsule, "used_dltensor") != 0) {
      st = zbuf__py_error_from_exception(err, "ndbuffer_to_dlpack");
    } else {
      *out = t;
    }
    Py_DECREF(capsule);
  }
  GIL_END;
  return st;
}

/* DLPack 1.0's versioned tensor. The ABI hands in the unversioned DLManagedTensor, whose consumers cannot
 * know whether the memory may be written: NumPy then makes a read-only array. DLPack 1.0 says it with a flag,
 * so the tensor is passed on in the versioned form with no READ_ONLY flag, which is what the C caller's
 * tensor means. Declared here because the system's dlpack.h (0.6) predates it; the layout is fixed by the
 * DLPack 1.0 ABI (version, manager_ctx, deleter, flags, then the same DLTensor). */
typedef struct zbuf__dlversion {
  uint32_t major;
  uint32_t minor;
} zbuf__dlversion;
typedef struct zbuf__dlversioned {
  zbuf__dlversion version;
  void *manager_ctx; /* the caller's DLManagedTensor */
  void (*deleter)(struct zbuf__dlversioned *self);
  uint64_t flags;
  DLTensor dl_tensor;
} zbuf__dlversioned;

/* The consumer is done: the caller's tensor gets its deleter call, exactly once. */
static void zbuf__py_dlversioned_deleter(zbuf__dlversioned *v) {
  DLManagedTensor *t = v->manager_ctx;
  if (t != NULL && t->deleter != NULL) t->deleter(t);
  free(v);
}

/* Destructor of a capsule we made for from_dlpack: a capsule nobody consumed still owns its tensor. */
static void zbuf__py_capsule_destructor(PyObject *capsule) {
  if (!PyCapsule_IsValid(capsule, "dltensor_versioned")) return;
  zbuf__dlversioned *v = PyCapsule_GetPointer(capsule, "dltensor_versioned");
  if (v != NULL) v->deleter(v);
}

static zbuf_status zbuf__py_nd_from_dlpack(const zbuf_impl *self, DLManagedTensor *tensor,
                                           zbuf_impl_ndbuffer **out, zbuf_error *err) {
  if (tensor == NULL || out == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "ndbuffer_from_dlpack: tensor or out is NULL");
  zbuf__dlversioned *v = malloc(sizeof *v);
  if (v == NULL) return zbuf__py_error(err, ZBUF_ENOMEM, "ndbuffer_from_dlpack: out of memory");
  v->version = (zbuf__dlversion){1, 0};
  v->manager_ctx = tensor;
  v->deleter = zbuf__py_dlversioned_deleter;
  v->flags = 0;
  v->dl_tensor = tensor->dl_tensor;
  GIL_BEGIN;
  zbuf_status st;
  PyObject *capsule = PyCapsule_New(v, "dltensor_versioned", zbuf__py_capsule_destructor);
  if (capsule == NULL) {
    free(v);
    st = zbuf__py_error_from_exception(err, "ndbuffer_from_dlpack");
  } else {
    PyObject *r = NULL;
    st = zbuf__py_call(self, err, &r, "ndbuffer_from_dlpack", "(Oii)", capsule,
                       (int)tensor->dl_tensor.device.device_type, (int)tensor->dl_tensor.device.device_id);
    /* On failure the caller keeps the tensor: an unconsumed capsule must not delete it. (Once NumPy consumed
     * it, the array owns it; a failure after that point cannot give it back.) */
    if (st != ZBUF_OK && PyCapsule_IsValid(capsule, "dltensor_versioned")) {
      (void)PyCapsule_SetName(capsule, "zbuf_returned");
      free(v);
    }
    Py_DECREF(capsule);
    if (st == ZBUF_OK) st = zbuf__py_out_nd(st, r, out, err, "ndbuffer_from_dlpack");
  }
  GIL_END;
  return st;
}

void zbuf__py_ndbuffer_ops(zbuf_impl *t) {
  t->ndbuffer_create = zbuf__py_nd_create;
  t->ndbuffer_empty = zbuf__py_nd_empty;
  t->ndbuffer_from_host = zbuf__py_nd_from_host;
  t->ndbuffer_info = zbuf__py_nd_info;
  t->ndbuffer_to_bytes = zbuf__py_nd_to_bytes;
  t->ndbuffer_to_host = zbuf__py_nd_to_host;
  t->ndbuffer_to_device = zbuf__py_nd_to_device;
  t->ndbuffer_as_scalar = zbuf__py_nd_as_scalar;
  t->ndbuffer_reshape = zbuf__py_nd_reshape;
  t->ndbuffer_squeeze = zbuf__py_nd_squeeze;
  t->ndbuffer_astype = zbuf__py_nd_astype;
  t->ndbuffer_transpose = zbuf__py_nd_transpose;
  t->ndbuffer_get_item = zbuf__py_nd_get_item;
  t->ndbuffer_set_item = zbuf__py_nd_set_item;
  t->ndbuffer_set_item_scalar = zbuf__py_nd_set_item_scalar;
  t->ndbuffer_fill = zbuf__py_nd_fill;
  t->ndbuffer_copy = zbuf__py_nd_copy;
  t->ndbuffer_all_equal_scalar = zbuf__py_nd_all_equal_scalar;
  t->ndbuffer_all_equal = zbuf__py_nd_all_equal;
  t->ndbuffer_retain = zbuf__py_nd_retain;
  t->ndbuffer_release = zbuf__py_nd_release;
  t->ndbuffer_to_dlpack = zbuf__py_nd_to_dlpack;
  t->ndbuffer_from_dlpack = zbuf__py_nd_from_dlpack;
}

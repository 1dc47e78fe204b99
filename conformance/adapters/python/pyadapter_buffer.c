/* zbuf Python adapter: Buffer operations. Each one takes the GIL, calls the Python half's method of the same
 * name (which calls one Zarr Buffer method) and wraps the answer; see pyadapter_ops.py for the mapping. */
#include "pyadapter.h"

#define GIL_BEGIN PyGILState_STATE zbuf__gil = zbuf__py_gil_take()
#define GIL_END PyGILState_Release(zbuf__gil)
#define HANDLE(b) (((const zbuf__pyhandle *)(b))->obj)

/* Wraps a new Python Buffer in a handle. */
static zbuf_status zbuf__py_out_buffer(PyObject *obj, zbuf_impl_buffer **out, zbuf_error *err,
                                       const char *op) {
  zbuf__pyhandle *h = zbuf__py_handle_new(obj);
  if (h == NULL) return zbuf__py_error(err, ZBUF_ENOMEM, "%s: out of memory for the handle", op);
  *out = (zbuf_impl_buffer *)h;
  return ZBUF_OK;
}

static zbuf_status zbuf__py_buffer_create_zero_length(const zbuf_impl *self, DLDevice device,
                                                      zbuf_impl_buffer **out, zbuf_error *err) {
  if (out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "buffer_create_zero_length: out is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "buffer_create_zero_length", "(i)", (int)device.device_type);
  if (st == ZBUF_OK) st = zbuf__py_out_buffer(r, out, err, "buffer_create_zero_length");
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_from_bytes(const zbuf_impl *self, DLDevice device, const void *data,
                                              size_t size, zbuf_impl_buffer **out, zbuf_error *err) {
  if (out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "buffer_from_bytes: out is NULL");
  if (data == NULL && size > 0)
    return zbuf__py_error(err, ZBUF_EINVAL, "buffer_from_bytes: data is NULL but size = %zu", size);
  /* No Python object can hold more than PY_SSIZE_T_MAX bytes, so no Python caller can pass them to Zarr. */
  if (size > (size_t)PY_SSIZE_T_MAX)
    return zbuf__py_error(err, ZBUF_EINVAL,
                          "buffer_from_bytes: size = %zu is more than a Python object can hold", size);
  GIL_BEGIN;
  PyObject *r = NULL;
  /* The caller's bytes become a bytearray: the copy a Python caller makes to hold C memory (see the ops). */
  zbuf_status st = zbuf__py_call(self, err, &r, "buffer_from_bytes", "(iN)", (int)device.device_type,
                                 PyByteArray_FromStringAndSize(size ? data : "", (Py_ssize_t)size));
  if (st == ZBUF_OK) st = zbuf__py_out_buffer(r, out, err, "buffer_from_bytes");
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_wrap(const zbuf_impl *self, DLDevice device, void *data, size_t size,
                                        zbuf_impl_release_fn release, void *ctx, zbuf_impl_buffer **out,
                                        zbuf_error *err) {
  if (out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "buffer_wrap: out is NULL");
  if (data == NULL && size > 0)
    return zbuf__py_error(err, ZBUF_EINVAL, "buffer_wrap: data is NULL but size = %zu", size);
  GIL_BEGIN;
  zbuf_status st;
  PyObject *mem = zbuf__py_hostmem_new(data, size, release, ctx);
  if (mem == NULL) {
    st = zbuf__py_error_from_exception(err, "buffer_wrap");
  } else {
    PyObject *r = NULL;
    st = zbuf__py_call(self, err, &r, "buffer_wrap", "(iOKn)", (int)device.device_type, mem,
                       (unsigned long long)(uintptr_t)data, (Py_ssize_t)size);
    /* On failure the caller keeps the memory: whatever Python still holds must not call release. */
    if (st != ZBUF_OK) zbuf__py_hostmem_disarm(mem);
    Py_DECREF(mem);
    if (st == ZBUF_OK) st = zbuf__py_out_buffer(r, out, err, "buffer_wrap");
  }
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_from_buffer(const zbuf_impl *self, DLDevice device,
                                               const zbuf_impl_buffer *src, zbuf_impl_buffer **out,
                                               zbuf_error *err) {
  if (out == NULL || src == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "buffer_from_buffer: src or out is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st =
      zbuf__py_call(self, err, &r, "buffer_from_buffer", "(iO)", (int)device.device_type, HANDLE(src));
  if (st == ZBUF_OK) st = zbuf__py_out_buffer(r, out, err, "buffer_from_buffer");
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_info(const zbuf_impl *self, const zbuf_impl_buffer *buf, void **data,
                                        size_t *length, DLDevice *device, zbuf_error *err) {
  if (buf == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "buffer_info: buf is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "buffer_info", "(O)", HANDLE(buf));
  if (st == ZBUF_OK) {
    unsigned long long addr = 0;
    Py_ssize_t n = 0;
    int type = 0, id = 0;
    if (!PyArg_ParseTuple(r, "Knii", &addr, &n, &type, &id)) {
      st = zbuf__py_error_from_exception(err, "buffer_info");
    } else {
      /* The address the array reports, even for a zero-length buffer: the adapter does not second-guess it.
       */
      if (data != NULL) *data = (void *)(uintptr_t)addr;
      if (length != NULL) *length = (size_t)n;
      if (device != NULL) *device = (DLDevice){(DLDeviceType)type, id};
    }
    Py_DECREF(r);
  }
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_to_bytes(const zbuf_impl *self, const zbuf_impl_buffer *buf, void *dst,
                                            size_t dst_size, zbuf_error *err) {
  if (buf == NULL || (dst == NULL && dst_size > 0))
    return zbuf__py_error(err, ZBUF_EINVAL, "buffer_to_bytes: buf or dst is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "buffer_to_bytes", "(O)", HANDLE(buf));
  if (st == ZBUF_OK) {
    st = zbuf__py_copy_bytes(r, dst, dst_size, err, "buffer_to_bytes");
    Py_DECREF(r);
  }
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_to_host(const zbuf_impl *self, const zbuf_impl_buffer *buf,
                                           zbuf_impl_buffer **out, zbuf_error *err) {
  if (buf == NULL || out == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "buffer_to_host: buf or out is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "buffer_to_host", "(O)", HANDLE(buf));
  if (st == ZBUF_OK) st = zbuf__py_out_buffer(r, out, err, "buffer_to_host");
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_slice(const zbuf_impl *self, const zbuf_impl_buffer *buf, zbuf_slice key,
                                         zbuf_impl_buffer **out, zbuf_error *err) {
  if (buf == NULL || out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "buffer_slice: buf or out is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "buffer_slice", "(ONNN)", HANDLE(buf),
                                 zbuf__py_optional_i64(key.given & ZBUF_SLICE_HAS_START, key.start),
                                 zbuf__py_optional_i64(key.given & ZBUF_SLICE_HAS_STOP, key.stop),
                                 zbuf__py_optional_i64(key.given & ZBUF_SLICE_HAS_STEP, key.step));
  if (st == ZBUF_OK) st = zbuf__py_out_buffer(r, out, err, "buffer_slice");
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_set_slice(const zbuf_impl *self, zbuf_impl_buffer *dst, zbuf_slice key,
                                             const zbuf_impl_buffer *value, zbuf_error *err) {
  if (dst == NULL || value == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "buffer_set_slice: dst or value is NULL");
  GIL_BEGIN;
  zbuf_status st =
      zbuf__py_call(self, err, NULL, "buffer_set_slice", "(ONNNO)", HANDLE(dst),
                    zbuf__py_optional_i64(key.given & ZBUF_SLICE_HAS_START, key.start),
                    zbuf__py_optional_i64(key.given & ZBUF_SLICE_HAS_STOP, key.stop),
                    zbuf__py_optional_i64(key.given & ZBUF_SLICE_HAS_STEP, key.step), HANDLE(value));
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_combine(const zbuf_impl *self, const zbuf_impl_buffer *const *parts,
                                           size_t n, zbuf_impl_buffer **out, zbuf_error *err) {
  if (out == NULL || (parts == NULL && n > 0))
    return zbuf__py_error(err, ZBUF_EINVAL, "buffer_combine: parts or out is NULL");
  /* combine is a method of the first part: with no part there is nothing to call it on. */
  if (n == 0) return zbuf__py_error(err, ZBUF_EINVAL, "buffer_combine: n = 0, need at least one part");
  for (size_t i = 0; i < n; i++)
    if (parts[i] == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "buffer_combine: parts[%zu] is NULL", i);
  GIL_BEGIN;
  zbuf_status st;
  PyObject *list = PyList_New((Py_ssize_t)n);
  if (list == NULL) {
    st = zbuf__py_error_from_exception(err, "buffer_combine");
  } else {
    for (size_t i = 0; i < n; i++) {
      Py_INCREF(HANDLE(parts[i]));
      PyList_SET_ITEM(list, (Py_ssize_t)i, HANDLE(parts[i]));
    }
    PyObject *r = NULL;
    st = zbuf__py_call(self, err, &r, "buffer_combine", "(N)", list);
    if (st == ZBUF_OK) st = zbuf__py_out_buffer(r, out, err, "buffer_combine");
  }
  GIL_END;
  return st;
}

static zbuf_status zbuf__py_buffer_equal(const zbuf_impl *self, const zbuf_impl_buffer *a,
                                         const zbuf_impl_buffer *b, int *equal, zbuf_error *err) {
  if (a == NULL || b == NULL || equal == NULL)
    return zbuf__py_error(err, ZBUF_EINVAL, "buffer_equal: a, b or equal is NULL");
  GIL_BEGIN;
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "buffer_equal", "(OO)", HANDLE(a), HANDLE(b));
  if (st == ZBUF_OK) {
    *equal = PyObject_IsTrue(r) == 1;
    Py_DECREF(r);
  }
  GIL_END;
  return st;
}

static zbuf_impl_buffer *zbuf__py_buffer_retain(const zbuf_impl *self, zbuf_impl_buffer *buf) {
  (void)self;
  return (zbuf_impl_buffer *)zbuf__py_handle_retain((zbuf__pyhandle *)buf);
}

static void zbuf__py_buffer_release(const zbuf_impl *self, zbuf_impl_buffer *buf) {
  (void)self;
  zbuf__py_handle_release((zbuf__pyhandle *)buf);
}

void zbuf__py_buffer_ops(zbuf_impl *t) {
  t->buffer_create_zero_length = zbuf__py_buffer_create_zero_length;
  t->buffer_from_bytes = zbuf__py_buffer_from_bytes;
  t->buffer_wrap = zbuf__py_buffer_wrap;
  t->buffer_from_buffer = zbuf__py_buffer_from_buffer;
  t->buffer_info = zbuf__py_buffer_info;
  t->buffer_to_bytes = zbuf__py_buffer_to_bytes;
  t->buffer_to_host = zbuf__py_buffer_to_host;
  t->buffer_slice = zbuf__py_buffer_slice;
  t->buffer_set_slice = zbuf__py_buffer_set_slice;
  t->buffer_combine = zbuf__py_buffer_combine;
  t->buffer_equal = zbuf__py_buffer_equal;
  t->buffer_retain = zbuf__py_buffer_retain;
  t->buffer_release = zbuf__py_buffer_release;
}

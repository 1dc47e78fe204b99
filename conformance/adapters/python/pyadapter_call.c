/* zbuf Python adapter: calling into the Python half, errors, handles and argument conversion. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyadapter.h"

static atomic_long zbuf__py_handles = 0;
static pthread_mutex_t zbuf__py_gil_gate = PTHREAD_MUTEX_INITIALIZER;

PyGILState_STATE zbuf__py_gil_take(void) {
  if (PyGILState_Check()) return PyGILState_Ensure(); /* ours already: re-entry from a callback */
  pthread_mutex_lock(&zbuf__py_gil_gate);
  PyGILState_STATE gil = PyGILState_Ensure();
  pthread_mutex_unlock(&zbuf__py_gil_gate);
  return gil;
}

zbuf_status zbuf__py_error(zbuf_error *err, zbuf_status code, const char *fmt, ...) {
  if (err != NULL) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

zbuf_status zbuf__py_error_from_exception(zbuf_error *err, const char *op) {
  PyObject *type = NULL, *value = NULL, *trace = NULL;
  PyErr_Fetch(&type, &value, &trace);
  PyErr_NormalizeException(&type, &value, &trace);
  /* The adapter's own conversions fail on memory or on values Python cannot represent; anything else is a
   * bug. */
  zbuf_status code = ZBUF_EINTERNAL;
  if (type != NULL && PyErr_GivenExceptionMatches(type, PyExc_MemoryError)) code = ZBUF_ENOMEM;
  if (type != NULL && (PyErr_GivenExceptionMatches(type, PyExc_ValueError) ||
                       PyErr_GivenExceptionMatches(type, PyExc_OverflowError)))
    code = ZBUF_EINVAL;
  const char *kind = type != NULL ? ((PyTypeObject *)type)->tp_name : "unknown exception";
  PyObject *text = value != NULL ? PyObject_Str(value) : NULL;
  const char *utf8 = text != NULL ? PyUnicode_AsUTF8(text) : NULL;
  zbuf__py_error(err, code, "%s: adapter: %s: %s", op, kind, utf8 != NULL ? utf8 : "(no message)");
  Py_XDECREF(text);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(trace);
  PyErr_Clear();
  return code;
}

zbuf_status zbuf__py_call(const zbuf_impl *self, zbuf_error *err, PyObject **result, const char *op,
                          const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  PyObject *args = Py_VaBuildValue(fmt, ap);
  va_end(ap);
  if (args == NULL) return zbuf__py_error_from_exception(err, op);
  PyObject *answer = PyObject_CallMethod(ZBUF__PYSTATE(self)->instance, "dispatch", "sN", op, args);
  if (answer == NULL) return zbuf__py_error_from_exception(err, op);

  /* dispatch answers (0, result) or (status, message): Zarr's exceptions never escape it. */
  long code = -1;
  if (PyTuple_Check(answer) && PyTuple_GET_SIZE(answer) == 2)
    code = PyLong_AsLong(PyTuple_GET_ITEM(answer, 0));
  if (code < 0 || code >= ZBUF_STATUS_COUNT) {
    PyErr_Clear();
    Py_DECREF(answer);
    return zbuf__py_error(err, ZBUF_EINTERNAL, "%s: adapter: malformed answer from the Python half", op);
  }
  PyObject *payload = PyTuple_GET_ITEM(answer, 1);
  if (code != ZBUF_OK) {
    const char *message = PyUnicode_Check(payload) ? PyUnicode_AsUTF8(payload) : NULL;
    zbuf__py_error(err, (zbuf_status)code, "%s", message != NULL ? message : op);
    PyErr_Clear();
    Py_DECREF(answer);
    return (zbuf_status)code;
  }
  if (result != NULL) {
    Py_INCREF(payload);
    *result = payload;
  }
  Py_DECREF(answer);
  return ZBUF_OK;
}

zbuf__pyhandle *zbuf__py_handle_new(PyObject *obj) {
  zbuf__pyhandle *h = calloc(1, sizeof *h);
  if (h == NULL) {
    Py_DECREF(obj);
    return NULL;
  }
  atomic_init(&h->refs, 1);
  h->obj = obj;
  atomic_fetch_add(&zbuf__py_handles, 1);
  return h;
}

zbuf__pyhandle *zbuf__py_handle_retain(zbuf__pyhandle *h) {
  if (h != NULL) atomic_fetch_add(&h->refs, 1);
  return h;
}

void zbuf__py_handle_release(zbuf__pyhandle *h) {
  if (h == NULL || atomic_fetch_sub(&h->refs, 1) != 1) return;
  /* The last reference may be dropped on any thread, Python-made or not: PyGILState_Ensure serves both. */
  PyGILState_STATE gil = zbuf__py_gil_take();
  Py_DECREF(h->obj);
  PyGILState_Release(gil);
  free(h->dims);
  free(h);
  atomic_fetch_sub(&zbuf__py_handles, 1);
}

int64_t zbuf__py_live_handles(void) { return (int64_t)atomic_load(&zbuf__py_handles); }

PyObject *zbuf__py_tuple_i64(size_t n, const int64_t *values) {
  PyObject *t = PyTuple_New((Py_ssize_t)n);
  if (t == NULL) return NULL;
  for (size_t i = 0; i < n; i++) {
    PyObject *v = PyLong_FromLongLong(values[i]);
    if (v == NULL) {
      Py_DECREF(t);
      return NULL;
    }
    PyTuple_SET_ITEM(t, (Py_ssize_t)i, v);
  }
  return t;
}

PyObject *zbuf__py_optional_i64(int given, int64_t value) {
  if (!given) Py_RETURN_NONE;
  return PyLong_FromLongLong(value);
}

PyObject *zbuf__py_slice(zbuf_slice s) {
  PyObject *start = zbuf__py_optional_i64(s.given & ZBUF_SLICE_HAS_START, s.start);
  PyObject *stop = zbuf__py_optional_i64(s.given & ZBUF_SLICE_HAS_STOP, s.stop);
  PyObject *step = zbuf__py_optional_i64(s.given & ZBUF_SLICE_HAS_STEP, s.step);
  PyObject *slice = (start && stop && step) ? PySlice_New(start, stop, step) : NULL;
  Py_XDECREF(start);
  Py_XDECREF(stop);
  Py_XDECREF(step);
  return slice;
}

PyObject *zbuf__py_index_tuple(size_t n, const zbuf_index *idx) {
  PyObject *t = PyTuple_New((Py_ssize_t)n);
  if (t == NULL) return NULL;
  for (size_t i = 0; i < n; i++) {
    PyObject *v = idx[i].kind == ZBUF_INDEX_INTEGER ? PyLong_FromLongLong(idx[i].integer)
                                                    : zbuf__py_slice(idx[i].slice);
    if (v == NULL) {
      Py_DECREF(t);
      return NULL;
    }
    PyTuple_SET_ITEM(t, (Py_ssize_t)i, v);
  }
  return t;
}

zbuf_status zbuf__py_copy_bytes(PyObject *bytes, void *dst, size_t dst_size, zbuf_error *err,
                                const char *op) {
  char *data = NULL;
  Py_ssize_t size = 0;
  if (PyBytes_AsStringAndSize(bytes, &data, &size) != 0) return zbuf__py_error_from_exception(err, op);
  if ((size_t)size > dst_size)
    return zbuf__py_error(err, ZBUF_EINVAL, "%s: dst_size = %zu is smaller than the %zd bytes to copy", op,
                          dst_size, size);
  if (size > 0) memcpy(dst, data, (size_t)size);
  return ZBUF_OK;
}

/* zbuf Python adapter: caller memory as a Python object (buffer_wrap).
 *
 * buffer_wrap must not copy and must call the caller's release function exactly once, after the last user.
 * In Python the last user is whatever still references the memory: the NumPy array made by np.frombuffer,
 * its views, the Zarr Buffers over them. So the memory is handed to Python as an object that exports it
 * through the buffer protocol, and the object's finaliser calls release: Python's own reference counting then
 * decides the moment, exactly as it would for a bytearray. */
#include "pyadapter.h"

typedef struct {
  PyObject_HEAD void *data;
  Py_ssize_t size;
  zbuf_impl_release_fn release;
  void *ctx;
} zbuf__pyhostmem;

static int zbuf__pyhostmem_getbuffer(PyObject *self, Py_buffer *view, int flags) {
  zbuf__pyhostmem *mem = (zbuf__pyhostmem *)self;
  /* PyBuffer_FillInfo keeps a reference to self in view->obj, which is how views keep the memory alive. */
  return PyBuffer_FillInfo(view, self, mem->data, mem->size, 0, flags);
}

static void zbuf__pyhostmem_dealloc(PyObject *self) {
  zbuf__pyhostmem *mem = (zbuf__pyhostmem *)self;
  if (mem->release != NULL) mem->release(mem->data, mem->ctx);
  Py_TYPE(self)->tp_free(self);
}

static PyBufferProcs zbuf__pyhostmem_as_buffer = {zbuf__pyhostmem_getbuffer, NULL};

static PyTypeObject zbuf__pyhostmem_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "_zbuf_pyadapter.CallerMemory",
    .tp_basicsize = sizeof(zbuf__pyhostmem),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Memory of the C caller of buffer_wrap; its finaliser calls the caller's release function.",
    .tp_dealloc = zbuf__pyhostmem_dealloc,
    .tp_as_buffer = &zbuf__pyhostmem_as_buffer,
};

PyObject *zbuf__py_hostmem_new(void *data, size_t size, zbuf_impl_release_fn release, void *ctx) {
  if (!(zbuf__pyhostmem_type.tp_flags & Py_TPFLAGS_READY) && PyType_Ready(&zbuf__pyhostmem_type) != 0)
    return NULL;
  if (size > (size_t)PY_SSIZE_T_MAX) {
    PyErr_Format(PyExc_ValueError, "size = %zu does not fit in Py_ssize_t", size);
    return NULL;
  }
  zbuf__pyhostmem *mem = PyObject_New(zbuf__pyhostmem, &zbuf__pyhostmem_type);
  if (mem == NULL) return NULL;
  mem->data = data;
  mem->size = (Py_ssize_t)size;
  mem->release = release;
  mem->ctx = ctx;
  return (PyObject *)mem;
}

void zbuf__py_hostmem_disarm(PyObject *mem) { ((zbuf__pyhostmem *)mem)->release = NULL; }

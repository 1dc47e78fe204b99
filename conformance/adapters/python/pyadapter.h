/* zbuf Python adapter: internal declarations shared by its C files.
 *
 * The adapter is an implementation of zbuf/impl.h that embeds CPython and drives a Zarr-style BufferPrototype
 * named "module:attribute". Each operation takes the GIL, converts its C arguments, calls one method of the
 * Python half (pyadapter_ops.py, compiled in as the module _zbuf_pyadapter) and converts the answer back. A
 * handle holds one strong reference to the Zarr Buffer or NDBuffer object; nothing else is kept, so aliasing,
 * lifetime and errors are Zarr's own. */
#ifndef ZBUF_PYADAPTER_H
#define ZBUF_PYADAPTER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdatomic.h>

#include "zbuf/impl.h"

/** One handle, Buffer or NDBuffer. `dims` caches what ndbuffer_info reported (ndim shape entries, then ndim
 * strides), filled once under the GIL, so that the pointers it hands out stay valid while the handle lives.
 * No ndim limit of the adapter's own: NumPy 2 allows 64 dimensions and the harness should see that. */
typedef struct zbuf__pyhandle {
  atomic_long refs;
  PyObject *obj; /* the Zarr Buffer / NDBuffer; one strong reference */
  char dtype[8];
  int32_t ndim;
  int64_t *dims; /* NULL until the first ndbuffer_info */
} zbuf__pyhandle;

struct zbuf_impl_buffer {
  zbuf__pyhandle h;
};
struct zbuf_impl_ndbuffer {
  zbuf__pyhandle h;
};

/** Per-instance state behind zbuf_impl.state. */
typedef struct zbuf__pystate {
  PyObject *instance; /* _zbuf_pyadapter.Instance */
  char *name;
  char *version;
  char *description;
} zbuf__pystate;

/* ---- pyadapter_call.c ---- */

/** Takes the GIL for the calling thread (any thread, Python-made or not), as PyGILState_Ensure, through a
 * gate that lets one thread at a time wait for it; a thread that holds the GIL already skips the gate. Why:
 * every operation hands the GIL over, and with 8 threads waiting in CPython's GIL wait (a 5 ms timed
 * condition wait) at once, tens of thousands of hand-overs a second, the child processes of zbuf-conform hung
 * in glibc's condition variable (waiters stuck in its cancel path: gil.locked 0, gil.mutex held). With the
 * gate, at most one thread (and one returning from a section where NumPy released the GIL) waits inside
 * CPython; the others wait on a plain mutex. Python code still runs on every calling thread, and NumPy's
 * GIL-free sections still overlap, so the THREAD clauses still test Zarr under real concurrency. Release with
 * PyGILState_Release. */
PyGILState_STATE zbuf__py_gil_take(void);

/** Sets err (when not NULL) and returns code. */
zbuf_status zbuf__py_error(zbuf_error *err, zbuf_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Turns the pending Python exception (raised by the adapter's own marshalling, not by Zarr) into a status
 * and a message naming `op`, and clears it. Needs the GIL. */
zbuf_status zbuf__py_error_from_exception(zbuf_error *err, const char *op);

/** Calls instance.dispatch(op, args), args built by Py_BuildValue(fmt, ...) (fmt must build a tuple). On
 * ZBUF_OK *result is a new reference (unless result is NULL); otherwise err holds Zarr's exception class and
 * text. Needs the GIL. The `N` format of Py_BuildValue steals, so a failure here still frees such args. */
zbuf_status zbuf__py_call(const zbuf_impl *self, zbuf_error *err, PyObject **result, const char *op,
                          const char *fmt, ...);

/** A new handle owning `obj` (stolen). NULL (and obj released) when out of memory. */
zbuf__pyhandle *zbuf__py_handle_new(PyObject *obj);
/** Adds a reference; thread-safe, no GIL needed. */
zbuf__pyhandle *zbuf__py_handle_retain(zbuf__pyhandle *h);
/** Drops a reference; the last one takes the GIL and releases the Python object. Any thread; NULL no-op. */
void zbuf__py_handle_release(zbuf__pyhandle *h);
/** Handles alive in this process. */
int64_t zbuf__py_live_handles(void);

/** Python objects for C values: an int64 tuple, an optional int (None when !given), a zbuf_slice, an index
 * tuple. New references, NULL with an exception set on failure. */
PyObject *zbuf__py_tuple_i64(size_t n, const int64_t *values);
PyObject *zbuf__py_optional_i64(int given, int64_t value);
PyObject *zbuf__py_slice(zbuf_slice s);
PyObject *zbuf__py_index_tuple(size_t n, const zbuf_index *idx);

/** Copies a bytes object's contents into dst (dst_size bytes at least; ZBUF_EINVAL otherwise). */
zbuf_status zbuf__py_copy_bytes(PyObject *bytes, void *dst, size_t dst_size, zbuf_error *err, const char *op);

/* ---- pyadapter_hostmem.c ---- */

/** An object exporting caller memory through the buffer protocol (writable), whose finaliser calls
 * release(data, ctx) once. `disarm` makes it forget the release function (the failure path: the caller
 * still owns the memory). Needs the GIL. */
PyObject *zbuf__py_hostmem_new(void *data, size_t size, zbuf_impl_release_fn release, void *ctx);
void zbuf__py_hostmem_disarm(PyObject *mem);

/* ---- pyadapter_buffer.c / pyadapter_ndbuffer.c: fill the operation table (every operation; the entry then
 * drops those the prototype's classes cannot serve) ---- */
void zbuf__py_buffer_ops(zbuf_impl *table);
void zbuf__py_ndbuffer_ops(zbuf_impl *table);

/** The instance behind a table. */
#define ZBUF__PYSTATE(self) ((zbuf__pystate *)(self)->state)

#endif

/* zbuf Python adapter: the entry symbol, the embedded interpreter, and the instance-wide operations (device
 * check, allocation counts, default prototype).
 *
 * Interpreter: initialised once per process, on the first entry call (or by zbuf_impl_prepare, in a process
 * that forks instances). It is the libpython this plugin links, pointed at a virtual environment by
 * ZBUF_PYTHON (the venv's bin/python): PyConfig.program_name set to it makes Python read the venv's
 * pyvenv.cfg and put its site-packages on sys.path, exactly as running that bin/python would. The interpreter
 * is never finalised: releases may come from any thread until the process ends. After initialisation the
 * main thread gives up the GIL, and every operation takes it with PyGILState_Ensure (through the gate of
 * zbuf__py_gil_take), so calls from several
 * threads are serialised by Python's own lock, as they would be in a Python program. */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pyadapter.h"

/* The Python half, pyadapter_ops.py, embedded by the build (pyadapter_ops_source.c). */
extern const unsigned char zbuf__pyadapter_ops_source[];
extern const size_t zbuf__pyadapter_ops_source_size;

static pthread_mutex_t zbuf__py_init_lock = PTHREAD_MUTEX_INITIALIZER;
static PyObject *zbuf__py_module; /* _zbuf_pyadapter; set once, under the lock */
static int zbuf__py_started;      /* the start was tried (once per process), under the lock */
static zbuf_error zbuf__py_start_error;

/* fork() with an initialised interpreter, as os.fork() does it: hold the GIL and the import lock across the
 * fork, and let the child reinitialise Python's thread state. zbuf-conform forks a process per test from one
 * in which the warm start below ran. */
static PyGILState_STATE
    zbuf__py_fork_gil; /* written with the GIL held, so forks from two threads serialise */
static void zbuf__py_fork_prepare(void) {
  zbuf__py_fork_gil = zbuf__py_gil_take();
  PyOS_BeforeFork();
}
static void zbuf__py_fork_parent(void) {
  PyOS_AfterFork_Parent();
  PyGILState_Release(zbuf__py_fork_gil);
}
static void zbuf__py_fork_child(void) {
  PyOS_AfterFork_Child();
  PyGILState_Release(zbuf__py_fork_gil);
}

/* Python extension modules (NumPy's) are not linked against libpython: they find its symbols in the global
 * scope. A loader that dlopens this plugin RTLD_LOCAL would leave them unresolved, so libpython is promoted
 * to RTLD_GLOBAL here (a no-op when it is global already). */
static void zbuf__py_make_libpython_global(void) {
  Dl_info info;
  /* A data symbol of libpython (a function pointer may not become void * in ISO C). */
  if (dladdr((void *)Py_None, &info) != 0 && info.dli_fname != NULL)
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

/* Starts the interpreter and loads the Python half; returns with the GIL released. Caller holds the lock. */
static zbuf_status zbuf__py_start(zbuf_error *err) {
  const char *python = getenv("ZBUF_PYTHON");
  int own = !Py_IsInitialized();
  if (own) {
    if (python != NULL && python[0] != '\0' && access(python, X_OK) != 0)
      return zbuf__py_error(
          err, ZBUF_EINVAL,
          "ZBUF_PYTHON=%s is not an executable; it names a venv's bin/python, e.g. one printed "
          "by scripts/setup-zarr",
          python);
    zbuf__py_make_libpython_global();
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0; /* signals belong to the host program (the harness's timeouts) */
    config.parse_argv = 0;
    PyStatus status = PyStatus_Ok();
    if (python != NULL && python[0] != '\0')
      status = PyConfig_SetBytesString(&config, &config.program_name, python);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status))
      return zbuf__py_error(err, ZBUF_EINTERNAL, "cannot start Python (ZBUF_PYTHON=%s): %s%s%s",
                            python ? python : "(unset)", status.func ? status.func : "",
                            status.func ? ": " : "", status.err_msg ? status.err_msg : "unknown error");
  }
  PyGILState_STATE gil = own ? PyGILState_LOCKED : zbuf__py_gil_take();
  zbuf_status st = ZBUF_OK;
  PyObject *code = Py_CompileStringExFlags((const char *)zbuf__pyadapter_ops_source, "pyadapter_ops.py",
                                           Py_file_input, NULL, 0);
  PyObject *module = code ? PyImport_ExecCodeModuleEx("_zbuf_pyadapter", code, "pyadapter_ops.py") : NULL;
  Py_XDECREF(code);
  if (module == NULL) {
    st = zbuf__py_error_from_exception(err, "loading the adapter's Python half (is numpy installed?)");
    /* The usual cause: ZBUF_PYTHON unset or wrong, so NumPy is not on sys.path. */
    if (err != NULL && own && (python == NULL || python[0] == '\0')) {
      size_t n = strlen(err->message);
      snprintf(err->message + n, sizeof err->message - n,
               " (ZBUF_PYTHON is unset: set it to a venv's bin/python)");
    }
  } else {
    zbuf__py_module = module;
    /* Whether this plugin started the interpreter (ZBUF_PYTHON) or runs in the user's own: error hints differ. */
    if (PyModule_AddIntConstant(module, "EMBEDDED", own) != 0) PyErr_Clear();
  }
  if (own) {
    (void)PyEval_SaveThread(); /* from now on every caller, this thread included, takes the GIL per call */
    (void)pthread_atfork(zbuf__py_fork_prepare, zbuf__py_fork_parent, zbuf__py_fork_child);
  } else {
    PyGILState_Release(gil);
  }
  return st;
}

/* Starts Python once per process; later calls get the first call's answer. */
static zbuf_status zbuf__py_ensure_started(zbuf_error *err) {
  pthread_mutex_lock(&zbuf__py_init_lock);
  if (!zbuf__py_started) {
    zbuf__py_started = 1;
    zbuf__py_start_error.code = zbuf__py_start(&zbuf__py_start_error);
  }
  zbuf_status st = zbuf__py_start_error.code;
  pthread_mutex_unlock(&zbuf__py_init_lock);
  if (st != ZBUF_OK && err != NULL) *err = zbuf__py_start_error;
  return st;
}

/* Warm start (ZBUF_IMPL_PREPARE_SYMBOL). Starting Python and importing NumPy and Zarr takes a third of a
 * second or more (CuPy: seconds), and zbuf-conform forks a process per test it runs alone: it calls this
 * once in the process it forks them from, and each fork inherits the warm interpreter (see the fork
 * handlers above). Only imports happen here, never an instance: which prototype, and any failure to load it,
 * stay the entry call's. */
__attribute__((visibility("default"))) void zbuf_impl_prepare(const char *config);
void zbuf_impl_prepare(const char *config) {
  if (zbuf__py_ensure_started(NULL) != ZBUF_OK) return; /* the entry call reports why */
  PyGILState_STATE gil = zbuf__py_gil_take();
  PyObject *r = PyObject_CallMethod(zbuf__py_module, "preload", "s", config ? config : "");
  Py_XDECREF(r);
  PyErr_Clear();
  PyGILState_Release(gil);
}

static void zbuf__py_free_state(zbuf__pystate *s) {
  if (s == NULL) return;
  free(s->name);
  free(s->version);
  free(s->description);
  free(s);
}

static char *zbuf__py_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL) memcpy(d, s, n);
  return d;
}

static void zbuf__py_shutdown(const zbuf_impl *self) {
  if (self == NULL) return;
  zbuf__pystate *s = ZBUF__PYSTATE(self);
  PyGILState_STATE gil = zbuf__py_gil_take();
  Py_XDECREF(s->instance);
  PyGILState_Release(gil);
  zbuf__py_free_state(s);
  free((void *)self);
}

static zbuf_status zbuf__py_device_check(const zbuf_impl *self, DLDevice device, zbuf_error *err) {
  PyGILState_STATE gil = zbuf__py_gil_take();
  zbuf_status st;
  PyObject *r = PyObject_CallMethod(ZBUF__PYSTATE(self)->instance, "device_check", "ii",
                                    (int)device.device_type, (int)device.device_id);
  int code = 0;
  const char *message = NULL;
  if (r == NULL || !PyArg_ParseTuple(r, "is", &code, &message)) {
    st = zbuf__py_error_from_exception(err, "device_check");
  } else {
    st = code == ZBUF_OK ? ZBUF_OK : zbuf__py_error(err, (zbuf_status)code, "device_check: %s", message);
  }
  Py_XDECREF(r);
  PyGILState_Release(gil);
  return st;
}

/* Handles are the only thing the adapter itself allocates per object; Zarr's memory is NumPy's or CuPy's,
 * which no honest count here can see, so blocks and bytes are unknown (-1). */
static zbuf_status zbuf__py_alloc_stats(const zbuf_impl *self, zbuf_alloc_stats *out, zbuf_error *err) {
  (void)self;
  if (out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "alloc_stats: out is NULL");
  out->blocks = -1;
  out->bytes = -1;
  out->handles = zbuf__py_live_handles();
  return ZBUF_OK;
}

static zbuf_status zbuf__py_default_prototype(const zbuf_impl *self, zbuf_impl_prototype *out,
                                              zbuf_error *err) {
  if (out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "default_prototype: out is NULL");
  PyGILState_STATE gil = zbuf__py_gil_take();
  PyObject *r = NULL;
  zbuf_status st = zbuf__py_call(self, err, &r, "default_prototype", "()");
  if (st == ZBUF_OK) {
    int bt, bi, nt, ni;
    if (!PyArg_ParseTuple(r, "iiii", &bt, &bi, &nt, &ni)) {
      st = zbuf__py_error_from_exception(err, "default_prototype");
    } else {
      out->buffer = (DLDevice){(DLDeviceType)bt, bi};
      out->nd_buffer = (DLDevice){(DLDeviceType)nt, ni};
    }
    Py_DECREF(r);
  }
  PyGILState_Release(gil);
  return st;
}

static zbuf_status zbuf__py_set_default_prototype(const zbuf_impl *self, const zbuf_impl_prototype *prototype,
                                                  zbuf_error *err) {
  if (prototype == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "set_default_prototype: prototype is NULL");
  PyGILState_STATE gil = zbuf__py_gil_take();
  zbuf_status st = zbuf__py_call(self, err, NULL, "set_default_prototype", "(iiii)",
                                 (int)prototype->buffer.device_type, (int)prototype->buffer.device_id,
                                 (int)prototype->nd_buffer.device_type, (int)prototype->nd_buffer.device_id);
  PyGILState_Release(gil);
  return st;
}

/* Every operation the adapter fills in, for zbuf__py_drop_ops. */
#define ZBUF__PY_OPERATIONS(X)                                                                                 \
  X(buffer_create_zero_length) X(buffer_from_bytes) X(buffer_wrap) X(buffer_from_buffer) X(buffer_info)         \
  X(buffer_to_bytes) X(buffer_to_host) X(buffer_slice) X(buffer_set_slice) X(buffer_combine) X(buffer_equal)     \
  X(ndbuffer_create) X(ndbuffer_empty) X(ndbuffer_from_host) X(ndbuffer_info) X(ndbuffer_to_bytes)              \
  X(ndbuffer_to_host) X(ndbuffer_to_device) X(ndbuffer_as_scalar) X(ndbuffer_reshape) X(ndbuffer_squeeze)       \
  X(ndbuffer_astype) X(ndbuffer_transpose) X(ndbuffer_get_item) X(ndbuffer_set_item)                           \
  X(ndbuffer_set_item_scalar) X(ndbuffer_fill) X(ndbuffer_copy) X(ndbuffer_all_equal_scalar)                    \
  X(ndbuffer_all_equal) X(ndbuffer_to_dlpack) X(ndbuffer_from_dlpack)

/* Sets to NULL the operations named in `names` (separated by spaces). Returns NULL, or the first name that is
 * not an operation (the rest are left alone). Modifies names. */
static const char *zbuf__py_drop_ops(zbuf_impl *t, char *names) {
  for (char *name = strtok(names, " "); name != NULL; name = strtok(NULL, " ")) {
#define ZBUF__PY_DROP(op)      \
  if (strcmp(name, #op) == 0) { \
    t->op = NULL;              \
    continue;                  \
  }
    ZBUF__PY_OPERATIONS(ZBUF__PY_DROP)
#undef ZBUF__PY_DROP
    return name;
  }
  return NULL;
}

/* Builds the table for a loaded Instance. Needs the GIL. */
static zbuf_status zbuf__py_build_table(const char *config, PyObject *instance, const zbuf_impl **out,
                                        zbuf_error *err) {
  PyObject *summary = PyObject_CallMethod(instance, "summary", NULL);
  const char *version = NULL, *description = NULL, *why = NULL, *missing = NULL;
  int bt, bi, nt, ni, unusable;
  if (summary == NULL || !PyArg_ParseTuple(summary, "ss(ii)(ii)sis", &version, &description, &bt, &bi, &nt,
                                           &ni, &missing, &unusable, &why)) {
    Py_XDECREF(summary);
    return zbuf__py_error_from_exception(err, "entry");
  }
  zbuf_impl *t = calloc(1, sizeof *t);
  zbuf__pystate *s = calloc(1, sizeof *s);
  size_t name_size = strlen(config) + 4;
  if (t != NULL && s != NULL) {
    s->name = malloc(name_size);
    s->version = zbuf__py_strdup(version);
    size_t dsize = strlen(description) + strlen(why) + 32;
    s->description = malloc(dsize);
    if (s->description != NULL)
      snprintf(s->description, dsize, "%s%s%s", description, unusable ? "; unusable here: " : "",
               unusable ? why : "");
  }
  char *missing_ops = zbuf__py_strdup(missing);
  Py_DECREF(summary);
  if (t == NULL || s == NULL || missing_ops == NULL || s->name == NULL || s->version == NULL || s->description == NULL) {
    free(t);
    free(missing_ops);
    zbuf__py_free_state(s);
    return zbuf__py_error(err, ZBUF_ENOMEM, "entry: out of memory for the table");
  }
  snprintf(s->name, name_size, "py:%s", config);
  Py_INCREF(instance);
  s->instance = instance;

  t->abi_version = ZBUF_IMPL_ABI_VERSION;
  t->struct_size = (uint32_t)sizeof *t;
  t->name = s->name;
  t->version = s->version;
  t->description = s->description;
  t->prototype.buffer = (DLDevice){(DLDeviceType)bt, bi};
  t->prototype.nd_buffer = (DLDevice){(DLDeviceType)nt, ni};
  t->state = s;
  /* Memory kinds from where the prototype's buffers really live; an unusable prototype (no CuPy, no GPU)
   * claims none, and device_check says why. The GIL makes every operation safe from any thread. */
  uint64_t caps = ZBUF_CAP_ND | ZBUF_CAP_THREAD_SAFE | ZBUF_CAP_ALLOC_STATS | ZBUF_CAP_WRAP | ZBUF_CAP_DLPACK;
  if (!unusable) {
    if (bt == kDLCPU || nt == kDLCPU) caps |= ZBUF_CAP_HOST;
    if (bt == kDLCUDA || nt == kDLCUDA) caps |= ZBUF_CAP_CUDA;
  }
  t->capabilities = caps;

  t->shutdown = zbuf__py_shutdown;
  t->device_check = zbuf__py_device_check;
  t->alloc_stats = zbuf__py_alloc_stats;
  t->testing_fail_allocation = NULL; /* Python's allocators cannot be made to fail on demand from here */
  t->default_prototype = zbuf__py_default_prototype;
  t->set_default_prototype = zbuf__py_set_default_prototype;
  zbuf__py_buffer_ops(t);
  zbuf__py_ndbuffer_ops(t);
  /* Operations the prototype's classes cannot serve (a method that release lacks) are absent: UNSUPPORTED. */
  const char *unknown = zbuf__py_drop_ops(t, missing_ops);
  zbuf_status st = ZBUF_OK;
  if (unknown != NULL) {
    st = zbuf__py_error(err, ZBUF_EINTERNAL, "entry: the Python half names an unknown operation %.64s", unknown);
    zbuf__py_shutdown(t);
  } else {
    *out = t;
  }
  free(missing_ops);
  return st;
}

/** The plugin's entry symbol (ZBUF_IMPL_ENTRY_SYMBOL): config is "MODULE:ATTRIBUTE" naming a BufferPrototype
 * (or a function returning one, such as zarr.buffer:default_buffer_prototype). */
__attribute__((visibility("default"))) zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config,
                                                                   const zbuf_impl **out, zbuf_error *err) {
  if (out == NULL) return zbuf__py_error(err, ZBUF_EINVAL, "entry: out is NULL");
  *out = NULL;
  if (requested_abi != ZBUF_IMPL_ABI_VERSION)
    return zbuf__py_error(err, ZBUF_EUNSUPPORTED, "entry: the caller speaks ABI %u, this adapter ABI %u",
                          (unsigned)requested_abi, (unsigned)ZBUF_IMPL_ABI_VERSION);
  if (config == NULL || config[0] == '\0')
    return zbuf__py_error(err, ZBUF_EINVAL,
                          "entry: config must name a prototype as MODULE:ATTRIBUTE, e.g. "
                          "zarr.buffer.cpu:buffer_prototype");
  zbuf_status st = zbuf__py_ensure_started(err);
  if (st != ZBUF_OK) return st;

  PyGILState_STATE gil = zbuf__py_gil_take();
  PyObject *answer = PyObject_CallMethod(zbuf__py_module, "load", "s", config);
  long code = -1;
  if (answer == NULL) {
    st = zbuf__py_error_from_exception(err, "entry");
  } else if (!PyTuple_Check(answer) || PyTuple_GET_SIZE(answer) != 2 ||
             (code = PyLong_AsLong(PyTuple_GET_ITEM(answer, 0))) < 0 || code >= ZBUF_STATUS_COUNT) {
    PyErr_Clear();
    st = zbuf__py_error(err, ZBUF_EINTERNAL, "entry: malformed answer from the Python half");
  } else if (code != ZBUF_OK) {
    const char *message = PyUnicode_AsUTF8(PyTuple_GET_ITEM(answer, 1));
    PyErr_Clear();
    st = zbuf__py_error(err, (zbuf_status)code, "entry: %s", message ? message : "loading failed");
  } else {
    st = zbuf__py_build_table(config, PyTuple_GET_ITEM(answer, 1), out, err);
  }
  Py_XDECREF(answer);
  PyGILState_Release(gil);
  return st;
}

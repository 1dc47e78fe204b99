"""The C reference (libzbuf) through ctypes: its structs, the signatures of the calls zbuf.zarr makes, and
zbuf_status turned into Python exceptions.

Why ctypes and not a compiled extension: libzbuf links no libpython, so one shared object serves every CPython
version, and ctypes drops the GIL around each call (other Python threads and zbuf's own copy threads run on).
One call costs 0.19 us here; the Python work around it (handles, a few more calls, the NumPy view) makes a small
zbuf.zarr operation cost 5-8 us: docs/zbuf-in-zarr.md has the measurements.
"""
from __future__ import annotations

import ctypes
import os
import pathlib
import struct

__all__ = ["lib", "check", "Device", "Dtype", "Slice", "Index", "INDEX_PACKING", "Error", "RELEASE_FN",
           "library_path"]


class Device(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("id", ctypes.c_int32)]


DEVICE_CPU = 1
DEVICE_CUDA = 2
DEVICE_CUDA_HOST = 3


class Dtype(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("byteorder", ctypes.c_int)]


SLICE_HAS_START, SLICE_HAS_STOP, SLICE_HAS_STEP = 1, 2, 4


class Slice(ctypes.Structure):
    _fields_ = [("start", ctypes.c_int64), ("stop", ctypes.c_int64), ("step", ctypes.c_int64),
                ("given", ctypes.c_uint)]


INDEX_INTEGER, INDEX_SLICE = 0, 1


class Index(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("integer", ctypes.c_int64), ("slice", Slice)]


# zbuf_index packed with struct, five times faster than filling Index structures (docs/zbuf-in-zarr.md): kind,
# integer, slice start, stop, step, given; native byte order, the padding as the C compiler lays it out.
INDEX_PACKING = struct.Struct("=i4xqqqqI4x")
if INDEX_PACKING.size != ctypes.sizeof(Index) or (Index.integer.offset, Index.slice.offset) != (8, 16):
    raise ImportError("zbuf: zbuf_index is not laid out as INDEX_PACKING says on this platform")


ERROR_MESSAGE_SIZE = 512


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("message", ctypes.c_char * ERROR_MESSAGE_SIZE)]


# zbuf_status -> the Python exception it stands for (include/zbuf/status.h, ZBUF_STATUS_MAP).
_EXCEPTIONS = {1: ValueError, 2: IndexError, 3: TypeError, 4: NotImplementedError, 5: MemoryError,
               6: RuntimeError, 7: RuntimeError, 8: RuntimeError}
_STATUS_NAMES = {1: "EINVAL", 2: "ERANGE", 3: "ETYPE", 4: "EUNSUPPORTED", 5: "ENOMEM", 6: "EDEVICE",
                 7: "ENODEV", 8: "EINTERNAL"}

RELEASE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_size = ctypes.c_size_t
_i64p = ctypes.POINTER(ctypes.c_int64)
_err = ctypes.POINTER(Error)
_int = ctypes.c_int

# name -> (argument types); every one of them returns a zbuf_status.
_STATUS_CALLS = {
    "zbuf_device_check": (Device, _err),
    "zbuf_dtype_parse": (ctypes.c_char_p, ctypes.POINTER(Dtype), _err),
    "zbuf_buffer_create_zero_length": (Device, _pp, _err),
    "zbuf_buffer_from_bytes": (Device, _p, _size, _pp, _err),
    "zbuf_buffer_wrap": (Device, _p, _size, RELEASE_FN, _p, _pp, _err),
    "zbuf_buffer_from_buffer": (Device, _p, _pp, _err),
    "zbuf_buffer_to_host": (_p, _pp, _err),
    "zbuf_buffer_to_bytes": (_p, _p, _size, _err),
    "zbuf_buffer_slice": (_p, Slice, _pp, _err),
    "zbuf_buffer_set_slice": (_p, Slice, _p, _err),
    "zbuf_buffer_combine": (_pp, _size, _pp, _err),
    "zbuf_buffer_equal": (_p, _p, ctypes.POINTER(_int), _err),
    "zbuf_ndbuffer_create": (Device, _size, _i64p, Dtype, _int, _p, _pp, _err),
    "zbuf_ndbuffer_empty": (Device, _size, _i64p, Dtype, _int, _pp, _err),
    "zbuf_ndbuffer_from_host": (Device, _p, _size, _i64p, _i64p, Dtype, _pp, _err),
    "zbuf_ndbuffer_wrap": (Device, _p, _size, _i64p, _i64p, Dtype, RELEASE_FN, _p, _pp, _err),
    "zbuf_ndbuffer_from_buffer": (_p, _size, _i64p, Dtype, _pp, _err),
    "zbuf_ndbuffer_to_host": (_p, _pp, _err),
    "zbuf_ndbuffer_to_device": (_p, Device, _pp, _err),
    "zbuf_ndbuffer_as_scalar": (_p, _p, _size, _err),
    "zbuf_ndbuffer_reshape": (_p, _size, _i64p, _pp, _err),
    "zbuf_ndbuffer_squeeze": (_p, _size, _i64p, _pp, _err),
    "zbuf_ndbuffer_astype": (_p, Dtype, _pp, _err),
    "zbuf_ndbuffer_transpose": (_p, _size, _i64p, _pp, _err),
    "zbuf_ndbuffer_get_item": (_p, _size, _p, _pp, _err),
    "zbuf_ndbuffer_set_item": (_p, _size, _p, _p, _err),
    "zbuf_ndbuffer_set_item_scalar": (_p, _size, _p, _p, _err),
    "zbuf_ndbuffer_fill": (_p, _p, _err),
    "zbuf_ndbuffer_copy": (_p, _pp, _err),
    "zbuf_ndbuffer_all_equal_scalar": (_p, _p, _int, ctypes.POINTER(_int), _err),
    "zbuf_ndbuffer_all_equal": (_p, _p, _int, ctypes.POINTER(_int), _err),
}

# name -> (return type, argument types): accessors that cannot fail.
_PLAIN_CALLS = {
    "zbuf_buffer_data": (_p, (_p,)),
    "zbuf_buffer_length": (_size, (_p,)),
    "zbuf_buffer_device": (Device, (_p,)),
    "zbuf_buffer_release": (None, (_p,)),
    "zbuf_ndbuffer_data": (_p, (_p,)),
    "zbuf_ndbuffer_ndim": (_size, (_p,)),
    "zbuf_ndbuffer_shape": (_i64p, (_p,)),
    "zbuf_ndbuffer_strides": (_i64p, (_p,)),
    "zbuf_ndbuffer_dtype": (Dtype, (_p,)),
    "zbuf_ndbuffer_device": (Device, (_p,)),
    "zbuf_ndbuffer_release": (None, (_p,)),
    "zbuf_dtype_str": (ctypes.c_char_p, (Dtype, ctypes.c_char_p)),
    "zbuf_version": (ctypes.c_char_p, ()),
}


def library_path() -> str:
    """Where libzbuf is: $ZBUF_LIBRARY (a build tree's libzbuf.so, e.g. one built with CUDA), else the copy
    installed beside this package (the wheel's zbuf/_lib)."""
    given = os.environ.get("ZBUF_LIBRARY")
    if given:
        return given
    here = pathlib.Path(__file__).resolve().parent / "_lib"
    found = sorted(here.glob("libzbuf.so*"))
    if not found:
        raise ImportError(f"zbuf: no libzbuf in {here}; install the zbuf-conform wheel, or set ZBUF_LIBRARY to a "
                          "libzbuf.so (a zbuf build tree has one)")
    return str(found[0])


def _load() -> ctypes.CDLL:
    path = library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f"zbuf: cannot load {path}: {e}") from e
    for name, argtypes in _STATUS_CALLS.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = ctypes.c_int, argtypes
    for name, (restype, argtypes) in _PLAIN_CALLS.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


class _Library:
    """libzbuf, loaded at the first call rather than at import: Zarr-Python imports every registered buffer
    class (entry points) before it reads its config, so a missing libzbuf must not break Zarr for arrays that
    never use zbuf. Each function found is kept as an attribute, so later calls skip __getattr__."""

    _cdll = None

    def __getattr__(self, name: str):
        if _Library._cdll is None:
            _Library._cdll = _load()
        fn = getattr(_Library._cdll, name)
        setattr(self, name, fn)
        return fn


lib = _Library()


def check(status: int, err: Error) -> None:
    """Raises the exception a failed zbuf call stands for, with zbuf's message and status name."""
    if status != 0:
        message = err.message.decode("utf-8", "replace") or "(no message)"
        raise _EXCEPTIONS.get(status, RuntimeError)(f"{message} [zbuf {_STATUS_NAMES.get(status, status)}]")


def call(name: str, *args) -> None:
    """Calls the zbuf function `name` with args and a fresh error struct; raises on a failed status."""
    err = Error()
    check(getattr(lib, name)(*args, ctypes.byref(err)), err)

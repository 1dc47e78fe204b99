"""Python owners of zbuf references, and the array views Zarr sees of them.

A handle holds one reference to a zbuf_buffer or zbuf_ndbuffer and drops it when garbage-collected. The NumPy
(or CuPy) view of a handle is made through __array_interface__ (__cuda_array_interface__), so the view keeps the
handle, and so the zbuf memory, alive: Zarr and its codecs get the bytes without a copy.

Memory zbuf wraps (a caller's NumPy or CuPy array) stays alive through zbuf's own reference counting: the
wrapped array is parked in _PARKED until zbuf calls the release function, once, when its last view is gone.
"""
from __future__ import annotations

import ctypes
import itertools
import threading

import numpy as np

from .. import _capi
from .._capi import lib

# ---- arrays zbuf wraps, kept alive until zbuf releases them ----
_PARKED: dict[int, object] = {}
_parked_keys = itertools.count(1)


@_capi.RELEASE_FN
def _unpark(data, ctx):  # noqa: ARG001 (the signature is zbuf_release_fn's)
    # Runs on whichever thread drops zbuf's last reference; ctypes takes the GIL for it. At interpreter exit
    # _PARKED may already be gone: nothing is left to release then.
    parked = _PARKED
    if parked is not None:
        parked.pop(ctx, None)


def park(obj) -> int:
    """Keeps obj alive until zbuf calls the release function with the returned context value."""
    key = next(_parked_keys)
    _PARKED[key] = obj
    return key


def unpark(key: int) -> None:
    """Takes obj back when the zbuf call that was to own it failed (zbuf does not call release then)."""
    _PARKED.pop(key, None)


# ---- numpy dtype <-> zbuf_dtype ----
_DTYPES: dict[np.dtype, _capi.Dtype | None] = {}
_dtypes_lock = threading.Lock()


def zbuf_dtype(dtype: np.dtype) -> _capi.Dtype | None:
    """The zbuf dtype for a NumPy dtype, or None when zbuf has no such element type (strings, structured,
    datetimes, objects: Zarr arrays of those stay in NumPy; see zbuf.zarr.stats())."""
    try:
        return _DTYPES[dtype]
    except KeyError:
        pass
    out = None
    if dtype.kind in "biufc" and dtype.fields is None and dtype.subdtype is None:
        parsed = _capi.Dtype()
        err = _capi.Error()
        if lib.zbuf_dtype_parse(dtype.str.encode(), ctypes.byref(parsed), ctypes.byref(err)) == 0:
            out = parsed
    with _dtypes_lock:
        _DTYPES[dtype] = out
    return out


def numpy_dtype(zdtype: _capi.Dtype) -> np.dtype:
    text = ctypes.create_string_buffer(8)
    return np.dtype(lib.zbuf_dtype_str(zdtype, text).decode())


def int64_array(values) -> ctypes.Array:
    return (ctypes.c_int64 * len(values))(*values)


class _Unpicklable:
    """A zbuf reference belongs to this process: a pickled copy would release it a second time (a double free).
    Buffers pickle by value instead (Buffer.__reduce__)."""

    __slots__ = ()

    def __reduce__(self):
        raise TypeError(f"{type(self).__name__} holds a zbuf reference of this process and cannot be pickled or "
                        "copied; pickle the zbuf.zarr Buffer or NDBuffer that holds it")


class BufferHandle(_Unpicklable):
    """One reference to a zbuf_buffer. readonly marks bytes Zarr must not write (a read-only NumPy array that
    was wrapped): zbuf itself has no such notion, so zbuf.zarr refuses those writes before calling zbuf."""

    __slots__ = ("ptr", "readonly", "__weakref__")

    def __init__(self, ptr: int, readonly: bool = False) -> None:
        self.ptr = ptr
        self.readonly = readonly

    def __del__(self) -> None:
        if self.ptr:
            lib.zbuf_buffer_release(self.ptr)
            self.ptr = None

    @property
    def length(self) -> int:
        return lib.zbuf_buffer_length(self.ptr)

    def interface(self) -> dict:
        return {"shape": (self.length,), "typestr": "|u1", "version": 3,
                "data": (lib.zbuf_buffer_data(self.ptr) or 0, self.readonly)}

    @property
    def __array_interface__(self) -> dict:
        return self.interface()

    @property
    def __cuda_array_interface__(self) -> dict:
        return {**self.interface(), "strides": None, "stream": None}


class NDBufferHandle(_Unpicklable):
    """One reference to a zbuf_ndbuffer; readonly as for BufferHandle."""

    __slots__ = ("ptr", "readonly", "dtype", "__weakref__")

    def __init__(self, ptr: int, readonly: bool = False, dtype: np.dtype | None = None) -> None:
        self.ptr = ptr
        self.readonly = readonly
        self.dtype = dtype if dtype is not None else numpy_dtype(lib.zbuf_ndbuffer_dtype(ptr))

    def __del__(self) -> None:
        if self.ptr:
            lib.zbuf_ndbuffer_release(self.ptr)
            self.ptr = None

    @property
    def shape(self) -> tuple[int, ...]:
        n = lib.zbuf_ndbuffer_ndim(self.ptr)
        return tuple(lib.zbuf_ndbuffer_shape(self.ptr)[:n])

    def interface(self) -> dict:
        n = lib.zbuf_ndbuffer_ndim(self.ptr)
        return {"shape": tuple(lib.zbuf_ndbuffer_shape(self.ptr)[:n]),
                "strides": tuple(lib.zbuf_ndbuffer_strides(self.ptr)[:n]),
                "typestr": self.dtype.str, "version": 3,
                "data": (lib.zbuf_ndbuffer_data(self.ptr) or 0, self.readonly)}

    @property
    def __array_interface__(self) -> dict:
        return self.interface()

    @property
    def __cuda_array_interface__(self) -> dict:
        return {**self.interface(), "stream": None}


def new_buffer(fn: str, *args, readonly: bool = False) -> BufferHandle:
    """Calls a zbuf function whose last two arguments are (zbuf_buffer **out, zbuf_error *err)."""
    out = ctypes.c_void_p()
    _capi.call(fn, *args, ctypes.byref(out))
    return BufferHandle(out.value, readonly)


def new_ndbuffer(fn: str, *args, readonly: bool = False, dtype: np.dtype | None = None) -> NDBufferHandle:
    """Calls a zbuf function whose last two arguments are (zbuf_ndbuffer **out, zbuf_error *err)."""
    out = ctypes.c_void_p()
    _capi.call(fn, *args, ctypes.byref(out))
    return NDBufferHandle(out.value, readonly, dtype)


def wrap_buffer(device: _capi.Device, array, ptr: int, nbytes: int, readonly: bool) -> BufferHandle:
    """A zbuf_buffer over the bytes of a caller's contiguous array, without a copy; array stays alive until
    zbuf's last view of it is gone."""
    key = park(array)
    try:
        return new_buffer("zbuf_buffer_wrap", device, ptr, nbytes, _unpark, key, readonly=readonly)
    except BaseException:
        unpark(key)
        raise


def wrap_ndbuffer(device: _capi.Device, array, ptr: int, shape, strides, zdtype: _capi.Dtype, dtype: np.dtype,
                  readonly: bool) -> NDBufferHandle:
    """A zbuf_ndbuffer over a caller's array (any strides), without a copy; as wrap_buffer."""
    key = park(array)
    try:
        return new_ndbuffer("zbuf_ndbuffer_wrap", device, ptr, len(shape), int64_array(shape),
                            int64_array(strides), zdtype, _unpark, key, readonly=readonly, dtype=dtype)
    except BaseException:
        unpark(key)
        raise

"""Zarr-Python's Buffer and NDBuffer, served by the C reference (libzbuf).

The classes keep Zarr's model: `_data` is the array Zarr and its codecs see (NumPy on the host, CuPy on a GPU).
Beside it each object holds a zbuf handle over the same memory: the array a caller gave is wrapped without a
copy when zbuf first needs it, and what zbuf makes is shown to Zarr as a view of zbuf's memory. Every operation
the contract defines runs in zbuf. Zarr also stores element types zbuf does not have (strings, structured,
datetimes, objects) and indexes with NumPy's advanced indexing: those stay with the array library, and
zbuf.zarr.stats() counts them apart ("numpy"), so a run can show what zbuf served.

cpu.py and gpu.py subclass these with their memory space (_spaces.py).
"""
from __future__ import annotations

import ctypes
import math
import operator
from typing import Any, ClassVar

import numpy as np
from zarr.core.buffer import core

from .. import _capi
from .._capi import lib
from . import _handles as H
from ._spaces import describe_numpy
from ._stats import count

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_ORDERS = {"C": 0, "F": 1}

_pybytes_new = ctypes.pythonapi.PyBytes_FromStringAndSize
_pybytes_new.restype, _pybytes_new.argtypes = ctypes.py_object, (ctypes.c_void_p, ctypes.c_ssize_t)
_pybytes_data = ctypes.pythonapi.PyBytes_AsString
_pybytes_data.restype, _pybytes_data.argtypes = ctypes.c_void_p, (ctypes.py_object,)


def _clamp(v: int) -> int:
    return min(max(v, _INT64_MIN), _INT64_MAX)


def _slice_fields(key: slice) -> tuple[int, int, int, int] | None:
    """A Python slice as zbuf_slice's (start, stop, step, given); None when a bound is not an integer (NumPy
    then says why) or the step does not fit in int64."""
    start, stop, step, given = 0, 0, 1, 0
    try:
        if key.start is not None:
            start, given = _clamp(operator.index(key.start)), _capi.SLICE_HAS_START
        if key.stop is not None:
            stop, given = _clamp(operator.index(key.stop)), given | _capi.SLICE_HAS_STOP
        if key.step is not None:
            step = operator.index(key.step)
            if not _INT64_MIN <= step <= _INT64_MAX:
                return None
            given |= _capi.SLICE_HAS_STEP
    except TypeError:
        return None
    return start, stop, step, given


def _slice(key: slice) -> _capi.Slice | None:
    fields = _slice_fields(key)
    return None if fields is None else _capi.Slice(*fields)


_pack_index = _capi.INDEX_PACKING.pack
_WHOLE_AXIS = _pack_index(_capi.INDEX_SLICE, 0, 0, 0, 1, 0)


def _basic_index(key: Any, ndim: int) -> tuple[int, bytes] | None:
    """NumPy basic indexing (integers, slices, one Ellipsis) as (count, packed zbuf_index entries), or None for
    what zbuf does not take (booleans, None/newaxis, arrays, lists): NumPy serves those."""
    items = key if isinstance(key, tuple) else (key,)
    out: list[bytes] = []
    ellipsis_at = None
    for k in items:
        if k is Ellipsis:
            if ellipsis_at is not None:
                return None
            ellipsis_at = len(out)
        elif isinstance(k, slice):
            fields = _slice_fields(k)
            if fields is None:
                return None
            out.append(_pack_index(_capi.INDEX_SLICE, 0, *fields))
        elif isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
            i = int(k)
            if not _INT64_MIN <= i <= _INT64_MAX:
                return None
            out.append(_pack_index(_capi.INDEX_INTEGER, i, 0, 0, 1, 0))
        else:
            return None
    if ellipsis_at is not None:
        out[ellipsis_at:ellipsis_at] = [_WHOLE_AXIS] * max(ndim - len(out), 0)
    return len(out), b"".join(out)


def _element(value: Any, dtype: np.dtype) -> np.ndarray:
    """value as one element of dtype (NumPy's conversion rules and errors), for zbuf calls taking a scalar."""
    cell = np.asarray(value, dtype=dtype)
    if cell.ndim != 0:
        raise ValueError(f"expected a scalar, got an array of shape {cell.shape}")
    return np.ascontiguousarray(cell)


def _read_only() -> ValueError:
    return ValueError("assignment destination is read-only")


class Buffer(core.Buffer):
    """Contiguous bytes in a zbuf_buffer (Zarr-Python's Buffer). Subclasses set _space."""

    _space: ClassVar[Any]

    def __init__(self, array_like) -> None:
        super().__init__(array_like)
        self._zb: H.BufferHandle | None = None
        if not self._space.owns(array_like):
            # Zarr's own gpu Buffer takes host arrays too and moves them; zbuf moves them here.
            self._zb = H.new_buffer("zbuf_buffer_from_buffer", self._space.device(), _foreign_buffer(array_like).ptr)
            self._data = self._space.view(self._zb)
        elif not _is_contiguous(array_like):
            raise ValueError("array_like: a zbuf Buffer is contiguous bytes; got a strided array (copy it first)")

    @classmethod
    def _adopt(cls, handle: H.BufferHandle):
        obj = cls.__new__(cls)
        obj._zb = handle
        obj._data = cls._space.view(handle)
        return obj

    def _handle(self) -> H.BufferHandle:
        h = self._zb
        if h is None:
            ptr, shape, _, readonly = self._space.describe(self._data)
            h = self._zb = H.wrap_buffer(self._space.device(), self._data, ptr, shape[0], readonly)
        return h

    @classmethod
    def create_zero_length(cls):
        count("zbuf", "Buffer.create_zero_length")
        return cls._adopt(H.new_buffer("zbuf_buffer_create_zero_length", cls._space.device()))

    @classmethod
    def from_buffer(cls, buffer: core.Buffer):
        count("zbuf", "Buffer.from_buffer")
        src = buffer._handle() if isinstance(buffer, Buffer) else _foreign_buffer(buffer.as_array_like())
        out = H.new_buffer("zbuf_buffer_from_buffer", cls._space.device(), src.ptr)
        # Same space: a new reference to the same bytes, read-only if those were.
        out.readonly = src.readonly and lib.zbuf_buffer_data(out.ptr) == lib.zbuf_buffer_data(src.ptr)
        return cls._adopt(out)

    @classmethod
    def from_bytes(cls, bytes_like):
        count("zbuf", "Buffer.from_bytes")
        host = np.frombuffer(bytes_like, dtype="B")
        ptr = host.__array_interface__["data"][0] if host.size else None
        return cls._adopt(H.new_buffer("zbuf_buffer_from_bytes", cls._space.device(), ptr, host.size))

    def as_numpy_array(self) -> np.ndarray:
        if self._space.owns(self._data) and isinstance(self._data, np.ndarray):
            return self._data
        count("zbuf", "Buffer.as_numpy_array")
        return np.asarray(H.new_buffer("zbuf_buffer_to_host", self._handle().ptr))

    def to_bytes(self) -> bytes:
        count("zbuf", "Buffer.to_bytes")
        h = self._handle()
        n = lib.zbuf_buffer_length(h.ptr)
        out = _pybytes_new(None, n)  # a bytes object nobody else holds yet: zbuf fills it in place
        _capi.call("zbuf_buffer_to_bytes", h.ptr, _pybytes_data(out), n)
        return out

    def __getitem__(self, key: slice):
        core.check_item_key_is_1d_contiguous(key)
        s = _slice(key)
        if s is None:
            raise TypeError(f"slice indices must be integers or None, got {key!r}")
        count("zbuf", "Buffer.__getitem__")
        h = self._handle()
        return self._adopt(H.new_buffer("zbuf_buffer_slice", h.ptr, s, readonly=h.readonly))

    def __setitem__(self, key: slice, value: Any) -> None:
        core.check_item_key_is_1d_contiguous(key)
        s = _slice(key)
        if s is None:
            raise TypeError(f"slice indices must be integers or None, got {key!r}")
        h = self._handle()
        if h.readonly:
            raise _read_only()
        count("zbuf", "Buffer.__setitem__")
        if isinstance(value, Buffer):
            src = value._handle()
        elif isinstance(value, core.Buffer):
            src = _foreign_buffer(value.as_array_like())
        else:
            src = _foreign_buffer(value, cast=True)
        _capi.call("zbuf_buffer_set_slice", h.ptr, s, src.ptr)

    def combine(self, others):
        count("zbuf", "Buffer.combine")
        parts = [self._handle()]
        for other in others:
            parts.append(other._handle() if isinstance(other, Buffer) else _foreign_buffer(other.as_array_like()))
        ptrs = (ctypes.c_void_p * len(parts))(*(p.ptr for p in parts))
        return self._adopt(H.new_buffer("zbuf_buffer_combine", ptrs, len(parts)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, core.Buffer):
            return False
        count("zbuf", "Buffer.__eq__")
        theirs = other._handle() if isinstance(other, Buffer) else _foreign_buffer(other.as_array_like())
        equal = ctypes.c_int()
        _capi.call("zbuf_buffer_equal", self._handle().ptr, theirs.ptr, ctypes.byref(equal))
        return bool(equal.value)

    __hash__ = None  # as core.Buffer: equal by contents, so not hashable

    def __reduce__(self):
        # By value, as Zarr's own Buffer pickles (a MemoryStore full of them, in Xarray's tests): the zbuf
        # reference is this process's and must never be copied.
        return self.__class__, (self._data,)


def _is_contiguous(array) -> bool:
    return array.strides in ((1,), ()) or array.shape[0] <= 1


def _foreign_buffer(array, cast: bool = False) -> H.BufferHandle:
    """A zbuf_buffer over the bytes of an array of any kind (NumPy, CuPy, bytes-like), copied only when it is
    strided (or, with cast, not bytes: the values are cast to uint8 as NumPy's setitem would)."""
    cupy = _cupy_if_loaded()
    if cupy is not None and isinstance(array, cupy.ndarray):
        if array.dtype != np.uint8 and cast:
            array = array.astype(np.uint8)
        array = cupy.ascontiguousarray(array).ravel().view(np.uint8)
        device = _capi.Device(_capi.DEVICE_CUDA, array.device.id)
        ptr, readonly = array.data.ptr, False
    else:
        array = np.asarray(array)
        if array.dtype != np.uint8 and cast:
            array = array.astype(np.uint8)
        array = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
        device = _capi.Device(_capi.DEVICE_CPU, 0)
        ptr, _, _, readonly = describe_numpy(array)
    return H.wrap_buffer(device, array, ptr, array.size, readonly)


def _cupy_if_loaded():
    import sys

    return sys.modules.get("cupy")


class NDBuffer(core.NDBuffer):
    """An n-dimensional array in a zbuf_ndbuffer (Zarr-Python's NDBuffer). Subclasses set _space."""

    _space: ClassVar[Any]

    def __init__(self, array) -> None:
        if not self._space.owns(array):
            array = self._space.xp().asarray(array)
        super().__init__(array)
        self._zb: H.NDBufferHandle | None | bool = None  # False: zbuf has no such element type

    def __reduce__(self):
        return self.__class__, (self._data,)  # by value, as Buffer

    @classmethod
    def _adopt(cls, handle: H.NDBufferHandle):
        obj = cls.__new__(cls)
        obj._zb = handle
        obj._data = cls._space.view(handle)
        return obj

    def _handle(self) -> H.NDBufferHandle | None:
        h = self._zb
        if h is None:
            zd = H.zbuf_dtype(self._data.dtype)
            if zd is None or self._data.ndim > 32:
                self._zb = False
                return None
            ptr, shape, strides, readonly = self._space.describe(self._data)
            h = self._zb = H.wrap_ndbuffer(self._space.device(), self._data, ptr, shape, strides, zd,
                                           self._data.dtype, readonly)
        return h or None

    # ---- construction ----
    @classmethod
    def create(cls, *, shape, dtype, order="C", fill_value=None):
        dt, shape = np.dtype(dtype), tuple(shape)
        zd = H.zbuf_dtype(dt)
        if zd is None:
            count("numpy", "NDBuffer.create")
            xp = cls._space.xp()
            if fill_value is None:
                return cls(xp.zeros(shape, dtype=dt, order=order))
            return cls(xp.full(shape, fill_value, dtype=dt, order=order))
        count("zbuf", "NDBuffer.create")
        fill = None  # zbuf's zeros: also for 0 and +0.0 given as Python numbers (not -0.0: its sign bit is set)
        if not (fill_value is None or (type(fill_value) in (int, float) and fill_value == 0
                                       and math.copysign(1.0, fill_value) > 0)):
            cell = np.empty((), dt)
            np.copyto(cell, fill_value, casting="unsafe")  # what np.full does with a fill value
            fill = cell.ctypes.data
        return cls._adopt(H.new_ndbuffer("zbuf_ndbuffer_create", cls._space.device(), len(shape),
                                         H.int64_array(shape), zd, _order(order), fill, dtype=dt))

    @classmethod
    def empty(cls, shape, dtype, order="C"):
        dt, shape = np.dtype(dtype), tuple(shape)
        zd = H.zbuf_dtype(dt)
        if zd is None:
            count("numpy", "NDBuffer.empty")
            return cls(cls._space.xp().empty(shape, dtype=dt, order=order))
        count("zbuf", "NDBuffer.empty")
        return cls._adopt(H.new_ndbuffer("zbuf_ndbuffer_empty", cls._space.device(), len(shape),
                                         H.int64_array(shape), zd, _order(order), dtype=dt))

    @classmethod
    def from_numpy_array(cls, array_like):
        array = np.asanyarray(array_like)
        if cls._space.owns(array):
            return cls(array)  # host: the same array, as Zarr's cpu NDBuffer
        zd = H.zbuf_dtype(array.dtype)
        if zd is None:
            count("numpy", "NDBuffer.from_numpy_array")
            return cls(cls._space.xp().asarray(array))
        count("zbuf", "NDBuffer.from_numpy_array")
        ptr, shape, strides, _ = describe_numpy(array)
        return cls._adopt(H.new_ndbuffer("zbuf_ndbuffer_from_host", cls._space.device(), ptr, len(shape),
                                         H.int64_array(shape), H.int64_array(strides), zd, dtype=array.dtype))

    def as_numpy_array(self) -> np.ndarray:
        if isinstance(self._data, np.ndarray):
            return self._data
        h = self._handle()
        if h is None:
            count("numpy", "NDBuffer.as_numpy_array")
            return self._data.get()
        count("zbuf", "NDBuffer.as_numpy_array")
        return np.asarray(H.new_ndbuffer("zbuf_ndbuffer_to_host", h.ptr, dtype=h.dtype))

    def as_scalar(self):
        if self._data.size != 1:
            raise ValueError("Buffer does not contain a single scalar value")
        h = self._handle()
        if h is None:
            count("numpy", "NDBuffer.as_scalar")
            return super().as_scalar()
        count("zbuf", "NDBuffer.as_scalar")
        out = np.empty((), h.dtype)
        _capi.call("zbuf_ndbuffer_as_scalar", h.ptr, out.ctypes.data, out.itemsize)
        return out[()]

    # ---- views and copies ----
    def _derived(self, op: str, fn: str, *args, view: bool = True, dtype: np.dtype | None = None):
        """A new NDBuffer from the zbuf call fn(handle, *args, out, err): read-only when it is a view of
        read-only memory."""
        h = self._handle()
        count("zbuf", op)
        out = H.new_ndbuffer(fn, h.ptr, *args, dtype=h.dtype if dtype is None else dtype)
        out.readonly = view and h.readonly
        return self._adopt(out)

    def reshape(self, newshape):
        if self._handle() is None:
            count("numpy", "NDBuffer.reshape")
            return super().reshape(newshape)
        shape = (newshape,) if isinstance(newshape, (int, np.integer)) else tuple(newshape)
        h = self._handle()
        out = self._derived("NDBuffer.reshape", "zbuf_ndbuffer_reshape", len(shape), H.int64_array(shape))
        # reshape copies when the strides do not allow a view; a copy is writable.
        out._zb.readonly = h.readonly and lib.zbuf_ndbuffer_data(out._zb.ptr) == lib.zbuf_ndbuffer_data(h.ptr)
        return out

    def squeeze(self, axis):
        if self._handle() is None:
            count("numpy", "NDBuffer.squeeze")
            return super().squeeze(axis)
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        return self._derived("NDBuffer.squeeze", "zbuf_ndbuffer_squeeze", len(axes), H.int64_array(axes))

    def transpose(self, axes):
        if self._handle() is None:
            count("numpy", "NDBuffer.transpose")
            return super().transpose(axes)
        if axes is None:
            return self._derived("NDBuffer.transpose", "zbuf_ndbuffer_transpose", 0, None)
        axes = (axes,) if isinstance(axes, (int, np.integer)) else tuple(operator.index(a) for a in axes)
        return self._derived("NDBuffer.transpose", "zbuf_ndbuffer_transpose", len(axes), H.int64_array(axes))

    def astype(self, dtype, order="K"):
        dt = np.dtype(dtype)
        zd = H.zbuf_dtype(dt)
        if zd is None or self._handle() is None:
            count("numpy", "NDBuffer.astype")
            return super().astype(dt, order=order)
        data = self._data
        fortran = order == "F" or (order in "KA" and data.ndim > 1 and data.flags.f_contiguous
                                   and not data.flags.c_contiguous)
        if fortran:  # zbuf casts into C order: cast the transpose, and transpose back
            return self.transpose(None).astype(dt, "C").transpose(None)
        return self._derived("NDBuffer.astype", "zbuf_ndbuffer_astype", zd, view=False, dtype=dt)

    def copy(self):
        if self._handle() is None:
            count("numpy", "NDBuffer.copy")
            return super().copy()
        return self._derived("NDBuffer.copy", "zbuf_ndbuffer_copy", view=False)

    # ---- indexing ----
    def __getitem__(self, key):
        h = self._handle()
        idx = None if h is None else _basic_index(key, self._data.ndim)
        if idx is None:
            count("numpy", "NDBuffer.__getitem__")
            return self.__class__(self._space.xp().asanyarray(self._data[key]))
        return self._derived("NDBuffer.__getitem__", "zbuf_ndbuffer_get_item", *idx)

    def __setitem__(self, key, value) -> None:
        h = self._handle()
        idx = None if h is None else _basic_index(key, self._data.ndim)
        source = value._handle() if isinstance(value, NDBuffer) else None
        if isinstance(value, core.NDBuffer):
            value = value._data
        xp = self._space.xp()
        is_array = isinstance(value, (np.ndarray, xp.ndarray))
        if idx is None or (is_array and source is None and H.zbuf_dtype(value.dtype) is None):
            count("numpy", "NDBuffer.__setitem__")
            self._data[key] = value
            return
        if h.readonly:
            raise _read_only()
        count("zbuf", "NDBuffer.__setitem__")
        if source is None and not is_array:
            value = np.asarray(value, dtype=h.dtype)  # Python scalars and lists: NumPy's conversion and errors
            if value.ndim == 0:
                _capi.call("zbuf_ndbuffer_set_item_scalar", h.ptr, *idx, value.ctypes.data)
                return
        if source is None:
            source = _foreign_ndbuffer(value)
        _capi.call("zbuf_ndbuffer_set_item", h.ptr, *idx, source.ptr)

    def fill(self, value) -> None:
        h = self._handle()
        if h is None or np.ndim(value) != 0:
            count("numpy", "NDBuffer.fill")
            return super().fill(value)
        if h.readonly:
            raise _read_only()
        count("zbuf", "NDBuffer.fill")
        _capi.call("zbuf_ndbuffer_fill", h.ptr, _element(value, h.dtype).ctypes.data)

    def all_equal(self, other: Any, equal_nan: bool = True) -> bool:
        if other is None:
            return False  # Zarr v2's fill value None: as Zarr-Python
        h = self._handle()
        if isinstance(other, core.NDBuffer):
            other = other.as_ndarray_like()
        theirs = None if h is None else _zbuf_array(other, self._space)
        if theirs is not None:  # the contract's rule (ND-SEM-017): other broadcast to this shape, cast to dtype
            count("zbuf", "NDBuffer.all_equal")
            equal = ctypes.c_int()
            _capi.call("zbuf_ndbuffer_all_equal", h.ptr, theirs.ptr, int(bool(equal_nan)), ctypes.byref(equal))
            return bool(equal.value)
        cell = None if h is None else _exact_element(other, h.dtype, equal_nan)
        if cell is None:
            count("numpy", "NDBuffer.all_equal")
            return super().all_equal(other, equal_nan=equal_nan)
        count("zbuf", "NDBuffer.all_equal")
        if cell is False:  # no element of this dtype can equal other
            return self._data.size == 0
        equal = ctypes.c_int()
        _capi.call("zbuf_ndbuffer_all_equal_scalar", h.ptr, cell.ctypes.data, int(bool(equal_nan)),
                   ctypes.byref(equal))
        return bool(equal.value)


def _order(order: str) -> int:
    try:
        return _ORDERS[order]
    except KeyError:
        raise ValueError(f"order must be 'C' or 'F', got {order!r}") from None


# A Python float against floats, a Python int against integers: the kinds whose comparison in the promoted
# type (float64, or exact integers) Python's own == makes, so the fast path of _exact_element needs no NumPy.
_SAME_KIND = {float: "f", int: "iu"}


def _exact_element(other: Any, dtype: np.dtype, equal_nan: bool):
    """other as one element of dtype when that keeps its value (zbuf then compares); False when no element
    of dtype equals it; None for what NumPy must compare (arrays, and an integer zero against floats, which
    Zarr-Python compares by value where zbuf compares +0.0 and -0.0 by bit pattern)."""
    kinds = _SAME_KIND.get(type(other))
    if kinds is not None and dtype.kind in kinds:  # Zarr's usual fill values
        cell = np.empty((), dtype)
        try:
            np.copyto(cell, other, casting="unsafe")
        except (ValueError, TypeError, OverflowError):
            return None
        mine = cell.item()
        if mine == other or (equal_nan and mine != mine and other != other):
            return cell
        return False
    if np.ndim(other) != 0 or isinstance(other, (str, bytes)):
        return None
    theirs = np.asarray(other)
    if theirs.dtype.kind not in "biufc":
        return None
    if dtype.kind in "fc" and theirs.dtype.kind != "f" and theirs == 0:
        return None
    cell = np.empty((), dtype)
    try:
        np.copyto(cell, theirs, casting="unsafe")
    except (ValueError, TypeError, OverflowError):
        return None
    # Zarr-Python compares in the promoted type: an element equals other only if the cast kept its value.
    same = np.array_equal(cell, theirs, equal_nan=equal_nan and dtype.kind in "fc" and theirs.dtype.kind in "fc")
    return cell if same else False


def _zbuf_array(other, space):
    """other as a zbuf_ndbuffer when it is an array (ndim > 0) of a dtype zbuf holds, in this memory space;
    None for scalars and for what NumPy must compare."""
    if np.ndim(other) == 0 or not space.owns(other) or H.zbuf_dtype(other.dtype) is None:
        return None
    return _foreign_ndbuffer(other)


def _foreign_ndbuffer(array) -> H.NDBufferHandle:
    """A zbuf_ndbuffer over a NumPy or CuPy array, without a copy."""
    cupy = _cupy_if_loaded()
    if cupy is not None and isinstance(array, cupy.ndarray):
        device = _capi.Device(_capi.DEVICE_CUDA, array.device.id)
        ptr, shape, strides, readonly = array.data.ptr, array.shape, array.strides, False
    else:
        array = np.asarray(array)
        device = _capi.Device(_capi.DEVICE_CPU, 0)
        ptr, shape, strides, readonly = describe_numpy(array)
    return H.wrap_ndbuffer(device, array, ptr, shape, strides, H.zbuf_dtype(array.dtype), array.dtype, readonly)

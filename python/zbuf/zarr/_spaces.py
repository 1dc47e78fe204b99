"""Memory spaces a zbuf.zarr prototype lives in: host memory seen as NumPy arrays, CUDA device memory seen as
CuPy arrays. A space says which zbuf device its buffers are made in, how an array of its kind is described to
zbuf (pointer, shape, byte strides) and how a zbuf handle is seen as an array of its kind, both without copies.
"""
from __future__ import annotations

import numpy as np

from .. import _capi


def describe_numpy(array: np.ndarray) -> tuple[int, tuple, tuple, bool]:
    return array.__array_interface__["data"][0], array.shape, array.strides, not array.flags.writeable


class HostSpace:
    name = "cpu"

    @staticmethod
    def xp():
        return np

    _device = _capi.Device(_capi.DEVICE_CPU, 0)  # passed by value: one instance serves every call

    @classmethod
    def device(cls) -> _capi.Device:
        return cls._device

    @staticmethod
    def owns(array) -> bool:
        return isinstance(array, np.ndarray)

    @staticmethod
    def describe(array) -> tuple[int, tuple, tuple, bool]:
        return describe_numpy(array)

    @staticmethod
    def view(handle) -> np.ndarray:
        return np.asarray(handle)


class CudaSpace:
    """CuPy is imported on first use, so `import zbuf.zarr.gpu` works (and fails clearly when used) without it."""

    name = "gpu"
    _cupy = None

    @classmethod
    def cupy(cls):
        if cls._cupy is None:
            try:
                import cupy
            except ImportError as e:
                raise ImportError("zbuf.zarr.gpu needs CuPy (pip install cupy-cuda12x or cupy-cuda13x) and a "
                                  "zbuf built with CUDA (ZBUF_LIBRARY=<build>/libzbuf.so)") from e
            cls._cupy = cupy
        return cls._cupy

    @classmethod
    def xp(cls):
        return cls.cupy()

    @classmethod
    def device(cls) -> _capi.Device:
        dev = _capi.Device(_capi.DEVICE_CUDA, cls.cupy().cuda.runtime.getDevice())
        _capi.call("zbuf_device_check", dev)  # ZBUF_ENODEV, with zbuf's message, when built without CUDA
        return dev

    @classmethod
    def owns(cls, array) -> bool:
        return cls._cupy is not None and isinstance(array, cls._cupy.ndarray)

    @staticmethod
    def describe(array) -> tuple[int, tuple, tuple, bool]:
        return array.data.ptr, array.shape, array.strides, False

    @classmethod
    def view(cls, handle):
        return cls.cupy().asarray(handle)

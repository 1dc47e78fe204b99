"""zbuf's CUDA prototype for Zarr-Python: CuPy arrays over device memory the C reference manages, with zbuf's
pinned, multi-stream copies to and from the host.

    import zbuf.zarr.gpu            # needs CuPy only when a buffer is made
    zarr.config.set({"buffer": "zbuf.zarr.gpu.Buffer", "ndbuffer": "zbuf.zarr.gpu.NDBuffer"})

ZBUF_LIBRARY must name a libzbuf built with CUDA (the wheel's copy is host-only); without one, making a buffer
fails with zbuf's ENODEV message.
"""
from __future__ import annotations

from zarr.core.buffer import core
from zarr.registry import register_buffer, register_ndbuffer

from . import _buffers
from ._spaces import CudaSpace

__all__ = ["Buffer", "NDBuffer", "buffer_prototype"]


class Buffer(_buffers.Buffer):
    _space = CudaSpace


class NDBuffer(_buffers.NDBuffer):
    _space = CudaSpace


buffer_prototype = core.BufferPrototype(buffer=Buffer, nd_buffer=NDBuffer)

register_buffer(Buffer, qualname="zbuf.zarr.gpu.Buffer")
register_ndbuffer(NDBuffer, qualname="zbuf.zarr.gpu.NDBuffer")

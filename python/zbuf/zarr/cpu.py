"""zbuf's host-memory prototype for Zarr-Python: NumPy arrays over memory the C reference manages.

    import zbuf.zarr.cpu            # registers zbuf.zarr.cpu.Buffer and zbuf.zarr.cpu.NDBuffer with Zarr
    zarr.config.set({"buffer": "zbuf.zarr.cpu.Buffer", "ndbuffer": "zbuf.zarr.cpu.NDBuffer"})
"""
from __future__ import annotations

from zarr.core.buffer import core
from zarr.registry import register_buffer, register_ndbuffer

from . import _buffers
from ._spaces import HostSpace

__all__ = ["Buffer", "NDBuffer", "buffer_prototype"]


class Buffer(_buffers.Buffer):
    _space = HostSpace


class NDBuffer(_buffers.NDBuffer):
    _space = HostSpace


buffer_prototype = core.BufferPrototype(buffer=Buffer, nd_buffer=NDBuffer)

register_buffer(Buffer, qualname="zbuf.zarr.cpu.Buffer")
register_ndbuffer(NDBuffer, qualname="zbuf.zarr.cpu.NDBuffer")

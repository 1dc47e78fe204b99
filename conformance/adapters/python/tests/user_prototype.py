"""A user's own Buffer/NDBuffer subclasses, driven by the adapter like Zarr's own: `py:user_prototype:prototype`.

Buffer.from_bytes warns, so that the smoke test can see warnings reach the side channel
(ZBUF_PYADAPTER_WARNINGS). Works with zarr 3.0 and 3.1 (zarr.core.buffer.cpu exists in both)."""

import warnings

from zarr.core.buffer import BufferPrototype, cpu


class Buffer(cpu.Buffer):
    @classmethod
    def from_bytes(cls, bytes_like):
        warnings.warn("user_prototype.Buffer.from_bytes was called", UserWarning, stacklevel=2)
        return super().from_bytes(bytes_like)


class NDBuffer(cpu.NDBuffer):
    pass


prototype = BufferPrototype(buffer=Buffer, nd_buffer=NDBuffer)

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


class _WithoutAsScalar(type(cpu.NDBuffer)):
    """Hides NDBuffer.as_scalar, as releases before zarr 3.0.7 lack it."""

    def __getattribute__(cls, name):
        if name == "as_scalar":
            raise AttributeError(name)
        return super().__getattribute__(name)


class OldNDBuffer(cpu.NDBuffer, metaclass=_WithoutAsScalar):
    pass


# `py:user_prototype:without_as_scalar`: an NDBuffer class without as_scalar (the adapter must report the
# operation absent, UNSUPPORTED, rather than FAIL it).
without_as_scalar = BufferPrototype(buffer=cpu.Buffer, nd_buffer=OldNDBuffer)

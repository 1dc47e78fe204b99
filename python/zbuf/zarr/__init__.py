"""zbuf's buffers inside Zarr-Python: `zbuf.zarr.enable()` makes every Zarr array of this process use them.

    import zbuf.zarr
    zbuf.zarr.enable()          # or enable("gpu"); as zarr.config.enable_gpu() does for Zarr's own
    ...
    zbuf.zarr.stats()           # which buffer operations zbuf served, and which NumPy did

Without code changes: ZARR_BUFFER=zbuf.zarr.cpu.Buffer ZARR_NDBUFFER=zbuf.zarr.cpu.NDBuffer in the environment
and `import zbuf.zarr.cpu` (or pytest -p zbuf.zarr.cpu) before the first array.
"""
from __future__ import annotations

import importlib

from ._stats import reset_stats, stats

__all__ = ["enable", "stats", "reset_stats"]

_KINDS = ("cpu", "gpu")


def enable(kind: str = "cpu"):
    """Sets Zarr's "buffer" and "ndbuffer" config to zbuf's classes for kind ("cpu" or "gpu"); returns the
    donfig context, so `with zbuf.zarr.enable(): ...` limits it to a block."""
    if kind not in _KINDS:
        raise ValueError(f"zbuf.zarr.enable: kind must be one of {', '.join(_KINDS)}, got {kind!r}")
    importlib.import_module(f"zbuf.zarr.{kind}")
    import zarr

    return zarr.config.set({"buffer": f"zbuf.zarr.{kind}.Buffer", "ndbuffer": f"zbuf.zarr.{kind}.NDBuffer"})

"""zbuf: the reference implementation of Zarr-Python's buffer API (C, host and CUDA memory) for Python.

zbuf.zarr has Buffer/NDBuffer prototypes that Zarr-Python can use; zbuf._capi is the ctypes binding of libzbuf.
"""

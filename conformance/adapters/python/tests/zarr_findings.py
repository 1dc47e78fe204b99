"""Zarr-Python's buffer behaviours that docs/zarr-python.md reports, checked directly in Python, per version.

The conformance runs see Zarr through the C ABI; a few findings are about what Zarr does with Python objects the
ABI cannot hand over (a bytearray the caller keeps mutating, `bytes`), or are easier to state in Python. Each
check asserts what the installed zarr does *today*, so this test fails when a release changes one of them:
then docs/zarr-python.md and the expectations files need a look.

usage: VENV/bin/python zarr_findings.py   (prints one line per finding and "N passed, M failed")
"""

import sys
import warnings

import numpy as np
import zarr
from zarr.core.buffer import cpu

V31 = tuple(int(p) for p in zarr.__version__.split(".")[:2]) >= (3, 1)
results = []


def finding(name):
    def run(check):
        try:
            check()
            results.append((name, None))
        except Exception as exc:  # a finding that no longer holds, whatever the way it breaks
            results.append((name, f"{type(exc).__name__}: {exc}"))
        return check
    return run


@finding("cpu Buffer.from_bytes aliases a writable bytearray (no copy)")
def _():
    data = bytearray(b"abc")
    buf = cpu.Buffer.from_bytes(data)
    data[0] = ord("x")
    assert buf.to_bytes() == b"xbc", buf.to_bytes()


@finding("cpu Buffer.from_bytes of bytes is read-only: __setitem__ raises ValueError")
def _():
    buf = cpu.Buffer.from_bytes(b"abcd")
    try:
        buf[0:2] = np.frombuffer(b"xy", dtype="u1")
    except ValueError as exc:
        assert "read-only" in str(exc), exc
    else:
        raise AssertionError("no error")


@finding("NDBuffer.squeeze ignores out-of-range and negative axes")
def _():
    a = cpu.NDBuffer.create(shape=(2, 1), dtype="f8")
    assert a.squeeze((5,)).shape == (2, 1)
    assert a.squeeze((-1,)).shape == (2, 1)


@finding("NDBuffer.squeeze(None) raises TypeError (no 'all size-1 axes' form)")
def _():
    a = cpu.NDBuffer.create(shape=(2, 1), dtype="f8")
    try:
        a.squeeze(None)
    except TypeError:
        return
    raise AssertionError("no TypeError")


@finding("NDBuffer.__getitem__ with only integers gives a 0-d copy (cpu)")
def _():
    a = cpu.NDBuffer.create(shape=(2, 2), dtype="f8", fill_value=1.0)
    item = a[1, 1]
    a[1, 1] = 5.0
    assert item.as_scalar() == 1.0


@finding("NDBuffer.astype keeps an F-ordered source F-ordered (order='K')")
def _():
    a = cpu.NDBuffer.create(shape=(2, 3), dtype="f8", order="F")
    assert a.astype("f4").as_ndarray_like().flags.f_contiguous


if V31:
    @finding("3.1: all_equal(0.0) compares bit patterns: -0.0 is not +0.0")
    def _():
        a = cpu.NDBuffer.create(shape=(3,), dtype="f8", fill_value=-0.0)
        assert not a.all_equal(0.0)

    @finding("3.1: all_equal with a float array of more than one element raises ValueError")
    def _():
        a = cpu.NDBuffer.create(shape=(3,), dtype="f8", fill_value=1.0)
        try:
            a.all_equal(np.ones(3))
        except ValueError as exc:
            assert "ambiguous" in str(exc), exc
        else:
            raise AssertionError("no error")

    @finding("3.1: Buffer.combine and NDBuffer.empty exist")
    def _():
        assert hasattr(cpu.Buffer, "combine") and hasattr(cpu.NDBuffer, "empty")
else:
    @finding("3.0: all_equal(0.0) compares values: -0.0 equals +0.0")
    def _():
        a = cpu.NDBuffer.create(shape=(3,), dtype="f8", fill_value=-0.0)
        assert a.all_equal(0.0)

    @finding("3.0: all_equal with a float array compares it")
    def _():
        a = cpu.NDBuffer.create(shape=(3,), dtype="f8", fill_value=1.0)
        assert a.all_equal(np.ones(3))

    @finding("3.0: no Buffer.combine and no NDBuffer.empty")
    def _():
        assert not hasattr(cpu.Buffer, "combine") and not hasattr(cpu.NDBuffer, "empty")


@finding("gpu Buffer.create_zero_length without CuPy raises AttributeError, not the intended ImportError")
def _():
    try:
        import cupy  # noqa: F401
        return  # with CuPy the finding does not apply
    except ImportError:
        pass
    from zarr.core.buffer import gpu
    try:
        gpu.Buffer.create_zero_length()
    except AttributeError as exc:
        assert "'NoneType' object has no attribute 'array'" in str(exc), exc
    else:
        raise AssertionError("no AttributeError")


@finding("config 'buffer' accepts an unregistered name; default_buffer_prototype() raises ValueError later")
def _():
    from zarr.core.buffer import default_buffer_prototype
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zarr.config.set({"buffer": "no.such.Buffer"}):
            try:
                default_buffer_prototype()
            except ValueError:
                return
    raise AssertionError("no error")


failed = 0
for name, error in results:
    if error is None:
        print(f"ok - zarr {zarr.__version__}: {name}")
    else:
        failed += 1
        print(f"not ok - zarr {zarr.__version__}: {name}: no longer holds: {error}")
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)

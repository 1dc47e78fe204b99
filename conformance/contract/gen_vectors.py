#!/usr/bin/env python3
"""Generate the zbuf golden vectors (language-neutral JSON) for the ND-SEM and value-only ND-ERR clauses.

Writes one file per operation, <out>/<op>.json, in the format described in vectors/FORMAT.md
("zbuf-vectors/1"). NumPy is the oracle, except where CONTRACT.md decides otherwise (all_equal's bit-pattern
rule for zeros, create without a fill value, ...); those places are marked "contract:" below. The output is
deterministic: the same NumPy version always writes the same bytes, and the cases avoid values whose result is
implementation-defined in NumPy (float->int of NaN/Inf/out-of-range values).

Every expected error is computed by running the operation with NumPy and mapping the exception class
(AxisError/IndexError -> ERANGE, ValueError -> EINVAL, TypeError -> ETYPE, MemoryError -> ENOMEM); the generator
stops if that disagrees with the error the case declares, so the vectors and the contract cannot drift apart
silently.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

FORMAT = "zbuf-vectors/1"
OPS = (
    "create_fill",
    "reshape",
    "squeeze",
    "astype",
    "transpose",
    "getitem",
    "setitem",
    "all_equal",
    "byteorder",
    "order",
    "as_scalar",
)
MAX_FILE_BYTES = 300 * 1024

try:  # NumPy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover
    AxisError = np.AxisError  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------------------------- helpers


def dt(s: str) -> np.dtype:
    return np.dtype(s)


def enc(a: np.ndarray) -> dict:
    """dtype, shape and the C-order element bytes (in the dtype's byte order) as hex."""
    a = np.asarray(a)
    return {"dtype": a.dtype.str, "shape": list(a.shape), "data": a.tobytes(order="C").hex()}


def inp(a: np.ndarray, order: str = "C", view: list | None = None) -> dict:
    d = enc(a)
    r = {"dtype": d["dtype"], "shape": d["shape"], "order": order, "data": d["data"]}
    if view is not None:
        r["view"] = view
    return r


def make(a: np.ndarray, order: str, view: list | None = None) -> np.ndarray:
    """The array as the harness builds it from an input record: same values, memory in `order`, then the
    optional basic-index view taken of it (the operation then works on a strided view)."""
    m = np.array(a, order=order, copy=True)
    return m if view is None else m[to_key(view)]


def sx(value, dtype: str) -> str:
    """Hex of one element of `dtype` holding value (a number, or bytes already in that dtype)."""
    if isinstance(value, (bytes, bytearray)):
        assert len(value) == dt(dtype).itemsize, (value, dtype)
        return bytes(value).hex()
    return np.array(value, dtype=dtype).tobytes().hex()


def from_hex(h: str, dtype: str, shape=()) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(h), dtype=dtype).reshape(shape).copy()


def bits(h: str, dtype: str) -> np.ndarray:
    """One element given by its bit pattern (hex in the dtype's byte order) as a 0-d array."""
    return from_hex(h, dtype, ())


def arange(shape, dtype: str, start=0) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    d = dt(dtype)
    if d.kind == "b":
        v = np.arange(n) % 3 == 1
    elif d.kind == "c":
        v = np.arange(start, start + n) + 1j * (np.arange(n) % 4 - 1.5)
    elif d.kind == "u":
        v = np.arange(start, start + n) % (1 << min(8 * d.itemsize, 16))
    else:
        v = np.arange(start, start + n) - (n // 3 if d.kind in "if" else 0)
        if d.kind == "f":
            v = v * 0.5
    return np.asarray(v).astype(d).reshape(shape)


def err_code(exc: BaseException) -> str:
    if isinstance(exc, AxisError):
        return "ERANGE"
    if isinstance(exc, IndexError):
        return "ERANGE"
    if isinstance(exc, MemoryError):
        return "ENOMEM"
    if isinstance(exc, TypeError):
        return "ETYPE"
    if isinstance(exc, ValueError):
        return "EINVAL"
    return "EINTERNAL"


class Cases:
    def __init__(self, op: str):
        self.op = op
        self.cases: list[dict] = []
        self.ids: set[str] = set()

    def add(
        self,
        clause: str,
        variant: str,
        input_,
        args: dict,
        fn,
        *,
        error: str | None = None,
        note: str | None = None,
        expect_extra: dict | None = None,
        expect_override: dict | None = None,
    ):
        """Runs fn() (the oracle) and records the case. fn returns the expect dict; an exception becomes
        {"error": CODE}, which must equal `error` when given (and an unexpected success is a generator bug).
        """
        cid = f"{clause}[{variant}]"
        if cid in self.ids:
            raise SystemExit(f"gen_vectors: duplicate case id {cid} in {self.op}")
        self.ids.add(cid)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                try:
                    expect = fn()
                except Exception as exc:  # noqa: BLE001 - the oracle's error class is the expectation
                    code = err_code(exc)
                    if error is None:
                        raise SystemExit(
                            f"gen_vectors: {cid}: NumPy raised {type(exc).__name__}: {exc}"
                        ) from exc
                    if code != error:
                        raise SystemExit(
                            f"gen_vectors: {cid}: NumPy raised {type(exc).__name__} ({code}), "
                            f"case declares {error}: {exc}"
                        ) from exc
                    expect = {"error": code}
                else:
                    if error is not None:
                        raise SystemExit(f"gen_vectors: {cid}: expected {error} but NumPy succeeded")
        if expect_override is not None:
            expect = expect_override
        if expect_extra:
            expect = {**expect, **expect_extra}
        case = {"id": cid, "clause": clause, "input": input_, "args": args, "expect": expect}
        if note:
            case["note"] = note
        self.cases.append(case)

    def doc(self) -> dict:
        return {"format": FORMAT, "op": self.op, "cases": self.cases}


def sl(start=None, stop=None, step=None) -> dict:
    return {"start": start, "stop": stop, "step": step}


def to_key(index: list) -> tuple:
    key = []
    for e in index:
        if isinstance(e, dict):
            key.append(slice(e["start"], e["stop"], e["step"]))
        else:
            key.append(int(e))
    return tuple(key)


# Special bit patterns (hex in the named byte order).
F8 = {
    "pz": "0000000000000000",
    "nz": "0000000000000080",
    "qnan": "000000000000f87f",
    "nnan": "000000000000f8ff",
    "pnan": "010000000000f87f",
    "snan": "010000000000f07f",
    "inf": "000000000000f07f",
    "ninf": "000000000000f0ff",
    "one": "000000000000f03f",
    "sub": "0100000000000000",
}
F4 = {
    "pz": "00000000",
    "nz": "00000080",
    "qnan": "0000c07f",
    "pnan": "0100c07f",
    "nnan": "0000c0ff",
    "snan": "0100807f",
    "inf": "0000807f",
}
F2 = {
    "pz": "0000",
    "nz": "0080",
    "qnan": "007e",
    "pnan": "017e",
    "nnan": "00fe",
    "snan": "017c",
    "one": "003c",
    "sub": "0100",
    "max": "ff7b",
    "inf": "007c",
}


def be(h: str) -> str:
    """Byte-reverse a little-endian hex element to big-endian."""
    return bytes.fromhex(h)[::-1].hex()


# ----------------------------------------------------------------------------------------------- ops


def gen_create_fill() -> Cases:
    c = Cases("create_fill")
    C = "ND-SEM-001"

    def create(shape, dtype, order, fill_hex):
        def fn():
            if fill_hex is None:  # contract ND-SEM-002: zeros in every kind
                a = np.zeros(shape, dtype=dtype, order=order)
            else:
                a = np.full(shape, bits(fill_hex, dtype), dtype=dtype, order=order)
            out = enc(a)
            if fill_hex is not None and a.size:
                # contract: exact bits of the fill value in every element
                assert out["data"] == fill_hex * a.size, (shape, dtype, fill_hex)
            return out

        return fn

    def add(clause, variant, shape, dtype, order, fill_hex, **kw):
        args = {"shape": list(shape), "dtype": dtype, "order": order, "fill_value": fill_hex}
        c.add(clause, variant, None, args, create(shape, dtype, order, fill_hex), **kw)

    add(C, "f8-one", (2, 3), "<f8", "C", F8["one"])
    add(C, "f8-negzero", (4,), "<f8", "C", F8["nz"])
    add(C, "f8-qnan", (3,), "<f8", "C", F8["qnan"])
    add(C, "f8-nan-payload", (2, 2), "<f8", "C", F8["pnan"])
    add(C, "f8-neg-nan", (2,), "<f8", "C", F8["nnan"])
    add(C, "f8-snan", (2,), "<f8", "C", F8["snan"], note="signalling NaN: the bits must survive unchanged")
    add(C, "f8-subnormal", (3,), "<f8", "F", F8["sub"])
    add(C, "f8-ninf", (1, 2), "<f8", "C", F8["ninf"])
    add(C, "f8-be-negzero", (3,), ">f8", "C", be(F8["nz"]))
    add(C, "f8-be-nan-payload", (2,), ">f8", "C", be(F8["pnan"]))
    add(C, "f4-negzero", (2, 2), "<f4", "F", F4["nz"])
    add(C, "f4-nan-payload", (3,), "<f4", "C", F4["pnan"])
    add(C, "f4-snan", (2,), "<f4", "C", F4["snan"])
    add(C, "f4-be-one", (2,), ">f4", "C", sx(1.0, ">f4"))
    add(C, "f2-one", (5,), "<f2", "C", F2["one"])
    add(C, "f2-negzero", (2, 3), "<f2", "C", F2["nz"])
    add(C, "f2-nan-payload", (3,), "<f2", "C", F2["pnan"])
    add(C, "f2-snan", (2,), "<f2", "C", F2["snan"])
    add(C, "f2-subnormal", (2,), "<f2", "C", F2["sub"])
    add(C, "f2-max", (2,), "<f2", "C", F2["max"])
    add(C, "f2-be-nan", (2,), ">f2", "C", be(F2["nnan"]))
    add(C, "c16-negzero-nan", (2,), "<c16", "C", F8["nz"] + F8["pnan"])
    add(C, "c8-value", (2, 1), "<c8", "F", sx(1.5 - 2j, "<c8"))
    add(C, "c16-be", (2,), ">c16", "C", sx(0.25 + 4j, ">c16"))
    add(C, "b1-true", (3,), "|b1", "C", "01")
    add(C, "i1-min", (2, 2), "|i1", "C", sx(-128, "|i1"))
    add(C, "u1-max", (4,), "|u1", "C", "ff")
    add(C, "i2-be", (3,), ">i2", "C", sx(-2, ">i2"))
    add(C, "u2", (3,), "<u2", "C", sx(65535, "<u2"))
    add(C, "i4", (2, 3), "<i4", "F", sx(-123456, "<i4"))
    add(C, "i4-be", (2,), ">i4", "C", sx(0x01020304, ">i4"))
    add(C, "u4", (2,), "<u4", "C", sx(0xDEADBEEF, "<u4"))
    add(C, "i8-min", (2,), "<i8", "C", sx(-(2**63), "<i8"))
    add(C, "u8-max", (2,), "<u8", "C", sx(2**64 - 1, "<u8"))
    add(C, "u8-be", (2,), ">u8", "C", sx(0x0102030405060708, ">u8"))
    add(C, "0d", (), "<f8", "C", F8["nz"])
    add(C, "0d-i2", (), ">i2", "C", sx(7, ">i2"))
    add(C, "zero-size", (0,), "<f8", "C", F8["one"])
    add(C, "zero-size-2d", (3, 0), "<i4", "F", sx(5, "<i4"))
    add(C, "ndim32", (1,) * 32, "|u1", "C", "2a")
    add("ND-SEM-002", "null-f8", (2, 3), "<f8", "C", None)
    add("ND-SEM-002", "null-c16-F", (2, 2), "<c16", "F", None)
    add("ND-SEM-002", "null-be-i4", (3,), ">i4", "C", None)
    add("ND-SEM-002", "null-0d", (), "<f2", "C", None)
    # errors
    add("ND-ERR-017", "neg-extent", (2, -1), "<f8", "C", F8["one"], error="EINVAL")
    c.add(
        "ND-ERR-015",
        "create-bad-dtype",
        None,
        {"shape": [2], "dtype": "x9", "order": "C", "fill_value": None},
        lambda: enc(np.zeros((2,), dtype="x9")),
        error="ETYPE",
    )
    c.add(
        "ND-ERR-018",
        "ndim65",
        None,
        {"shape": [1] * 65, "dtype": "|u1", "order": "C", "fill_value": None},
        lambda: enc(np.zeros((1,) * 65, dtype="u1")),
        error="EINVAL",
    )
    c.add(
        "ND-ERR-019",
        "too-big",
        None,
        {"shape": [2**62, 16], "dtype": "|u1", "order": "C", "fill_value": None},
        lambda: enc(np.zeros((2**62, 16), dtype="u1")),
        error="EINVAL",
        note="byte size 2^66 overflows int64: EINVAL, never an attempt to allocate",
    )
    return c


def gen_reshape() -> Cases:
    c = Cases("reshape")
    C = "ND-SEM-005"

    def add(clause, variant, a, order, shape, **kw):
        def fn():
            return enc(make(a, order).reshape(tuple(shape)))

        c.add(clause, variant, inp(a, order), {"shape": list(shape)}, fn, **kw)

    def addv(clause, variant, a, view, shape, **kw):
        def fn():
            return enc(make(a, "C", view).reshape(tuple(shape)))

        c.add(clause, variant, inp(a, "C", view), {"shape": list(shape)}, fn, **kw)

    a23 = arange((2, 3), "<f8")
    add(C, "2x3-to-3x2", a23, "C", [3, 2])
    add(C, "2x3-to-6", a23, "C", [6])
    add(C, "2x3-to-minus1", a23, "C", [-1])
    add(C, "2x3-to-3xminus1", a23, "C", [3, -1])
    add(C, "2x3-to-1x6x1", a23, "C", [1, 6, 1])
    add(C, "F-2x3-to-3x2", a23, "F", [3, 2], note="elements keep their C order whatever the memory layout")
    add(C, "F-2x3-to-6", a23, "F", [6])
    a234 = arange((2, 3, 4), "<i4")
    add(C, "2x3x4-to-4xminus1", a234, "C", [4, -1])
    add(C, "2x3x4-to-minus1x2x2", a234, "C", [-1, 2, 2])
    add(C, "2x3x4-to-24", a234, "F", [24])
    add(C, "be-i2", arange((2, 4), ">i2"), "C", [4, 2])
    add(C, "f2-nan", from_hex(F2["pnan"] + F2["nz"] + F2["one"] + F2["snan"], "<f2", (4,)), "C", [2, 2])
    add(C, "c16", arange((2, 2), "<c16"), "C", [4, 1])
    add(C, "b1", arange((6,), "|b1"), "C", [3, 2])
    add(C, "0d-to-1", np.array(5.0), "C", [1])
    add(C, "0d-to-1x1", np.array(5, dtype="<i8"), "C", [1, 1])
    add(C, "0d-to-0d", np.array(5, dtype="<i8"), "C", [])
    add(C, "0d-to-minus1", np.array(-0.0), "C", [-1])
    add(C, "1-to-0d", np.array([7], dtype="<u2"), "C", [])
    add(C, "1x1-to-0d", np.array([[7]], dtype="<u2"), "C", [])
    z03 = np.zeros((0, 3), dtype="<f4")
    add(C, "zero-size-0x3-to-3x0", z03, "C", [3, 0])
    add(C, "zero-size-minus1x3", z03, "C", [-1, 3])
    add(C, "zero-size-to-0", z03, "C", [0])
    add(C, "zero-size-to-2x0x5", z03, "C", [2, 0, 5])
    a46 = arange((4, 6), "<f8")
    rv = [sl(None, None, -1), sl(None, None, 2)]
    addv(C, "view-neg-step-to-12", a46, rv, [12])
    addv(C, "view-neg-step-to-3x4", a46, rv, [3, 4])
    addv(C, "view-neg-step-to-2xminus1", a46, rv, [2, -1])
    addv(C, "view-row-to-2x3", a46, [-1, sl(None, None, -1)], [2, 3])
    # errors
    add("ND-ERR-004", "size-mismatch", a23, "C", [4, 2], error="EINVAL")
    addv("ND-ERR-004", "view-size-mismatch", a46, rv, [5, 2], error="EINVAL")
    add("ND-ERR-004", "size-mismatch-0d", np.array(1.0), "C", [2], error="EINVAL")
    add("ND-ERR-004", "minus1-no-fit", a23, "C", [4, -1], error="EINVAL")
    add(
        "ND-ERR-004",
        "zero-size-minus1x0",
        z03,
        "C",
        [-1, 0],
        error="EINVAL",
        note="-1 cannot be inferred when the other extents multiply to 0",
    )
    add("ND-ERR-004", "nonzero-to-zero", a23, "C", [0, 6], error="EINVAL")
    add("ND-ERR-005", "two-minus1", a23, "C", [-1, -1], error="EINVAL")
    add("ND-ERR-005", "minus2", a23, "C", [-2, -3], error="EINVAL")
    add("ND-ERR-005", "minus2-with-minus1", a23, "C", [-2, -1], error="EINVAL")
    return c


def gen_squeeze() -> Cases:
    c = Cases("squeeze")
    C = "ND-SEM-006"

    def add(clause, variant, a, order, axes, **kw):
        def fn():
            return enc(make(a, order).squeeze(axis=None if axes is None else tuple(axes)))

        c.add(clause, variant, inp(a, order), {"axes": axes}, fn, **kw)

    def addv(clause, variant, a, view, axes, **kw):
        def fn():
            return enc(make(a, "C", view).squeeze(axis=None if axes is None else tuple(axes)))

        c.add(clause, variant, inp(a, "C", view), {"axes": axes}, fn, **kw)

    a131 = arange((1, 3, 1), "<f8")
    add(C, "all", a131, "C", None)
    add(C, "axis0", a131, "C", [0])
    add(C, "axis2", a131, "C", [2])
    add(
        C,
        "axis-neg1",
        a131,
        "C",
        [-1],
        note="contract: negative axes count from the end (Zarr 3.1 ignores them)",
    )
    add(C, "axis-neg3", a131, "F", [-3])
    add(C, "axes0-2", a131, "C", [0, 2])
    add(C, "axes2-0", a131, "C", [2, 0])
    add(C, "axes0-neg1", a131, "C", [0, -1])
    add(C, "all-ones-to-0d", arange((1, 1, 1), ">i4"), "C", None)
    add(C, "0d", np.array(3.5, dtype="<f2"), "C", None)
    add(C, "none-to-squeeze", arange((2, 3), "<i2"), "C", None)
    add(C, "zero-size", np.zeros((0, 1), dtype="<c8"), "C", None)
    add(C, "zero-size-axis", np.zeros((1, 0, 1), dtype="|u1"), "C", [2])
    add(C, "F-2x1x3", arange((2, 1, 3), "<f4"), "F", None)
    add(C, "nan-bits", from_hex(F8["pnan"] + F8["nz"], "<f8", (2, 1)), "C", [1])
    addv(C, "view-neg-step", arange((3, 4), ">i4"), [sl(None, None, -1), sl(1, 2)], None)
    addv(C, "view-neg-step-axis", arange((3, 4), "<f2"), [sl(2, 3), sl(None, None, -2)], [0])
    # errors
    add("ND-ERR-006", "not-one", a131, "C", [1], error="EINVAL")
    add("ND-ERR-006", "not-one-neg", a131, "C", [-2], error="EINVAL")
    add("ND-ERR-006", "zero-extent", np.zeros((1, 0), dtype="<f8"), "C", [1], error="EINVAL")
    add(
        "ND-ERR-007",
        "axis-oob",
        a131,
        "C",
        [3],
        error="ERANGE",
        note="contract: NumPy's AxisError (Zarr 3.1 ignores the axis)",
    )
    add("ND-ERR-007", "axis-oob-neg", a131, "C", [-4], error="ERANGE")
    add("ND-ERR-007", "axis-oob-0d", np.array(1.0), "C", [0], error="ERANGE")
    add("ND-ERR-008", "axis-repeated", a131, "C", [0, 0], error="EINVAL")
    add("ND-ERR-008", "axis-repeated-neg", a131, "C", [0, -3], error="EINVAL")
    return c


def gen_astype() -> Cases:
    c = Cases("astype")
    C = "ND-SEM-007"

    def add(clause, variant, a, order, to, nan_any=False, **kw):
        def fn():
            r = make(a, order).astype(to)
            e = enc(r)
            if nan_any:
                e["nan"] = "any"
            return e

        c.add(clause, variant, inp(a, order), {"dtype": to}, fn, **kw)

    def addv(clause, variant, a, view, to, **kw):
        def fn():
            return enc(make(a, "C", view).astype(to))

        c.add(clause, variant, inp(a, "C", view), {"dtype": to}, fn, **kw)

    add(C, "i4-to-f8", np.array([-3, 0, 7, 2**31 - 1], dtype="<i4"), "C", "<f8")
    add(
        C,
        "f8-to-i4-trunc",
        np.array([-2.7, -0.5, 0.0, 0.9, 2.5, 1e9], dtype="<f8"),
        "C",
        "<i4",
        note="float->int truncates toward zero for in-range values",
    )
    add(C, "f8-to-i8-large", np.array([2.0**53, -(2.0**62), 3.99], dtype="<f8"), "C", "<i8")
    add(C, "f8-to-u2", np.array([0.0, 1.5, 65535.0], dtype="<f8"), "C", "<u2")
    add(
        C,
        "f8-to-u4-high",
        np.array([3e9, 4294967295.0, 2147483648.0, 2147483647.5], dtype="<f8"),
        "C",
        "<u4",
        note="in range for uint32 but not for int32",
    )
    add(
        C,
        "f8-to-u8-high",
        np.array([1e10, 2.0**63, 1.5 * 2.0**63, 2.0**64 - 2048], dtype="<f8"),
        "C",
        "<u8",
        note="in range for uint64, from 2^63 on not for int64",
    )
    add(C, "f4-to-u4-high", np.array([3e9, 2.0**31], dtype="<f4"), "C", "<u4")
    add(C, "f8-to-i4-near-limits", np.array([2147483647.9, -2147483648.9, -2147483647.5], dtype="<f8"), "C", "<i4")
    add(C, "f8-to-i2-trunc", np.array([-32768.9, 32767.9, -1.5], dtype="<f8"), "C", "<i2")
    add(
        C,
        "f8-to-f4-round",
        np.array([0.1, 1 / 3, 1e-50, 3.4e38, 1e39, -0.0], dtype="<f8"),
        "C",
        "<f4",
        note="round to nearest even; overflow to inf and underflow to 0 are defined",
    )
    add(
        C,
        "f8-to-f2-round",
        np.array([0.1, 65504.0, 65520.0, 70000.0, 2.0**-24, 2.0**-26, 1.0009765625 + 2**-11], dtype="<f8"),
        "C",
        "<f2",
    )
    add(
        C,
        "f8-to-f2-no-double-rounding",
        np.array([1 + 2**-11 + 2**-40, -(1 + 2**-11 + 2**-40), 1 + 2**-11], dtype="<f8"),
        "C",
        "<f2",
        note="one correctly rounded conversion: going through float32 first would round the first two to +-1.0",
    )
    add(
        C,
        "i8-to-f4-no-double-rounding",
        np.array([2**24 + 1, 2**53 + 2**29 + 1], dtype="<i8"),
        "C",
        "<f4",
        note="2^53+2^29+1 goes to 2^53+2^30; going through float64 first would give 2^53",
    )
    add(C, "f4-to-f2-ties", np.array([2049.0, 2051.0, -2049.0, 1 + 2**-11], dtype="<f4"), "C", "<f2")
    add(
        C,
        "f8-to-f2-sticky-lowest-bit",
        np.array([1 + 2**-11 + 2**-52, 2048 + 1 + 2**-42, 2**-24 * (1.5 + 2**-52)], dtype="<f8"),
        "C",
        "<f2",
        note="just above a tie by the last bit of the float64 mantissa: rounds up",
    )
    add(
        C,
        "f4-to-f2-sticky-lowest-bit",
        np.array([1 + 2**-11 + 2**-23, -(1 + 2**-11 + 2**-23)], dtype="<f4"),
        "C",
        "<f2",
    )
    add(
        C,
        "f2-to-f8",
        from_hex(F2["one"] + F2["sub"] + F2["max"] + F2["nz"] + F2["inf"], "<f2", (5,)),
        "C",
        "<f8",
    )
    add(C, "f2-subnormals-to-f8", from_hex("0300" + "0102" + "ff03" + "0380", "<f2", (4,)), "C", "<f8")
    add(C, "f2-subnormals-to-f4", from_hex("0300" + "0102" + "ff83", "<f2", (3,)), "C", "<f4")
    add(
        C,
        "f2-to-f4-nan",
        from_hex(F2["qnan"] + F2["nnan"], "<f2", (2,)),
        "C",
        "<f4",
        nan_any=True,
        note="NaN stays NaN; sign and payload are not checked (expect.nan = any)",
    )
    add(
        C,
        "f8-to-f4-nan",
        from_hex(F8["qnan"] + F8["pnan"] + F8["inf"] + F8["ninf"], "<f8", (4,)),
        "C",
        "<f4",
        nan_any=True,
    )
    add(C, "f8-to-f2-inf", from_hex(F8["inf"] + F8["ninf"] + F8["nz"], "<f8", (3,)), "C", "<f2")
    add(
        C,
        "i8-to-i1-wrap",
        np.array([300, -129, 127, -128, 256], dtype="<i8"),
        "C",
        "|i1",
        note="integer narrowing keeps the low bits (two's complement wrap-around)",
    )
    add(C, "u1-to-i1", np.array([0, 127, 128, 255], dtype="|u1"), "C", "|i1")
    add(C, "i1-to-f8", np.array([-128, -1, 0, 5, 127], dtype="|i1"), "C", "<f8")
    add(C, "i1-to-i4", np.array([-128, -1, 0, 5, 127], dtype="|i1"), "C", "<i4")
    add(C, "i1-to-u2", np.array([-128, -1, 0, 127], dtype="|i1"), "C", "<u2")
    add(C, "i2-to-f4", np.array([-32768, -1, 7], dtype="<i2"), "C", "<f4")
    add(C, "u2-to-i8", np.array([0, 65535, 32768], dtype="<u2"), "C", "<i8")
    add(C, "u8-to-f4", np.array([0, 2**64 - 1, 3], dtype="<u8"), "C", "<f4")
    add(C, "i4-to-u2-neg", np.array([-1, -65536, 65537], dtype="<i4"), "C", "<u2")
    add(C, "i8-to-u8-neg", np.array([-1, -(2**63)], dtype="<i8"), "C", "<u8")
    add(C, "u8-to-f8-round", np.array([2**64 - 1, 2**53 + 1], dtype="<u8"), "C", "<f8")
    add(C, "i8-to-f4-round", np.array([2**24 + 1, -(2**31) - 1], dtype="<i8"), "C", "<f4")
    add(C, "i8-to-f2", np.array([2048, 2049, 65504, -3], dtype="<i8"), "C", "<f2")
    add(C, "b1-to-f4", np.array([True, False, True]), "C", "<f4")
    add(C, "b1-to-i2-be", np.array([True, False]), "C", ">i2")
    add(
        C,
        "f8-to-b1",
        from_hex(F8["pz"] + F8["nz"] + F8["qnan"] + F8["one"] + F8["sub"], "<f8", (5,)),
        "C",
        "|b1",
        note="bool(x) is x != 0: -0.0 is False, NaN is True",
    )
    add(C, "i4-to-b1", np.array([0, 2, -1], dtype="<i4"), "C", "|b1")
    add(C, "u1-to-b1", np.array([0, 1, 2, 255], dtype="|u1"), "C", "|b1")
    add(C, "u8-to-b1", np.array([0, 1, 2**64 - 1], dtype="<u8"), "C", "|b1")
    add(C, "f8-to-c16", np.array([1.5, -0.0, -3.0], dtype="<f8"), "C", "<c16", note="the imaginary part is +0.0")
    add(C, "i4-to-c16", np.array([3, -4], dtype="<i4"), "C", "<c16")
    add(C, "b1-to-c16", np.array([True, False]), "C", "<c16")
    add(C, "u2-to-c8", np.array([65535, 1], dtype="<u2"), "C", "<c8")
    add(
        C,
        "c16-to-f8",
        np.array([1.5 + 2j, -0.0 - 1j, 3 + 0j], dtype="<c16"),
        "C",
        "<f8",
        note="complex->real drops the imaginary part (NumPy warns ComplexWarning)",
    )
    add(C, "c16-to-i4", np.array([2.9 - 7j, -3.5 + 1j], dtype="<c16"), "C", "<i4")
    add(C, "f8-to-c8", np.array([1.0, -0.0, 0.1], dtype="<f8"), "C", "<c8")
    add(C, "c8-to-c16", np.array([1.5 - 0.25j, 0.1 + 0.2j], dtype="<c8"), "C", "<c16")
    add(C, "c16-to-c8-round", np.array([0.1 + 1e39j], dtype="<c16"), "C", "<c8")
    add(C, "i2-to-i8-sign", np.array([-32768, -1, 32767], dtype="<i2"), "C", "<i8")
    add(C, "u4-to-i8", np.array([2**32 - 1, 0], dtype="<u4"), "C", "<i8")
    add(C, "same-dtype", arange((2, 3), "<f8"), "C", "<f8")
    add(
        C,
        "same-dtype-nan-bits",
        from_hex(F8["pnan"] + F8["snan"], "<f8", (2,)),
        "C",
        "<f8",
        note="a same-dtype astype copies the bits unchanged",
    )
    add(
        C,
        "F-input",
        arange((2, 3), "<i4"),
        "F",
        "<f8",
        note="data is in C order; the result's layout is open (ND-SEM-009)",
    )
    add(C, "be-f8-to-le-i4", np.array([1.5, -2.5, 1e6], dtype=">f8"), "C", "<i4")
    add(C, "le-i4-to-be-f4", np.array([1, -2, 2**24 + 1], dtype="<i4"), "C", ">f4")
    add(C, "be-c16-to-le-c8", np.array([1 + 2j], dtype=">c16"), "C", "<c8")
    add(C, "0d", np.array(-7.75, dtype="<f8"), "C", "<i2")
    add(C, "zero-size", np.zeros((0, 2), dtype="<f8"), "C", "|u1")
    addv(C, "view-neg-step-f8-to-f2", arange((3, 4), "<f8"), [sl(None, None, -1), sl(None, None, -3)], "<f2")
    addv(C, "view-be-i2-to-i8", arange((4, 4), ">i2"), [sl(None, None, 2), sl(None, None, -1)], "<i8")
    addv(C, "view-step2-i2-to-f4", arange((20,), "<i2"), [sl(None, None, 2)], "<f4")
    addv(C, "view-neg-step-u1-to-c8", arange((24,), "|u1"), [sl(None, None, -3)], "<c8")
    add("ND-ERR-015", "astype-bad-dtype", arange((2,), "<f8"), "C", "x9", error="ETYPE")
    return c


def gen_transpose() -> Cases:
    c = Cases("transpose")
    C = "ND-SEM-010"

    def add(clause, variant, a, order, axes, **kw):
        def fn():
            return enc(make(a, order).transpose(None if axes is None else tuple(axes)))

        c.add(clause, variant, inp(a, order), {"axes": axes}, fn, **kw)

    def addv(clause, variant, a, view, axes, **kw):
        def fn():
            return enc(make(a, "C", view).transpose(None if axes is None else tuple(axes)))

        c.add(clause, variant, inp(a, "C", view), {"axes": axes}, fn, **kw)

    a23 = arange((2, 3), "<f8")
    a234 = arange((2, 3, 4), "<i2")
    add(C, "2d-default", a23, "C", None)
    add(C, "2d-10", a23, "C", [1, 0])
    add(C, "2d-01", a23, "C", [0, 1])
    add(C, "2d-F-default", a23, "F", None)
    add(C, "3d-default", a234, "C", None)
    add(C, "3d-120", a234, "C", [1, 2, 0])
    add(C, "3d-201", a234, "C", [2, 0, 1])
    add(C, "3d-021-F", a234, "F", [0, 2, 1])
    add(C, "3d-neg", a234, "C", [-1, 0, -2])
    add(C, "1d", arange((5,), ">u4"), "C", None)
    add(C, "0d", np.array(2.5, dtype="<f2"), "C", None)
    add(C, "zero-size", np.zeros((0, 2, 3), dtype="<c16"), "C", [2, 0, 1])
    add(C, "nan-bits", from_hex(F4["pnan"] + F4["nz"] + F4["snan"] + F4["inf"], "<f4", (2, 2)), "C", None)
    add(C, "b1", arange((2, 3), "|b1"), "C", [1, 0])
    add(C, "4d", arange((2, 1, 3, 2), "<i8"), "C", [3, 1, 0, 2])
    addv(C, "view-neg-step", a234, [sl(None, None, -1), sl(None, None, -2)], [2, 0, 1])
    addv(C, "view-neg-step-default", arange((3, 4), ">f8"), [sl(None, None, -1), sl(1, None, 2)], None)
    # errors
    add("ND-ERR-009", "too-few", a23, "C", [0], error="EINVAL")
    add("ND-ERR-009", "too-many", a23, "C", [0, 1, 2], error="EINVAL")
    add("ND-ERR-009", "0d-one-axis", np.array(1.0), "C", [0], error="EINVAL")
    add("ND-ERR-010", "axis-oob", a23, "C", [0, 2], error="ERANGE")
    add("ND-ERR-010", "axis-oob-neg", a23, "C", [0, -3], error="ERANGE")
    add("ND-ERR-011", "repeated", a23, "C", [0, 0], error="EINVAL")
    add("ND-ERR-011", "repeated-neg", a23, "C", [1, -1], error="EINVAL")
    add("ND-ERR-011", "repeated-3d", a234, "C", [2, 2, 0], error="EINVAL")
    return c


def gen_getitem() -> Cases:
    c = Cases("getitem")
    C = "ND-SEM-011"

    def add(clause, variant, a, order, index, **kw):
        def fn():
            r = np.asarray(make(a, order)[to_key(index)])
            return enc(r)

        c.add(clause, variant, inp(a, order), {"index": index}, fn, **kw)

    a45 = arange((4, 5), "<i4")
    f45 = arange((4, 5), "<f8")
    a234 = arange((2, 3, 4), ">i2")
    add(C, "int", a45, "C", [1])
    add(C, "int-neg", a45, "C", [-1])
    add(C, "slice", a45, "C", [sl(1, 3)])
    add(C, "slice-none", a45, "C", [sl()])
    add(C, "slice-neg-step", a45, "C", [sl(None, None, -1)])
    add(C, "slice-neg-step2", f45, "C", [sl(None, None, -2), sl(1, None, 2)])
    add(C, "slice-neg-bounds", f45, "C", [sl(-1, -4, -1), sl(-2, None)])
    add(C, "int-then-neg-slice", a45, "C", [1, sl(None, None, -1)])
    add(C, "slice-then-int", a45, "F", [sl(3, 0, -1), 2])
    add(C, "clamp", a45, "C", [sl(-100, 100), sl(2, 99)])
    add(C, "empty-slice", a45, "C", [sl(3, 1)])
    add(C, "empty-neg-step", a45, "C", [sl(1, 3, -1)])
    add(C, "step3", a45, "C", [sl(None, None, 3), sl(None, None, 3)])
    add(C, "big-step", a45, "C", [sl(None, None, 10), sl(4, None, -10)])
    # Empty selections whose resolved bounds are equal or crossed, with a step other than 1: extent 0.
    add(C, "empty-equal-bounds-step2", a45, "C", [sl(2, 2, 2)])
    add(C, "empty-crossed-step2", a45, "C", [sl(), sl(3, 1, 2)])
    add(C, "empty-equal-bounds-neg-step", a45, "C", [sl(1, 1, -2)])
    add(C, "empty-crossed-neg-step3", a45, "C", [sl(), sl(1, 4, -3)])
    add(C, "all-ints", f45, "C", [2, 3], note="0-d result; whether it aliases is open (ND-COPY-002)")
    add(C, "all-ints-neg", f45, "F", [-4, -5])
    add(C, "3d-int-all-int", a234, "C", [1, sl(), -1])
    add(C, "3d-partial", a234, "C", [sl(None, None, -1)])
    add(C, "3d-mixed", a234, "F", [sl(1, None), sl(None, None, -2), sl(1, 3)])
    add(C, "0d-empty-index", np.array(-0.0), "C", [])
    add(C, "1d-empty-index", arange((3,), "<u8"), "C", [])
    add(C, "zero-size", np.zeros((0, 3), dtype="<f4"), "C", [sl(None, None, -1), 1])
    add(C, "zero-size-slice", np.zeros((0, 3), dtype="<f4"), "C", [sl(), sl(1, None)])
    add(
        C,
        "f2-nan-bits",
        from_hex(F2["pnan"] + F2["nz"] + F2["snan"] + F2["one"], "<f2", (2, 2)),
        "C",
        [sl(None, None, -1), 0],
    )
    add(C, "c16", arange((3, 2), "<c16"), "C", [sl(None, None, -1), 1])
    add(C, "b1", arange((3, 3), "|b1"), "C", [sl(0, 3, 2), sl(None, None, -1)])
    add(C, "4d", arange((2, 3, 2, 2), "<f4"), "C", [1, sl(None, None, -1), sl(), 0])
    # errors
    add("ND-ERR-001", "step0", a45, "C", [sl(None, None, 0)], error="EINVAL")
    add("ND-ERR-001", "step0-second-axis", a45, "C", [1, sl(0, 3, 0)], error="EINVAL")
    add("ND-ERR-002", "oob-pos", a45, "C", [4], error="ERANGE")
    add("ND-ERR-002", "oob-neg", a45, "C", [-5], error="ERANGE")
    add("ND-ERR-002", "oob-second-axis", a45, "C", [0, 5], error="ERANGE")
    add("ND-ERR-002", "zero-extent", np.zeros((0, 3), dtype="<f4"), "C", [0], error="ERANGE")
    add("ND-ERR-003", "too-many", a45, "C", [0, 0, 0], error="ERANGE")
    add("ND-ERR-003", "0d-int", np.array(1.0), "C", [0], error="ERANGE")
    add("ND-ERR-003", "0d-slice", np.array(1.0), "C", [sl()], error="ERANGE")
    return c


def gen_setitem() -> Cases:
    c = Cases("setitem")
    C = "ND-SEM-012"

    def add(clause, variant, a, order, index, value=None, scalar=None, value_view=None, **kw):
        args = {"index": index}
        if value is not None:
            args["value"] = enc(value)
        if scalar is not None:
            args["scalar"] = scalar
        if value_view is not None:
            args["value_view"] = value_view

        def fn():
            d = make(a, order)
            if value is not None:
                v = np.asarray(value)
            elif scalar is not None:
                v = bits(scalar, d.dtype.str)
            else:
                v = d[to_key(value_view)]
            d[to_key(index)] = v
            return enc(d)

        c.add(clause, variant, inp(a, order), args, fn, **kw)

    z34 = np.zeros((3, 4), dtype="<f8")
    a34 = arange((3, 4), "<f8")
    add(C, "row", z34, "C", [1], value=np.arange(4, dtype="<f8"))
    add(C, "bcast-row", z34, "C", [sl(0, 2)], value=np.arange(4, dtype="<f8").reshape(1, 4))
    add(C, "bcast-1d", z34, "F", [sl()], value=np.array([1.0, 2.0, 3.0, 4.0]))
    add(C, "bcast-col", z34, "C", [sl(), sl(1, 3)], value=np.array([[1.0], [2.0], [3.0]]))
    add(C, "bcast-0d-array", z34, "C", [sl(None, None, 2), sl(None, None, -3)], value=np.array(9.5))
    add(
        C,
        "neg-steps",
        z34,
        "C",
        [sl(None, None, -1), sl(None, None, -2)],
        value=np.arange(6, dtype="<f8").reshape(3, 2),
    )
    add(C, "int-index", a34, "C", [-1, 2], value=np.array(-1.25))
    add(C, "scalar-negzero", a34, "C", [sl(None, None, -1), sl(None, None, 2)], scalar=F8["nz"])
    add(C, "scalar-nan-payload", a34, "F", [1], scalar=F8["pnan"])
    add(C, "scalar-snan", a34, "C", [sl(0, 1)], scalar=F8["snan"])
    add(C, "cast-i4-into-f8", z34, "C", [0], value=np.array([1, -2, 3, 2**31 - 1], dtype="<i4"))
    add(
        C,
        "cast-f8-into-i2",
        np.zeros((4,), dtype="<i2"),
        "C",
        [sl()],
        value=np.array([2.7, -2.7, 0.5, 300.0]),
        note="cast as astype: truncation toward zero",
    )
    add(C, "cast-f8-into-f2", np.zeros((3,), dtype="<f2"), "C", [sl()], value=np.array([0.1, 65520.0, -0.0]))
    add(C, "cast-b1-into-i4", np.full((2, 2), 7, dtype="<i4"), "C", [0], value=np.array([True, False]))
    add(C, "cast-i8-into-u1-wrap", np.zeros((3,), dtype="|u1"), "C", [sl()], value=np.array([256, -1, 511]))
    add(C, "cast-c16-into-f4", np.zeros((2,), dtype="<f4"), "C", [sl()], value=np.array([1.5 + 9j, -2 - 1j]))
    add(
        C,
        "cast-le-into-be",
        np.zeros((3,), dtype=">i4"),
        "C",
        [sl()],
        value=np.array([1, -2, 0x01020304], dtype="<i4"),
    )
    add(
        C,
        "same-dtype-nan-bits",
        np.zeros((2,), dtype="<f4"),
        "C",
        [sl()],
        value=from_hex(F4["pnan"] + F4["snan"], "<f4", (2,)),
        note="same dtype: bits copied unchanged",
    )
    add(C, "f2-scalar", np.zeros((2, 2), dtype="<f2"), "C", [sl(), 0], scalar=F2["nnan"])
    add(C, "c16-scalar", np.zeros((3,), dtype="<c16"), "C", [sl(None, None, -2)], scalar=F8["nz"] + F8["one"])
    add(C, "b1-scalar", np.zeros((2, 3), dtype="|b1"), "C", [sl(), sl(1, None)], scalar="01")
    add(C, "empty-selection", a34, "C", [sl(2, 2)], value=np.zeros((0, 4)))
    add(C, "empty-selection-bcast", a34, "C", [sl(2, 2)], value=np.array([1.0, 2.0, 3.0, 4.0]))
    add(C, "empty-selection-scalar", a34, "C", [sl(3, 0)], scalar=F8["one"])
    add(
        C,
        "zero-size-dst",
        np.zeros((0, 3), dtype="<f4"),
        "C",
        [sl(None, None, -1)],
        value=np.array([1.0, 2.0, 3.0]),
    )
    add(C, "zero-size-dst-scalar", np.zeros((2, 0), dtype=">i2"), "C", [1], scalar=sx(3, ">i2"))
    add(C, "0d-dst", np.array(1.0), "C", [], scalar=F8["nz"])
    add(C, "0d-dst-array", np.array(1, dtype=">i8"), "C", [], value=np.array(-5, dtype=">i8"))
    add(C, "whole", a34, "C", [], value=np.full((3, 4), 2.0))
    add(
        C,
        "3d",
        np.zeros((2, 3, 4), dtype="<i2"),
        "F",
        [sl(None, None, -1), 1],
        value=np.arange(4, dtype="<i2"),
    )
    # overlapping value (ND-COPY-013): value is a view of the destination
    add("ND-COPY-013", "shift-right", arange((6,), "<i4"), "C", [sl(1, None)], value_view=[sl(None, -1)])
    add("ND-COPY-013", "shift-left", arange((6,), "<i4"), "C", [sl(None, -1)], value_view=[sl(1, None)])
    add("ND-COPY-013", "reverse", arange((6,), "<i4"), "C", [sl(None, None, -1)], value_view=[sl()])
    add(
        "ND-COPY-013",
        "row-shift-2d",
        arange((1, 6), "<i4"),
        "C",
        [sl(), sl(1, 4)],
        value_view=[sl(), sl(0, 3)],
        note="a[:, 1:4] = a[:, 0:3] in one row: the overlap is along the second axis only",
    )
    add(
        "ND-COPY-013",
        "neg-step-value-below",
        arange((6,), "<i4"),
        "C",
        [sl(0, 4)],
        value_view=[sl(5, 1, -1)],
        note="the value's first element (a[5]) lies outside the target; the elements it shares with the target "
        "(a[3], a[2]) lie below it in memory",
    )
    add("ND-COPY-013", "transpose-like-2d", arange((3, 3), "<f8"), "C", [sl(), 0], value_view=[0])
    # errors
    add("ND-ERR-013", "bcast-mismatch", z34, "C", [sl()], value=np.zeros((3,)), error="EINVAL")
    add("ND-ERR-013", "bcast-too-many-rows", z34, "C", [sl()], value=np.zeros((2, 4)), error="EINVAL")
    add("ND-ERR-013", "bcast-extra-dim", z34, "C", [0], value=np.zeros((2, 4)), error="EINVAL")
    add("ND-ERR-013", "empty-value-into-nonempty", z34, "C", [1], value=np.zeros((0,)), error="EINVAL")
    add("ND-ERR-001", "set-step0", z34, "C", [sl(None, None, 0)], value=np.array(1.0), error="EINVAL")
    add("ND-ERR-002", "set-oob", z34, "C", [3], scalar=F8["one"], error="ERANGE")
    add("ND-ERR-002", "set-oob-neg", z34, "C", [0, -5], scalar=F8["one"], error="ERANGE")
    add("ND-ERR-003", "set-too-many", z34, "C", [0, 0, 0], scalar=F8["one"], error="ERANGE")
    return c


def contract_all_equal(a: np.ndarray, b: np.ndarray, equal_nan: bool) -> bool:
    """contract ND-SEM-014..017: b broadcast to a's shape (not the other way), cast to a's dtype; real floats
    compare by bit pattern when every element of b is zero; else NumPy's array_equal(equal_nan)."""
    b = np.broadcast_to(np.asarray(b).astype(a.dtype), a.shape)  # ValueError when b does not broadcast to a
    if a.size == 0:
        return True
    if a.dtype.kind == "f" and bool(np.all(b == 0)):
        v = f"V{a.dtype.itemsize}"
        return bool(np.array_equal(np.ascontiguousarray(a).view(v), np.ascontiguousarray(b).view(v)))
    return bool(np.array_equal(a, b, equal_nan=equal_nan))


def gen_all_equal() -> Cases:
    c = Cases("all_equal")

    def scal(clause, variant, a, value_hex, equal_nan=True, order="C", **kw):
        def fn():
            return {"value": contract_all_equal(make(a, order), bits(value_hex, a.dtype.str), equal_nan)}

        c.add(clause, variant, inp(a, order), {"value": value_hex, "equal_nan": equal_nan}, fn, **kw)

    def arr(clause, variant, a, other, equal_nan=True, **kw):
        def fn():
            return {"value": contract_all_equal(make(a, "C"), other, equal_nan)}

        c.add(clause, variant, inp(a), {"other": enc(other), "equal_nan": equal_nan}, fn, **kw)

    f8 = lambda *hs: from_hex("".join(hs), "<f8", (len(hs),))  # noqa: E731
    S14, S15, S16, S17 = "ND-SEM-014", "ND-SEM-015", "ND-SEM-016", "ND-SEM-017"
    scal(S14, "value-equal", np.full((2, 3), 1.5), sx(1.5, "<f8"))
    scal(S14, "value-unequal", np.full((2, 3), 1.5), sx(2.5, "<f8"))
    scal(S14, "one-differs", np.array([1.5, 1.5, 1.25]), sx(1.5, "<f8"))
    scal(S14, "nan-payloads", f8(F8["pnan"], F8["nnan"], F8["qnan"]), F8["qnan"])
    scal(S14, "nan-payloads-no-equal-nan", f8(F8["pnan"], F8["qnan"]), F8["qnan"], equal_nan=False)
    scal(S14, "nan-vs-number", f8(F8["qnan"], F8["one"]), F8["qnan"])
    scal(S14, "number-vs-nan", f8(F8["one"]), F8["qnan"])
    scal(S14, "snan-vs-qnan", f8(F8["snan"]), F8["pnan"])
    scal(S14, "f4-nan", from_hex(F4["pnan"] + F4["nnan"], "<f4", (2,)), F4["qnan"])
    scal(S14, "f2-nan", from_hex(F2["pnan"] + F2["snan"], "<f2", (2,)), F2["qnan"])
    scal(S14, "f2-nan-no-equal-nan", from_hex(F2["qnan"], "<f2", (1,)), F2["qnan"], equal_nan=False)
    scal(S14, "be-nan", from_hex(be(F8["pnan"]) * 2, ">f8", (2,)), be(F8["qnan"]))
    scal(S14, "c16-nan-same-part", np.array([complex(np.nan, 1.0)] * 2), sx(complex(np.nan, 1.0), "<c16"))
    scal(S14, "c16-nan-real-vs-number", np.array([complex(np.nan, 0.0)]), sx(1.0, "<c16"))
    scal(S14, "c16-nan-imag-part", np.array([complex(1.0, np.nan)] * 2), sx(complex(1.0, np.nan), "<c16"))
    scal(
        S14,
        "c8-nan-imag-part",
        np.array([complex(2.0, np.nan)], dtype="<c8"),
        sx(complex(2.0, np.nan), "<c8"),
    )
    scal(S14, "c16-real-differs", np.array([1 + 2j, 1 + 2j]), sx(2 + 2j, "<c16"))
    scal(S14, "c16-imag-differs", np.array([2 + 1j]), sx(2 + 2j, "<c16"))
    scal(S14, "c8-real-differs", np.array([3 - 1j], dtype="<c8"), sx(-1 - 1j, "<c8"))
    scal(S14, "c8-equal", np.array([3 - 1j, 3 - 1j], dtype="<c8"), sx(3 - 1j, "<c8"))
    scal(S14, "be-c16-equal", np.array([1 + 2j, 1 + 2j], dtype=">c16"), sx(1 + 2j, ">c16"))
    scal(S14, "be-c16-imag-differs", np.array([1 + 2j, 1 + 3j], dtype=">c16"), sx(1 + 2j, ">c16"))
    scal(S14, "be-c8-real-differs", np.array([1 + 2j, 2 + 2j], dtype=">c8"), sx(1 + 2j, ">c8"))
    scal(
        S14,
        "c16-nan-no-equal-nan",
        np.array([complex(np.nan, 1.0)]),
        sx(complex(np.nan, 1.0), "<c16"),
        equal_nan=False,
    )
    scal(S14, "i4-equal", np.full((3,), 3, dtype="<i4"), sx(3, "<i4"))
    scal(S14, "i4-unequal", np.array([3, 4], dtype="<i4"), sx(3, "<i4"))
    scal(S14, "u8-max", np.full((2,), 2**64 - 1, dtype="<u8"), sx(2**64 - 1, "<u8"))
    scal(S14, "b1", np.array([True, True]), "01")
    scal(S14, "b1-unequal", np.array([True, False]), "01")
    scal(S14, "b1-true-vs-false", np.array([True, True]), "00")
    scal(S14, "f2-equal-no-equal-nan", from_hex(F2["one"] * 2, "<f2", (2,)), F2["one"], equal_nan=False)
    scal(S14, "f2-unequal", np.array([1.5, 2.5], dtype="<f2"), sx(1.5, "<f2"))
    scal(S14, "0d", np.array(2.0, dtype="<f4"), sx(2.0, "<f4"))
    scal(S14, "F-order", arange((2, 3), "<i2") * 0 + 5, sx(5, "<i2"), order="F")
    b = np.array([[1.0, 2.0, 1.0], [5.0, 6.0, 7.0], [1.0, 9.0, 1.0]])
    c.add(
        S14,
        "view-corners",
        inp(b, "C", [sl(None, None, -2), sl(None, None, -2)]),
        {"value": sx(1.0, "<f8"), "equal_nan": True},
        lambda: {
            "value": contract_all_equal(
                make(b, "C", [sl(None, None, -2), sl(None, None, -2)]), bits(sx(1.0, "<f8"), "<f8"), True
            )
        },
        note="only the view's elements are compared",
    )
    # One-byte integers compare byte by byte, in a loop of their own when the value repeats (stride 0).
    scal(S14, "i1-equal", np.full((5,), -5, dtype="|i1"), sx(-5, "|i1"))
    scal(S14, "i1-unequal", np.array([-5, -5, 5, -5], dtype="|i1"), sx(-5, "|i1"))
    scal(S14, "u1-equal", np.full((2, 3), 200, dtype="|u1"), sx(200, "|u1"))
    scal(S14, "u1-unequal", np.array([200, 200, 201], dtype="|u1"), sx(200, "|u1"))
    scal(S14, "u1-first-differs", np.array([7, 200, 200], dtype="|u1"), sx(200, "|u1"))
    scal(S14, "be-unequal", np.array([1.5, 2.5], dtype=">f8"), sx(1.5, ">f8"))
    scal(S14, "be-f4-equal", np.array([-3.25, -3.25, -3.25], dtype=">f4"), sx(-3.25, ">f4"))
    scal(S14, "be-i2-unequal", np.array([258, 258, 513], dtype=">i2"), sx(258, ">i2"))
    # More elements than one chunk of the byte-swapping comparison (512): the last one differs.
    long_be = np.full((600,), 1.5, dtype=">f8")
    scal(S14, "be-long-equal", long_be, sx(1.5, ">f8"))
    long_be2 = long_be.copy()
    long_be2[-1] = 2.5
    scal(S14, "be-long-last-differs", long_be2, sx(1.5, ">f8"))
    # A strided first operand against a contiguous other array: the elements between a's (here 99) must
    # not take part in the comparison.
    g = np.array([[1, 99, 2, 99, 3, 99], [4, 99, 5, 99, 6, 99]], dtype="<i2")
    for variant, other in (
        ("strided-vs-contiguous-equal", np.array([[1, 2, 3], [4, 5, 6]], dtype="<i2")),
        ("strided-vs-contiguous-unequal", np.array([[1, 2, 3], [4, 5, 7]], dtype="<i2")),
    ):
        c.add(
            S17,
            variant,
            inp(g, "C", [sl(), sl(None, None, 2)]),
            {"other": enc(other), "equal_nan": True},
            (lambda o: lambda: {"value": contract_all_equal(make(g, "C", [sl(), sl(None, None, 2)]), o, True)})(
                other
            ),
        )
    u1 = np.array([[10, 0, 11, 0], [12, 0, 13, 0]], dtype="|u1")
    c.add(
        S17,
        "u1-strided-vs-contiguous",
        inp(u1, "C", [sl(), sl(None, None, 2)]),
        {"other": enc(np.array([[10, 11], [12, 14]], dtype="|u1")), "equal_nan": True},
        lambda: {
            "value": contract_all_equal(
                make(u1, "C", [sl(), sl(None, None, 2)]), np.array([[10, 11], [12, 14]], dtype="|u1"), True
            )
        },
    )
    arr(S17, "u1-row-unequal", np.array([[1, 2, 3], [1, 2, 4]], dtype="|u1"), np.array([1, 2, 3], dtype="|u1"))
    arr(S17, "i1-bcast-equal", np.full((2, 3), -1, dtype="|i1"), np.array([-1], dtype="|i1"))
    # zeros: bit patterns
    scal(S15, "pos-vs-pos", f8(F8["pz"], F8["pz"]), F8["pz"])
    scal(S15, "neg-vs-neg", f8(F8["nz"], F8["nz"]), F8["nz"])
    scal(S15, "neg-vs-pos", f8(F8["nz"], F8["nz"]), F8["pz"])
    scal(S15, "pos-vs-neg", f8(F8["pz"]), F8["nz"])
    scal(S15, "mixed-vs-pos", f8(F8["pz"], F8["nz"]), F8["pz"])
    scal(S15, "mixed-vs-neg", f8(F8["pz"], F8["nz"]), F8["nz"])
    scal(S15, "nonzero-not-bitwise", f8(F8["one"]), F8["one"])
    scal(S15, "subnormal-vs-zero", f8(F8["sub"]), F8["pz"])
    scal(S15, "f4-neg-vs-pos", from_hex(F4["nz"], "<f4", (1,)), F4["pz"])
    scal(S15, "f2-neg-vs-pos", from_hex(F2["nz"] * 3, "<f2", (3,)), F2["pz"])
    scal(S15, "f2-pos-vs-pos", from_hex(F2["pz"] * 3, "<f2", (3,)), F2["pz"])
    scal(S15, "be-neg-vs-pos", from_hex(be(F8["nz"]), ">f8", (1,)), be(F8["pz"]))
    scal(S15, "be-neg-vs-neg", from_hex(be(F8["nz"]), ">f8", (1,)), be(F8["nz"]))
    scal(S15, "be-f4-neg-vs-pos", from_hex(be(F4["nz"]) * 2, ">f4", (2,)), be(F4["pz"]))
    scal(S15, "be-f4-pos-vs-pos", from_hex(be(F4["pz"]) * 2, ">f4", (2,)), be(F4["pz"]))
    scal(S15, "be-f2-neg-vs-pos", from_hex(be(F2["nz"]), ">f2", (1,)), be(F2["pz"]))
    scal(S15, "be-f2-neg-vs-neg", from_hex(be(F2["nz"]), ">f2", (1,)), be(F2["nz"]))
    scal(
        S15,
        "c16-by-value",
        np.array([complex(-0.0, 0.0)]),
        sx(0j, "<c16"),
        note="contract: complex arrays compare zeros by value, as Zarr does for a complex fill value",
    )
    scal(S15, "c8-by-value", np.array([complex(0.0, -0.0)], dtype="<c8"), sx(0j, "<c8"))
    scal(S15, "i4-zero", np.zeros((2,), dtype="<i4"), sx(0, "<i4"))
    scal(S15, "0d-neg-vs-pos", np.array(-0.0), F8["pz"])
    # empty arrays
    scal(S16, "empty", np.zeros((0,)), sx(1.0, "<f8"))
    scal(S16, "empty-nan", np.zeros((0, 3), dtype="<f4"), F4["qnan"], equal_nan=False)
    scal(S16, "empty-negzero", np.zeros((2, 0)), F8["nz"])
    # array form
    a = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    arr(S17, "bcast-row-equal", a, np.array([1.0, 2.0, 3.0]))
    arr(S17, "bcast-row-unequal", a, np.array([1.0, 2.0, 4.0]))
    arr(S17, "same-shape", a, a.copy())
    arr(S17, "bcast-1", np.full((2, 2), 7, dtype="<i4"), np.array([7], dtype="<i4"))
    arr(S17, "bcast-0d", np.full((2, 2), 7, dtype="<i4"), np.array(7, dtype="<i4"))
    arr(S17, "size1-unequal", np.array([3], dtype="<i4"), np.array([4], dtype="<i4"))
    arr(S17, "size1-equal", np.array([[3]], dtype="<i2"), np.array([3], dtype="<i2"))
    arr(
        S17,
        "zeros-bitwise",
        f8(F8["pz"], F8["nz"]),
        np.zeros((2,)),
        note="every element of the other array is zero: compared by bit pattern",
    )
    arr(S17, "zeros-bitwise-equal", f8(F8["nz"], F8["nz"]), f8(F8["nz"], F8["nz"]))
    arr(S17, "nan-elements", f8(F8["pnan"], F8["one"]), f8(F8["qnan"], F8["one"]))
    arr(
        S17,
        "nan-elements-no-equal-nan",
        f8(F8["pnan"], F8["one"]),
        f8(F8["qnan"], F8["one"]),
        equal_nan=False,
    )
    arr(S17, "f2-column", from_hex(F2["one"] * 4, "<f2", (2, 2)), from_hex(F2["one"] * 2, "<f2", (2, 1)))
    arr("ND-ERR-014", "bcast-mismatch", a, np.array([1.0, 2.0]), error="EINVAL")
    arr(
        "ND-ERR-014",
        "other-larger",
        np.array([1.0, 2.0, 3.0]),
        a,
        error="EINVAL",
        note="contract: the other array broadcasts to a's shape, never a to the other's",
    )
    return c


def gen_byteorder() -> Cases:
    c = Cases("byteorder")
    C = "ND-SEM-018"

    def order_of(a):
        # contract: "<" little, ">" big, one-byte types ("|") the machine's order, written "native" here
        return {"<": "little", ">": "big"}.get(a.dtype.str[0], "native")

    def q(variant, a):
        c.add(C, variant, inp(a), {"action": "byteorder"}, lambda: {"value": order_of(a)})

    q("report-be-i4", np.zeros((1,), dtype=">i4"))
    q("report-le-f8", np.zeros((1,), dtype="<f8"))
    q("report-be-c16", np.zeros((1,), dtype=">c16"))
    q("report-le-f2", np.zeros((1,), dtype="<f2"))
    q("report-u1", np.zeros((1,), dtype="|u1"))
    q("report-b1", np.zeros((1,), dtype="|b1"))
    q("report-i1", np.zeros((1,), dtype="|i1"))

    def tb(variant, a, order="C"):
        c.add(C, variant, inp(a, order), {"action": "to_bytes"}, lambda: enc(make(a, order)))

    tb("stored-be-f8", np.array([1.5, -0.0], dtype=">f8"))
    tb("stored-be-i2-F", arange((2, 3), ">i2"), order="F")
    tb("stored-be-c8", np.array([1 - 2j], dtype=">c8"))
    tb("stored-be-f2-nan", from_hex(be(F2["pnan"]) + be(F2["one"]), ">f2", (2,)))
    tb("stored-be-zero-size", np.zeros((0, 2), dtype=">f8"))
    vb = arange((3, 4), ">f8")
    c.add(
        C,
        "stored-be-view-neg-step",
        inp(vb, "C", [sl(None, None, -1), sl(None, None, -2)]),
        {"action": "to_bytes"},
        lambda: enc(make(vb, "C", [sl(None, None, -1), sl(None, None, -2)])),
    )

    def ast(variant, a, to):
        def fn():
            return enc(make(a, "C").astype(to))

        c.add(C, variant, inp(a), {"action": "astype", "dtype": to}, fn)

    ast("swap-f8", np.array([1.5, -0.0, 2.0**-1074]), ">f8")
    ast("swap-f8-back", np.array([1.5, -0.0], dtype=">f8"), "<f8")
    ast("swap-i2", np.array([1, -2, 0x0102], dtype=">i2"), "<i2")
    ast("swap-u8", np.array([0x0102030405060708], dtype="<u8"), ">u8")
    ast(
        "swap-c16-per-part",
        np.array([1 + 2j, -0.0 + 3j], dtype=">c16"),
        "<c16",
    )
    ast("swap-c8", np.array([0.5 - 1j], dtype="<c8"), ">c8")
    ast("swap-f2-nan-bits", from_hex(F2["pnan"] + F2["snan"], "<f2", (2,)), ">f2")
    ast("swap-f4-nan-bits", from_hex(F4["pnan"] + F4["nnan"], "<f4", (2,)), ">f4")
    ast("be-f2-to-le-f4", np.array([1.0, -2.5], dtype=">f2"), "<f4")
    ast("be-u8-to-le-f8", np.array([2**40 + 1], dtype=">u8"), "<f8")
    ast("le-i4-to-be-i8", np.array([-1, 7], dtype="<i4"), ">i8")
    ast("u1-no-swap", np.array([1, 255], dtype="|u1"), "|u1")

    def fill(variant, dtype, fill_hex, shape=(2,)):
        args = {
            "action": "create_fill",
            "shape": list(shape),
            "dtype": dtype,
            "order": "C",
            "fill_value": fill_hex,
        }
        c.add(C, variant, None, args, lambda: enc(np.full(shape, bits(fill_hex, dtype), dtype=dtype)))

    fill("create-be-i4", ">i4", sx(0x01020304, ">i4"))
    fill("create-be-c16", ">c16", sx(1 + 2j, ">c16"))

    def sc(variant, a):
        c.add(C, variant, inp(a), {"action": "as_scalar"}, lambda: {"value": a.tobytes().hex()})

    sc("as-scalar-be-i4", np.array([0x0A0B0C0D], dtype=">i4"))
    sc("as-scalar-be-f2", np.array(1.0, dtype=">f2"))

    def sc_err():
        raise ValueError("Buffer does not contain a single scalar value")

    c.add(
        "ND-ERR-012",
        "as-scalar-be-size2",
        inp(np.array([1, 2], dtype=">i4")),
        {"action": "as_scalar"},
        sc_err,
        error="EINVAL",
    )

    def eq(variant, a, value_hex, expect):
        def fn():
            r = contract_all_equal(a, bits(value_hex, a.dtype.str), True)
            assert r == expect
            return {"value": r}

        c.add(C, variant, inp(a), {"action": "all_equal", "value": value_hex, "equal_nan": True}, fn)

    eq("all-equal-be-i4", np.full((3,), 0x01020304, dtype=">i4"), sx(0x01020304, ">i4"), True)
    eq("all-equal-be-i4-not-swapped", np.full((3,), 0x01020304, dtype=">i4"), sx(0x04030201, ">i4"), False)
    return c


def gen_order() -> Cases:
    c = Cases("order")
    C = "ND-SEM-004"

    def cr(variant, shape, dtype, order, fill_hex=None, strides=True):
        def fn():
            a = (
                np.full(shape, bits(fill_hex, dtype), dtype=dtype, order=order)
                if fill_hex
                else np.zeros(shape, dtype=dtype, order=order)
            )
            e = enc(a)
            e["strides"] = list(a.strides) if strides else None
            e["c_contiguous"] = bool(a.flags.c_contiguous)
            e["f_contiguous"] = bool(a.flags.f_contiguous)
            return e

        args = {
            "action": "create",
            "shape": list(shape),
            "dtype": dtype,
            "order": order,
            "fill_value": fill_hex,
        }
        c.add(
            C,
            variant,
            None,
            args,
            fn,
            note=None if strides else "zero-size: strides are not checked, only contiguity",
        )

    cr("C-2x3-f8", (2, 3), "<f8", "C", F8["nz"])
    cr("F-2x3-f8", (2, 3), "<f8", "F", F8["nz"])
    cr("C-2x3x4-i2", (2, 3, 4), ">i2", "C")
    cr("F-2x3x4-i2", (2, 3, 4), ">i2", "F")
    cr("F-4x5-c16", (4, 5), "<c16", "F", sx(1 - 1j, "<c16"))
    cr("C-1x5-both", (1, 5), "<f4", "C")
    cr("F-1x5-both", (1, 5), "<f4", "F")
    cr("F-5x1-both", (5, 1), "|u1", "F", "07")
    cr("C-1d", (7,), "<f2", "C", F2["one"])
    cr("F-1d", (7,), "<f2", "F", F2["one"])
    cr("C-0d", (), "<i8", "C", sx(-1, "<i8"))
    cr("F-0d", (), "<i8", "F")
    cr("C-zero-size", (0, 3), "<f8", "C", strides=False)
    cr("F-zero-size", (3, 0, 2), "<f8", "F", strides=False)
    cr("F-4d", (2, 3, 1, 2), "|b1", "F", "01")

    def tb(variant, a, order, action):
        def fn():
            m = make(a, order)
            r = m.copy() if action == "copy" else m
            e = enc(r)
            if action == "copy":
                e["strides"] = list(r.strides)
                e["c_contiguous"] = bool(r.flags.c_contiguous)
            return e

        c.add(
            "ND-SEM-021" if action == "to_bytes" else "ND-SEM-020",
            variant,
            inp(a, order),
            {"action": action},
            fn,
        )

    tb("F-to-bytes-2x3", arange((2, 3), "<f8"), "F", "to_bytes")
    tb("F-to-bytes-2x3x4", arange((2, 3, 4), ">u2"), "F", "to_bytes")
    tb("F-to-bytes-c8", arange((3, 2), "<c8"), "F", "to_bytes")
    tb("F-copy-is-C", arange((2, 3), "<i4"), "F", "copy")
    tb("F-copy-is-C-3d", arange((2, 2, 3), "<f2"), "F", "copy")
    c.add(
        "ND-ERR-016",
        "bad-order",
        None,
        {"action": "create", "shape": [2, 2], "dtype": "<f8", "order": "X", "fill_value": None},
        lambda: enc(np.zeros((2, 2), dtype="<f8", order="X")),
        error="EINVAL",
    )
    return c


def gen_as_scalar() -> Cases:
    c = Cases("as_scalar")
    C = "ND-SEM-019"

    def add(clause, variant, a, order="C", index=None, **kw):
        args = {} if index is None else {"index": index}

        def fn():
            m = make(a, order)
            if index is not None:
                m = np.asarray(m[to_key(index)])
            if m.size != 1:  # Zarr: ValueError("Buffer does not contain a single scalar value")
                raise ValueError("Buffer does not contain a single scalar value")
            return {"value": np.ascontiguousarray(m).reshape(()).tobytes().hex()}

        c.add(clause, variant, inp(a, order), args, fn, **kw)

    add(C, "0d-f8", np.array(2.5))
    add(C, "0d-negzero", np.array(-0.0))
    add(C, "0d-nan-payload", bits(F8["pnan"], "<f8"))
    add(C, "0d-snan-f4", bits(F4["snan"], "<f4"))
    add(C, "1-f2-nan", from_hex(F2["pnan"], "<f2", (1,)))
    add(C, "1x1x1-i4", np.array([[[-7]]], dtype="<i4"))
    add(C, "be-i4", np.array([0x0A0B0C0D], dtype=">i4"))
    add(C, "be-f8", np.array([1.5], dtype=">f8"))
    add(C, "c16", np.array([1 - 0.5j]))
    add(C, "be-c8", np.array(-0.0 + 2j, dtype=">c8"))
    add(C, "b1", np.array([True]))
    add(C, "u8-max", np.array([2**64 - 1], dtype="<u8"))
    add(C, "i1", np.array([-128], dtype="|i1"))
    add(C, "view-of-2d", arange((3, 4), "<f8"), index=[2, sl(1, 2)])
    add(C, "view-neg-step", arange((3, 4), "<i2"), index=[sl(None, None, -3), sl(3, None, -4)])
    add(C, "view-F", arange((3, 4), ">f4"), order="F", index=[sl(1, 2), -1])
    add(C, "all-int-index", arange((3, 4), "<u4"), index=[1, 1])
    add("ND-ERR-012", "size0", np.zeros((0,)), error="EINVAL")
    add("ND-ERR-012", "size0-2d", np.zeros((1, 0), dtype="<i4"), error="EINVAL")
    add("ND-ERR-012", "size6", arange((2, 3), "<f8"), error="EINVAL")
    add("ND-ERR-012", "size2-view", arange((3, 4), "<f8"), index=[sl(0, 2), 0], error="EINVAL")
    return c


GENERATORS = {
    "create_fill": gen_create_fill,
    "reshape": gen_reshape,
    "squeeze": gen_squeeze,
    "astype": gen_astype,
    "transpose": gen_transpose,
    "getitem": gen_getitem,
    "setitem": gen_setitem,
    "all_equal": gen_all_equal,
    "byteorder": gen_byteorder,
    "order": gen_order,
    "as_scalar": gen_as_scalar,
}


def _check_array(rec: dict, where: str, allow_view: bool = False) -> None:
    d = dt(rec["dtype"])
    n = int(np.prod(rec["shape"], dtype=np.int64)) if rec["shape"] else 1
    if len(rec["data"]) != 2 * n * d.itemsize:
        raise SystemExit(
            f"gen_vectors: {where}: data holds {len(rec['data']) // 2} bytes, "
            f"shape {rec['shape']} x {d.itemsize} needs {n * d.itemsize}"
        )
    if "view" in rec and not allow_view:
        raise SystemExit(f"gen_vectors: {where}: unexpected view")


def validate(doc: dict, clause_ids: set[str] | None) -> None:
    """Structural checks of one generated file: ids, clauses, hex lengths, expectations."""
    for case in doc["cases"]:
        cid = case["id"]
        if (
            not cid.startswith(case["clause"] + "[")
            or not cid.endswith("]")
            or any(ch in cid[len(case["clause"]) + 1 : -1] for ch in " ,[]")
        ):
            raise SystemExit(f"gen_vectors: bad case id {cid!r}")
        if clause_ids is not None and case["clause"] not in clause_ids:
            raise SystemExit(f"gen_vectors: {cid}: clause {case['clause']} is not in CONTRACT.md")
        if case["input"] is not None:
            _check_array(case["input"], cid + " input", allow_view=True)
        for key in ("value", "other"):
            v = case["args"].get(key)
            if isinstance(v, dict):
                _check_array(v, f"{cid} args.{key}")
        exp = case["expect"]
        if "data" in exp:
            _check_array(exp, cid + " expect")
        elif not ("value" in exp or "error" in exp):
            raise SystemExit(f"gen_vectors: {cid}: expect has neither data, value nor error")


def contract_clause_ids() -> set[str] | None:
    contract = Path(__file__).with_name("CONTRACT.md")
    if not contract.is_file():
        return None
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        import clauses  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    found, _problems = clauses.parse(contract)
    return {c["id"] for c in found if c.get("level") != "RETIRED"}


def dumps(doc: dict) -> str:
    """One case per line: diff-friendly and deterministic."""
    head = json.dumps({"format": doc["format"], "op": doc["op"]})[:-1]
    lines = [json.dumps(case, separators=(", ", ": ")) for case in doc["cases"]]
    return head + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Generate the zbuf golden vectors (zbuf-vectors/1 JSON, one file per op).",
        epilog="Ops: " + ", ".join(OPS) + ". Format: vectors/FORMAT.md.",
    )
    ap.add_argument(
        "--out",
        default=str(Path(__file__).with_name("vectors")),
        help="output directory (default: vectors/ beside this script)",
    )
    ap.add_argument("--op", action="append", choices=OPS, help="generate only this op (repeatable)")
    ap.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if any file in --out differs from what would be written",
    )
    args = ap.parse_args(argv)
    out = Path(args.out)
    ops = args.op or list(OPS)
    all_ids: dict[str, str] = {}
    stale = []
    clause_ids = contract_clause_ids()
    for op in ops:
        doc = GENERATORS[op]().doc()
        validate(doc, clause_ids)
        for case in doc["cases"]:
            if case["id"] in all_ids:
                raise SystemExit(f"gen_vectors: case id {case['id']} in both {all_ids[case['id']]} and {op}")
            all_ids[case["id"]] = op
        text = dumps(doc)
        json.loads(text)  # self-check
        if len(text.encode()) > MAX_FILE_BYTES:
            raise SystemExit(f"gen_vectors: {op}.json would be {len(text)} bytes (> {MAX_FILE_BYTES})")
        path = out / f"{op}.json"
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"{path}: {len(doc['cases'])} cases, {len(text.encode())} bytes")
    if args.check:
        for s in stale:
            print(f"stale: {s}", file=sys.stderr)
        return 1 if stale else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

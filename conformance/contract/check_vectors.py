#!/usr/bin/env python3
"""Run the golden vectors (vectors/*.json) against Zarr-Python's cpu buffer classes.

A quick cross-check of the vectors and of Zarr-Python, without the C harness: each case is applied to
`zarr.buffer.cpu.NDBuffer` (zarr >= 3.1; `zarr.core.buffer.cpu.NDBuffer` for 3.0.x) and the result compared with
`expect`. Prints one `DIFF <id> ...` line per disagreement and a summary; exits 1 when any case differs, 2 when
zarr cannot be imported. With zarr 3.1.x the differences are exactly the departures listed at the end of
CONTRACT.md (squeeze axes, all_equal with arrays). Needs numpy and zarr, e.g. in a venv:
`python3 -m venv /tmp/zv && /tmp/zv/bin/pip install "zarr>=3.1" numpy`.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import warnings
from pathlib import Path

import numpy as np

# The generator's exception -> status mapping is the one the vectors were written with.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_vectors import err_code  # noqa: E402

N = None  # the NDBuffer class under test, set in main()


def code(e):
    # As the generator, naming the exception class when it maps to nothing, to help diagnose a DIFF.
    c = err_code(e)
    return "EINTERNAL:" + type(e).__name__ if c == "EINTERNAL" else c


def arr(d, order="C"):
    a = (
        np.frombuffer(bytes.fromhex(d["data"]), dtype=d["dtype"]).reshape(d["shape"])
        if d["data"]
        else np.zeros(d["shape"], d["dtype"])
    )
    return np.array(a, order=order, copy=True)


def sc(h, dtype):
    return np.frombuffer(bytes.fromhex(h), dtype=dtype)[0]


def key(ix):
    return tuple(slice(e["start"], e["stop"], e["step"]) if isinstance(e, dict) else e for e in ix)


def enc(a):
    a = np.asarray(a)
    return {"dtype": a.dtype.str, "shape": list(a.shape), "data": a.tobytes(order="C").hex()}


def run(op, c):
    i, a = c["input"], c["args"]
    x = N.from_numpy_array(arr(i, i["order"])) if i else None
    if i and "view" in i:
        x = x[key(i["view"])]
    if op == "create_fill" or (op in ("byteorder",) and a.get("action") == "create_fill"):
        fv = None if a["fill_value"] is None else sc(a["fill_value"], a["dtype"])
        return enc(
            N.create(shape=a["shape"], dtype=a["dtype"], order=a["order"], fill_value=fv).as_numpy_array()
        )
    if op == "reshape":
        return enc(x.reshape(tuple(a["shape"])).as_numpy_array())
    if op == "squeeze":
        ax = a["axes"]
        if ax is None:
            ax = tuple(k for k, n in enumerate(x.shape) if n == 1)
        return enc(x.squeeze(tuple(ax)).as_numpy_array())
    if op == "astype" or a.get("action") == "astype":
        return enc(x.astype(a["dtype"]).as_numpy_array())
    if op == "transpose":
        return enc(x.transpose(None if a["axes"] is None else tuple(a["axes"])).as_numpy_array())
    if op == "getitem":
        return enc(x[key(a["index"])].as_numpy_array())
    if op == "setitem":
        if "value" in a:
            v = N.from_numpy_array(arr(a["value"]))
        elif "scalar" in a:
            v = sc(a["scalar"], i["dtype"])
        else:
            v = x[key(a["value_view"])]
        x[key(a["index"])] = v
        return enc(x.as_numpy_array())
    if op == "all_equal" or a.get("action") == "all_equal":
        other = sc(a["value"], i["dtype"]) if "value" in a else arr(a["other"])
        return {"value": bool(x.all_equal(other, equal_nan=a["equal_nan"]))}
    if op == "as_scalar" or a.get("action") == "as_scalar":
        if "index" in a:
            x = x[key(a["index"])]
        return {"value": np.asarray(x.as_scalar()).astype(x.dtype).tobytes().hex()}
    if a.get("action") == "byteorder":
        bo = str(x.byteorder.value if hasattr(x.byteorder, "value") else x.byteorder)
        return {"value": bo if i["dtype"][0] in "<>" else "native"}
    if a.get("action") == "to_bytes":
        return enc(x.as_numpy_array())
    if a.get("action") == "create":
        r = N.create(
            shape=a["shape"],
            dtype=a["dtype"],
            order=a["order"],
            fill_value=None if a["fill_value"] is None else sc(a["fill_value"], a["dtype"]),
        ).as_numpy_array()
        e = enc(r)
        e["strides"] = list(r.strides)
        e["c_contiguous"] = bool(r.flags.c_contiguous)
        e["f_contiguous"] = bool(r.flags.f_contiguous)
        return e
    if a.get("action") == "copy":
        r = x.copy().as_numpy_array()
        e = enc(r)
        e["strides"] = list(r.strides)
        e["c_contiguous"] = bool(r.flags.c_contiguous)
        return e
    raise RuntimeError("unknown")


def nan_eq(exp, got):
    if exp.get("nan") != "any":
        return False
    if exp["dtype"] != got["dtype"] or exp["shape"] != got["shape"]:
        return False
    a = np.frombuffer(bytes.fromhex(exp["data"]), exp["dtype"])
    b = np.frombuffer(bytes.fromhex(got["data"]), got["dtype"])
    return all((np.isnan(p) and np.isnan(q)) or p.tobytes() == q.tobytes() for p, q in zip(a, b))


def main(argv=None) -> int:
    global N
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=str(Path(__file__).with_name("vectors")), help="vectors directory")
    ap.add_argument("--op", action="append", help="only this op (repeatable)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    args = ap.parse_args(argv)
    try:
        try:
            from zarr.buffer import cpu
        except ImportError:
            from zarr.core.buffer import cpu  # zarr 3.0.x
        import zarr
    except ImportError as exc:
        print(f"check_vectors: cannot import zarr: {exc}", file=sys.stderr)
        return 2
    N = cpu.NDBuffer
    bad = tot = 0
    for f in sorted(glob.glob(str(Path(args.dir) / "*.json"))):
        d = json.load(open(f, encoding="utf-8"))
        op = d["op"]
        if args.op and op not in args.op:
            continue
        for c in d["cases"]:
            tot += 1
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    got = run(op, c)
                except Exception as e:  # noqa: BLE001
                    got = {"error": code(e)}
            exp = c["expect"]
            ok = all(got.get(k) == v for k, v in exp.items() if k not in ("nan", "strides")) and (
                exp.get("strides") is None or got.get("strides") == exp["strides"]
            )
            if not ok and nan_eq(exp, got):
                ok = True
            if not ok:
                bad += 1
                if not args.quiet:
                    print("DIFF", c["id"], "expect", json.dumps(exp)[:160], "got", json.dumps(got)[:160])
    print(f"zarr {zarr.__version__}, numpy {np.__version__}: {tot} cases, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""check_zbuf_zarr_vs_ref: zbuf's Zarr prototype gets ref:cpu's status wherever the Python adapter lets it.

    check_zbuf_zarr_vs_ref.py RESULTS.json REF_EXPECT.json ZARR_EXPECT.json

RESULTS.json is a zbuf-conform run of py:zbuf.zarr.cpu:buffer_prototype; REF_EXPECT.json holds ref:cpu's
statuses (conformance/expectations/ref-cpu.json) and ZARR_EXPECT.json Zarr-Python's stock cpu prototype's
(py-zarr3.1-cpu.json). A test whose status differs from ref:cpu's is accepted only when the stock prototype has
that same status and the adapter decides it for every Zarr prototype alike: UNSUPPORTED or SKIP (a test the
adapter cannot express), or one of ADAPTER_DECIDES below. Any other difference is zbuf.zarr's own, a Zarr
behaviour it copied included, and fails (exit 1, each listed). Exit 2: a file is missing or unreadable."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
from zbuf_conform.expectations import Expectations  # noqa: E402

# Tests the adapter answers before a Zarr prototype is called, or through Zarr's own functions (a clause, or one
# test ID): the same for zbuf.zarr as for zarr.buffer.cpu.
ADAPTER_DECIDES = {
    "CONV-ERR-005": "DLPack import: Zarr has none, the adapter uses numpy.from_dlpack",
    "CONV-ERR-006": "DLPack import: Zarr has none, the adapter uses numpy.from_dlpack",
    "CONV-ERR-008": "DLPack import: Zarr has none, the adapter uses numpy.from_dlpack",
    "ND-SEM-022[from_host-null@cpu]": "the adapter refuses NULL data before the prototype sees it",
    "PROTO-THREAD-002": "zarr's default_buffer_prototype() reads two config keys (a race in Zarr)",
}


def adapter_decides(test_id, status):
    return status in ("UNSUPPORTED", "SKIP") or test_id in ADAPTER_DECIDES or \
        test_id.split("[", 1)[0] in ADAPTER_DECIDES


def results(path):
    """{test ID: status} of a zbuf-conform results file, or of an expectations file standing in for one."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data.get("tests"), list):
        return {t["id"]: t["status"] for t in data["tests"]}
    return {test_id: e.status for test_id, e in Expectations(path).exact.items()}


def status(expect, test_id):
    """The status expect records for test_id (an exact key or a glob, as the harness reads it), or None."""
    e = expect.lookup(test_id)
    return None if e is None else e.status


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        zbuf = results(argv[1])
        ref, stock = Expectations(argv[2]), Expectations(argv[3])
    except (OSError, ValueError, KeyError) as exc:
        print(f"check_zbuf_zarr_vs_ref: {exc}", file=sys.stderr)
        return 2
    own, adapter, same = [], 0, 0
    for test_id, seen in sorted(zbuf.items()):
        want = status(ref, test_id)
        if want is None:
            continue
        if seen == want:
            same += 1
        elif status(stock, test_id) == seen and adapter_decides(test_id, seen):
            adapter += 1
        else:
            own.append(f"{test_id}: ref:cpu {want}, zbuf.zarr {seen}, zarr.buffer.cpu {status(stock, test_id)}")
    missing = sorted(set(ref.exact) - set(zbuf))
    print(f"{len(zbuf)} tests: {same} with ref:cpu's status, {adapter} differ as for every Zarr prototype "
          f"(the adapter's reach), {len(own)} differ through zbuf.zarr itself, {len(missing)} not run")
    for line in own + [f"{t}: not in the results" for t in missing]:
        print("  " + line)
    return 1 if own or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

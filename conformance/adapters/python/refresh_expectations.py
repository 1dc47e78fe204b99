#!/usr/bin/env python3
"""Regenerates conformance/expectations/py-*.json from real zbuf-conform runs of Zarr-Python.

Each expectations file is a finding: the status every test has for one (zarr version, prototype) here. This
script runs the four instances, writes what was observed (zbuf-conform --write-expect), and replaces the
harness's first-line reason of a non-PASS test with the explanation below when the clause has one, so that a
reader sees why Zarr-Python behaves so, not only what the harness saw. Review the diff before committing.

usage: refresh_expectations.py --conform build/conformance/zbuf-conform [--venv-dir .venv] [--jobs 2]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EXPECT_DIR = os.path.join(ROOT, "conformance", "expectations")

# (expectations name, venv, prototype)
INSTANCES = [
    ("py-zarr3.1-cpu", "zarr-3.1", "zarr.buffer.cpu:buffer_prototype"),
    ("py-zarr3.0-core-cpu", "zarr-3.0", "zarr.core.buffer.cpu:buffer_prototype"),
    ("py-zarr3.1-gpu", "zarr-3.1", "zarr.buffer.gpu:buffer_prototype"),
    ("py-zarr3.0-core-gpu", "zarr-3.0", "zarr.core.buffer.gpu:buffer_prototype"),
    # zbuf's own prototype for Zarr-Python (python/zbuf/zarr): the reference served through Zarr's classes
    ("py-zbuf-zarr-cpu", "zarr-3.1", "zbuf.zarr.cpu:buffer_prototype"),
]

# Why Zarr-Python's cpu classes get a status other than PASS: one line each (see docs/zarr-python.md). Keys are
# a test ID, or a clause for all its variants; an entry under a version applies to that file only and wins.
# Tests not listed keep the harness's own first line.
SQUEEZE = "zarr NDBuffer.squeeze(axis) drops the listed axes by index: negative and out-of-range axes are " \
          "silently ignored, repeats accepted (NumPy raises)"
DLPACK = "Zarr has no DLPack import; the adapter uses numpy.from_dlpack, which raises RuntimeError " \
         "('Unsupported dtype/lanes/device in DLTensor'): EINTERNAL"
BROADCAST_BOTH = "zarr NDBuffer.all_equal uses np.broadcast_arrays, which broadcasts both operands: an operand " \
                 "larger than the array is accepted and compared"
ALL_EQUAL_31 = "zarr 3.1 NDBuffer.all_equal raises ValueError ('truth value of an array ... is ambiguous') for a " \
               "float array operand of more than one element (`other == 0.0` used as a bool)"
REASONS = {
    "all": {
        "ND-SEM-006": SQUEEZE, "ND-ERR-006": SQUEEZE, "ND-ERR-007": SQUEEZE, "ND-ERR-008": SQUEEZE,
        "CONV-ERR-005": DLPACK, "CONV-ERR-006": DLPACK,
        "ND-ERR-014[b-larger@cpu]": BROADCAST_BOTH, "ND-ERR-014[other-larger]": BROADCAST_BOTH,
        "PROTO-THREAD-002": "zarr default_buffer_prototype() reads the 'buffer' and 'ndbuffer' config keys in two "
                            "lookups: a reader racing zarr.config.set sees one key new and one old",
        "CONV-ERR-001[to-cpu]": "a cpu-only prototype: the harness has no unsupported pair of kinds to try",
        "ND-SEM-022[from_host-null@cpu]": "the Python adapter refuses NULL data before Zarr-Python sees it, also "
                                          "for a zero-size shape (adapter check \"data is NULL\"; NumPy makes "
                                          "the empty array)",
    },
    "py-zarr3.1-cpu": {
        "ND-SEM-017": ALL_EQUAL_31, "ND-THREAD-001[cpu]": "fails on all_equal with an array: " + ALL_EQUAL_31,
    },
    "py-zbuf-zarr-cpu": {
        "CONV-ERR-008": "Zarr has no DLPack import; the adapter imports the tensor with numpy.from_dlpack before "
                        "zbuf sees it, and NumPy does not validate it (a NULL shape kills the process)",
    },
    "py-zarr3.0-core-cpu": {
        "ND-SEM-015": "zarr 3.0 NDBuffer.all_equal compares a zero fill value by value (-0.0 == +0.0); the "
                      "bit-pattern comparison came in 3.1.2",
        "ND-SEM-017[zeros-bitwise]": "zarr 3.0 compares by value, so an array of -0.0 equals an array of +0.0",
        "ND-THREAD-002[cpu]": "harness test bug: threads_nd.c calls ndbuffer_empty without CONFORM_NEED_OP; zarr "
                              "3.0 has no NDBuffer.empty, so the adapter's entry is NULL",
    },
}


def reason_for(name, test_id):
    clause = test_id.split("[", 1)[0]
    for table in (REASONS.get(name, {}), REASONS["all"]):
        for key in (test_id, clause):
            if key in table:
                return table[key]
    return None


GPU_REASON = ("no CuPy and no GPU here: zarr.buffer.gpu cannot make a buffer (its create_zero_length raises "
              "AttributeError without CuPy), so the adapter claims no memory kind; harness: {why}")


def run(conform, python, proto, out_expect, out_json, jobs):
    env = dict(os.environ, ZBUF_PYTHON=python, PYTHONDONTWRITEBYTECODE="1")
    if proto.startswith("zbuf."):  # zbuf.zarr from this checkout, over the libzbuf next to zbuf-conform's build
        env["PYTHONPATH"] = os.path.join(ROOT, "python")
        env["ZBUF_LIBRARY"] = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(conform))),
                                           "libzbuf.so")
    cmd = [conform, "--impl", f"py:{proto}", "--jobs", str(jobs), "--quiet", "--timeout", "120",
           "--write-expect", out_expect, "--json", out_json]
    print("+", " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail = done.stdout.strip().splitlines()[-3:]
    print("\n".join(tail), file=sys.stderr)
    if not os.path.exists(out_expect):
        sys.exit(f"refresh_expectations: {proto}: no expectations written (exit {done.returncode})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conform", required=True, help="path of the zbuf-conform binary")
    parser.add_argument("--venv-dir", default=os.environ.get("ZBUF_VENV_DIR", os.path.join(ROOT, ".venv")))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="refresh only this expectations name, e.g. py-zarr3.1-cpu")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, venv, proto in INSTANCES:
            if args.only and name != args.only:
                continue
            python = os.path.join(os.path.abspath(args.venv_dir), venv, "bin", "python")
            if not os.access(python, os.X_OK):
                sys.exit(f"refresh_expectations: {python} is missing; run scripts/setup-zarr first")
            raw = os.path.join(tmp, name + ".json")
            run(args.conform, python, proto, raw, os.path.join(tmp, name + ".results.json"), args.jobs)
            with open(raw, encoding="utf-8") as f:
                expect = json.load(f)
            expect.pop("generated", None)  # a date in a checked-in file only makes every refresh a diff
            for test_id, entry in expect["tests"].items():
                if entry == "PASS":
                    continue
                if name.endswith("-gpu") and entry["status"] == "UNSUPPORTED":
                    entry["reason"] = GPU_REASON.format(why=entry["reason"])[:300]
                elif reason_for(name, test_id):
                    entry["reason"] = reason_for(name, test_id)
            path = os.path.join(EXPECT_DIR, name + ".json")
            # Timing-dependent findings (an "also" list) keep their entry when this run saw one of their statuses.
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    old = json.load(f).get("tests", {})
                for test_id, prev in old.items():
                    new = expect["tests"].get(test_id)
                    if isinstance(prev, dict) and "also" in prev and new is not None:
                        seen = new if isinstance(new, str) else new["status"]
                        if seen == prev["status"] or seen in prev["also"]:
                            expect["tests"][test_id] = prev
            with open(path, "w", encoding="utf-8") as f:
                json.dump(expect, f, indent=2)
                f.write("\n")
            counts = {}
            for entry in expect["tests"].values():
                status = entry if isinstance(entry, str) else entry["status"]
                counts[status] = counts.get(status, 0) + 1
            print(f"{path}: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()

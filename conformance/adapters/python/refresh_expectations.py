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
]

# Why Zarr-Python's cpu classes get a status other than PASS, by clause: one line each (see
# docs/zarr-python.md). Clauses not listed keep the harness's own first line.
CPU_REASONS = {
    "ND-SEM-006": "zarr NDBuffer.squeeze(axis) drops axes by index, ignores negative/out-of-range ones, and "
                  "squeeze(None) (no axes) raises TypeError",
    "ND-ERR-007": "zarr NDBuffer.squeeze silently ignores an out-of-range axis instead of raising",
    "ND-ERR-008": "zarr NDBuffer.squeeze accepts a repeated axis",
    "ND-SEM-017": "zarr 3.1 NDBuffer.all_equal raises ValueError (truth value of an array is ambiguous) for a "
                  "float array operand of more than one element",
    "ND-ERR-014": "zarr 3.1 NDBuffer.all_equal raises its ValueError before broadcasting a float array operand",
    "PROTO-THREAD-002": "zarr default_buffer_prototype() reads the 'buffer' and 'ndbuffer' config keys separately: "
                        "a racing config.set is seen half done",
    "PROTO-ERR-001": "zarr.config.set accepts any class name; the error (BadConfigError) comes at the next "
                     "default_buffer_prototype()",
    "BUF-ERR-011": "Python allocations cannot be made to fail on demand: no fault injection",
    "BUF-LIFE-008": "Python allocations cannot be made to fail on demand: no fault injection",
    "CONV-ERR-007": "Python allocations cannot be made to fail on demand: no fault injection",
}
GPU_REASON = ("no CuPy and no GPU here: zarr.buffer.gpu cannot make a buffer (its create_zero_length raises "
              "AttributeError without CuPy), so the adapter claims no memory kind; harness: {why}")


def run(conform, python, proto, out_expect, out_json, jobs):
    env = dict(os.environ, ZBUF_PYTHON=python, PYTHONDONTWRITEBYTECODE="1")
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
                clause = test_id.split("[", 1)[0]
                if name.endswith("-gpu") and entry["status"] == "UNSUPPORTED":
                    entry["reason"] = GPU_REASON.format(why=entry["reason"])[:300]
                elif clause in CPU_REASONS:
                    entry["reason"] = CPU_REASONS[clause]
            path = os.path.join(EXPECT_DIR, name + ".json")
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

#!/usr/bin/env python3
"""check_same_statuses: two zbuf-conform runs of one implementation give the same statuses.

    check_same_statuses.py --conform ZBUF-CONFORM [--expect FILE] A.json B.json

Runs `zbuf-conform diff A.json B.json` and passes (exit 0) when it finds nothing, or when every difference is
a CHANGED line for a test whose expectation in FILE accepts both statuses (a timing-dependent finding, listed
with "also", such as Zarr's PROTO-THREAD-002 race, which any two runs may see differently). Anything else
(another CHANGED, ONLY-A/ONLY-B, NOT-LOADED) fails (exit 1) and is printed; bad arguments exit 2."""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zbuf_conform.expectations import Expectations  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conform", required=True, help="a zbuf-conform (either harness: both write the same JSON)")
    ap.add_argument("--expect", help="expectations file whose \"also\" entries may differ between runs")
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    for f in (args.a, args.b):
        if not os.path.isfile(f):
            print(f"check_same_statuses: {f}: no such results file", file=sys.stderr)
            return 2
    try:
        expect = Expectations(args.expect) if args.expect else None
    except ValueError as exc:
        print(f"check_same_statuses: {exc}", file=sys.stderr)
        return 2
    p = subprocess.run([args.conform, "diff", args.a, args.b], stdout=subprocess.PIPE, text=True)
    print(p.stdout, end="")
    if p.returncode == 0:
        return 0
    if p.returncode != 1:
        print(f"check_same_statuses: zbuf-conform diff exited {p.returncode}", file=sys.stderr)
        return 1
    bad = []
    for line in p.stdout.splitlines():
        if line.startswith(("#", "CLAUSE ")) or not line.strip():
            continue
        m = re.match(r"CHANGED (\S+): (\S+) -> (\S+)$", line)
        e = expect.lookup(m.group(1)) if m and expect else None
        if m and e and e.accepts(m.group(2)) and e.accepts(m.group(3)):
            print(f"check_same_statuses: accepted: {m.group(1)} may be {m.group(2)} or {m.group(3)} ({e.reason})")
            continue
        bad.append(line)
    if bad:
        print(f"check_same_statuses: {len(bad)} difference(s) the expectations do not allow:", file=sys.stderr)
        for line in bad:
            print("  " + line, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

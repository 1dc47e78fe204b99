#!/usr/bin/env python3
"""Proves that zbuf-conform catches every fault planted in the minibuf example plugin.

For each fault it runs the tests that should catch it twice: with only that fault planted (config = the
fault's name), where each must FAIL, and with no fault planted (config "none"), where each must PASS. The
second run shows that the FAIL comes from the planted fault and not from something else minibuf lacks.
A test ID listed below that the harness no longer has is an error too, so a renamed test cannot silently
stop guarding its fault. Exit 0 when every fault is caught, 1 otherwise, 2 on usage errors.

The racy-refcount fault is not in minibuf's default config (its race makes BUF-THREAD-003[smoke] flip between
PASS, FAIL and CRASH, which an expectations file cannot pin), but it is checked here through
BUF-THREAD-003[cpu], whose 8 threads and 100 000 iterations show the race every time in practice. Caught
means any of FAIL, CRASH or TIMEOUT for it.
"""
import argparse
import json
import os
import subprocess
import sys

# fault (config name) -> the test IDs that catch it (see README.md).
FAULTS = {
    "slice-copies": ["BUF-COPY-001[cpu]", "BUF-COPY-001[smoke]"],
    "slice-step": ["BUF-ERR-001[slice-step2@cpu]", "BUF-ERR-001[smoke]"],
    "zero-sign": ["ND-SEM-015[neg-vs-pos]", "ND-SEM-015[pos-vs-neg]", "ND-SEM-015[mixed-vs-neg]",
                  "ND-SEM-015[f4-neg-vs-pos]", "ND-SEM-015[0d-neg-vs-pos]"],
    "early-release": ["BUF-LIFE-003[cpu]"],
    "racy-refcount": ["BUF-THREAD-003[cpu]"],
}
RACY = {"racy-refcount"}


def listed_tests(conform):
    out = subprocess.run([conform, "--list"], check=True, capture_output=True, text=True).stdout
    return [line.split("\t")[0] for line in out.splitlines() if line.strip()]


def run(conform, plugin, config, ids, out_json):
    cmd = [conform, "--impl", f"lib:{plugin}:{config}", "--quiet", "--timeout", "120", "--json", out_json]
    for i in ids:
        cmd += ["--filter", i]
    subprocess.run(cmd, capture_output=True, text=True)  # its exit status is judged from the JSON below
    with open(out_json) as f:
        return {t["id"]: t for t in json.load(f)["tests"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conform", required=True, help="path of the zbuf-conform binary")
    ap.add_argument("--plugin", required=True, help="path of the minibuf plugin (.so)")
    ap.add_argument("--out", default=".", help="folder for the JSON results of each run")
    ap.add_argument("--fault", action="append", choices=sorted(FAULTS),
                    help="check only this fault (repeatable)")
    args = ap.parse_args()

    all_ids = listed_tests(args.conform)
    faults = {f: FAULTS[f] for f in (args.fault or FAULTS)}
    problems = []
    for fault, ids in faults.items():
        missing = [i for i in ids if i not in all_ids]
        if missing:
            problems.append(f"{fault}: the harness has no test {', '.join(missing)}")
            continue
        planted = run(args.conform, args.plugin, fault, ids, os.path.join(args.out, f"minibuf-{fault}.json"))
        clean = run(args.conform, args.plugin, "none", ids, os.path.join(args.out, f"minibuf-{fault}-none.json"))
        caught = {"FAIL"} if fault not in RACY else {"FAIL", "CRASH", "TIMEOUT"}
        for i in ids:
            p = planted.get(i, {}).get("status", "absent")
            c = clean.get(i, {}).get("status", "absent")
            ok = p in caught and c == "PASS"
            print(f"{'ok' if ok else 'NOT CAUGHT'}  {fault:14} {i}: planted {p}, without the fault {c}")
            if not ok:
                problems.append(f"{fault}: {i} is {p} with the fault planted and {c} without it "
                                f"(expected {'/'.join(sorted(caught))} and PASS)")
    for p in problems:
        print("error:", p, file=sys.stderr)
    print(f"{len(faults) - len({p.split(':')[0] for p in problems})} of {len(faults)} planted faults caught")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

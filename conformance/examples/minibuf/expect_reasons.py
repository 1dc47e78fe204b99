#!/usr/bin/env python3
"""Turns a file written by `zbuf-conform --impl lib:<minibuf> --write-expect FILE` into minibuf's
expectations file: every non-PASS status gets a one-line reason saying why it is right (a planted fault, a
capability minibuf does not claim, an operation it leaves NULL, a dtype it does not support). A status no
rule explains keeps the harness's message as its reason and is listed on stderr, and the exit status is 1:
a person must then decide whether it is right and say why in the file.

  zbuf-conform --impl lib:build/conformance/examples/libzbuf_example_minibuf.so --jobs 2 --quiet \\
      --write-expect /tmp/minibuf.json
  conformance/examples/minibuf/expect_reasons.py /tmp/minibuf.json conformance/expectations/example-minibuf.json
"""
import argparse
import json
import re
import sys

CAPS = {"CUDA": "CUDA device memory", "CUDA_HOST": "pinned memory", "DLPACK": "DLPack exchange",
        "FAULT_INJECTION": "fault injection"}
FAULTS = {  # clause -> the planted fault its FAIL shows (README.md)
    "BUF-COPY-001": "slice-copies", "BUF-COPY-002": "slice-copies", "BUF-COPY-003": "slice-copies",
    "BUF-COPY-010": "slice-copies", "BUF-ERR-001": "slice-step", "ND-SEM-015": "zero-sign",
    "BUF-LIFE-003": "early-release",
}
FAULT_TEXT = {
    "slice-copies": "Buffer slices are copies, not views of the parent's bytes",
    "slice-step": "Buffer slices accept a step > 1 instead of EINVAL",
    "zero-sign": "all_equal compares with a zero by value, so -0.0 equals +0.0",
    "early-release": "the wrap callback runs when the wrapping handle goes, while an alias still uses the memory",
}


def reason(test_id, status, msg):
    """The one-line reason for a non-PASS status, or None when no rule explains it."""
    clause = test_id.split("[")[0]
    if status == "UNSUPPORTED":
        m = re.search(r"does not claim capabilit(?:y|ies) ([A-Z_,]+)", msg)
        if m:
            return "not claimed by minibuf (host memory only): " + ", ".join(
                CAPS.get(c, c) for c in m.group(1).split(","))
        m = re.search(r"does not provide operation (\w+)", msg)
        if m:
            return f"minibuf does not provide {m.group(1)} (NULL in its table)"
        m = re.search(r'minibuf does not support dtype "([^"]+)"', msg)
        if m:
            return f"minibuf supports little-endian bool/int/uint/f4/f8 only: {m.group(1)} is EUNSUPPORTED"
        if "host RAM" in msg:
            return "minibuf keeps memory in host RAM only: CUDA and pinned kinds are EUNSUPPORTED"
        if "cannot express" in msg:
            return "the C ABI cannot express a Buffer key that is not a slice"
    if status == "FAIL" and clause in FAULTS:
        return f"planted fault {FAULTS[clause]}: {FAULT_TEXT[FAULTS[clause]]}"
    if test_id == "ND-ERR-022[from_host-overflowing-strides]" and status == "CRASH":
        return ("minibuf does not check that strides stay inside the int64 byte range: from_host reads through a "
                "stride of INT64_MAX bytes and dies (SIGSEGV)")
    if test_id == "ND-ERR-022[wrap-overflowing-strides]" and status == "FAIL":
        return "minibuf does not check that strides stay inside the int64 byte range: wrap accepts a stride of INT64_MAX bytes"
    if status == "FAIL" and test_id.startswith(("ND-SEM-013[stream-", "ND-SEM-013[block-")):
        return ("planted fault slice-copies: " + FAULT_TEXT["slice-copies"] + ", so the NDBuffer made of a slice "
                "is a view of a copy and the fill never reaches the Buffer")
    if status == "SKIP" and clause == "CONV-ERR-001":
        return "minibuf has one memory kind, so it declares no unsupported device pair"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("written", help="the file --write-expect wrote")
    ap.add_argument("out", help="the expectations file to write")
    args = ap.parse_args()
    with open(args.written) as f:
        d = json.load(f)
    unexplained = []
    for tid, e in d["tests"].items():
        status = e if isinstance(e, str) else e["status"]
        if status == "PASS":
            d["tests"][tid] = "PASS"
            continue
        msg = "" if isinstance(e, str) else e.get("reason", "")
        r = reason(tid, status, msg)
        if r is None:
            unexplained.append(f"{tid}: {status}: {msg}")
            r = msg
        d["tests"][tid] = {"status": status, "reason": r}
    d["impl"] = "lib:libzbuf_example_minibuf.so (default faults)"
    d.pop("generated", None)
    with open(args.out, "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
    for u in unexplained:
        print("unexplained (write its reason by hand):", u, file=sys.stderr)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())

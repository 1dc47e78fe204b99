#!/usr/bin/env python3
"""Checks zbuf-bench's placement decisions (zbuf-bench --placement-only [--topology FILE]).

Usage:
  check_placement.py --bench ZBUF_BENCH [--topology FILE.xml --expect FILE.expect.json]
  check_placement.py --bench ZBUF_BENCH --topology FILE --expect-error REGEX

Without --expect it checks that the decisions are well formed (this machine, whatever it is). With --expect,
every key of the expectation must equal the decision; a list of objects is matched element by element, and an
object only needs the keys the expectation names. With --expect-error, zbuf-bench must refuse the topology:
exit with a status other than 0 (and not die of a signal), print no decisions, and say on stderr why, in words
that REGEX (a Python regular expression) finds. Exit status 0 good, 1 a difference or malformed output.

A --topology file is read with hwloc's built-in XML parser (HWLOC_LIBXML_IMPORT=0), even where the libxml2
plugin (Debian: libhwloc-plugins) is installed: test topologies must load on machines without it, which is
what the built-in parser alone proves.
"""
import argparse
import json
import os
import re
import subprocess
import sys


def compare(want, got, path, problems):
    if isinstance(want, dict):
        if not isinstance(got, dict):
            problems.append("%s: expected an object, got %r" % (path, got))
            return
        for key, value in want.items():
            if key.startswith("_"):
                continue  # comments in the expectation file
            if key not in got:
                problems.append("%s.%s: missing" % (path, key))
            else:
                compare(value, got[key], "%s.%s" % (path, key), problems)
    elif isinstance(want, list) and want and isinstance(want[0], dict):
        if not isinstance(got, list) or len(got) != len(want):
            problems.append("%s: expected %d entries, got %r" % (path, len(want), got))
            return
        for i, (w, g) in enumerate(zip(want, got)):
            compare(w, g, "%s[%d]" % (path, i), problems)
    elif want != got:
        problems.append("%s: expected %r, got %r" % (path, want, got))


def well_formed(doc, problems):
    node_ids = {n["os_index"] for n in doc.get("nodes", [])}
    for key in ("topology", "hwloc", "nodes", "host", "gpus"):
        if key not in doc:
            problems.append("no %r" % key)
    sides = [("host", doc.get("host", {}))] + [("gpus[%d]" % i, g) for i, g in enumerate(doc.get("gpus", []))]
    for where, side in sides:
        if not doc.get("hwloc"):
            continue
        near = side.get("near_node")
        far = side.get("far_node")
        if near not in node_ids:
            problems.append("%s: near_node %r is not a NUMA node" % (where, near))
        if far is not None and (far not in node_ids or far in side.get("near_nodes", [])):
            problems.append("%s: far_node %r must be a node that is not near" % (where, far))
        if far is None and len(node_ids) > 1 and set(side.get("near_nodes", [])) != node_ids:
            problems.append("%s: no far node although some node is not near" % where)
        if side.get("thread_cpu") not in side.get("near_cpus", []):
            problems.append("%s: thread_cpu %r is not one of the near cpus" % (where, side.get("thread_cpu")))


def expect_error(cmd, env, pattern):
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    problems = []
    if run.returncode == 0:
        problems.append("exited 0: the topology was accepted")
    elif run.returncode < 0:
        problems.append("died of signal %d" % -run.returncode)
    if run.stdout.strip():
        problems.append("printed decisions although it failed")
    if not re.search(pattern, run.stderr):
        problems.append("stderr does not say %r" % pattern)
    for p in problems:
        print("check_placement: FAIL: %s: %s" % (" ".join(cmd), p), file=sys.stderr)
    if problems:
        print("stdout:\n%sstderr:\n%s" % (run.stdout, run.stderr), file=sys.stderr)
        return 1
    print("check_placement: ok: refused with exit status %d: %s" % (run.returncode, run.stderr.strip()))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="zbuf-bench executable")
    ap.add_argument("--topology", help="hwloc XML topology to replay")
    ap.add_argument("--expect", help="expected decisions (JSON)")
    ap.add_argument("--expect-error", metavar="REGEX", help="zbuf-bench must refuse the topology, saying REGEX")
    opt = ap.parse_args()
    cmd = [opt.bench, "--placement-only"] + (["--topology", opt.topology] if opt.topology else [])
    env = dict(os.environ, HWLOC_LIBXML_IMPORT="0") if opt.topology else None
    if opt.expect_error is not None:
        return expect_error(cmd, env, opt.expect_error)
    run = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env)
    if run.returncode != 0:
        print("check_placement: FAIL: %s exited %d" % (" ".join(cmd), run.returncode), file=sys.stderr)
        return 1
    try:
        doc = json.loads(run.stdout)
    except ValueError as e:
        print("check_placement: FAIL: output is not JSON (%s):\n%s" % (e, run.stdout), file=sys.stderr)
        return 1
    problems = []
    well_formed(doc, problems)
    if opt.expect:
        with open(opt.expect) as f:
            compare(json.load(f), doc, "$", problems)
    for p in problems:
        print("check_placement: FAIL: " + p, file=sys.stderr)
    if problems:
        print(run.stdout, file=sys.stderr)
        return 1
    print("check_placement: ok: %s: %d node(s), %d GPU(s)" % (doc["topology"], len(doc["nodes"]), len(doc["gpus"])))
    for g in doc["gpus"]:
        print("  cuda%d %s: near node %s cpu %s, far node %s cpu %s (%s); link %.3f GB/s" % (
            g["cuda"], g["pci"], g["near_node"], g["thread_cpu"], g["far_node"], g["far_cpu"], g["far_reason"],
            g["link"]["ceiling_GBps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

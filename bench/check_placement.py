#!/usr/bin/env python3
"""Checks zbuf-bench's placement decisions (zbuf-bench --placement-only [--topology FILE]).

Usage:
  check_placement.py --bench ZBUF_BENCH [--topology FILE.xml] [--expect FILE.expect.json] [--oracle ORACLE]
                     [--v1 --workdir DIR] [--affinity CPUS]
  check_placement.py --bench ZBUF_BENCH --synthetic DESC --oracle ORACLE --workdir DIR [--expect ...]
  check_placement.py --bench ZBUF_BENCH [--topology FILE] --expect-error REGEX [-- ZBUF_BENCH_ARGS...]

Without --expect and --oracle it checks that the decisions are well formed (this machine, whatever it is).

--expect: every key of the expectation must equal the decision; a list of objects is matched element by
element, and an object only needs the keys the expectation names.

--oracle: zbuf-placement-oracle (bench/placement_oracle.c) says what libhwloc itself gives for the same
topology, and every decision zbuf-bench takes from hwloc must agree with it, by rules written here in Python:
the allowed set, each node's cpus (first PU of each core) and allowed cpus (first allowed PU of each core, none
when the node's memory is not allowed), each NVIDIA GPU's near nodes (hwloc_get_local_numanode_objs, larger
and smaller localities), its near node (the first usable near node of host memory, or none with a note),
link speeds, and CUDA ordinals (cudaN OS devices, the others the free ordinals in PCI bus order, all unique).
--v1 first has libhwloc re-export the topology in hwloc 1.x XML format into --workdir and checks that file.
--synthetic DESC has libhwloc make a topology from a synthetic description (written into --workdir).
--affinity CPUS (this machine only) runs both with that cpu affinity (as taskset does) and checks that the
decisions stay inside it, with os.sched_getaffinity as the reference.

--expect-error: zbuf-bench must refuse: exit with a status other than 0 (and not die of a signal), print no
decisions, and say on stderr why, in one line that REGEX (a Python regular expression) finds. Arguments after
"--" replace the usual --placement-only --topology FILE.

A --topology file is read with hwloc's built-in XML parser (HWLOC_LIBXML_IMPORT=0), even where the libxml2
plugin (Debian: libhwloc-plugins) is installed: test topologies must load on machines without it, which is
what the built-in parser alone proves. Exit status 0 good, 1 a difference or malformed output.
"""
import argparse
import json
import os
import re
import subprocess
import sys

NVIDIA = 0x10DE
# PCIe generations: GT/s per lane and line coding (as bench/placement.c, written again here on purpose).
LINKS = [(2.5, 1, 8 / 10), (5, 2, 8 / 10), (8, 3, 128 / 130), (16, 4, 128 / 130), (32, 5, 128 / 130),
         (64, 6, 242 / 256)]
WIDTHS = [1, 2, 4, 8, 12, 16, 32]


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
    elif isinstance(want, str) and want.startswith("re:"):
        if not isinstance(got, str) or not re.search(want[3:], got):
            problems.append("%s: expected text matching %r, got %r" % (path, want[3:], got))
    elif want != got:
        problems.append("%s: expected %r, got %r" % (path, want, got))


def well_formed(doc, problems):
    nodes = {n["os_index"]: n for n in doc.get("nodes", [])}
    for key in ("topology", "hwloc", "nodes", "host", "gpus", "allowed"):
        if key not in doc:
            problems.append("no %r" % key)
    if not doc.get("hwloc"):
        return
    sides = [("host", doc.get("host", {}))] + [("gpus[%d]" % i, g) for i, g in enumerate(doc.get("gpus", []))]
    for where, side in sides:
        near, far = side.get("near_node"), side.get("far_node")
        if near is None:
            if not side.get("note") or "no near or far rows" not in side["note"]:
                problems.append("%s: no near node and no note saying why" % where)
            if side.get("thread_cpu") is not None or far is not None or side.get("near_cpus"):
                problems.append("%s: a thread cpu, near cpus or far node without a near node" % where)
            continue
        if near not in nodes or not nodes[near].get("usable") or nodes[near].get("gpu_memory"):
            problems.append("%s: near_node %r is not a usable NUMA node of host memory" % (where, near))
        if near not in side.get("near_nodes", []) and where != "host":
            problems.append("%s: near_node %r is not one of its near nodes" % (where, near))
        if far is not None and (far not in nodes or far in side.get("near_nodes", []) or
                                not nodes[far].get("usable") or nodes[far].get("gpu_memory")):
            problems.append("%s: far_node %r must be a usable node of host memory that is not near" % (where, far))
        if far is None and not side.get("far_reason"):
            problems.append("%s: no far node and no reason" % where)
        if side.get("thread_cpu") not in side.get("near_cpus", []):
            problems.append("%s: thread_cpu %r is not one of the near cpus" % (where, side.get("thread_cpu")))
    seen = {}
    for i, g in enumerate(doc.get("gpus", [])):
        if g.get("thread_cpu") is None:
            continue
        first = seen.setdefault(g["thread_cpu"], g.get("cuda"))
        want = None if first == g.get("cuda") else first
        if g.get("thread_shared_with") != want:
            problems.append("gpus[%d]: thread cpu %r shared with cuda%r, but thread_shared_with is %r" % (
                i, g["thread_cpu"], want, g.get("thread_shared_with")))
    cudas = [g["cuda"] for g in doc.get("gpus", []) if g.get("cuda") is not None]
    if len(cudas) != len(set(cudas)):
        problems.append("CUDA ordinals are not unique: %r" % cudas)


def parse_list(text):
    """hwloc's list syntax, "0-3,8", or "none"."""
    out = set()
    if text in (None, "none", ""):
        return out
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def expected_ordinals(gpus):
    """cudaN OS devices win; the others take the free ordinals in PCI bus order."""
    named = {}
    for g in gpus:
        cuda = [int(n[4:]) for n in g["osdevs"] if re.fullmatch(r"cuda[0-9]+", n)]
        if cuda:
            named[g["pci"]] = cuda[0]
    result, taken, nxt = dict(named), set(named.values()), 0
    for g in sorted((g for g in gpus if g["pci"] not in named),
                    key=lambda g: (g["domain"], g["bus"], g["dev"], g["func"])):
        while nxt in taken:
            nxt += 1
        result[g["pci"]] = nxt
        taken.add(nxt)
    return result, named


def candidates(gbps):
    if gbps <= 0:
        return None
    found = ["gen%d x%d" % (gen, w) for gtps, gen, coding in LINKS for w in WIDTHS
             if abs(gtps * w * coding / 8 - gbps) <= 0.002 * gbps]
    return " or ".join(found) or None


def oracle_check(doc, orc, live, affinity, problems):
    allowed_cpus = set(orc["allowed_cpus"])
    if live:  # this process's own binding, as the kernel tells Python (taskset, Slurm, --affinity)
        allowed_cpus &= affinity if affinity is not None else os.sched_getaffinity(0)
    allowed_nodes = set(orc["allowed_nodes"])
    got = doc.get("allowed") or {}
    if parse_list(got.get("cpus")) != allowed_cpus:
        problems.append("allowed cpus %r, libhwloc%s says %r" % (
            got.get("cpus"), " and the cpu affinity" if live else "", sorted(allowed_cpus)))
    if parse_list(got.get("nodes")) != allowed_nodes:
        problems.append("allowed nodes %r, libhwloc says %r" % (got.get("nodes"), sorted(allowed_nodes)))
    restricted = allowed_cpus != set(orc["cpus"]) or allowed_nodes != set(orc["nodes"]) or (
        not live and set(orc["complete_nodes"]) != set(orc["nodes"]))
    if got.get("restricted") != restricted:
        problems.append("allowed.restricted is %r, expected %r" % (got.get("restricted"), restricted))

    # Nodes: every core's first PU, and the first allowed PU of each core where the node's memory is allowed.
    want_nodes = {}
    for n in orc["numa_nodes"]:
        cpus = [min(c) for c in n["cores"]]
        mine = [min(set(c) & allowed_cpus) for c in n["cores"] if set(c) & allowed_cpus] \
            if n["os_index"] in allowed_nodes else []
        want_nodes[n["os_index"]] = {"cpus": cpus, "allowed_cpus": mine, "usable": bool(mine),
                                     "gpu_memory": n["subtype"] == "GPUMemory"}
    got_nodes = {n["os_index"]: n for n in doc["nodes"]}
    if set(got_nodes) != set(want_nodes):
        problems.append("NUMA nodes %r, libhwloc says %r" % (sorted(got_nodes), sorted(want_nodes)))
    for os_index, want in want_nodes.items():
        for key, value in want.items():
            if os_index in got_nodes and got_nodes[os_index].get(key) != value:
                problems.append("node %d: %s %r, libhwloc gives %r" % (os_index, key, got_nodes[os_index].get(key),
                                                                       value))

    def usable_host(os_index):
        w = want_nodes.get(os_index)
        return w is not None and w["usable"] and not w["gpu_memory"]

    def check_side(where, side, near_nodes):
        usable = [n for n in near_nodes if usable_host(n)]
        near = usable[0] if usable else None
        if side.get("near_node") != near:
            problems.append("%s: near_node %r, expected %r (near nodes %r, usable %r)" % (
                where, side.get("near_node"), near, near_nodes, usable))
        elif near is not None and side.get("near_cpus") != want_nodes[near]["allowed_cpus"]:
            problems.append("%s: near_cpus %r, libhwloc gives %r" % (where, side.get("near_cpus"),
                                                                     want_nodes[near]["allowed_cpus"]))
        if near is not None and len(usable) < len(near_nodes) and not side.get("note"):
            problems.append("%s: near nodes %r were skipped without a note" % (
                where, sorted(set(near_nodes) - set(usable))))

    host_near = [n for n in sorted(want_nodes) if usable_host(n)][:1]
    check_side("host", doc["host"], host_near)

    gpus = [p for p in orc["pci_devices"] if p["vendor"] == NVIDIA and p["class"] >> 8 == 3]
    by_pci = {g["pci"]: g for g in gpus}
    got_gpus = {g["pci"]: g for g in doc["gpus"]}
    if set(got_gpus) != set(by_pci):
        problems.append("GPUs %r, libhwloc lists NVIDIA display/3D functions %r" % (sorted(got_gpus), sorted(by_pci)))
    if not gpus and not doc.get("gpu_note"):
        problems.append("no NVIDIA GPU and no gpu_note saying so")
    if gpus and doc.get("gpu_note"):
        problems.append("gpu_note %r although there are GPUs" % doc["gpu_note"])
    ordinals, named = expected_ordinals(gpus)
    runtime = live and doc.get("cuda_check") and not doc["cuda_check"].startswith("not done")
    for pci, g in got_gpus.items():
        o = by_pci.get(pci)
        if not o:
            continue
        where = "GPU %s" % pci
        # The near nodes are the nodeset of the GPU's first non-I/O ancestor; hwloc documents that its local
        # NUMA nodes with larger and smaller localities are the same set, which is checked too, for the nodes
        # that have cpus (a node without any, as hwloc 1.x XML makes GPU memory, has an empty locality that
        # every cpuset contains). A locality the file does not describe (an ancestor without cpus) has none.
        near = sorted(o["ancestor"]["nodeset"]) if o["ancestor"]["cpuset"] else []
        with_cpus = {n["os_index"] for n in orc["numa_nodes"] if n["cpuset"]}
        local = sorted(set(o["local_nodes"]) & with_cpus) if o["ancestor"]["cpuset"] else []
        if local != [n for n in near if n in with_cpus]:
            problems.append("%s: libhwloc's local NUMA nodes %r are not its ancestor's nodeset %r" % (
                where, local, near))
        if g.get("near_nodes") != near:
            problems.append("%s: near_nodes %r, libhwloc gives %r" % (where, g.get("near_nodes"), near))
        check_side(where, g, near)
        link = round(o["link_GBps"], 3)
        path = o["link_GBps"]
        for s in o["upstream_GBps"]:
            if s > 0 and (path <= 0 or s < path):
                path = s
        if abs(g["link"]["hwloc_GBps"] - link) > 0.0005 or abs(g["link"]["path_min_GBps"] - round(path, 3)) > 0.0005:
            problems.append("%s: link %r / path %r GB/s, libhwloc gives %r / %r" % (
                where, g["link"]["hwloc_GBps"], g["link"]["path_min_GBps"], link, round(path, 3)))
        if not g["link"].get("gen"):
            if g["link"].get("candidates") != candidates(o["link_GBps"]):
                problems.append("%s: link candidates %r, expected %r" % (where, g["link"].get("candidates"),
                                                                         candidates(o["link_GBps"])))
            if abs(g["link"]["ceiling_GBps"] - link) > 0.0005:
                problems.append("%s: ceiling %r without sysfs, hwloc's link is %r" % (where, g["link"]["ceiling_GBps"],
                                                                                      link))
        if not runtime:
            want_from = "osdev cuda%d" % named[pci] if pci in named else "bus order"
            if g.get("cuda") != ordinals[pci] or g.get("ordinal_from") != want_from:
                problems.append("%s: cuda %r (%s), expected %r (%s)" % (where, g["cuda"], g["ordinal_from"],
                                                                        ordinals[pci], want_from))
    if gpus and not runtime and 0 < len(named) < len(gpus) and "guess" not in (doc.get("cuda_note") or ""):
        problems.append("some GPUs have a cudaN OS device and others not, and cuda_note does not call it a guess")


def run_oracle(oracle, args, env, preexec, problems):
    run = subprocess.run([oracle] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                         preexec_fn=preexec)
    if run.returncode != 0:
        problems.append("%s %s exited %d: %s" % (oracle, " ".join(args), run.returncode, run.stderr.strip()))
        return None
    return json.loads(run.stdout) if run.stdout.strip() else {}


def expect_error(cmd, env, pattern):
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    problems = []
    if run.returncode == 0:
        problems.append("exited 0: the input was accepted")
    elif run.returncode < 0:
        problems.append("died of signal %d" % -run.returncode)
    if run.stdout.strip():
        problems.append("printed decisions although it failed")
    if not re.search(pattern, run.stderr):
        problems.append("stderr does not say %r" % pattern)
    if len(run.stderr.strip().splitlines()) != 1:
        problems.append("the reason is not one line")
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
    ap.add_argument("--synthetic", metavar="DESC", help="an hwloc synthetic description, exported by the oracle")
    ap.add_argument("--workdir", help="folder for files made here (--synthetic, --v1)")
    ap.add_argument("--expect", help="expected decisions (JSON)")
    ap.add_argument("--oracle", help="zbuf-placement-oracle executable: check against libhwloc")
    ap.add_argument("--v1", action="store_true", help="check the topology re-exported as hwloc 1.x XML")
    ap.add_argument("--affinity", metavar="CPUS",
                    help="this machine, under this cpu affinity (\"1\", \"0-1\"; \"one\": one cpu it has now)")
    ap.add_argument("--expect-error", metavar="REGEX", help="zbuf-bench must refuse, saying REGEX")
    ap.add_argument("args", nargs="*", help="with --expect-error: zbuf-bench's arguments instead")
    opt = ap.parse_args()
    problems = []
    topology = opt.topology
    if (opt.synthetic or opt.v1) and not (opt.oracle and opt.workdir):
        ap.error("--synthetic and --v1 need --oracle and --workdir")
    if opt.synthetic:
        os.makedirs(opt.workdir, exist_ok=True)
        topology = os.path.join(opt.workdir, "synthetic-%s.xml" % re.sub(r"[^A-Za-z0-9]+", "_", opt.synthetic))
        run_oracle(opt.oracle, ["--synthetic", opt.synthetic, "--export", topology], None, None, problems)
    if opt.v1:
        os.makedirs(opt.workdir, exist_ok=True)
        v1 = os.path.join(opt.workdir, os.path.basename(topology).replace(".xml", ".v1.xml"))
        run_oracle(opt.oracle, ["--topology", topology, "--export", v1, "--v1"], None, None, problems)
        topology = v1
    if problems:
        for p in problems:
            print("check_placement: FAIL: " + p, file=sys.stderr)
        return 1
    cmd = [opt.bench, "--placement-only"] + (["--topology", topology] if topology else [])
    env = dict(os.environ, HWLOC_LIBXML_IMPORT="0") if topology else None
    if opt.expect_error is not None:
        return expect_error([opt.bench] + opt.args if opt.args else cmd, env, opt.expect_error)
    # "one": a single cpu of those this process may use now (the highest), whatever the machine.
    affinity = {max(os.sched_getaffinity(0))} if opt.affinity == "one" else parse_list(opt.affinity) \
        if opt.affinity else None
    if affinity is not None and topology:
        ap.error("--affinity is for this machine, not a --topology file")
    preexec = (lambda: os.sched_setaffinity(0, affinity)) if affinity is not None else None
    run = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env, preexec_fn=preexec)
    if run.returncode != 0:
        print("check_placement: FAIL: %s exited %d" % (" ".join(cmd), run.returncode), file=sys.stderr)
        return 1
    try:
        doc = json.loads(run.stdout)
    except ValueError as e:
        print("check_placement: FAIL: output is not JSON (%s):\n%s" % (e, run.stdout), file=sys.stderr)
        return 1
    well_formed(doc, problems)
    if opt.expect:
        with open(opt.expect) as f:
            compare(json.load(f), doc, "$", problems)
    if opt.oracle:
        orc = run_oracle(opt.oracle, ["--topology", topology] if topology else [], env, preexec, problems)
        if orc is not None:
            oracle_check(doc, orc, not topology, affinity, problems)
    for p in problems:
        print("check_placement: FAIL: " + p, file=sys.stderr)
    if problems:
        print(run.stdout, file=sys.stderr)
        return 1
    print("check_placement: ok: %s: %d node(s), %d GPU(s), allowed cpus %s nodes %s%s" % (
        doc["topology"], len(doc["nodes"]), len(doc["gpus"]), doc["allowed"]["cpus"], doc["allowed"]["nodes"],
        ", checked against libhwloc" if opt.oracle else ""))
    for g in doc["gpus"]:
        print("  cuda%s %s: near node %s cpu %s, far node %s cpu %s (%s); link %.3f GB/s%s" % (
            g["cuda"], g["pci"], g["near_node"], g["thread_cpu"], g["far_node"], g["far_cpu"], g["far_reason"],
            g["link"]["ceiling_GBps"], "; " + g["note"] if g["note"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

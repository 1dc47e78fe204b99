#!/usr/bin/env python3
"""Checks zbuf-bench and zbuf-conform run as a fleet under `mpirun -np 2 --oversubscribe` (CTest label `mpi`).

  conform            every rank present in the fleet JSON with its placement; all agree; exit 0
  conform-divergent  rank 1 loads a broken plugin (MPMD): the summary names rank 1, the JSON marks it, exit 1
  conform-expect     rank 1 is given expectations that do not hold: named as differing from its --expect
  conform-stall      rank 1 hangs before the gather: rank 0 names it within --mpi-timeout, exit 3
  bench MODE         both ranks' rows in one Google Benchmark JSON, each row labelled with its rank

Exit 77 (skipped) when mpirun is missing. Prints what it ran and why it failed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def mpirun(args, timeout=300):
    cmd = ["mpirun", "--oversubscribe"] + args
    print("+", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return p.returncode, p.stdout


def fail(why, out=""):
    print(out[-4000:])
    print("FAIL:", why)
    sys.exit(1)


def check_ranks(ranks, n):
    if [r["rank"] for r in ranks] != list(range(n)):
        fail("ranks in the fleet JSON: %s, expected 0..%d" % ([r["rank"] for r in ranks], n - 1))
    for r in ranks:
        if not r["host"] or "cpus" not in r["placement"] or not r["placement"]["cpus"] or r["local_rank"] != r["rank"]:
            fail("rank %d lacks its host or placement: %s" % (r["rank"], r))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["conform", "conform-divergent", "conform-expect", "conform-stall", "bench"])
    ap.add_argument("--conform")
    ap.add_argument("--bench")
    ap.add_argument("--bad-plugin")
    ap.add_argument("--expect")
    ap.add_argument("--mode", default="independent")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if not shutil.which("mpirun"):
        print("skipped: no mpirun on PATH")
        return SKIP
    os.makedirs(a.out, exist_ok=True)
    out = os.path.join(a.out, a.case + ("-" + a.mode if a.case == "bench" else "") + ".json")
    if os.path.exists(out):
        os.remove(out)
    small = ["--jobs", "1", "--quiet", "--filter", "BUF-COPY-*", "--filter", "BUF-SEM-*"]
    conform = [a.conform, "--impl", "ref:cpu"] + small
    if a.case == "conform":
        rc, text = mpirun(["-np", "2"] + conform + ["--expect", a.expect, "--json", out])
        if rc != 0:
            fail("exit %d, expected 0" % rc, text)
        d = json.load(open(out))
        check_ranks(d["ranks"], 2)
        if d["verdict"] != "SAME" or any(t["differs"] or len(t["statuses"]) != 2 for t in d["tests"]):
            fail("the ranks should agree: %s" % d["verdict"], text)
    elif a.case in ("conform-divergent", "conform-expect"):
        if a.case == "conform-divergent":
            other = [a.conform, "--impl", "lib:%s:wrong-bytes" % a.bad_plugin] + small + ["--expect", a.expect]
        else:
            wrong = {"schema": "zbuf-expect/1", "tests": {"BUF-COPY-001[cpu]": "FAIL"}}
            path = os.path.join(a.out, "wrong-expect.json")
            json.dump(wrong, open(path, "w"))
            other = conform + ["--expect", path]
        rc, text = mpirun(["-np", "1"] + conform + ["--expect", a.expect, "--json", out, ":", "-np", "1"] + other)
        if rc != 1:
            fail("exit %d, expected 1" % rc, text)
        want = "differs from the majority" if a.case == "conform-divergent" else "differs from its --expect"
        if not any(line.startswith("# fleet: RANK 1 ") and want in line for line in text.splitlines()):
            fail("the summary does not name rank 1 as one that %s" % want, text)
        if any(line.startswith("# fleet: RANK 0 ") for line in text.splitlines()):
            fail("the summary names rank 0, which agrees", text)
        d = json.load(open(out))
        check_ranks(d["ranks"], 2)
        if d["verdict"] != "DIFFERENT":
            fail("verdict %s" % d["verdict"], text)
        if a.case == "conform-divergent":
            differ = [t for t in d["tests"] if t["differs"]]
            if not differ or any(t["statuses"][0] != "P" or t["statuses"][1] == "P" for t in differ):
                fail("differing tests should pass on rank 0 only: %s" % differ[:3], text)
        elif d["ranks"][1]["matches_expect"] or not d["ranks"][0]["matches_expect"]:
            fail("matches_expect should be false for rank 1 only", text)
    elif a.case == "conform-stall":
        env = dict(os.environ, ZBUF_FLEET_TEST_STALL_RANK="1")
        os.environ.update(env)
        rc, text = mpirun(["-x", "ZBUF_FLEET_TEST_STALL_RANK", "-np", "2"] + conform + ["--mpi-timeout", "3"], 120)
        if rc != 3 or "no record from rank 1 (1 of 2 ranks): dead or hung" not in text:
            fail("exit %d; expected 3 and rank 1 named as missing" % rc, text)
    else:
        rc, text = mpirun(["-np", "2", a.bench, "--impl", "ref:cpu", "--max-size=16KiB", "--no-ops",
                           "--benchmark_min_time=0.002", "--benchmark_repetitions=1", "--benchmark_min_warmup_time=0",
                           "--mpi-mode", a.mode, "--mpi-timeout", "60", "--benchmark_out=" + out])
        if rc != 0:
            fail("exit %d" % rc, text)
        d = json.load(open(out))
        ctx, rows = d["context"], d["benchmarks"]
        if ctx.get("zbuf_fleet_mode") != a.mode or ctx.get("zbuf_fleet_ranks") != "2":
            fail("context lacks the fleet: %s" % {k: v for k, v in ctx.items() if "fleet" in k})
        for r in (0, 1):
            mine = [x for x in rows if x.get("fleet_rank") == r]
            if not mine:
                fail("no row of rank %d" % r)
            if any("[rank=%d host=" % r not in x.get("label", "") or " numa=" not in x["label"] for x in mine):
                fail("a row of rank %d lacks its rank, host or placement in its label" % r)
            if "host=" not in ctx.get("zbuf_fleet_rank_%d" % r, ""):
                fail("context lacks zbuf_fleet_rank_%d" % r)
        if len(rows) % 2 or len([x for x in rows if x["fleet_rank"] == 0]) != len(rows) // 2:
            fail("the ranks have different row counts")
    print("ok:", a.case, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

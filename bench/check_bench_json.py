#!/usr/bin/env python3
"""Checks a zbuf-bench JSON result: every planned row ran (or the budget lists it as left out), no row is an
error, and rows and context carry the fields docs/performance.md promises. Speed is never checked.

Usage:
  check_bench_json.py --run ZBUF_BENCH --json OUT.json [--expect-gpu] -- [zbuf-bench arguments]
      runs zbuf-bench twice (--list-rows for the plan, then the run writing OUT.json), then checks OUT.json
  check_bench_json.py --json RESULT.json [--expect-gpu]
      checks an existing result (no plan to compare with)
  check_bench_json.py --run ZBUF_BENCH --json OUT.json --expect-errors ROW_REGEX -- [zbuf-bench arguments]
      the opposite proof, for a deliberately broken implementation: zbuf-bench must exit 1, every row matching
      ROW_REGEX must be an error row naming the wrong copy or failed call, and no such row may carry a number

Exit status: 0 good; 1 a check failed; 77 zbuf-bench said the implementation cannot run here (skipped).
"""
import argparse
import json
import re
import subprocess
import sys

CONTEXT_KEYS = [
    "zbuf_bench_schema", "zbuf_version", "impl_spec", "impl_name", "impl_version", "impl_capabilities",
    "hwloc_version", "cuda_runtime", "cuda_driver", "cuda_devices", "device_name", "topology", "numa_nodes",
    "host_near_node", "host_far_node", "host_far_reason", "pcie_link", "pcie_ceiling_GBps", "sizes", "op_sizes",
    "zbuf_bench_command", "google_benchmark_version", "impl_missing_ops", "num_cpus", "date",
    "headline_sizes", "zbuf_bench_budget_s", "zbuf_bench_budget_from",
]
# What the --benchmark_out file adds at the end of the context: the run's status (bench/run.cc).
STATUS_KEYS = [
    "zbuf_bench_status", "zbuf_bench_elapsed_s", "zbuf_bench_rows_planned", "zbuf_bench_rows_done",
    "zbuf_bench_rows_left_out", "zbuf_bench_rows_cut", "zbuf_bench_left_out", "zbuf_bench_cut",
    "zbuf_bench_headline_left_out",
]
TRANSFER_PREFIXES = ("H2H/", "H2D/", "D2H/", "D2D/", "BIDIR/")
GPU_PREFIXES = ("H2D/", "D2H/", "D2D/", "BIDIR/")
AGGREGATES = ("median", "stddev", "min", "max")


def fail(problems):
    for p in problems:
        print("check_bench_json: FAIL: " + p, file=sys.stderr)
    return 1


def family(name):
    """The planned row a result belongs to: its name up to Google Benchmark's /real_time or /manual_time."""
    for marker in ("/real_time", "/manual_time"):
        if marker in name:
            return name.split(marker)[0]
    return name


def row_id(name):
    """A row as --list-rows and the budget's lists name it: without Google Benchmark's /real_time or
    /manual_time, with its /threads:N (memcpy on 1 thread and on N threads share a family name)."""
    return name.replace("/real_time", "").replace("/manual_time", "")


def not_run(ctx):
    """Rows the budget left out or stopped at its deadline, as the context lists them."""
    return set(ctx.get("zbuf_bench_left_out", [])) | set(ctx.get("zbuf_bench_cut", []))


def is_impl_row(name):
    return "/impl:" in name or name.startswith("OP/")


def check(doc, planned, expect_gpu, allow_impl_errors=False):
    problems = []
    ctx = doc.get("context", {})
    for key in CONTEXT_KEYS:
        if key not in ctx:
            problems.append("context has no %r" % key)
    rows = doc.get("benchmarks", [])
    if not rows:
        problems.append("no benchmark rows")
    for key in STATUS_KEYS:
        if key not in ctx:
            problems.append("context has no %r (the run's status)" % key)
    iterations = [r for r in rows if r.get("run_type") == "iteration"]
    aggregates = [r for r in rows if r.get("run_type") == "aggregate"]
    seen = {family(r["name"]) for r in iterations}
    seen_ids = {row_id(r["name"]) for r in iterations}
    skipped = not_run(ctx)
    for name in planned:
        if row_id(name) not in seen_ids and row_id(name) not in skipped:
            problems.append("planned row %r did not run, and the budget does not list it" % row_id(name))
    for name in sorted(skipped & seen_ids):
        problems.append("row %r is listed as left out by the budget, yet has results" % name)
    if planned:
        for name in sorted(skipped - {row_id(p) for p in planned}):
            problems.append("the budget lists %r, which is not a planned row" % name)
    for r in iterations:
        name = r["name"]
        if r.get("error_occurred"):
            msg = r.get("error_message", "")
            if msg.startswith("SKIPPED: "):
                continue
            if allow_impl_errors and is_impl_row(name):
                print("check_bench_json: note: the implementation failed %s: %s" % (name, msg))
            else:
                problems.append("error row %s: %s" % (name, msg))
            continue
        for key in ("real_time", "iterations", "time_unit"):
            if key not in r:
                problems.append("%s has no %r" % (name, key))
        if name.startswith(TRANSFER_PREFIXES):
            for key in ("bytes_per_second", "rw_bytes_per_second", "size"):
                if key not in r:
                    problems.append("%s has no %r" % (name, key))
            if "/impl:" in name and "vs_baseline" not in r:
                problems.append("%s has no vs_baseline (its baseline should run first)" % name)
            if name.startswith(GPU_PREFIXES) and "/manual_time" not in name:
                problems.append("%s: GPU rows are timed with CUDA events (manual time)" % name)
    reps = max([r.get("repetitions", 1) for r in iterations] or [1])
    if reps > 1:
        have = {(family(r["name"]), r.get("aggregate_name")) for r in aggregates}
        # Google Benchmark computes no aggregates over error runs.
        measured = {family(r["name"]) for r in iterations if not r.get("error_occurred")}
        for fam in sorted(measured):
            for agg in AGGREGATES:
                if (fam, agg) not in have:
                    problems.append("%s has no %s aggregate" % (fam, agg))
    if expect_gpu and int(ctx.get("cuda_devices", "0") or 0) > 0:
        for prefix in GPU_PREFIXES:
            if not any(f.startswith(prefix) for f in seen) and not any(f.startswith(prefix) for f in skipped):
                problems.append("a GPU is present but no %s row ran" % prefix.rstrip("/"))
        # A virtual machine may hide the link (sysfs says "Unknown"): then the context must say so, not guess.
        if float(ctx.get("pcie_ceiling_GBps", "0") or 0) <= 0:
            print("check_bench_json: note: PCIe ceiling unknown here: %s" % ctx.get("pcie_link"))
            if not ctx.get("pcie_link"):
                problems.append("a GPU is present but the context does not describe its link")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", help="zbuf-bench executable to run (arguments after --)")
    ap.add_argument("--json", required=True, help="result file (written by --run, or read)")
    ap.add_argument("--expect-gpu", action="store_true",
                    help="when the context reports a CUDA device, require the GPU transfer rows")
    ap.add_argument("--allow-impl-errors", action="store_true",
                    help="a third-party implementation's failures are results: accept exit 1 and error rows in "
                         "implementation rows (never in baselines); a crash still fails")
    ap.add_argument("--expect-errors", metavar="ROW_REGEX",
                    help="the implementation is broken: require exit 1 and error rows for the matching rows")
    ap.add_argument("args", nargs="*", help="zbuf-bench arguments (after --)")
    opt = ap.parse_args()
    planned = []
    if opt.run:
        listing = subprocess.run([opt.run, "--list-rows"] + opt.args, stdout=subprocess.PIPE, text=True)
        if listing.returncode == 77:
            print("check_bench_json: skipped: zbuf-bench cannot run this implementation here")
            return 77
        if listing.returncode != 0:
            return fail(["zbuf-bench --list-rows exited %d" % listing.returncode])
        planned = [line.strip() for line in listing.stdout.splitlines() if line.strip()]
        cmd = [opt.run] + opt.args + ["--benchmark_out=" + opt.json, "--benchmark_out_format=json"]
        print("check_bench_json: running: " + " ".join(cmd), flush=True)
        run = subprocess.run(cmd)
        if run.returncode == 77:
            return 77
        if opt.expect_errors:
            if run.returncode != 1:
                return fail(["a broken implementation must make zbuf-bench exit 1, not %d" % run.returncode])
        elif run.returncode != 0 and not (opt.allow_impl_errors and run.returncode == 1):
            return fail(["zbuf-bench exited %d" % run.returncode])
    with open(opt.json) as f:
        doc = json.load(f)
    if opt.expect_errors:
        pattern = re.compile(opt.expect_errors)
        hits = [r for r in doc["benchmarks"] if pattern.search(r["name"])]
        problems = [] if hits else ["no row matches %r" % opt.expect_errors]
        for r in hits:
            if not r.get("error_occurred"):
                problems.append("%s: reported as a number although the implementation is broken" % r["name"])
            elif "bytes_per_second" in r:
                problems.append("%s: an error row carries bytes_per_second" % r["name"])
        if problems:
            return fail(problems)
        print("check_bench_json: ok: %d rows are error rows, e.g. %s: %s" %
              (len(hits), hits[0]["name"], hits[0].get("error_message")))
        return 0
    problems = check(doc, planned, opt.expect_gpu, opt.allow_impl_errors)
    if problems:
        return fail(problems)
    rows = [r for r in doc["benchmarks"] if r.get("run_type") == "iteration"]
    print("check_bench_json: ok: %d planned rows, %d result rows, %d left out by the budget, context %s on %s" %
          (len(planned), len(rows), len(not_run(doc["context"])), doc["context"].get("impl_spec"),
           doc["context"].get("device_name")))
    return 0


if __name__ == "__main__":
    sys.exit(main())

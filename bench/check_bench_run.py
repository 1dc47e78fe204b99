#!/usr/bin/env python3
"""Checks how a zbuf-bench run behaves when it is stopped, budgeted or given bad options. Speed is never checked:
every assertion is about what the run wrote, in which order, and how it exited.

Usage:
  check_bench_run.py stop --bench ZBUF_BENCH --signal TERM|INT|KILL --out DIR [--impl SPEC]
      runs a long enough benchmark, reads its --benchmark_out file while it runs (it must parse every time), sends
      the signal once the file holds a few rows, and requires exit status 128 + signal and a file that parses,
      says it was stopped, and still holds every row it held before the signal. SIGKILL cannot be caught: the
      file must still parse (it is replaced whole after each row), its status saying the run was under way
  check_bench_run.py budget --bench ZBUF_BENCH --out DIR
      requires --list-rows to put the headline rows first, each baseline before the rows compared with it; then
      runs under a budget far too small for the plan and requires every planned row to be either measured or
      listed as left out, the measured ones in plan order starting with the first headline row, and a progress
      line with an ETA on stderr for each of them
  check_bench_run.py usage --bench ZBUF_BENCH
      bad --budget values: exit status 2 and one line on stderr naming --budget

Exit status: 0 good; 1 a check failed.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_bench_json  # noqa: E402

HEADLINE_SIZES = ("4KiB", "1MiB", "16MiB", "64MiB", "1GiB")
PROGRESS = re.compile(r"^\[zbuf-bench (\d+)/(\d+)\] \d+ s elapsed, ETA \d+ s  (\S+)  ~\d+\.\d s$")


def fail(problems):
    for p in problems:
        print("check_bench_run: FAIL: " + p, file=sys.stderr)
    return 1


def row_families(doc):
    return [check_bench_json.row_id(r["name"]) for r in doc["benchmarks"] if r.get("run_type") == "iteration"]


def unique(seq):
    out = []
    for x in seq:
        if x not in out:
            out.append(x)
    return out


def stop(opt):
    sig = {"TERM": signal.SIGTERM, "INT": signal.SIGINT, "KILL": signal.SIGKILL}[opt.signal]
    out = os.path.join(opt.out, "stopped-by-%s.json" % opt.signal)
    if os.path.exists(out):
        os.remove(out)
    # About 90 rows of a tenth of a second or more: tens of seconds, far longer than the wait below.
    cmd = [opt.bench, "--impl", opt.impl, "--budget", "none", "--max-size=1MiB", "--benchmark_min_time=0.03",
           "--benchmark_out=" + out]
    print("check_bench_run: running: " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    before, problems = [], []
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        if not os.path.exists(out):
            continue
        try:
            with open(out) as f:
                doc = json.load(f)
        except ValueError as e:
            problems.append("the file did not parse while the run was going on: %s" % e)
            break
        before = unique(row_families(doc))
        if len(before) >= 4:
            break
    if proc.poll() is not None:
        problems.append("zbuf-bench ended (exit %d) before it could be stopped" % proc.returncode)
        return fail(problems)
    if len(before) < 4:
        proc.kill()
        proc.wait()
        return fail(problems + ["the file never held 4 rows in 120 s"])
    proc.send_signal(sig)
    rc = proc.wait(timeout=60)
    # Python reports death by an uncaught signal as -signal; zbuf-bench exits 128 + signal after its last write.
    expected_rc, expected_status = (-sig, "running") if sig == signal.SIGKILL else \
        (128 + sig, "stopped by SIG%s" % opt.signal)
    if rc != expected_rc:
        problems.append("exit status %d after SIG%s, expected %d" % (rc, opt.signal, expected_rc))
    try:
        with open(out) as f:
            doc = json.load(f)
    except ValueError as e:
        return fail(problems + ["the file left by SIG%s does not parse: %s" % (opt.signal, e)])
    ctx = doc["context"]
    status = ctx.get("zbuf_bench_status", "")
    if not status.startswith(expected_status):
        problems.append("zbuf_bench_status is %r, expected %r..." % (status, expected_status))
    after = unique(row_families(doc))
    for name in before:
        if name not in after:
            problems.append("row %s was in the file before the signal and is gone after it" % name)
    if int(ctx.get("zbuf_bench_rows_done", "0")) < len(before):
        problems.append("zbuf_bench_rows_done %s, but the file held %d rows before the signal"
                        % (ctx.get("zbuf_bench_rows_done"), len(before)))
    in_flight = ctx.get("zbuf_bench_row_in_flight")
    if in_flight and in_flight in after:
        problems.append("the row in flight (%s) has results" % in_flight)
    # The rows it holds are whole: counters, aggregates, the context (no planned rows: it was stopped).
    problems += check_bench_json.check(doc, [], False)
    leftovers = [f for f in os.listdir(opt.out) if f.startswith(os.path.basename(out) + ".tmp")]
    if leftovers and sig != signal.SIGKILL:
        problems.append("temporary files left beside the result: %s" % leftovers)
    if problems:
        return fail(problems)
    print("check_bench_run: ok: SIG%s after %d rows: exit %d, %d rows kept, status %r"
          % (opt.signal, len(before), rc, len(after), status))
    return 0


def is_headline(row):
    parts = row.split("/")
    return not row.startswith("OP/") and "far" not in parts and any(p in HEADLINE_SIZES for p in parts)


def baseline_of(row):
    """The baseline a transfer implementation row is compared with, as --list-rows names it (None for rows
    without one: baselines and operations)."""
    m = re.match(r"^(H2H)/impl:[^/]+/(.+)$", row)
    if m:
        return "%s/memcpy/%s" % m.groups()
    m = re.match(r"^(H2D|D2H|D2D|BIDIR)/impl:[^/]+/(.+)$", row)
    if m:
        return "%s/cudaMemcpyAsync/%s" % m.groups()
    return None


def budget(opt):
    args = ["--impl", "ref:cpu", "--max-size=1MiB"]
    listing = subprocess.run([opt.bench, "--list-rows"] + args, stdout=subprocess.PIPE, text=True)
    if listing.returncode != 0:
        return fail(["zbuf-bench --list-rows exited %d" % listing.returncode])
    planned = [check_bench_json.row_id(line.strip()) for line in listing.stdout.splitlines() if line.strip()]
    problems = []
    headline = [r for r in planned if is_headline(r)]
    if not headline:
        problems.append("no headline row planned")
    first_sweep = next((i for i, r in enumerate(planned) if not is_headline(r)), len(planned))
    for r in planned[first_sweep:]:
        if is_headline(r):
            problems.append("headline row %s is planned after sweep row %s" % (r, planned[first_sweep]))
    for i, r in enumerate(planned):
        base = baseline_of(r)
        if base and base in planned and planned.index(base) > i:
            problems.append("%s is planned before its baseline %s" % (r, base))
        if base and base not in planned:
            problems.append("%s has no baseline row %s in the plan" % (r, base))
    # Each row takes at least its warm-up and three repetitions of 0.05 s: ~90 rows cannot fit in 3 s.
    out = os.path.join(opt.out, "budget.json")
    cmd = [opt.bench] + args + ["--budget", "3", "--benchmark_out=" + out]
    print("check_bench_run: running: " + " ".join(cmd), flush=True)
    run = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(run.stderr)
    if run.returncode != 0:
        return fail(problems + ["zbuf-bench --budget 3 exited %d" % run.returncode])
    with open(out) as f:
        doc = json.load(f)
    ctx = doc["context"]
    measured = unique(row_families(doc))
    left_out = check_bench_json.not_run(ctx)
    if not left_out:
        problems.append("a 3 s budget left no row out of %d" % len(planned))
    if not ctx.get("zbuf_bench_status", "").startswith("complete"):
        problems.append("zbuf_bench_status is %r" % ctx.get("zbuf_bench_status"))
    if ctx.get("zbuf_bench_budget_s") != "3":
        problems.append("zbuf_bench_budget_s is %r, expected '3'" % ctx.get("zbuf_bench_budget_s"))
    if sorted(set(measured) | left_out) != sorted(planned):
        problems.append("measured + left out != planned: missing %s, extra %s"
                        % (sorted(set(planned) - set(measured) - left_out),
                           sorted((set(measured) | left_out) - set(planned))))
    if measured != [r for r in planned if r in measured]:
        problems.append("rows were measured out of plan order: %s" % measured)
    if not measured or measured[0] != planned[0]:
        problems.append("the first planned row (%s) was not measured first" % planned[0])
    headline_left = set(ctx.get("zbuf_bench_headline_left_out", []))
    if headline_left != {r for r in left_out if is_headline(r)}:
        problems.append("zbuf_bench_headline_left_out %s is not the headline rows left out" % sorted(headline_left))
    problems += check_bench_json.check(doc, planned, False)
    # Progress: one line per measured row, with its position among the planned rows and an ETA.
    lines = [PROGRESS.match(line) for line in run.stderr.splitlines()]
    cut = set(ctx.get("zbuf_bench_cut", []))  # started, then stopped at the deadline: shown, not measured
    shown = [m.group(3) for m in lines if m and m.group(3) not in cut]
    if shown != measured:
        problems.append("progress lines name %s, the rows measured are %s" % (shown, measured))
    totals = {m.group(2) for m in lines if m}
    if totals and totals != {str(len(planned))}:
        problems.append("progress lines count out of %s, the plan has %d rows" % (sorted(totals), len(planned)))
    if problems:
        return fail(problems)
    print("check_bench_run: ok: %d planned (%d headline), %d measured, %d left out by a 3 s budget"
          % (len(planned), len(headline), len(measured), len(left_out)))
    return 0


def usage(opt):
    problems = []
    for value in ("-3", "abc", "0", "nan", "10s"):
        run = subprocess.run([opt.bench, "--budget", value], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        lines = run.stderr.strip().splitlines()
        if run.returncode != 2:
            problems.append("--budget %s: exit status %d, expected 2" % (value, run.returncode))
        if len(lines) != 1 or "--budget" not in lines[0]:
            problems.append("--budget %s: expected one line naming --budget on stderr, got %r" % (value, run.stderr))
        if run.stdout:
            problems.append("--budget %s: printed on stdout: %r" % (value, run.stdout[:200]))
    if problems:
        return fail(problems)
    print("check_bench_run: ok: bad --budget values exit 2 with one line")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("stop", "budget", "usage"))
    ap.add_argument("--bench", required=True, help="the zbuf-bench executable")
    ap.add_argument("--signal", choices=("TERM", "INT", "KILL"), default="TERM")
    ap.add_argument("--impl", default="ref:cpu", help="implementation of the stopped run (stop)")
    ap.add_argument("--out", default=".", help="folder for the result files")
    opt = ap.parse_args()
    os.makedirs(opt.out, exist_ok=True)
    return {"stop": stop, "budget": budget, "usage": usage}[opt.what](opt)


if __name__ == "__main__":
    sys.exit(main())

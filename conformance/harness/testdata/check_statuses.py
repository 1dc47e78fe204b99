#!/usr/bin/env python3
"""Runs zbuf-conform on a broken implementation and checks the JSON report it writes: the run completed
(every selected test is in the report, the summary adds up) and every test got one of the allowed statuses.
For the worker processes it can also check one test's status, the number of entry calls the run made, and
which tests it named order-dependent.

usage: check_statuses.py --exit N --count N [--allow STATUS[,STATUS...]] [--status ID=STATUS]...
                         [--entry-calls N] [--order-dependent ID]... [--load-error TEXT]
                         --json FILE -- COMMAND [ARG...]
The command must write FILE (pass --json FILE to zbuf-conform too). Exit 0 when all checks hold."""
import argparse
import json
import os
import subprocess
import sys

STATUSES = {"PASS", "FAIL", "SKIP", "UNSUPPORTED", "UNRESOLVED", "CRASH", "TIMEOUT"}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exit", type=int, required=True, help="expected exit status of the command")
    p.add_argument("--count", type=int, required=True, help="number of tests the report must hold")
    p.add_argument("--allow", default=",".join(sorted(STATUSES)),
                   help="comma-separated statuses every test may have (default: any)")
    p.add_argument("--status", action="append", default=[], metavar="ID=STATUS",
                   help="the status one test must have (repeatable)")
    p.add_argument("--entry-calls", type=int, help="entry calls the run must report making")
    p.add_argument("--load-error", metavar="TEXT",
                   help="the run must record that the implementation did not load, with TEXT in the reason")
    p.add_argument("--order-dependent", action="append", default=[], metavar="ID",
                   help="a test the run must name order-dependent (repeatable); none other may be named")
    p.add_argument("--json", required=True, help="the report the command writes")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...]")
    a = p.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        p.error("no command given")
    allow = set(a.allow.split(","))
    if not allow <= STATUSES:
        p.error(f"unknown status in --allow: {sorted(allow - STATUSES)}")
    if os.path.exists(a.json):
        os.remove(a.json)  # a stale report must not pass for a run that wrote none

    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    sys.stdout.write(run.stdout)
    problems = []
    if run.returncode != a.exit:
        problems.append(f"exit status {run.returncode}, expected {a.exit}")
    try:
        with open(a.json, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"check_statuses: FAILED: no readable report {a.json}: {e}")
        return 1
    tests = report.get("tests", [])
    summary = report.get("summary", {})
    if report.get("schema") != "zbuf-conform/1":
        problems.append(f"schema {report.get('schema')!r}, expected 'zbuf-conform/1'")
    if len(tests) != a.count:
        problems.append(f"{len(tests)} tests in the report, expected {a.count} (the run did not complete?)")
    if summary.get("total") != len(tests):
        problems.append(f"summary total {summary.get('total')} != {len(tests)} tests listed")
    for s in STATUSES:
        n = sum(1 for t in tests if t.get("status") == s)
        if summary.get(s, 0) != n:
            problems.append(f"summary {s} = {summary.get(s, 0)}, but {n} tests have it")
    for t in tests:
        if t.get("status") not in allow:
            problems.append(f"{t.get('id')}: status {t.get('status')} not in {sorted(allow)} ({t.get('message')})")
        elif t.get("status") != "PASS" and not t.get("message"):
            problems.append(f"{t.get('id')}: status {t.get('status')} without a message")
    by_id = {t.get("id"): t for t in tests}
    for pair in a.status:
        tid, _, want = pair.rpartition("=")
        seen = by_id.get(tid, {}).get("status")
        if seen != want:
            problems.append(f"{tid}: status {seen}, expected {want}")
    load_error = report.get("load_error")
    if a.load_error is not None and (not load_error or a.load_error not in load_error.get("message", "")):
        problems.append(f"load_error {load_error!r}, expected one saying {a.load_error!r}")
    execution = report.get("execution", {})
    if a.entry_calls is not None and execution.get("entry_calls") != a.entry_calls:
        problems.append(f"entry calls {execution.get('entry_calls')}, expected {a.entry_calls}")
    if "order_dependent" in execution or a.order_dependent:
        named = sorted(execution.get("order_dependent", []))
        if named != sorted(a.order_dependent):
            problems.append(f"order-dependent tests {named}, expected {sorted(a.order_dependent)}")
        for tid in a.order_dependent:
            shared = by_id.get(tid, {}).get("shared_run", {})
            if not shared.get("status") or shared.get("status") == by_id.get(tid, {}).get("status"):
                problems.append(f"{tid}: no differing shared_run recorded ({shared})")
    if problems:
        for line in problems:
            print(f"check_statuses: FAILED: {line}")
        return 1
    print(f"check_statuses: ok: exit {run.returncode}, {len(tests)} tests, statuses "
          f"{sorted({t['status'] for t in tests})} within {sorted(allow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check that the conformance suite covers the contract, and only the contract.

Compares the clauses of CONTRACT.md (listed by conformance/contract/clauses.py) with the tests zbuf-conform
registers (`zbuf-conform --list`). Fails (exit 1) when
  - a live clause (MUST/SHOULD/MAY) has no test,
  - a test cites a clause ID that CONTRACT.md does not define,
  - a test cites a retired clause.
Prints a table of clauses, tested clauses and tests per area (OBJ-AREA) and a total line; with --json, writes
the same counts as JSON. Exit 2 on usage errors or when either tool cannot be run.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CONTRACT = HERE.parent / "contract" / "CONTRACT.md"


def run(cmd: list[str]) -> str:
    try:
        res = subprocess.run(cmd, check=False, capture_output=True, text=True)
    except OSError as e:
        sys.exit(f"check_coverage: cannot run {cmd[0]}: {e}")
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        sys.exit(f"check_coverage: {' '.join(cmd)} exited with status {res.returncode}")
    return res.stdout


def load_clauses(contract: Path) -> list[dict]:
    tool = contract.parent / "clauses.py"
    if not tool.exists():
        sys.exit(f"check_coverage: {tool} not found")
    return json.loads(run([sys.executable, str(tool), "--json", str(contract)]))


def load_tests(conform: str) -> list[tuple[str, str]]:
    out = run([conform, "--list"])
    tests = []
    for line in out.splitlines():
        if not line.strip():
            continue
        test_id, _, clause = line.partition("\t")
        tests.append((test_id, clause or test_id.split("[", 1)[0]))
    return tests


def area_of(clause_id: str) -> str:
    head, _, tail = clause_id.rpartition("-")
    return head if head and tail.isdigit() else clause_id


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conform", required=True, help="path of the zbuf-conform binary")
    ap.add_argument("--contract", type=Path, default=DEFAULT_CONTRACT, help="path of CONTRACT.md")
    ap.add_argument("--json", type=Path, help="also write the per-area counts as JSON here")
    args = ap.parse_args()

    clauses = load_clauses(args.contract)
    tests = load_tests(args.conform)
    level = {c["id"]: c["level"] for c in clauses}
    by_clause: dict[str, list[str]] = defaultdict(list)
    for test_id, clause in tests:
        by_clause[clause].append(test_id)

    problems = []
    for test_id, clause in tests:
        if clause not in level:
            problems.append(f"test {test_id} cites clause {clause}, which CONTRACT.md does not define")
        elif level[clause] == "RETIRED":
            problems.append(f"test {test_id} cites clause {clause}, which is retired")
    untested = [c["id"] for c in clauses if c["level"] != "RETIRED" and not by_clause.get(c["id"])]
    for cid in untested:
        problems.append(f"clause {cid} has no test")

    areas: dict[str, dict[str, int]] = defaultdict(lambda: {"clauses": 0, "tested": 0, "tests": 0})
    for c in clauses:
        if c["level"] == "RETIRED":
            continue
        a = areas[area_of(c["id"])]
        a["clauses"] += 1
        a["tested"] += 1 if by_clause.get(c["id"]) else 0
        a["tests"] += len(by_clause.get(c["id"], []))
    print(f"{'area':<14} {'clauses':>7} {'tested':>7} {'tests':>6}")
    tot = {"clauses": 0, "tested": 0, "tests": 0}
    for name in sorted(areas):
        a = areas[name]
        print(f"{name:<14} {a['clauses']:>7} {a['tested']:>7} {a['tests']:>6}")
        for k in tot:
            tot[k] += a[k]
    print(f"{'total':<14} {tot['clauses']:>7} {tot['tested']:>7} {tot['tests']:>6}")
    if args.json:
        args.json.write_text(json.dumps({"areas": areas, "total": tot}, indent=2) + "\n", encoding="utf-8")

    for p in problems:
        print(f"COVERAGE: {p}", file=sys.stderr)
    if problems:
        print(f"check_coverage: {len(problems)} problem(s): {len(untested)} untested clause(s)", file=sys.stderr)
        return 1
    print("check_coverage: every clause has a test and every test cites a clause")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""zarr_suite_compare: Zarr-Python's own tests on its stock cpu prototype and on zbuf's, side by side.

    zarr_suite_compare.py STOCK.xml ZBUF.xml --explained FILE [--stats 'GLOB'] [--json OUT]

STOCK.xml and ZBUF.xml are pytest JUnit files of the same tests. Prints passed/failed/skipped/xfailed of each
run, every test whose outcome differs with the explanation FILE gives for it, and how many buffer operations
zbuf served (the --stats files zbuf.zarr writes with $ZBUF_ZARR_STATS_FILE). FILE has one line per explained
difference: `PATTERN | CATEGORY | why`, PATTERN an fnmatch pattern of test IDs as this script prints them
(JUnit's dotted classname, "::", the test name: tests.test_array.TestCreateArray::test_x[a-b]), CATEGORY one of
CATEGORIES.

Exit 0 when every difference is explained and zbuf served at least one operation; 1 when a difference is
unexplained, or the zbuf run used no zbuf buffer (it did not run on zbuf, whatever it passed); 2 on bad input.
"""
import argparse
import fnmatch
import glob
import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter

CATEGORIES = {
    "zarr-assumption": "Zarr-Python assumes its own buffer classes; any other prototype meets it",
    "contract": "Zarr-Python relies on behaviour the contract rejects; zbuf follows the contract",
    "private-state": "the test reaches into Zarr's private state or its stock classes",
}


def outcomes(path):
    """{test ID: passed | failed | skipped | xfailed} from a pytest JUnit file."""
    result = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        where = case.get("classname", "")  # module or module.Class, dotted
        test_id = f"{where}::{case.get('name')}" if where else case.get("name")
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif (skip := case.find("skipped")) is not None:
            outcome = "xfailed" if skip.get("type") == "pytest.xfail" else "skipped"
        else:
            outcome = "passed"
        result[test_id] = outcome
    return result


def explanations(path):
    rules = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|", 2)]
            if len(parts) != 3 or parts[1] not in CATEGORIES or not parts[2]:
                raise ValueError(f"{path}:{n}: expected 'PATTERN | CATEGORY | why' with CATEGORY one of: "
                                 + "; ".join(f"{k} ({v})" for k, v in CATEGORIES.items()))
            rules.append((parts[0], parts[1], parts[2]))
    return rules


def merged_stats(pattern):
    served = {"zbuf": Counter(), "numpy": Counter()}
    for path in glob.glob(pattern):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for who in served:
            served[who].update(data.get(who, {}))
    return served


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stock")
    ap.add_argument("zbuf")
    ap.add_argument("--explained", required=True, help="the explained differences (PATTERN | CATEGORY | why)")
    ap.add_argument("--stats", help="glob of zbuf.zarr's stats files (ZBUF_ZARR_STATS_FILE.<pid>)")
    ap.add_argument("--json", help="write the comparison here as JSON")
    args = ap.parse_args()
    try:
        stock, zbuf = outcomes(args.stock), outcomes(args.zbuf)
        rules = explanations(args.explained)
        served = merged_stats(args.stats) if args.stats else None
    except (OSError, ET.ParseError, ValueError, json.JSONDecodeError) as exc:
        print(f"zarr_suite_compare: {exc}", file=sys.stderr)
        return 2

    kinds = ("passed", "failed", "skipped", "xfailed")
    print(f"{'prototype':<22}" + "".join(f"{k:>9}" for k in kinds) + f"{'tests':>9}")
    for name, run in (("zarr.buffer.cpu", stock), ("zbuf.zarr.cpu", zbuf)):
        c = Counter(run.values())
        print(f"{name:<22}" + "".join(f"{c[k]:>9}" for k in kinds) + f"{len(run):>9}")

    differences, unexplained = [], 0
    for test_id in sorted(set(stock) | set(zbuf)):
        a, b = stock.get(test_id, "absent"), zbuf.get(test_id, "absent")
        if a == b:
            continue
        rule = next((r for r in rules if fnmatch.fnmatchcase(test_id, r[0])), None)
        if not rule:
            unexplained += 1
        pattern, category, why = rule or (None, None, None)
        differences.append({"test": test_id, "stock": a, "zbuf": b, "pattern": pattern, "category": category,
                            "why": why})
    print(f"\n{len(differences)} tests differ, {unexplained} unexplained")
    for pattern, category, why in rules:
        mine = [d for d in differences if d["pattern"] == pattern]
        if not mine:
            print(f"  note: no difference of this run matches '{pattern}' ({category})")
            continue
        print(f"  {len(mine)} x {pattern} [{category}]: {why}")
        for d in mine:
            print(f"      {d['test']}: {d['stock']} -> {d['zbuf']}")
    for d in differences:
        if d["category"] is None:
            print(f"  UNEXPLAINED {d['test']}: {d['stock']} -> {d['zbuf']}")

    zbuf_calls = None
    if served is not None:
        zbuf_calls, numpy_calls = sum(served["zbuf"].values()), sum(served["numpy"].values())
        print(f"\nbuffer operations in the zbuf run: {zbuf_calls} served by zbuf, {numpy_calls} by NumPy "
              "(element types zbuf lacks, advanced indexing)")
        for who in ("zbuf", "numpy"):
            top = ", ".join(f"{op} {n}" for op, n in served[who].most_common(6))
            print(f"  {who}: {top or '-'}")

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"stock": Counter(stock.values()), "zbuf": Counter(zbuf.values()),
                       "differences": differences,
                       "served": {k: dict(v) for k, v in served.items()} if served else None}, f, indent=1)
    if unexplained:
        print(f"zarr_suite_compare: {unexplained} differences without an explanation in {args.explained}",
              file=sys.stderr)
        return 1
    if zbuf_calls == 0:
        print("zarr_suite_compare: zbuf served no buffer operation: the zbuf run did not use zbuf's prototype",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

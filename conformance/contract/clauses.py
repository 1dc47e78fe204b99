#!/usr/bin/env python3
"""List the clauses of the zbuf contract (CONTRACT.md) and check that every clause block is well formed.

Prints one clause per line: ID, level, area (COPY/THREAD/LIFE/ERR/SEM), title, separated by tabs; or, with --json, a JSON
array of objects {id, obj, area, number, level, title, basis, source, test, line}. Exits 1 when a clause block
is malformed or an ID repeats (the problems go to stderr), 2 on usage errors.

A clause block is exactly (see the preface of CONTRACT.md):

    ### BUF-COPY-001: title
    **MUST** — prose
    *Source:* ...            (or *Decision:* ...)
    *Test:* ...

or, for a retired clause, a heading followed by one line `*Retired:* <date> — <why>`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

OBJS = ("BUF", "ND", "PROTO", "CONV")
AREAS = ("COPY", "THREAD", "LIFE", "ERR", "SEM")
LEVELS = ("MUST", "SHOULD", "MAY")

ID_RE = r"(?P<obj>[A-Z]+)-(?P<area>[A-Z]+)-(?P<num>\d{3})"
HEADING_RE = re.compile(r"^### " + ID_RE + r": (?P<title>\S.*)$")
ANY_CLAUSE_HEADING_RE = re.compile(r"^###\s+[A-Z]+-[A-Z]+-\S*")
LEVEL_RE = re.compile(r"^\*\*(?P<level>MUST|SHOULD|MAY)\*\* — (?P<prose>\S.*)$")
BASIS_RE = re.compile(r"^\*(?P<basis>Source|Decision):\* (?P<text>\S.*)$")
TEST_RE = re.compile(r"^\*Test:\* (?P<text>\S.*)$")
RETIRED_RE = re.compile(r"^\*Retired:\* (?P<text>\S.*)$")
SECTION_RE = re.compile(r"^## (?P<name>\S.*)$")


def parse(path: Path, strict: bool = False) -> tuple[list[dict], list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    clauses: list[dict] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m_sec = SECTION_RE.match(line)
        if m_sec:
            section = m_sec.group("name").strip()
        m = HEADING_RE.match(line)
        if not m:
            if ANY_CLAUSE_HEADING_RE.match(line):
                problems.append(f"{path}:{i + 1}: malformed clause heading: {line!r}")
            i += 1
            continue
        lineno = i + 1
        cid = f"{m.group('obj')}-{m.group('area')}-{m.group('num')}"
        rec = {
            "id": cid,
            "obj": m.group("obj"),
            "area": m.group("area"),
            "number": int(m.group("num")),
            "title": m.group("title").strip(),
            "line": lineno,
        }
        if rec["obj"] not in OBJS:
            problems.append(
                f"{path}:{lineno}: {cid}: unknown object {rec['obj']!r} (one of {', '.join(OBJS)})"
            )
        if rec["area"] not in AREAS:
            problems.append(
                f"{path}:{lineno}: {cid}: unknown area {rec['area']!r} (one of {', '.join(AREAS)})"
            )
        if section is not None and section in AREAS and section != rec["area"]:
            problems.append(f"{path}:{lineno}: {cid}: listed under section '## {section}'")
        if cid in seen:
            problems.append(f"{path}:{lineno}: duplicate ID {cid} (first at line {seen[cid]})")
        else:
            seen[cid] = lineno
        body = lines[i + 1 : i + 4]
        if body and RETIRED_RE.match(body[0]):
            rec.update(
                level="RETIRED",
                basis=None,
                source=None,
                test=None,
                retired=RETIRED_RE.match(body[0]).group("text"),
            )
            clauses.append(rec)
            i += 2
            continue
        m_level = LEVEL_RE.match(body[0]) if len(body) > 0 else None
        m_basis = BASIS_RE.match(body[1]) if len(body) > 1 else None
        m_test = TEST_RE.match(body[2]) if len(body) > 2 else None
        if not m_level:
            problems.append(f"{path}:{lineno + 1}: {cid}: expected '**MUST|SHOULD|MAY** — prose'")
        if not m_basis:
            problems.append(f"{path}:{lineno + 2}: {cid}: expected '*Source:* ...' or '*Decision:* ...'")
        if not m_test:
            problems.append(f"{path}:{lineno + 3}: {cid}: expected '*Test:* ...'")
        if len(lines) > i + 4 and lines[i + 4].strip() and not lines[i + 4].startswith("#"):
            problems.append(f"{path}:{lineno + 4}: {cid}: clause block must end after its *Test:* line")
        rec.update(
            level=m_level.group("level") if m_level else None,
            prose=m_level.group("prose") if m_level else None,
            basis=m_basis.group("basis") if m_basis else None,
            source=m_basis.group("text") if m_basis else None,
            test=m_test.group("text") if m_test else None,
        )
        if strict:
            for key in ("source", "test"):
                if rec.get(key) and "TODO" in rec[key]:
                    problems.append(f"{path}:{lineno}: {cid}: {key} line still says TODO")
        clauses.append(rec)
        i += 4
    return clauses, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Output (text): ID<TAB>LEVEL<TAB>AREA<TAB>title, one clause per line (LEVEL is MUST, SHOULD, MAY "
        "or RETIRED; AREA is COPY, THREAD, LIFE, ERR or SEM).",
    )
    ap.add_argument(
        "contract",
        nargs="?",
        default=str(Path(__file__).with_name("CONTRACT.md")),
        help="path of CONTRACT.md (default: the one beside this script)",
    )
    ap.add_argument("--json", action="store_true", help="print a JSON array instead of text lines")
    ap.add_argument("--strict", action="store_true", help="also reject Source/Test lines that still say TODO")
    ap.add_argument("--summary", action="store_true", help="print clause counts per area and level instead")
    args = ap.parse_args(argv)
    path = Path(args.contract)
    if not path.is_file():
        print(f"clauses.py: no such file: {path}", file=sys.stderr)
        return 2
    clauses, problems = parse(path, strict=args.strict)
    if args.json:
        json.dump(clauses, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.summary:
        from collections import Counter

        by = Counter((c["obj"] + "-" + c["area"], c["level"]) for c in clauses)
        keys = sorted({k for k, _ in by})
        for k in keys:
            parts = ", ".join(f"{lv} {by[(k, lv)]}" for lv in LEVELS + ("RETIRED",) if by[(k, lv)])
            print(f"{k}\t{sum(by[(k, lv)] for lv in LEVELS + ('RETIRED',))}\t{parts}")
        print(f"total\t{len(clauses)}")
    else:
        for c in clauses:
            print(f"{c['id']}\t{c['level']}\t{c['area']}\t{c['title']}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        sys.exit(0)

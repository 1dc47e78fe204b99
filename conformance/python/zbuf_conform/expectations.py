"""Expectations files (schema zbuf-expect/1), read the way the C harness reads them (conformance/harness/report.c):
an exact test ID first, else the first glob key, in file order, that matches (fnmatch(3) without flags: ``*``,
``?``, ``[...]``, and ``\\`` quoting the next character, so ``\\[`` is a literal bracket)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional

STATUSES = ("PASS", "FAIL", "SKIP", "UNSUPPORTED", "UNRESOLVED", "CRASH", "TIMEOUT")


@dataclass(frozen=True)
class Expectation:
    status: str
    reason: Optional[str]
    also: tuple  # further statuses accepted (timing-dependent findings)
    key: str

    def accepts(self, status: str) -> bool:
        return status == self.status or status in self.also


def _glob_regex(pattern: str) -> "re.Pattern":
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("!", "]") else i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                neg = body.startswith("!")
                body = body[1:] if neg else body
                out.append("[" + ("^" if neg else "") + body.replace("\\", "\\\\") + "]")
                i = j + 1
                continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.S)


class Expectations:
    """A parsed expectations file; ``lookup(test_id)`` gives its Expectation or None."""

    def __init__(self, path: str):
        self.path = path
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as exc:
            raise ValueError(f"expectations file {path}: cannot read it: {exc}") from None
        if not isinstance(doc, dict) or doc.get("schema") != "zbuf-expect/1" or not isinstance(doc.get("tests"), dict):
            raise ValueError(f"expectations file {path}: not a zbuf-expect/1 file (schema and a \"tests\" object)")
        self.impl = doc.get("impl")
        self.exact, self.globs = {}, []
        for key, value in doc["tests"].items():
            e = self._parse(key, value)
            if any(ch in key for ch in "*?"):
                self.globs.append((_glob_regex(key), e))
            self.exact[key] = e

    def _parse(self, key, value) -> Expectation:
        if isinstance(value, str):
            status, reason, also = value, None, ()
        elif isinstance(value, dict):
            status, reason, also = value.get("status"), value.get("reason"), value.get("also", [])
        else:
            status, reason, also = None, None, ()
        if status not in STATUSES or not isinstance(also, (list, tuple)) or any(a not in STATUSES for a in also):
            raise ValueError(f"expectations file {self.path}: key {key!r}: the status must be one of "
                             f"{', '.join(STATUSES)} (and \"also\" a list of them)")
        return Expectation(status, reason, tuple(also), key)

    def lookup(self, test_id: str) -> Optional[Expectation]:
        e = self.exact.get(test_id)
        if e is not None:
            return e
        for regex, e in self.globs:
            if regex.match(test_id):
                return e
        return None

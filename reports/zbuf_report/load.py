"""Reading result files: each JSON file is recognised by its shape, validated, and turned into a result object.

A file that is not JSON at all, or is cut short, or claims to be one of our formats but lacks what that format
promises, is an error (ReportError, one line naming the file). A well-formed JSON file of another kind (an
expectations file, a placement dump, anything else) is ignored with a note, so that a results folder may hold
other files.
"""

import json
import os

from . import fleet

from .results import BenchResult, ConformResult, STATUSES

CONFORM_SCHEMA = "zbuf-conform/1"
BENCH_SCHEMA = "zbuf-bench/1"


class ReportError(Exception):
    """A problem with one input file (or the options), reported as one line; exit status 2."""

    def __init__(self, path, what):
        super().__init__("%s: %s" % (path, what) if path else what)
        self.path = path
        self.what = what


def _unclosed(text):
    """True when the text ends inside a string or with an object or array still open."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return in_string or depth > 0


def _parse_json(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ReportError(path, "cannot read: %s" % (e.strerror or e))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReportError(path, "not UTF-8 text (byte %d)" % e.start)
    if not text.strip():
        raise ReportError(path, "empty file, expected JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        # A document that stops inside a string or with brackets still open was cut short: say so, since that is
        # what an interrupted run or a full disk leaves behind.
        if not text[e.pos:].strip() or _unclosed(text):
            raise ReportError(path, "truncated JSON: the text stops at line %d before the document is complete "
                                    "(%d bytes; an interrupted run?)" % (text.rstrip().count("\n") + 1, len(raw)))
        raise ReportError(path, "malformed JSON at line %d column %d: %s" % (e.lineno, e.colno, e.msg))


def _need(cond, path, what):
    if not cond:
        raise ReportError(path, what)


def _is_str(d, key):
    return isinstance(d, dict) and isinstance(d.get(key), str)


def _conform(doc, path):
    """A zbuf-conform/1 file, as written by conformance/harness/report_json.c."""
    _need(isinstance(doc.get("impl"), dict), path, "%s result without an \"impl\" object" % CONFORM_SCHEMA)
    for key in ("spec", "name", "version"):
        _need(_is_str(doc["impl"], key), path, "%s result: impl.%s is not a string" % (CONFORM_SCHEMA, key))
    tests = doc.get("tests")
    _need(isinstance(tests, list), path, "%s result without a \"tests\" array" % CONFORM_SCHEMA)
    for i, t in enumerate(tests):
        _need(isinstance(t, dict), path, "tests[%d] is not an object" % i)
        for key in ("id", "clause", "status"):
            _need(_is_str(t, key), path, "tests[%d].%s is not a string" % (i, key))
        _need(t["status"] in STATUSES, path,
              "tests[%d] (%s): unknown status %r (known: %s)" % (i, t["id"], t["status"], ", ".join(STATUSES)))
    _need(doc.get("machine") is None or isinstance(doc.get("machine"), dict), path, "\"machine\" is not an object")
    return ConformResult(path, doc)


def _bench(doc, path):
    """Google Benchmark JSON; zbuf-bench's own when context.zbuf_bench_schema says so."""
    rows = doc["benchmarks"]
    for i, r in enumerate(rows):
        _need(isinstance(r, dict), path, "benchmarks[%d] is not an object" % i)
        _need(_is_str(r, "name"), path, "benchmarks[%d] has no name" % i)
        if r.get("error_occurred"):
            continue
        for key in ("real_time", "time_unit"):
            _need(key in r, path, "benchmarks[%d] (%s) has no %s" % (i, r["name"], key))
        _need(isinstance(r["real_time"], (int, float)), path,
              "benchmarks[%d] (%s): real_time is not a number" % (i, r["name"]))
    return BenchResult(path, doc)


def recognise(doc):
    """'conform', 'bench' or None (not ours), from the shape of a parsed document."""
    if not isinstance(doc, dict):
        return None
    if doc.get("schema") == CONFORM_SCHEMA:
        return "conform"
    if isinstance(doc.get("context"), dict) and isinstance(doc.get("benchmarks"), list):
        schema = doc["context"].get("zbuf_bench_schema")
        if schema in (None, BENCH_SCHEMA):
            return "bench"
    return None


def load_file(path, notes):
    """The result object of one file, or None (with a note appended to `notes`) for a file of another kind."""
    doc = _parse_json(path)
    if fleet.kind(doc):
        notes.append("%s: a fleet result (MPI ranks merged): in the Fleet section" % path)
        return None
    kind = recognise(doc)
    if kind == "conform":
        return _conform(doc, path)
    if kind == "bench":
        if doc["context"].get("zbuf_bench_schema") is None:
            notes.append("%s: Google Benchmark JSON without zbuf-bench's context: only rows named the way zbuf-bench "
                         "names them are plotted" % path)
        return _bench(doc, path)
    if isinstance(doc, dict) and isinstance(doc.get("schema"), str):
        notes.append("%s: schema %s is not a result this report reads: ignored" % (path, doc["schema"]))
    elif isinstance(doc, dict) and isinstance(doc.get("context"), dict) and "zbuf_bench_schema" in doc["context"]:
        notes.append("%s: benchmark schema %s is not one this report reads: ignored"
                     % (path, doc["context"]["zbuf_bench_schema"]))
    else:
        notes.append("%s: neither a zbuf-conform nor a benchmark result: ignored" % path)
    return None


def load_dir(folder, notes):
    """Every result in `folder` (not recursive), in file-name order: (conform results, bench results)."""
    if not os.path.isdir(folder):
        raise ReportError(folder, "not a folder")
    conform, bench = [], []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.endswith(".json") or not os.path.isfile(path):
            continue
        result = load_file(path, notes)
        if isinstance(result, ConformResult):
            conform.append(result)
        elif isinstance(result, BenchResult):
            bench.append(result)
    return conform, bench

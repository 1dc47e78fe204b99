"""scripts/report: read every result in a folder, write plots, index.html and summary.md.

Exit status: 0 the report was written; 2 a usage error or an input that cannot be read (malformed or truncated
JSON, a result missing what its format promises), reported as one line naming the file; 1 an unexpected
failure of the report itself (set ZBUF_REPORT_DEBUG=1 for the traceback).
"""

import argparse
import json
import os
import re
import sys

from . import __version__, content, fleet, history, html, markdown, migration
from .load import ReportError, load_dir, load_file
from .results import ConformResult

DESCRIPTION = """Turns zbuf-conform (schema zbuf-conform/1) and zbuf-bench (Google Benchmark JSON, context
zbuf-bench/1) results into plots and a summary. Every *.json file of --in is recognised by its shape; other
JSON files are ignored with a note. Written into --out: index.html (self-contained apart from its PNGs),
summary.md, the PNGs, and report.json (the list of files written, with each image's pixel size)."""

EPILOG = """plots: throughput vs size per implementation and memory kind (ceilings as horizontal lines, near
and far NUMA placement side by side), operation latency per implementation with ratios to the reference, the
conformance matrix (clause x implementation), and the migration diff between two runs of one kind of
implementation at different versions (found in --in, or named with --diff).

exit status: 0 written; 2 usage error or unreadable input (one line naming the file); 1 internal error."""


def _parser():
    ap = argparse.ArgumentParser(prog="report", description=DESCRIPTION, epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--in", dest="inp", metavar="DIR", help="folder of result JSON files")
    ap.add_argument("--out", metavar="DIR", required=True, help="folder to write the report into (created)")
    ap.add_argument("--diff", nargs=2, metavar=("A.json", "B.json"), action="append", default=[],
                    help="also compare these two zbuf-conform results (before, after); repeatable")
    ap.add_argument("--history", metavar="FILE", action="append", default=[],
                    help="a behaviour history (history.json of scripts/history): its heat-map and the changes per "
                         "release; repeatable")
    ap.add_argument("--contract", metavar="FILE", default=None,
                    help="CONTRACT.md for clause titles (default: the checkout's conformance/contract/CONTRACT.md)")
    ap.add_argument("--title", default="zbuf report", help="page title")
    ap.add_argument("--quiet", action="store_true", help="print only the path of index.html")
    ap.add_argument("--version", action="version", version="%(prog)s " + __version__)
    return ap


def contract_titles(path):
    """clause ID -> title, from the '### ID: title' headings of CONTRACT.md; empty when there is none."""
    if path is None:
        path = os.path.join(os.path.dirname(__file__), "..", "..", "conformance", "contract", "CONTRACT.md")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    return dict(re.findall(r"^### ([A-Z]+-[A-Z]+-\d+): (.+)$", text, flags=re.M))


def load_history(path):
    """A history.json of scripts/history (schema zbuf-history/1)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise ReportError(path, "cannot read the history: %s" % e)
    if not isinstance(doc, dict) or doc.get("schema") != history.SCHEMA or not isinstance(doc.get("timeline"), dict):
        raise ReportError(path, "not a %s file" % history.SCHEMA)
    return doc


def run(opt):
    notes = []
    conform, bench = load_dir(opt.inp, notes) if opt.inp else ([], [])
    fleets = fleet.load_dir(opt.inp)
    histories = [load_history(p) for p in opt.history]
    pairs = migration.pairs(conform)
    for a_path, b_path in opt.diff:
        pair = []
        for p in (a_path, b_path):
            r = load_file(p, notes)
            if not isinstance(r, ConformResult):
                raise ReportError(p, "--diff needs two zbuf-conform/1 results")
            pair.append(r)
        pairs.append(tuple(pair))
    if not conform and not bench and not pairs and not histories and not fleets:
        raise ReportError(opt.inp or "--in", "no zbuf-conform or zbuf-bench result in this folder")
    try:
        os.makedirs(opt.out, exist_ok=True)
    except OSError as e:
        raise ReportError(opt.out, "cannot create the output folder: %s" % (e.strerror or e))
    doc = content.build(opt.out, conform, bench, pairs, notes, contract_titles(opt.contract), histories,
                        fleets)
    doc.title = opt.title
    written = []
    for name, text in (("index.html", html.render(doc)), ("summary.md", markdown.render(doc))):
        with open(os.path.join(opt.out, name), "w", encoding="utf-8") as f:
            f.write(text)
        written.append(name)
    manifest = {
        "schema": "zbuf-report/1",
        "files": written,
        "images": [{"file": n, "width": w, "height": h} for n, w, h in doc.images],
        "inputs": [{"file": r.path, "kind": r.kind, "spec": r.spec} for r in conform + bench],
        "migration": [[a.path, b.path] for a, b in pairs],
        "notes": notes,
    }
    with open(os.path.join(opt.out, "report.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    if not opt.quiet:
        for n in notes:
            print("report: note: %s" % n, file=sys.stderr)
        print("report: %d conformance and %d benchmark results, %d migration diffs, %d images"
              % (len(conform), len(bench), len(pairs), len(doc.images)), file=sys.stderr)
    print(os.path.join(opt.out, "index.html"))


def main(argv=None):
    opt = _parser().parse_args(argv)
    try:
        run(opt)
    except ReportError as e:
        print("report: error: %s" % e, file=sys.stderr)
        return 2
    except Exception as e:  # a bug in the report, not in the input: one line unless asked for more
        if os.environ.get("ZBUF_REPORT_DEBUG"):
            raise
        print("report: internal error: %s: %s (ZBUF_REPORT_DEBUG=1 shows the traceback)"
              % (type(e).__name__, e), file=sys.stderr)
        return 1
    return 0

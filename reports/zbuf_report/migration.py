"""The migration diff: how the statuses of one kind of implementation changed between two runs.

Two results are paired when they are the same kind of implementation (ConformResult.family_key: its name and
cpu or gpu) at different versions, oldest first; `--diff A.json B.json` names a pair explicitly. The test-level
comparison is the one `zbuf-conform diff` prints (conformance/harness/report_json.c): CHANGED, ONLY-A, ONLY-B;
a change to PASS is also called a FIX and a change away from PASS a REGRESSION.
"""

import re

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from . import style


def _version_key(v):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", v)]


def pairs(results):
    """[(older, newer), ...] for every kind of implementation present at two or more versions."""
    groups = {}
    for r in results:
        groups.setdefault(r.family_key, []).append(r)
    out = []
    for key in sorted(groups):
        runs = sorted(groups[key], key=lambda r: _version_key(r.version))
        for a, b in zip(runs, runs[1:]):
            if a.version != b.version:
                out.append((a, b))
    return out


class Change:
    def __init__(self, test_id, clause, a, b, message):
        self.test_id = test_id
        self.clause = clause
        self.a = a  # status in A, or None
        self.b = b
        self.message = message  # B's message (A's when the test is only in A)

    @property
    def kind(self):
        if self.a is None:
            return "ONLY-B"
        if self.b is None:
            return "ONLY-A"
        if self.b == "PASS":
            return "FIX"
        if self.a == "PASS":
            return "REGRESSION"
        return "CHANGED"


def diff(a, b):
    """Every test whose status differs between results a and b, or that only one of them has, in a's order."""
    ta = {t["id"]: t for t in a.tests}
    tb = {t["id"]: t for t in b.tests}
    out = []
    for tid, t in ta.items():
        other = tb.get(tid)
        if other is None:
            out.append(Change(tid, t["clause"], t["status"], None, t.get("message", "")))
        elif other["status"] != t["status"]:
            out.append(Change(tid, t["clause"], t["status"], other["status"], other.get("message", "")))
    for tid, t in tb.items():
        if tid not in ta:
            out.append(Change(tid, t["clause"], None, t["status"], t.get("message", "")))
    return out


def plot(a, b, changes, path):
    """A bar per transition (A status -> B status), coloured by the status it became; returns the pixel size."""
    counts = {}
    for c in changes:
        key = (c.a or "absent", c.b or "absent")
        counts[key] = counts.get(key, 0) + 1
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:14]
    fig = plt.figure(figsize=(7.0, 1.1 + 0.3 * max(len(items), 1)))
    h = fig.get_size_inches()[1]
    ax = fig.add_axes([0.3, 0.55 / h, 0.62, 1 - 1.0 / h])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if items:
        labels = ["%s -> %s" % k for k, _ in items]
        values = [v for _, v in items]
        colours = [style.STATUS_COLOURS.get(k[1], "#ffffff") for k, _ in items]
        ys = range(len(items))
        ax.barh(ys, values, color=colours, edgecolor="#555555", linewidth=0.5)
        ax.set_yticks(list(ys), labels, fontsize=8)
        ax.invert_yaxis()
        for y, v in zip(ys, values):
            ax.text(v, y, " %d" % v, va="center", ha="left", fontsize=8)
        ax.set_xlim(0, max(values) * 1.15)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no status changed", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("tests", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("%s -> %s: %d tests changed" % (a.label.replace("\n", " "), b.label.replace("\n", " "),
                                                 len(changes)), fontsize=10, x=0.02, ha="left", y=1 - 0.08 / h)
    return style.save(fig, path)

"""Behaviour history of one implementation across releases (scripts/history): a timeline with clauses as rows and
versions as columns, each cell the clause's worst status in that version's run (as in the conformance matrix),
the changes between consecutive versions, and a heat-map with each change marked where it happened.

history.json (schema zbuf-history/1), written by scripts/history next to the per-version results:
  {"schema", "package", "impl", "fallback", "versions": [{"version", "yanked", "spec", "result" (file name, or
   null), "load_error" (or null), "primary_load_error" (the --impl spec's, when the fallback ran)}],
   "timeline": {clause: [status or "NOT-LOADED" per version]},
   "changes": [{"version", "previous", "clause", "before", "after", "tests_changed", "messages_changed"}]}
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from . import style

SCHEMA = "zbuf-history/1"
NOT_LOADED = "NOT-LOADED"


def timeline(runs):
    """runs: [(version, tests or None when the implementation did not load)] in release order, tests as in a
    zbuf-conform/1 result. Returns ({clause: [status per version]}, [changes]) with clauses in contract order.
    A change is recorded for a clause at a release when its worst status differs from the release before, or
    when some of its tests changed status or message under the same worst status (a variant that started to
    fail beside one that already did, an exception that changed inside a FAIL)."""
    per_version, by_test = [], []
    for _, tests in runs:
        if tests is None:
            per_version.append(None)
            by_test.append(None)
            continue
        by_clause = {}
        for t in tests:
            by_clause.setdefault(t["clause"], []).append(t["status"])
        per_version.append({c: style.worst(s) for c, s in by_clause.items()})
        by_test.append({t["id"]: (t["clause"], t["status"], (t.get("message") or "").split("\n")[0])
                        for t in tests})
    clauses = sorted({c for pv in per_version if pv for c in pv}, key=style.clause_sort_key)
    cells = {c: [(pv.get(c, "-") if pv is not None else NOT_LOADED) for pv in per_version] for c in clauses}
    changes = []
    for i in range(1, len(runs)):
        statuses, messages = {}, {}
        if by_test[i] is not None and by_test[i - 1] is not None:
            for tid, (clause, status, message) in by_test[i].items():
                old = by_test[i - 1].get(tid)
                if old is None or old[1] != status:
                    statuses[clause] = statuses.get(clause, 0) + 1
                elif old[2] != message:
                    messages[clause] = messages.get(clause, 0) + 1
        for c in clauses:
            before, after = cells[c][i - 1], cells[c][i]
            if before != after or statuses.get(c) or messages.get(c):
                changes.append({"version": runs[i][0], "previous": runs[i - 1][0], "clause": c, "before": before,
                                "after": after, "tests_changed": statuses.get(c, 0),
                                "messages_changed": messages.get(c, 0)})
    return cells, changes


def describe(change):
    """'FAIL -> PASS', with how many tests changed under it: 'FAIL (2 tests changed status, 1 message)'."""
    text = "%s -> %s" % (change["before"], change["after"]) if change["before"] != change["after"] \
        else change["after"]
    extra = []
    if change.get("tests_changed"):
        extra.append("%d test%s changed status" % (change["tests_changed"], "" if change["tests_changed"] == 1 else "s"))
    if change.get("messages_changed"):
        extra.append("%d message%s changed" % (change["messages_changed"],
                                                "" if change["messages_changed"] == 1 else "s"))
    if "-THREAD-" in change["clause"]:
        extra.append("a THREAD clause: races show by chance, rerun to confirm")
    return text + (" (%s)" % ", ".join(extra) if extra else "")


def changed_clauses(doc):
    """Clauses whose cell changes at least once, in contract order."""
    return sorted({ch["clause"] for ch in doc["changes"]}, key=style.clause_sort_key)


# Layout, in inches.
_ROW_H = 0.19
_COL_W = 0.5
_LABEL_W = 1.3
_TITLE_H = 0.75
_MARGIN = 0.2
_NOT_LOADED_COLOUR = "#bbbbbb"


def plot(doc, path):
    """The heat-map of the clauses that change: a column per version, each change outlined in black at the
    version where it happened. Returns (width, height) in pixels."""
    versions = [v["version"] for v in doc["versions"]]
    rows = changed_clauses(doc) or sorted(doc["timeline"], key=style.clause_sort_key)[:1]
    width = _LABEL_W + _COL_W * len(versions) + 2 * _MARGIN
    height = _TITLE_H + _ROW_H * len(rows) + 2 * _MARGIN
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    ax.text(_MARGIN, _MARGIN, "%s: behaviour by release (%s)" % (doc["package"], doc["impl"]), fontsize=8,
            va="top", weight="bold")
    x0, y0 = _MARGIN + _LABEL_W, _MARGIN + _TITLE_H
    for j, v in enumerate(versions):
        ax.text(x0 + (j + 0.5) * _COL_W, y0 - 0.05, v, rotation=60, fontsize=6, ha="left", va="bottom")
    changed_at = {(ch["clause"], ch["version"]) for ch in doc["changes"]}
    for i, clause in enumerate(rows):
        y = y0 + i * _ROW_H
        ax.text(x0 - 0.05, y + _ROW_H / 2, clause, fontsize=6, ha="right", va="center")
        for j, status in enumerate(doc["timeline"][clause]):
            colour = style.STATUS_COLOURS.get(status, _NOT_LOADED_COLOUR)
            edge = (clause, versions[j]) in changed_at
            ax.add_patch(Rectangle((x0 + j * _COL_W, y), _COL_W, _ROW_H, facecolor=colour,
                                   edgecolor="black" if edge else "white", linewidth=1.2 if edge else 0.4))
            ax.text(x0 + (j + 0.5) * _COL_W, y + _ROW_H / 2, style.STATUS_LETTERS.get(status, "x"), fontsize=5,
                    ha="center", va="center", color=style.STATUS_TEXT_COLOURS.get(status, "black"))
    return style.save(fig, path)


def summary_rows(doc, titles):
    """Per release, the clauses whose behaviour changed: [version, clause: title, change]."""
    return [[ch["version"], ch["clause"] + (": " + titles[ch["clause"]] if ch["clause"] in titles else ""),
             describe(ch)] for ch in doc["changes"]]

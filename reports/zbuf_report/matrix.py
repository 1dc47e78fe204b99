"""The conformance matrix: clauses (rows, grouped by area) x implementations (columns), coloured by status.

A clause has several variant tests (`BUF-COPY-003[cpu]`, `BUF-COPY-003[cuda]` ...). Its cell shows the worst
status among them, ranked as in style.STATUS_RANK, with how many of its tests have that status out of how many
it has. Rows whose cells differ between implementations have their clause ID in bold, so that the places where
Zarr-Python cpu, Zarr-Python gpu and the reference part ways stand out.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from . import style


class Cell:
    def __init__(self, tests):
        statuses = [t["status"] for t in tests]
        self.status = style.worst(statuses)
        self.count = statuses.count(self.status)
        self.total = len(statuses)
        self.tests = tests

    @property
    def text(self):
        return "%s %d/%d" % (style.STATUS_LETTERS[self.status], self.count, self.total)

    def reasons(self, limit=3):
        """Distinct messages of the tests that have the cell's status, first `limit` of them."""
        out = []
        for t in self.tests:
            msg = (t.get("message") or "").strip().splitlines()
            msg = msg[0] if msg else ""
            if t["status"] == self.status and msg and msg not in out:
                out.append(msg)
        return out[:limit]


def build(results):
    """(clauses in contract order, {clause: [Cell or None per result]})."""
    per_result = [r.by_clause() for r in results]
    clauses = sorted({c for pr in per_result for c in pr}, key=style.clause_sort_key)
    cells = {c: [Cell(pr[c]) if c in pr else None for pr in per_result] for c in clauses}
    return clauses, cells


def differs(row):
    return len({c.status if c else None for c in row}) > 1


# Layout, in inches.
_ROW_H = 0.19
_COL_W = 0.62
_LABEL_W = 1.25
_GAP = 0.25
_TITLE_H = 0.45
_LEGEND_H = 0.85
_MARGIN = 0.2


def plot(results, path):
    """Draws the matrix into `path` (PNG); returns (width, height) in pixels."""
    clauses, cells = build(results)
    areas = []
    for c in clauses:
        a = style.clause_area(c)
        if not areas or areas[-1][0] != a:
            areas.append((a, []))
        areas[-1][1].append(c)
    ncols = len(results)
    # Column headers are rotated two-line labels: as tall as their longest line.
    header_h = 0.4 + 0.058 * max([len(line) for r in results for line in r.label.split("\n")] + [8])
    panel_w = _LABEL_W + ncols * _COL_W
    nrows = max(len(cs) for _, cs in areas) if areas else 1
    width = max(2 * _MARGIN + len(areas) * panel_w + (len(areas) - 1) * _GAP, 8.0)
    height = _TITLE_H + header_h + nrows * _ROW_H + _LEGEND_H + _MARGIN
    fig = plt.figure(figsize=(width, height))
    fig.text(_MARGIN / width, 1 - 0.12 / height, "Conformance: worst status per clause (tests with it / tests)",
             ha="left", va="top", fontsize=11, weight="bold")
    grid_top = height - _TITLE_H - header_h
    for k, (area, cs) in enumerate(areas):
        x0 = _MARGIN + k * (panel_w + _GAP)
        ax = fig.add_axes([x0 / width, (grid_top - nrows * _ROW_H) / height, panel_w / width,
                           (nrows * _ROW_H + header_h) / height])
        ax.set_xlim(0, panel_w)
        ax.set_ylim(nrows * _ROW_H + header_h, 0)
        ax.axis("off")
        ax.text(0, header_h - 0.05, area, ha="left", va="bottom", fontsize=10, weight="bold")
        for j, res in enumerate(results):
            ax.text(_LABEL_W + (j + 0.5) * _COL_W, header_h - 0.05, res.label, rotation=90,
                    ha="center", va="bottom", fontsize=7, linespacing=1.1)
        for i, clause in enumerate(cs):
            y = header_h + i * _ROW_H
            row = cells[clause]
            bold = differs(row)
            ax.text(_LABEL_W - 0.06, y + _ROW_H / 2, clause, ha="right", va="center", fontsize=6.5,
                    weight="bold" if bold else "normal", color="#000000" if bold else "#333333")
            for j, cell in enumerate(row):
                x = _LABEL_W + j * _COL_W
                if cell is None:
                    ax.add_patch(Rectangle((x, y), _COL_W, _ROW_H, facecolor="white", edgecolor="#999999",
                                           hatch="////", linewidth=0.4))
                    continue
                ax.add_patch(Rectangle((x, y), _COL_W, _ROW_H, facecolor=style.STATUS_COLOURS[cell.status],
                                       edgecolor="white", linewidth=0.8))
                ax.text(x + _COL_W / 2, y + _ROW_H / 2, cell.text, ha="center", va="center", fontsize=5.8,
                        color=style.STATUS_TEXT_COLOURS.get(cell.status, "black"))
    _legend(fig, width, height)
    return style.save(fig, path)


def _legend(fig, width, height):
    ax = fig.add_axes([_MARGIN / width, 0.1 / height, (width - 2 * _MARGIN) / width, (_LEGEND_H - 0.15) / height])
    ax.set_xlim(0, width - 2 * _MARGIN)
    ax.set_ylim(_LEGEND_H - 0.15, 0)
    ax.axis("off")
    x = 0.0
    for status in style.STATUS_RANK:
        ax.add_patch(Rectangle((x, 0.05), 0.3, 0.2, facecolor=style.STATUS_COLOURS[status], edgecolor="#666666",
                               linewidth=0.4))
        ax.text(x + 0.15, 0.15, style.STATUS_LETTERS[status], ha="center", va="center", fontsize=7,
                color=style.STATUS_TEXT_COLOURS.get(status, "black"))
        ax.text(x + 0.36, 0.15, status, ha="left", va="center", fontsize=8)
        x += 0.45 + 0.075 * len(status)
    ax.add_patch(Rectangle((x, 0.05), 0.3, 0.2, facecolor="white", edgecolor="#999999", hatch="////",
                           linewidth=0.4))
    ax.text(x + 0.36, 0.15, "not run", ha="left", va="center", fontsize=8)
    ax.text(0, 0.45, "Worst first: CRASH, TIMEOUT, FAIL, UNRESOLVED, PASS, then SKIP and UNSUPPORTED, which show only "
                     "when none of the clause's tests ran. Bold clause ID: the implementations differ.",
            ha="left", va="center", fontsize=7.5, color="#333333")

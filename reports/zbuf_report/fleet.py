"""Fleet results (docs/fleet.md): zbuf-bench and zbuf-conform run as MPI ranks and merged by rank 0.

zbuf-bench's merged JSON (context zbuf_fleet_ranks; every row has the counter fleet_rank): one throughput plot
per node, each rank a line, and the fleet table: for each headline ratio (vs_baseline of the implementation
rows at the largest size, median of the repetitions), its min, median and max across ranks and the slowest
rank named. zbuf-conform's fleet JSON (schema zbuf-conform-fleet/1): a heat-map with the ranks as columns and
the tests whose status differs between ranks as rows.
"""

import json
import os
import statistics

from . import style

CONFORM_FLEET_SCHEMA = "zbuf-conform-fleet/1"
LETTERS = {"P": "PASS", "F": "FAIL", "S": "SKIP", "U": "UNSUPPORTED", "R": "UNRESOLVED", "C": "CRASH",
           "T": "TIMEOUT", "-": "NOT_RUN", "?": "NOT_RUN"}
MAX_ROWS = 60


def kind(doc):
    """'bench-fleet', 'conform-fleet' or None."""
    if not isinstance(doc, dict):
        return None
    if doc.get("schema") == CONFORM_FLEET_SCHEMA:
        return "conform-fleet"
    if isinstance(doc.get("context"), dict) and "zbuf_fleet_ranks" in doc["context"]:
        return "bench-fleet"
    return None


def load_dir(folder):
    """(path, kind, document) of every fleet result in folder, in file-name order."""
    out = []
    if not folder or not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.endswith(".json") or not os.path.isfile(path):
            continue
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            continue  # load.py reports it
        k = kind(doc)
        if k:
            out.append((path, k, doc))
    return out


def _rank_info(doc):
    """rank -> {host, node, ...} from the zbuf_fleet_rank_N context members."""
    info = {}
    for key, value in doc["context"].items():
        if key.startswith("zbuf_fleet_rank_"):
            fields = dict(f.split("=", 1) for f in value.split() if "=" in f)
            info[int(key[len("zbuf_fleet_rank_"):])] = fields
    return info


def headline_ratios(doc):
    """{row name: {rank: vs_baseline}} for the implementation rows at the largest size of each series (the
    median aggregate when there is one, else the mean of the repetitions)."""
    per = {}
    for row in doc["benchmarks"]:
        if "vs_baseline" not in row or row.get("error_occurred") or "fleet_rank" not in row:
            continue
        name = row.get("run_name", row["name"])
        if row.get("run_type") == "aggregate" and row.get("aggregate_name") != "median":
            continue
        per.setdefault(name, {}).setdefault(int(row["fleet_rank"]), []).append(
            (row.get("run_type") == "aggregate", row["vs_baseline"], row.get("size", 0)))
    best = {}
    for name, ranks in per.items():
        series = name.rsplit("/", 2)[0]  # without the size and the time type
        size = max(v[2] for vals in ranks.values() for v in vals)
        if size < best.get(series, (0, None))[0]:
            continue
        ratios = {}
        for rank, vals in ranks.items():
            agg = [v[1] for v in vals if v[0]]
            ratios[rank] = agg[0] if agg else statistics.mean(v[1] for v in vals)
        best[series] = (size, name, ratios)
    return {name: ratios for size, name, ratios in best.values()}


def fleet_table(doc):
    """Rows [headline, ranks, min, median, max, slowest rank (host)] of the fleet table."""
    info = _rank_info(doc)
    rows = []
    for name, ratios in sorted(headline_ratios(doc).items()):
        values = sorted(ratios.values())
        slowest = min(ratios, key=lambda r: ratios[r])
        rows.append([name, str(len(ratios)), style.fmt_ratio(values[0]), style.fmt_ratio(statistics.median(values)),
                     style.fmt_ratio(values[-1]),
                     "rank %d (%s)" % (slowest, info.get(slowest, {}).get("host", "?"))])
    return rows


def plot_node(doc, node, path):
    """Throughput against size on one node: one line per rank and series (implementation rows near)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    lines = {}
    for row in doc["benchmarks"]:
        if int(row.get("fleet_node", -1)) != node or row.get("run_type") != "aggregate":
            continue
        if row.get("aggregate_name") != "median" or not row.get("bytes_per_second") or "size" not in row:
            continue
        series = row["run_name"].rsplit("/", 2)[0]
        lines.setdefault((series, int(row["fleet_rank"])), []).append((row["size"], row["bytes_per_second"]))
    for (series, rank), pts in sorted(lines.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] / 1e9 for p in pts], marker="o", label="%s rank %d" % (series, rank))
    ax.set_xscale("log", base=2)
    ax.set_xlabel("bytes per copy")
    ax.set_ylabel("GB/s (median)")
    ax.set_title("node %d, %s mode" % (node, doc["context"].get("zbuf_fleet_mode", "?")))
    if lines:
        ax.legend(fontsize=6, ncol=2)
    return style.save(fig, path)


def differing(doc):
    """The tests whose status differs between ranks, at most MAX_ROWS, and how many there are in all."""
    tests = [t for t in doc["tests"] if t.get("differs")]
    return tests[:MAX_ROWS], len(tests)


def plot_heatmap(doc, path):
    """Ranks as columns, the differing tests as rows, each cell its status colour and letter."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb

    tests, _ = differing(doc)
    nranks = len(doc["ranks"])
    height = 1.5 + 0.22 * max(len(tests), 1)
    fig, ax = plt.subplots(figsize=(5 + 0.4 * nranks, height))
    grid = [[to_rgb(style.STATUS_COLOURS.get(LETTERS.get(ch, ""), "#ffffff")) for ch in t["statuses"]]
            for t in tests] or [[(1, 1, 1)] * nranks]
    ax.imshow(grid, aspect="auto", interpolation="nearest")
    for y, t in enumerate(tests):
        for x, ch in enumerate(t["statuses"]):
            ax.text(x, y, ch, ha="center", va="center", fontsize=7,
                    color=style.STATUS_TEXT_COLOURS.get(LETTERS.get(ch, ""), "black"))
    ax.set_xticks(range(nranks))
    ax.set_xticklabels(["%d\n%s" % (r["rank"], r["host"][:10]) for r in doc["ranks"]], fontsize=7)
    ax.set_yticks(range(len(tests)))
    ax.set_yticklabels([t["id"] for t in tests], fontsize=7)
    ax.set_title("tests that differ between ranks" if tests else "every rank agrees", fontsize=9)
    fig.subplots_adjust(left=0.55, bottom=0.5 / height, top=1 - 0.5 / height)
    return style.save(fig, path)

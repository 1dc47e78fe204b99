"""Throughput against transfer size, log-log: one figure per implementation and memory kind.

Each figure has one panel per placement (near and far NUMA node side by side when both were measured; `device`
for device-to-device copies). Implementation rows are solid lines with markers, the raw baselines measured in
the same run are dashed lines of the same colour, and the ceilings the JSON carries are horizontal lines: the
PCIe link's theoretical per-direction rate (context pcie_ceiling_GBps), the best pinned cudaMemcpy, the best
device-to-device copy, the best memcpy.
"""

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from . import style

MEMORY_ORDER = ("host", "pageable", "pinned", "registered", "device")
PLACEMENT_ORDER = ("near", "far", "device", "any")
# Implementation series take these in turn; baselines are dark, dashed, and shaded by direction.
IMPL_COLOURS = ("#1f78b4", "#e6550d", "#33a02c", "#6a3d9a", "#b15928", "#e7298a", "#17becf", "#bcbd22")
BASELINE_COLOURS = {"H2H": "#555555", "H2D": "#08306b", "D2H": "#7f2704", "BIDIR": "#3f007d", "D2D": "#333333"}
THREAD_MARKERS = ("o", "s", "^", "D", "v")
PANEL_W, PANEL_H, LEGEND_ROW_H, TOP_H = 6.0, 3.9, 0.2, 0.6


def _ordered(values, order):
    return sorted(values, key=lambda v: (order.index(v) if v in order else len(order), v))


def figures(result):
    """[(memory kind, [placements])] for the transfer rows this result has."""
    kinds = {}
    for r in result.transfer_runs():
        kinds.setdefault(r.memory, set()).add(r.placement)
    return [(m, _ordered(kinds[m], PLACEMENT_ORDER)) for m in _ordered(kinds, MEMORY_ORDER)]


def ceilings(result, memory, placement):
    """[(what, bytes per second)] of the horizontal lines for one panel; `what` names the ceiling without its
    value and is the same in every panel, so that the legend can give each panel's value."""
    out = []
    best = {}
    for r in result.transfer_runs():
        if r.is_impl or r.rate is None:
            continue
        key = (r.family, r.op, r.memory, r.placement, r.threads)
        best[key] = max(best.get(key, 0), r.rate)
    if memory in ("pageable", "pinned", "registered") and result.pcie_ceiling > 0:
        link = result.ctx.get("pcie_link", "PCIe").split(" (")[0]
        out.append(("%s link, per direction" % link, result.pcie_ceiling))
    if memory in ("pageable", "pinned", "registered"):
        for fam in ("H2D", "D2H"):
            v = best.get((fam, "cudaMemcpyAsync", "pinned", placement, 1))
            if v:
                out.append(("best pinned cudaMemcpy %s" % fam, v))
    if memory == "device":
        v = max([b for k, b in best.items() if k[0] == "D2D"] or [0])
        if v:
            out.append(("best device-to-device copy", v))
    if memory == "host":
        for (fam, op, _m, pl, threads), v in sorted(best.items()):
            if fam == "H2H" and op == "memcpy" and pl == placement:
                out.append(("best memcpy, %d thread%s" % (threads, "s" if threads > 1 else ""), v))
    return out


def _ceiling_style(what):
    """Colour and dash of a ceiling line: the colour of the baseline it comes from, black for the link."""
    if what.startswith("PCIe") or " link" in what:
        return "#000000", (0, (4, 2, 1, 2))
    for fam in ("H2D", "D2H"):
        if what.endswith(fam):
            return BASELINE_COLOURS[fam], (0, (1, 1.5))
    if "device" in what:
        return BASELINE_COLOURS["D2D"], (0, (1, 1.5))
    return ("#555555", (0, (1, 1.5))) if "1 thread" in what else ("#777777", (0, (3, 1, 1, 1, 1, 1)))


def _series_label(key):
    fam, op, _m, _pl, threads = key
    label = "%s %s" % (fam, op)
    if threads > 1 and fam != "BIDIR":
        label += " x%d threads" % threads
    return label


def plot(result, memory, placements, path):
    """One figure: panels per placement; returns the pixel size."""
    runs = [r for r in result.transfer_runs() if r.memory == memory]
    series = result.series(runs)
    n = len(placements)
    keys = sorted({k[:2] + (k[4],) for k in series}, key=lambda k: (k[1].startswith("impl:"), k))
    impl_keys = [k for k in keys if k[1].startswith("impl:")]

    def colour(fam, op, threads):
        if op.startswith("impl:"):
            return IMPL_COLOURS[impl_keys.index((fam, op, threads)) % len(IMPL_COLOURS)]
        return BASELINE_COLOURS.get(fam, "#333333")

    nceil = len({c[0] for pl in placements for c in ceilings(result, memory, pl)})
    legend_rows = (len(keys) + nceil + 2) // 2
    width = PANEL_W * n + 0.4
    height = TOP_H + PANEL_H + LEGEND_ROW_H * (legend_rows + 1)
    fig = plt.figure(figsize=(width, height))
    bottom = LEGEND_ROW_H * (legend_rows + 1) + 0.55
    axes = []
    all_rates = [r.rate for r in runs if r.rate] + [c[1] for pl in placements for c in ceilings(result, memory, pl)]
    sizes = sorted({r.size for r in runs if r.size})
    for i, placement in enumerate(placements):
        ax = fig.add_axes([(0.75 + i * PANEL_W) / width, bottom / height, (PANEL_W - 0.9) / width,
                           (height - TOP_H - bottom) / height], sharey=axes[0] if axes else None)
        axes.append(ax)
        for key, rs in series.items():
            if key[3] != placement:
                continue
            pts = [(r.size, r.rate) for r in rs if r.rate]
            errs = [r for r in rs if r.error and not r.skipped]
            col = colour(key[0], key[1], key[4])
            marker = THREAD_MARKERS[min(max(key[4] - 1, 0), len(THREAD_MARKERS) - 1)]
            if pts:
                xs, ys = zip(*pts)
                if key[1].startswith("impl:"):
                    ax.plot(xs, [y / 1e9 for y in ys], "-", color=col, marker=marker, markersize=4, linewidth=1.6)
                else:
                    ax.plot(xs, [y / 1e9 for y in ys], "--", color=col, marker=marker, markersize=3,
                            linewidth=1.0, alpha=0.75, markerfacecolor="white")
            for r in errs:
                ax.plot([r.size], [min(all_rates or [1e9]) / 1e9], "x", color="#d73027", markersize=7)
        # Ceilings are lines only: their names and values are in the legend, so no text hides a measurement.
        for what, value in ceilings(result, memory, placement):
            line_colour, dash = _ceiling_style(what)
            ax.axhline(value / 1e9, color=line_colour, linewidth=1.1, linestyle=dash, zorder=1.5)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        if sizes:
            ax.xaxis.set_major_locator(FixedLocator(sizes))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xticklabels([style.fmt_size(s) for s in sizes], rotation=45, ha="right", fontsize=7)
            ax.set_xlim(sizes[0] / 1.4, sizes[-1] * 1.4)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(True, which="major", linewidth=0.3, color="#cccccc")
        ax.set_title(_placement_title(result, placement), fontsize=9)
        ax.set_xlabel("bytes per transfer", fontsize=8)
        if i == 0:
            ax.set_ylabel("GB/s (10^9 bytes/s)", fontsize=8)
    if all_rates:
        lo, hi = min(all_rates) / 1e9, max(all_rates) / 1e9
        axes[0].set_ylim(lo / 2.5, hi * 2.5)
    handles = []
    for fam, op, threads in keys:
        impl = op.startswith("impl:")
        handles.append(Line2D([], [], color=colour(fam, op, threads), linestyle="-" if impl else "--",
                              marker=THREAD_MARKERS[min(max(threads - 1, 0), len(THREAD_MARKERS) - 1)],
                              markersize=4, label=_series_label((fam, op, memory, "", threads))))
    if any(r.error and not r.skipped for r in runs):
        handles.append(Line2D([], [], color="#d73027", linestyle="none", marker="x", label="error row (no number)"))
    values = {}
    for placement in placements:
        for what, value in ceilings(result, memory, placement):
            values.setdefault(what, []).append((placement, value))
    for what, per in values.items():
        line_colour, dash = _ceiling_style(what)
        if len({v for _, v in per}) == 1:
            text = style.fmt_rate(per[0][1])
        else:
            text = ", ".join("%s %s" % (pl, style.fmt_rate(v)) for pl, v in per)
        handles.append(Line2D([], [], color=line_colour, linestyle=dash, linewidth=1.1,
                              label="ceiling: %s: %s" % (what, text)))
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.75 / width, 0.05 / height), ncol=2,
               fontsize=7, frameon=False)
    fig.suptitle("Throughput, %s memory: %s" % (memory, result.label.replace("\n", " ")), fontsize=10,
                 x=0.75 / width, ha="left", y=1 - 0.1 / height)
    return style.save(fig, path)


def _placement_title(result, placement):
    ctx = result.ctx
    if placement == "near":
        return "near: host memory and thread on NUMA node %s" % ctx.get("gpu_near_node",
                                                                        ctx.get("host_near_node", "?"))
    if placement == "far":
        if "gpu_far_node" in ctx:
            return "far: host memory and thread on NUMA node %s" % ctx["gpu_far_node"]
        return "far: host memory on NUMA node %s, thread near" % ctx.get("host_far_node", "?")
    if placement == "device":
        return "device memory"
    return placement or "any placement"

"""Operation latency bars: the `OP/` rows of every implementation side by side, one figure per device.

For each operation there is one bar per implementation (median time per call, log scale), at the small size
(left panel) and the large size (right panel) of the run. Every bar is labelled with its time and, for an
implementation other than the reference, with its ratio to the reference's time for the same operation, size
and device (Zarr-Python's adapter next to zbuf-ref: "x12 ref" means twelve times slower).
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from . import style

COLOURS = ("#4d4d4d", "#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214")
BAR_H, GROUP_GAP, TOP_H, BOTTOM_H, LABEL_W, PANEL_W = 0.17, 0.14, 0.75, 0.6, 2.3, 4.6


def devices(results):
    """Devices (cpu, cuda ...) that at least one result has OP rows for, cpu first."""
    found = {r.memory for res in results for r in res.op_runs()}
    return sorted(found, key=lambda d: (d != "cpu", d))


def reference_of(results):
    """The result ratios are taken against: the first reference run, else the first run."""
    for res in results:
        if res.is_reference:
            return res
    return results[0]


def table(results, device):
    """(operations, sizes, {(result index, op, size): Run}) for one device."""
    ops, sizes, cells = [], set(), {}
    for i, res in enumerate(results):
        for r in res.op_runs():
            if r.memory != device:
                continue
            if r.op not in ops:
                ops.append(r.op)
            sizes.add(r.size)
            cells[(i, r.op, r.size)] = r
    sizes = sorted(sizes)
    if len(sizes) > 2:
        sizes = [sizes[0], sizes[-1]]
    return ops, sizes, cells


def ratio(cells, ref_index, i, op, size):
    r, ref = cells.get((i, op, size)), cells.get((ref_index, op, size))
    if i == ref_index or not r or not ref or not r.seconds or not ref.seconds:
        return None
    return r.seconds / ref.seconds


def plot(results, device, path):
    """One figure for one device; returns the pixel size."""
    ops, sizes, cells = table(results, device)
    ref = reference_of(results)
    ref_index = results.index(ref)
    n = len(results)
    group_h = n * BAR_H + GROUP_GAP
    height = TOP_H + BOTTOM_H + len(ops) * group_h
    width = LABEL_W + PANEL_W * len(sizes) + 0.3
    fig = plt.figure(figsize=(width, height))
    times = [r.seconds for r in cells.values() if r.seconds]
    lo, hi = (min(times), max(times)) if times else (1e-9, 1e-3)
    for k, size in enumerate(sizes):
        ax = fig.add_axes([(LABEL_W + k * PANEL_W) / width, BOTTOM_H / height, (PANEL_W - 0.25) / width,
                           (height - TOP_H - BOTTOM_H) / height])
        ax.set_xscale("log")
        # Room on the right of the longest bar for its label.
        ax.set_xlim(lo / 3, hi * 60)
        ax.set_ylim(len(ops) * group_h, 0)
        for j, op in enumerate(ops):
            for i in range(n):
                y = j * group_h + GROUP_GAP / 2 + i * BAR_H
                r = cells.get((i, op, size))
                if r is None:
                    if any(c for (i2, op2, _s), c in cells.items() if i2 == i and op2 == op):
                        continue  # measured at the other size only
                    ax.text(lo / 2.5, y + BAR_H / 2, "not measured", va="center", ha="left", fontsize=6.2,
                            color="#888888")
                    continue
                if r.seconds:
                    ax.barh(y + BAR_H / 2, r.seconds, height=BAR_H * 0.9, left=lo / 3,
                            color=COLOURS[i % len(COLOURS)])
                    text = style.fmt_time(r.seconds)
                    q = ratio(cells, ref_index, i, op, size)
                    if q is not None:
                        text += "  (x%s ref)" % style.fmt_ratio(q)
                    ax.text(r.seconds * 1.15, y + BAR_H / 2, text, va="center", ha="left", fontsize=6.2)
                else:
                    msg = "unsupported" if r.skipped else "error: " + (r.error or "no time")[:85]
                    ax.text(lo / 2.5, y + BAR_H / 2, msg, va="center", ha="left", fontsize=6.2,
                            color="#b2182b")
        ax.set_yticks([j * group_h + group_h / 2 for j in range(len(ops))])
        ax.set_yticklabels(ops if k == 0 else [], fontsize=7)
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", labelsize=7)
        for j in range(1, len(ops)):
            ax.axhline(j * group_h, color="#eeeeee", linewidth=0.6)
        ax.grid(True, axis="x", which="major", linewidth=0.3, color="#cccccc")
        ax.set_title("%s, %s per call" % (device, style.fmt_size(size)), fontsize=9)
        ax.set_xlabel("seconds per call (median, log scale)", fontsize=8)
    handles = [Patch(color=COLOURS[i % len(COLOURS)], label=res.label.replace("\n", " ")
                     + (" (reference for the ratios)" if i == ref_index else "")) for i, res in enumerate(results)]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(LABEL_W / width, 1 - 0.3 / height),
               ncol=min(n, 3), fontsize=7.5, frameon=False)
    fig.suptitle("Operation latency on %s (x N ref: time / the reference's time; above 1 is slower)" % device,
                 fontsize=10, x=0.2 / width, ha="left", y=1 - 0.08 / height)
    return style.save(fig, path)

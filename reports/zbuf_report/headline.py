"""Headline numbers: each measured rate beside the ceilings it should be read against.

For every transfer series the figure at the largest size measured is taken (the sustained rate, past the
small-size overheads). An implementation row is given as a ratio to its raw baseline of the same run (the
bench's own vs_baseline: memcpy, or cudaMemcpyAsync of the same direction, memory and placement) and, for
transfers over PCIe, to the link's theoretical per-direction rate (both directions together for BIDIR). A
GPU baseline is given as a ratio to the link. Latency headlines compare each operation with the reference.
"""

from . import latency, style

PCIE_FAMILIES = ("H2D", "D2H", "BIDIR")


def best_baselines(result):
    """The ceiling each transfer row is drawn under, as measured in the run: (family, placement, threads) ->
    the best rate over all sizes of memcpy (H2H), pinned cudaMemcpyAsync (H2D, D2H, BIDIR) or the device copy
    (D2D)."""
    best = {}
    for r in result.transfer_runs():
        if r.is_impl or not r.rate:
            continue
        if r.family == "H2H" and r.op == "memcpy" or r.memory in ("pinned", "device"):
            key = (r.family, r.placement, r.threads if r.family == "H2H" else 0)
            best[key] = max(best.get(key, 0), r.rate)
    return best


class Headline:
    def __init__(self, result, run, best):
        self.result = result
        self.run = run
        self.rate = run.rate
        self.vs_baseline = run.vs_baseline if run.is_impl else None
        ceiling = best.get((run.family, run.placement, run.threads if run.family == "H2H" else 0))
        self.vs_best = run.rate / ceiling if ceiling and run.rate else None
        self.pcie = None
        if run.family in PCIE_FAMILIES and result.pcie_ceiling > 0 and run.rate:
            link = result.pcie_ceiling * (2 if run.family == "BIDIR" else 1)
            self.pcie = run.rate / link

    @property
    def what(self):
        r = self.run
        parts = [r.family, r.op]
        if r.memory and r.memory not in ("host", "device"):
            parts.append(r.memory)
        if r.placement and r.placement != "device":
            parts.append(r.placement)
        if r.threads > 1 and r.family != "BIDIR":
            parts.append("%d threads" % r.threads)
        return " ".join(parts)

    def row(self):
        return [self.result.label.replace("\n", " "), self.what, style.fmt_size(self.run.size),
                style.fmt_rate(self.rate), style.fmt_ratio(self.vs_baseline), style.fmt_ratio(self.vs_best),
                style.fmt_ratio(self.pcie)]


HEADER = ["implementation", "row", "size", "rate", "x raw baseline, same size", "x best raw baseline",
          "x PCIe link"]


def transfers(results):
    """Headline rows for every result: implementation rows, then the GPU baselines (pinned, device)."""
    out = []
    for res in results:
        series = res.series()
        best = best_baselines(res)
        impl, base = [], []
        for key, runs in series.items():
            measured = [r for r in runs if r.rate]
            if not measured:
                continue
            last = measured[-1]
            if last.is_impl:
                impl.append(Headline(res, last, best))
            elif last.family in ("H2D", "D2H", "BIDIR", "D2D") and last.memory in ("pinned", "device"):
                base.append(Headline(res, last, best))
        out.extend(sorted(impl, key=lambda h: h.what) + sorted(base, key=lambda h: h.what))
    return out


LATENCY_HEADER_FIXED = ["device", "operation", "size"]


def latencies(results):
    """(header, rows): per device, operation and size, each implementation's time and its ratio to the
    reference's."""
    ref = latency.reference_of(results) if results else None
    header = LATENCY_HEADER_FIXED + [r.label.replace("\n", " ") for r in results]
    rows = []
    for device in latency.devices(results):
        ops, sizes, cells = latency.table(results, device)
        ref_index = results.index(ref)
        for op in ops:
            for size in sizes:
                line = [device, op, style.fmt_size(size)]
                any_cell = False
                for i in range(len(results)):
                    r = cells.get((i, op, size))
                    if r is None:
                        line.append("-")
                        continue
                    any_cell = True
                    if r.seconds is None:
                        line.append("unsupported" if r.skipped else "error")
                        continue
                    q = latency.ratio(cells, ref_index, i, op, size)
                    line.append(style.fmt_time(r.seconds) + ("" if q is None else " (x%s)" % style.fmt_ratio(q)))
                if any_cell:
                    rows.append(line)
    return header, rows

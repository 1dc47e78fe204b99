"""What the report says, independent of how it is written: a list of sections made of paragraphs, images,
tables and lists. html.py and markdown.py each turn this into one file; the plots are drawn here, into the
output folder, as the sections that show them are built.
"""

import os
import re

from . import fleet, headline, history, latency, matrix, migration, style, throughput


class Section:
    def __init__(self, key, title):
        self.key = key
        self.title = title
        self.blocks = []

    def p(self, text):
        self.blocks.append(("p", text))

    def image(self, name, alt, size):
        self.blocks.append(("img", name, alt, size))

    def table(self, header, rows):
        self.blocks.append(("table", header, rows))

    def items(self, items):
        self.blocks.append(("list", items))


class Document:
    def __init__(self, title):
        self.title = title
        self.sections = []
        self.images = []  # (file name, width, height)

    def section(self, key, title):
        s = Section(key, title)
        self.sections.append(s)
        return s


def _slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def _stem(result):
    return _slug(os.path.splitext(os.path.basename(result.path))[0])


def _first_line(text, limit=160):
    line = (text or "").strip().splitlines()
    line = line[0] if line else ""
    return line if len(line) <= limit else line[:limit - 3] + "..."


def build(out_dir, conform, bench, diff_pairs, notes, contract_titles, histories=(), fleets=()):
    """Draws every plot into out_dir and returns the Document that shows them."""
    doc = Document("zbuf report")

    def draw(name, fn, *args):
        path = os.path.join(out_dir, name)
        size = fn(*(args + (path,)))
        doc.images.append((name, size[0], size[1]))
        return size

    _overview(doc.section("overview", "Machine, versions and inputs"), conform, bench, notes)
    if bench:
        _throughput(doc.section("throughput", "Throughput and its ceilings"), bench, draw)
        _latency(doc.section("latency", "Operation latency"), bench, draw)
    if conform:
        _conformance(doc.section("conformance", "Conformance"), conform, draw, contract_titles)
    if diff_pairs:
        sec = doc.section("migration", "Migration: status changes between two runs")
        for a, b in diff_pairs:
            _migration(sec, a, b, draw)
    if fleets:
        _fleet(doc.section("fleet", "Fleet: ranks of an MPI job"), fleets, draw)
    for h in histories:
        _history(doc.section("history-" + _slug(h["package"] + "-" + h["impl"]),
                             "Behaviour history of %s (%s)" % (h["package"], h["impl"])), h, draw, contract_titles)
    return doc


def _fleet(sec, fleets, draw):
    sec.p("Each file below is one MPI job merged by rank 0 (docs/fleet.md).")
    for path, kind, doc in fleets:
        stem = _slug(os.path.splitext(os.path.basename(path))[0])
        if kind == "bench-fleet":
            ctx = doc["context"]
            sec.p("%s: zbuf-bench, %s ranks on %s nodes, %s mode." % (os.path.basename(path), ctx["zbuf_fleet_ranks"],
                                                                   ctx.get("zbuf_fleet_nodes", "?"),
                                                                   ctx.get("zbuf_fleet_mode", "?")))
            sec.table(["headline (implementation / baseline)", "ranks", "min", "median", "max", "slowest"],
                      fleet.fleet_table(doc))
            for node in sorted({int(r["fleet_node"]) for r in doc["benchmarks"] if "fleet_node" in r}):
                name = "fleet-%s-node%d.png" % (stem, node)
                size = draw(name, fleet.plot_node, doc, node)
                sec.image(name, "throughput of the ranks of node %d" % node, size)
        else:
            shown, total = fleet.differing(doc)
            sec.p("%s: zbuf-conform, %d ranks, verdict %s: %d of %d tests differ between ranks%s." % (
                os.path.basename(path), len(doc["ranks"]), doc.get("verdict", "?"), total, len(doc["tests"]),
                " (the first %d shown)" % len(shown) if total > len(shown) else ""))
            name = "fleet-%s-heatmap.png" % stem
            size = draw(name, fleet.plot_heatmap, doc)
            sec.image(name, "statuses of the differing tests, ranks as columns", size)
            odd = [r for r in doc["ranks"] if r.get("tests_differing_from_majority") or r.get("matches_expect") is False]
            sec.items(["rank %d (host %s, gpu %s, impl %s): %d tests from the majority%s" % (
                r["rank"], r["host"], r["gpu"], r["impl"]["spec"], r["tests_differing_from_majority"],
                ", expectations not met" if r.get("matches_expect") is False else "") for r in odd]
                      or ["every rank agrees with the majority and with its expectations"])


def _history(sec, h, draw, titles):
    name = "history-%s.png" % _slug(h["package"] + "-" + h["impl"])
    size = draw(name, history.plot, h)
    versions = h["versions"]
    sec.p("%d releases, %s to %s; a cell is a clause's worst status in that release, outlined where it changed "
          "from the release before. Rows: the %d clauses that changed." % (
              len(versions), versions[0]["version"], versions[-1]["version"], len(history.changed_clauses(h))))
    sec.image(name, "behaviour of %s by release" % h["package"], size)
    loads = [[v["version"], v["primary_load_error"] or v["load_error"] or "", v["spec"]] for v in versions
             if v["primary_load_error"] or v["load_error"]]
    if loads:
        sec.p("Releases where %s does not load (the result recorded, and the spec that ran instead):" % h["impl"])
        sec.table(["release", "why", "ran"], [[a, _first_line(b), c] for a, b, c in loads])
    sec.table(["release", "clause", "change"], history.summary_rows(h, titles) or [["-", "no change", "-"]])


def _overview(sec, conform, bench, notes):
    rows = []
    seen = set()
    for c in conform:
        m = c.machine
        line = (m.get("hostname", "?"), "%s, %s cpus" % (m.get("cpu", "?"), m.get("cpus", "?")), m.get("os", "?"))
        if line not in seen:
            seen.add(line)
            rows.append(["conformance host", "%s: %s; %s" % line])
    for b in bench:
        x = b.ctx
        host = "%s: %s cpus at %s MHz, %s NUMA node(s), load %s" % (
            x.get("host_name", "?"), x.get("num_cpus", "?"), x.get("mhz_per_cpu", "?"), x.get("numa_nodes", "?"),
            ", ".join("%.1f" % v for v in x.get("load_avg", []) if isinstance(v, (int, float))) or "?")
        gpu = x.get("device_name", "?")
        if x.get("pcie_link"):
            gpu += "; %s" % x["pcie_link"]
        if float(b.pcie_ceiling) > 0:
            gpu += ", ceiling %s per direction" % style.fmt_rate(b.pcie_ceiling)
        cuda = "runtime %s, driver %s" % (x.get("cuda_runtime", "?"), x.get("cuda_driver", "?"))
        if x.get("cuda_note"):
            cuda += "; " + x["cuda_note"]
        place = "%s; near node %s, far node %s" % (x.get("hwloc_version", "?"),
                                                   x.get("gpu_near_node", x.get("host_near_node", "?")),
                                                   x.get("gpu_far_node", x.get("host_far_node", "?")))
        if x.get("host_far_reason"):
            place += " (%s)" % x["host_far_reason"]
        for label, value in (("benchmark host", host), ("GPU", gpu), ("CUDA", cuda), ("hwloc / placement", place)):
            if (label, value) not in seen:
                seen.add((label, value))
                rows.append([label, value])
    versions = sorted({("zbuf", c.zbuf_version) for c in conform if c.zbuf_version}
                      | {("zbuf", b.ctx.get("zbuf_version")) for b in bench if b.ctx.get("zbuf_version")}
                      | {("zbuf-conform harness", c.harness_version) for c in conform if c.harness_version})
    for name, v in versions:
        rows.append(["version", "%s %s" % (name, v)])
    sec.table(["what", "value"], rows)
    inputs = []
    for r in conform:
        inputs.append([os.path.basename(r.path), "conformance", r.label.replace("\n", " "), r.start_time,
                       ", ".join("%d %s" % (n, s) for s, n in r.counts().items() if n)])
    for r in bench:
        inputs.append([os.path.basename(r.path), "benchmark", r.label.replace("\n", " "), r.ctx.get("date", ""),
                       "%d rows, %d error rows" % (len(r.runs), len(r.errors()))])
    sec.table(["file", "kind", "implementation", "date", "results"], inputs)
    if notes:
        sec.p("Notes on the inputs:")
        sec.items(notes)


def _throughput(sec, bench, draw):
    rows = [h.row() for h in headline.transfers(bench)]
    if rows:
        sec.p("Each rate is the median at the largest size measured, with its ratio to the raw baseline of the "
              "same run at that size (memcpy, or cudaMemcpyAsync of the same direction, memory and placement), to "
              "the best rate of the ceiling baseline at any size (memcpy with as many threads, pinned "
              "cudaMemcpyAsync, the device copy: the dotted lines of the plots) and, over PCIe, to the link's "
              "theoretical rate per direction (both directions for BIDIR).")
        sec.table(headline.HEADER, rows)
    for res in bench:
        for memory, placements in throughput.figures(res):
            name = "throughput-%s-%s.png" % (_stem(res), memory)
            size = draw(name, throughput.plot, res, memory, placements)
            sec.image(name, "throughput of %s, %s memory, %s" % (res.label.replace("\n", " "), memory,
                                                                 " and ".join(placements)), size)
    for res in bench:
        errs = res.errors()
        if errs:
            sec.p("Error rows of %s (a failed call or a wrong copy: no number is shown for them):"
                  % res.label.replace("\n", " "))
            sec.table(["row", "error"], [[r.name, _first_line(r.error)] for r in errs])


def _latency(sec, bench, draw):
    with_ops = [b for b in bench if b.op_runs()]
    if not with_ops:
        sec.p("No operation rows in the benchmark results.")
        return
    for device in latency.devices(with_ops):
        results = [b for b in with_ops if any(r.memory == device for r in b.op_runs())]
        name = "latency-%s.png" % _slug(device)
        size = draw(name, latency.plot, results, device)
        sec.image(name, "operation latency on %s" % device, size)
    header, rows = headline.latencies(with_ops)
    sec.p("Median time per call; in brackets the ratio to the reference (%s)."
          % latency.reference_of(with_ops).label.replace("\n", " "))
    sec.table(header, rows)


def _conformance(sec, conform, draw, titles):
    size = draw("conformance-matrix.png", matrix.plot, conform)
    sec.image("conformance-matrix.png", "conformance matrix: clause x implementation", size)
    sec.table(["implementation", "tests"] + list(style.STATUS_RANK),
              [[r.label.replace("\n", " "), str(len(r.tests))] + [str(r.counts()[s]) for s in style.STATUS_RANK]
               for r in conform])
    clauses, cells = matrix.build(conform)
    differing = [c for c in clauses if matrix.differs(cells[c])]
    if len(conform) > 1:
        sec.p("%d of %d clauses differ between the implementations%s" % (
            len(differing), len(clauses), ": " + ", ".join(differing) if differing else "."))
    for j, r in enumerate(conform):
        rows = []
        for c in clauses:
            cell = cells[c][j]
            if cell is None or cell.status == "PASS":
                continue
            title = titles.get(c, "")
            rows.append([c + (": " + title if title else ""), cell.status, "%d/%d" % (cell.count, cell.total),
                         "; ".join(_first_line(m) for m in cell.reasons()) or "-"])
        sec.p("Clauses not PASS for %s (%d):" % (r.label.replace("\n", " "), len(rows)))
        if rows:
            sec.table(["clause", "status", "tests", "reasons"], rows)
        failing = [t for t in r.tests if t["status"] in style.NOT_OK]
        if failing:
            sec.p("Its %d tests that failed, crashed, timed out or could not be set up, with the command that "
                  "reruns each:" % len(failing))
            sec.table(["test", "status", "message", "repro"],
                      [[t["id"], t["status"], _first_line(t.get("message", "")), t.get("repro", "")]
                       for t in failing])


def _migration(sec, a, b, draw):
    changes = migration.diff(a, b)
    name = "migration-%s-vs-%s.png" % (_stem(a), _stem(b))
    size = draw(name, migration.plot, a, b, changes)
    sec.p("%s (%s) -> %s (%s): %d tests changed status." % (
        a.label.replace("\n", " "), os.path.basename(a.path), b.label.replace("\n", " "), os.path.basename(b.path),
        len(changes)))
    sec.image(name, "status transitions from %s to %s" % (a.version, b.version), size)
    if changes:
        sec.table(["test", "before", "after", "change", "message after"],
                  [[c.test_id, c.a or "-", c.b or "-", c.kind, _first_line(c.message)] for c in changes])

"""The two kinds of result as Python objects.

ConformResult wraps a zbuf-conform/1 file (conformance/harness/report_json.c). BenchResult wraps Google Benchmark
JSON written by zbuf-bench (bench/shim.cc, context from bench/plan.c): its rows are grouped by run (one row name,
all repetitions), and each run is reduced to one number per counter, the median aggregate when the file has
one, else the mean of the repetitions. Row names follow docs/performance.md:
FAMILY/OPERATION/MEMORY/PLACEMENT/SIZE for GPU transfers, H2H/OPERATION/PLACEMENT/SIZE, OP/OPERATION/DEVICE/SIZE.
"""

import os
import re
import statistics

STATUSES = ("PASS", "FAIL", "SKIP", "UNSUPPORTED", "UNRESOLVED", "CRASH", "TIMEOUT")
GPU_FAMILIES = ("H2D", "D2H", "D2D", "BIDIR")
TRANSFER_FAMILIES = ("H2H",) + GPU_FAMILIES

_TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
_SIZE_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
_NAME_EXTRAS = re.compile(r"^(real_time|manual_time|process_time|threads:\d+|iterations:\d+|repeats:\d+|"
                          r"min_time:[\d.]+s?|min_warmup_time:[\d.]+s?)$")


def short_spec(spec):
    """A column-sized name for an implementation spec: py:zarr.buffer.cpu:buffer_prototype -> zarr.buffer.cpu,
    lib:/path/libx.so:cfg -> libx.so:cfg, ref:cpu unchanged."""
    if spec.startswith("py:"):
        module, _, attr = spec[3:].rpartition(":")
        return module if attr == "buffer_prototype" else spec[3:]
    if spec.startswith("lib:"):
        rest = spec[4:]
        path, sep, cfg = rest.rpartition(":")
        if not sep or "/" in cfg:
            path, cfg = rest, ""
        return os.path.basename(path) + (":" + cfg if cfg else "")
    return spec


def impl_label(spec, name, version):
    """Two lines naming a run: the short spec, then name and version (the name only where it says more than the
    spec: the Python adapter names itself by its spec and versions itself "zarr 3.1.6")."""
    second = version if (not name or name == spec or name in short_spec(spec)) else "%s %s" % (name, version)
    return "%s\n%s" % (short_spec(spec), second.strip())


def family_of_spec(spec, name):
    """What stays the same across versions of one implementation: the top-level Python package for py: specs
    (zarr.core.buffer.cpu in zarr 3.0 and zarr.buffer.cpu in 3.1 are both "zarr"), else the name."""
    if spec.startswith("py:"):
        return "py:" + spec[3:].split(".")[0].split(":")[0]
    return name or spec


def memory_kind_of_spec(spec, prototype=None):
    """'gpu' or 'cpu': which of Zarr-Python's two prototype families an implementation run stands for."""
    text = " ".join([spec] + [str(v) for v in (prototype or {}).values()]).lower()
    return "gpu" if re.search(r"gpu|cuda", text) else "cpu"


class ConformResult:
    """One zbuf-conform/1 run of one implementation."""

    kind = "conform"

    def __init__(self, path, doc):
        self.path = path
        self.doc = doc
        impl = doc["impl"]
        self.spec = impl["spec"]
        self.name = impl["name"]
        self.version = impl["version"]
        self.description = impl.get("description", "")
        self.prototype = impl.get("prototype") if isinstance(impl.get("prototype"), dict) else {}
        self.capabilities = impl.get("capabilities", [])
        self.machine = doc.get("machine") or {}
        self.tests = doc["tests"]
        self.start_time = doc.get("start_time", "")
        self.zbuf_version = doc.get("zbuf_version", "")
        self.harness_version = doc.get("harness_version", "")
        self.duration_s = doc.get("duration_s")
        self.label = impl_label(self.spec, self.name, self.version)

    @property
    def is_reference(self):
        return self.spec.startswith("ref:")

    @property
    def memory_kind(self):
        return memory_kind_of_spec(self.spec, self.prototype)

    @property
    def family_key(self):
        """Runs with the same key are the same kind of implementation, possibly at different versions: the same
        package (family_of_spec) standing for the same prototype (cpu or gpu)."""
        return (family_of_spec(self.spec, self.name), self.memory_kind)

    def counts(self):
        out = {s: 0 for s in STATUSES}
        for t in self.tests:
            out[t["status"]] += 1
        return out

    def by_clause(self):
        """clause -> [test, ...] in file order."""
        out = {}
        for t in self.tests:
            out.setdefault(t["clause"], []).append(t)
        return out


class Run:
    """One benchmark row name reduced to numbers: time per iteration (s) and counters, or an error."""

    def __init__(self, name, rows):
        first = rows[0]
        self.name = name
        parts = [p for p in name.split("/") if not _NAME_EXTRAS.match(p)]
        self.family = parts[0]
        self.threads = int(first.get("threads", 1) or 1)
        self.op, self.memory, self.placement = "", "", ""
        size_label = parts[-1] if len(parts) > 1 else ""
        if self.family == "H2H" and len(parts) >= 4:
            self.op, self.memory, self.placement = parts[1], "host", parts[2]
        elif self.family in GPU_FAMILIES and len(parts) >= 5:
            self.op, self.memory, self.placement = parts[1], parts[2], parts[3]
        elif self.family == "OP" and len(parts) >= 4:
            self.op, self.memory = parts[1], parts[2]
        else:
            self.op = "/".join(parts[1:-1]) or parts[0]
        self.size = _size_of(first.get("size"), size_label)
        self.size_label = size_label
        iters = [r for r in rows if r.get("run_type", "iteration") == "iteration"]
        errors = [r for r in iters if r.get("error_occurred")]
        self.error = errors[0].get("error_message", "error") if errors else None
        self.skipped = bool(self.error and self.error.startswith("SKIPPED"))
        good = [r for r in iters if not r.get("error_occurred")]
        median = [r for r in rows if r.get("run_type") == "aggregate" and r.get("aggregate_name") == "median"]
        source = median if median else good
        self.values = {}
        if source and not self.error:
            for key in ("real_time", "bytes_per_second", "vs_baseline", "baseline_bytes_per_second",
                        "mem_node_asked", "mem_node_seen"):
                vals = [r[key] for r in source if isinstance(r.get(key), (int, float))]
                if vals:
                    self.values[key] = statistics.mean(vals)
            if "real_time" in self.values:
                unit = _TIME_UNITS.get(first.get("time_unit", "ns"), 1e-9)
                self.values["seconds"] = self.values["real_time"] * unit

    @property
    def is_impl(self):
        return self.op.startswith("impl:") or self.family == "OP"

    @property
    def rate(self):
        """Bytes per second, or None."""
        return self.values.get("bytes_per_second")

    @property
    def seconds(self):
        return self.values.get("seconds")

    @property
    def vs_baseline(self):
        return self.values.get("vs_baseline")

    @property
    def series_key(self):
        return (self.family, self.op, self.memory, self.placement, self.threads)


def _size_of(counter, label):
    if isinstance(counter, (int, float)) and counter > 0:
        return int(counter)
    m = re.match(r"^(\d+)(B|KiB|MiB|GiB|TiB)$", label or "")
    return int(m.group(1)) * _SIZE_UNITS[m.group(2)] if m else 0


def _float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


class BenchResult:
    """One zbuf-bench run of one implementation."""

    kind = "bench"

    def __init__(self, path, doc):
        self.path = path
        self.doc = doc
        self.ctx = doc["context"]
        ctx = self.ctx
        base = os.path.splitext(os.path.basename(path))[0]
        self.spec = ctx.get("impl_spec") or base
        self.name = ctx.get("impl_name") or base
        self.version = ctx.get("impl_version", "")
        self.label = impl_label(self.spec, self.name, self.version)
        self.pcie_ceiling = _float(ctx.get("pcie_ceiling_GBps")) * 1e9  # bytes/s; 0 when unknown or no GPU
        self.pcie_path_min = _float(ctx.get("pcie_path_min_GBps")) * 1e9
        grouped = {}
        for r in doc["benchmarks"]:
            grouped.setdefault(r.get("run_name") or r["name"], []).append(r)
        self.runs = [Run(name, rows) for name, rows in grouped.items()]

    @property
    def is_reference(self):
        return self.spec.startswith("ref:")

    @property
    def memory_kind(self):
        return memory_kind_of_spec(self.spec)

    @property
    def device_name(self):
        return self.ctx.get("device_name", "")

    def transfer_runs(self):
        return [r for r in self.runs if r.family in TRANSFER_FAMILIES]

    def op_runs(self):
        return [r for r in self.runs if r.family == "OP"]

    def series(self, runs=None):
        """series key -> [Run, ...] sorted by size."""
        out = {}
        for r in runs if runs is not None else self.transfer_runs():
            out.setdefault(r.series_key, []).append(r)
        for group in out.values():
            group.sort(key=lambda r: r.size)
        return out

    def errors(self):
        return [r for r in self.runs if r.error and not r.skipped]

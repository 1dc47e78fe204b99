#!/usr/bin/env python3
"""Makes the JSON fixtures of reports/tests/fixtures/ (see the README there): trims real zbuf-conform and
zbuf-bench outputs, and derives the hand-made ones (a Zarr-Python gpu conformance result, an older Zarr-Python
version for the migration diff, a GPU-like benchmark with PCIe ceilings and near/far placement) from fixed
numbers, so that rerunning it gives the same files.

usage: make_fixtures.py --ref-conform A.json --zarr-conform B.json --ref-bench C.json --zarr-bench D.json [--out DIR]
"""

import argparse
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
AREAS = ("COPY", "THREAD", "LIFE", "ERR", "SEM")
BAD = ("FAIL", "CRASH", "TIMEOUT", "UNRESOLVED")


def load(path):
    with open(path) as f:
        return json.load(f)


def dump(doc, path, indent=1):
    with open(path, "w") as f:
        json.dump(doc, f, indent=indent)
        f.write("\n")


def pick_clauses(docs):
    """Per area: the first clause of each object (BUF, ND, CONV, PROTO) and up to three that some run did not
    pass."""
    chosen = []
    for area in AREAS:
        clauses = []
        for d in docs:
            for t in d["tests"]:
                if "-%s-" % area in t["clause"] and t["clause"] not in clauses:
                    clauses.append(t["clause"])
        firsts = {}
        for c in clauses:
            firsts.setdefault(c.split("-")[0], c)
        bad = [c for c in clauses if any(t["clause"] == c and t["status"] in BAD for d in docs for t in d["tests"])]
        for c in list(firsts.values()) + bad[:3]:
            if c not in chosen:
                chosen.append(c)
    return chosen


def trim_conform(doc, clauses):
    out = copy.deepcopy(doc)
    out["tests"] = []
    for t in doc["tests"]:
        if t["clause"] in clauses:
            t = dict(t)
            t.pop("output", None)
            t["message"] = t.get("message", "")[:300]
            out["tests"].append(t)
    out["aliasing"] = out.get("aliasing", [])[:4]
    recount(out)
    return out


def recount(doc):
    statuses = ("PASS", "FAIL", "SKIP", "UNSUPPORTED", "UNRESOLVED", "CRASH", "TIMEOUT")
    doc["summary"] = {"total": len(doc["tests"])}
    for s in statuses:
        doc["summary"][s] = sum(1 for t in doc["tests"] if t["status"] == s)


def zarr_gpu(zarr_cpu):
    """Zarr-Python's gpu prototype on a machine where CuPy misbehaves: every status kind appears."""
    doc = copy.deepcopy(zarr_cpu)
    doc["impl"].update(spec="py:zarr.buffer.gpu:buffer_prototype", name="py:zarr.buffer.gpu:buffer_prototype",
                       description="zarr.buffer.gpu:buffer_prototype (hand-made fixture)",
                       capabilities=["CUDA", "ND", "THREAD_SAFE", "DLPACK"],
                       prototype={"buffer": "cuda", "nd_buffer": "cuda"})
    for k, t in enumerate(doc["tests"]):
        v = t["variant"]
        if v.startswith("cpu") or v.endswith("@cpu") or v == "cpu":
            t["status"], t["message"] = "UNSUPPORTED", "the implementation does not claim capability HOST"
        elif "cuda" in v and t["status"] == "UNSUPPORTED":
            t["status"], t["message"] = "PASS", ""
        if "-THREAD-" in t["clause"] and k % 3 == 0:
            t["status"], t["message"] = "TIMEOUT", "did not finish within 30 s (killed)"
        elif "-LIFE-" in t["clause"] and k % 4 == 1:
            t["status"], t["message"] = "CRASH", "killed by signal 11 (Segmentation fault)"
        elif "-SEM-" in t["clause"] and k % 5 == 2:
            t["status"], t["message"] = "UNRESOLVED", "set-up: cupy.cuda.runtime.CUDARuntimeError: out of memory"
        elif "-COPY-" in t["clause"] and k % 6 == 3:
            t["status"], t["message"] = "SKIP", "device_check(cuda_host): ENODEV: no pinned memory here"
        t["repro"] = t["repro"].replace("zarr.buffer.cpu", "zarr.buffer.gpu")
    recount(doc)
    return doc


def zarr_older(zarr_cpu):
    """The same prototype one minor version back (zarr 3.0 keeps it in zarr.core.buffer.cpu): a few statuses
    differ, one test is new in 3.1."""
    doc = copy.deepcopy(zarr_cpu)
    doc["impl"].update(spec="py:zarr.core.buffer.cpu:buffer_prototype",
                       name="py:zarr.core.buffer.cpu:buffer_prototype", version="zarr 3.0.10",
                       description="zarr.core.buffer.cpu:buffer_prototype (hand-made fixture)")
    passing = [t for t in doc["tests"] if t["status"] == "PASS"]
    for t in passing[1:4]:
        t["status"], t["message"] = "FAIL", "expected a view, seen a copy (hand-made 3.0 difference)"
    failing = [t for t in doc["tests"] if t["status"] == "FAIL" and "hand-made" not in t["message"]]
    for t in failing[:2]:
        t["status"], t["message"] = "PASS", ""
    doc["tests"] = doc["tests"][:-1]
    for t in doc["tests"]:
        t["repro"] = t["repro"].replace("zarr.buffer.cpu", "zarr.core.buffer.cpu")
    recount(doc)
    return doc


def trim_bench(doc, max_size=65536, ops=None):
    out = copy.deepcopy(doc)
    keep = []
    for r in doc["benchmarks"]:
        if r.get("run_type") == "aggregate" and r.get("aggregate_name") not in ("median", "mean"):
            continue
        size = r.get("size", 0)
        name = r["name"]
        if name.startswith("OP/"):
            op = name.split("/")[1]
            if ops is not None and op not in ops:
                continue
        elif size > max_size:
            continue
        keep.append(r)
    out["benchmarks"] = keep
    out["context"]["zbuf_bench_command"] += " (trimmed for reports/tests/fixtures)"
    return out


OPS = ("buffer_from_bytes", "buffer_to_bytes", "buffer_slice", "buffer_equal", "ndbuffer_from_host",
       "ndbuffer_astype[f8->f4]", "ndbuffer_all_equal", "ndbuffer_dlpack_round_trip", "ndbuffer_wrap+release")


def _row(name, size, seconds, rate=None, threads=1, baseline=None, manual=True, reps=1, error=None):
    """Rows of one run: `reps` iterations and the median and mean aggregates, in Google Benchmark's shape."""
    run_name = name + ("/manual_time" if manual else "/real_time") + ("/threads:%d" % threads if threads > 1 else "")
    rows = []
    for k in range(reps):
        jitter = 1 + 0.02 * (k - 0.5)
        r = {"name": run_name, "run_name": run_name, "run_type": "iteration", "repetitions": reps,
             "repetition_index": k, "threads": threads, "iterations": 100, "time_unit": "ns"}
        if error:
            r.update(error_occurred=True, error_message=error)
        else:
            r.update(real_time=seconds * 1e9 * jitter, cpu_time=seconds * 1e9 * jitter, size=float(size))
            if rate:
                r.update(bytes_per_second=rate / jitter, rw_bytes_per_second=2 * rate / jitter)
            if baseline:
                r.update(baseline_bytes_per_second=baseline, vs_baseline=rate / jitter / baseline)
        rows.append(r)
    if not error and reps > 1:
        for agg in ("median", "mean"):
            a = dict(rows[0])
            a.pop("repetition_index")
            a.update(name=run_name + "_" + agg, run_type="aggregate", aggregate_name=agg, aggregate_unit="time",
                     iterations=reps, real_time=seconds * 1e9, cpu_time=seconds * 1e9)
            if rate:
                a.update(bytes_per_second=rate, rw_bytes_per_second=2 * rate)
            if baseline:
                a.update(vs_baseline=rate / baseline)
            rows.append(a)
    return rows


def curve(size, peak, half):
    """A transfer rate that reaches `peak` bytes/s once the size is well past `half` bytes."""
    return peak * size / (size + half)


def gpu_bench(ref_cpu):
    """A GPU-like zbuf-bench result: an H100 on PCIe gen5 x16 in a two-socket machine, sizes 64 KiB to 256 MiB,
    near and far placement. The numbers are made up (shaped like a real run), not measured."""
    ctx = copy.deepcopy(ref_cpu["context"])
    ctx.update({
        "impl_spec": "ref:gpu", "impl_name": "zbuf-ref", "impl_version": "0.1.0",
        "impl_description": "zbuf reference, gpu prototype (hand-made fixture)", "impl_cuda": "yes",
        "impl_capabilities": "0x1ff", "impl_missing_ops": "", "cuda_devices": "1", "cuda_driver": "13.0",
        "cuda_runtime": "13.0", "cuda_note": "", "device_name": "NVIDIA H100 80GB HBM3 (fixture)",
        "gpu_pci": "0000:19:00.0", "gpu_near_node": "0", "gpu_thread_cpu": "2", "gpu_far_node": "1",
        "gpu_far_reason": "largest NUMA distance", "host_near_node": "0", "host_far_node": "1",
        "host_far_reason": "largest NUMA distance", "numa_nodes": "2", "numa_note": "",
        "pcie_link": "PCIe gen5 x16 (32 GT/s)", "pcie_ceiling_GBps": "63.015", "pcie_ceiling_from": "sysfs",
        "pcie_path_min_GBps": "63.015", "num_cpus": 64, "mhz_per_cpu": 3000, "host_name": "gpu-fixture",
        "load_avg": [0.5, 0.4, 0.3], "sizes": "65536,1048576,16777216,268435456", "op_sizes": "4096,16777216",
        "zbuf_bench_command": "zbuf-bench --impl ref:gpu (hand-made fixture)", "date": "2026-11-25T09:00:00+00:00",
    })
    rows = []
    sizes = [65536, 1 << 20, 16 << 20, 256 << 20]
    peaks = {("H2D", "pinned"): 55e9, ("D2H", "pinned"): 54e9, ("H2D", "pageable"): 22e9,
             ("D2H", "pageable"): 18e9, ("H2D", "registered"): 54.5e9, ("D2H", "registered"): 53.5e9,
             ("BIDIR", "pinned"): 100e9, ("BIDIR", "pageable"): 30e9}
    for size in sizes:
        d2d = curve(size, 1500e9, 4e6)
        rows += _row("D2D/cudaMemcpyAsync/device/device/%s" % _sz(size), size, size / d2d, d2d)
        nd = d2d * 0.93
        rows += _row("D2D/impl:ndbuffer_copy/device/device/%s" % _sz(size), size, size / nd, nd, baseline=d2d)
        for where, slow in (("near", 1.0), ("far", 0.8)):
            base = {}
            for (fam, mem), peak in peaks.items():
                r = curve(size, peak * slow, 400e3)
                base[(fam, mem)] = r
                rows += _row("%s/cudaMemcpyAsync/%s/%s/%s" % (fam, mem, where, _sz(size)), size, size / r, r,
                             threads=2 if fam == "BIDIR" else 1)
            for fam, op, mem, frac in (("H2D", "impl:buffer_from_buffer", "pageable", 0.9),
                                       ("H2D", "impl:buffer_from_buffer", "pinned", 0.97),
                                       ("H2D", "impl:buffer_from_buffer", "registered", 0.96),
                                       ("D2H", "impl:buffer_to_host", "pageable", 0.85),
                                       ("D2H", "impl:buffer_to_bytes", "pinned", 0.95),
                                       ("BIDIR", "impl:from_buffer+to_host", "pageable", 0.8)):
                b = base[(fam, mem)]
                r = b * frac * (1 - 0.3 * 65536 / size)
                name = "%s/%s/%s/%s/%s" % (fam, op, mem, where, _sz(size))
                if where == "far" and op == "impl:buffer_to_bytes" and size == sizes[-1]:
                    rows += _row(name, size, 0, error="impl:buffer_to_bytes: wrong copy: byte 4096 of 268435456 "
                                                      "is 0x00, expected 0x5a", threads=1)
                    continue
                rows += _row(name, size, size / r, r, baseline=b, threads=2 if fam == "BIDIR" else 1)
    ops = {"buffer_from_bytes": (9e-6, 0.0012), "buffer_to_bytes": (8e-6, 0.0011), "buffer_slice": (2e-7, 2e-7),
           "ndbuffer_astype[f8->f4]": (1.1e-5, 4e-5), "ndbuffer_copy": (9e-6, 3e-5),
           "ndbuffer_all_equal_scalar": (2e-5, 6e-5)}
    for op, (small, large) in ops.items():
        for size, t in ((4096, small), (16 << 20, large)):
            rows += _row("OP/%s/cuda/%s" % (op, _sz(size)), size, t, size / t if t > 1e-6 else None,
                         manual=False)
    return {"context": ctx, "benchmarks": rows}


def _sz(n):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return "%d%s" % (n // scale, unit)
    return "%dB" % n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref-conform", required=True)
    ap.add_argument("--zarr-conform", required=True)
    ap.add_argument("--ref-bench", required=True)
    ap.add_argument("--zarr-bench", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "fixtures"))
    opt = ap.parse_args()
    ref, zarr = load(opt.ref_conform), load(opt.zarr_conform)
    clauses = pick_clauses([ref, zarr])
    ref_t, zarr_t = trim_conform(ref, clauses), trim_conform(zarr, clauses)
    os.makedirs(opt.out, exist_ok=True)
    dump(ref_t, os.path.join(opt.out, "conform-ref-cpu.json"))
    dump(zarr_t, os.path.join(opt.out, "conform-zarr31-cpu.json"))
    dump(zarr_older(zarr_t), os.path.join(opt.out, "conform-zarr30-cpu.json"))
    dump(zarr_gpu(zarr_t), os.path.join(opt.out, "conform-zarr31-gpu.json"))
    ref_b = load(opt.ref_bench)
    dump(trim_bench(ref_b, ops=OPS), os.path.join(opt.out, "bench-ref-cpu.json"), None)
    dump(trim_bench(load(opt.zarr_bench), ops=OPS), os.path.join(opt.out, "bench-zarr31-cpu.json"), None)
    dump(gpu_bench(ref_b), os.path.join(opt.out, "bench-ref-gpu.json"), None)


if __name__ == "__main__":
    main()

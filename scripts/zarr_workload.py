#!/usr/bin/env python3
"""zarr_workload: a real Zarr workload on Zarr-Python's stock prototype and on zbuf's, timed side by side.

    zarr_workload.py [--kind cpu|gpu] [--size-mib 1024] [--chunk-mib 16] [--codec zstd|none] [--store memory|local]
                     [--repeat 5] [--dir DIR] [--json OUT] [--no-xarray]

1. An array of --size-mib MiB of float32 in square chunks of --chunk-mib MiB (1 GiB in 64 chunks of 16 MiB by
   default), with one codec pipeline (bytes, then zstd level 1; or bytes alone): written from one host array,
   then read back whole, --repeat times per prototype, the prototypes alternating. Each read is checked against
   what was written. Times are the median (the range in brackets); MiB/s counts the array's bytes. The store is
   in memory by default: a local store adds the disk's writeback, which swings a 1 GiB read by seconds.
2. An Xarray round trip (to_zarr, then open_zarr and load) of a small dataset with the same prototypes, checked
   with xarray's identical().
With --kind gpu the prototypes are Zarr's zarr.buffer.gpu (CuPy) and zbuf.zarr.gpu (needs CuPy and a GPU).
Prints a table and zbuf.zarr's counts of what zbuf and NumPy served; exit 1 when a read differs from what was
written or the zbuf runs used no zbuf buffer, 2 on bad arguments or a missing module.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings

PROTOTYPES = {
    "cpu": [("zarr.buffer.cpu", "zarr.buffer.cpu.Buffer", "zarr.buffer.cpu.NDBuffer"),
            ("zbuf.zarr.cpu", "zbuf.zarr.cpu.Buffer", "zbuf.zarr.cpu.NDBuffer")],
    "gpu": [("zarr.buffer.gpu", "zarr.buffer.gpu.Buffer", "zarr.buffer.gpu.NDBuffer"),
            ("zbuf.zarr.gpu", "zbuf.zarr.gpu.Buffer", "zbuf.zarr.gpu.NDBuffer")],
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=sorted(PROTOTYPES), default="cpu")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--chunk-mib", type=int, default=16)
    ap.add_argument("--codec", choices=("zstd", "none"), default="zstd")
    ap.add_argument("--store", choices=("memory", "local"), default="memory")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", help="where the local store goes (default: a temporary folder, removed after)")
    ap.add_argument("--json", help="write the figures here as JSON")
    ap.add_argument("--no-xarray", action="store_true", help="leave the Xarray round trip out")
    args = ap.parse_args()
    for name in ("size_mib", "chunk_mib", "repeat"):
        if getattr(args, name) <= 0:
            ap.error(f"--{name.replace('_', '-')} must be positive")
    if args.chunk_mib > args.size_mib:
        ap.error("--chunk-mib must not exceed --size-mib")
    return args


def square_side(mib):
    """The side of a square float32 array of about mib MiB, a multiple of 256."""
    side = int((mib * 2**20 / 4) ** 0.5)
    return max(256, side // 256 * 256)


def store_for(args, root, name):
    import zarr

    if args.store == "memory":
        return zarr.storage.MemoryStore()
    path = os.path.join(root, name)
    shutil.rmtree(path, ignore_errors=True)
    return zarr.storage.LocalStore(path)


def array_workload(args, root, data, chunk, prototypes):
    import numpy as np
    import zarr

    compressors = [zarr.codecs.ZstdCodec(level=1)] if args.codec == "zstd" else None
    timings = {name: {"write": [], "read": []} for name, _, _ in prototypes}
    for rep in range(args.repeat):
        order = prototypes if rep % 2 == 0 else prototypes[::-1]  # alternate, so neither always runs first
        for name, buffer, ndbuffer in order:
            with zarr.config.set({"buffer": buffer, "ndbuffer": ndbuffer}):
                store = store_for(args, root, f"array-{name}")
                t = time.perf_counter()
                a = zarr.create_array(store=store, shape=data.shape, chunks=(chunk, chunk), dtype=data.dtype,
                                      compressors=compressors)
                a[...] = data
                timings[name]["write"].append(time.perf_counter() - t)
                t = time.perf_counter()
                back = a[...]
                timings[name]["read"].append(time.perf_counter() - t)
                host = back.get() if hasattr(back, "get") else back
                if not np.array_equal(host, data):
                    raise AssertionError(f"{name}: the array read back differs from the one written")
                del back, host, a
    return timings


def xarray_workload(args, root, prototypes):
    import numpy as np
    import xarray as xr
    import zarr

    rng = np.random.default_rng(0)
    # The strings are there to take NumPy's path in zbuf.zarr; Zarr warns that their v3 encoding is unstable.
    warnings.filterwarnings("ignore", message="The data type .* does not have a Zarr V3 specification")
    ds = xr.Dataset(
        {"temperature": (("time", "lat", "lon"), rng.standard_normal((48, 90, 180), dtype="f4")),
         "count": (("time", "lat"), rng.integers(0, 1000, (48, 90), dtype="i4")),
         "station": (("lat",), np.array([f"s{i}" for i in range(90)]))},
        coords={"time": np.arange(48), "lat": np.linspace(-89, 89, 90), "lon": np.linspace(0, 358, 180)},
        attrs={"title": "zbuf round trip"})
    timings = {}
    for name, buffer, ndbuffer in prototypes:
        with zarr.config.set({"buffer": buffer, "ndbuffer": ndbuffer}):
            store = store_for(args, root, f"xarray-{name}")
            t = time.perf_counter()
            ds.to_zarr(store, mode="w", consolidated=False)
            back = xr.open_zarr(store, consolidated=False).load()
            timings[name] = time.perf_counter() - t
            if not back.identical(ds):
                raise AssertionError(f"{name}: the dataset read back is not identical to the one written")
    return timings, int(ds.nbytes)


def main():
    args = parse_args()
    try:
        import numpy as np
        import zarr

        import zbuf.zarr
    except ImportError as exc:
        print(f"zarr_workload: {exc}", file=sys.stderr)
        return 2
    prototypes = PROTOTYPES[args.kind]
    for _, _, ndbuffer in prototypes:  # registers zbuf's classes, imports CuPy for gpu: fail here, not midway
        __import__(ndbuffer.rsplit(".", 1)[0])
    side, chunk = square_side(args.size_mib), square_side(args.chunk_mib)
    data = np.random.default_rng(1).standard_normal((side, side), dtype="f4")
    data[:, ::3] = 0  # some runs of zeros, so zstd has work that is neither trivial nor hopeless
    mib = data.nbytes / 2**20
    chunks = (-(-side // chunk)) ** 2
    root = args.dir or tempfile.mkdtemp(prefix="zbuf-workload-")
    os.makedirs(root, exist_ok=True)
    print(f"zarr {zarr.__version__}, numpy {np.__version__}, {platform.machine()} {os.cpu_count()} CPUs; "
          f"{args.kind}: {side}x{side} float32 ({mib:.0f} MiB) in {chunks} chunks of {chunk}x{chunk} "
          f"({chunk * chunk * 4 / 2**20:.0f} MiB), codec {args.codec}, {args.store} store, "
          f"median of {args.repeat}", flush=True)
    zbuf.zarr.reset_stats()
    try:
        timings = array_workload(args, root, data, chunk, prototypes)
        xr_timings, xr_bytes = (None, 0) if args.no_xarray else xarray_workload(args, root, prototypes)
    except AssertionError as exc:
        print(f"zarr_workload: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.dir:
            shutil.rmtree(root, ignore_errors=True)
    served = zbuf.zarr.stats()

    stock, ours = (p[0] for p in prototypes)
    rows = {}
    print(f"\n{'step':<18}{stock:>32}{ours:>32}{'zbuf/stock':>12}")

    def cell(runs):
        m = statistics.median(runs)
        return f"{m:.3f} s [{min(runs):.2f}-{max(runs):.2f}] {mib / m:5.0f} MiB/s"

    for step in ("write", "read"):
        a, b = (statistics.median(timings[p][step]) for p in (stock, ours))
        rows[step] = {stock: a, ours: b}
        print(f"{'array ' + step:<18}{cell(timings[stock][step]):>32}{cell(timings[ours][step]):>32}{b / a:>11.2f}x")
    if xr_timings:
        a, b = xr_timings[stock], xr_timings[ours]
        rows["xarray round trip"] = {stock: a, ours: b}
        print(f"{'xarray round trip':<18}{f'{a:.3f} s':>32}{f'{b:.3f} s':>32}{b / a:>11.2f}x"
              f"   ({xr_bytes / 2**20:.1f} MiB dataset, identical() after open_zarr)")
    zbuf_calls, numpy_calls = sum(served["zbuf"].values()), sum(served["numpy"].values())
    print(f"\nzbuf.zarr served {zbuf_calls} buffer operations, NumPy {numpy_calls} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(served['numpy'].items())) or 'none'})")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"kind": args.kind, "shape": [side, side], "chunk": [chunk, chunk], "codec": args.codec,
                       "store": args.store, "repeat": args.repeat, "mib": mib, "median_s": rows,
                       "all_s": timings, "served": served, "zarr": zarr.__version__,
                       "machine": f"{platform.machine()} {os.cpu_count()} CPUs"}, f, indent=1)
    if zbuf_calls == 0:
        print("zarr_workload: zbuf served nothing: the zbuf runs did not use zbuf's prototype", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

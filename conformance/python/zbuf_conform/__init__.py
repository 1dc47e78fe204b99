"""zbuf-conform for Python projects: the zbuf conformance suite (the clause tests of Zarr-Python's buffer API)
run against any ``BufferPrototype`` inside your own interpreter and virtual environment.

    from zbuf_conform import check
    check("mypkg.buffers:prototype")                      # raises ConformanceError listing what failed
    check("zarr.buffer.cpu:buffer_prototype", expect="zarr-cpu.json")   # gate on recorded findings

The harness is the C program ``zbuf-conform`` bundled in this package; it never imports your module itself.
Its test processes are ``sys.executable`` (``ZBUF_CONFORM_PYTHON_WORKER``), which load the harness library with
ctypes and your prototype through the hosted Python adapter. The pytest plugin (``pytest --zbuf-impl``) and the
``zbuf-conform`` console script use the same pieces.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

__version__ = "1.0.0"
__all__ = ["check", "run", "Results", "ConformanceError", "executable", "data_dir", "harness_env",
           "impl_spec", "BAD_STATUSES"]

_HERE = Path(__file__).resolve().parent
#: Statuses that fail a run without an expectations file.
BAD_STATUSES = frozenset({"FAIL", "CRASH", "TIMEOUT", "UNRESOLVED"})


def executable() -> Path:
    """The bundled C harness (``zbuf_conform/_lib/zbuf-conform``)."""
    exe = _HERE / "_lib" / "zbuf-conform"
    if not exe.is_file():
        raise FileNotFoundError(f"{exe} is missing: this zbuf_conform is not an installed wheel (pip install .)")
    return exe


def data_dir() -> Path:
    """The contract data shipped with the package: ``contract/`` (CONTRACT.md, vectors/) and ``expectations/``."""
    return _HERE / "data"


def harness_env(base: Optional[dict] = None, sys_path: Optional[Sequence[str]] = None) -> dict:
    """The environment the harness needs: test processes are this interpreter, vectors from the package.

    ``sys_path`` (default: none) is prepended to ``sys.path`` in the test processes, e.g. the caller's own, so
    that a module importable here is importable there."""
    env = dict(os.environ if base is None else base)
    env["ZBUF_CONFORM_PYTHON_WORKER"] = sys.executable
    env.setdefault("ZBUF_CONFORM_VECTORS", str(data_dir() / "contract" / "vectors"))
    if sys_path:
        env["ZBUF_CONFORM_SYS_PATH"] = os.pathsep.join(os.path.abspath(p) if p else os.getcwd()
                                                       for p in sys_path)
    return env


def impl_spec(target: str) -> str:
    """``MODULE:ATTR`` becomes ``py:MODULE:ATTR``; ``py:``, ``ref:`` and ``lib:`` specs are kept as they are."""
    if target.startswith(("py:", "ref:", "lib:")) or target == "ref":
        return target
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr or ":" in attr:
        raise ValueError(f"implementation {target!r}: expected MODULE:ATTR (e.g. zarr.buffer.cpu:buffer_prototype)"
                         f" or a zbuf-conform spec (py:..., ref:cpu, lib:PATH)")
    return "py:" + target


class ConformanceError(AssertionError):
    """The implementation did not conform (or, with ``expect``, differed from its expectations)."""


@dataclass
class Results:
    """One run of the suite: the harness's JSON report (schema zbuf-conform/1) and how it ended."""

    returncode: int
    report: dict
    stdout: str
    stderr: str
    command: list = field(default_factory=list)

    @property
    def tests(self) -> list:
        return self.report.get("tests", [])

    @property
    def summary(self) -> dict:
        return self.report.get("summary", {})

    @property
    def load_error(self) -> Optional[str]:
        return self.report.get("load_error")

    def status(self, test_id: str) -> Optional[str]:
        return self.by_id().get(test_id, {}).get("status")

    def by_id(self) -> dict:
        return {t["id"]: t for t in self.tests}

    def failures(self) -> list:
        return [t for t in self.tests if t["status"] in BAD_STATUSES]

    def expectation_differences(self) -> list:
        """With ``expect``: the harness's FIX / REGRESSION / CHANGED / NEW / UNMATCHED lines."""
        keys = ("FIX ", "REGRESSION ", "CHANGED ", "NEW ", "UNMATCHED ")
        return [line for line in self.stdout.splitlines() if line.startswith(keys)]


def run(impl: str, *, expect: Optional[str] = None, jobs: Optional[int] = None, filters: Iterable[str] = (),
        timeout: Optional[float] = None, args: Sequence[str] = (), json_path: Optional[str] = None,
        sys_path: Optional[Sequence[str]] = None) -> Results:
    """Runs the suite on ``impl`` (``MODULE:ATTR`` or a zbuf-conform spec) and returns its results.

    ``filters`` are ``--filter`` globs, ``args`` further zbuf-conform options. ``sys_path`` defaults to this
    interpreter's ``sys.path``, so that the test processes import what this one can."""
    spec = impl_spec(impl)
    keep = json_path is not None
    if json_path is None:
        fd, json_path = tempfile.mkstemp(prefix="zbuf-conform-", suffix=".json")
        os.close(fd)
        os.unlink(json_path)
    # argv[0] "zbuf-conform": the repro lines then name the console script, not the bundled binary.
    cmd = ["zbuf-conform", "--impl", spec, "--quiet", "--json", str(json_path)]
    if expect:
        cmd += ["--expect", str(expect)]
    if jobs:
        cmd += ["--jobs", str(int(jobs))]
    if timeout:
        cmd += ["--timeout", str(timeout)]
    for f in filters:
        cmd += ["--filter", f]
    cmd += list(args)
    env = harness_env(sys_path=sys.path if sys_path is None else sys_path)
    proc = subprocess.run(cmd, executable=str(executable()), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, errors="replace")
    try:
        with open(json_path, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as exc:
        raise ConformanceError(f"zbuf-conform wrote no readable report (exit {proc.returncode}): {exc}\n"
                               f"command: {' '.join(cmd)}\n{proc.stderr[-4000:]}") from None
    finally:
        if not keep and os.path.exists(json_path):
            os.unlink(json_path)
    return Results(proc.returncode, report, proc.stdout, proc.stderr, cmd)


def check(impl: str, *, expect: Optional[str] = None, jobs: Optional[int] = None, filters: Iterable[str] = (),
          timeout: Optional[float] = None, args: Sequence[str] = ()) -> Results:
    """Runs the suite and raises ConformanceError unless it passed: without ``expect``, no test may FAIL,
    CRASH, TIMEOUT or be UNRESOLVED; with ``expect`` (a zbuf-expect/1 file), every status must be the recorded
    one. Returns the Results otherwise."""
    r = run(impl, expect=expect, jobs=jobs, filters=filters, timeout=timeout, args=args)
    if r.load_error:
        raise ConformanceError(f"{impl}: the implementation did not start ({r.report.get('load_status')}): "
                               f"{r.load_error}")
    if r.returncode == 0:
        return r
    if expect:
        lines = r.expectation_differences() or r.stderr.strip().splitlines()[-5:]
        raise ConformanceError(f"{impl}: {len(lines)} difference(s) from {expect}:\n" + "\n".join(lines))
    bad = r.failures()
    if not bad:
        raise ConformanceError(f"{impl}: zbuf-conform exited {r.returncode}:\n{r.stderr[-4000:]}")
    text = "\n".join(f"{t['status']} {t['id']}: {t['message'].splitlines()[0] if t['message'] else ''}\n"
                     f"    repro: {t.get('repro', '')}" for t in bad[:50])
    more = f"\n... and {len(bad) - 50} more" if len(bad) > 50 else ""
    raise ConformanceError(f"{impl}: {len(bad)} of {len(r.tests)} tests did not pass:\n{text}{more}")

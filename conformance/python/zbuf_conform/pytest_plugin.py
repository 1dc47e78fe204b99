"""pytest plugin: ``pytest --zbuf-impl MODULE:ATTR [--zbuf-expect FILE] [--zbuf-jobs N]``.

One pytest item per conformance test ID (``zbuf-conform::BUF-COPY-001[cpu]``), so ``-k``, ``--deselect``, ``-x``
and ``--junitxml`` work as for any test. The C harness runs the selected tests once per session (once per run
under pytest-xdist: the first worker to need results runs it, the others read its report) and each item
reports its test's result:

* PASS passes; SKIP and UNSUPPORTED are pytest skips with the harness's reason;
* FAIL, CRASH, TIMEOUT, UNRESOLVED fail the item with the expected/seen text and the one-line repro;
* with ``--zbuf-expect FILE``, a failing status the file records is ``xfail(strict=True)`` with the recorded
  reason (a fix shows as XPASS and fails the run until the file is updated), and any other status that differs
  from the recorded one fails the item, as ``zbuf-conform --expect`` would.
"""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from . import BAD_STATUSES, data_dir, executable, harness_env, impl_spec
from .expectations import Expectations

NODE = "zbuf-conform"


def pytest_addoption(parser):
    g = parser.getgroup("zbuf", "zbuf conformance suite (zbuf-conform)")
    g.addoption("--zbuf-impl", metavar="MODULE:ATTR",
                help="run the zbuf conformance suite on this BufferPrototype (or a zbuf-conform spec: py:..., "
                     "ref:cpu, lib:PATH): one item per test ID")
    g.addoption("--zbuf-expect", metavar="FILE",
                help="expectations file (zbuf-expect/1): recorded failures are xfail(strict=True), other "
                     "differences fail")
    g.addoption("--zbuf-jobs", metavar="N", type=int, default=None,
                help="worker processes of the harness (default: its own, the CPUs up to 8)")
    g.addoption("--zbuf-timeout", metavar="S", type=float, default=None,
                help="per-test limit in seconds (harness default 30)")
    g.addoption("--zbuf-write-expect", metavar="FILE",
                help="also write the observed statuses as an expectations file (to start one)")
    g.addoption("--zbuf-json", metavar="FILE", help="keep the harness's JSON report here")


def pytest_configure(config):
    config.addinivalue_line("markers", "zbuf_conform: a zbuf conformance test (added by the zbuf plugin)")


class ZbufFinding(Exception):
    """The harness reported a failing status for the test (what an xfail expectation covers)."""


class ZbufMismatch(Exception):
    """With --zbuf-expect: a status other than the recorded one (never covered by xfail)."""


class ZbufSuite(pytest.Collector):
    """The suite's items, which share one harness run."""

    def __init__(self, *, tests, spec, **kw):
        super().__init__(**kw)
        self.tests = tests
        self.spec = spec
        self.report = None

    def collect(self):
        return [ZbufItem.from_parent(self, name=tid, clause=clause) for tid, clause in self.tests]


class ZbufItem(pytest.Item):
    def __init__(self, *, clause, **kw):
        super().__init__(**kw)
        self.test_id = self.name
        self.clause = clause
        self.add_marker(pytest.mark.zbuf_conform)
        self.keywords[clause] = True

    def runtest(self):
        state = self.config.stash[_STATE]
        report = state.results(self.session)
        if report.get("_error"):
            raise ZbufMismatch(report["_error"])
        t = report["by_id"].get(self.test_id)
        if t is None:
            raise ZbufMismatch(f"the harness reported no result for {self.test_id} (see {state.log_path})")
        status, message = t["status"], t.get("message") or ""
        exp = state.expect.lookup(self.test_id) if state.expect else None
        text = _describe(t)
        fixed = exp is not None and exp.status in BAD_STATUSES and status == "PASS"  # XPASS, by its marker
        if exp is not None and not exp.accepts(status) and not fixed:
            raise ZbufMismatch(f"expected {exp.status}" + (f" ({exp.reason})" if exp.reason else "") +
                               f", now {status} ({state.expect.path}; refresh it with --zbuf-write-expect)\n"
                               + text)
        if status in BAD_STATUSES:
            raise ZbufFinding(text)
        if status in ("SKIP", "UNSUPPORTED"):
            first = message.splitlines()[0] if message else ""
            pytest.skip(f"{'UNSUPPORTED: ' if status == 'UNSUPPORTED' else ''}{first}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, (ZbufFinding, ZbufMismatch)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{NODE}: {self.test_id}"


def _describe(t: dict) -> str:
    lines = [f"{t['status']} {t['id']}", t.get("message") or ""]
    if t.get("output"):
        lines += ["output|" + line for line in t["output"].rstrip().splitlines()[-20:]]
    if t.get("order_dependent"):
        lines.append(f"order-dependent: {t['shared_run']['status']} in a shared worker, {t['status']} alone")
    if t.get("repro"):
        lines.append("repro: " + t["repro"])
    return "\n".join(x for x in lines if x)


class _State:
    """Per pytest process: the options, the expectations, and the harness's results once read."""

    def __init__(self, config):
        self.config = config
        self.spec = impl_spec(config.getoption("zbuf_impl"))
        path = config.getoption("zbuf_expect")
        self.expect = Expectations(path) if path else None
        self.report = None
        # One harness run per pytest run, shared by the xdist workers through a locked directory.
        workerinput = getattr(config, "workerinput", None)
        if workerinput is not None:
            self.shared = Path(tempfile.gettempdir()) / f"zbuf-conform-{workerinput['testrunuid']}"
        else:
            self.shared = Path(tempfile.mkdtemp(prefix="zbuf-conform-"))
        self.shared.mkdir(exist_ok=True)
        self.log_path = self.shared / "harness.log"

    def list_tests(self):
        out = subprocess.run(["zbuf-conform", "--list"], executable=str(executable()), env=harness_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if out.returncode != 0:
            raise pytest.UsageError(f"zbuf-conform --list failed (exit {out.returncode}): {out.stderr.strip()}")
        return [tuple(line.split("\t", 1)) for line in out.stdout.splitlines() if "\t" in line]

    def results(self, session):
        if self.report is None:
            with open(self.shared / "lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                json_path = self.shared / "results.json"
                if not json_path.exists() and not (self.shared / "error.txt").exists():
                    self._run_harness(session, json_path)
                self.report = self._read(json_path)
        return self.report

    def _run_harness(self, session, json_path):
        opt = self.config.getoption
        ours = [i.test_id for i in session.items if isinstance(i, ZbufItem)]
        total = len(self.config.stash[_TESTS])
        # argv[0] "zbuf-conform": the repro lines then name the console script, not the bundled binary.
        cmd = ["zbuf-conform", "--impl", self.spec, "--quiet", "--json", str(json_path)]
        if opt("zbuf_jobs"):
            cmd += ["--jobs", str(opt("zbuf_jobs"))]
        if opt("zbuf_timeout"):
            cmd += ["--timeout", str(opt("zbuf_timeout"))]
        if opt("zbuf_write_expect"):
            cmd += ["--write-expect", str(Path(opt("zbuf_write_expect")).resolve())]
        if len(ours) < total:  # -k / --deselect left some out: run only the rest
            for tid in ours:
                cmd += ["--filter", tid]
        env = harness_env(sys_path=sys.path)
        with open(self.log_path, "w") as log:
            log.write("$ " + " ".join(cmd) + "\n")
            log.flush()
            rc = subprocess.run(cmd, executable=str(executable()), env=env, stdout=log,
                                stderr=subprocess.STDOUT).returncode
        if not json_path.exists():
            (self.shared / "error.txt").write_text(
                f"zbuf-conform exited {rc} without a report; its output: {self.log_path}\n"
                + self.log_path.read_text(errors="replace")[-4000:])
        if opt("zbuf_json") and json_path.exists():
            Path(opt("zbuf_json")).write_bytes(json_path.read_bytes())

    def _read(self, json_path):
        err = self.shared / "error.txt"
        if err.exists():
            return {"_error": err.read_text()}
        report = json.loads(json_path.read_text())
        if report.get("load_error"):
            return {"_error": f"{self.spec}: the implementation did not start ({report.get('load_status')}): "
                              f"{report['load_error']}\n(harness output: {self.log_path})"}
        report["by_id"] = {t["id"]: t for t in report.get("tests", [])}
        return report


_STATE = pytest.StashKey[_State]()
_TESTS = pytest.StashKey[list]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    config = session.config
    if not config.getoption("zbuf_impl"):
        return
    try:
        state = _State(config)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_STATE] = state
    config.stash[_TESTS] = state.list_tests()


# tryfirst: the suite's items join before pytest's own selection (-k, -m, --deselect) runs on all items.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    if _STATE not in config.stash:
        return
    state = config.stash[_STATE]
    suite = ZbufSuite.from_parent(session, name=NODE, nodeid=NODE, path=data_dir() / "contract" / "CONTRACT.md",
                                  tests=config.stash[_TESTS], spec=state.spec)
    new = suite.collect()
    for item in new:
        exp = state.expect.lookup(item.test_id) if state.expect else None
        if exp is not None and exp.status in BAD_STATUSES:
            # A recorded finding: expected to fail, and a fix is an XPASS. A timing-dependent one (its "also"
            # lists PASS) may pass, so it is not strict.
            reason = f"{exp.status} recorded in {state.expect.path}" + (f": {exp.reason}" if exp.reason else "")
            item.add_marker(pytest.mark.xfail(strict="PASS" not in exp.also, reason=reason, raises=ZbufFinding))
    items.extend(new)

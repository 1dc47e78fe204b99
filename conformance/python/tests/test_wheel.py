"""Tests of the installed zbuf_conform package (run with the pytest of the venv the wheel is installed in, by
scripts/wheel-check): the pytest plugin's items, statuses, expectations, selection options and errors, the
check() API and the console script. Fast cases use the reference (ref:cpu); Zarr's where its findings matter
(skipped when zarr is not installed)."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import zbuf_conform
from zbuf_conform import ConformanceError, check

ZARR = "zarr.buffer.cpu:buffer_prototype"
# The console script of the venv under test (its bin/ need not be on PATH).
SCRIPT = str(Path(sys.executable).with_name("zbuf-conform"))
EXPECT = zbuf_conform.data_dir() / "expectations"
needs_zarr = pytest.mark.skipif(subprocess.run([sys.executable, "-c", "import zarr.buffer.cpu"]).returncode != 0,
                                reason="zarr is not installed in this venv")


def pytest_run(tmp_path, *args):
    """Runs pytest (this venv's) with the plugin in an empty folder; returns (exit code, output, junit root)."""
    junit = tmp_path / "junit.xml"
    p = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEX",
                        f"--junitxml={junit}", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    root = ET.parse(junit).getroot() if junit.exists() else None
    return p.returncode, p.stdout, root


def cases(root):
    out = {}
    for tc in root.iter("testcase"):
        kinds = [c.tag for c in tc]
        out[tc.get("name")] = kinds[0] if kinds else "passed"
    return out


def n_tests():
    out = subprocess.run([SCRIPT, "--list"], stdout=subprocess.PIPE, text=True, check=True).stdout
    return len(out.splitlines())


def test_ref_cpu_every_test_id_is_an_item(tmp_path):
    rc, out, root = pytest_run(tmp_path, "--zbuf-impl", "ref:cpu", "--zbuf-expect", str(EXPECT / "ref-cpu.json"))
    assert rc == 0, out
    got = cases(root)
    assert len(got) == n_tests() > 1000
    assert got["BUF-COPY-001[cpu]"] == "passed"
    assert got["BUF-COPY-001[cuda]"] == "skipped"


def test_selection_k_deselect_and_x(tmp_path):
    rc, out, root = pytest_run(tmp_path, "--zbuf-impl", "ref:cpu", "-k", "BUF-COPY-001 or BUF-SEM-003",
                               "--deselect", "zbuf-conform::BUF-COPY-001[cuda]")
    assert rc == 0, out
    got = cases(root)
    assert "BUF-COPY-001[cuda]" not in got and "BUF-COPY-001[cpu]" in got
    assert all(k.startswith(("BUF-COPY-001", "BUF-SEM-003")) for k in got), got


@needs_zarr
def test_zarr_findings_fail_with_text_and_repro(tmp_path):
    rc, out, root = pytest_run(tmp_path, "--zbuf-impl", ZARR, "-k", "CONV-ERR-005", "-x")
    assert rc == 1, out
    assert "expected ETYPE, seen EINTERNAL" in out
    assert "repro: zbuf-conform --impl 'py:zarr.buffer.cpu:buffer_prototype' --filter 'CONV-ERR-005[" in out
    assert "1 failed" in out  # -x: the first failure stops the session


@needs_zarr
def test_zarr_recorded_findings_are_strict_xfails(tmp_path):
    rc, out, root = pytest_run(tmp_path, "--zbuf-impl", ZARR, "--zbuf-expect", str(EXPECT / "py-zarr3.1-cpu.json"),
                               "-n", "2")
    assert rc == 0, out
    got = cases(root)
    assert len(got) == n_tests()
    assert got["CONV-ERR-005[opaque]"] == "skipped"  # JUnit writes an xfail as skipped
    assert " xfailed" in out


def edited_expectations(tmp_path, changes):
    doc = json.loads((EXPECT / "py-zarr3.1-cpu.json").read_text())
    doc["tests"].update(changes)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    return path


@needs_zarr
def test_a_fix_is_xpass_strict_and_a_new_failure_fails(tmp_path):
    # Recorded as a finding but passing now: XPASS(strict) fails; recorded PASS but failing now: fails.
    path = edited_expectations(tmp_path, {"BUF-COPY-001[cpu]": {"status": "FAIL", "reason": "planted"},
                                          "CONV-ERR-005[opaque]": "PASS"})
    rc, out, _ = pytest_run(tmp_path, "--zbuf-impl", ZARR, "--zbuf-expect", str(path),
                            "-k", "BUF-COPY-001 or CONV-ERR-005")
    assert rc == 1, out
    assert "[XPASS(strict)] FAIL recorded in" in out and "planted" in out
    assert "expected PASS, now FAIL" in out
    assert "2 failed" in out, out


def test_bad_input_is_a_clear_error(tmp_path):
    rc, out, _ = pytest_run(tmp_path, "--zbuf-impl", "no-colon-here")
    assert rc == 4 and "expected MODULE:ATTR" in out, out
    (tmp_path / "bad.json").write_text('{"schema": "nope"}')
    rc, out, _ = pytest_run(tmp_path, "--zbuf-impl", "ref:cpu", "--zbuf-expect", str(tmp_path / "bad.json"))
    assert rc == 4 and "not a zbuf-expect/1 file" in out, out


def test_an_implementation_that_does_not_start_fails_every_item(tmp_path):
    rc, out, root = pytest_run(tmp_path, "--zbuf-impl", "no_such_module_zbuf:proto", "-k", "BUF-SEM-003")
    assert rc == 1, out
    assert "did not start" in out and "No module named 'no_such_module_zbuf'" in out, out
    assert set(cases(root).values()) == {"failure"}


def test_a_users_module_is_found_from_the_test_folder(tmp_path):
    # A prototype defined in the user's own tree (importable from pytest's rootdir, not installed).
    (tmp_path / "myproto.py").write_text("from zarr.buffer.cpu import buffer_prototype as prototype\n")
    if subprocess.run([sys.executable, "-c", "import zarr.buffer.cpu"]).returncode != 0:
        pytest.skip("zarr is not installed in this venv")
    (tmp_path / "conftest.py").write_text("")
    rc, out, root = pytest_run(tmp_path, "--zbuf-impl", "myproto:prototype", "-k", "BUF-SEM-003")
    assert rc == 0, out
    assert set(cases(root).values()) == {"passed", "skipped"}  # the cuda variants are UNSUPPORTED


def test_check_api(tmp_path):
    r = check("ref:cpu", filters=["BUF-COPY-*"])
    assert r.summary["FAIL"] == 0 and r.status("BUF-COPY-001[cpu]") == "PASS"
    with pytest.raises(ConformanceError, match="did not start"):
        check("no_such_module_zbuf:proto", filters=["BUF-SEM-003"])
    with pytest.raises(ValueError, match="MODULE:ATTR"):
        check("nonsense")


@needs_zarr
def test_check_api_on_zarr():
    with pytest.raises(ConformanceError, match=r"CONV-ERR-005\[opaque\]"):
        check(ZARR, filters=["CONV-ERR-*"])
    check(ZARR, expect=str(EXPECT / "py-zarr3.1-cpu.json"), filters=["CONV-ERR-*"])


def test_console_script_same_flags_and_exit_codes(tmp_path):
    def run(*args):
        return subprocess.run([SCRIPT, *args], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    assert run("--version").stdout.startswith("zbuf-conform 1.0.0")
    assert run("--impl", "nope").returncode == 2
    p = run("--impl", "ref:cpu", "--filter", "BUF-COPY-00*", "--quiet", "--json", "r.json")
    assert p.returncode == 0 and "0 FAIL" in p.stdout
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["FAIL"] == 0
    p = run("diff", "r.json", "r.json")
    assert p.returncode == 0 and "same statuses" in p.stdout

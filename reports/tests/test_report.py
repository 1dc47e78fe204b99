"""The report, built from the fixtures of reports/tests/fixtures/ (see its README): every expected file exists,
the PNGs are real images of the size the report says, the HTML references only files that exist, and bad input
gives one clear line and exit status 2.

Run by CTest (label `report`), or by hand from reports/: python3 -m unittest discover -s tests -v
"""

import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPORTS = os.path.dirname(HERE)
FIXTURES = os.path.join(HERE, "fixtures")
BAD = os.path.join(FIXTURES, "bad")
SCRIPT = os.environ.get("ZBUF_REPORT_SCRIPT", os.path.join(REPORTS, "..", "scripts", "report"))

sys.path.insert(0, REPORTS)
os.environ.setdefault("MPLBACKEND", "Agg")

from zbuf_report import history, load, matrix, migration, style, throughput  # noqa: E402


def run_report(*args):
    """Runs the package as scripts/report does; (exit status, stdout, stderr)."""
    env = dict(os.environ, PYTHONPATH=REPORTS + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "zbuf_report"] + list(args), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def png_size(path):
    """(width, height) from the PNG signature and IHDR chunk; fails on anything else."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise AssertionError("%s is not a PNG file" % path)
    return struct.unpack(">II", head[16:24])


class Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key) is not None:
                self.refs.append((tag, key, a[key]))
        if "id" in a:
            self.ids.add(a["id"])


class BuildFromFixtures(unittest.TestCase):
    """One report from every fixture, checked file by file."""

    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="zbuf-report-test-")
        cls.rc, cls.stdout, cls.stderr = run_report("--in", FIXTURES, "--out", cls.out)
        with open(os.path.join(cls.out, "report.json")) as f:
            cls.manifest = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def read(self, name):
        with open(os.path.join(self.out, name), encoding="utf-8") as f:
            return f.read()

    def test_exit_status_and_where_the_report_is(self):
        self.assertEqual(self.rc, 0, self.stderr)
        self.assertEqual(self.stdout.strip(), os.path.join(self.out, "index.html"))

    def test_every_expected_file_exists(self):
        expected = ["index.html", "summary.md", "report.json", "conformance-matrix.png", "latency-cpu.png",
                    "latency-cuda.png", "throughput-bench-ref-cpu-host.png", "throughput-bench-zarr31-cpu-host.png",
                    "throughput-bench-ref-gpu-pageable.png", "throughput-bench-ref-gpu-pinned.png",
                    "throughput-bench-ref-gpu-registered.png", "throughput-bench-ref-gpu-device.png",
                    "migration-conform-zarr30-cpu-vs-conform-zarr31-cpu.png"]
        for name in expected:
            path = os.path.join(self.out, name)
            self.assertTrue(os.path.isfile(path) and os.path.getsize(path) > 0, name)
        self.assertEqual(sorted(i["file"] for i in self.manifest["images"]),
                         sorted(n for n in expected if n.endswith(".png")))

    def test_pngs_are_images_of_the_size_recorded(self):
        import matplotlib.image

        for img in self.manifest["images"]:
            path = os.path.join(self.out, img["file"])
            self.assertEqual(png_size(path), (img["width"], img["height"]), img["file"])
            pixels = matplotlib.image.imread(path)
            self.assertEqual(pixels.shape[:2], (img["height"], img["width"]), img["file"])
            self.assertGreater(pixels.std(), 0.01, "%s is blank" % img["file"])
            self.assertTrue(300 <= img["width"] <= 4000 and 200 <= img["height"] <= 4000, img)

    def test_near_and_far_are_side_by_side(self):
        sizes = {i["file"]: (i["width"], i["height"]) for i in self.manifest["images"]}
        one = round((throughput.PANEL_W + 0.4) * style.DPI)
        two = round((2 * throughput.PANEL_W + 0.4) * style.DPI)
        self.assertEqual(sizes["throughput-bench-ref-gpu-pinned.png"][0], two)
        self.assertEqual(sizes["throughput-bench-ref-gpu-device.png"][0], one)
        self.assertEqual(sizes["throughput-bench-ref-cpu-host.png"][0], one)

    def test_html_references_only_files_that_exist(self):
        parser = Refs()
        parser.feed(self.read("index.html"))
        srcs = [r for r in parser.refs if r[1] == "src"]
        self.assertEqual(len(srcs), len(self.manifest["images"]))
        for tag, key, ref in parser.refs:
            self.assertNotRegex(ref, r"^[a-z]+://", "index.html must not reach outside its folder")
            if ref.startswith("#"):
                self.assertIn(ref[1:], parser.ids, ref)
            else:
                self.assertTrue(os.path.isfile(os.path.join(self.out, ref)), "%s %s=%s" % (tag, key, ref))
        self.assertNotIn("<script", self.read("index.html"))

    def test_markdown_images_exist(self):
        refs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", self.read("summary.md"))
        self.assertEqual(len(refs), len(self.manifest["images"]))
        for ref in refs:
            self.assertTrue(os.path.isfile(os.path.join(self.out, ref)), ref)

    def test_summary_has_machine_versions_headlines_and_non_pass_clauses(self):
        for name in ("index.html", "summary.md"):
            text = self.read(name)
            self.assertIn("NVIDIA H100 80GB HBM3 (fixture)", text)  # the GPU bench's device
            self.assertIn("PCIe gen5 x16", text)
            self.assertIn("zbuf-conform harness 1.0.0", text)
            self.assertIn("x PCIe link", text)  # headline ratios to the link ceiling
            self.assertIn("CONV-ERR-003", text)  # a clause the reference fails, with its reason
            self.assertIn("is not a known memory space", text)
            self.assertIn("REGRESSION", text)  # the migration table
            self.assertIn("FIX", text)

    def test_ignored_file_gets_a_note(self):
        self.assertIn("expect-example.json: schema zbuf-expect/1 is not a result this report reads: ignored",
                      self.stderr)


class Model(unittest.TestCase):
    """The numbers behind the plots."""

    def setUp(self):
        notes = []
        self.conform, self.bench = load.load_dir(FIXTURES, notes)

    def by_spec(self, spec):
        return [r for r in self.conform if r.spec == spec][0]

    def test_worst_status_wins_with_its_count(self):
        ref = self.by_spec("ref:cpu")
        clauses, cells = matrix.build([ref])
        cell = cells["CONV-ERR-003"][0]
        self.assertEqual((cell.status, cell.count, cell.total), ("FAIL", 18, 18))
        passing = [c for c in clauses if cells[c][0].status == "PASS" and cells[c][0].count < cells[c][0].total]
        self.assertTrue(passing, "a clause that passes on cpu and is unsupported elsewhere is PASS")

    def test_ranking(self):
        self.assertEqual(style.worst(["PASS", "UNSUPPORTED", "FAIL", "CRASH"]), "CRASH")
        self.assertEqual(style.worst(["PASS", "UNSUPPORTED", "SKIP"]), "PASS")
        self.assertEqual(style.worst(["UNSUPPORTED", "SKIP"]), "SKIP")

    def test_clauses_in_contract_order(self):
        clauses, _ = matrix.build(self.conform)
        areas = [style.clause_area(c) for c in clauses]
        self.assertEqual(sorted(set(areas), key=areas.index), list(style.AREAS))

    def test_migration_pairs_same_kind_different_versions(self):
        pairs = migration.pairs(self.conform)
        self.assertEqual([(a.spec, b.spec) for a, b in pairs],
                         [("py:zarr.core.buffer.cpu:buffer_prototype", "py:zarr.buffer.cpu:buffer_prototype")])
        kinds = sorted(c.kind for c in migration.diff(*pairs[0]))
        self.assertEqual(kinds.count("FIX"), 3)
        self.assertEqual(kinds.count("REGRESSION"), 2)
        self.assertEqual(kinds.count("ONLY-B"), 1)

    def test_gpu_ceilings(self):
        gpu = [b for b in self.bench if b.spec == "ref:gpu"][0]
        self.assertAlmostEqual(gpu.pcie_ceiling, 63.015e9)
        labels = [c[0] for c in throughput.ceilings(gpu, "pinned", "near")]
        self.assertIn("PCIe gen5 x16 link, per direction", labels)
        self.assertIn("best pinned cudaMemcpy H2D", labels)
        self.assertIn("best pinned cudaMemcpy D2H", labels)
        self.assertEqual([p for m, p in throughput.figures(gpu) if m == "pinned"], [["near", "far"]])


class BadInput(unittest.TestCase):
    """A malformed or truncated file: one line naming it, exit status 2, no traceback."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zbuf-report-bad-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def check(self, fixture, message):
        shutil.copy(os.path.join(BAD, fixture), self.dir)
        rc, out, err = run_report("--in", self.dir, "--out", os.path.join(self.dir, "out"))
        path = os.path.join(self.dir, fixture)
        self.assertEqual(rc, 2, err)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith("report: error: %s: " % path), err)
        self.assertIn(message, err)
        self.assertNotIn("Traceback", err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "out", "index.html")))

    def test_malformed(self):
        self.check("malformed.json", "malformed JSON at line 3 column")

    def test_truncated(self):
        self.check("truncated.json", "truncated JSON")

    def test_result_without_tests(self):
        self.check("no-tests.json", 'zbuf-conform/1 result without a "tests" array')

    def test_explicit_diff_of_a_truncated_file(self):
        bad = os.path.join(BAD, "truncated.json")
        rc, _, err = run_report("--in", FIXTURES, "--out", os.path.join(self.dir, "out"), "--diff", bad,
                                os.path.join(FIXTURES, "conform-ref-cpu.json"))
        self.assertEqual(rc, 2)
        self.assertIn("report: error: %s: truncated JSON" % bad, err)

    def test_empty_folder(self):
        rc, _, err = run_report("--in", self.dir, "--out", os.path.join(self.dir, "out"))
        self.assertEqual(rc, 2)
        self.assertIn("no zbuf-conform or zbuf-bench result", err)


class Script(unittest.TestCase):
    """scripts/report, the POSIX sh wrapper."""

    def test_help(self):
        if not os.path.exists(SCRIPT):
            self.skipTest("no scripts/report next to reports/")
        p = subprocess.run(["sh", SCRIPT, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("--in DIR", p.stdout)
        self.assertIn("--diff", p.stdout)

    def test_explicit_diff(self):
        if not os.path.exists(SCRIPT):
            self.skipTest("no scripts/report next to reports/")
        out = tempfile.mkdtemp(prefix="zbuf-report-diff-")
        try:
            only = os.path.join(out, "in")
            os.makedirs(only)
            shutil.copy(os.path.join(FIXTURES, "conform-ref-cpu.json"), only)
            p = subprocess.run(["sh", SCRIPT, "--in", only, "--out", os.path.join(out, "r"), "--quiet", "--diff",
                                os.path.join(FIXTURES, "conform-ref-cpu.json"),
                                os.path.join(FIXTURES, "conform-zarr31-cpu.json")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "r", "report.json")) as f:
                manifest = json.load(f)
            self.assertEqual(len(manifest["migration"]), 1)
            self.assertTrue(any(i["file"].startswith("migration-") for i in manifest["images"]))
        finally:
            shutil.rmtree(out, ignore_errors=True)



FLEET = os.path.join(FIXTURES, "fleet")


class Fleet(unittest.TestCase):
    """The fleet section, from fixtures/fleet/: a real `mpirun -np 2` of zbuf-bench (concurrent mode) and of
    zbuf-conform where rank 1 loaded the broken plugin (fixtures/README.md says how they were made)."""

    @classmethod
    def setUpClass(cls):
        from zbuf_report import fleet
        cls.fleet = fleet
        cls.docs = {k: d for _, k, d in fleet.load_dir(FLEET)}

    def test_both_kinds_recognised(self):
        self.assertEqual(sorted(self.docs), ["bench-fleet", "conform-fleet"])

    def test_fleet_table_has_min_median_max_and_the_slowest_rank(self):
        rows = self.fleet.fleet_table(self.docs["bench-fleet"])
        self.assertTrue(rows)
        for name, ranks, lo, mid, hi, slowest in rows:
            self.assertEqual(ranks, "2", name)
            self.assertLessEqual(float(lo), float(mid))
            self.assertLessEqual(float(mid), float(hi))
            self.assertRegex(slowest, r"^rank [01] \(.+\)$")

    def test_the_slowest_rank_is_the_one_with_the_lowest_ratio(self):
        doc = self.docs["bench-fleet"]
        ratios = self.fleet.headline_ratios(doc)
        for row in self.fleet.fleet_table(doc):
            r = ratios[row[0]]
            self.assertEqual(row[5].split()[1], str(min(r, key=r.get)))

    def test_heatmap_rows_are_the_differing_tests(self):
        doc = self.docs["conform-fleet"]
        shown, total = self.fleet.differing(doc)
        self.assertGreater(total, 0)
        for t in shown:
            self.assertEqual(len(t["statuses"]), 2)
            self.assertNotEqual(t["statuses"][0], t["statuses"][1])

    def test_report_has_a_plot_per_node_the_table_and_the_heatmap(self):
        out = tempfile.mkdtemp()
        try:
            rc, _, err = run_report("--in", FLEET, "--out", out)
            self.assertEqual(rc, 0, err)
            summary = open(os.path.join(out, "summary.md")).read()
            self.assertIn("## Fleet: ranks of an MPI job", summary)
            self.assertIn("| headline (implementation / baseline) | ranks | min | median | max | slowest |", summary)
            self.assertIn("rank 1 (host", summary)  # the divergent rank named
            for name in ("fleet-bench-fleet-concurrent-node0.png", "fleet-conform-fleet-divergent-heatmap.png"):
                w, h = png_size(os.path.join(out, name))
                self.assertGreater(w * h, 0)
        finally:
            shutil.rmtree(out)

if __name__ == "__main__":
    unittest.main()


class History(unittest.TestCase):
    """The behaviour history of scripts/history: the timeline, the changes at the release where they happen, a
    release that did not load, and its section in the report."""

    RUNS = [("3.0.0", None),
            ("3.0.1", [{"id": "ND-SEM-015[a]", "clause": "ND-SEM-015", "status": "FAIL"},
                       {"id": "ND-SEM-015[b]", "clause": "ND-SEM-015", "status": "PASS"},
                       {"id": "BUF-SEM-001", "clause": "BUF-SEM-001", "status": "PASS"}]),
            ("3.1.0", [{"id": "ND-SEM-015[a]", "clause": "ND-SEM-015", "status": "PASS"},
                       {"id": "ND-SEM-015[b]", "clause": "ND-SEM-015", "status": "PASS"},
                       {"id": "BUF-SEM-001", "clause": "BUF-SEM-001", "status": "PASS"}])]

    def test_timeline_cells_and_changes(self):
        cells, changes = history.timeline(self.RUNS)
        self.assertEqual(list(cells), ["BUF-SEM-001", "ND-SEM-015"])
        self.assertEqual(cells["ND-SEM-015"], [history.NOT_LOADED, "FAIL", "PASS"])
        self.assertIn({"version": "3.1.0", "previous": "3.0.1", "clause": "ND-SEM-015", "before": "FAIL",
                       "after": "PASS", "tests_changed": 1, "messages_changed": 0}, changes)
        self.assertEqual(sum(1 for c in changes if c["version"] == "3.1.0"), 1)
        self.assertEqual(sum(1 for c in changes if c["version"] == "3.0.1"), 2)  # both clauses start loading

    def test_tests_that_change_under_the_same_worst_status_are_a_change(self):
        runs = [("1", [{"id": "C[a]", "clause": "ND-SEM-017", "status": "FAIL", "message": "x"},
                       {"id": "C[b]", "clause": "ND-SEM-017", "status": "PASS", "message": ""}]),
                ("2", [{"id": "C[a]", "clause": "ND-SEM-017", "status": "FAIL", "message": "y"},
                       {"id": "C[b]", "clause": "ND-SEM-017", "status": "FAIL", "message": "z"}])]
        _, changes = history.timeline(runs)
        self.assertEqual(len(changes), 1)
        self.assertEqual((changes[0]["tests_changed"], changes[0]["messages_changed"]), (1, 1))
        self.assertEqual(history.describe(changes[0]), "FAIL (1 test changed status, 1 message changed)")

    def test_report_section_and_heat_map(self):
        cells, changes = history.timeline(self.RUNS)
        doc = {"schema": history.SCHEMA, "package": "zarr", "impl": "py:zarr.buffer.cpu:buffer_prototype",
               "fallback": None, "timeline": cells, "changes": changes,
               "versions": [{"version": v, "yanked": False, "spec": "py:zarr.buffer.cpu:buffer_prototype",
                             "result": None, "primary_load_error": None,
                             "load_error": "module zarr.buffer.cpu not importable" if t is None else None}
                            for v, t in self.RUNS]}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "history.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            rc, out, err = run_report("--history", path, "--out", os.path.join(tmp, "out"), "--quiet")
            self.assertEqual(rc, 0, err)
            with open(os.path.join(tmp, "out", "summary.md")) as f:
                summary = f.read()
            self.assertIn("ND-SEM-015", summary)
            self.assertIn("FAIL -> PASS", summary)
            self.assertIn("module zarr.buffer.cpu not importable", summary)
            with open(os.path.join(tmp, "out", "report.json")) as f:
                images = json.load(f)["images"]
            self.assertEqual(len(images), 1)
            self.assertEqual(png_size(os.path.join(tmp, "out", images[0]["file"])),
                             (images[0]["width"], images[0]["height"]))

    def test_not_a_history_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "h.json")
            with open(path, "w") as f:
                f.write('{"schema": "zbuf-conform/1"}')
            rc, _, err = run_report("--history", path, "--out", tmp)
            self.assertEqual(rc, 2)
            self.assertIn("not a zbuf-history/1 file", err)

"""scripts/zarr_suite_compare.py, the judge of scripts/zarr-suite: explained differences pass, an unexplained one
or a zbuf run that used no zbuf buffer fails, and a malformed explanations file is a usage error."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zarr_suite_compare.py")


def junit(cases):
    body = []
    for classname, name, outcome in cases:
        inner = {"passed": "", "failed": "<failure message='x'/>", "skipped": "<skipped message='s'/>",
                 "xfailed": "<skipped type='pytest.xfail' message='x'/>"}[outcome]
        body.append(f"<testcase classname='{classname}' name='{name}' time='0.1'>{inner}</testcase>")
    return "<testsuites><testsuite name='pytest'>" + "".join(body) + "</testsuite></testsuites>"


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run_compare(self, zbuf_cases, explained, zbuf_calls=5):
        stock = self.write("stock.xml", junit([("tests.test_a", "test_one[x]", "passed"),
                                               ("tests.test_a.TestK", "test_two", "passed"),
                                               ("tests.test_b", "test_three", "xfailed")]))
        zbuf = self.write("zbuf.xml", junit(zbuf_cases))
        rules = self.write("explained.txt", explained)
        self.write("stats.1", json.dumps({"zbuf": {"NDBuffer.create": zbuf_calls}, "numpy": {"NDBuffer.create": 1}}))
        out = os.path.join(self.dir.name, "compare.json")
        done = subprocess.run([sys.executable, SCRIPT, stock, zbuf, "--explained", rules, "--stats",
                               os.path.join(self.dir.name, "stats.*"), "--json", out],
                              capture_output=True, text=True)
        if not os.path.exists(out):
            return done, None
        with open(out, encoding="utf-8") as f:
            return done, json.load(f)

    SAME = [("tests.test_a", "test_one[x]", "passed"), ("tests.test_a.TestK", "test_two", "passed"),
            ("tests.test_b", "test_three", "xfailed")]
    ONE_FAILS = [("tests.test_a", "test_one[x]", "failed")] + SAME[1:]

    def test_same_outcomes_pass(self):
        done, result = self.run_compare(self.SAME, "")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("0 tests differ, 0 unexplained", done.stdout)
        self.assertEqual(result["differences"], [])

    def test_explained_difference_passes_and_is_named(self):
        done, result = self.run_compare(self.ONE_FAILS, "tests.test_a::test_one[[]* | zarr-assumption | why\n")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("tests.test_a::test_one[x]: passed -> failed", done.stdout)
        self.assertEqual(result["differences"][0]["category"], "zarr-assumption")

    def test_unexplained_difference_fails(self):
        done, _ = self.run_compare(self.ONE_FAILS, "tests.other::* | contract | not this one\n")
        self.assertEqual(done.returncode, 1)
        self.assertIn("UNEXPLAINED tests.test_a::test_one[x]: passed -> failed", done.stdout)
        self.assertIn("no difference of this run matches 'tests.other::*'", done.stdout)

    def test_a_missing_test_is_a_difference(self):
        done, _ = self.run_compare(self.SAME[:2], "")
        self.assertEqual(done.returncode, 1)
        self.assertIn("tests.test_b::test_three: xfailed -> absent", done.stdout)

    def test_no_zbuf_calls_fails(self):
        done, _ = self.run_compare(self.SAME, "", zbuf_calls=0)
        self.assertEqual(done.returncode, 1)
        self.assertIn("zbuf served no buffer operation", done.stderr)

    def test_bad_category_is_a_usage_error(self):
        done, _ = self.run_compare(self.SAME, "tests.* | zbuf-bug | fix it instead\n")
        self.assertEqual(done.returncode, 2)
        self.assertIn("explained.txt:1: expected 'PATTERN | CATEGORY | why'", done.stderr)


if __name__ == "__main__":
    unittest.main()

"""End-to-end tests of `report RUN.json --format FMT [-o FILE]`: every export of a real
report, parsed back with Python's json, xml.etree and csv modules."""

import copy
import csv
import io
import json
import os
import shutil
import tempfile
import unittest
import xml.etree.ElementTree as ET

from common import EXIT_MODEL, EXIT_OK, EXIT_USAGE, MLP, CliTestCase, describe, run_cli

RUN_ARGS = [MLP, "--variant", "fp32=no-grad", "--variant", "infer=inference-mode", "--warmup-iters", "1",
            "--warmup-time", "0", "--min-iters", "20", "--min-time", "0", "--max-time", "2", "-q"]


class ReportExportTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tb-report-")
        path = os.path.join(cls.dir, "run.json")
        result = run_cli("run", *RUN_ARGS, "-o", path)
        if result.rc != EXIT_OK:
            raise AssertionError("run failed\n" + describe(result))
        with open(path) as f:
            report = json.load(f)
        # One failed variant, one that broke its accuracy gate, and a name that needs escaping.
        failed = copy.deepcopy(report["results"][0])
        failed.update(variant="broken", status="failed", error="measure: <boom> & \"quotes\"", samples_ms=[])
        gated = copy.deepcopy(report["results"][1])
        gated.update(variant="a,b <c> & 'd'", gate={"passed": False, "violations": ["cosine 0.9 < 0.999"]})
        report["results"] += [failed, gated]
        cls.report = report
        cls.path = os.path.join(cls.dir, "edited.json")
        with open(cls.path, "w") as f:
            json.dump(report, f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def export(self, fmt):
        result = run_cli("report", self.path, "--format", fmt)
        self.assertRc(result, EXIT_OK)
        self.assertEqual(result.stderr, "")
        return result.stdout

    def median(self, variant):
        for r in self.report["results"]:
            if r["variant"] == variant:
                s = sorted(r["samples_ms"])
                n = len(s)
                return (s[(n - 1) // 2] + s[n // 2]) / 2

    def test_gbench(self):
        out = json.loads(self.export("gbench"))
        self.assertEqual(out["context"]["json_schema_version"], 1)
        names = set()
        for b in out["benchmarks"]:
            # What google/benchmark's tools/compare.py reads.
            for key in ("name", "run_name", "run_type", "repetitions", "iterations", "real_time", "cpu_time",
                        "time_unit", "threads"):
                self.assertIn(key, b)
            self.assertIn(b["run_type"], ("iteration", "aggregate"))
            self.assertEqual(b["time_unit"], "us")
            names.add(b["run_name"])
        self.assertEqual(names, {"builtin:mlp/fp32", "builtin:mlp/infer", "builtin:mlp/broken",
                                 "builtin:mlp/a,b <c> & 'd'"})
        fp32 = [b for b in out["benchmarks"] if b["name"] == "builtin:mlp/fp32"]
        self.assertEqual(len(fp32), 10)
        self.assertEqual([b["repetition_index"] for b in fp32], list(range(10)))
        self.assertEqual(sum(b["iterations"] for b in fp32), len(self.report["results"][0]["samples_ms"]))
        median = [b for b in out["benchmarks"] if b["name"] == "builtin:mlp/fp32_median"][0]
        self.assertEqual(median["aggregate_name"], "median")
        broken = [b for b in out["benchmarks"] if b["name"] == "builtin:mlp/broken"][0]
        self.assertTrue(broken["error_occurred"])
        self.assertIn("<boom>", broken["error_message"])

    def test_github_action(self):
        out = json.loads(self.export("github-action"))
        self.assertEqual([e["name"] for e in out],
                         ["builtin:mlp/fp32", "builtin:mlp/infer", "builtin:mlp/a,b <c> & 'd'"])
        for e in out:
            self.assertEqual(set(e), {"name", "unit", "value", "range", "extra"})
            self.assertEqual(e["unit"], "ms")
        self.assertAlmostEqual(out[0]["value"], self.median("fp32"), places=12)

    def test_bmf(self):
        out = json.loads(self.export("bmf"))
        self.assertEqual(set(out), {"builtin:mlp/fp32", "builtin:mlp/infer", "builtin:mlp/a,b <c> & 'd'"})
        for name, measures in out.items():
            latency = measures["latency"]
            self.assertLessEqual(latency["lower_value"], latency["value"])
            self.assertLessEqual(latency["value"], latency["upper_value"])
            self.assertGreater(measures["throughput"]["value"], 0)
        self.assertAlmostEqual(out["builtin:mlp/fp32"]["latency"]["value"], self.median("fp32") * 1e6, places=3)

    def test_junit(self):
        root = ET.fromstring(self.export("junit"))
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual(root.get("tests"), "4")
        self.assertEqual(root.get("failures"), "2")
        cases = {c.get("name"): c for c in root.iter("testcase")}
        self.assertEqual(set(cases), {"fp32", "infer", "broken", "a,b <c> & 'd'"})
        self.assertIsNone(cases["fp32"].find("failure"))
        failure = cases["broken"].find("failure")
        self.assertEqual(failure.get("type"), "failed")
        self.assertIn('measure: <boom> & "quotes"', failure.get("message"))
        self.assertEqual(cases["a,b <c> & 'd'"].find("failure").get("type"), "accuracy-gate")
        self.assertIn("cosine 0.9 < 0.999", cases["a,b <c> & 'd'"].find("failure").text)
        self.assertEqual(cases["fp32"].get("classname"), "builtin:mlp")
        self.assertGreater(float(cases["fp32"].get("time")), 0)

    def test_csv(self):
        # Through a file: the test's text-mode pipe would turn the CRLF line ends into LF.
        target = os.path.join(self.dir, "results.csv")
        self.assertRc(run_cli("report", self.path, "--format", "csv", "-o", target), EXIT_OK)
        with open(target, newline="") as f:
            text = f.read()
        self.assertEqual(text.count("\r\n"), 5)
        self.assertEqual(text.replace("\r\n", "").count("\n"), 0)
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        self.assertEqual([r["variant"] for r in rows], ["fp32", "infer", "broken", "a,b <c> & 'd'"])
        self.assertAlmostEqual(float(rows[0]["median_ms"]), self.median("fp32"), places=12)
        self.assertEqual(int(rows[0]["iterations"]), len(self.report["results"][0]["samples_ms"]))
        self.assertEqual(rows[2]["median_ms"], "")
        self.assertEqual(rows[2]["error"], 'measure: <boom> & "quotes"')
        self.assertEqual(rows[3]["gate_passed"], "false")
        self.assertEqual(rows[3]["gate_violations"], "cosine 0.9 < 0.999")

    def test_markdown(self):
        text = self.export("markdown")
        self.assertIn("| model | variant | median ms |", text)
        self.assertIn("a,b &lt;c&gt; &amp; 'd'", text)
        self.assertNotIn("<c>", text)
        self.assertIn("**failed**", text)
        self.assertIn("**gate failed**", text)

    def test_output_file_is_written_atomically(self):
        out_dir = os.path.join(self.dir, "exports")
        os.makedirs(out_dir, exist_ok=True)
        target = os.path.join(out_dir, "results.xml")
        result = run_cli("report", self.path, "--format", "junit", "-o", target)
        self.assertRc(result, EXIT_OK)
        self.assertEqual(result.stdout, "")
        self.assertEqual(os.listdir(out_dir), ["results.xml"])
        ET.parse(target)
        # A failed export leaves the previous file untouched.
        result = run_cli("report", os.path.join(self.dir, "missing.json"), "--format", "junit", "-o", target)
        self.assertRc(result, EXIT_USAGE)
        ET.parse(target)
        self.assertEqual(os.listdir(out_dir), ["results.xml"])

    def test_errors(self):
        result = run_cli("report", self.path, "--format", "xlsx")
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "--format 'xlsx'", "gbench, github-action, bmf, junit, csv, markdown")
        result = run_cli("report", self.path, "--format", "csv", "-o", os.path.join(self.dir, "no", "x.csv"))
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "does not exist")
        bad = os.path.join(self.dir, "bad.json")
        with open(bad, "w") as f:
            f.write('{"schema_version": 1, "results": [{"model": "m"}]}')
        result = run_cli("report", bad, "--format", "csv")
        self.assertRc(result, EXIT_MODEL)
        self.assertOneErrorLine(result, "bad.json", "results[0].variant is missing")


if __name__ == "__main__":
    unittest.main()

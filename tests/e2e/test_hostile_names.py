"""Names written by others, rendered for people: model and variant names and error messages
from a report (hand-edited, or from a model file named on purpose) must not break out of a
Markdown table cell, inject HTML, mention people, start code spans, or drive the terminal;
machine formats (CSV, JUnit XML, JSON) must carry them exactly or parse cleanly.

docs/security.md ("Rendering names") describes what each format does."""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import unittest
import xml.etree.ElementTree as ElementTree

from common import FAST, CliTestCase, Workspace, cli_path, describe, fixture, run_cli

HOSTILE = [
    "pipe|in|name",
    "`code span`",
    "<script>alert(1)</script>",
    "line\nbreak",
    "esc\x1b[31mred\x1b[0m",
    "@team *bold* _it_ [link](http://example.com) ~x~ $y$",
    "back\\slash & amp",
]
MODEL = "m<b>|`x`@y.pt"
FAILED_ERROR = "boom | `rm -rf /` <img src=x onerror=alert(1)>\nsecond line \x1b[2J"


def hostile_report():
    results = [{"model": MODEL, "variant": name, "status": "ok", "baseline": i == 0,
                "samples_ms": [1.0 + i / 100, 1.1, 0.9, 1.05]} for i, name in enumerate(HOSTILE)]
    results.append({"model": MODEL, "variant": "failing", "status": "failed", "error": FAILED_ERROR,
                    "samples_ms": []})
    return {"schema_version": 1, "results": results}


def unescaped_pipes(line):
    """Cell separators: '|' not preceded by a backslash."""
    return len(re.findall(r"(?<!\\)\|", line))


class RenderingCase(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.ws = Workspace()
        cls.path = os.path.join(cls.ws.root, "hostile.json")
        with open(cls.path, "w") as f:
            json.dump(hostile_report(), f)

    @classmethod
    def tearDownClass(cls):
        cls.ws.cleanup()

    def cli(self, *args):
        result = run_cli(*args)
        self.assertIn(result.rc, (0, 1), describe(result))  # 1: compare's verdict on the failed variant
        return result

    def check_markdown(self, text, header_prefix):
        """Every table row is one line with the header's number of cells; nothing that
        Markdown or HTML would act on is left raw."""
        lines = text.splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith(header_prefix))
        cells = unescaped_pipes(lines[header])
        rows = []
        for line in lines[header + 2:]:
            if not line.startswith("|"):
                break
            rows.append(line)
        self.assertEqual(len(rows), len(HOSTILE) + 1, text)
        for row in rows:
            self.assertEqual(unescaped_pipes(row), cells, row)
        self.assertNotIn("<script", text)
        self.assertNotIn("<img", text)
        self.assertNotIn("\x1b", text)
        self.assertNotIn("@team", text)
        self.assertIsNone(re.search(r"(?<!\\)`", text), "an unescaped backtick starts a code span")
        self.assertIsNone(re.search(r"(?<!\\)\[link\]", text), "a link survived")
        return rows


class ReportExportTest(RenderingCase):
    def test_markdown(self):
        out = self.cli("report", self.path, "--format", "markdown").stdout
        self.check_markdown(out, "| model |")
        # The error's two lines stay on one.
        self.assertEqual(len([line for line in out.splitlines() if "boom" in line]), 1)
        self.assertTrue(any("second line" in line and "boom" in line for line in out.splitlines()))

    def test_csv_carries_names_exactly(self):
        out = self.cli("report", self.path, "--format", "csv").stdout
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([r["variant"] for r in rows], HOSTILE + ["failing"])
        self.assertEqual({r["model"] for r in rows}, {MODEL})

    def test_junit_parses_and_holds_no_markup(self):
        out = self.cli("report", self.path, "--format", "junit").stdout
        root = ElementTree.fromstring(out)
        names = [case.get("name") for case in root.iter("testcase")]
        self.assertEqual(len(names), len(HOSTILE) + 1)
        tags = {element.tag for element in root.iter()}
        self.assertFalse(tags & {"script", "img", "b"}, tags)
        # XML 1.0 cannot carry ESC: those names arrive with '?'; the others exactly (attribute
        # values normalise a newline to a space).
        for original, name in zip(HOSTILE, names):
            self.assertEqual(name, original.replace("\x1b", "?").replace("\n", " "))

    def test_json_formats_parse(self):
        for fmt in ("gbench", "github-action", "bmf"):
            with self.subTest(format=fmt):
                json.loads(self.cli("report", self.path, "--format", fmt).stdout)


class CompareRenderingTest(RenderingCase):
    def test_markdown(self):
        out = self.cli("compare", self.path, self.path, "--format", "markdown").stdout
        self.check_markdown(out, "| model |")

    def test_terminal_table_has_no_control_characters(self):
        result = self.cli("compare", self.path, self.path)
        for stream in (result.stdout, result.stderr):
            self.assertIsNone(re.search(r"[\x00-\x08\x0b-\x1f\x7f]", stream), repr(stream))
        # One line per variant: the name with a newline did not split its row.
        self.assertEqual(len([line for line in result.stdout.splitlines() if line.startswith("line?break ")]), 1)

    def test_json_carries_names_exactly(self):
        out = self.cli("compare", self.path, self.path, "--format", "json").stdout
        text = json.dumps(json.loads(out))
        for name in HOSTILE:
            self.assertIn(json.dumps(name), text)


class HostileModelFileNameTest(CliTestCase):
    """A real run on a model file whose name holds Markdown, HTML and an escape sequence."""

    def test_run_then_render(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        model = os.path.join(ws.root, "m|`x`<script>\x1b[31m.pt")
        shutil.copy(fixture("scripted_meta.pt"), model)
        result = subprocess.run([cli_path(), "run", model, "--variant", "a=no-grad", *FAST, "-q", "-o",
                                 ws.report_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, TMPDIR=ws.tmp_dir), timeout=300)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertNotIn("\x1b", result.stdout, "the table printed the escape sequence")
        self.assertIn("m|`x`<script>?[31m.pt", result.stdout)
        with open(ws.report_path) as f:
            report = json.load(f)
        self.assertEqual(report["results"][0]["model"], model)  # the JSON keeps it exactly
        out = run_cli("report", ws.report_path, "--format", "markdown")
        self.assertEqual(out.rc, 0, describe(out))
        self.assertNotIn("<script", out.stdout)
        self.assertNotIn("\x1b", out.stdout)
        lines = out.stdout.splitlines()
        header = next(line for line in lines if line.startswith("| model |"))
        row = next(line for line in lines if "| a |" in line)
        self.assertEqual(unescaped_pipes(row), unescaped_pipes(header), row)


if __name__ == "__main__":
    unittest.main()

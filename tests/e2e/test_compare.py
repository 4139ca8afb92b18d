"""End-to-end tests of `compare`: verdicts on real reports written by `run`, on hand-edited
copies (samples scaled to force slower/faster), the output formats, the gate and the errors.

A real run on a busy machine can be bimodal (a 0.2 ms model with a third of its calls at
4 ms), and then the honest verdict even for a report against itself is "inconclusive". So
the tests on real samples check that the verdict follows the documented rule from the
numbers the binary prints, and the tests that need a given verdict use a copy whose samples
were replaced by a fixed, realistic set (the real median times a 2%-scale exponential tail)."""

import copy
import json
import math
import os
import shutil
import tempfile
import unittest

from common import (EXIT_GATE, EXIT_MODEL, EXIT_OK, EXIT_USAGE, ERROR_PREFIX, MLP, CliTestCase, describe,
                    run_cli)

# Two quick variants of the smallest built-in; enough samples for a verdict in 0.3 s.
RUN_ARGS = [MLP, "--variant", "fp32=no-grad", "--variant", "infer=inference-mode", "--warmup-iters", "2",
            "--warmup-time", "0", "--min-iters", "30", "--min-time", "0.3", "--max-time", "0.3", "-q"]


def rule(c, alpha=0.01, threshold=0.05):
    """The verdict rule of docs/statistics.md, from the numbers in a comparison."""
    r, lo, hi, p = c["ratio"], c["ratio_low"], c["ratio_high"], c["p_value"]
    if p < alpha and lo > 1 and r >= 1 + threshold / 2:
        return "slower"
    if p < alpha and hi < 1 and r <= 1 / (1 + threshold / 2):
        return "faster"
    if lo >= 1 / (1 + threshold) and hi <= 1 + threshold:
        return "same"
    return "inconclusive"


def clean_samples(median_ms, n=200):
    """Fixed samples: median_ms times 1 + 2%·Exp(1) quantiles, in a scrambled order."""
    values = [median_ms * (1 + 0.02 * -math.log(1 - (i + 0.5) / n)) for i in range(n)]
    return [values[(i * 37) % n] for i in range(n)]


class CompareTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tb-compare-")
        cls.base_path = os.path.join(cls.dir, "base.json")
        result = run_cli("run", *RUN_ARGS, "-o", cls.base_path)
        if result.rc != EXIT_OK:
            raise AssertionError("run failed\n" + describe(result))
        with open(cls.base_path) as f:
            cls.real = json.load(f)
        cls.base = copy.deepcopy(cls.real)
        # The clean copy stands for a quiet machine (with ctest -j 2 the real run shares it).
        cls.base["environment"]["competing_cpu_share"] = 0.0
        for r in cls.base["results"]:
            r["samples_ms"] = clean_samples(r["stats"]["median_ms"])
            del r["rounds"]  # they would not add up to the new samples
        cls.real_path = cls.base_path
        cls.base_path = os.path.join(cls.dir, "clean.json")
        with open(cls.base_path, "w") as f:
            json.dump(cls.base, f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def write(self, name, report):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            json.dump(report, f)
        return path

    def scaled(self, factors, name):
        """A copy of the base report with each variant's samples multiplied by its factor."""
        report = copy.deepcopy(self.base)
        for r in report["results"]:
            r["samples_ms"] = [x * factors.get(r["variant"], 1.0) for x in r["samples_ms"]]
        return self.write(name, report)

    def compare_json(self, *args):
        result = run_cli("compare", *args, "--format", "json")
        return result, json.loads(result.stdout) if result.stdout else None

    def test_real_report_against_itself(self):
        result, out = self.compare_json(self.real_path, self.real_path)
        self.assertRc(result, EXIT_OK)
        for c in out["comparisons"]:
            self.assertEqual(c["ratio"], 1.0)
            self.assertEqual(c["p_value"], 1.0)
            self.assertIn(c["verdict"], ("same", "inconclusive"))  # never a change
            self.assertEqual(c["verdict"], rule(c), c)

    def test_same_report_is_same(self):
        result, out = self.compare_json(self.base_path, self.base_path)
        self.assertRc(result, EXIT_OK)
        self.assertEqual([c["verdict"] for c in out["comparisons"]], ["same", "same"])
        for c in out["comparisons"]:
            self.assertEqual(c["ratio"], 1.0)
            self.assertEqual(c["p_value"], 1.0)
            self.assertLessEqual(c["ratio_low"], 1.0)
            self.assertGreaterEqual(c["ratio_high"], 1.0)
        self.assertEqual(out["summary"]["same"], 2)
        self.assertEqual(out["summary"]["geomean_ratio"], 1.0)
        self.assertEqual(out["environment_differences"], [])
        # The one warning: a single worker process a side cannot show process-to-process spread.
        self.assertEqual(len(out["warnings"]), 1, out["warnings"])
        self.assertIn("2 of 2 verdicts rest on one worker process a side", out["warnings"][0])
        self.assertIn("--processes 5", out["warnings"][0])
        self.assertEqual(result.stderr, "torchbench-cli: warning: " + out["warnings"][0] + "\n")
        for c in out["comparisons"]:
            self.assertEqual(c["method"], "samples")
            self.assertEqual(c["processes"], {"base": 1, "new": 1})

    def test_two_real_runs(self):
        """A second real run: the verdict may be anything, but the numbers must be consistent."""
        second = os.path.join(self.dir, "second.json")
        self.assertRc(run_cli("run", *RUN_ARGS, "-o", second), EXIT_OK)
        result, out = self.compare_json(self.real_path, second)
        self.assertIn(result.rc, (EXIT_OK, EXIT_GATE))
        self.assertEqual(len(out["comparisons"]), 2)
        for c in out["comparisons"]:
            self.assertIn(c["verdict"], ("same", "faster", "slower", "inconclusive"))
            self.assertLessEqual(c["ratio_low"], c["ratio_high"])
            self.assertAlmostEqual(c["ratio"], c["new"]["median_ms"] / c["base"]["median_ms"], places=9)
            self.assertGreater(c["base"]["count"], 0)
            self.assertTrue(0 <= c["p_value"] <= 1)
            self.assertEqual(c["verdict"], rule(c), c)
        self.assertEqual(result.rc, EXIT_GATE if out["summary"]["slower"] else EXIT_OK)

    def test_forced_slower_and_faster(self):
        path = self.scaled({"fp32": 1.5, "infer": 0.6}, "scaled.json")
        result, out = self.compare_json(self.base_path, path)
        self.assertRc(result, EXIT_GATE)
        by_variant = {c["variant"]: c for c in out["comparisons"]}
        self.assertEqual(by_variant["fp32"]["verdict"], "slower")
        self.assertAlmostEqual(by_variant["fp32"]["ratio"], 1.5, places=9)
        self.assertGreater(by_variant["fp32"]["ratio_low"], 1.0)
        self.assertLess(by_variant["fp32"]["p_value"], 0.01)
        self.assertEqual(by_variant["infer"]["verdict"], "faster")
        self.assertEqual(out["summary"]["exit_code"], EXIT_GATE)
        self.assertAlmostEqual(out["summary"]["geomean_ratio"], (1.5 * 0.6) ** 0.5, places=9)
        # Only faster: exit 0 unless --fail-on any-change.
        faster = self.scaled({"fp32": 0.6, "infer": 0.6}, "faster.json")
        self.assertRc(run_cli("compare", self.base_path, faster), EXIT_OK)
        self.assertRc(run_cli("compare", self.base_path, faster, "--fail-on", "any-change"), EXIT_GATE)
        self.assertRc(run_cli("compare", self.base_path, path, "--fail-on", "never"), EXIT_OK)

    def test_threshold_changes_the_verdict(self):
        path = self.scaled({"fp32": 1.04, "infer": 1.0}, "four_percent.json")
        _, out = self.compare_json(self.base_path, path, "--threshold", "5%")
        self.assertEqual(out["comparisons"][0]["verdict"], "slower")  # past half of 5%
        self.assertEqual(out["options"]["threshold"], 0.05)
        result, out = self.compare_json(self.base_path, path, "--threshold", "10%")
        self.assertRc(result, EXIT_OK)
        self.assertEqual(out["comparisons"][0]["verdict"], "same")  # below 5%, CI within ±10%

    def test_table_and_markdown(self):
        report = copy.deepcopy(self.base)
        report["results"][0]["variant"] = "fp|32 *x* <b>"
        odd = self.write("odd.json", report)
        base = copy.deepcopy(self.base)
        base["results"][0]["variant"] = "fp|32 *x* <b>"
        odd_base = self.write("odd_base.json", base)
        result = run_cli("compare", odd_base, odd, "--format", "markdown")
        self.assertRc(result, EXIT_OK)
        self.assertIn("### torchbench-cli compare: 2 same", result.stdout)
        self.assertIn("| fp\\|32 \\*x\\* &lt;b&gt; |", result.stdout)
        self.assertNotIn("<b>", result.stdout)
        rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
        self.assertEqual(len(rows), 3)  # header and two pairs
        for row in rows:
            self.assertEqual(row.replace("\\|", "").count("|"), 9, row)

        table = run_cli("compare", self.base_path, self.base_path)
        self.assertRc(table, EXIT_OK)
        self.assertIn("model builtin:mlp", table.stdout)
        self.assertIn("verdicts: 2 same (exit 0, --fail-on slower)", table.stdout)
        self.assertNotIn("\x1b[", table.stdout)  # not a terminal
        coloured = run_cli("compare", self.base_path, self.scaled({"fp32": 1.5}, "c.json"), "--color", "always")
        self.assertIn("\x1b[1;31mslower\x1b[0m", coloured.stdout)
        never = run_cli("compare", self.base_path, self.scaled({"fp32": 1.5}, "c.json"), "--color", "never")
        self.assertNotIn("\x1b[", never.stdout)

    def test_missing_failed_and_environment_warnings(self):
        report = copy.deepcopy(self.base)
        report["results"][1]["status"] = "failed"
        report["results"][1]["error"] = "measure: boom"
        del report["results"][1]["samples_ms"]
        report["results"].append(dict(copy.deepcopy(self.base["results"][0]), variant="extra"))
        report["environment"]["cpu"]["model"] = "Some Other CPU"
        report["environment"]["hostname"] = "elsewhere"
        path = self.write("warn.json", report)
        result, out = self.compare_json(self.base_path, path)
        self.assertRc(result, EXIT_GATE)  # a variant that now fails fails the gate
        by_variant = {c["variant"]: c for c in out["comparisons"]}
        self.assertEqual(by_variant["infer"]["verdict"], "failed")
        self.assertEqual(by_variant["extra"]["verdict"], "missing")
        self.assertIsNone(by_variant["extra"]["base"])
        fields = {d["field"]: d for d in out["environment_differences"]}
        self.assertEqual(fields["cpu.model"]["new"], "Some Other CPU")
        self.assertIn("hostname", fields)
        warnings = [line for line in result.stderr.splitlines()]
        self.assertTrue(all(line.startswith("torchbench-cli: warning: ") for line in warnings), result.stderr)
        self.assertEqual(len(warnings), len(out["warnings"]))
        self.assertTrue(any("cpu.model" in w for w in out["warnings"]))
        self.assertTrue(any("infer: failed in new, ok in base: failed: measure: boom" in w for w in out["warnings"]))
        self.assertTrue(any("extra: only in the new report" in w for w in out["warnings"]))

    def test_a_run_on_a_busy_machine_is_named(self):
        report = copy.deepcopy(self.base)
        report["environment"]["competing_cpu_share"] = 0.42
        result, out = self.compare_json(self.base_path, self.write("busy.json", report))
        self.assertRc(result, EXIT_OK)
        busy = [w for w in out["warnings"] if "busy machine" in w]
        self.assertEqual(busy, ["new ran on a busy machine: other programs used 42% of its CPUs' time during the run; "
                                "its samples carry their noise (measure again on a quiet machine)"])
        self.assertIn("torchbench-cli: warning: " + busy[0], result.stderr)

    def test_several_processes_a_side(self):
        """run --processes: across reports the verdict is over one median per process (Welch);
        inside one interleaved report over the processes' paired rounds; no warning."""
        path = os.path.join(self.dir, "processes.json")
        # --max-time well above the 0.3 s the rounds' minimums add up to, so that no variant
        # stops early on a loaded machine.
        args = [("2" if prev == "--max-time" else a) for prev, a in zip([None] + RUN_ARGS, RUN_ARGS)]
        self.assertRc(run_cli("run", *args, "--processes", "3", "-o", path), EXIT_OK)
        with open(path) as f:
            report = json.load(f)
        self.assertEqual(report["config"]["schedule"]["processes"], 3)

        def rounds(result):
            out, offset = [], 0
            for size, process in zip(result["rounds"]["sizes"], result["rounds"]["processes"]):
                out.append((process, result["samples_ms"][offset:offset + size]))
                offset += size
            return out

        def median(values):
            v = sorted(values)
            return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2

        def log_medians(result):
            groups = {}
            for process, samples in rounds(result):
                groups.setdefault(process, []).extend(samples)
            return [math.log(median(g)) for g in groups.values()]

        by_name = {r["variant"]: r for r in report["results"]}
        fp32, infer = by_name["fp32"], by_name["infer"]

        # Inside the report: round r of both ran side by side, so the rounds pair up.
        result, out = self.compare_json(path, "--a", "fp32", "--b", "infer")
        self.assertIn(result.rc, (EXIT_OK, EXIT_GATE))
        (c,) = out["comparisons"]
        self.assertEqual(c["method"], "paired")
        self.assertEqual(c["processes"], {"base": 3, "new": 3})
        # Rounds pair while both variants have them (on a loaded machine a variant can reach
        # --max-time before its last round) and their processes agree.
        pairs = 0
        for (p, a), (q, b) in zip(rounds(fp32), rounds(infer)):
            if p != q:
                break
            pairs += bool(a) and bool(b)
        self.assertEqual(c["paired_rounds"], pairs)
        self.assertGreaterEqual(pairs, 6)
        self.assertEqual(c["verdict"], rule(c), c)
        self.assertLessEqual(c["ratio_low"], c["ratio"])
        self.assertLessEqual(c["ratio"], c["ratio_high"])
        # The ratio: exp of the mean over processes of the median log-ratio of their rounds.
        per_process = {}
        for (p, a), (q, b) in zip(rounds(fp32), rounds(infer)):
            if p != q:
                break
            if a and b:
                per_process.setdefault(p, []).append(math.log(median(b)) - math.log(median(a)))
        d = [median(v) for v in per_process.values()]
        self.assertAlmostEqual(c["ratio"], math.exp(sum(d) / len(d)), places=9)
        self.assertFalse(any("one worker process" in w for w in out["warnings"]), out["warnings"])

        # Across two reports (here: infer renamed fp32 in a copy): Welch on the log medians.
        other = copy.deepcopy(report)
        other["results"] = [dict(infer, variant="fp32", baseline=True)]
        other_path = os.path.join(self.dir, "processes-other.json")
        with open(other_path, "w") as f:
            json.dump(other, f)
        result, out = self.compare_json(path, other_path)
        c = next(x for x in out["comparisons"] if x["variant"] == "fp32")
        self.assertEqual(c["method"], "processes")
        self.assertIsNone(c["paired_rounds"])
        self.assertEqual(c["verdict"], rule(c), c)
        a, b = log_medians(fp32), log_medians(infer)
        self.assertAlmostEqual(c["ratio"], math.exp(sum(b) / len(b) - sum(a) / len(a)), places=9)

    def test_variants_of_one_report(self):
        result, out = self.compare_json(self.real_path, "--a", "fp32", "--b", "infer")
        self.assertIn(result.rc, (EXIT_OK, EXIT_GATE))
        self.assertEqual(len(out["comparisons"]), 1)
        c = out["comparisons"][0]
        self.assertEqual(c["variant"], "fp32 -> infer")
        self.assertEqual(c["verdict"], rule(c), c)
        self.assertEqual(out["base"]["report"], self.real_path + ": fp32")
        self.assertEqual(result.rc, EXIT_GATE if c["verdict"] == "slower" else EXIT_OK)
        result = run_cli("compare", self.base_path, "--a", "fp23", "--b", "infer")
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "--a 'fp23'", "did you mean 'fp32'?")

    def test_usage_errors(self):
        cases = [
            (["--threshold", "0.05"], "--threshold '0.05'"),
            (["--threshold", "five%"], "not a number"),
            (["--alpha", "7"], "--alpha '7'"),
            (["--fail-on", "slowr"], "did you mean 'slower'?"),
            (["--format", "yaml"], "--format 'yaml'"),
            (["--color", "maybe"], "--color 'maybe'"),
            (["--a", "fp32"], "--a and --b compare two variants of one report"),
        ]
        for extra, needle in cases:
            with self.subTest(extra=extra):
                result = run_cli("compare", self.base_path, self.base_path, *extra)
                self.assertRc(result, EXIT_USAGE)
                self.assertOneErrorLine(result, needle)
                self.assertEqual(result.stdout, "")
        result = run_cli("compare", self.base_path)
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "--a and --b")
        self.assertRc(run_cli("compare"), EXIT_USAGE)

    def test_bad_files(self):
        missing = os.path.join(self.dir, "missing.json")
        result = run_cli("compare", self.base_path, missing)
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, missing, "does not exist")

        def broken(name, text):
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(text)
            return path

        newer = copy.deepcopy(self.base)
        newer["schema_version"] = 2
        bad_sample = copy.deepcopy(self.base)
        bad_sample["results"][0]["samples_ms"][2] = "slow"
        other_model = copy.deepcopy(self.base)
        for r in other_model["results"]:
            r["model"] = "builtin:other"
        cases = [
            (broken("truncated.json", json.dumps(self.base)[:500]), "is not valid JSON"),
            (broken("empty.json", ""), "is not valid JSON"),
            (broken("list.json", "[]"), "top level must be a JSON object"),
            (self.write("newer.json", newer), "schema_version 2"),
            (self.write("bad_sample.json", bad_sample), "results[0].samples_ms[2] must be a finite number"),
            (self.write("other_model.json", other_model), "no (model, variant) in common"),
            (broken("deep.json", "[" * 200000), "nests deeper than 64 levels"),
        ]
        for path, needle in cases:
            with self.subTest(path=os.path.basename(path)):
                result = run_cli("compare", self.base_path, path)
                self.assertRc(result, EXIT_MODEL)
                line = self.assertOneErrorLine(result, needle)
                self.assertIn(os.path.basename(path), line)
                self.assertTrue(line.startswith(ERROR_PREFIX))


if __name__ == "__main__":
    unittest.main()

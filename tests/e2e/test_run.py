"""`torchbench-cli run`: real benchmark runs, asserting on the JSON report and exit codes."""

import json
import os
import re
import socket
import stat
import subprocess
import sys
import unittest

from common import (DEFAULT_VARIANTS, EXIT_OK, FAST, FAST_MIN_ITERS, GIT_SHA_RE, ISO_UTC_RE, MLP,
                    CliTestCase, Workspace, describe, fixture, run_cli, run_report)

MLP_OUT = 10  # builtin:mlp default out=10
MLP_IN = 256  # builtin:mlp default in=256


class DefaultVariantsTest(CliTestCase):
    """The default variant set on builtin:mlp, one run shared by the tests below."""

    @classmethod
    def setUpClass(cls):
        cls.out = run_report(MLP, *FAST)

    def test_exit_code_and_summary(self):
        self.assertRc(self.out.result, EXIT_OK)
        self.assertIsNotNone(self.out.report, "no report written\n" + describe(self.out.result))
        self.assertEqual(self.out.report["summary"], {"ok": 4, "failed": 0, "skipped": 0, "gates_failed": 0, "exit_code": 0,
                                                   "complete": True, "interrupted_by": None})

    def test_four_default_variants_in_order(self):
        got = [(r["variant"], r["passes"]) for r in self.out.results]
        self.assertEqual(got, DEFAULT_VARIANTS)
        self.assertEqual([v["name"] for v in self.out.report["config"]["variants"]],
                         [name for name, _ in DEFAULT_VARIANTS])
        self.assertEqual([v["passes"] for v in self.out.report["config"]["variants"]],
                         [",".join(p) for _, p in DEFAULT_VARIANTS])
        for r in self.out.results:
            self.assertEqual(r["model"], MLP)

    def test_all_ok_with_consistent_stats(self):
        for r in self.out.results:
            with self.subTest(variant=r["variant"]):
                self.assertOkResult(r)
                self.assertEqual(r["batch"], 1)
                self.assertEqual(r["inputs"], ["1x%d:float32" % MLP_IN])
                self.assertEqual(r["output_shapes"], [[1, MLP_OUT]])
                self.assertEqual(r["timer"], "steady_clock")
                self.assertGreaterEqual(r["warmup"]["iterations"], 1)
                self.assertGreater(r["memory"]["peak_rss_bytes"], 0)
                self.assertIsNone(r["memory"]["device_peak_allocated_bytes"])
                self.assertEqual(r["worker"]["outcome"], "exit code 0")
                self.assertGreater(r["worker"]["wall_seconds"], 0)

    def test_baseline_is_first_and_flagged(self):
        self.assertEqual(self.out.report["config"]["baseline"], "naive")
        self.assertEqual([r["baseline"] for r in self.out.results], [True, False, False, False])
        base = self.out.results[0]
        self.assertIsNone(base["accuracy"])
        self.assertEqual(base["speedup_vs_baseline"], 1.0)

    def test_accuracy_and_speedup_for_non_baseline(self):
        for r in self.out.results[1:]:
            with self.subTest(variant=r["variant"]):
                self.assertAccurate(r, values_compared=MLP_OUT)
                self.assertIsInstance(r["speedup_vs_baseline"], float)
                self.assertGreater(r["speedup_vs_baseline"], 0)
                base_per_item = self.out.results[0]["stats"]["median_ms"] / self.out.results[0]["batch"]
                mine_per_item = r["stats"]["median_ms"] / r["batch"]
                self.assertAlmostEqual(r["speedup_vs_baseline"], base_per_item / mine_per_item,
                                       delta=1e-9 * r["speedup_vs_baseline"])

    def test_top_level_and_tool(self):
        report = self.out.report
        self.assertEqual(report["schema_version"], 1)
        self.assertEqual(report["tool"]["name"], "torchbench-cli")
        self.assertRegex(report["tool"]["git_sha"], GIT_SHA_RE)
        self.assertRegex(report["created_at"], ISO_UTC_RE)
        version = run_cli("--version")
        self.assertEqual(version.stdout.strip(),
                         "torchbench-cli %s (%s)" % (report["tool"]["version"], report["tool"]["git_sha"]))

    def test_environment(self):
        env = self.out.report["environment"]
        self.assertRegex(env["libtorch"]["libtorch_version"], r"^\d+\.\d+")
        self.assertIsInstance(env["cpu"]["model"], str)
        self.assertTrue(env["cpu"]["model"].strip())
        self.assertEqual(env["hostname"], socket.gethostname())
        self.assertEqual(env["device"], "cpu")
        self.assertEqual(env["git_sha"], self.out.report["tool"]["git_sha"])
        self.assertEqual(env["tool_version"], self.out.report["tool"]["version"])
        self.assertGreaterEqual(env["cpu"]["logical_cpus"], 1)
        # Other programs' share of the CPU time during the run: a fraction, measured on Linux.
        self.assertGreaterEqual(env["competing_cpu_share"], 0.0)
        self.assertLessEqual(env["competing_cpu_share"], 1.0)
        # The report's environment block is what `env --json` prints.
        listed = json.loads(run_cli("env", "--json").stdout)
        self.assertEqual(sorted(env), sorted(listed))
        self.assertEqual(sorted(env["libtorch"]), sorted(listed["libtorch"]))
        self.assertEqual(sorted(env["cpu"]), sorted(listed["cpu"]))

    def test_config_echoes_the_options(self):
        config = self.out.report["config"]
        self.assertEqual(config["model"], MLP)
        self.assertEqual(config["inputs"], [])
        self.assertEqual(config["device"], "cpu")
        self.assertEqual(config["seed"], 0)
        self.assertIsNone(config["variant_timeout_seconds"])
        self.assertEqual(config["timing"]["min_iters"], FAST_MIN_ITERS)
        self.assertEqual(config["timing"]["warmup_iters"], 1)
        self.assertEqual(config["timing"]["min_seconds"], 0)
        self.assertEqual(config["timing"]["max_seconds"], 5)

    def test_table_on_stdout_progress_on_stderr(self):
        out, err = self.out.stdout, self.out.stderr
        self.assertIn("model %s on cpu" % MLP, out)
        for name, _ in DEFAULT_VARIANTS:
            self.assertRegex(out, r"(?m)^%s\b" % re.escape(name))
        self.assertRegex(out, r"(?m)^naive \*")
        for n, (name, _) in enumerate(DEFAULT_VARIANTS, 1):
            self.assertIn("[%d/4] %s: median" % (n, name), err)
        self.assertIn("report written to", err)
        self.assertNotIn("error", err.lower())

    def test_report_written_atomically_and_nothing_left_behind(self):
        self.assertNoLeftovers(self.out)


class ReportFileTest(CliTestCase):
    def test_report_is_a_readable_regular_file(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        result = run_cli("run", MLP, "--variant", "a=no-grad", *FAST, "-q", "-o", ws.report_path, env=ws.env())
        self.assertRc(result, EXIT_OK)
        mode = os.stat(ws.report_path).st_mode
        self.assertTrue(stat.S_ISREG(mode))
        self.assertTrue(mode & stat.S_IRGRP and mode & stat.S_IROTH, "report mode %o" % mode)
        with open(ws.report_path) as f:
            text = f.read()
        self.assertTrue(text.endswith("\n"))
        json.loads(text)
        self.assertEqual(ws.out_listing(), ["report.json"])
        self.assertEqual(ws.tmp_listing(), [])
        self.assertEqual(result.stderr, "", "-q must silence progress lines")

    def test_existing_report_is_replaced_by_a_successful_run(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        with open(ws.report_path, "w") as f:
            f.write("old report\n")
        result = run_cli("run", MLP, "--variant", "a=no-grad", *FAST, "-q", "-o", ws.report_path, env=ws.env())
        self.assertRc(result, EXIT_OK)
        with open(ws.report_path) as f:
            self.assertEqual(json.load(f)["results"][0]["variant"], "a")
        self.assertEqual(ws.out_listing(), ["report.json"])

    def test_relative_output_path(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        result = run_cli("run", MLP, "--variant", "a=no-grad", *FAST, "-q", "-o", "rel.json",
                         env=ws.env(), cwd=ws.out_dir)
        self.assertRc(result, EXIT_OK)
        self.assertEqual(ws.out_listing(), ["rel.json"])

    def test_no_output_flag_writes_no_file(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        result = run_cli("run", MLP, "--variant", "a=no-grad", *FAST, env=ws.env(), cwd=ws.out_dir)
        self.assertRc(result, EXIT_OK)
        self.assertEqual(ws.out_listing(), [])
        self.assertEqual(ws.tmp_listing(), [])
        self.assertIn("model %s on cpu" % MLP, result.stdout)
        self.assertNotIn("report written", result.stderr)


class StdoutReportTest(CliTestCase):
    """`-o -`: the JSON report alone on stdout, the table (and progress) on stderr."""

    @classmethod
    def setUpClass(cls):
        ws = Workspace()
        cls.ws = ws
        cls.result = run_cli("run", MLP, "--variant", "a=no-grad", "--variant", "b=inference-mode", *FAST,
                             "-o", "-", env=ws.env(), cwd=ws.out_dir)

    @classmethod
    def tearDownClass(cls):
        cls.ws.cleanup()

    def test_stdout_is_exactly_one_json_document(self):
        self.assertRc(self.result, EXIT_OK)
        report = json.loads(self.result.stdout)  # raises on any table text mixed in
        self.assertEqual([r["variant"] for r in report["results"]], ["a", "b"])
        self.assertEqual(report["schema_version"], 1)

    def test_table_and_progress_on_stderr(self):
        self.assertIn("model %s on cpu" % MLP, self.result.stderr)
        self.assertIn("[1/2] a: median", self.result.stderr)
        self.assertNotIn("report written", self.result.stderr)
        self.assertNotIn("{", self.result.stderr)

    def test_no_file_named_dash(self):
        self.assertEqual(self.ws.out_listing(), [])

    def test_quiet_keeps_table_on_stderr_only(self):
        result = run_cli("run", MLP, "--variant", "a=no-grad", *FAST, "-q", "-o", "-")
        self.assertRc(result, EXIT_OK)
        json.loads(result.stdout)
        self.assertNotIn("[1/1]", result.stderr)
        self.assertIn("model %s on cpu" % MLP, result.stderr)


class DefaultModelTest(CliTestCase):
    def test_run_without_model_uses_builtin_transformer(self):
        # The transformer is the slowest built-in: room for 5 iterations on a busy machine.
        run = run_report("--variant", "only=inference-mode", *FAST[:-1], "60")
        self.assertRc(run.result, EXIT_OK)
        self.assertEqual(run.report["config"]["model"], "builtin:transformer")
        (res,) = run.results
        self.assertEqual(res["model"], "builtin:transformer")
        self.assertOkResult(res)
        # Defaults from `models`: seq=128, vocab=30522, hidden=256.
        self.assertEqual(res["inputs"], ["1x128:int64[0,30522)"])
        self.assertEqual(res["output_shapes"][0][:2], [1, 128])
        self.assertNoLeftovers(run)


class VariantSelectionTest(CliTestCase):
    """Explicit --variant list and --baseline that is not the first variant."""

    @classmethod
    def setUpClass(cls):
        cls.out = run_report(
            "builtin:resnet18:width=8,image=32,classes=10",
            "--variant", "fast=inference-mode,freeze,optimize",
            "--variant", "ref=no-grad",
            "--variant", "t1=no-grad,threads=1",
            "--baseline", "ref", *FAST)

    def test_ok(self):
        self.assertRc(self.out.result, EXIT_OK)
        for r in self.out.results:
            with self.subTest(variant=r["variant"]):
                self.assertOkResult(r)

    def test_results_in_given_order_with_passes(self):
        self.assertEqual([(r["variant"], r["passes"]) for r in self.out.results],
                         [("fast", ["inference-mode", "freeze", "optimize"]), ("ref", ["no-grad"]),
                          ("t1", ["no-grad", "threads=1"])])

    def test_baseline_choice(self):
        self.assertEqual(self.out.report["config"]["baseline"], "ref")
        self.assertEqual([r["baseline"] for r in self.out.results], [False, True, False])
        ref = self.out.by_name("ref")
        self.assertIsNone(ref["accuracy"])
        self.assertEqual(ref["speedup_vs_baseline"], 1.0)
        for name in ("fast", "t1"):
            self.assertAccurate(self.out.by_name(name), values_compared=10)
            self.assertGreater(self.out.by_name(name)["speedup_vs_baseline"], 0)
        # The baseline runs first so that the others can compare against its outputs.
        self.assertIn("[1/3] ref:", self.out.stderr)

    def test_threads_pass_is_recorded(self):
        self.assertEqual(self.out.by_name("t1")["threads"], 1)
        default_threads = self.out.report["environment"]["libtorch"]["default_threads"]
        self.assertEqual(self.out.by_name("ref")["threads"], default_threads)


class SweepTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = run_report(MLP, "--variant", "a=no-grad", "--variant", "b=inference-mode",
                             "--sweep", "batch=1,2", *FAST)

    def test_cartesian_names_and_passes(self):
        self.assertRc(self.out.result, EXIT_OK)
        self.assertEqual([(r["variant"], r["passes"]) for r in self.out.results],
                         [("a/batch=1", ["no-grad", "batch=1"]), ("a/batch=2", ["no-grad", "batch=2"]),
                          ("b/batch=1", ["inference-mode", "batch=1"]),
                          ("b/batch=2", ["inference-mode", "batch=2"])])
        self.assertEqual(self.out.report["config"]["baseline"], "a/batch=1")
        self.assertEqual([v["name"] for v in self.out.report["config"]["variants"]],
                         ["a/batch=1", "a/batch=2", "b/batch=1", "b/batch=2"])

    def test_batch_fields(self):
        for r in self.out.results:
            with self.subTest(variant=r["variant"]):
                self.assertOkResult(r)
                batch = 2 if r["variant"].endswith("batch=2") else 1
                self.assertEqual(r["batch"], batch)
                self.assertEqual(r["inputs"], ["%dx%d:float32" % (batch, MLP_IN)])
                self.assertEqual(r["output_shapes"], [[batch, MLP_OUT]])

    def test_speedup_is_per_item(self):
        base = self.out.results[0]
        for r in self.out.results:
            with self.subTest(variant=r["variant"]):
                self.assertIsNotNone(r["speedup_vs_baseline"])
                expected = (base["stats"]["median_ms"] / base["batch"]) / (r["stats"]["median_ms"] / r["batch"])
                self.assertAlmostEqual(r["speedup_vs_baseline"], expected, delta=1e-9 * expected)

    def test_accuracy_compares_shared_rows(self):
        for name in ("a/batch=2", "b/batch=2"):
            r = self.out.by_name(name)
            self.assertAccurate(r, values_compared=MLP_OUT)  # the one row both runs share
            self.assertIn("share", r.get("accuracy_note", ""))
        r = self.out.by_name("b/batch=1")
        self.assertAccurate(r, values_compared=MLP_OUT)
        self.assertNotIn("accuracy_note", r)

    def test_sweep_overrides_a_pass_already_in_the_variant(self):
        run = run_report(MLP, "--variant", "a=no-grad,batch=4", "--sweep", "batch=1,3", *FAST)
        self.assertRc(run.result, EXIT_OK)
        self.assertEqual([(r["variant"], r["passes"], r["batch"]) for r in run.results],
                         [("a/batch=1", ["no-grad", "batch=1"], 1), ("a/batch=3", ["no-grad", "batch=3"], 3)])


class TimingOptionsTest(CliTestCase):
    def test_max_iters_caps_the_measurement(self):
        run = run_report(MLP, "--variant", "a=no-grad", "--warmup-iters", "2", "--warmup-time", "0",
                         "--min-iters", "3", "--max-iters", "3", "--min-time", "2", "--max-time", "5")
        self.assertRc(run.result, EXIT_OK)
        (res,) = run.results
        self.assertEqual(res["iterations"], 3)
        self.assertOkResult(res, min_iters=3)
        self.assertGreaterEqual(res["warmup"]["iterations"], 2)
        self.assertEqual(run.report["config"]["timing"]["max_iters"], 3)

    def test_max_time_caps_the_measurement(self):
        run = run_report(MLP, "--variant", "a=no-grad", "--warmup-iters", "0", "--warmup-time", "0",
                         "--min-iters", "100000000", "--max-iters", "100000000", "--min-time", "0",
                         "--max-time", "0.5")
        self.assertRc(run.result, EXIT_OK)
        (res,) = run.results
        self.assertEqual(res["status"], "ok")
        self.assertGreaterEqual(res["iterations"], 1)
        self.assertLess(res["iterations"], 100000000)
        self.assertStatsConsistent(res)
        # Measured time stops at --max-time (plus at most the one call in flight).
        self.assertLess(sum(res["samples_ms"]), 500 + res["stats"]["max_ms"] + 50)
        self.assertLess(res["worker"]["wall_seconds"], 30)


class FixtureModelsTest(CliTestCase):
    """The TorchScript fixtures from tests/fixtures/make_models.py."""

    VARIANTS = ["--variant", "a=no-grad", "--variant", "b=inference-mode,freeze,optimize"]

    def check_ok(self, run, inputs, output_shapes, values_compared):
        self.assertRc(run.result, EXIT_OK)
        self.assertEqual([r["variant"] for r in run.results], ["a", "b"])
        for r in run.results:
            with self.subTest(variant=r["variant"]):
                self.assertOkResult(r)
                self.assertEqual(r["inputs"], inputs)
                self.assertEqual(r["output_shapes"], output_shapes)
        self.assertAccurate(run.by_name("b"), values_compared=values_compared)
        self.assertNoLeftovers(run)

    def test_scripted_with_metadata_needs_no_input(self):
        path = fixture("scripted_meta.pt")
        run = run_report(path, *self.VARIANTS, *FAST)
        self.check_ok(run, ["1x3x32x32:float32"], [[1, 10]], 10)
        self.assertEqual(run.report["config"]["model"], path)
        self.assertEqual(run.report["config"]["inputs"], [])
        self.assertEqual(run.results[0]["model"], path)

    def test_scripted_without_metadata_with_input(self):
        run = run_report(fixture("scripted_nometa.pt"), "--input", "1x3x32x32:float32", *self.VARIANTS, *FAST)
        self.check_ok(run, ["1x3x32x32:float32"], [[1, 10]], 10)
        self.assertEqual(run.report["config"]["inputs"], ["1x3x32x32:float32"])

    def test_explicit_input_overrides_metadata(self):
        run = run_report(fixture("scripted_meta.pt"), "--input", "2x3x32x32:float32", "--variant", "a=no-grad",
                         *FAST)
        self.assertRc(run.result, EXIT_OK)
        (res,) = run.results
        self.assertOkResult(res)
        self.assertEqual(res["batch"], 2)
        self.assertEqual(res["inputs"], ["2x3x32x32:float32"])
        self.assertEqual(res["output_shapes"], [[2, 10]])

    def test_traced_with_metadata_needs_no_input(self):
        run = run_report(fixture("traced_meta.pt"), *self.VARIANTS, *FAST)
        self.assertRc(run.result, EXIT_OK)
        for r in run.results:
            with self.subTest(variant=r["variant"]):
                self.assertOkResult(r)
                self.assertEqual(r["output_shapes"], [[1, 4]])
                self.assertEqual(r["batch"], 1)
        self.assertAccurate(run.by_name("b"), values_compared=4)

    def test_traced_inputs_echo_the_integer_range_as_written(self):
        # The metadata says "1x16:int64[0,1000)"; the report must not turn 1000 into 1e+03.
        run = run_report(fixture("traced_meta.pt"), "--variant", "a=no-grad", *FAST)
        self.assertRc(run.result, EXIT_OK)
        self.assertEqual(run.results[0]["inputs"], ["1x16:int64[0,1000)"])

    def test_two_inputs_nested_outputs(self):
        run = run_report(fixture("two_inputs.pt"), *self.VARIANTS, *FAST)
        # logits [1,3], then the dict's values (hidden [1,8], pooled [1,1]): 12 values.
        self.check_ok(run, ["1x8:float32", "1x8:bool"], [[1, 3], [1, 8], [1, 1]], 12)

    def test_two_inputs_batch_applies_to_every_input(self):
        run = run_report(fixture("two_inputs.pt"), "--variant", "a=no-grad", "--variant", "b=no-grad,batch=3",
                         *FAST)
        self.assertRc(run.result, EXIT_OK)
        b = run.by_name("b")
        self.assertOkResult(b)
        self.assertEqual(b["batch"], 3)
        self.assertEqual(b["inputs"], ["3x8:float32", "3x8:bool"])
        self.assertEqual(b["output_shapes"], [[3, 3], [3, 8], [3, 1]])
        self.assertAccurate(b, values_compared=12)
        self.assertIn("share", b.get("accuracy_note", ""))


class BusyMachineTest(CliTestCase):
    """Other programs' CPU time during a run is measured and warned about; the run's own
    workers do not count (the load average would count them)."""

    def test_programs_spinning_on_every_cpu_are_warned_about(self):
        # One spinner per CPU this test may use (they inherit its affinity, and so does the run).
        cpus = len(os.sched_getaffinity(0))
        spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cpus)]
        try:
            # A second of measuring, so that most of the run is not the worker's start.
            out = run_report(MLP, "--variant", "a=no-grad", "--warmup-iters", "1", "--warmup-time", "0",
                             "--min-time", "1", "--max-time", "5")
        finally:
            for p in spinners:
                p.kill()
                p.wait()
        self.assertRc(out.result, EXIT_OK)
        # The spinners hold every CPU and the run's worker takes at most one: others had most of it.
        self.assertGreater(out.report["environment"]["competing_cpu_share"], 0.3, out.report["environment"])
        warnings = [w for w in out.report["warnings"] if w.startswith("busy machine: other programs used ")]
        self.assertEqual(len(warnings), 1, out.report["warnings"])
        self.assertIn("of the %d CPU%s this run may use (above 10%%)" % (cpus, "" if cpus == 1 else "s"), warnings[0])
        self.assertIn("warning: " + warnings[0], out.stdout)


if __name__ == "__main__":
    unittest.main()

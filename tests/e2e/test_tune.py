"""`torchbench-cli tune` on the real binary with a small built-in MLP and tiny budgets: the
search space listing, a halving search with one crashing candidate (report shape, the tune
block, reading the report back with `report` and `compare`, the saved configuration), the
grid, constraints nobody meets (exit 1) and an interrupt-free budget stop. Timing thresholds
are never asserted: only what the search decided and recorded."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from common import (EXIT_GATE, EXIT_OK, EXIT_USAGE, CliTestCase, Workspace, cli_path, describe, run_cli)

SMALL = "builtin:mlp:in=16,hidden=32,layers=2,out=4"
SMALL_TEXT = "builtin:mlp:hidden=32,in=16,layers=2,out=4"
WARMUP = ["--warmup-iters", "3", "--warmup-time", "0"]
# Four candidates: {none, freeze} x {fp32, int8-dynamic}, one thread.
SPACE = ["--space", "graph=none,freeze", "--space", "precision=fp32,int8-dynamic", "--space", "threads=1",
         "--space", "interop-threads=1"]
CANDIDATES = {"none.fp32": "inference-mode,threads=1,interop-threads=1",
              "none.int8-dynamic": "inference-mode,int8-dynamic,threads=1,interop-threads=1",
              "freeze.fp32": "inference-mode,freeze,threads=1,interop-threads=1",
              "freeze.int8-dynamic": "inference-mode,freeze,int8-dynamic,threads=1,interop-threads=1"}
CRASHING = "none.int8-dynamic"
FATES = {"winner", "tied", "finalist", "eliminated", "infeasible", "failed", "skipped", "unfinished", "unmeasured"}


def tune(ws, *args, env=None, timeout=300):
    return run_cli("tune", SMALL, *WARMUP, *args, env=ws.env(env), timeout=timeout)


class TuneListTest(CliTestCase):
    def test_list_prints_the_space_and_exits(self):
        r = run_cli("tune", SMALL, *SPACE, "--list")
        self.assertRc(r, EXIT_OK)
        self.assertEqual(r.stderr, "")
        self.assertIn("4 candidates (0 impossible combinations dropped, 0 duplicates)", r.stdout)
        listed = {line.split()[0]: line.split()[1] for line in r.stdout.splitlines()
                  if line.startswith("  ") and len(line.split()) == 2 and "," in line}
        self.assertEqual(listed, CANDIDATES)
        self.assertIn("baseline: inference-mode", r.stdout)

    def test_help_documents_the_options(self):
        r = run_cli("tune", "--help")
        self.assertRc(r, EXIT_OK)
        for flag in ("--space", "--fixed", "--baseline", "--objective", "--min-cosine", "--max-abs-err",
                     "--latency-budget", "--memory-budget", "--budget", "--strategy", "--eta", "--workers",
                     "--final-processes", "--list", "--output", "--save-config", "--quiet"):
            self.assertIn(flag, r.stdout)

    def test_default_space_on_this_machine(self):
        r = run_cli("tune", SMALL, "--list")
        self.assertRc(r, EXIT_OK)
        for dimension in ("grad", "graph", "precision", "threads", "interop-threads"):
            self.assertIn("  %s " % dimension, r.stdout)
        self.assertIn("freeze+optimize", r.stdout)
        self.assertIn("fp16-dynamic", r.stdout)

    def test_fixed_pass_and_impossible_combinations(self):
        # bf16 everywhere: the quantization values conflict with it and are dropped.
        r = run_cli("tune", SMALL, *SPACE, "--fixed", "bf16", "--space", "fp16-dynamic=off,on", "--list")
        self.assertRc(r, EXIT_OK)
        # graph x precision x fp16-dynamic = 8; int8-dynamic or fp16-dynamic with bf16, or with each other: 6.
        self.assertIn("2 candidates (6 impossible combinations dropped", r.stdout)
        self.assertIn("cannot be combined", r.stdout)
        self.assertIn("fixed: bf16", r.stdout)


class TuneSearchTest(CliTestCase):
    """One halving search (4 candidates, one of them crashing), shared by the checks below."""

    @classmethod
    def setUpClass(cls):
        cls.ws = Workspace()
        cls.report_path = os.path.join(cls.ws.out_dir, "report.json")
        cls.config_path = os.path.join(cls.ws.out_dir, "best.json")
        cls.result = tune(cls.ws, *SPACE, "--budget", "45s", "--min-cosine", "0.9",
                          "-o", cls.report_path, "--save-config", cls.config_path,
                          env={"TORCHBENCH_TEST_FAULT": CRASHING + ":segfault"})
        cls.report = None
        if os.path.exists(cls.report_path):
            with open(cls.report_path) as f:
                cls.report = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.ws.cleanup()

    def setUp(self):
        self.assertIsNotNone(self.report, describe(self.result))

    def test_exit_code_and_table(self):
        self.assertRc(self.result, EXIT_OK)
        out = self.result.stdout
        self.assertIn("tune %s on cpu: latency-p50, halving (eta 3), 4 candidates" % SMALL_TEXT, out)
        self.assertIn("\nwinner: ", out)
        self.assertIn("failed: 1\n  %s: worker killed by signal 11" % CRASHING, out)
        # Progress on stderr: the calibration, the rungs, one line per candidate.
        self.assertIn("calibration: the baseline takes", self.result.stderr)
        self.assertIn("rung 0 [4/4]", self.result.stderr)
        self.assertIn("final [", self.result.stderr)
        self.assertIn("report written to", self.result.stderr)
        self.assertIn("configuration written to", self.result.stderr)
        self.assertEqual(self.ws.tmp_listing(), [])

    def test_report_has_the_run_schema(self):
        r = self.report
        self.assertEqual(r["schema_version"], 1)
        self.assertEqual(r["config"]["model"], SMALL_TEXT)
        self.assertEqual(r["config"]["baseline"], "baseline")
        self.assertEqual([v["name"] for v in r["config"]["variants"]], ["baseline"] + list(CANDIDATES))
        names = [res["variant"] for res in r["results"]]
        self.assertEqual(names, ["baseline"] + list(CANDIDATES))  # every candidate was measured in rung 0
        by_name = {res["variant"]: res for res in r["results"]}
        self.assertTrue(by_name["baseline"]["baseline"])
        for name, passes in CANDIDATES.items():
            self.assertEqual(",".join(by_name[name]["passes"]), passes)
        crashed = by_name[CRASHING]
        self.assertEqual(crashed["status"], "failed")
        self.assertIn("signal 11", crashed["error"])
        for name in CANDIDATES:
            if name == CRASHING:
                continue
            self.assertOkResult(by_name[name], min_iters=1)
            self.assertIsNotNone(by_name[name]["accuracy"])
            self.assertIsInstance(by_name[name]["rounds"]["group"], int)
        self.assertEqual(r["summary"]["exit_code"], 0)

    def test_tune_block(self):
        t = self.report["tune"]
        self.assertEqual(t["objective"], "latency-p50")
        self.assertEqual(t["strategy"], "halving")
        self.assertEqual(t["eta"], 3)
        self.assertEqual(t["final_processes"], 3)
        self.assertEqual(t["budget_seconds"], 45)
        self.assertGreater(t["elapsed_seconds"], 0)
        self.assertEqual(t["constraints"]["min_cosine"], 0.9)
        self.assertEqual([d["key"] for d in t["space"]["dimensions"]],
                         ["grad", "graph", "precision", "threads", "interop-threads"])
        self.assertEqual(t["space"]["baseline"], "inference-mode")
        fates = {c["variant"]: c for c in t["candidates"]}
        self.assertEqual(set(fates), set(CANDIDATES))
        for c in t["candidates"]:
            self.assertIn(c["fate"], FATES)
        self.assertEqual(fates[CRASHING]["fate"], "failed")
        self.assertIn("signal 11", fates[CRASHING]["reason"])
        # Rung 0: 4 candidates in one batch; the final: the best 2 of the 3 left, 3 processes each.
        self.assertEqual(len(t["rungs"]), 2)
        rung0, final = t["rungs"]
        self.assertEqual((rung0["candidates"], rung0["measured"], rung0["batches"], rung0["kept"]), (4, 4, 1, 2))
        self.assertFalse(rung0["final"])
        self.assertTrue(final["final"])
        self.assertEqual((final["measured"], final["processes"]), (2, 3))
        self.assertGreater(final["seconds_per_candidate"], rung0["seconds_per_candidate"])
        winner = t["winner"]
        self.assertIsNotNone(winner)
        self.assertTrue(winner["confirmed"])
        self.assertEqual(fates[winner["variant"]]["fate"], "winner")
        self.assertEqual(fates[winner["variant"]]["rung"], 1)
        self.assertEqual(winner["passes"], CANDIDATES[winner["variant"]])
        # The final comparison: one pair, paired by rounds; the other finalist is tied or worse.
        self.assertEqual(len(t["comparisons"]), 1)
        self.assertEqual(t["comparisons"][0]["method"], "paired")
        other = [c for c in t["candidates"] if c["rung"] == 1 and c["variant"] != winner["variant"]]
        self.assertEqual(len(other), 1)
        self.assertIn(other[0]["fate"], ("tied", "finalist"))
        self.assertEqual(other[0]["fate"] == "tied", t["tied"] == [other[0]["variant"]])
        eliminated = [c for c in t["candidates"] if c["fate"] == "eliminated"]
        self.assertEqual(len(eliminated), 1)
        self.assertIn("eliminated at rung 0", eliminated[0]["reason"])
        self.assertIn(winner["variant"], t["pareto_front"])
        # The winner's result is its final-rung measurement: its group is the final batch's.
        result = next(r for r in self.report["results"] if r["variant"] == winner["variant"])
        self.assertEqual(result["rounds"]["group"], final["groups"][0])
        self.assertEqual(sorted(set(result["rounds"]["processes"])), [0, 1, 2])

    def test_report_and_compare_read_it(self):
        rc, out, err = run_cli("report", self.report_path, "--format", "csv")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(len(out.strip().splitlines()), 1 + 5)
        winner = self.report["tune"]["winner"]["variant"]
        rc, out, err = run_cli("compare", self.report_path, "--a", "baseline", "--b", winner, "--format", "json",
                               "--fail-on", "never")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(len(json.loads(out)["comparisons"]), 1)

    def test_saved_config(self):
        with open(self.config_path) as f:
            config = json.load(f)
        self.assertEqual(config["torchbench_config"], 1)
        self.assertEqual(config["suite"], "tune-mlp")
        self.assertIsInstance(config["description"], str)
        self.assertEqual(len(config["models"]), 1)
        entry = config["models"][0]
        winner = self.report["tune"]["winner"]
        self.assertEqual(entry["model"], SMALL_TEXT)
        self.assertEqual(entry["variants"], ["baseline=inference-mode", "best=" + winner["passes"]])
        self.assertEqual(entry["baseline"], "baseline")
        self.assertEqual(entry["device"], "cpu")
        self.assertEqual(entry["gates"]["min_cosine"], ["0.9"])
        final = self.report["tune"]["rungs"][-1]
        self.assertEqual(entry["schedule"], {"mode": "interleaved", "rounds": final["rounds"], "processes": 3})
        self.assertAlmostEqual(entry["timing"]["min_time"], final["seconds_per_candidate"], delta=0.0006)
        self.assertEqual(entry["timing"]["warmup_iters"], 3)
        self.assertEqual(set(entry["timing"]),
                         {"warmup_iters", "warmup_time", "min_iters", "min_time", "max_time", "max_iters", "mode"})
        allowed = {"model", "inputs", "device", "seed", "variants", "baseline", "timing", "schedule", "gates",
                   "variant_timeout", "variant_memory_limit", "sweeps"}
        self.assertEqual(set(entry) - allowed, set())

    @unittest.skipUnless("--config" in subprocess.run([cli_path(), "run", "--help"], stdout=subprocess.PIPE,
                                                      stderr=subprocess.STDOUT, text=True).stdout,
                         "run --config is not there yet (part A of issue 5)")
    def test_run_config_remeasures_the_winner(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "again.json")
            rc, _, err = run_cli("run", "--config", self.config_path, "-q", "-o", path, timeout=300)
            self.assertIn(rc, (EXIT_OK, EXIT_GATE), err)
            with open(path) as f:
                again = json.load(f)
            self.assertEqual([r["variant"] for r in again["results"]], ["baseline", "best"])
            best = again["results"][1]
            self.assertEqual(",".join(best["passes"]), self.report["tune"]["winner"]["passes"])


class TuneStrategiesTest(CliTestCase):
    def test_grid_measures_every_candidate_then_compares_the_best(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        space = ["--space", "graph=none,freeze", "--space", "precision=fp32", "--space", "threads=1,2",
                 "--space", "interop-threads=1"]
        r = tune(ws, *space, "--strategy", "grid", "--budget", "40s", "-q",
                 "-o", ws.report_path)
        self.assertRc(r, EXIT_OK)
        with open(ws.report_path) as f:
            t = json.load(f)["tune"]
        self.assertEqual(t["strategy"], "grid")
        self.assertEqual(len(t["rungs"]), 2)
        self.assertEqual(t["rungs"][0]["measured"], 4)
        self.assertEqual(t["rungs"][1]["measured"], 3)
        self.assertTrue(t["rungs"][1]["final"])
        self.assertIsNotNone(t["winner"])
        self.assertEqual(r.stderr, "")

    def test_no_candidate_meets_the_constraints(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        config = os.path.join(ws.out_dir, "best.json")
        r = tune(ws, *SPACE, "--latency-budget", "1us", "--budget", "60s", "-o", ws.report_path,
                 "--save-config", config)
        self.assertRc(r, EXIT_GATE)
        self.assertIn("no winner: no candidate met the constraints", r.stdout)
        self.assertIn("no configuration saved", r.stderr)
        self.assertFalse(os.path.exists(config))
        with open(ws.report_path) as f:
            report = json.load(f)
        t = report["tune"]
        self.assertIsNone(t["winner"])
        self.assertAlmostEqual(t["constraints"]["latency_budget_ms"], 0.001)
        for c in t["candidates"]:
            self.assertEqual(c["fate"], "infeasible")
            self.assertIn("--latency-budget 0.001 ms", c["reason"])
        self.assertEqual(report["summary"]["exit_code"], EXIT_GATE)

    def test_budget_too_small_is_a_usage_error(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        r = tune(ws, *SPACE, "--budget", "1s", "-q", "-o", ws.report_path)
        self.assertRc(r, EXIT_USAGE)
        self.assertOneErrorLine(r, "--budget 1.0s is too small for 4 candidates", "raise --budget")
        self.assertFalse(os.path.exists(ws.report_path))
        self.assertEqual(ws.tmp_listing(), [])


class TuneInterruptTest(CliTestCase):
    def test_sigint_writes_the_report_of_what_was_measured(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        args = [cli_path(), "tune", SMALL, *WARMUP, "--space", "threads=1", "--space", "interop-threads=1",
                "--budget", "2m", "-o", ws.report_path]
        proc = subprocess.Popen(args, env=dict(os.environ, TMPDIR=ws.tmp_dir), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        deadline = time.monotonic() + 120
        seen = ""
        while "rung 0 [4/" not in seen:  # the first batch is done
            self.assertLess(time.monotonic(), deadline, seen)
            line = proc.stderr.readline()
            self.assertTrue(line or proc.poll() is None, "tune ended early: " + seen)
            seen += line
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
        stderr = seen + stderr
        self.assertEqual(proc.returncode, 4, stderr)
        errors = [line for line in stderr.splitlines() if line.startswith("torchbench-cli: error:")]
        self.assertEqual(errors, ["torchbench-cli: error: interrupted by SIGINT: the search stopped; "
                                  "the report holds what it measured"])
        self.assertIn("not confirmed: the search stopped (interrupted)", stdout)
        with open(ws.report_path) as f:
            report = json.load(f)
        self.assertEqual(report["summary"]["interrupted_by"], "SIGINT")
        self.assertFalse(report["summary"]["complete"])
        self.assertEqual(report["summary"]["exit_code"], 4)
        t = report["tune"]
        self.assertEqual(t["stopped"], "interrupted")
        self.assertFalse(t["winner"]["confirmed"])
        fates = [c["fate"] for c in t["candidates"]]
        self.assertIn("unmeasured", fates)
        self.assertEqual(os.listdir(ws.tmp_dir), [], "the scratch directory must be removed")


if __name__ == "__main__":
    unittest.main()

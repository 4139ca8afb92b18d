"""scripts/ray_tune.py: the Ray Tune driver, on a local one-node Ray with 2 CPUs and the real
binary, plus its pure parts (catalogue parsing, space, evaluation of a run, best and exit code).

Ray is a dependency of the project venv (scripts/requirements-ray.txt, installed by
scripts/setup.sh): without it the Ray tests FAIL, unless TB_ALLOW_NO_RAY=1 is set (a local run
on a machine without Ray), which makes them skip. Ray starts in a few seconds and each Ray
class runs one search; the tiny MLP and short timings keep a trial at about a second.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from common import REPO, CliTestCase, cli_path, describe, run_cli, Result

SCRIPTS = os.path.join(REPO, "scripts")
sys.path.insert(0, SCRIPTS)
import ray_tune_results  # noqa: E402
import ray_tune_space  # noqa: E402
import ray_tune_trial  # noqa: E402

DRIVER = os.path.join(SCRIPTS, "ray_tune.py")
PYTHON = os.environ.get("TB_PYTHON") or sys.executable
MLP = "builtin:mlp:in=16,hidden=32,layers=2,out=4"
# Short measurements: the tests check what was recorded, never how fast it was.
RUN_ARGS = ["--run-arg=--warmup-iters=1", "--run-arg=--warmup-time=0", "--run-arg=--min-iters=5",
            "--run-arg=--min-time=0", "--run-arg=--max-time=0.3", "--run-arg=--rounds=2"]
DRIVER_ERROR = "ray_tune.py: error:"


def require_ray():
    proc = subprocess.run([PYTHON, "-c", "import ray, ray.tune"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode == 0:
        return
    reason = "Ray is not importable by %s (%s); install it: %s -m pip install -r scripts/requirements-ray.txt " \
             "(bash scripts/setup.sh does)" % (PYTHON, (proc.stdout.strip().splitlines() or ["?"])[-1], PYTHON)
    if os.environ.get("TB_ALLOW_NO_RAY") == "1":
        raise unittest.SkipTest(reason + "; skipped because TB_ALLOW_NO_RAY=1")
    raise AssertionError(reason + " (set TB_ALLOW_NO_RAY=1 to skip these tests instead)")


def run_driver(*args, timeout=420, cwd=None):
    env = dict(os.environ)
    env.pop("RAY_ADDRESS", None)  # never join a cluster that happens to be configured here
    proc = subprocess.run([PYTHON, DRIVER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout, env=env, cwd=cwd)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def passes_listing():
    result = run_cli("passes")
    assert result.rc == 0, describe(result)
    return result.stdout


class RaySearchCase(CliTestCase):
    """One search per class, in setUpClass; the tests read its output and JSON."""
    ARGS = []

    @classmethod
    def setUpClass(cls):
        require_ray()
        cls.cli = cli_path()
        cls.dir = tempfile.mkdtemp(prefix="tb-ray-tune-")
        cls.results_path = os.path.join(cls.dir, "results.json")
        cls.result = run_driver(MLP, "--cli", cls.cli, "--num-cpus", "2", "--storage-path",
                                os.path.join(cls.dir, "ray_results"), "--name", cls.__name__,
                                "-o", cls.results_path, *RUN_ARGS, *cls.ARGS)
        cls.doc = None
        if os.path.exists(cls.results_path):
            with open(cls.results_path) as f:
                cls.doc = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.assertIsNotNone(self.doc, "no results file\n" + describe(self.result))

    def trial(self, **config):
        found = [t for t in self.doc["trials"] if t["config"] == config]
        self.assertEqual(len(found), 1, "trials with config %s: %s" % (config, [t["config"] for t in self.doc["trials"]]))
        return found[0]

    def load_report(self, trial):
        self.assertIsNotNone(trial["report"], "trial %s has no report: %s" % (trial["config"], trial["error"]))
        with open(trial["report"]) as f:
            return json.load(f)

    def check_measured(self, trial, expected_passes, cpus):
        """A measured trial: its numbers are those of the candidate in its own report, which ran the
        expected passes with threads = the trial's CPUs, against the baseline on the same threads."""
        self.assertIn(trial["status"], ("ok", "infeasible"), trial)
        self.assertIn(trial["exit_code"], (0, 1), trial)
        report = self.load_report(trial)
        by_variant = {r["variant"]: r for r in report["results"]}
        self.assertEqual(sorted(by_variant), ["base", "cand"])
        cand, base = by_variant["cand"], by_variant["base"]
        self.assertEqual(report["config"]["model"], "builtin:mlp:hidden=32,in=16,layers=2,out=4")  # canonical
        self.assertEqual(report["config"]["baseline"], "base")
        self.assertEqual(sorted(cand["passes"]), sorted(expected_passes + ["threads=%d" % cpus]))
        self.assertEqual(sorted(trial["passes"]), sorted(cand["passes"]))
        self.assertEqual(sorted(base["passes"]), ["grad", "threads=%d" % cpus])
        self.assertEqual(cand["threads"], cpus)
        self.assertEqual(trial["cpus"], cpus)
        self.assertEqual(trial["metrics"]["median_ms"], cand["stats"]["median_ms"])
        self.assertEqual(trial["metrics"]["p99_ms"], cand["stats"]["p99_ms"])
        self.assertEqual(trial["metrics"]["throughput_per_s"], cand["throughput_per_s"])
        self.assertEqual(trial["metrics"]["cosine"], cand["accuracy"]["cosine"])
        # --run-arg reached the tool
        self.assertEqual(report["config"]["timing"]["max_seconds"], 0.3)
        self.assertEqual(report["config"]["schedule"]["rounds"], 2)
        self.assertTrue(trial["node"])
        return cand


class GridSearchTest(RaySearchCase):
    """Six candidates: precision none|bf16 x quant none|int8-dynamic|int4-magic, inference mode
    fixed, max abs error <= 1e-5 required. bf16+int8-dynamic is an impossible combination and
    int4-magic no pass at all: both are recorded as failed while the others are measured."""
    ARGS = ["--fixed", "inference-mode", "--space", "graph=none", "--space", "precision=none,bf16",
            "--space", "quant=none,int8-dynamic,int4-magic", "--max-abs-err", "1e-5"]
    GRID = [{"precision": p, "quant": q} for p in ("none", "bf16") for q in ("none", "int8-dynamic", "int4-magic")]

    def test_exit_code_is_partial(self):
        # A best candidate exists, and some trials failed: 4, as torchbench-cli's partial runs.
        self.assertEqual(self.result.rc, 4, describe(self.result))
        self.assertEqual(self.doc["summary"]["exit_code"], 4)

    def test_every_candidate_of_the_grid_ran_once(self):
        self.assertEqual(sorted(map(str, (t["config"] for t in self.doc["trials"]))), sorted(map(str, self.GRID)))
        self.assertEqual(self.doc["search"]["kind"], "grid")
        self.assertEqual(self.doc["search"]["space_size"], 6)
        self.assertEqual(len({t["trial_id"] for t in self.doc["trials"]}), 6)
        counts = self.doc["summary"]
        self.assertEqual(counts["trials"], 6)
        self.assertEqual(sum(counts[s] for s in ("ok", "infeasible", "failed", "skipped")), 6)

    def test_unknown_pass_warns_and_its_trials_fail(self):
        self.assertIn("warning: --space quant: 'int4-magic' is not a pass", self.result.stderr)
        for precision in ("none", "bf16"):
            trial = self.trial(precision=precision, quant="int4-magic")
            self.assertEqual(trial["status"], "failed")
            self.assertEqual(trial["exit_code"], 2)
            self.assertIn("int4-magic", trial["error"])
            self.assertIsNone(trial["report"])
            self.assertFalse(trial["feasible"])
            self.assertIsNone(trial["objective"], "infinite latency is null in JSON")
            self.assertIsNone(trial["metrics"]["median_ms"])

    def test_impossible_combination_is_a_failed_trial(self):
        trial = self.trial(precision="bf16", quant="int8-dynamic")
        self.assertEqual(trial["status"], "failed")
        self.assertEqual(trial["exit_code"], 2)
        self.assertIn("bf16", trial["error"])
        self.assertIn("int8-dynamic", trial["error"])
        self.assertEqual(sorted(trial["passes"]), ["bf16", "inference-mode", "int8-dynamic", "threads=1"])

    def test_measured_trials_match_their_reports(self):
        plain = self.check_measured(self.trial(precision="none", quant="none"), ["inference-mode"], 1)
        self.assertLessEqual(plain["accuracy"]["max_abs_err"], 1e-5)
        self.assertEqual(plain["gate"]["limits"]["max_abs_err"], 1e-5, "the constraint went to the tool as a gate")
        bf16 = self.check_measured(self.trial(precision="bf16", quant="none"), ["inference-mode", "bf16"], 1)
        self.assertEqual(bf16["inputs"], ["1x16:bfloat16"])
        int8 = self.trial(precision="none", quant="int8-dynamic")
        if int8["status"] != "skipped":  # a LibTorch without a quantized engine skips it
            self.check_measured(int8, ["inference-mode", "int8-dynamic"], 1)

    def test_constraint_is_recorded(self):
        # bf16 keeps 8 bits of mantissa: its outputs differ from float32's by far more than 1e-5.
        trial = self.trial(precision="bf16", quant="none")
        self.assertEqual(trial["status"], "infeasible")
        self.assertFalse(trial["feasible"])
        self.assertIn("max abs err", trial["constraint"])
        self.assertIn("> 1e-05", trial["constraint"])
        self.assertGreater(trial["metrics"]["max_abs_err"], 1e-5)
        self.assertEqual(trial["exit_code"], 1, "torchbench-cli's gate failed")
        self.assertIsNone(trial["objective"], "an infeasible candidate is infinitely slow to the search")
        self.assertIsNotNone(trial["metrics"]["median_ms"], "but keeps its measurement")
        for t in self.doc["trials"]:
            if t["status"] == "ok":
                self.assertLessEqual(t["metrics"]["max_abs_err"], 1e-5, t)
                self.assertIsNone(t["constraint"])

    def test_best_is_the_fastest_feasible_trial(self):
        feasible = [t for t in self.doc["trials"] if t["feasible"]]
        self.assertTrue(feasible)
        best = [t for t in self.doc["trials"] if t["trial_id"] == self.doc["best"]]
        self.assertEqual(len(best), 1, "best %r is not one of the trials" % self.doc["best"])
        self.assertEqual(best[0]["metrics"]["median_ms"], min(t["metrics"]["median_ms"] for t in feasible))
        self.assertEqual(best[0]["objective"], best[0]["metrics"]["median_ms"])
        self.assertIn("best (latency-p50): %s" % ",".join(best[0]["passes"]), self.result.stdout)
        for tied in self.doc["tied_with_best"]:
            self.assertIn(tied, [t["trial_id"] for t in feasible])

    def test_table_and_json_hold_every_trial(self):
        for trial in self.doc["trials"]:
            self.assertIn(",".join(trial["passes"]), self.result.stdout)
            self.assertEqual(trial["baseline_passes"], ["grad", "threads=1"])
        self.assertEqual(self.doc["ray_tune_results"], 1)
        self.assertEqual(self.doc["objective"], {"name": "latency-p50", "metric": "median_ms", "mode": "min"})
        self.assertEqual(self.doc["constraints"], {"min_cosine": None, "max_abs_err": 1e-5, "latency_budget_ms": None})
        self.assertEqual(self.doc["fixed"], ["inference-mode"])
        self.assertEqual(set(self.doc["space"]), {"precision", "quant"})
        self.assertIn("6 trials:", self.result.stdout)
        # Atomic: nothing but the results file and Ray's storage in the directory.
        self.assertEqual(sorted(os.listdir(self.dir)), ["ray_results", "results.json"])


class RandomSearchTest(RaySearchCase):
    """Three of four candidates drawn at random, throughput objective, threads as a dimension
    (a threads=2 trial asks Ray for both CPUs), and a latency budget nothing can meet."""
    ARGS = ["--address", "local", "--num-samples", "3", "--seed", "1", "--objective", "throughput",
            "--space", "autograd=no-grad", "--space", "precision=none", "--space", "graph=none,freeze",
            "--space", "threads=1,2", "--latency-budget", "0.000001ms", "--min-cosine", "0.9"]

    def test_nothing_meets_the_budget(self):
        self.assertEqual(self.result.rc, 1, describe(self.result))
        self.assertIsNone(self.doc["best"])
        self.assertIn("no candidate met the constraints", self.result.stdout)
        for trial in self.doc["trials"]:
            self.assertEqual(trial["status"], "infeasible", trial)
            self.assertIn("latency budget 1e-06 ms", trial["constraint"])
            self.assertNotIn("cosine", trial["constraint"], "float32 candidates meet a cosine of 0.9")
            self.assertEqual(trial["objective"], 0.0, "an infeasible trial's throughput objective is 0")

    def test_three_distinct_samples(self):
        configs = [t["config"] for t in self.doc["trials"]]
        self.assertEqual(len(configs), 3)
        self.assertEqual(len({json.dumps(c, sort_keys=True) for c in configs}), 3)
        expected = ray_tune_space.sample_configs(
            [("graph", [("none", []), ("freeze", ["freeze"])]), ("threads", [("1", ["threads=1"]), ("2", ["threads=2"])])],
            3, 1)
        self.assertEqual(sorted(map(str, configs)), sorted(map(str, expected)))
        self.assertEqual(self.doc["search"], dict(self.doc["search"], kind="random", num_samples=3, seed=1, space_size=4))

    def test_threads_come_with_as_many_cpus(self):
        for trial in self.doc["trials"]:
            threads = int(trial["config"]["threads"])
            passes = ["no-grad"] + (["freeze"] if trial["config"]["graph"] == "freeze" else [])
            report = self.load_report(trial)
            cand = {r["variant"]: r for r in report["results"]}["cand"]
            self.assertEqual(sorted(cand["passes"]), sorted(passes + ["threads=%d" % threads]))
            self.assertEqual(cand["threads"], threads)
            self.assertEqual(trial["cpus"], threads)
            self.assertEqual(cand["gate"]["limits"]["min_cosine"], 0.9)


class DriverUsageTest(CliTestCase):
    """Usage and model errors end the driver before Ray starts: one line, exit 2 or 3."""

    def assertDriverError(self, result, code, *needles):
        self.assertEqual(result.rc, code, describe(result))
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, describe(result))
        self.assertTrue(lines[0].startswith(DRIVER_ERROR), describe(result))
        for needle in needles:
            self.assertIn(needle, lines[0])

    def test_misspelt_pass_key(self):
        result = run_driver(MLP, "--cli", cli_path(), "--space", "threds=1,2")
        self.assertDriverError(result, 2, "threds", "did you mean 'threads'")

    def test_flag_pass_takes_on_off(self):
        self.assertDriverError(run_driver(MLP, "--cli", cli_path(), "--space", "freeze=yes,no"), 2, "on and off")

    def test_malformed_space(self):
        self.assertDriverError(run_driver(MLP, "--cli", cli_path(), "--space", "graph"), 2, "KEY=V1,V2")
        self.assertDriverError(run_driver(MLP, "--cli", cli_path(), "--space", "graph=none,,freeze"), 2, "empty")

    def test_run_arg_may_not_set_what_the_driver_sets(self):
        self.assertDriverError(run_driver(MLP, "--cli", cli_path(), "--run-arg=--output=x.json"), 2, "--output")
        self.assertDriverError(run_driver(MLP, "--cli", cli_path(), "--run-arg=--variant"), 2, "--variant")

    def test_missing_binary(self):
        self.assertDriverError(run_driver(MLP, "--cli", "/nonexistent/torchbench-cli"), 2, "--cli")

    def test_missing_model_file(self):
        self.assertDriverError(run_driver("/nonexistent/model.pt", "--cli", cli_path()), 3, "model.pt")

    def test_no_cluster_to_join(self):
        require_ray()
        result = run_driver(MLP, "--cli", cli_path(), "--address", "auto", "--space", "threads=1,2", "-q", timeout=120)
        self.assertDriverError(result, 2, "cannot start or reach Ray (--address auto)")

    def test_bad_options(self):
        self.assertDriverError(run_driver(MLP, "--objective", "fastest"), 2, "--objective")
        self.assertDriverError(run_driver(MLP, "--num-samples", "0"), 2, "--num-samples")
        self.assertDriverError(run_driver(MLP, "--grid", "--num-samples", "3"), 2, "not allowed with")
        self.assertDriverError(run_driver(MLP, "--latency-budget", "fast"), 2, "--latency-budget")
        self.assertDriverError(run_driver(MLP, "--address", "10.0.0.1"), 2, "--address")
        self.assertDriverError(run_driver(MLP, "-o", "/nonexistent/dir/r.json"), 2, "does not exist")


class SpaceTest(unittest.TestCase):
    """The pure parts, on the real `passes` listing."""

    @classmethod
    def setUpClass(cls):
        cls.catalogue = ray_tune_space.parse_pass_listing(passes_listing())

    def test_catalogue_has_every_pass_and_its_values(self):
        c = self.catalogue
        for name in ("grad", "no-grad", "inference-mode", "freeze", "optimize", "trace", "bf16", "threads",
                     "batch", "pin", "executor", "int8-dynamic", "autocast", "tf32"):
            self.assertIn(name, c)
        self.assertEqual(c["threads"]["value"], "int")
        self.assertEqual(c["pin"]["value"], "cpus")
        self.assertEqual(c["executor"]["choices"], ["profiling", "simple", "legacy"])
        self.assertTrue(c["autocast"]["optional"])
        self.assertEqual(c["autocast"]["choices"], ["bf16", "fp16"])
        self.assertIsNone(c["freeze"]["value"])
        self.assertEqual(c["tf32"]["device"], "cuda")
        self.assertEqual(c["int8-dynamic"]["device"], "cpu")
        self.assertIsNone(c["freeze"]["device"])
        self.assertIn(["grad", "no-grad", "inference-mode"], c["grad"]["groups"])
        self.assertEqual(c["batch"]["stage"], "inputs")

    def test_default_space_fits_the_device(self):
        cpu = dict(ray_tune_space.default_space(self.catalogue, "cpu"))
        self.assertEqual(list(cpu), ["autograd", "graph", "precision"])
        precision = [label for label, _ in cpu["precision"]]
        self.assertIn("int8-dynamic", precision)
        self.assertNotIn("fp16", precision)
        self.assertEqual(dict(cpu["graph"])["freeze+optimize"], ["freeze", "optimize"])
        cuda = dict(ray_tune_space.default_space(self.catalogue, "cuda"))
        self.assertNotIn("int8-dynamic", [label for label, _ in cuda["precision"]])
        self.assertIn("fp16", [label for label, _ in cuda["precision"]])

    def test_space_arguments(self):
        parse = lambda text: ray_tune_space.parse_space_arg(text, self.catalogue)  # noqa: E731
        self.assertEqual(parse("threads=1,2,none"), ("threads", [("1", ["threads=1"]), ("2", ["threads=2"]), ("none", [])], []))
        self.assertEqual(parse("freeze=on,off"), ("freeze", [("on", ["freeze"]), ("off", [])], []))
        self.assertEqual(parse("g=none,freeze+optimize")[1], [("none", []), ("freeze+optimize", ["freeze", "optimize"])])
        key, values, warnings = parse("executor=simple,fast")
        self.assertEqual(len(warnings), 1)
        self.assertIn("'fast' is not one of profiling|simple|legacy", warnings[0])
        for bad in ("threads", "=1", "threads=", "threads=1,1", "freeze=1", "thread=1,2"):
            with self.assertRaises(ray_tune_space.UsageError, msg=bad):
                parse(bad)

    def test_build_space_overrides_defaults_and_respects_fixed(self):
        dims, constant, _ = ray_tune_space.build_space(["precision=none,bf16", "graph=freeze"], ["inference-mode"],
                                                       self.catalogue, "cpu")
        self.assertEqual([k for k, _ in dims], ["precision"])  # autograd: fixed; graph: one value
        self.assertEqual(constant, ["freeze"])
        config = {"precision": "bf16"}
        passes = ray_tune_space.candidate_passes(config, dims, ["inference-mode"] + constant, 3)
        self.assertEqual(passes, ["inference-mode", "freeze", "bf16", "threads=3"])
        self.assertEqual(ray_tune_space.candidate_passes(config, dims, ["pin=0-1,3"], 3), ["pin=0-1,3", "bf16"])
        self.assertEqual(ray_tune_space.trial_cpus(config, dims, ["pin=0-1,3"], 1), 3)
        self.assertEqual(ray_tune_space.most_cpus([("threads", [("1", ["threads=1"]), ("4", ["threads=4"])])], [], 2), 4)

    def test_baseline_follows_the_candidate_inputs_and_threads(self):
        self.assertEqual(ray_tune_space.baseline_passes(["grad"], ["bf16", "batch=8", "threads=2"]),
                         ["grad", "batch=8", "threads=2"])
        self.assertEqual(ray_tune_space.baseline_passes(["grad", "threads=1"], ["threads=2"]), ["grad", "threads=1"])
        self.assertEqual(ray_tune_space.split_passes("freeze,pin=0-1,3,threads=2"), ["freeze", "pin=0-1,3", "threads=2"])

    def test_samples_are_distinct_and_seeded(self):
        dims = [("a", [(str(i), []) for i in range(5)]), ("b", [("x", []), ("y", [])])]
        first = ray_tune_space.sample_configs(dims, 4, 7)
        self.assertEqual(first, ray_tune_space.sample_configs(dims, 4, 7))
        self.assertEqual(len({json.dumps(c, sort_keys=True) for c in first}), 4)
        self.assertEqual(len(ray_tune_space.sample_configs(dims, 50, 7)), 10)


def report_with(cand, base=None):
    base = base or {"variant": "base", "status": "ok"}
    return {"results": [dict(base), dict(cand, variant="cand")]}


OK_CAND = {"status": "ok", "stats": {"median_ms": 2.0, "p99_ms": 3.0, "median_ci": {"low_ms": 1.9, "high_ms": 2.1}},
           "throughput_per_s": 500.0, "accuracy": {"cosine": 0.99, "max_abs_err": 0.01}, "gate": None,
           "threads": 1, "speedup_vs_baseline": 1.5, "memory": {"peak_rss_bytes": 1000}}


class EvaluateTest(unittest.TestCase):
    def test_refused_run(self):
        out = ray_tune_trial.evaluate_run(2, "some log\ntorchbench-cli: error: variant 'cand': bf16 and int8\n",
                                          None, "latency-p50")
        self.assertEqual((out["status"], out["error"], out["exit_code"]), ("failed", "variant 'cand': bf16 and int8", 2))
        self.assertEqual(out["objective"], math.inf)
        self.assertEqual(out["median_ms"], math.inf)
        self.assertEqual(ray_tune_trial.evaluate_run(-9, "", None, "throughput")["error"],
                         "torchbench-cli killed by signal 9")
        self.assertEqual(ray_tune_trial.evaluate_run(-9, "", None, "throughput")["objective"], 0.0)

    def test_measured_candidate(self):
        out = ray_tune_trial.evaluate_run(0, "", report_with(OK_CAND), "latency-p99")
        self.assertEqual((out["status"], out["objective"], out["median_ms"], out["cosine"]), ("ok", 3.0, 2.0, 0.99))
        self.assertEqual((out["median_ci_low_ms"], out["median_ci_high_ms"]), (1.9, 2.1))
        self.assertEqual(ray_tune_trial.evaluate_run(0, "", report_with(OK_CAND), "throughput")["objective"], 500.0)

    def test_constraints(self):
        gated = dict(OK_CAND, gate={"passed": False, "violations": ["cosine 0.990000 < 0.999"]})
        out = ray_tune_trial.evaluate_run(1, "", report_with(gated), "latency-p50")
        self.assertEqual((out["status"], out["constraint"], out["objective"]), ("infeasible", "cosine 0.990000 < 0.999", math.inf))
        self.assertEqual(out["median_ms"], 2.0, "an infeasible candidate keeps its measurement")
        out = ray_tune_trial.evaluate_run(0, "", report_with(OK_CAND), "latency-p50", latency_budget_ms=2.5)
        self.assertEqual(out["constraint"], "p99 3 ms > latency budget 2.5 ms")
        self.assertEqual(ray_tune_trial.evaluate_run(0, "", report_with(OK_CAND), "latency-p50", 3.0)["status"], "ok")

    def test_failed_and_skipped_candidates(self):
        out = ray_tune_trial.evaluate_run(0, "", report_with({"status": "skipped", "error": "unsupported: no engine"}),
                                          "latency-p50")
        self.assertEqual((out["status"], out["error"]), ("skipped", "unsupported: no engine"))
        out = ray_tune_trial.evaluate_run(4, "", report_with(OK_CAND, {"variant": "base", "status": "failed",
                                                                       "error": "load: boom"}), "latency-p50")
        self.assertEqual((out["status"], out["note"]), ("ok", "baseline failed: load: boom"))
        self.assertEqual(ray_tune_trial.evaluate_run(0, "", {"results": []}, "latency-p50")["error"],
                         "the report has no result for the candidate")


class TrialTest(unittest.TestCase):
    """run_candidate and run_tool without Ray: what a trial records when the tool is missing or hangs."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tb-ray-trial-")
        self.settings = {"cli": cli_path(), "model": MLP, "objective": "latency-p50", "min_cosine": None,
                         "max_abs_err": None, "latency_budget_ms": None, "run_args": [], "trial_timeout": None}

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_missing_binary_on_the_node(self):
        settings = dict(self.settings, cli="/nonexistent/torchbench-cli")
        out = ray_tune_trial.run_candidate(settings, ["no-grad", "threads=1"], ["grad", "threads=1"], self.dir)
        self.assertEqual(out["status"], "failed")
        self.assertIn("no torchbench-cli at '/nonexistent/torchbench-cli' on node", out["error"])
        self.assertIsNone(out["report"])

    def test_refused_candidate_runs_the_real_tool(self):
        out = ray_tune_trial.run_candidate(self.settings, ["no-grad", "inference-mode"], ["grad"], self.dir)
        self.assertEqual((out["status"], out["exit_code"], out["report"]), ("failed", 2, None))
        self.assertIn("no-grad", out["error"])
        self.assertIn("inference-mode", out["error"])
        self.assertEqual(out["command"][:2], [cli_path(), "run"])
        self.assertEqual(os.listdir(self.dir), [])

    def test_timeout_stops_the_tool(self):
        with self.assertRaises(subprocess.TimeoutExpired):
            ray_tune_trial.run_tool([sys.executable, "-c", "import time; time.sleep(60)"], self.dir, 0.5)
        hanging = os.path.join(self.dir, "hanging-cli")
        with open(hanging, "w") as f:
            f.write("#!/bin/sh\nexec sleep 60\n")
        os.chmod(hanging, 0o755)
        trial_dir = os.path.join(self.dir, "trial")
        out = ray_tune_trial.run_candidate(dict(self.settings, cli=hanging, trial_timeout=0.5), ["no-grad"], ["grad"],
                                           trial_dir)
        self.assertEqual(out["status"], "failed")
        self.assertEqual(out["error"], "trial timed out after 0.5 s (--trial-timeout)")
        self.assertIsNone(out["exit_code"])


class ResultsTest(unittest.TestCase):
    def record(self, trial_id, status, median=None, ci=None, exit_code=0):
        metrics = ray_tune_trial.evaluate_run(exit_code, "torchbench-cli: error: x", None, "latency-p50")
        if status in ("ok", "infeasible"):
            cand = dict(OK_CAND, stats={"median_ms": median, "p99_ms": median,
                                        "median_ci": {"low_ms": ci[0], "high_ms": ci[1]}})
            if status == "infeasible":
                cand["gate"] = {"passed": False, "violations": ["cosine"]}
            metrics = ray_tune_trial.evaluate_run(exit_code, "", report_with(cand), "latency-p50")
        metrics.update(passes="no-grad,threads=1", baseline="grad,threads=1")
        return ray_tune_results.trial_record(trial_id, {}, metrics)

    def test_best_ties_and_exit_codes(self):
        a = self.record("a", "ok", 2.0, (1.9, 2.1))
        b = self.record("b", "ok", 2.05, (2.0, 2.2))
        c = self.record("c", "ok", 3.0, (2.9, 3.1))
        fast_but_infeasible = self.record("d", "infeasible", 1.0, (0.9, 1.1), exit_code=1)
        refused = self.record("e", "failed", exit_code=2)
        trials = [c, b, fast_but_infeasible, a, refused]
        best = ray_tune_results.pick_best(trials, "latency-p50")
        self.assertIs(best, a)
        self.assertEqual(ray_tune_results.tied_with(best, trials, "latency-p50"), ["b"])
        self.assertEqual(ray_tune_results.tied_with(best, trials, "throughput"), [])
        self.assertEqual(ray_tune_results.exit_code_for(trials, best), 4)
        self.assertEqual(ray_tune_results.exit_code_for([a, b], best), 0)
        self.assertEqual(ray_tune_results.exit_code_for([fast_but_infeasible], None), 1)
        self.assertEqual(ray_tune_results.exit_code_for([refused, self.record("f", "failed", exit_code=2)], None), 2)
        self.assertEqual(ray_tune_results.exit_code_for([self.record("g", "failed", exit_code=3)], None), 3)
        self.assertEqual(ray_tune_results.exit_code_for([self.record("g", "failed", exit_code=3), refused], None), 1)
        table = ray_tune_results.trial_table(trials, "latency-p50", best)
        self.assertEqual(table.splitlines()[1].split()[:3], ["*", "no-grad,threads=1", "ok"])
        self.assertEqual(len(table.splitlines()), 6)

    def test_json_is_atomic_and_finite(self):
        directory = tempfile.mkdtemp(prefix="tb-ray-json-")
        try:
            path = os.path.join(directory, "r.json")
            ray_tune_results.write_json_atomic(path, {"a": math.inf, "b": [1.0, -math.inf, math.nan], "c": "x"})
            with open(path) as f:
                self.assertEqual(json.load(f), {"a": None, "b": [1.0, None, None], "c": "x"})
            with self.assertRaises(TypeError):
                ray_tune_results.write_json_atomic(path, {"a": object()})
            self.assertEqual(os.listdir(directory), ["r.json"], "a failed write leaves the old file and no temp")
        finally:
            shutil.rmtree(directory)


if __name__ == "__main__":
    unittest.main()

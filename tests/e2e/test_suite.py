"""Suites: `run --config FILE` (docs/config.md), `--shard I/N`, `--list` and `merge`.

Every suite here runs small built-ins and fixtures with fast timing; the assertions are on the
report (entries, groups, settings per entry, suite info), the exit codes and what `compare`
and `report` make of merged reports. The configs/ examples are checked too: smoke.json runs,
gpu.json is planned with --list on a machine without a GPU, and nightly-cpu.json is planned
and one of its shards run against the small real models of scripts/export_models.py.
"""

import hashlib
import json
import os
import re
import shutil

from common import (EXIT_MODEL, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, FAST, MLP, REPO, TRANSFORMER_SMALL, CliTestCase, Workspace,
                    fixture, run_cli)

CONFIGS = os.path.join(REPO, "configs")
RESNET_SMALL = "builtin:resnet18:width=8,image=32,classes=10"


def canonical(model):
    """How the report names a built-in: its parameters sorted by name (config.model)."""
    name, _, params = model.partition(":")[2].partition(":")
    return "builtin:" + name + (":" + ",".join(sorted(params.split(","))) if params else "")


TRANSFORMER = canonical(TRANSFORMER_SMALL)
RESNET = canonical(RESNET_SMALL)


def sha256_of(path):
    with open(path, "rb") as f:
        return "sha256:" + hashlib.sha256(f.read()).hexdigest()


def write_config(ws, config, name="suite.json", subdir="configs"):
    directory = os.path.join(ws.root, subdir)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    return path


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def run_suite(ws, config_path, *args, output=None, cwd=None, timeout=600):
    """`run --config CONFIG ARGS -o OUTPUT`; returns (result, report or None)."""
    output = output or ws.report_path
    result = run_cli("run", "--config", config_path, *args, "-o", output, env=ws.env(), timeout=timeout, cwd=cwd)
    return result, load(output)


def merge(ws, *reports, output=None):
    output = output or os.path.join(ws.root, "merged.json")
    result = run_cli("merge", *reports, "-o", output, env=ws.env())
    return result, load(output)


class SuiteCase(CliTestCase):
    def workspace(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        return ws


def suite_config(models, **defaults):
    config = {"torchbench_config": 1, "suite": "e2e", "models": models}
    timing = {"warmup_iters": 1, "warmup_time": 0, "min_iters": 5, "min_time": 0, "max_time": 5}
    config["defaults"] = {"variants": ["a=no-grad", "b=inference-mode"], "timing": timing, "schedule": {"rounds": 2}}
    config["defaults"].update(defaults)
    return config


class SuiteRunTest(SuiteCase):
    """One suite: entries in file order, each its own run and round group, settings layered."""

    @classmethod
    def setUpClass(cls):
        cls.ws = Workspace()
        models_dir = os.path.join(cls.ws.root, "models")
        os.makedirs(models_dir)
        shutil.copy(fixture("scripted_meta.pt"), os.path.join(models_dir, "conv.pt"))
        config = suite_config([
            {"model": MLP},
            # relative to the config file: configs/../models/conv.pt
            {"model": "../models/conv.pt", "variants": ["fp32=no-grad", "frozen=inference-mode,freeze"],
             "timing": {"max_time": 4}},
            {"model": TRANSFORMER_SMALL, "gates": {"min_cosine": ["b=0.999"]}},
        ])
        cls.config_path = write_config(cls.ws, config)
        # From another directory: the model path must not depend on the working directory;
        # --max-time on the command line overrides the defaults but not entry 1's own key.
        cls.result, cls.report = run_suite(cls.ws, cls.config_path, "--max-time", "3",
                                                     cwd=cls.ws.tmp_dir)
        cls.tmp_after = os.listdir(cls.ws.tmp_dir)

    @classmethod
    def tearDownClass(cls):
        cls.ws.cleanup()

    def test_exit_code_and_results(self):
        self.assertRc(self.result, EXIT_OK)
        self.assertEqual(self.tmp_after, [], "scratch files left in TMPDIR")
        results = self.report["results"]
        self.assertEqual([(r["model"], r["variant"]) for r in results],
                         [(MLP, "a"), (MLP, "b"), ("../models/conv.pt", "fp32"), ("../models/conv.pt", "frozen"),
                          (TRANSFORMER, "a"), (TRANSFORMER, "b")])
        for r in results:
            self.assertOkResult(r)
        # Each entry is its own run: its own baseline, its own interleaved rounds (group).
        self.assertEqual([r["rounds"]["group"] for r in results], [0, 0, 1, 1, 2, 2])
        self.assertEqual([r["baseline"] for r in results], [True, False] * 3)
        self.assertEqual(self.report["summary"]["ok"], 6)
        self.assertTrue(self.report["summary"]["complete"])
        self.assertEqual(results[5]["gate"]["limits"]["min_cosine"], 0.999)
        self.assertIsNone(results[1]["gate"])

    def test_suite_block(self):
        suite = self.report["config"]["suite"]
        self.assertEqual(suite["name"], "e2e")
        self.assertEqual(suite["file"], self.config_path)
        self.assertEqual(suite["digest"], sha256_of(self.config_path))
        self.assertEqual(suite["entries"], 3)
        self.assertIsNone(suite["shard"])
        self.assertEqual(suite["overrides"], {"timing": {"max_time": 3.0}})

    def test_entries_record_their_effective_settings(self):
        config = self.report["config"]
        self.assertEqual(config["models"], [MLP, "../models/conv.pt", TRANSFORMER])
        self.assertEqual(config["model"], MLP)
        entries = config["entries"]
        self.assertEqual([e["index"] for e in entries], [0, 1, 2])
        self.assertEqual(entries[1]["model"], "../models/conv.pt")
        self.assertEqual(entries[1]["path"], os.path.normpath(os.path.join(self.ws.root, "models", "conv.pt")))
        self.assertEqual([v["name"] for v in entries[1]["variants"]], ["fp32", "frozen"])
        self.assertEqual(entries[1]["baseline"], "fp32")
        self.assertEqual(entries[0]["timing"]["max_seconds"], 3.0)   # the command line over the defaults
        self.assertEqual(entries[1]["timing"]["max_seconds"], 4.0)   # the entry's own key wins
        self.assertEqual(entries[0]["timing"]["min_iters"], 5)       # from the defaults
        self.assertEqual(entries[2]["gates"], [{"option": "--min-cosine", "variant": "b", "limit": 0.999}])
        self.assertEqual(entries[0]["schedule"]["rounds"], 2)
        # The top-level settings are the first entry's.
        self.assertEqual(config["timing"], entries[0]["timing"])
        self.assertEqual(config["variants"], entries[0]["variants"])

    def test_compare_and_report_read_it(self):
        self.assertRc(run_cli("compare", self.ws.report_path, self.ws.report_path), EXIT_OK)
        csv = run_cli("report", self.ws.report_path, "--format", "csv")
        self.assertRc(csv, EXIT_OK)
        self.assertEqual(len(csv.stdout.splitlines()), 7)
        # Two variants of one entry pair their rounds (same group)...
        paired = run_cli("compare", self.ws.report_path, "--a", "a", "--b", "b", "--fail-on", "never")
        self.assertRc(paired, EXIT_OK)


class SuiteFailureTest(SuiteCase):
    def test_a_broken_model_fails_its_entry_not_the_suite(self):
        # Without metadata or --input, the model cannot build its inputs: in a plain run the
        # run stops (exit 3); in a suite that entry fails and the next one still runs.
        ws = self.workspace()
        config = suite_config([{"model": fixture("scripted_nometa.pt")}, {"model": MLP}])
        result, report = run_suite(ws, write_config(ws, config))
        self.assertRc(result, EXIT_PARTIAL)
        by_model = {}
        for r in report["results"]:
            by_model.setdefault(r["model"], []).append(r)
        for r in by_model[fixture("scripted_nometa.pt")]:
            self.assertEqual(r["status"], "failed")
            self.assertIn("does not declare its inputs", r["error"])
        for r in by_model[MLP]:
            self.assertOkResult(r)
        self.assertEqual(report["summary"]["failed"], 2)
        self.assertEqual(ws.tmp_listing(), [])

    def test_everything_is_checked_before_the_first_entry_runs(self):
        # The last entry has an unknown pass: nothing runs, not even the first entry.
        ws = self.workspace()
        config = suite_config([{"model": MLP}, {"model": TRANSFORMER_SMALL, "variants": ["a=frezee"]}])
        result, report = run_suite(ws, write_config(ws, config))
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "suite.json: models[1] (%s): variant 'a': unknown pass 'frezee'" %
                                TRANSFORMER_SMALL, "did you mean 'freeze'")
        self.assertIsNone(report)
        self.assertEqual(ws.tmp_listing(), [])


    def test_every_shard_checks_every_entry(self):
        # The missing model is entry 1, which shard 2/2 runs: shard 1/2 refuses the suite too.
        ws = self.workspace()
        path = write_config(ws, suite_config([{"model": MLP}, {"model": "gone.pt"}]))
        result, report = run_suite(ws, path, "--shard", "1/2")
        self.assertRc(result, EXIT_MODEL)
        self.assertOneErrorLine(result, "suite.json: models[1] (gone.pt): model file", "does not exist")
        self.assertIsNone(report)


class ShardTest(SuiteCase):
    """Three entries over two shards, merged back; and a shard with no entries."""

    @classmethod
    def setUpClass(cls):
        cls.ws = Workspace()
        config = suite_config([{"model": MLP}, {"model": TRANSFORMER_SMALL}, {"model": RESNET_SMALL}])
        cls.config_path = write_config(cls.ws, config)
        cls.shards = {}
        for index in (1, 2):
            path = os.path.join(cls.ws.out_dir, "shard-%d.json" % index)
            cls.shards[index] = run_suite(cls.ws, cls.config_path, "--shard", "%d/2" % index,
                                                    output=path) + (path,)

    @classmethod
    def tearDownClass(cls):
        cls.ws.cleanup()

    def test_each_shard_runs_its_entries(self):
        for index, expected in ((1, [MLP, RESNET]), (2, [TRANSFORMER])):
            result, report, _ = self.shards[index]
            self.assertRc(result, EXIT_OK)
            self.assertEqual(report["config"]["suite"]["shard"], {"index": index, "count": 2})
            self.assertEqual(report["config"]["suite"]["entries"], 3)
            self.assertEqual(report["config"]["models"], expected)
            models = []
            for r in report["results"]:
                if r["model"] not in models:
                    models.append(r["model"])
            self.assertEqual(models, expected)
        # The entry index is the suite's, so groups stay distinct across shards.
        self.assertEqual({r["rounds"]["group"] for r in self.shards[1][1]["results"]}, {0, 2})
        self.assertEqual({r["rounds"]["group"] for r in self.shards[2][1]["results"]}, {1})

    def test_merged_shards_are_the_whole_suite(self):
        ws = self.workspace()
        result, merged = merge(ws, self.shards[2][2], self.shards[1][2])
        self.assertRc(result, EXIT_OK)
        self.assertNotIn("warning", result.stderr)
        self.assertIn("merged 2 reports (shards 1, 2 of 2, 6 results)", result.stderr)
        self.assertEqual([r["rounds"]["group"] for r in merged["results"]], [0, 0, 1, 1, 2, 2])
        self.assertEqual(merged["config"]["models"], [MLP, TRANSFORMER, RESNET])
        self.assertEqual([e["index"] for e in merged["config"]["entries"]], [0, 1, 2])
        suite = merged["config"]["suite"]
        self.assertIsNone(suite["shard"])
        self.assertEqual(suite["merged"], {"count": 2, "shards": [1, 2], "missing": []})
        self.assertEqual(suite["digest"], sha256_of(self.config_path))
        self.assertEqual([s["index"] for s in merged["shards"]], [1, 2])
        for s in merged["shards"]:
            self.assertIn("hostname", s["environment"])
            self.assertTrue(s["summary"]["complete"])
        self.assertEqual(merged["summary"]["ok"], 6)
        self.assertTrue(merged["summary"]["complete"])
        self.assertEqual(merged["summary"]["exit_code"], 0)
        # compare and report read it like any report.
        merged_path = os.path.join(ws.root, "merged.json")
        same = run_cli("compare", merged_path, merged_path, "--format", "markdown")
        self.assertRc(same, EXIT_OK)
        self.assertIn("| model | variant |", same.stdout)
        self.assertEqual(len(re.findall(r"(?m)^\| builtin:", same.stdout)), 6)
        self.assertNotIn("| **slower** |", same.stdout)
        # A shard against the merged report: its results are matched by (model, variant).
        self.assertRc(run_cli("compare", self.shards[1][2], merged_path), EXIT_OK)
        for fmt in ("markdown", "junit", "csv"):
            self.assertRc(run_cli("report", merged_path, "--format", fmt), EXIT_OK)
        # Merging a merged report with nothing new is refused: it would hold shard 1 twice.
        again = merge(ws, merged_path, self.shards[1][2], output=os.path.join(ws.root, "again.json"))[0]
        self.assertRc(again, EXIT_USAGE)
        self.assertOneErrorLine(again, "both hold shard 1/2")

    def test_a_missing_shard_is_a_warning_and_an_incomplete_report(self):
        ws = self.workspace()
        result, merged = merge(ws, self.shards[1][2])
        self.assertRc(result, EXIT_OK)
        self.assertIn("torchbench-cli: warning: suite 'e2e': 1 of 2 shards merged; missing 2/2", result.stderr)
        self.assertEqual(merged["config"]["suite"]["merged"], {"count": 2, "shards": [1], "missing": [2]})
        self.assertFalse(merged["summary"]["complete"])

    def test_a_shard_without_entries_writes_an_empty_report(self):
        ws = self.workspace()
        result, report = run_suite(ws, self.config_path, "--shard", "4/4")
        self.assertRc(result, EXIT_OK)
        self.assertIn("shard 4/4 of suite 'e2e' holds no entries (the suite has 3)", result.stderr)
        self.assertEqual(report["results"], [])
        self.assertEqual(report["config"]["models"], [])
        self.assertEqual(report["config"]["entries"], [])
        self.assertEqual(report["config"]["suite"]["shard"], {"index": 4, "count": 4})
        self.assertRc(run_cli("report", ws.report_path, "--format", "csv"), EXIT_OK)


class ListTest(SuiteCase):
    def test_list_prints_the_plan_and_runs_nothing(self):
        ws = self.workspace()
        config = suite_config([{"model": MLP}, {"model": TRANSFORMER_SMALL, "sweeps": ["batch=1,4"]}])
        path = write_config(ws, config)
        result = run_cli("run", "--config", path, "--shard", "2/2", "--list", env=ws.env())
        self.assertRc(result, EXIT_OK)
        self.assertEqual(result.stderr, "")
        out = result.stdout
        self.assertIn("suite e2e (%s, %s): 2 entries; shard 2/2 runs models[1]" % (path, sha256_of(path)[:19]), out)
        self.assertNotIn("models[0] " + MLP, out)
        self.assertIn("models[1] " + TRANSFORMER, out)
        self.assertIn("4 variants (baseline a/batch=1):", out)
        self.assertRegex(out, r"b/batch=4\s+inference-mode,batch=4")
        self.assertIn("nothing was run (--list)", out)
        self.assertEqual(ws.tmp_listing(), [])
        # A swept variant's own name as the baseline is its first sweep point.
        result = run_cli("run", "--config", path, "--shard", "2/2", "--list", "--baseline", "b", env=ws.env())
        self.assertRc(result, EXIT_OK)
        self.assertIn("4 variants (baseline b/batch=1):", result.stdout)

    def test_list_of_a_plain_run(self):
        result = run_cli("run", MLP, "--variant", "x=no-grad", "--list")
        self.assertRc(result, EXIT_OK)
        self.assertIn("run of " + MLP, result.stdout)
        self.assertRegex(result.stdout, r"x\s+no-grad")

    def test_the_gpu_suite_is_planned_without_a_gpu(self):
        # --list checks that the model files exist but never loads them: placeholders do.
        ws = self.workspace()
        os.makedirs(os.path.join(ws.root, "configs"))
        config = os.path.join(ws.root, "configs", "gpu.json")
        shutil.copy(os.path.join(CONFIGS, "gpu.json"), config)
        os.makedirs(os.path.join(ws.root, "out", "models"))
        missing = run_cli("run", "--config", config, "--list")
        self.assertRc(missing, EXIT_MODEL)
        self.assertOneErrorLine(missing, "gpu.json: models[2] (../out/models/resnet50.pt): model file",
                                "does not exist")
        for name in ("resnet50.pt", "bert_base.pt"):
            with open(os.path.join(ws.root, "out", "models", name), "w") as f:
                f.write("not loaded by --list")
        result = run_cli("run", "--config", config, "--list")
        if "not checked here" not in result.stdout:
            self.skipTest("this machine can use CUDA: --list checks everything")
        self.assertRc(result, EXIT_OK)
        self.assertIn("suite gpu", result.stdout)
        self.assertRegex(result.stdout, r"fp16-graph\s+inference-mode,fp16,cuda-graph")
        self.assertIn("not checked here: --device cuda", result.stdout)
        # Running it here is refused before anything starts.
        run = run_cli("run", "--config", config, "-q")
        self.assertRc(run, EXIT_USAGE)
        self.assertOneErrorLine(run, "gpu.json: models[0] (builtin:transformer): --device cuda")

    def test_the_smoke_suite_runs(self):
        ws = self.workspace()
        result, report = run_suite(ws, os.path.join(CONFIGS, "smoke.json"), "-q")
        self.assertRc(result, EXIT_OK)
        self.assertEqual(report["config"]["suite"]["name"], "smoke")
        self.assertEqual(len(report["config"]["entries"]), 3)
        for r in report["results"]:
            self.assertOkResult(r, min_iters=1)
        self.assertEqual(ws.tmp_listing(), [])


class NightlyConfigTest(SuiteCase):
    """configs/nightly-cpu.json against the small exports of the real models, placed where the
    config expects them (out/models/ next to configs/)."""

    def test_nightly_suite_plans_and_a_shard_runs(self):
        from test_real_models import HAS_MINILM, HAS_TRANSFORMERS, SMALL_MODELS, exported_models
        if not (HAS_TRANSFORMERS and HAS_MINILM):
            self.skipTest("transformers or the MiniLM package missing: scripts/requirements-models.txt")
        exported = exported_models()
        ws = self.workspace()
        os.makedirs(os.path.join(ws.root, "configs"))
        shutil.copy(os.path.join(CONFIGS, "nightly-cpu.json"), os.path.join(ws.root, "configs"))
        os.makedirs(os.path.join(ws.root, "out", "models"))
        for name, (small, _) in SMALL_MODELS.items():
            os.symlink(os.path.join(exported, small), os.path.join(ws.root, "out", "models", name + ".pt"))
        config = os.path.join(ws.root, "configs", "nightly-cpu.json")
        listing = run_cli("run", "--config", config, "--list")
        self.assertRc(listing, EXIT_OK)
        for index in range(6):
            self.assertIn("models[%d] " % index, listing.stdout)
        self.assertIn("loads %s" % os.path.join(ws.root, "out", "models", "resnet50.pt"), listing.stdout)
        # Shard 4/6 is MobileNetV2; fast timing from the command line, one process.
        result, report = run_suite(ws, config, "--shard", "4/6", *FAST, "--processes", "1", "--rounds", "1",
                                        "-q")
        self.assertRc(result, EXIT_OK)
        self.assertEqual(report["config"]["models"], ["../out/models/mobilenet_v2.pt"])
        self.assertEqual([r["variant"] for r in report["results"]], ["naive", "optimized", "channels-last"])
        for r in report["results"]:
            self.assertOkResult(r)
            self.assertEqual(r["rounds"]["group"], 3)

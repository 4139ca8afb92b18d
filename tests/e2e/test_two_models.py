"""Several models in one run (`run A B`): every model gets every variant, all interleaved in
the same rounds, each model checked against its own baseline; `compare --a-model/--b-model`
then pairs the models' rounds (method "paired"). On the real binary with built-in MLPs."""
import json
import os
import tempfile
import unittest

from common import EXIT_MODEL, EXIT_OK, EXIT_USAGE, CliTestCase, run_cli, run_report

SMALL = "builtin:mlp:in=16,hidden=32,layers=2,out=4"
WIDER = "builtin:mlp:in=16,hidden=48,layers=2,out=4"
# As the report writes them (built-in parameters sorted by name).
SMALL_TEXT = "builtin:mlp:hidden=32,in=16,layers=2,out=4"
WIDER_TEXT = "builtin:mlp:hidden=48,in=16,layers=2,out=4"
def paired_rounds(a, b):
    """The rounds compare pairs: while both results have them and their processes agree."""
    pairs = 0
    for p, q, n, m in zip(a["rounds"]["processes"], b["rounds"]["processes"], a["rounds"]["sizes"],
                          b["rounds"]["sizes"]):
        if p != q:
            break
        pairs += n > 0 and m > 0
    return pairs


QUICK = ["--warmup-iters", "1", "--warmup-time", "0", "--min-iters", "40", "--min-time", "0", "--max-time", "3"]


class TwoModelsTest(CliTestCase):
    def test_every_model_gets_every_variant_in_the_same_rounds(self):
        run = run_report(SMALL, WIDER, "--variant", "base=no-grad", "--variant", "b4=no-grad,batch=4",
                         "--processes", "2", *QUICK)
        self.assertRc(run, EXIT_OK)
        config = run.report["config"]
        self.assertEqual(config["models"], [SMALL_TEXT, WIDER_TEXT])
        self.assertEqual(config["model"], SMALL_TEXT)
        self.assertEqual(config["schedule"]["rounds"], 8)  # 4 rounds per process
        keys = [(r["model"], r["variant"]) for r in run.results]
        self.assertEqual(keys, [(SMALL_TEXT, "base"), (SMALL_TEXT, "b4"), (WIDER_TEXT, "base"), (WIDER_TEXT, "b4")])
        positions = [[] for _ in range(8)]
        for r in run.results:
            self.assertEqual(r["status"], "ok", r)
            self.assertEqual(r["rounds"]["processes"], [0, 0, 0, 0, 1, 1, 1, 1])
            for i, position in enumerate(r["rounds"]["positions"]):
                positions[i].append(position)
        # Each round is one permutation of all four (model, variant) workers.
        for round_positions in positions:
            self.assertEqual(sorted(round_positions), [0, 1, 2, 3])
        # Each model has its own baseline; accuracy is checked against it, not across models
        # (their outputs differ: other weights).
        for model in (SMALL_TEXT, WIDER_TEXT):
            base = next(r for r in run.results if r["model"] == model and r["variant"] == "base")
            b4 = next(r for r in run.results if r["model"] == model and r["variant"] == "b4")
            self.assertTrue(base["baseline"])
            self.assertFalse(b4["baseline"])
            self.assertEqual(base["speedup_vs_baseline"], 1.0)
            self.assertLess(b4["accuracy"]["max_abs_err"], 1e-5)
        # One table per model, and progress lines that name the model.
        self.assertIn("model %s on cpu" % SMALL_TEXT, run.stdout)
        self.assertIn("model %s on cpu" % WIDER_TEXT, run.stdout)
        self.assertIn("] %s b4: median" % WIDER_TEXT, run.stderr)

    def test_compare_pairs_the_models_rounds(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "ab.json")
            rc, _, err = run_cli("run", SMALL, WIDER, "--variant", "base=no-grad", "--processes", "3", *QUICK,
                                 "-q", "-o", path)
            self.assertEqual(rc, EXIT_OK, err)
            rc, out, err = run_cli("compare", path, "--a-model", SMALL, "--b-model", WIDER, "--format", "json",
                                   "--fail-on", "never")
            self.assertEqual(rc, EXIT_OK, err)
            c = json.loads(out)
            self.assertEqual(len(c["comparisons"]), 1)
            pair = c["comparisons"][0]
            self.assertEqual(pair["model"], SMALL_TEXT + " -> " + WIDER_TEXT)
            self.assertEqual(pair["variant"], "base")
            self.assertEqual(pair["base"]["model"], SMALL_TEXT)
            self.assertEqual(pair["new"]["model"], WIDER_TEXT)
            self.assertEqual(pair["method"], "paired")
            with open(path) as f:
                results = {r["model"]: r for r in json.load(f)["results"]}
            self.assertEqual(pair["paired_rounds"], paired_rounds(results[SMALL_TEXT], results[WIDER_TEXT]))
            self.assertGreaterEqual(pair["paired_rounds"], 6)
            self.assertEqual(pair["processes"], {"base": 3, "new": 3})
            self.assertLessEqual(pair["ratio_low"], pair["ratio"])
            self.assertLessEqual(pair["ratio"], pair["ratio_high"])
            self.assertIn("%d rounds paired in 3 processes" % pair["paired_rounds"], pair["reason"])
            # As given on the command line (parameters in any order), or as the report has it.
            rc, _, err = run_cli("compare", path, "--a-model", SMALL_TEXT, "--b-model", WIDER, "--fail-on", "never")
            self.assertEqual(rc, EXIT_OK, err)
            # The same two results across two reports are not side by side: never paired.
            rc, out, err = run_cli("compare", path, path, "--format", "json")
            self.assertEqual(rc, EXIT_OK, err)
            self.assertEqual({p["method"] for p in json.loads(out)["comparisons"]}, {"processes"})
            # Usage errors name the flag and what the report has.
            for args, needle in [
                (["--a-model", SMALL], "--a-model given without --b-model"),
                (["--a-model", SMALL, "--b-model", "builtin:mlp"], "has no such model"),
                (["--a-model", SMALL, "--b-model", SMALL], "both sides select"),
            ]:
                with self.subTest(args=args):
                    result = run_cli("compare", path, *args)
                    self.assertRc(result, EXIT_USAGE)
                    self.assertOneErrorLine(result, needle)

    def test_compare_two_runs_relative_to_a_reference(self):
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i in range(2):
                paths.append(os.path.join(d, "run%d.json" % i))
                rc, _, err = run_cli("run", WIDER, SMALL, "--variant", "base=no-grad", "--processes", "2", *QUICK,
                                     "-q", "-o", paths[-1])
                self.assertEqual(rc, EXIT_OK, err)
            rc, out, err = run_cli("compare", *paths, "--reference", SMALL, "--format", "json", "--fail-on", "never")
            self.assertEqual(rc, EXIT_OK, err)
            c = json.loads(out)
            by_model = {p["model"]: p for p in c["comparisons"]}
            wider, small = by_model[WIDER_TEXT], by_model[SMALL_TEXT]
            self.assertEqual(wider["method"], "normalized")
            self.assertFalse(wider["reference"])
            self.assertIn("each relative to %s base" % SMALL_TEXT, wider["reason"])
            pairs = 0
            for path in paths:
                with open(path) as f:
                    results = {r["model"]: r for r in json.load(f)["results"]}
                pairs += paired_rounds(results[SMALL_TEXT], results[WIDER_TEXT])
            self.assertEqual(wider["paired_rounds"], pairs)  # up to 8 rounds on each side
            self.assertTrue(small["reference"])
            self.assertEqual(small["method"], "processes")
            self.assertTrue(any("the reference changed by" in w for w in c["warnings"]), c["warnings"])
            self.assertEqual(c["summary"]["geomean_pairs"], 1)
            for args, needle, code in [
                (["--reference", "builtin:mlp"], "--reference 'builtin:mlp'", EXIT_USAGE),
                (["--reference"], "--reference", EXIT_USAGE),
            ]:
                with self.subTest(args=args):
                    result = run_cli("compare", *paths, *args)
                    self.assertRc(result, code)
                    self.assertOneErrorLine(result, needle)
            result = run_cli("compare", paths[0], "--a", "base", "--b", "base", "--reference", SMALL)
            self.assertRc(result, EXIT_USAGE)
            self.assertOneErrorLine(result, "--reference judges two reports")

    def test_bad_model_lists(self):
        result = run_cli("run", SMALL, SMALL, *QUICK)
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "model '%s' is given twice" % SMALL)
        result = run_cli("run", SMALL, SMALL_TEXT, *QUICK)  # the same built-in, written two ways
        self.assertRc(result, EXIT_USAGE)
        # The second model is checked before anything runs.
        result = run_cli("run", SMALL, "/nonexistent/model.pt", *QUICK)
        self.assertRc(result, EXIT_MODEL)
        self.assertOneErrorLine(result, "/nonexistent/model.pt")
        result = run_cli("run", SMALL, "builtin:mlpp", *QUICK)
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "did you mean")


if __name__ == "__main__":
    unittest.main()

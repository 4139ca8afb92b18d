"""Interleaved rounds, sequential runs, adaptive stopping and accuracy gates, on the real
binary and the built-in MLP."""
import unittest

from common import FAST, MLP, CliTestCase, run_report

SMALL_MLP = "builtin:mlp:in=16,hidden=32,layers=2,out=4"
ROUNDS_FAST = ["--warmup-iters", "1", "--warmup-time", "0", "--min-iters", "10", "--min-time", "0",
               "--max-time", "5"]


class InterleavedTest(CliTestCase):
    def test_rounds_and_positions_are_recorded(self):
        run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--variant", "b=inference-mode", "--variant",
                         "c=grad", "--rounds", "4", "--seed", "3", *ROUNDS_FAST)
        self.assertRc(run, 0)
        schedule = run.report["config"]["schedule"]
        self.assertEqual(schedule, {"mode": "interleaved", "rounds": 4, "processes": 1, "target_precision": None})
        positions_per_round = [[] for _ in range(4)]
        for result in run.results:
            rounds = result["rounds"]
            self.assertEqual(len(rounds["sizes"]), 4, result["variant"])
            self.assertEqual(sum(rounds["sizes"]), len(result["samples_ms"]))
            # --min-iters 10 over 4 rounds: at least 3 per round.
            self.assertTrue(all(size >= 3 for size in rounds["sizes"]), rounds)
            for r, position in enumerate(rounds["positions"]):
                positions_per_round[r].append(position)
        # Each round is a permutation of the three variants.
        for positions in positions_per_round:
            self.assertEqual(sorted(positions), [0, 1, 2])
        self.assertIn("round 4:", run.stderr)

    def test_processes_take_equal_blocks_of_rounds(self):
        run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--variant", "b=inference-mode", "--processes", "3",
                         "--rounds", "6", *ROUNDS_FAST)
        self.assertRc(run, 0)
        self.assertEqual(run.report["config"]["schedule"]["processes"], 3)
        for result in run.results:
            self.assertEqual(result["rounds"]["processes"], [0, 0, 1, 1, 2, 2], result["variant"])
            self.assertEqual(sum(result["rounds"]["sizes"]), len(result["samples_ms"]))
        self.assertIsNotNone(run.by_name("b")["accuracy"])  # checked by the last process
        # Left out, --rounds grows to four rounds per process; given, it must be enough.
        run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--processes", "7", *ROUNDS_FAST)
        self.assertRc(run, 0)
        self.assertEqual(run.report["config"]["schedule"]["rounds"], 28)
        self.assertEqual(run.results[0]["rounds"]["processes"], [p for p in range(7) for _ in range(4)])
        run = run_report(SMALL_MLP, "--processes", "3", "--rounds", "2")
        self.assertRc(run, 2)
        self.assertOneErrorLine(run, "--processes 3 needs at least as many rounds (--rounds 2)")

    def test_sequential_with_processes(self):
        run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--variant", "b=no-grad", "--schedule", "sequential",
                         "--processes", "2", *ROUNDS_FAST)
        self.assertRc(run, 0)
        for result in run.results:
            self.assertEqual(result["rounds"]["processes"], [0, 0, 0, 0, 1, 1, 1, 1], result["variant"])

    def test_the_order_depends_on_the_seed(self):
        def positions(seed):
            run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--variant", "b=no-grad", "--variant",
                             "c=no-grad", "--variant", "d=no-grad", "--rounds", "3", "--seed", str(seed),
                             "--min-iters", "1", "--warmup-iters", "0", "--warmup-time", "0", "--min-time", "0")
            self.assertRc(run, 0)
            return [r["rounds"]["positions"] for r in run.results]
        self.assertEqual(positions(5), positions(5))
        self.assertNotEqual(positions(5), positions(6))

    def test_sequential_runs_one_round_per_variant(self):
        run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--variant", "b=no-grad", "--schedule",
                         "sequential", "--rounds", "1", *FAST)
        self.assertRc(run, 0)
        self.assertEqual(run.report["config"]["schedule"]["mode"], "sequential")
        for result in run.results:
            self.assertEqual(result["rounds"]["positions"], [0])
        self.assertIsNotNone(run.by_name("b")["accuracy"])

    def test_report_carries_ci_outliers_overhead_and_size(self):
        run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--variant", "f=inference-mode,freeze", *FAST)
        self.assertRc(run, 0)
        for result in run.results:
            ci = result["stats"]["median_ci"]
            self.assertLessEqual(ci["low_ms"], result["stats"]["median_ms"])
            self.assertGreaterEqual(ci["high_ms"], result["stats"]["median_ms"])
            self.assertEqual(ci["confidence"], 0.95)
            self.assertEqual(set(result["stats"]["outliers"]), {"low_mild", "high_mild", "low_severe", "high_severe"})
            self.assertGreater(result["timer_overhead_ms"], 0)
            self.assertLess(result["timer_overhead_ms"], result["stats"]["median_ms"])
            # 16*32 + 32 + 32*32 + 32 + 32*4 + 4 float32 parameters, plus the archive itself.
            self.assertGreater(result["model_size_bytes"], 4 * (16 * 32 + 32 * 32 + 32 * 4))


    def test_no_size_for_optimized_onednn_weights(self):
        # optimize_for_inference turns the convolutions' weights into oneDNN tensors, which
        # save without their data: no size rather than a wrong one.
        run = run_report("builtin:resnet18:image=32,width=8,classes=10", "--variant", "a=inference-mode",
                         "--variant", "o=inference-mode,optimize", *FAST)
        self.assertRc(run, 0)
        self.assertGreater(run.by_name("a")["model_size_bytes"], 4 * 8 * 3 * 3 * 3)
        self.assertIsNone(run.by_name("o")["model_size_bytes"])


class AdaptiveStoppingTest(CliTestCase):
    def test_a_loose_target_stops_once_the_minimums_are_met(self):
        # The minimums (30 iterations) are spread over 3 rounds; a ±50% target is met by then.
        run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--variant", "b=no-grad", "--target-precision",
                         "50%", "--rounds", "3", "--min-iters", "30", "--warmup-iters", "1", "--warmup-time", "0",
                         "--min-time", "0", "--max-time", "20")
        self.assertRc(run, 0)
        self.assertEqual(run.report["config"]["schedule"]["target_precision"], 0.5)
        for result in run.results:
            self.assertEqual(result["rounds"]["sizes"], [10, 10, 10])
            self.assertFalse(any("precision" in w for w in result["warnings"]), result["warnings"])

    def test_an_unreachable_target_runs_to_the_maximum_and_says_so(self):
        run = run_report(SMALL_MLP, "--variant", "a=no-grad", "--target-precision", "0.0001%", "--rounds", "2",
                         "--warmup-iters", "1", "--warmup-time", "0", "--min-time", "0", "--max-iters", "60",
                         "--min-iters", "10")
        self.assertRc(run, 0)
        result = run.by_name("a")
        self.assertEqual(result["iterations"], 60)
        self.assertGreater(len(result["rounds"]["sizes"]), 2)  # went on past --rounds
        self.assertTrue(any("not reached" in w for w in result["warnings"]), result["warnings"])

    def test_bad_values(self):
        for value, needle in (("1", "percentage"), ("0%", "--target-precision"), ("100%", "--target-precision"),
                              ("x%", "percentage")):
            run = run_report(MLP, "--target-precision", value)
            self.assertRc(run, 2)
            self.assertOneErrorLine(run, needle)
        run = run_report(MLP, "--rounds", "0")
        self.assertRc(run, 2)
        self.assertOneErrorLine(run, "--rounds")


class AccuracyGateTest(CliTestCase):
    SMALL_RESNET = "builtin:resnet18:image=32,width=8,classes=10"

    def test_gates_that_hold(self):
        # Identical arithmetic: every gate holds, even a zero tolerance.
        run = run_report(SMALL_MLP, "--variant", "base=no-grad", "--variant", "same=no-grad",
                         "--variant", "other=inference-mode", "--min-cosine", "same=0.999999", "--max-abs-err", "0",
                         *FAST)
        self.assertRc(run, 0)
        self.assertTrue(run.by_name("same")["gate"]["passed"])
        self.assertEqual(run.by_name("same")["gate"]["limits"]["min_cosine"], 0.999999)
        self.assertEqual(run.by_name("other")["gate"]["limits"], {"max_abs_err": 0, "max_rel_err": None,
                                                                  "min_cosine": None})
        self.assertIsNone(run.by_name("base")["gate"])
        self.assertEqual(run.report["summary"]["gates_failed"], 0)

    def test_a_broken_gate_is_exit_1_and_marked(self):
        # optimize_for_inference swaps convolutions for MKLDNN ones, which sum in another order:
        # errors of ~1e-6, far from zero.
        run = run_report(self.SMALL_RESNET, "--variant", "base=no-grad", "--variant",
                         "opt=inference-mode,freeze,optimize", "--max-abs-err", "opt=0", "--min-cosine", "0.9", *FAST)
        self.assertRc(run, 1)
        gate = run.by_name("opt")["gate"]
        self.assertFalse(gate["passed"])
        self.assertEqual(len(gate["violations"]), 1, gate)
        self.assertIn("max abs err", gate["violations"][0])
        self.assertEqual(run.report["summary"]["gates_failed"], 1)
        self.assertEqual(run.report["summary"]["exit_code"], 1)
        self.assertIn("GATE FAILED", run.stdout)
        self.assertIn("opt: gate: max abs err", run.stdout)

    def test_an_unchecked_gate_is_broken(self):
        run = run_report(SMALL_MLP, "--variant", "base=no-grad", "--variant", "b=no-grad", "--min-cosine", "0.9",
                         *FAST, env={"TORCHBENCH_TEST_FAULT": "base:exit"})
        self.assertRc(run, 4)  # the baseline failed: 4 outweighs the gate
        gate = run.by_name("b")["gate"]
        self.assertFalse(gate["passed"])
        self.assertIn("not checked", gate["violations"][0])
        self.assertEqual(run.report["summary"]["gates_failed"], 1)

    def test_bad_gate_options(self):
        cases = [
            (["--min-cosine", "1.5"], "--min-cosine '1.5'"),
            (["--max-abs-err", "-1"], "0 or more"),
            (["--max-rel-err", "nope=0.1"], "no variant is named 'nope'"),
            (["--min-cosine", "naive=0.9"], "is the baseline"),
            (["--min-cosine", "no-grd=0.9"], "did you mean 'no-grad'"),
        ]
        for args, needle in cases:
            run = run_report(MLP, *args)
            self.assertRc(run, 2)
            self.assertOneErrorLine(run, needle)


if __name__ == "__main__":
    unittest.main()

"""The graph, precision, layout and CPU passes through the real binary: what they change in the
report (inputs as run, accuracy against the float32 baseline, threads, skipped variants), and
the impossible combinations rejected before any worker starts."""

import os
import unittest

from common import (EXIT_OK, EXIT_USAGE, FAST, MLP, RESNET_SMALL, TRANSFORMER_SMALL, CliTestCase, Workspace,
                    describe, run_cli, run_report)

RESNET_INPUT = "1x3x32x32"
ALLOWED_CPUS = sorted(os.sched_getaffinity(0))
# What these tests check is what the passes changed, not how long measuring took: on a busy
# machine --max-time (5 s in FAST) may stop a variant before FAST's 5 iterations.
MIN_ITERS = 1


class CnnPassesTest(CliTestCase):
    """One run of the small ResNet under every model pass; the baseline is plain no-grad."""

    VARIANTS = [
        ("base", "no-grad"),
        ("trace", "no-grad,trace"),
        ("frozen-trace", "freeze,trace,no-grad"),  # applied as trace, then freeze
        ("bf16", "bf16,no-grad"),
        ("fp16", "fp16,no-grad"),
        ("autocast", "autocast,no-grad"),
        ("channels-last", "channels-last,no-grad"),
        ("onednn", "fuser=onednn,freeze,no-grad"),
        ("simple", "executor=simple,no-grad"),
    ]

    @classmethod
    def setUpClass(cls):
        args = [RESNET_SMALL, *FAST]
        for name, passes in cls.VARIANTS:
            args += ["--variant", "%s=%s" % (name, passes)]
        cls.out = run_report(*args)

    def test_all_ran(self):
        self.assertRc(self.out.result, EXIT_OK)
        self.assertEqual([r["variant"] for r in self.out.results], [name for name, _ in self.VARIANTS])
        for r in self.out.results:
            with self.subTest(variant=r["variant"]):
                if r["variant"] == "onednn" and r["status"] == "skipped":
                    self.assertIn("MKLDNN", r["error"])  # a LibTorch without oneDNN
                    continue
                self.assertOkResult(r, MIN_ITERS)
        self.assertNoLeftovers(self.out)

    def test_graph_passes_keep_the_outputs(self):
        for name in ("trace", "frozen-trace", "channels-last", "simple"):
            with self.subTest(variant=name):
                r = self.out.by_name(name)
                self.assertAccurate(r, values_compared=10)
                self.assertEqual(r["inputs"], [RESNET_INPUT + ":float32"])
        onednn = self.out.by_name("onednn")
        if onednn["status"] == "ok":
            self.assertAccurate(onednn, values_compared=10)

    def test_whole_model_casts_show_in_inputs_and_accuracy(self):
        for name, dtype in (("bf16", "bfloat16"), ("fp16", "float16")):
            with self.subTest(variant=name):
                r = self.out.by_name(name)
                self.assertEqual(r["inputs"], [RESNET_INPUT + ":" + dtype])
                acc = r["accuracy"]
                self.assertIsNotNone(acc, r.get("accuracy_note"))
                self.assertGreater(acc["cosine"], 0.99)
                self.assertGreater(acc["max_abs_err"], 0)  # really ran in lower precision
                self.assertFalse(acc["non_finite"])

    def test_autocast_changes_the_computation_not_the_inputs(self):
        r = self.out.by_name("autocast")
        self.assertEqual(r["inputs"], [RESNET_INPUT + ":float32"])
        self.assertGreater(r["accuracy"]["cosine"], 0.99)
        self.assertGreater(r["accuracy"]["max_abs_err"], 1e-5)  # beyond float32 round-off


class NotApplicableTest(CliTestCase):
    """A pass that cannot act on this model or this LibTorch skips its variant with the reason."""

    @classmethod
    def setUpClass(cls):
        cls.out = run_report(TRANSFORMER_SMALL, *FAST, "--variant", "base=no-grad", "--variant",
                             "cl=channels-last,no-grad", "--variant", "nnc=fuser=tensorexpr,no-grad", "--variant",
                             "bf16=bf16,no-grad")

    def test_channels_last_without_image_inputs_is_skipped(self):
        self.assertRc(self.out.result, EXIT_OK)
        r = self.out.by_name("cl")
        self.assertEqual(r["status"], "skipped")
        self.assertIn("no 4-D floating-point input", r["error"])
        self.assertEqual(r["samples_ms"], [])
        self.assertIn("cl: channels-last: the model has no 4-D", self.out.stdout)

    def test_tensorexpr_needs_llvm_on_a_cpu(self):
        r = self.out.by_name("nnc")
        if r["status"] == "skipped":
            self.assertIn("without LLVM", r["error"])
        else:
            self.assertOkResult(r, MIN_ITERS)
            self.assertAccurate(r)

    def test_token_ids_stay_integers_under_bf16(self):
        r = self.out.by_name("bf16")
        self.assertOkResult(r, MIN_ITERS)
        self.assertEqual(r["inputs"], ["1x16:int64[0,30522)"])
        self.assertGreater(r["accuracy"]["cosine"], 0.99)

    def test_summary_counts_skips(self):
        summary = self.out.report["summary"]
        self.assertEqual(summary["ok"] + summary["skipped"], 4)
        self.assertGreaterEqual(summary["skipped"], 1)
        self.assertEqual(summary["failed"], 0)


class SeqLenSweepTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = run_report(TRANSFORMER_SMALL, *FAST, "--variant", "plain=no-grad", "--variant",
                             "traced=no-grad,trace", "--sweep", "seq-len=8,16", "--sweep", "batch=1,2")

    def test_variants_and_inputs(self):
        self.assertRc(self.out.result, EXIT_OK)
        got = [(r["variant"], r["inputs"], r["output_shapes"]) for r in self.out.results]
        expected = []
        for name in ("plain", "traced"):
            for seq in (8, 16):
                for batch in (1, 2):
                    expected.append(("%s/seq-len=%d/batch=%d" % (name, seq, batch), ["%dx%d:int64[0,30522)" % (batch, seq)],
                                     [[batch, seq, 64]]))
        self.assertEqual(got, expected)
        for r in self.out.results:
            self.assertOkResult(r, MIN_ITERS)

    def test_rows_and_lengths_shared_with_the_baseline_are_compared(self):
        # The baseline is plain/seq-len=8/batch=1: same length compares (rows it shares), a
        # different length is reported as not compared.
        self.assertAccurate(self.out.by_name("traced/seq-len=8/batch=1"))
        batch2 = self.out.by_name("plain/seq-len=8/batch=2")
        self.assertAccurate(batch2)
        self.assertIn("batch sizes differ", batch2["accuracy_note"])
        longer = self.out.by_name("plain/seq-len=16/batch=1")
        self.assertIsNone(longer["accuracy"])
        self.assertIn("not compared", longer["accuracy_note"])


class PinTest(CliTestCase):
    def test_pinned_worker_uses_one_thread_per_cpu(self):
        cpu = ALLOWED_CPUS[-1]
        out = run_report(MLP, *FAST, "--variant", "pinned=pin=%d,no-grad" % cpu, "--variant",
                         "pinned-2=pin=%d,threads=2,no-grad" % cpu)
        self.assertRc(out.result, EXIT_OK)
        self.assertEqual(out.by_name("pinned")["threads"], 1)
        self.assertEqual(out.by_name("pinned-2")["threads"], 2)  # threads=N overrides
        self.assertEqual(out.by_name("pinned")["passes"], ["pin=%d" % cpu, "no-grad"])

    def test_cpu_list_with_commas(self):
        cpus = ",".join(str(c) for c in ALLOWED_CPUS[:2])
        out = run_report(MLP, *FAST, "--variant", "v=pin=%s,no-grad" % cpus)
        self.assertRc(out.result, EXIT_OK)
        self.assertEqual(out.by_name("v")["passes"], ["pin=" + cpus, "no-grad"])
        self.assertEqual(out.by_name("v")["threads"], min(2, len(ALLOWED_CPUS)))


class ImpossibleCombinationsTest(CliTestCase):
    """Rejected by the parent before any worker starts: exit 2, one line, no report."""

    def check(self, variant, *needles, device=None):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        args = ["run", MLP, *FAST, "--variant", variant, "-o", ws.report_path]
        if device:
            args += ["--device", device]
        result = run_cli(*args, env=ws.env())
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "variant 'v'", *needles)
        self.assertEqual(result.stdout, "", describe(result))
        self.assertEqual(ws.out_listing(), [])
        self.assertEqual(ws.tmp_listing(), [])

    def test_precisions(self):
        self.check("v=bf16,fp16", "exclude each other")
        self.check("v=autocast,bf16", "cannot be combined", "autocast picks a dtype per op")
        self.check("v=fp16,autocast=fp16", "cannot be combined")

    def test_fuser_needs_the_profiling_executor(self):
        self.check("v=fuser=onednn,executor=simple", "needs the profiling executor")

    def test_bad_values(self):
        self.check("v=autocast=fp32", "takes one of bf16, fp16")
        self.check("v=fuser=nnc", "takes one of none, tensorexpr, onednn")
        self.check("v=seq-len=0", "needs a positive integer")
        self.check("v=pin=a", "needs a CPU list")
        self.check("v=trace=yes", "takes no value")

    def test_pin_outside_this_process_affinity(self):
        self.check("v=pin=%d" % (max(ALLOWED_CPUS) + 1), "is not available to this process", "it may use")


if __name__ == "__main__":
    unittest.main()

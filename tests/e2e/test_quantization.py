"""Dynamic quantization passes (int8-dynamic, fp16-dynamic) through the real binary: the
report's status, accuracy and pass notes, the skip when there is nothing to quantize, and
the usage errors for impossible combinations."""

import unittest

from common import (EXIT_OK, EXIT_USAGE, FAST, CliTestCase, describe, fixture, run_cli, run_report)

TRANSFORMER = "builtin:transformer"  # 4 layers x 6 Linear layers
TRANSFORMER_LINEARS = 4 * 6


class TransformerQuantizationTest(CliTestCase):
    """fp32 baseline against int8 per-tensor, int8 per-channel and fp16 weights, one run."""

    @classmethod
    def setUpClass(cls):
        cls.out = run_report(TRANSFORMER, "--variant", "fp32=inference-mode",
                             "--variant", "int8=inference-mode,int8-dynamic",
                             "--variant", "int8pc=inference-mode,int8-dynamic=per-channel",
                             "--variant", "fp16w=inference-mode,fp16-dynamic",
                             "--variant", "int8opt=inference-mode,optimize,int8-dynamic", *FAST, timeout=600)

    def test_all_ok(self):
        self.assertRc(self.out.result, EXIT_OK)
        self.assertIsNotNone(self.out.report, describe(self.out.result))
        for r in self.out.results:
            with self.subTest(variant=r["variant"]):
                self.assertOkResult(r)

    def test_accuracy_against_fp32(self):
        for name, min_cosine in (("int8", 0.99), ("int8pc", 0.99), ("int8opt", 0.99), ("fp16w", 0.9999)):
            with self.subTest(variant=name):
                acc = self.out.by_name(name)["accuracy"]
                self.assertIsNotNone(acc)
                self.assertGreaterEqual(acc["cosine"], min_cosine)
                self.assertLessEqual(acc["cosine"], 1.0 + 1e-9)
                self.assertFalse(acc["non_finite"])
                # Quantized: close, but not the float32 numbers.
                self.assertGreater(acc["max_abs_err"], 0)

    def test_pass_notes_say_what_was_quantized(self):
        expected = {
            "fp32": [],
            "int8": ["int8-dynamic: %d Linear layers to int8 per-tensor" % TRANSFORMER_LINEARS],
            "int8pc": ["int8-dynamic: %d Linear layers to int8 per-channel" % TRANSFORMER_LINEARS],
            "int8opt": ["int8-dynamic: %d Linear layers to int8 per-tensor" % TRANSFORMER_LINEARS],
            "fp16w": ["fp16-dynamic: %d Linear layers to fp16" % TRANSFORMER_LINEARS],
        }
        for name, prefixes in expected.items():
            with self.subTest(variant=name):
                notes = self.out.by_name(name)["pass_notes"]
                self.assertEqual(len(notes), len(prefixes), notes)
                for note, prefix in zip(notes, prefixes):
                    self.assertTrue(note.startswith(prefix), note)
                    self.assertIn("(engine ", note)
        # The table repeats them under the rows.
        self.assertIn("int8: int8-dynamic: %d Linear layers" % TRANSFORMER_LINEARS, self.out.stdout)


class TracedModelTest(CliTestCase):
    def test_traced_fixture_quantizes_its_linear_layers(self):
        out = run_report(fixture("traced_meta.pt"), "--variant", "base=no-grad",
                         "--variant", "q=no-grad,int8-dynamic=per-channel", *FAST)
        self.assertRc(out.result, EXIT_OK)
        q = out.by_name("q")
        self.assertOkResult(q)
        self.assertEqual(q["pass_notes"][0].split(" (")[0], "int8-dynamic: 2 Linear layers to int8 per-channel")
        self.assertGreaterEqual(q["accuracy"]["cosine"], 0.99)


class NothingToQuantizeTest(CliTestCase):
    def test_already_quantized_model_is_skipped_with_the_reason(self):
        out = run_report(fixture("quantized_dynamic.pt"), "--variant", "base=", "--variant", "q=int8-dynamic",
                         "--variant", "h=fp16-dynamic", *FAST)
        self.assertRc(out.result, EXIT_OK)
        self.assertEqual(out.report["summary"]["skipped"], 2, describe(out.result))
        self.assertEqual(out.by_name("base")["status"], "ok")
        for name, pass_name in (("q", "int8-dynamic"), ("h", "fp16-dynamic")):
            with self.subTest(variant=name):
                r = out.by_name(name)
                self.assertEqual(r["status"], "skipped")
                self.assertEqual(r["error"], "%s: the model has no Linear layer with a constant float32 weight "
                                 "to quantize" % pass_name)
                self.assertIsNone(r["stats"])
        self.assertIn("q: int8-dynamic: the model has no Linear layer", out.stdout)


class UsageErrorTest(CliTestCase):
    def check_usage_error(self, *args, needles):
        result = run_cli("run", "builtin:mlp", *args, *FAST)
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, *needles)
        self.assertEqual(result.stdout, "")

    def test_int8_and_fp16_exclude_each_other(self):
        self.check_usage_error("--variant", "q=int8-dynamic,fp16-dynamic",
                               needles=["variant 'q'", "int8-dynamic, fp16-dynamic exclude each other"])

    def test_unknown_granularity(self):
        self.check_usage_error("--variant", "q=int8-dynamic=per-chanel",
                               needles=["takes one of per-tensor, per-channel", "did you mean 'per-channel'"])

    def test_fp16_dynamic_takes_no_value(self):
        self.check_usage_error("--variant", "q=fp16-dynamic=yes", needles=["'fp16-dynamic' takes no value"])

    def test_passes_lists_both(self):
        result = run_cli("passes")
        self.assertRc(result, EXIT_OK)
        self.assertIn("int8-dynamic[=per-tensor|per-channel]", result.stdout)
        self.assertIn("fp16-dynamic", result.stdout)


if __name__ == "__main__":
    unittest.main()

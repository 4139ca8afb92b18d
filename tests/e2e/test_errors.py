"""Bad input: exactly one 'torchbench-cli: error: ...' line on stderr, the documented exit code
(2 usage/configuration, 3 model or input), nothing on stdout, and no report written."""

import os
import unittest

from common import EXIT_MODEL, EXIT_USAGE, FAST, MLP, CliTestCase, Workspace, describe, fixture, run_cli


class ErrorCase(CliTestCase):
    def check(self, args, code, *needles, env=None, fast=True):
        """Run ARGS (a `run` gets -o into a private directory and the fast timing flags) and
        check the one-line error, the exit code and that no file was created."""
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        args = list(args)
        if args and args[0] == "run":
            args += (FAST if fast else []) + ["-o", ws.report_path]
        result = run_cli(*args, env=ws.env(env))
        self.assertRc(result, code)
        line = self.assertOneErrorLine(result, *needles)
        self.assertEqual(result.stdout, "", "stdout must stay empty on an error\n" + describe(result))
        self.assertEqual(ws.out_listing(), [], "a failed run must not create a report")
        self.assertEqual(ws.tmp_listing(), [], "a failed run must not leave scratch files in TMPDIR")
        return line


class ModelFileErrorsTest(ErrorCase):
    """Exit 3: the model file cannot be loaded."""

    def test_missing_file(self):
        path = os.path.join(fixture(""), "no_such_model.pt")
        self.check(["run", path], EXIT_MODEL, path, "does not exist")

    def test_directory(self):
        self.check(["run", fixture("")], EXIT_MODEL, "directory")

    def test_empty_file(self):
        self.check(["run", fixture("empty.pt")], EXIT_MODEL, "empty.pt", "empty")

    def test_garbage_file(self):
        self.check(["run", fixture("garbage.pt")], EXIT_MODEL, "garbage.pt", "TorchScript")

    def test_zip_that_is_not_torchscript(self):
        self.check(["run", fixture("not_torchscript.pt")], EXIT_MODEL, "not_torchscript.pt", "TorchScript")

    def test_torch_save_file_is_named_as_such(self):
        self.check(["run", fixture("state_dict.pt")], EXIT_MODEL, "state_dict.pt", "torch.save", "torch.jit.save")

    def test_truncated_archive(self):
        self.check(["run", fixture("truncated.pt")], EXIT_MODEL, "truncated.pt", "TorchScript")

    def test_malformed_input_metadata(self):
        self.check(["run", fixture("bad_meta.pt")], EXIT_MODEL, "bad_meta.pt", "torchbench_inputs.json")


class ModelInputErrorsTest(ErrorCase):
    """Exit 3: the model loads, but the inputs do not fit it."""

    def test_no_metadata_and_no_input(self):
        self.check(["run", fixture("scripted_nometa.pt")], EXIT_MODEL, "scripted_nometa.pt", "--input",
                   "forward(x: Tensor)")

    def test_too_few_inputs_names_the_signature(self):
        self.check(["run", fixture("two_inputs.pt"), "--input", "1x8:float32"], EXIT_MODEL,
                   "forward(x: Tensor, mask: Tensor)", "needs 2 inputs, got 1")

    def test_wrong_input_shape(self):
        self.check(["run", fixture("scripted_meta.pt"), "--input", "1x5x32x32:float32"], EXIT_MODEL,
                   "channels", "1x5x32x32:float32", "--input")

    def test_wrong_input_dtype(self):
        self.check(["run", fixture("scripted_meta.pt"), "--input", "1x3x32x32:int64[0,10)"], EXIT_MODEL,
                   "int64", "--input")

    def test_too_many_inputs(self):
        self.check(["run", fixture("scripted_meta.pt"), "--input", "1x3x32x32:float32", "--input", "1x3:float32"],
                   EXIT_MODEL, "--input")

    def test_baseline_fails_on_first_call(self):
        # The baseline is the failing one, so every variant would fail the same way: exit 3.
        self.check(["run", fixture("raises_on_batch.pt"), "--variant", "big=no-grad,batch=4",
                    "--variant", "ok=no-grad"], EXIT_MODEL, "batch too large")

    def test_outputs_the_tool_cannot_compare(self):
        # forward returns (Tensor, str): every variant fails identically on its outputs, which
        # is a model error (3) with one clear line, not a "partial" report with nothing in it.
        self.check(["run", fixture("returns_string.pt")], EXIT_MODEL, "String")


class UsageErrorsTest(ErrorCase):
    """Exit 2: usage and configuration errors, caught before any worker runs."""

    def test_unknown_pass_did_you_mean(self):
        self.check(["run", MLP, "--variant", "a=frezee"], EXIT_USAGE, "frezee", "did you mean 'freeze'")

    def test_malformed_inputs(self):
        cases = {
            "1xfoo": "foo",
            "1x8:int64": "range",
            "1x8:float99": "float99",
            "0x8": "positive",
            "1x8:float32[0,1": "range",
            "": "empty",
            "1x8:int64[5,5)": "empty",
        }
        for spec, needle in cases.items():
            with self.subTest(spec=spec):
                self.check(["run", MLP, "--input", spec], EXIT_USAGE, "--input", needle)

    def test_unknown_flag(self):
        self.check(["run", MLP, "--bogus"], EXIT_USAGE, "--bogus")

    def test_unknown_subcommand(self):
        self.check(["frobnicate"], EXIT_USAGE, "frobnicate")
        self.check(["rnu"], EXIT_USAGE, "did you mean 'run'")

    def test_no_subcommand(self):
        self.check([], EXIT_USAGE)

    def test_extra_argument_to_listing_commands(self):
        self.check(["passes", "extra"], EXIT_USAGE, "extra")
        self.check(["env", "--bogus"], EXIT_USAGE, "--bogus")

    def test_zero_and_negative_timing_values(self):
        cases = [
            (["--min-iters", "0"], "--min-iters"),
            (["--min-iters", "-1"], "--min-iters"),
            (["--max-iters", "0"], "--max-iters"),
            (["--max-time", "0"], "--max-time"),
            (["--warmup-time", "-1"], "--warmup-time"),
            (["--warmup-iters", "-1"], "--warmup-iters"),
            (["--min-time", "-0.5"], "--min-time"),
            (["--variant-timeout", "0"], "--variant-timeout"),
            (["--variant-timeout", "-3"], "--variant-timeout"),
            (["--min-iters", "abc"], "--min-iters"),
            (["--min-iters", "10", "--max-iters", "5"], "--max-iters"),
        ]
        for flags, needle in cases:
            with self.subTest(flags=flags):
                self.check(["run", MLP, "--variant", "a=no-grad", *flags], EXIT_USAGE, needle, fast=False)

    def test_zero_and_negative_pass_values(self):
        cases = [
            ("a=batch=0", "batch"),
            ("a=batch=-1", "batch"),
            ("a=threads=0", "threads"),
            ("a=threads", "threads"),
            ("a=interop-threads=x", "interop-threads"),
        ]
        for variant, needle in cases:
            with self.subTest(variant=variant):
                self.check(["run", MLP, "--variant", variant], EXIT_USAGE, needle)
        self.check(["run", MLP, "--sweep", "batch=0"], EXIT_USAGE, "batch")

    def test_conflicting_passes(self):
        self.check(["run", MLP, "--variant", "a=grad,no-grad"], EXIT_USAGE, "exclude")
        self.check(["run", MLP, "--variant", "a=no-grad,inference-mode"], EXIT_USAGE, "exclude")

    def test_malformed_variants(self):
        self.check(["run", MLP, "--variant", "noequals"], EXIT_USAGE, "noequals")
        self.check(["run", MLP, "--variant", "bad name=grad"], EXIT_USAGE, "bad name")
        self.check(["run", MLP, "--variant", "a=freeze=1"], EXIT_USAGE, "freeze")
        self.check(["run", MLP, "--variant", "a=no-grad,no-grad"], EXIT_USAGE, "twice")
        self.check(["run", MLP, "--variant", "a=grad", "--variant", "a=no-grad"], EXIT_USAGE, "'a'")

    def test_malformed_sweeps(self):
        self.check(["run", MLP, "--sweep", "batch="], EXIT_USAGE, "--sweep")
        self.check(["run", MLP, "--sweep", "batch=1,1"], EXIT_USAGE, "repeats")
        self.check(["run", MLP, "--sweep", "nope=1,2"], EXIT_USAGE, "nope")

    def test_unknown_baseline(self):
        self.check(["run", MLP, "--baseline", "nope"], EXIT_USAGE, "--baseline", "nope", "naive")
        self.check(["run", MLP, "--variant", "a=grad", "--variant", "b=no-grad", "--baseline", "b2"],
                   EXIT_USAGE, "did you mean 'b'")

    def test_unknown_builtin(self):
        self.check(["run", "builtin:nope"], EXIT_USAGE, "nope")
        self.check(["run", "builtin:mpl"], EXIT_USAGE, "did you mean 'mlp'")
        self.check(["run", "builtin:"], EXIT_USAGE)

    def test_unknown_or_bad_builtin_parameter(self):
        self.check(["run", "builtin:mlp:foo=1"], EXIT_USAGE, "foo")
        self.check(["run", "builtin:mlp:hiden=3"], EXIT_USAGE, "did you mean 'hidden'")
        self.check(["run", "builtin:mlp:hidden=abc"], EXIT_USAGE, "hidden=abc")
        self.check(["run", "builtin:mlp:hidden=0"], EXIT_USAGE, "hidden")

    def test_cuda_on_cpu_only_build(self):
        for device in ("cuda", "cuda:0"):
            with self.subTest(device=device):
                self.check(["run", MLP, "--device", device], EXIT_USAGE, "--device", "CUDA")

    def test_unknown_device(self):
        self.check(["run", MLP, "--device", "tpu"], EXIT_USAGE, "tpu")

    def test_output_into_missing_directory(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        missing = os.path.join(ws.root, "missing", "r.json")
        result = run_cli("run", MLP, *FAST, "-o", missing, env=ws.env())
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "does not exist")
        self.assertFalse(os.path.exists(os.path.dirname(missing)))
        self.assertEqual(ws.tmp_listing(), [])

    def test_output_is_a_directory(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        result = run_cli("run", MLP, *FAST, "-o", ws.out_dir, env=ws.env())
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "directory")
        self.assertEqual(ws.out_listing(), [])

    def test_negative_seed(self):
        # --seed is unsigned: -1 must be refused, not wrapped to 18446744073709551615.
        self.check(["run", MLP, "--variant", "a=no-grad", "--seed", "-1"], EXIT_USAGE, "--seed")

    def test_empty_model_path(self):
        # An explicitly empty MODEL is a usage error, not "run the default built-in".
        self.check(["run", "", "--variant", "a=no-grad"], EXIT_USAGE)


class NoClobberTest(CliTestCase):
    """A failed run never replaces an existing report (docs/report-schema.md)."""

    def test_existing_report_survives_failed_runs(self):
        cases = [
            ("usage error", [MLP, "--variant", "a=frezee"], EXIT_USAGE),
            ("missing model", [os.path.join(fixture(""), "missing.pt")], EXIT_MODEL),
            ("garbage model", [fixture("garbage.pt")], EXIT_MODEL),
            ("wrong shape after workers ran", [fixture("scripted_meta.pt"), "--input", "1x5x32x32:float32"],
             EXIT_MODEL),
        ]
        for label, args, code in cases:
            with self.subTest(case=label):
                ws = Workspace()
                self.addCleanup(ws.cleanup)
                original = '{"schema_version": 1, "sentinel": "%s"}\n' % label
                with open(ws.report_path, "w") as f:
                    f.write(original)
                result = run_cli("run", *args, *FAST, "-o", ws.report_path, env=ws.env())
                self.assertRc(result, code)
                self.assertOneErrorLine(result)
                with open(ws.report_path) as f:
                    self.assertEqual(f.read(), original)
                self.assertEqual(ws.out_listing(), ["report.json"])
                self.assertEqual(ws.tmp_listing(), [])


if __name__ == "__main__":
    unittest.main()

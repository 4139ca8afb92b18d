"""A variant that fails while the others succeed: exit 4, the report holds every variant, the
failed one with status "failed" and a one-line error, the others "ok".

Real failures come from tests/fixtures (a model that raises on batch > 2); crashes, exits and
hangs from the test-only switch TORCHBENCH_TEST_FAULT=VARIANT:KIND (docs/architecture.md)."""

import time
import unittest

from common import EXIT_PARTIAL, FAST, MLP, CliTestCase, describe, fixture, run_report

FAULT = "TORCHBENCH_TEST_FAULT"


class PartialRunCase(CliTestCase):
    def check_partial(self, run, failed, ok):
        """`failed` is the failed variant's name, `ok` the others; returns the failed result."""
        self.assertRc(run.result, EXIT_PARTIAL)
        self.assertIsNotNone(run.report, "a partial run must still write its report\n" + describe(run.result))
        self.assertEqual(run.report["summary"],
                         {"ok": len(ok), "failed": 1, "skipped": 0, "exit_code": EXIT_PARTIAL})
        bad = run.by_name(failed)
        self.assertEqual(bad["status"], "failed")
        self.assertIsInstance(bad["error"], str)
        self.assertTrue(bad["error"].strip())
        self.assertNotIn("\n", bad["error"], "the error is one line")
        # Whatever was or was not measured, a failed variant carries no measurement.
        self.assertFalse(bad.get("samples_ms"), "a failed variant has no samples")
        stats = bad.get("stats")
        self.assertTrue(stats is None or stats.get("count") == 0, stats)
        self.assertIsNone(bad.get("accuracy"))
        for name in ok:
            with self.subTest(variant=name):
                self.assertOkResult(run.by_name(name))
        self.assertIn("FAILED", run.stderr)
        self.assertIn("report written to", run.stderr)
        self.assertNoLeftovers(run)
        return bad


class RaisingModelTest(PartialRunCase):
    """raises_on_batch.pt: a real model whose forward raises for batch > 2."""

    @classmethod
    def setUpClass(cls):
        cls.out = run_report(fixture("raises_on_batch.pt"), "--variant", "ok=no-grad",
                             "--variant", "big=no-grad,batch=4", *FAST)

    def test_partial_report(self):
        bad = self.check_partial(self.out, "big", ["ok"])
        self.assertIn("batch too large", bad["error"])
        self.assertEqual(bad.get("failure_stage"), "first_run")
        self.assertTrue(bad["error"].startswith("first_run: "), bad["error"])

    def test_order_and_baseline(self):
        self.assertEqual([r["variant"] for r in self.out.results], ["ok", "big"])
        self.assertTrue(self.out.by_name("ok")["baseline"])
        self.assertFalse(self.out.by_name("big")["baseline"])
        self.assertIsNone(self.out.by_name("big")["speedup_vs_baseline"])

    def test_table_marks_the_failure(self):
        self.assertRegex(self.out.stdout, r"(?m)^big\s.*failed\s*$")
        self.assertIn("batch too large", self.out.stdout)


class InjectedFaultTest(PartialRunCase):
    """The middle variant's worker crashes, exits or throws; the variants around it succeed."""

    VARIANTS = ["--variant", "a=no-grad", "--variant", "b=inference-mode", "--variant", "c=grad"]

    def run_fault(self, kind, *extra):
        return run_report(MLP, *self.VARIANTS, *FAST, *extra, env={FAULT: "b:" + kind})

    def check_crash(self, kind, signal_name, signal_number):
        run = self.run_fault(kind)
        bad = self.check_partial(run, "b", ["a", "c"])
        self.assertIn(signal_name, bad["error"])
        self.assertIn("signal %d" % signal_number, bad["error"])
        self.assertTrue(bad["worker"]["outcome"].startswith("killed by signal %d" % signal_number),
                        bad["worker"]["outcome"])
        # The variant after the crash still compares against the baseline.
        self.assertAccurate(run.by_name("c"), values_compared=10)

    def test_segfault(self):
        self.check_crash("segfault", "SIGSEGV", 11)

    def test_abort(self):
        self.check_crash("abort", "SIGABRT", 6)

    def test_uncaught_exception(self):
        # docs/architecture.md: "segfault / abort / uncaught exception" -> "worker killed by
        # signal"; the injected throw is meant to escape (std::terminate -> SIGABRT).
        self.check_crash("throw", "SIGABRT", 6)

    def test_exit_without_result(self):
        run = self.run_fault("exit")
        bad = self.check_partial(run, "b", ["a", "c"])
        self.assertIn("exit code 7", bad["error"])
        self.assertEqual(bad["worker"]["outcome"], "exit code 7")

    def test_fault_for_another_name_changes_nothing(self):
        run = run_report(MLP, "--variant", "a=no-grad", *FAST, env={FAULT: "zz:segfault"})
        self.assertRc(run.result, 0)
        self.assertOkResult(run.results[0])


class BaselineCrashTest(PartialRunCase):
    def test_baseline_crash_keeps_the_others_without_accuracy(self):
        run = run_report(MLP, "--variant", "a=no-grad", "--variant", "b=inference-mode", *FAST,
                         env={FAULT: "a:segfault"})
        bad = self.check_partial(run, "a", ["b"])
        self.assertIn("SIGSEGV", bad["error"])
        self.assertTrue(bad["baseline"])
        b = run.by_name("b")
        self.assertIsNone(b["accuracy"])
        self.assertIn("baseline", b.get("accuracy_note", ""))
        self.assertIsNone(b["speedup_vs_baseline"])


class HangTest(PartialRunCase):
    def test_hang_is_killed_at_the_variant_timeout(self):
        start = time.monotonic()
        run = run_report(MLP, "--variant", "a=no-grad", "--variant", "b=inference-mode", *FAST,
                         "--variant-timeout", "3", env={FAULT: "b:hang"})
        elapsed = time.monotonic() - start
        bad = self.check_partial(run, "b", ["a"])
        self.assertIn("timed out", bad["error"])
        self.assertTrue(bad["worker"]["outcome"].startswith("timed out"), bad["worker"]["outcome"])
        self.assertGreaterEqual(bad["worker"]["wall_seconds"], 3)
        self.assertLess(bad["worker"]["wall_seconds"], 10)
        self.assertEqual(run.report["config"]["variant_timeout_seconds"], 3)
        self.assertLess(elapsed, 60)


if __name__ == "__main__":
    unittest.main()

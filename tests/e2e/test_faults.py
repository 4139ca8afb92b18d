"""A variant that fails while the others succeed: exit 4, the report holds every variant, the
failed one with status "failed" and a one-line error, the others "ok".

Real failures come from tests/fixtures (a model that raises on batch > 2); crashes, exits and
hangs from the test-only switch TORCHBENCH_TEST_FAULT=VARIANT:KIND (docs/architecture.md)."""

import json
import os
import signal
import subprocess
import time
import unittest

from common import EXIT_PARTIAL, FAST, MLP, CliTestCase, Workspace, cli_path, describe, fixture, run_report

FAULT = "TORCHBENCH_TEST_FAULT"


class PartialRunCase(CliTestCase):
    def check_partial(self, run, failed, ok):
        """`failed` is the failed variant's name, `ok` the others; returns the failed result."""
        self.assertRc(run.result, EXIT_PARTIAL)
        self.assertIsNotNone(run.report, "a partial run must still write its report\n" + describe(run.result))
        self.assertEqual(run.report["summary"],
                         {"ok": len(ok), "failed": 1, "skipped": 0, "gates_failed": 0, "exit_code": EXIT_PARTIAL,
                          "complete": True, "interrupted_by": None})
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


class KilledRunTest(unittest.TestCase):
    """A `run` killed with SIGKILL takes its worker with it (PR_SET_PDEATHSIG), so nothing
    keeps measuring and disturbing the machine after the run is gone."""

    def workers_under(self, tmp_dir):
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().decode(errors="replace")
            except OSError:
                continue
            if "__worker" in cmdline and tmp_dir in cmdline:
                pids.append(int(entry))
        return pids

    def test_worker_dies_with_its_run(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        env = dict(os.environ, TMPDIR=ws.tmp_dir)
        parent = subprocess.Popen([cli_path(), "run", MLP, "--min-time", "60", "--max-time", "60", "-q"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: parent.poll() is None and parent.kill())
        deadline = time.monotonic() + 30
        while not self.workers_under(ws.tmp_dir):
            self.assertLess(time.monotonic(), deadline, "no worker process appeared")
            self.assertIsNone(parent.poll(), "the run ended before starting a worker")
            time.sleep(0.05)
        time.sleep(2)  # let the worker get past its start-up into warm-up and measurement
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while self.workers_under(ws.tmp_dir):
            self.assertLess(time.monotonic(), deadline, "the worker outlived its killed run")
            time.sleep(0.05)


class InterruptedRunTest(unittest.TestCase):
    """SIGINT or SIGTERM to `run`: the live workers are stopped, the report of what finished is
    written and marked incomplete, exit code 4, and no worker or scratch file is left behind.
    Sequential: the variants done are ok, the others skipped. Interleaved: the interrupt lands
    in a round, so every variant is skipped and keeps the samples of its finished rounds."""

    def interrupt_run(self, signal_number, schedule, wait_for):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        env = dict(os.environ, TMPDIR=ws.tmp_dir)
        args = [cli_path(), "run", MLP, "--variant", "a=no-grad", "--variant", "b=no-grad",
                "--variant", "c=no-grad", "--warmup-iters", "1", "--warmup-time", "0",
                "--min-time", "3", "--max-time", "3", "--schedule", schedule, "-o", ws.report_path]
        run = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: run.poll() is None and run.kill())
        deadline = time.monotonic() + 60
        seen = ""
        while wait_for not in seen:
            self.assertLess(time.monotonic(), deadline, f"never saw {wait_for!r}: {seen}")
            line = run.stderr.readline()
            self.assertTrue(line or run.poll() is None, f"the run ended early: {seen}")
            seen += line
        time.sleep(0.3)
        run.send_signal(signal_number)
        stdout, stderr = run.communicate(timeout=30)
        stderr = seen + stderr
        self.assertEqual(run.returncode, 4, stderr)
        errors = [line for line in stderr.splitlines() if line.startswith("torchbench-cli: error:")]
        self.assertEqual(len(errors), 1, stderr)
        self.assertIn("interrupted by", errors[0])
        with open(ws.report_path) as f:
            report = json.load(f)
        summary = report["summary"]
        self.assertFalse(summary["complete"])
        self.assertEqual(summary["exit_code"], 4)
        self.assertEqual(os.listdir(ws.tmp_dir), [], "the scratch directory must be removed")
        self.assertEqual(sorted(os.listdir(ws.out_dir)), ["report.json"])
        return report

    def test_sigint_sequential(self):
        report = self.interrupt_run(signal.SIGINT, "sequential", "[1/3]")
        self.assertEqual(report["summary"]["interrupted_by"], "SIGINT")
        statuses = {r["variant"]: r["status"] for r in report["results"]}
        self.assertEqual(statuses, {"a": "ok", "b": "skipped", "c": "skipped"})
        self.assertEqual((report["summary"]["ok"], report["summary"]["skipped"]), (1, 2))

    def test_sigterm_interleaved_keeps_partial_samples(self):
        report = self.interrupt_run(signal.SIGTERM, "interleaved", "round 2:")
        self.assertEqual(report["summary"]["interrupted_by"], "SIGTERM")
        for result in report["results"]:
            self.assertEqual(result["status"], "skipped", result["variant"])
            self.assertIn("interrupted", result["error"])
            # At least the first two rounds finished for every variant.
            self.assertGreaterEqual(len(result["rounds"]["sizes"]), 2, result["variant"])
            self.assertEqual(sum(result["rounds"]["sizes"]), len(result["samples_ms"]))
            self.assertEqual(result["iterations"], len(result["samples_ms"]))

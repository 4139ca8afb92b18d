"""The GPU path through the real binary. On a machine without a CUDA device (a CPU-only
LibTorch, or no GPU) the GPU classes are SKIPPED, not passed: ctest and unittest show them as
skipped. What works without a GPU is tested everywhere: the CUDA passes are listed, a CUDA
pass on --device cpu, --timing throughput and --include-transfers on the CPU are usage errors
before anything runs, and a CPU report states its timing mode and that it has no transfers."""

import json
import unittest

from common import EXIT_OK, EXIT_USAGE, FAST, MLP, RESNET_SMALL, CliTestCase, Workspace, describe, run_cli, run_report

CUDA_PASSES = ["tf32", "cudnn-benchmark", "cuda-graph", "streams"]


def cuda_available():
    """True when this build's LibTorch sees a CUDA device (`env --json`)."""
    try:
        result = run_cli("env", "--json")
    except unittest.SkipTest:
        return False
    if result.rc != 0:
        return False
    return json.loads(result.stdout).get("libtorch", {}).get("accelerator") == "cuda"


HAVE_CUDA = cuda_available()


class CudaPassesOnCpuTest(CliTestCase):
    """Rejected by the parent before any worker starts: exit 2, one line naming the pass."""

    def check(self, variant, *needles, extra=()):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        result = run_cli("run", MLP, *FAST, "--device", "cpu", "--variant", variant, *extra, "-o",
                         ws.report_path, env=ws.env())
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, *needles)
        self.assertEqual(ws.out_listing(), [])
        self.assertEqual(ws.tmp_listing(), [])

    def test_each_cuda_pass_is_refused_on_cpu(self):
        for spec in ["tf32", "cudnn-benchmark", "cuda-graph", "streams=2"]:
            name = spec.split("=")[0]
            with self.subTest(pass_name=name):
                self.check("v=" + spec, "variant 'v'", "pass '%s'" % name, "--device cuda", "not cpu")

    def test_streams_needs_a_positive_count(self):
        self.check("v=streams=0", "positive integer")


class TimingModeTest(CliTestCase):
    def test_throughput_is_refused_on_cpu(self):
        result = run_cli("run", MLP, *FAST, "--timing", "throughput")
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "--timing throughput", "--device cuda")

    def test_unknown_mode(self):
        result = run_cli("run", MLP, *FAST, "--timing", "throughtput")
        self.assertRc(result, EXIT_USAGE)
        self.assertOneErrorLine(result, "--timing takes latency or throughput", "throughput")

    def test_cpu_report_states_latency_mode(self):
        out = run_report(MLP, *FAST, "--variant", "a=no-grad")
        self.assertRc(out.result, EXIT_OK)
        self.assertEqual(out.report["config"]["timing"]["mode"], "latency")
        self.assertIs(out.report["config"]["timing"]["include_transfers"], False)
        res = out.by_name("a")
        self.assertEqual(res["timing_mode"], "latency")
        self.assertEqual(res["timer"], "steady_clock")
        # The CPU keeps no host/enqueue/copy series and gets no bottleneck hint.
        for key in ("enqueue_samples_ms", "enqueue_stats", "bottleneck", "host_samples_ms", "per_stream_stats",
                    "transfers", "h2d_samples_ms", "d2h_samples_ms"):
            self.assertNotIn(key, res)


class IncludeTransfersTest(CliTestCase):
    def test_refused_on_cpu_before_anything_runs(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        for device in (["--device", "cpu"], []):  # cpu is the default
            with self.subTest(device=device):
                result = run_cli("run", MLP, *FAST, *device, "--include-transfers", "-o", ws.report_path,
                                 env=ws.env())
                self.assertRc(result, EXIT_USAGE)
                self.assertOneErrorLine(result, "--include-transfers needs a GPU", "--device cuda")
                self.assertEqual(ws.out_listing(), [])
                self.assertEqual(ws.tmp_listing(), [])

    def test_listed_in_help(self):
        result = run_cli("run", "--help")
        self.assertRc(result, EXIT_OK)
        self.assertIn("--include-transfers", result.stdout)


class PassListingTest(CliTestCase):
    def test_cuda_passes_are_listed(self):
        result = run_cli("passes")
        self.assertRc(result, EXIT_OK)
        for name in CUDA_PASSES:
            self.assertIn(name, result.stdout, describe(result))
        self.assertIn("streams=N", result.stdout)


@unittest.skipUnless(HAVE_CUDA, "no CUDA device visible to this build's LibTorch (`env --json`)")
class GpuRunTest(CliTestCase):
    """NOT YET RUN ON HARDWARE: written for a CUDA build on a GPU host (scripts/gpu_host.sh)."""

    def test_latency_and_throughput(self):
        for mode in ("latency", "throughput"):
            with self.subTest(mode=mode):
                out = run_report(RESNET_SMALL, *FAST, "--device", "cuda", "--timing", mode,
                                 "--variant", "fp32=no-grad", "--variant", "fp16=fp16,channels-last,no-grad")
                self.assertRc(out.result, EXIT_OK)
                self.assertEqual(out.report["config"]["timing"]["mode"], mode)
                for res in out.results:
                    self.assertEqual(res["timer"], "device_event")
                    self.assertEqual(res["timing_mode"], mode)
                    n = len(res["samples_ms"])
                    self.assertEqual(len(res["host_samples_ms"]), n)
                    self.assertEqual(len(res["enqueue_samples_ms"]), n)
                    self.assertIn(res["bottleneck"]["hint"], ("none", "enqueue_bound"))
                    self.assertEqual(res["transfers"], {"included": False})
                    self.assertGreater(res["memory"]["device_peak_allocated_bytes"], 0)

    def test_include_transfers(self):
        for mode in ("latency", "throughput"):
            with self.subTest(mode=mode):
                out = run_report(RESNET_SMALL, *FAST, "--device", "cuda", "--timing", mode, "--include-transfers",
                                 "--variant", "fp32=no-grad", "--variant", "graph=cuda-graph,no-grad")
                self.assertRc(out.result, EXIT_OK)
                self.assertIs(out.report["config"]["timing"]["include_transfers"], True)
                for res in out.results:
                    if res["status"] == "skipped":  # a capture the graph cannot hold
                        continue
                    n = len(res["samples_ms"])
                    self.assertEqual(len(res["h2d_samples_ms"]), n)
                    self.assertEqual(len(res["d2h_samples_ms"]), n)
                    self.assertGreater(res["h2d_stats"]["median_ms"], 0)
                    self.assertGreater(res["d2h_stats"]["median_ms"], 0)
                    self.assertTrue(res["transfers"]["included"])
                    # One 3x32x32 float32 image in, 10 float32 logits out.
                    self.assertEqual(res["transfers"]["h2d_bytes"], 3 * 32 * 32 * 4)
                    self.assertEqual(res["transfers"]["d2h_bytes"], 10 * 4)
                    self.assertIn(res["bottleneck"]["hint"], ("none", "enqueue_bound", "transfer_bound"))
                    self.assertIsNotNone(res["accuracy"] if not res["baseline"] else True)

    def test_gpu_passes(self):
        out = run_report(RESNET_SMALL, *FAST, "--device", "cuda", "--variant", "base=no-grad",
                         "--variant", "tf32=tf32,cudnn-benchmark,no-grad",
                         "--variant", "graph=cuda-graph,no-grad", "--variant", "streams=streams=2,no-grad",
                         "--variant", "autocast=autocast=fp16,no-grad")
        self.assertIn(out.rc, (EXIT_OK,), describe(out.result))
        streams = out.by_name("streams")
        self.assertEqual(streams["calls_per_sample"], 2)
        self.assertEqual(len(streams["per_stream_stats"]), 2)
        self.assertIn(out.by_name("graph")["status"], ("ok", "skipped"))

    def test_out_of_memory_is_the_variants_failure(self):
        out = run_report("builtin:mlp", *FAST, "--device", "cuda", "--input", "50000000x1024:float32",
                         "--variant", "huge=no-grad")
        res = out.by_name("huge")
        self.assertEqual(res["status"], "failed")
        self.assertEqual(res["failure_stage"], "out_of_memory")


if __name__ == "__main__":
    unittest.main()

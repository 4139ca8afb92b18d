"""Smoke tests of the listing subcommands: --version, --help (tune's too), passes, models, env."""

import json
import os
import platform
import re
import socket
import unittest

from common import EXIT_OK, GIT_SHA_RE, ISO_UTC_RE, CliTestCase, run_cli

SUBCOMMANDS = ["run", "compare", "tune", "report", "merge", "env", "passes", "models"]
PASSES = {
    "grad": "execution",
    "no-grad": "execution",
    "inference-mode": "execution",
    "autocast[=bf16|fp16]": "execution",
    "bf16": "model",
    "fp16": "model",
    "channels-last": "model",
    "trace": "model",
    "freeze": "model",
    "optimize": "model",
    "pin=CPUS": "process",
    "threads=N": "process",
    "interop-threads=N": "process",
    "executor=profiling|simple|legacy": "process",
    "fuser=none|tensorexpr|onednn": "process",
    "batch=N": "inputs",
    "int8-dynamic[=per-tensor|per-channel]": "model",
    "fp16-dynamic": "model",
    "seq-len=N": "inputs",
    "tf32": "process",
    "cudnn-benchmark": "process",
    "cuda-graph": "execution",
    "streams=N": "execution",
}


class VersionAndHelpTest(CliTestCase):
    def test_version(self):
        result = run_cli("--version")
        self.assertRc(result, EXIT_OK)
        m = re.fullmatch(r"torchbench-cli (\d+\.\d+\.\d+) \((\S+)\)\n", result.stdout)
        self.assertTrue(m, repr(result.stdout))
        self.assertRegex(m.group(2), GIT_SHA_RE)
        self.assertEqual(result.stderr, "")

    def test_top_level_help(self):
        result = run_cli("--help")
        self.assertRc(result, EXIT_OK)
        for name in SUBCOMMANDS:
            self.assertRegex(result.stdout, r"(?m)^\s+%s\s" % name)
        self.assertNotIn("__worker", result.stdout)  # internal subcommand stays hidden
        self.assertIn("Exit codes: 0 ok, 1 gate failed, 2 usage error, 3 model or input error, "
                      "4 some variants failed.", result.stdout)

    def test_help_on_every_subcommand(self):
        for name in SUBCOMMANDS:
            with self.subTest(subcommand=name):
                result = run_cli(name, "--help")
                self.assertRc(result, EXIT_OK)
                self.assertIn("Usage:", result.stdout)
                self.assertIn(name, result.stdout)

    def test_run_help_documents_the_options(self):
        out = run_cli("run", "--help").stdout
        for flag in ("--input", "--variant", "--sweep", "--baseline", "--device", "--seed", "--warmup-iters",
                     "--warmup-time", "--min-iters", "--min-time", "--max-time", "--max-iters",
                     "--variant-timeout", "--output", "--quiet", "--config", "--shard", "--list"):
            self.assertIn(flag, out)
        self.assertIn("naive=grad no-grad=no-grad inference-mode=inference-mode "
                      "optimized=inference-mode,freeze,optimize", re.sub(r"\s+", " ", out))


class PassesTest(CliTestCase):
    def test_passes_table(self):
        result = run_cli("passes")
        self.assertRc(result, EXIT_OK)
        self.assertEqual(result.stderr, "")
        rows = {}
        for line in result.stdout.splitlines()[1:]:
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[1] in ("execution", "model", "process", "inputs"):
                rows[parts[0]] = parts[1]
        self.assertEqual(rows, PASSES)
        self.assertTrue(result.stdout.startswith("PASS"))

    def test_passes_show_requirements_and_conflicts(self):
        lines = {line.split(None, 1)[0]: line for line in run_cli("passes").stdout.splitlines() if line.strip()}
        # One line per pass; requirements and conflicts (declared on either side) at its end.
        self.assertRegex(lines["bf16"], r"\[TorchScript; one of bf16\|fp16; not with autocast.*\]$")
        self.assertRegex(lines["autocast[=bf16|fp16]"], r"\[not with bf16, fp16.*\]$")
        self.assertRegex(lines["no-grad"], r"\[one of grad\|no-grad\|inference-mode\]$")
        self.assertRegex(lines["trace"], r"\[TorchScript\]$")
        self.assertNotIn("[", lines["batch=N"])


class ModelsTest(CliTestCase):
    def test_models_table(self):
        result = run_cli("models")
        self.assertRc(result, EXIT_OK)
        self.assertEqual(result.stderr, "")
        names = re.findall(r"(?m)^builtin:(\S+)", result.stdout)
        self.assertEqual(names, ["transformer", "resnet18", "mlp"])
        self.assertRegex(result.stdout, r"(?m)^builtin:transformer\s+\(default\)")
        params = dict(re.findall(r"(?ms)^builtin:(\S+).*?parameters: (\S+)", result.stdout))
        self.assertEqual(params["mlp"], "hidden=1024,in=256,layers=3,out=10")
        self.assertEqual(params["transformer"], "ffn=1024,heads=4,hidden=256,layers=4,seq=128,vocab=30522")
        self.assertEqual(params["resnet18"], "classes=1000,image=224,width=64")


class EnvTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.result = run_cli("env", "--json")
        cls.env = json.loads(cls.result.stdout)

    def test_exit_and_streams(self):
        self.assertRc(self.result, EXIT_OK)
        self.assertEqual(self.result.stderr, "")

    def test_fields(self):
        env = self.env
        self.assertEqual(env["hostname"], socket.gethostname())
        self.assertEqual(env["arch"], platform.machine())
        self.assertTrue(env["os"].startswith(platform.system()))
        self.assertEqual(env["device"], "cpu")
        self.assertRegex(env["date"], ISO_UTC_RE)
        self.assertRegex(env["git_sha"], GIT_SHA_RE)
        cpu = env["cpu"]
        self.assertTrue(cpu["model"].strip())
        self.assertEqual(cpu["logical_cpus"], os.cpu_count())
        self.assertEqual(cpu["affinity_cpus"], len(os.sched_getaffinity(0)))
        self.assertGreaterEqual(cpu["physical_cores"], 1)
        self.assertLessEqual(cpu["physical_cores"], cpu["logical_cpus"])
        self.assertIsInstance(cpu["flags"], list)
        self.assertIsInstance(env["load_average_1m"], (int, float))
        lt = env["libtorch"]
        self.assertRegex(lt["libtorch_version"], r"^2\.\d+")
        for key in ("cxx11_abi", "mkl", "mkldnn", "openmp", "cuda_compiled"):
            self.assertIsInstance(lt[key], bool, key)
        self.assertGreaterEqual(lt["default_threads"], 1)
        self.assertGreaterEqual(lt["default_interop_threads"], 1)
        if not lt["cuda_compiled"]:
            self.assertEqual(lt["accelerator"], "none")
            self.assertEqual(lt["accelerator_count"], 0)
        if env["nvidia_driver"] is None:
            self.assertEqual(env["gpus"], [])

    def test_version_matches(self):
        version = run_cli("--version").stdout.strip()
        self.assertEqual(version, "torchbench-cli %s (%s)" % (self.env["tool_version"], self.env["git_sha"]))

    def test_text_form(self):
        result = run_cli("env")
        self.assertRc(result, EXIT_OK)
        self.assertRegex(result.stdout, r"(?m)^libtorch\.libtorch_version\s+%s$" %
                         re.escape(self.env["libtorch"]["libtorch_version"]))
        self.assertRegex(result.stdout, r"(?m)^hostname\s+%s$" % re.escape(self.env["hostname"]))


if __name__ == "__main__":
    unittest.main()

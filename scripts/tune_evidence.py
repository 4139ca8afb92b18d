#!/usr/bin/env python3
"""Evidence for `torchbench-cli tune` (docs/tune.md): on each model, the exhaustive grid and
successive halving search the same space; does halving find the grid's winner (or one the
paired comparison cannot tell from it) in at most 30% of the grid's time?

Usage:
  tune_evidence.py [--cli PATH] [--models M1,M2] [--space KEY=VALUES]... [--grid-budget 14m]
                   [--fraction 0.3] [--processes 5] [--ab-time 8] [--out DIR] [--quick]

For each model:
  1. `tune MODEL --strategy grid --budget GRID_BUDGET` (every candidate measured as long as its
     finalists), timed;
  2. `tune MODEL --strategy halving --budget FRACTION x the grid's wall time`, timed;
  3. when the winners differ, both run against each other in one interleaved
     `run --processes N`, and `compare --a grid --b halving` gives the ratio halving/grid with
     its confidence interval: "within the CI" when the interval reaches 1 or below (halving's
     winner is not significantly slower).
It prints a Markdown table (also written to DIR/summary.md) with the machine, its load average
before and after each search, and keeps every report in DIR.

--quick: a small MLP, a 2-minute grid, for checking that the script works (not evidence).
Exit codes: 0 done (whatever the verdicts), 2 usage, 3 a command failed.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_CLI = os.path.join(REPO, "build", "apps", "torchbench-cli", "torchbench-cli")
DEFAULT_SPACE = ["graph=none,freeze,freeze+optimize", "precision=fp32,bf16,int8-dynamic,fp16-dynamic",
                 "threads=1,2", "interop-threads=1"]
TRANSFORMER = "builtin:transformer:layers=2,hidden=128,heads=4,seq=64"
MINILM = os.path.join(REPO, "out", "models", "minilm.pt")


def fail(message, code=2):
    sys.stderr.write("tune_evidence.py: error: %s\n" % message)
    sys.exit(code)


def load_average():
    try:
        return "%.2f" % os.getloadavg()[0]
    except OSError:
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run(cmd, timeout):
    """Runs a command; returns (exit code, wall seconds, stderr)."""
    sys.stderr.write("$ %s\n" % " ".join(cmd))
    started = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    return proc.returncode, time.monotonic() - started, proc.stderr, proc.stdout


def tune(args, model, strategy, budget, path):
    cmd = [args.cli, "tune", model, "--strategy", strategy, "--budget", budget, "-q", "-o", path]
    for space in args.space:
        cmd += ["--space", space]
    cmd += args.tune_args
    before = load_average()
    rc, wall, err, _ = run(cmd, timeout=24 * 3600)
    if rc == 2 and "is too small" in err:
        return {"too_small": err.strip().splitlines()[-1], "wall": wall, "load_before": before,
                "load_after": load_average()}
    if rc not in (0, 1) or not os.path.exists(path):
        fail("tune (%s) on %s exited %d: %s" % (strategy, model, rc, err.strip()[-2000:]), 3)
    with open(path) as f:
        report = json.load(f)
    return {"report": report, "tune": report["tune"], "wall": wall, "load_before": before,
            "load_after": load_average()}


def winner(search):
    w = search["tune"]["winner"]
    return (w["variant"], w["passes"]) if w else (None, None)


def head_to_head(args, model, grid_passes, halving_passes, path):
    """Both winners in one interleaved run; compare's verdict of halving against grid."""
    cmd = [args.cli, "run", model, "--variant", "grid=" + grid_passes, "--variant", "halving=" + halving_passes,
           "--processes", str(args.processes), "--min-time", str(args.ab_time), "--max-time", str(args.ab_time),
           "--min-iters", "10", "-q", "-o", path]
    rc, _, err, _ = run(cmd, timeout=3600)
    if rc not in (0, 1):
        fail("run of the two winners exited %d: %s" % (rc, err.strip()[-2000:]), 3)
    rc, _, err, out = run([args.cli, "compare", path, "--a", "grid", "--b", "halving", "--format", "json",
                           "--fail-on", "never", "--threshold", args.threshold], timeout=600)
    if rc != 0:
        fail("compare exited %d: %s" % (rc, err.strip()), 3)
    return json.loads(out)["comparisons"][0]


def percent(ratio):
    return "%+.1f%%" % ((ratio - 1) * 100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", default=DEFAULT_CLI)
    parser.add_argument("--models", help="comma-separated; default: %s and %s when present" % (TRANSFORMER, MINILM))
    parser.add_argument("--space", action="append", help="as tune --space (repeatable); default: %s" %
                        " ".join(DEFAULT_SPACE))
    parser.add_argument("--grid-budget", default="14m", help="--budget of the grid (the reference)")
    parser.add_argument("--fraction", type=float, default=0.3, help="halving's budget: this x the grid's wall time")
    parser.add_argument("--processes", type=int, default=5, help="worker processes a side in the head-to-head run")
    parser.add_argument("--ab-time", type=float, default=8.0, help="measured seconds a side in the head-to-head run")
    parser.add_argument("--threshold", default="2%", help="compare --threshold for the head-to-head verdict")
    parser.add_argument("--out", default=os.path.join(REPO, "out", "tune-evidence"))
    parser.add_argument("--quick", action="store_true", help="a small MLP and short budgets: checks the script")
    parser.add_argument("tune_args", nargs="*", help="more tune options after --, e.g. -- --warmup-time 0.2")
    args = parser.parse_args()
    if not os.access(args.cli, os.X_OK):
        fail("no torchbench-cli at %s (build it, or give --cli)" % args.cli)
    if not 0 < args.fraction <= 1:
        fail("--fraction must be in (0, 1]")
    args.space = args.space or DEFAULT_SPACE
    if args.quick:
        models = ["builtin:mlp:in=16,hidden=32,layers=2,out=4"]
        args.grid_budget = "2m"
        args.ab_time = 1.0
        args.processes = 2
        if args.space == DEFAULT_SPACE:
            args.space = ["graph=none,freeze", "precision=fp32,int8-dynamic", "threads=1,2", "interop-threads=1"]
    elif args.models:
        models = [m for m in args.models.split(",") if m]
    else:
        models = [TRANSFORMER] + ([MINILM] if os.path.exists(MINILM) else [])
    os.makedirs(args.out, exist_ok=True)

    rows = []
    for model in models:
        stem = os.path.splitext(os.path.basename(model.replace(":", "_").replace(",", "_")))[0]
        grid = tune(args, model, "grid", args.grid_budget, os.path.join(args.out, stem + "-grid.json"))
        halving_budget = "%ds" % max(1, int(args.fraction * grid["wall"]))
        halving = tune(args, model, "halving", halving_budget, os.path.join(args.out, stem + "-halving.json"))
        if "too_small" in halving:
            rows.append({"model": model, "candidates": len(grid["tune"]["candidates"]),
                         "grid": "%s (%s)" % winner(grid), "halving": "-", "rungs": "-",
                         "grid_wall": grid["wall"], "halving_wall": float("nan"), "ratio": float("nan"),
                         "agreement": "halving does not fit in %s: %s" % (halving_budget, halving["too_small"]),
                         "load": "%s→%s" % (grid["load_before"], grid["load_after"])})
            continue
        (grid_name, grid_passes), (halving_name, halving_passes) = winner(grid), winner(halving)
        if grid_name is None or halving_name is None:
            agreement = "no winner (grid: %s, halving: %s)" % (grid_name, halving_name)
        elif grid_passes == halving_passes:
            agreement = "same winner"
        else:
            c = head_to_head(args, model, grid_passes, halving_passes, os.path.join(args.out, stem + "-ab.json"))
            inside = c["ratio_low"] is not None and c["ratio_low"] <= 1
            agreement = "%s: halving/grid %s, CI %s..%s (%s, %s)" % (
                "within the CI" if inside else "worse", percent(c["ratio"]), percent(c["ratio_low"]),
                percent(c["ratio_high"]), c["verdict"], c["method"])
        candidates = len(grid["tune"]["candidates"])
        rows.append({
            "model": model, "candidates": candidates,
            "grid": "%s (%s, tied: %s)" % (grid_name, grid_passes, ", ".join(grid["tune"]["tied"]) or "none"),
            "halving": "%s (%s, tied: %s)" % (halving_name, halving_passes,
                                              ", ".join(halving["tune"]["tied"]) or "none"),
            "grid_wall": grid["wall"], "halving_wall": halving["wall"], "ratio": halving["wall"] / grid["wall"],
            "agreement": agreement,
            "load": "%s→%s / %s→%s" % (grid["load_before"], grid["load_after"], halving["load_before"],
                                       halving["load_after"]),
            "rungs": " → ".join(str(r["measured"]) for r in halving["tune"]["rungs"]),
        })

    env = grid["report"]["environment"]
    lines = ["Machine: %s, %d logical CPUs, LibTorch %s; tune space: `%s`; grid `--budget %s`, halving "
             "`--budget` = %.0f%% of the grid's wall time; head-to-head: `run --processes %d`, %g s a side, "
             "`compare --threshold %s`." % (cpu_model(), os.cpu_count() or 0,
                                            env.get("libtorch", {}).get("libtorch_version", "?"),
                                            " ".join("--space " + s for s in args.space), args.grid_budget,
                                            args.fraction * 100, args.processes, args.ab_time, args.threshold),
             "",
             "| model | candidates | grid winner | grid wall | halving winner | halving rungs | halving wall | "
             "ratio | agreement | load 1m (grid / halving) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| `%s` | %d | %s | %.0f s | %s | %s | %.0f s | %.0f%% | %s | %s |" % (
            r["model"], r["candidates"], r["grid"], r["grid_wall"], r["halving"], r["rungs"], r["halving_wall"],
            r["ratio"] * 100, r["agreement"], r["load"]))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Evidence for `torchbench-cli tune` (docs/tune.md): on each model, the exhaustive grid and
successive halving search the same space; does halving find the grid's winner (or one the
paired comparison cannot tell from it) in at most 30% of the grid's time?

Usage:
  tune_evidence.py [--cli PATH] [--model M]... [--space KEY=VALUES]... [--grid-budget 14m]
                   [--fraction 0.3] [--repeats 1] [--resume] [--processes 5] [--ab-time 8]
                   [--out DIR] [--quick]

For each model:
  1. `tune MODEL --strategy grid --budget GRID_BUDGET` (every candidate measured as long as its
     finalists), timed;
  2. `tune MODEL --strategy halving --budget FRACTION x the grid's wall time`, timed, --repeats
     times (one search can be lucky; the repeats show how often halving agrees);
  3. when a halving winner differs from the grid's, both run against each other in one
     interleaved `run --processes N`, and `compare --a grid --b halving` gives the ratio
     halving/grid with its confidence interval: "within the CI" when the interval reaches 1 or
     below (halving's winner is not significantly slower). Each distinct winner is compared once;
     the row also says when the grid's own final comparison tied the two.
--resume reads every report an earlier run left in DIR (the grid, the halving searches, the
head-to-head runs) instead of measuring it again, so `--resume --repeats 3` after a run with one
repeat adds two searches. A search read back has its own `tune.elapsed_seconds` as its wall time
(a little less than the command's) unless this script wrote it (REPORT.meta keeps the command's).
It prints a Markdown table (also written to DIR/summary.md) with the machine and the share of
its CPU time that other programs used during each search, and keeps every report in DIR.

--quick: a small MLP, a 2-minute grid, for checking that the script works (not evidence).
Exit codes: 0 done (whatever the verdicts), 2 usage, 3 a command failed.
"""

import argparse
import json
import os
import platform
import resource
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


def cpu_snapshot():
    """(CPU seconds all CPUs spent busy, CPU seconds of this script and its reaped descendants,
    monotonic seconds); the busy time is None where /proc/stat is not readable."""
    busy = None
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        # user nice system idle iowait irq softirq steal ...: idle and iowait are not busy;
        # guest time is already in user.
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    ours = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        ours += usage.ru_utime + usage.ru_stime
    return busy, ours, time.monotonic()


def others_share(before, after):
    """The share of the machine's CPU time that other programs used between two snapshots: the
    busy time of every CPU less this script's and its descendants' (the load average would count
    the searches themselves, and the previous one for a minute after it ended)."""
    if before[0] is None or after[0] is None or after[2] <= before[2]:
        return "?"
    others = (after[0] - before[0]) - (after[1] - before[1])
    return "%.1f%%" % (100 * max(0.0, others) / ((after[2] - before[2]) * (os.cpu_count() or 1)))


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
    before = cpu_snapshot()
    rc, wall, err, _ = run(cmd, timeout=24 * 3600)
    others = others_share(before, cpu_snapshot())
    if rc == 2 and "is too small" in err:
        return {"too_small": err.strip().splitlines()[-1], "wall": wall, "others": others}
    if rc not in (0, 1) or not os.path.exists(path):
        fail("tune (%s) on %s exited %d: %s" % (strategy, model, rc, err.strip()[-2000:]), 3)
    with open(path) as f:
        report = json.load(f)
    # What --resume needs besides the report: the command's wall time and the machine's load.
    with open(path + ".meta", "w") as f:
        json.dump({"wall": wall, "others": others}, f)
    return {"report": report, "tune": report["tune"], "wall": wall, "others": others}


def search(args, model, strategy, budget, path):
    """tune, or with --resume the report an earlier run left at PATH."""
    if not (args.resume and os.path.exists(path)):
        return tune(args, model, strategy, budget, path)
    sys.stderr.write("reusing %s\n" % path)
    with open(path) as f:
        report = json.load(f)
    meta = {"wall": report["tune"]["elapsed_seconds"], "others": "?"}
    if os.path.exists(path + ".meta"):
        with open(path + ".meta") as f:
            meta = json.load(f)
    return {"report": report, "tune": report["tune"], "wall": meta["wall"], "others": meta["others"]}


def winner(search):
    w = search["tune"]["winner"]
    return (w["variant"], w["passes"]) if w else (None, None)


def head_to_head(args, model, grid_passes, halving_passes, path):
    """Both winners in one interleaved run (with --resume, the one at PATH when it ran these two);
    compare's verdict of halving against grid."""
    if args.resume and os.path.exists(path):
        with open(path) as f:
            ran = {r["variant"]: ",".join(r["passes"]) for r in json.load(f)["results"]}
        if ran.get("grid") == grid_passes and ran.get("halving") == halving_passes:
            sys.stderr.write("reusing %s\n" % path)
            return compare_winners(args, path)
    cmd = [args.cli, "run", model, "--variant", "grid=" + grid_passes, "--variant", "halving=" + halving_passes,
           "--processes", str(args.processes), "--min-time", str(args.ab_time), "--max-time", str(args.ab_time),
           "--min-iters", "10", "-q", "-o", path]
    rc, _, err, _ = run(cmd, timeout=3600)
    if rc not in (0, 1):
        fail("run of the two winners exited %d: %s" % (rc, err.strip()[-2000:]), 3)
    return compare_winners(args, path)


def compare_winners(args, path):
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
    parser.add_argument("--model", action="append", dest="models",
                        help="repeatable (a built-in's parameters hold commas); default: %s and %s when present" %
                        (TRANSFORMER, MINILM))
    parser.add_argument("--space", action="append", help="as tune --space (repeatable); default: %s" %
                        " ".join(DEFAULT_SPACE))
    parser.add_argument("--grid-budget", default="14m", help="--budget of the grid (the reference)")
    parser.add_argument("--fraction", type=float, default=0.3, help="halving's budget: this x the grid's wall time")
    parser.add_argument("--repeats", type=int, default=1, help="halving searches per model against the one grid")
    parser.add_argument("--resume", action="store_true",
                        help="read the reports an earlier run left in --out instead of measuring them again")
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
    if args.repeats < 1:
        fail("--repeats must be 1 or more")
    args.space = args.space or DEFAULT_SPACE
    if args.quick:
        models = ["builtin:mlp:in=16,hidden=32,layers=2,out=4"]
        args.grid_budget = "2m"
        args.ab_time = 1.0
        args.processes = 2
        if args.space == DEFAULT_SPACE:
            args.space = ["graph=none,freeze", "precision=fp32,int8-dynamic", "threads=1,2", "interop-threads=1"]
    elif args.models:
        models = args.models
    else:
        models = [TRANSFORMER] + ([MINILM] if os.path.exists(MINILM) else [])
    os.makedirs(args.out, exist_ok=True)

    rows = []
    for model in models:
        stem = os.path.splitext(os.path.basename(model.replace(":", "_").replace(",", "_")))[0]
        grid_path = os.path.join(args.out, stem + "-grid.json")
        grid = search(args, model, "grid", args.grid_budget, grid_path)
        grid_name, grid_passes = winner(grid)
        grid_text = "%s (%s, tied: %s)" % (grid_name, grid_passes, ", ".join(grid["tune"]["tied"]) or "none")
        halving_budget = "%ds" % max(1, int(args.fraction * grid["wall"]))
        verdicts = {}  # halving winner's passes -> agreement text (one head-to-head per distinct winner)
        for repeat in range(args.repeats):
            suffix = "" if repeat == 0 else "-%d" % (repeat + 1)
            halving = search(args, model, "halving", halving_budget,
                             os.path.join(args.out, stem + "-halving%s.json" % suffix))
            row = {"model": model, "repeat": repeat + 1, "candidates": len(grid["tune"]["candidates"]),
                   "grid": grid_text, "grid_wall": grid["wall"]}
            if "too_small" in halving:
                row.update({"halving": "-", "rungs": "-", "halving_wall": float("nan"), "ratio": float("nan"),
                            "agreed": False,
                            "agreement": "halving does not fit in %s: %s" % (halving_budget, halving["too_small"]),
                            "others": "%s / %s" % (grid["others"], halving["others"])})
                rows.append(row)
                continue
            halving_name, halving_passes = winner(halving)
            if grid_name is None or halving_name is None:
                agreed, agreement = False, "no winner (grid: %s, halving: %s)" % (grid_name, halving_name)
            elif grid_passes == halving_passes:
                agreed, agreement = True, "same winner"
            elif halving_passes in verdicts:
                agreed, agreement = verdicts[halving_passes]
            else:
                ab_suffix = "" if not verdicts else "-%d" % (len(verdicts) + 1)
                ab_path = os.path.join(args.out, stem + "-ab%s.json" % ab_suffix)
                c = head_to_head(args, model, grid_passes, halving_passes, ab_path)
                inside = c["ratio_low"] is not None and c["ratio_low"] <= 1
                agreed, agreement = inside, "%s: halving/grid %s, CI %s..%s (%s, %s)%s" % (
                    "within the CI" if inside else "worse", percent(c["ratio"]), percent(c["ratio_low"]),
                    percent(c["ratio_high"]), c["verdict"], c["method"],
                    "; tied with the grid's winner in the grid's own final" if halving_name in grid["tune"]["tied"]
                    else "")
                verdicts[halving_passes] = (agreed, agreement)
            row.update({
                "halving": "%s (%s, tied: %s)" % (halving_name, halving_passes,
                                                  ", ".join(halving["tune"]["tied"]) or "none"),
                "halving_wall": halving["wall"], "ratio": halving["wall"] / grid["wall"],
                "agreed": agreed, "agreement": agreement,
                "others": "%s / %s" % (grid["others"], halving["others"]),
                "rungs": " → ".join(str(r["measured"]) for r in halving["tune"]["rungs"]),
            })
            rows.append(row)

    env = grid["report"]["environment"]
    lines = ["Machine: %s, %d logical CPUs, LibTorch %s; tune space: `%s`; grid `--budget %s`, halving "
             "`--budget` = %.0f%% of the grid's wall time; head-to-head: `run --processes %d`, %g s a side, "
             "`compare --threshold %s`." % (cpu_model(), os.cpu_count() or 0,
                                            env.get("libtorch", {}).get("libtorch_version", "?"),
                                            " ".join("--space " + s for s in args.space), args.grid_budget,
                                            args.fraction * 100, args.processes, args.ab_time, args.threshold),
             "",
             "| model | run | candidates | grid winner | grid wall | halving winner | halving rungs | halving wall | "
             "ratio | agreement | other programs' CPU (grid / halving) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| `%s` | %d | %d | %s | %.0f s | %s | %s | %.0f s | %.0f%% | %s | %s |" % (
            r["model"], r["repeat"], r["candidates"], r["grid"], r["grid_wall"], r["halving"], r["rungs"],
            r["halving_wall"], r["ratio"] * 100, r["agreement"], r["others"]))
    lines.append("")
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        ratios = [r["ratio"] for r in mine if r["ratio"] == r["ratio"]]
        lines.append("`%s`: %d of %d halving searches found the grid's winner or one within its CI%s." % (
            model, sum(r["agreed"] for r in mine), len(mine),
            ", at %.0f%%..%.0f%% of the grid's time" % (min(ratios) * 100, max(ratios) * 100) if ratios else ""))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Search the fastest way to run one model with torchbench-cli, trials spread over a Ray cluster.

Usage:
  ray_tune.py MODEL [--space KEY=V1,V2,...]... [--fixed PASS]... [--baseline PASSES]
              [--objective latency-p50|latency-p99|throughput] [--min-cosine X] [--max-abs-err X]
              [--latency-budget MS] [--grid | --num-samples N] [--seed N] [--cpus-per-trial N]
              [--address local|auto|ray://HOST:PORT] [--num-cpus N] [--cli PATH]
              [--run-arg ARG]... [--trial-timeout S] [--storage-path DIR] [--name NAME]
              [-o RESULTS.json] [-q]

Each Ray Tune trial is one candidate (a list of passes) and runs, on whichever node Ray puts it:

  torchbench-cli run MODEL --variant base=<baseline passes> --variant cand=<candidate passes>
                 --baseline base [--min-cosine cand=X] [RUN-ARGS] -q -o <trial dir>/report.json

with as many intra-op threads as CPUs Ray gave the trial, reads the report back and reports the
candidate's median, p99, throughput, accuracy and status to Tune. A candidate the tool refuses
(an impossible pass combination, an unknown pass), that fails, crashes or is skipped is a
result with its error, never the end of the search; one that breaks a constraint is recorded
as infeasible with the reason. At the end: a table of every trial, the best feasible candidate,
the candidates statistically tied with it, and with -o a JSON file of every trial, written
atomically. docs/ray.md has the space syntax, the output fields and how to run on a cluster.

Exit codes (as torchbench-cli's): 0 a best candidate, no trial failed; 1 no candidate met the
constraints; 2 usage error, or every trial was refused by torchbench-cli as a usage error;
3 every trial failed on the model itself (cannot load, bad input); 4 a best candidate, but some
trials failed (the results hold them with their errors).
"""

import argparse
import datetime
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the ray_tune_*.py modules beside this file

import ray_tune_space  # noqa: E402
import ray_tune_trial  # noqa: E402
from ray_tune_results import (EXIT_MODEL, EXIT_USAGE, exit_code_for, fmt, pick_best, tied_with,  # noqa: E402
                              trial_record, trial_table, write_json_atomic)
from ray_tune_space import (UsageError, build_space, most_cpus, pass_name, sample_configs,  # noqa: E402
                            space_size, split_passes, suggestion, trial_cpus, candidate_passes,
                            baseline_passes, list_passes)
from ray_tune_trial import OBJECTIVES, STATUSES, run_candidate  # noqa: E402

REPO = os.path.dirname(HERE)
BUILT_CLI = os.path.join(REPO, "build", "apps", "torchbench-cli", "torchbench-cli")
PROG = "ray_tune.py"
RESULTS_FORMAT = 1  # "ray_tune_results" in the -o file; bump when a field changes meaning
# `run` flags the driver sets itself for every trial: a --run-arg may not set them.
OWNED_RUN_FLAGS = ("-o", "--output", "--variant", "--baseline", "--sweep", "-q", "--quiet", "--config")


class ModelError(Exception):
    pass


# --- Ray ------------------------------------------------------------------------------------------

def make_trainable(settings, dimensions, fixed):
    """The Tune function trainable: runs on a Ray worker, reports one result and returns."""
    def trainable(config):
        from ray import tune
        cpus = trial_cpus(config, dimensions, fixed, settings["cpus_per_trial"])
        passes = candidate_passes(config, dimensions, fixed, cpus)
        base = baseline_passes(settings["baseline"], passes)
        try:
            trial_dir = tune.get_context().get_trial_dir() or os.getcwd()
        except Exception:  # an older Ray without a trial context: the working directory is the trial's
            trial_dir = os.getcwd()
        outcome = run_candidate(settings, passes, base, trial_dir)
        outcome["cpus"] = cpus
        tune.report(outcome)
    return trainable


# --- Command line ---------------------------------------------------------------------------------

class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message + " (see --help)")


def parse_args(argv):
    parser = Parser(prog=PROG, description="Search the fastest torchbench-cli configuration of MODEL "
                    "with Ray Tune, one `torchbench-cli run` per candidate (docs/ray.md).")
    parser.add_argument("model", help="TorchScript file (.pt) or builtin:NAME[:key=value,...]")
    parser.add_argument("--space", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="a dimension: a pass with its values (threads=1,2), a pass on/off (freeze=on,off) "
                        "or your own name with pass lists (graph=none,freeze+optimize); replaces the "
                        "default dimension of that name (autograd, graph, precision)")
    parser.add_argument("--fixed", action="append", default=[], metavar="PASS",
                        help="passes every candidate has (repeatable, or comma-separated)")
    parser.add_argument("--baseline", default="grad", metavar="PASSES",
                        help="the reference variant for accuracy and speedup (default: grad)")
    parser.add_argument("--objective", choices=sorted(OBJECTIVES), default="latency-p50")
    parser.add_argument("--min-cosine", type=float, metavar="X", help="constraint: cosine vs the baseline >= X")
    parser.add_argument("--max-abs-err", type=float, metavar="X", help="constraint: max abs error <= X")
    parser.add_argument("--latency-budget", metavar="MS", help="constraint: p99 at most MS milliseconds (20, 20ms, 0.02s)")
    search = parser.add_mutually_exclusive_group()
    search.add_argument("--grid", action="store_true", help="every candidate of the space (the default)")
    search.add_argument("--num-samples", type=int, metavar="N", help="N distinct candidates drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="seed of --num-samples (default 0)")
    parser.add_argument("--cpus-per-trial", type=int, default=1, metavar="N",
                        help="CPUs (and threads) per trial unless it sets threads= or pin= (default 1)")
    parser.add_argument("--device", default="cpu", help="device of the runs: picks the default space (default cpu)")
    parser.add_argument("--address", default="local", metavar="local|auto|ray://HOST:PORT",
                        help="local: start a one-node Ray here; auto: join the cluster this node is part of; "
                        "ray://HOST:10001: Ray Client")
    parser.add_argument("--num-cpus", type=int, metavar="N", help="CPUs of the local Ray (default: all)")
    parser.add_argument("--cli", metavar="PATH", help="torchbench-cli on every node (default: this checkout's build, "
                        "else torchbench-cli on PATH)")
    parser.add_argument("--run-arg", action="append", default=[], metavar="ARG",
                        help="one more argument for every `torchbench-cli run`, e.g. --run-arg=--max-time=2")
    parser.add_argument("--trial-timeout", type=float, metavar="S", help="kill a trial's torchbench-cli after S s")
    parser.add_argument("--storage-path", metavar="DIR", help="Ray Tune's storage (trial reports); shared or "
                        "s3://... on a cluster (default: Ray's, ~/ray_results)")
    parser.add_argument("--name", metavar="NAME", help="experiment name (default: ray_tune-<time>)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write every trial as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if args.num_samples is not None and args.num_samples < 1:
        raise UsageError("--num-samples must be at least 1")
    if args.cpus_per_trial < 1:
        raise UsageError("--cpus-per-trial must be at least 1")
    if args.num_cpus is not None and args.num_cpus < 1:
        raise UsageError("--num-cpus must be at least 1")
    if args.trial_timeout is not None and not args.trial_timeout > 0:
        raise UsageError("--trial-timeout must be positive")
    if args.min_cosine is not None and not -1 <= args.min_cosine <= 1:
        raise UsageError("--min-cosine %g: a cosine is between -1 and 1" % args.min_cosine)
    if args.max_abs_err is not None and not args.max_abs_err >= 0:
        raise UsageError("--max-abs-err %g: must be 0 or more" % args.max_abs_err)
    args.latency_budget_ms = parse_duration_ms(args.latency_budget) if args.latency_budget else None
    for arg in args.run_arg:
        flag = arg.split("=", 1)[0]
        if flag in OWNED_RUN_FLAGS:
            raise UsageError("--run-arg %s: the driver sets %s itself for every trial" % (arg, flag))
    if args.address != "local" and args.address != "auto" and not args.address.startswith("ray://"):
        raise UsageError("--address '%s': expected local, auto or ray://HOST:PORT" % args.address)
    if args.output and not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        raise UsageError("-o %s: directory '%s' does not exist" % (args.output, os.path.dirname(args.output)))
    args.fixed = [p for text in args.fixed for p in split_passes(text)]
    args.baseline = split_passes(args.baseline)
    if not args.baseline:
        raise UsageError("--baseline: expected a pass list such as grad")
    return args


def parse_duration_ms(text):
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ms|s)?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise UsageError("--latency-budget '%s': expected a positive time such as 20, 20ms or 0.02s" % text)
    return float(match.group(1)) * (1000.0 if match.group(2) == "s" else 1.0)


def resolve_cli(path):
    if path:
        return os.path.abspath(path) if os.sep in path else (shutil.which(path) or path)
    if os.access(BUILT_CLI, os.X_OK):
        return BUILT_CLI
    return shutil.which("torchbench-cli") or BUILT_CLI


def resolve_model(model, address):
    """builtin:... as given; a file as an absolute path (the trials run in their own directories).
    On a local Ray a missing file is a model error now rather than in every trial."""
    if model.startswith("builtin:"):
        return model
    path = os.path.abspath(model)
    if address == "local" and not os.path.isfile(path):
        raise ModelError("model file '%s' not found" % model)
    return path


def log(args, text):
    """A progress line (stderr; -q drops it)."""
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)


def warn(text):
    """A warning (stderr, even with -q)."""
    print("warning: " + text, file=sys.stderr, flush=True)


def start_ray(args):
    """A one-node Ray here (--address local), or a connection to a cluster."""
    import logging
    import ray

    # Tune's own console output (a configuration box, a results path) would mix with the table:
    # its legacy reporter, at verbose=0, prints nothing; the progress lines are ours.
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    # The trial code lives in these modules: ship them by value, nothing of this checkout has to
    # be importable on the nodes.
    ray.cloudpickle.register_pickle_by_value(ray_tune_space)
    ray.cloudpickle.register_pickle_by_value(ray_tune_trial)
    try:
        if args.address == "local":
            # address="local" starts a new Ray even when RAY_ADDRESS points at a cluster.
            ray.init(address="local", num_cpus=args.num_cpus, include_dashboard=False,
                     logging_level=logging.ERROR, log_to_driver=False, object_store_memory=100 * 2**20)
        else:
            ray.init(address=args.address, logging_level=logging.ERROR, log_to_driver=False)
    except Exception as e:  # ConnectionError, RuntimeError, ValueError: Ray's words say which
        lines = str(e).strip().splitlines()
        raise UsageError("cannot start or reach Ray (--address %s): %s" % (args.address, lines[0] if lines else repr(e)))


def remote_passes(ray, cli):
    """The catalogue of the binary on a cluster node, when the driver's machine has none."""
    try:
        return ray.get(ray.remote(num_cpus=0)(list_passes).remote(cli))
    except Exception as e:  # a RayTaskError wrapping list_passes' UsageError
        cause = getattr(e, "cause", None) or e
        raise UsageError("on a cluster node: %s" % (str(cause).strip().splitlines() or ["?"])[-1])


def search(ray, args, settings, dimensions, fixed):
    """Run the Tuner; one record per trial."""
    from ray import tune

    resources = dict(ray.cluster_resources())
    needed = most_cpus(dimensions, fixed, args.cpus_per_trial)
    if needed > resources.get("CPU", 0):
        raise UsageError("a trial needs %d CPUs, the Ray cluster has %g; lower --cpus-per-trial or threads"
                         % (needed, resources.get("CPU", 0)))
    _, mode = OBJECTIVES[args.objective]
    size = space_size(dimensions)
    count = size if args.num_samples is None else min(args.num_samples, size)
    labels = {key: [label for label, _ in values] for key, values in dimensions}
    search_alg = None
    if args.num_samples is None:
        param_space = {key: tune.grid_search(values) for key, values in labels.items()}
        num_samples = 1
    else:
        # Distinct candidates: drawn here (seeded), then evaluated first by Tune's own generator.
        from ray.tune.search.basic_variant import BasicVariantGenerator
        param_space = {key: tune.choice(values) for key, values in labels.items()}
        points = sample_configs(dimensions, count, args.seed)
        search_alg = BasicVariantGenerator(points_to_evaluate=points, random_state=args.seed)
        num_samples = len(points)
    trainable = tune.with_resources(
        make_trainable(settings, dimensions, fixed),
        lambda config: tune.PlacementGroupFactory([{"CPU": trial_cpus(config, dimensions, fixed,
                                                                      args.cpus_per_trial)}]))
    tuner = tune.Tuner(
        trainable, param_space=param_space,
        tune_config=tune.TuneConfig(metric="objective", mode=mode, num_samples=num_samples, search_alg=search_alg),
        # sync_artifacts: each trial's report.json goes from its node to the storage path when
        # the trial ends (a blocking upload; a copy on a local or shared filesystem).
        run_config=tune.RunConfig(name=args.name, storage_path=args.storage_path, verbose=0,
                                  sync_config=tune.SyncConfig(sync_artifacts=True),
                                  callbacks=None if args.quiet else [progress_callback(args, count)]))
    grid = tuner.fit()
    trials = []
    for i in range(len(grid)):
        result = grid[i]
        metrics = result.metrics or {}
        trial_id = metrics.get("trial_id") or os.path.basename(result.path or "") or "trial_%d" % i
        error = None
        if result.error is not None:  # the trainable itself raised, or its worker died
            lines = str(result.error).strip().splitlines()
            error = "Ray: " + (lines[-1] if lines else repr(result.error))
        record = trial_record(trial_id, result.config, metrics, error)
        if record["report"] and result.path:
            # Where Tune put the trial directory: the node's copy may be on another machine.
            scheme = args.storage_path.split("://", 1)[0] + "://" if "://" in (args.storage_path or "") else ""
            record["report"] = scheme + os.path.join(result.path, "report.json")
        trials.append(record)
    return trials


def progress_callback(args, total):
    """A Tune callback printing one line per finished trial (defined here: it subclasses Ray's)."""
    from ray.tune import Callback

    class Progress(Callback):
        def __init__(self):
            self.done = 0

        def on_trial_complete(self, iteration, trials, trial, **info):
            self.done += 1
            m = trial.last_result or {}
            if m.get("status") in ("ok", "infeasible"):
                detail = "median %s ms, p99 %s ms, %s items/s" % (
                    fmt(m.get("median_ms"), "%.4g"), fmt(m.get("p99_ms"), "%.4g"), fmt(m.get("throughput_per_s"), "%.1f"))
            else:
                detail = m.get("error") or ""
            constraint = "; " + m["constraint"] if m.get("constraint") else ""
            log(args, "[%d/%d] %s: %s, %s%s" % (self.done, total, m.get("passes", trial.config), m.get("status", "?"),
                                               detail, constraint))

        def on_trial_error(self, iteration, trials, trial, **info):
            self.done += 1
            log(args, "[%d/%d] %s: the trial raised (see the results)" % (self.done, total, trial.config))

    return Progress()


# --- The driver -------------------------------------------------------------------------------------

def plan(args, cli, model, catalogue):
    """The dimensions, the passes of every candidate and the settings the trials need."""
    for p in args.fixed + args.baseline:
        if pass_name(p) not in catalogue:
            warn("'%s' is not a pass of this torchbench-cli%s; every trial will fail"
                 % (pass_name(p), suggestion(pass_name(p), catalogue)))
    dimensions, constant, warnings = build_space(args.space, args.fixed, catalogue, args.device)
    for w in warnings:
        warn(w)
    fixed = args.fixed + constant
    run_args = list(args.run_arg)
    if args.device != "cpu" and not any(a.split("=", 1)[0] == "--device" for a in run_args):
        run_args.append("--device=" + args.device)
    settings = {"cli": cli, "model": model, "baseline": args.baseline, "objective": args.objective,
                "min_cosine": args.min_cosine, "max_abs_err": args.max_abs_err,
                "latency_budget_ms": args.latency_budget_ms, "run_args": run_args,
                "trial_timeout": args.trial_timeout, "cpus_per_trial": args.cpus_per_trial}
    size = space_size(dimensions)
    log(args, "searching %d of %d candidates of %s (%s; %s) on Ray (%s)" % (
        size if args.num_samples is None else min(args.num_samples, size), size, args.model,
        ", ".join("%s: %s" % (k, "/".join(label for label, _ in v)) for k, v in dimensions) or "no dimension",
        "every candidate: " + ",".join(fixed) if fixed else "nothing fixed", args.address))
    return settings, dimensions, fixed


def print_summary(args, trials, best, tied):
    print(trial_table(trials, args.objective, best))
    counts = {s: sum(t["status"] == s for t in trials) for s in STATUSES}
    print("%d trials: %s" % (len(trials), ", ".join("%d %s" % (n, s) for s, n in counts.items() if n)))
    if best is None:
        if counts["infeasible"]:
            print("no candidate met the constraints")
        elif trials and all(t["status"] == "failed" and t["exit_code"] == EXIT_USAGE for t in trials):
            print("torchbench-cli refused every candidate as a usage error: check the passes and --run-arg")
        else:
            print("no candidate could be measured" if trials else "no trial ran")
        return
    metric, _ = OBJECTIVES[args.objective]
    ties = "; tied with %d other%s (95%% CIs of the medians overlap)" % (len(tied), "s" if len(tied) > 1 else "")
    print("best (%s): %s  %s %s%s" % (args.objective, ",".join(best["passes"]), metric,
                                      fmt(best["metrics"][metric], "%.4g"), ties if tied else ""))
    confirm = [best] + [t for t in trials if t["trial_id"] in tied][:3]
    print("confirm on the target machine: torchbench-cli run %s %s --processes 5" % (
        args.model, " ".join("--variant %s=%s" % ("best" if i == 0 else "tied%d" % i, ",".join(t["passes"]))
                             for i, t in enumerate(confirm))))


def results_document(args, settings, dimensions, fixed, trials, best, tied, code, ray_version, seconds):
    metric, mode = OBJECTIVES[args.objective]
    counts = {s: sum(t["status"] == s for t in trials) for s in STATUSES}
    return {
        "ray_tune_results": RESULTS_FORMAT,
        "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ray_version": ray_version, "cli": settings["cli"], "model": args.model,
        "objective": {"name": args.objective, "metric": metric, "mode": mode},
        "constraints": {"min_cosine": args.min_cosine, "max_abs_err": args.max_abs_err,
                        "latency_budget_ms": args.latency_budget_ms},
        "search": {"kind": "grid" if args.num_samples is None else "random", "num_samples": args.num_samples,
                   "seed": args.seed, "space_size": space_size(dimensions), "address": args.address,
                   "storage_path": args.storage_path, "name": args.name},
        "space": {key: {label: passes for label, passes in values} for key, values in dimensions},
        "fixed": fixed, "baseline_passes": args.baseline, "cpus_per_trial": args.cpus_per_trial,
        "run_args": settings["run_args"],
        "best": best["trial_id"] if best else None, "tied_with_best": tied,
        "trials": trials,
        "summary": dict(counts, trials=len(trials), exit_code=code, wall_seconds=round(seconds, 3)),
    }


def main(argv=None):
    started = time.monotonic()
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        cli = resolve_cli(args.cli)
        model = resolve_model(args.model, args.address)
        if args.storage_path and "://" not in args.storage_path:
            args.storage_path = os.path.abspath(args.storage_path)
        args.name = args.name or "ray_tune-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            catalogue = list_passes(cli)
        except UsageError:
            if args.address == "local":
                raise
            catalogue = None  # not on this machine: ask a node of the cluster
        planned = plan(args, cli, model, catalogue) if catalogue else None
        try:
            import ray.tune  # noqa: F401
        except ImportError as e:
            raise UsageError("Ray Tune is not importable by this Python (%s: %s); install "
                             "scripts/requirements-ray.txt (bash scripts/setup.sh does)" % (sys.executable, e))
        start_ray(args)
        try:
            if planned is None:
                planned = plan(args, cli, model, remote_passes(ray, cli))
            settings, dimensions, fixed = planned
            trials = search(ray, args, settings, dimensions, fixed)
        finally:
            ray.shutdown()
    except UsageError as e:
        print("%s: error: %s" % (PROG, e), file=sys.stderr)
        return EXIT_USAGE
    except ModelError as e:
        print("%s: error: %s" % (PROG, e), file=sys.stderr)
        return EXIT_MODEL

    best = pick_best(trials, args.objective)
    tied = tied_with(best, trials, args.objective)
    code = exit_code_for(trials, best)
    print_summary(args, trials, best, tied)
    if args.output:
        write_json_atomic(args.output, results_document(args, settings, dimensions, fixed, trials, best, tied, code,
                                                        ray.__version__, time.monotonic() - started))
        print("results written to %s" % args.output)
    return code


if __name__ == "__main__":
    sys.exit(main())

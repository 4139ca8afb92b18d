"""The results of scripts/ray_tune.py: one record per trial, the best feasible candidate, the
candidates tied with it, the exit code, the terminal table and the atomic JSON file. Pure
functions (no Ray)."""

import json
import math
import os
import tempfile

from ray_tune_space import split_passes
from ray_tune_trial import OBJECTIVES, STATUSES

EXIT_OK, EXIT_NONE_FEASIBLE, EXIT_USAGE, EXIT_MODEL, EXIT_PARTIAL = 0, 1, 2, 3, 4


# --- Results ----------------------------------------------------------------------------------------

def trial_record(trial_id, config, metrics, error=None):
    """One entry of the -o file from what Tune kept of a trial."""
    metrics = dict(metrics or {})
    record = {"trial_id": trial_id, "config": dict(config or {}),
              "passes": split_passes(metrics.get("passes") or ""),
              "status": metrics.get("status", "failed"), "error": metrics.get("error"),
              "constraint": metrics.get("constraint"), "note": metrics.get("note"),
              "feasible": bool(metrics.get("feasible")), "objective": metrics.get("objective"),
              "metrics": {k: metrics.get(k) for k in ("median_ms", "p99_ms", "throughput_per_s", "cosine",
                                                      "max_abs_err", "speedup_vs_baseline", "median_ci_low_ms",
                                                      "median_ci_high_ms", "peak_rss_bytes")},
              "baseline_passes": split_passes(metrics.get("baseline") or ""),
              "cpus": metrics.get("cpus"), "threads": metrics.get("threads"),
              "exit_code": metrics.get("exit_code"), "report": metrics.get("report"),
              "report_on_node": metrics.get("report"),
              "node": metrics.get("node"), "wall_seconds": metrics.get("wall_seconds"),
              "command": metrics.get("command")}
    if record["status"] not in ("ok", "infeasible"):
        # Tune was told 0 items/s (and infinite latency) so that it can rank; nothing was measured.
        record["metrics"] = dict.fromkeys(record["metrics"])
    if "status" not in metrics:
        record["error"] = error or "the trial reported nothing"
    elif error and not record["error"]:
        record["error"] = error
    return record


def pick_best(trials, objective):
    """The feasible trial with the best objective (ties broken by the narrower interval, then
    trial id), or None."""
    _, mode = OBJECTIVES[objective]
    feasible = [t for t in trials if t["feasible"] and t["objective"] is not None]
    if not feasible:
        return None
    sign = 1 if mode == "min" else -1
    return min(feasible, key=lambda t: (sign * t["objective"], t["trial_id"]))


def tied_with(best, trials, objective):
    """Feasible trials whose median's 95% CI overlaps the best's (latency-p50 only: the reports
    carry a CI for the median, not for p99 or throughput). Measured in different processes, maybe
    on different nodes: confirm a close call with one interleaved `torchbench-cli run`."""
    if best is None or objective != "latency-p50":
        return []
    low, high = best["metrics"]["median_ci_low_ms"], best["metrics"]["median_ci_high_ms"]
    if low is None or high is None:
        return []
    tied = []
    for t in trials:
        m = t["metrics"]
        if t is best or not t["feasible"] or m["median_ci_low_ms"] is None or m["median_ci_high_ms"] is None:
            continue
        if m["median_ci_low_ms"] <= high and low <= m["median_ci_high_ms"]:
            tied.append(t["trial_id"])
    return tied


def exit_code_for(trials, best):
    failed = [t for t in trials if t["status"] == "failed"]
    if trials and len(failed) == len(trials):
        codes = {t["exit_code"] for t in failed}
        if codes == {EXIT_USAGE}:
            return EXIT_USAGE
        if codes == {EXIT_MODEL}:
            return EXIT_MODEL
    if best is None:
        return EXIT_NONE_FEASIBLE
    return EXIT_PARTIAL if failed else EXIT_OK


def json_safe(value):
    """Infinity and NaN are not JSON: null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def write_json_atomic(path, document):
    """Temporary file in the same directory, fsync, rename: complete or absent."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(json_safe(document), f, indent=2, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def fmt(value, pattern):
    return "-" if value is None or (isinstance(value, float) and not math.isfinite(value)) else pattern % value


def trial_table(trials, objective, best):
    """The trials, feasible ones first by objective, as aligned text."""
    _, mode = OBJECTIVES[objective]
    sign = 1 if mode == "min" else -1
    order = sorted(trials, key=lambda t: (STATUSES.index(t["status"]) if t["status"] in STATUSES else 9,
                                          sign * (t["objective"] if t["objective"] is not None else math.inf),
                                          t["trial_id"]))
    header = ["", "passes", "status", "median ms", "p99 ms", "items/s", "cosine", "speedup", "node", "why"]
    rows = [header]
    for t in order:
        m = t["metrics"]
        why = t["constraint"] or t["error"] or t["note"] or ""
        rows.append(["*" if t is best else "", ",".join(t["passes"]) or "-", t["status"],
                     fmt(m["median_ms"], "%.4g"), fmt(m["p99_ms"], "%.4g"), fmt(m["throughput_per_s"], "%.1f"),
                     fmt(m["cosine"], "%.6f"), fmt(m["speedup_vs_baseline"], "%.2fx"), t["node"] or "-",
                     why[:110]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows)

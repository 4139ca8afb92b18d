"""One trial of scripts/ray_tune.py: run `torchbench-cli run` for a candidate and its baseline
and turn the exit code, the error line and the report into the result Tune records. It runs on
the Ray node of the trial; evaluate_run is pure (tested without Ray)."""

import json
import math
import os
import socket
import subprocess
import time


TOOL_ERROR_PREFIX = "torchbench-cli: error:"
OBJECTIVES = {
    # name: (metric in the results, Tune mode)
    "latency-p50": ("median_ms", "min"),
    "latency-p99": ("p99_ms", "min"),
    "throughput": ("throughput_per_s", "max"),
}
STATUSES = ("ok", "infeasible", "failed", "skipped")


# --- One trial --------------------------------------------------------------------------------------

def tool_error_line(stderr_text, rc):
    lines = [line.strip() for line in (stderr_text or "").splitlines() if line.strip()]
    for line in lines:
        if line.startswith(TOOL_ERROR_PREFIX):
            return line[len(TOOL_ERROR_PREFIX):].strip()
    if rc is not None and rc < 0:
        return "torchbench-cli killed by signal %d%s" % (-rc, ("; last output: " + lines[-1]) if lines else "")
    return lines[-1] if lines else "torchbench-cli exited with code %s and wrote no report" % rc


def objective_value(metrics, objective, feasible):
    metric, mode = OBJECTIVES[objective]
    value = metrics.get(metric)
    if feasible and value is not None:
        return value
    return math.inf if mode == "min" else 0.0


def evaluate_run(rc, stderr_text, report, objective, latency_budget_ms=None):
    """What one trial's `torchbench-cli run` says about its candidate: a flat dict of status
    (ok | infeasible | failed | skipped), error, constraint, metrics and the objective."""
    out = {"status": "failed", "error": None, "constraint": None, "note": None, "exit_code": rc,
           "median_ms": None, "p99_ms": None, "throughput_per_s": None, "cosine": None,
           "max_abs_err": None, "speedup_vs_baseline": None, "median_ci_low_ms": None,
           "median_ci_high_ms": None, "threads": None, "peak_rss_bytes": None}
    results = (report or {}).get("results") if isinstance(report, dict) else None
    if not isinstance(results, list):
        out["error"] = tool_error_line(stderr_text, rc) if report is None else "unreadable report"
        return _finish(out, objective)
    cand = next((r for r in results if isinstance(r, dict) and r.get("variant") == "cand"), None)
    base = next((r for r in results if isinstance(r, dict) and r.get("variant") == "base"), None)
    if cand is None:
        out["error"] = "the report has no result for the candidate"
        return _finish(out, objective)
    if base is not None and base.get("status") != "ok":
        out["note"] = "baseline %s: %s" % (base.get("status"), base.get("error"))
    if cand.get("status") != "ok":
        out["status"] = cand.get("status") if cand.get("status") in STATUSES else "failed"
        out["error"] = cand.get("error") or "status %s" % cand.get("status")
        return _finish(out, objective)
    stats = cand.get("stats") or {}
    accuracy = cand.get("accuracy") or {}
    ci = stats.get("median_ci") or {}
    out.update(median_ms=stats.get("median_ms"), p99_ms=stats.get("p99_ms"),
               throughput_per_s=cand.get("throughput_per_s"), cosine=accuracy.get("cosine"),
               max_abs_err=accuracy.get("max_abs_err"), speedup_vs_baseline=cand.get("speedup_vs_baseline"),
               median_ci_low_ms=ci.get("low_ms"), median_ci_high_ms=ci.get("high_ms"),
               threads=cand.get("threads"), peak_rss_bytes=(cand.get("memory") or {}).get("peak_rss_bytes"))
    gate = cand.get("gate")
    violations = list(gate.get("violations") or []) if isinstance(gate, dict) and not gate.get("passed", True) else []
    if latency_budget_ms is not None and out["p99_ms"] is not None and out["p99_ms"] > latency_budget_ms:
        violations.append("p99 %.4g ms > latency budget %g ms" % (out["p99_ms"], latency_budget_ms))
    out["status"] = "infeasible" if violations else "ok"
    out["constraint"] = "; ".join(violations) or None
    return _finish(out, objective)


def _finish(out, objective):
    out["feasible"] = out["status"] == "ok"
    out["objective"] = objective_value(out, objective, out["feasible"])
    # Tune's searchers compare numbers: a candidate without a measurement is infinitely slow.
    for key in ("median_ms", "p99_ms"):
        if out[key] is None:
            out[key] = math.inf
    if out["throughput_per_s"] is None:
        out["throughput_per_s"] = 0.0
    return out


def run_tool(command, cwd, timeout):
    """(exit code, stderr) of the command; past `timeout` seconds it gets SIGTERM (torchbench-cli
    then stops its workers and exits), SIGKILL 10 s later, and TimeoutExpired is raised."""
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL, cwd=cwd) as proc:
        try:
            _, stderr_text = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
            raise
        return proc.returncode, stderr_text


def run_candidate(settings, passes, base, trial_dir):
    """Run torchbench-cli for one candidate; the evaluate_run dict plus passes, report, node."""
    report_path = os.path.join(trial_dir, "report.json")
    command = [settings["cli"], "run", settings["model"], "--variant", "base=" + ",".join(base),
               "--variant", "cand=" + ",".join(passes), "--baseline", "base"]
    for option in ("min_cosine", "max_abs_err"):
        if settings[option] is not None:
            command += ["--" + option.replace("_", "-"), "cand=%r" % settings[option]]
    command += list(settings["run_args"]) + ["-q", "-o", report_path]
    started = time.monotonic()
    report, rc, stderr_text = None, None, ""
    try:
        os.makedirs(trial_dir, exist_ok=True)
        if os.path.exists(report_path):
            os.unlink(report_path)  # a restarted trial never reads an older report
        rc, stderr_text = run_tool(command, trial_dir, settings["trial_timeout"])
        if os.path.exists(report_path):
            with open(report_path) as f:
                report = json.load(f)
        outcome = evaluate_run(rc, stderr_text, report, settings["objective"], settings["latency_budget_ms"])
    except subprocess.TimeoutExpired:
        outcome = evaluate_run(None, "torchbench-cli: error: trial timed out after %g s (--trial-timeout)"
                               % settings["trial_timeout"], None, settings["objective"])
    except FileNotFoundError:
        outcome = evaluate_run(None, "torchbench-cli: error: no torchbench-cli at '%s' on node %s; install it "
                               "at the same path on every node or pass --cli" % (settings["cli"], socket.gethostname()),
                               None, settings["objective"])
    except OSError as e:
        outcome = evaluate_run(rc, "torchbench-cli: error: cannot run '%s' on node %s: %s"
                               % (settings["cli"], socket.gethostname(), e.strerror or e), None, settings["objective"])
    except ValueError as e:  # the report is not JSON
        outcome = evaluate_run(rc, "torchbench-cli: error: unreadable report %s: %s" % (report_path, e), None,
                               settings["objective"])
    outcome.update(passes=",".join(passes), baseline=",".join(base), command=command,
                   report=report_path if report is not None else None, node=socket.gethostname(),
                   wall_seconds=round(time.monotonic() - started, 3))
    return outcome

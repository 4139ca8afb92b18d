#!/usr/bin/env python3
"""Measure every optimization pass on the exported models and print Markdown tables.

Usage:
  bench_passes.py [--models-dir DIR] [--models NAMES] [--out DIR] [--cli PATH]
                  [--variants 'NAME=PASSES;...'] [--sweep-variants 'NAME=PASSES;...']
                  [--batches 1,8,32] [--max-time S] [--min-time S] ... [--markdown FILE]

For each model file in --models-dir (what scripts/export_models.py wrote; its models.json
names them) it runs, with the real binary:

  1. `torchbench-cli run MODEL --variant ... -o OUT/NAME.passes.json`: one variant per pass,
     the first (naive=grad) being the baseline every speedup and accuracy figure refers to;
  2. `torchbench-cli run MODEL --variant ... --sweep batch=1,8,32 -o OUT/NAME.batch.json`:
     throughput of the naive and the optimized variant per batch size.

It then reads the JSON reports and prints, per model, a table of: variant, passes, median
and p99 latency, throughput, peak RSS, serialized model size (when the report has it),
accuracy against the baseline (max abs err, cosine), speedup vs the baseline, and the
machine line (CPU, threads, LibTorch) from the report's environment block.

Passes that this build of torchbench-cli does not have are not an error: the script asks
`torchbench-cli passes` which exist and marks the other variants "not available"; a variant
the tool still rejects as a usage error (exit 2 naming the variant) is dropped the same way
and the run is repeated without it. channels-last is only tried on vision models (4-D float
input). Each tool run's output is kept in OUT/NAME.{passes,batch}.log.

Exit codes: 0 every model has its tables; 1 some model could not be run at all (its section
says why); 2 usage error (bad option, no models, binary missing).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_CLI = os.path.join(REPO, "build", "apps", "torchbench-cli", "torchbench-cli")
META_FILE = "torchbench_inputs.json"
NA = "–"

# (variant name, passes); the first is the baseline. channels-last is added for vision models.
DEFAULT_VARIANTS = [
    ("naive", "grad"),
    ("no-grad", "no-grad"),
    ("inference-mode", "inference-mode"),
    ("freeze", "freeze"),
    ("freeze+optimize", "freeze,optimize"),
    ("trace", "trace"),
    ("int8-dynamic", "int8-dynamic"),
    ("fp16-dynamic", "fp16-dynamic"),
    ("bf16", "bf16"),
    ("autocast-bf16", "autocast=bf16"),
]
VISION_VARIANTS = [("channels-last", "channels-last")]
VISION_ONLY_PASSES = {"channels-last"}
DEFAULT_SWEEP_VARIANTS = [("naive", "grad"), ("optimized", "inference-mode,freeze,optimize")]
DEFAULT_BATCHES = "1,8,32"

# The per-variant serialized model size: the report is about to get such a field; these are
# the names (dotted paths into a result) it is looked up under, first found wins.
ERROR_PREFIX = "torchbench-cli: error:"
REJECTED_VARIANT_RE = re.compile(r"variant '([^']+)'")
TIMING_OPTIONS = ("warmup-iters", "warmup-time", "min-iters", "min-time", "max-iters", "max-time",
                  "variant-timeout", "seed")


class UsageError(Exception):
    pass


# --- Inputs: the tool's pass list, the model files ------------------------------------------

def available_passes(cli):
    """Pass names from `torchbench-cli passes` (first column, without its value hint: `threads=N`,
    `autocast[=bf16|fp16]`)."""
    proc = subprocess.run([cli, "passes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise UsageError("`%s passes` failed (exit %d): %s" % (cli, proc.returncode, proc.stderr.strip()))
    names = set()
    for line in proc.stdout.splitlines()[1:]:  # the first line is the header
        if not line.strip():
            break
        names.add(re.split(r"[=\[]", line.split()[0])[0])
    if not names:
        raise UsageError("`%s passes` listed no passes" % cli)
    return names


def archive_inputs(path):
    """The input specs a .pt file carries in its extra file, or [] (read with zipfile: no torch)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in archive.namelist():
                if entry.endswith("/extra/" + META_FILE):
                    return json.loads(archive.read(entry)).get("inputs", [])
    except (OSError, zipfile.BadZipFile, ValueError):
        pass
    return []


def is_vision(inputs):
    """An image model: an input of rank 4 with a floating dtype (channels-last applies)."""
    for spec in inputs:
        dims, _, rest = spec.partition(":")
        dtype = re.split(r"[\[(]", rest)[0] or "float32"
        if len(dims.split("x")) == 4 and dtype.startswith(("float", "bfloat")):
            return True
    return False


def find_models(models_dir, wanted):
    """[(name, path, inputs, description)] from DIR/models.json, else every *.pt in DIR."""
    if not os.path.isdir(models_dir):
        raise UsageError("models directory '%s' does not exist; export the models first: "
                         "scripts/export_models.py --out %s" % (models_dir, models_dir))
    described = {}
    manifest_path = os.path.join(models_dir, "models.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            for entry in json.load(f).get("models", []):
                described[entry["file"]] = entry
    models = []
    for file in sorted(os.listdir(models_dir)):
        if not file.endswith(".pt"):
            continue
        entry = described.get(file, {})
        name = entry.get("name", file[:-3]) + ("-small" if entry.get("small") else "")
        description = entry.get("description", "")
        if entry.get("weights"):
            description += ", %s weights" % entry["weights"]
        models.append((name, os.path.join(models_dir, file), archive_inputs(os.path.join(models_dir, file)),
                       description.strip(", ")))
    if wanted:
        known = {m[0] for m in models} | {m[0].replace("-small", "") for m in models}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise UsageError("no model %s in %s (it has: %s)" % (", ".join(unknown), models_dir,
                                                               ", ".join(m[0] for m in models) or "none"))
        models = [m for m in models if m[0] in wanted or m[0].replace("-small", "") in wanted]
    if not models:
        raise UsageError("no .pt files in '%s'; export them with scripts/export_models.py --out %s" %
                         (models_dir, models_dir))
    return models


def parse_variant_list(text):
    """'naive=grad;fast=inference-mode,freeze' -> [(name, passes)]; a bare pass list names itself."""
    variants = []
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        name, eq, passes = item.partition("=")
        if not eq or "," in name:  # no NAME=: the whole item is the pass list
            name, passes = item.replace(",", "+").replace("=", "-"), item
        variants.append((name.strip(), passes.strip()))
    if not variants:
        raise UsageError("empty variant list %r; expected NAME=PASSES;NAME=PASSES" % text)
    return variants


def pass_names(passes):
    return [p.split("=")[0].strip() for p in passes.split(",") if p.strip()]


# --- Running the tool ------------------------------------------------------------------------

def run_tool(cli, model_path, variants, extra_args, report_path, log_path):
    """Run `torchbench-cli run`; returns (exit code, error line or None). Streams the tool's
    progress to stderr and keeps it in log_path."""
    command = [cli, "run", model_path]
    for name, passes in variants:
        command += ["--variant", "%s=%s" % (name, passes)]
    command += extra_args + ["-o", report_path]
    error = None
    with open(log_path, "a") as log:
        log.write("$ %s\n" % " ".join(command))
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                stdin=subprocess.DEVNULL)
        for line in proc.stdout:
            log.write(line)
            sys.stderr.write("  " + line)
            if line.startswith(ERROR_PREFIX):
                error = line[len(ERROR_PREFIX):].strip()
        rc = proc.wait()
        log.write("exit code %d\n\n" % rc)
    return rc, error


def run_dropping_rejected(cli, model_path, variants, extra_args, report_path, log_path, not_available):
    """Run the variants; a variant the tool rejects as a usage error (exit 2 naming it) is moved
    to not_available and the rest run again. Returns (report or None, error or None)."""
    variants = list(variants)
    if os.path.exists(report_path):
        os.unlink(report_path)  # never table an older run's report
    while variants:
        rc, error = run_tool(cli, model_path, variants, extra_args, report_path, log_path)
        if rc == 2 and error:
            match = REJECTED_VARIANT_RE.search(error)
            rejected = match.group(1) if match else None
            if rejected in [name for name, _ in variants] and len(variants) > 1 and rejected != variants[0][0]:
                not_available[rejected] = error.split(": ", 1)[-1]
                variants = [v for v in variants if v[0] != rejected]
                continue
        if os.path.exists(report_path):  # 0: all ok; 4: some variants failed, the report has the rest
            with open(report_path) as f:
                return json.load(f), None
        return None, error or "torchbench-cli exited with code %d and wrote no report" % rc
    return None, "no variant left to run"


# --- Tables ----------------------------------------------------------------------------------

def display_path(path):
    """Relative to the current directory when inside it, else absolute."""
    relative = os.path.relpath(path)
    return os.path.abspath(path) if relative.startswith("..") else relative


def model_size_bytes(result):
    """The serialized size of the module as it ran (docs/report-schema.md), or None."""
    value = result.get("model_size_bytes")
    return value if isinstance(value, (int, float)) else None


def fmt_ms(value):
    if value is None:
        return NA
    return "%.3g" % value if value < 1 else ("%.2f" % value if value < 100 else "%.1f" % value)


def fmt_num(value, pattern):
    return NA if value is None else pattern % value


def fmt_err(value):
    return NA if value is None else ("0" if value == 0 else "%.1e" % value)


def fmt_cosine(value):
    return NA if value is None else "%.6f" % value


def md_escape(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def result_row(res, show_batch):
    ok = res.get("status") == "ok"
    stats = res.get("stats") or {}
    acc = res.get("accuracy") or {}
    memory = res.get("memory") or {}
    size = model_size_bytes(res)
    rss = memory.get("peak_rss_bytes")
    if res.get("baseline"):
        accuracy = ["baseline", "baseline"]
    elif acc:
        accuracy = [fmt_err(acc.get("max_abs_err")), fmt_cosine(acc.get("cosine"))]
    else:
        accuracy = [NA, NA]
    status = res.get("status", "?")
    if not ok:
        status = "%s: %s" % (status, res.get("error") or "")
    speedup = res.get("speedup_vs_baseline")
    row = [res["variant"], "`%s`" % ",".join(res.get("passes", []))]
    if show_batch:
        row.append(str(res.get("batch", NA)))
    row += [fmt_ms(stats.get("median_ms") if ok else None),
            fmt_num(stats.get("cv") * 100 if ok and stats.get("cv") is not None else None, "%.1f%%"),
            fmt_ms(stats.get("p99_ms") if ok else None),
            fmt_num(res.get("throughput_per_s") if ok else None, "%.1f"),
            fmt_num(rss / 2**20 if rss else None, "%.0f"),
            fmt_num(size / 2**20 if size is not None else None, "%.2f"),
            *(accuracy if ok else [NA, NA]),
            fmt_num(speedup if ok else None, "%.2fx"), status]
    return [md_escape(c) for c in row]


def table(order, results, not_available, baseline_name, show_batch=False):
    """Rows in the order the variants were listed: a variant's results (one per batch size in a
    sweep), or its "not available" row."""
    header = ["variant", "passes"] + (["batch"] if show_batch else []) + [
        "median ms", "cv", "p99 ms", "items/s", "peak RSS MiB", "model MiB", "max abs err", "cosine",
        "speedup vs %s" % baseline_name, "status"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for name, passes in order:
        if name in not_available:
            cells = [name, "`%s`" % passes] + ([NA] if show_batch else []) + [NA] * 9 + [
                "not available: %s" % not_available[name]]
            lines.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
            continue
        for res in results:
            if res["variant"].split("/")[0] == name:
                lines.append("| " + " | ".join(result_row(res, show_batch)) + " |")
    notes = ["- %s: %s" % (res["variant"], md_escape(w)) for res in results for w in res.get("warnings") or []]
    return lines + (["", "Warnings from torchbench-cli:", ""] + notes if notes else [])


def machine_line(report):
    env = report.get("environment") or {}
    cpu = env.get("cpu") or {}
    torch = env.get("libtorch") or {}
    results = report.get("results") or [{}]
    threads = next((r.get("threads") for r in results if r.get("threads")), torch.get("default_threads"))
    interop = next((r.get("interop_threads") for r in results if r.get("interop_threads")),
                   torch.get("default_interop_threads"))
    return ("Machine: %s, %s logical CPUs (%s physical cores, %s usable); threads %s, interop %s; "
            "LibTorch %s; device %s; governor %s; load %s; torchbench-cli %s (%s)" % (
                cpu.get("model", "?"), cpu.get("logical_cpus", "?"), cpu.get("physical_cores", "?"),
                cpu.get("affinity_cpus", "?"), threads, interop, torch.get("libtorch_version", "?"),
                env.get("device", "?"), cpu.get("governor") or "n/a", fmt_num(env.get("load_average_1m"), "%.2f"),
                env.get("tool_version", "?"), env.get("git_sha", "?")))


# --- Main ------------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(prog="bench_passes.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-dir", default=os.path.join(REPO, "out", "models"), metavar="DIR",
                        help="where export_models.py wrote the .pt files (default: out/models)")
    parser.add_argument("--models", default="", metavar="NAMES",
                        help="comma-separated subset of the models in DIR (default: all)")
    parser.add_argument("--out", default=os.path.join(REPO, "out", "bench-passes"), metavar="DIR",
                        help="reports, logs and passes.md go here (default: out/bench-passes)")
    parser.add_argument("--cli", default=os.environ.get("TORCHBENCH_CLI", DEFAULT_CLI), metavar="PATH",
                        help="the torchbench-cli binary (default: build/apps/torchbench-cli/torchbench-cli)")
    parser.add_argument("--variants", metavar="'NAME=PASSES;...'",
                        help="replace the default pass list; the first variant is the baseline")
    parser.add_argument("--sweep-variants", metavar="'NAME=PASSES;...'",
                        help="variants of the batch sweep (default: naive=grad;optimized=inference-mode,freeze,optimize)")
    parser.add_argument("--batches", default=DEFAULT_BATCHES, metavar="B1,B2,...",
                        help="batch sizes of the throughput sweep; empty: no sweep (default: %s)" % DEFAULT_BATCHES)
    for option in TIMING_OPTIONS:
        parser.add_argument("--" + option, metavar="N", help="passed to torchbench-cli run")
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables here (default: OUT/passes.md)")
    args = parser.parse_args(argv)
    args.extra = []
    for option in TIMING_OPTIONS:
        value = getattr(args, option.replace("-", "_"))
        if value is not None:
            args.extra += ["--" + option, value]
    args.model_names = [m.strip() for m in args.models.split(",") if m.strip()]
    batches = [b.strip() for b in args.batches.split(",") if b.strip()]
    if any(not b.isdigit() or int(b) < 1 for b in batches):
        parser.error("--batches needs positive integers, e.g. 1,8,32 (got %r)" % args.batches)
    args.batch_list = batches
    return args


def split_available(variants, available, vision):
    """(runnable variants, {name: why not available}) in the listed order."""
    runnable, not_available = [], {}
    for variant, passes in variants:
        missing = [p for p in pass_names(passes) if p not in available]
        if missing:
            not_available[variant] = "this torchbench-cli has no pass %s" % ", ".join(missing)
        elif not vision and set(pass_names(passes)) & VISION_ONLY_PASSES:
            not_available[variant] = "vision models only"
        else:
            runnable.append((variant, passes))
    return runnable, not_available


def bench_table(args, path, variants, available, vision, extra_args, stem, show_batch, lines):
    """Run the available variants in one `torchbench-cli run` and append their table; returns
    whether a report came back."""
    runnable, not_available = split_available(variants, available, vision)
    baseline = variants[0][0]
    if not runnable or runnable[0][0] != baseline:
        lines += ["Not run: the baseline variant %s is not available (%s)." %
                  (baseline, not_available.get(baseline, "?")), ""]
        return None
    report, error = run_dropping_rejected(args.cli, path, runnable, extra_args, stem + ".json", stem + ".log",
                                          not_available)
    if report is None:
        lines += ["Not run: %s (log: %s.log)." % (error, display_path(stem)), ""]
        return None
    lines += table(variants, report["results"], not_available, baseline, show_batch) + [""]
    return report


def bench_model(args, available, name, path, inputs, description, lines):
    vision = is_vision(inputs)
    variants = args.variant_list or DEFAULT_VARIANTS + (VISION_VARIANTS if vision else [])
    lines += ["## %s" % name, "",
              "`%s`%s; inputs %s" % (display_path(path), " — " + description if description else "",
                                     ", ".join("`%s`" % i for i in inputs) or "none declared"), ""]
    machine_at = len(lines)
    stem = os.path.join(args.out, name)
    report = bench_table(args, path, variants, available, vision, args.extra, stem + ".passes", False, lines)
    if report is not None:
        lines[machine_at:machine_at] = [machine_line(report), ""]
    if not args.batch_list:
        return report is not None
    sweep_variants = args.sweep_variant_list or DEFAULT_SWEEP_VARIANTS
    lines += ["Throughput by batch size (speedup is per item vs %s/batch=%s):" %
              (sweep_variants[0][0], args.batch_list[0]), ""]
    sweep_args = args.extra + ["--sweep", "batch=" + ",".join(args.batch_list)]
    sweep = bench_table(args, path, sweep_variants, available, vision, sweep_args, stem + ".batch", True, lines)
    return report is not None and sweep is not None


def main(argv):
    args = parse_args(argv)
    try:
        if not os.access(args.cli, os.X_OK):
            raise UsageError("torchbench-cli not found at %s; build it (bash scripts/setup.sh) or pass --cli" % args.cli)
        available = available_passes(args.cli)
        models = find_models(args.models_dir, args.model_names)
        args.variant_list = parse_variant_list(args.variants) if args.variants else None
        args.sweep_variant_list = parse_variant_list(args.sweep_variants) if args.sweep_variants else None
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        sys.stderr.write("bench_passes.py: error: cannot create the output directory '%s': %s\n" % (args.out, e.strerror))
        return 2
    except UsageError as e:
        sys.stderr.write("bench_passes.py: error: %s\n" % e)
        return 2
    lines = ["# Optimization passes on real models", "",
             "Each variant ran in its own worker process; accuracy and speedup are against the first "
             "variant on the same generated inputs. `model MiB` is the serialized model after the "
             "variant's passes (%s when the report does not record it)." % NA, ""]
    all_ok = True
    try:
        for name, path, inputs, description in models:
            sys.stderr.write("bench_passes.py: %s (%s)\n" % (name, path))
            all_ok &= bench_model(args, available, name, path, inputs, description, lines)
    except KeyboardInterrupt:
        # The tool got the same Ctrl-C and kept the report of what had finished.
        sys.stderr.write("bench_passes.py: interrupted; the reports written so far are in %s\n" % args.out)
        return 130
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    markdown = args.markdown or os.path.join(args.out, "passes.md")
    with open(markdown, "w") as f:
        f.write(text)
    sys.stderr.write("bench_passes.py: tables written to %s\n" % markdown)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

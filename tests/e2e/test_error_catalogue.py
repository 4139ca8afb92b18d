"""The error catalogue (docs/errors.md), one table-driven test per case.

Every case runs the real binary and must show the same properties:
  - the documented exit code, and the process was not killed by a signal;
  - exactly one line on stderr, starting 'torchbench-cli: error:', naming the problem (the
    needles) and long enough to say what to do (`run` cases pass -q, so no progress lines);
  - nothing on stdout (unless the case says the table was printed before the error);
  - a report that already sits at the -o path is left byte for byte as it was, and nothing
    else appears next to it (no temporary report file);
  - nothing left in TMPDIR (the workers' scratch directory);
  - no core file: the run and its workers start in a private directory with RLIMIT_CORE
    raised, so a crash would leave one there (when the kernel's core_pattern is a plain name).

The case ids are the ids of docs/errors.md; CatalogueDocsTest keeps the two in step.
"""

import collections
import errno
import json
import os
import resource
import shutil
import subprocess
import tempfile
import unittest
import zipfile

from common import (ERROR_PREFIX, EXIT_MODEL, EXIT_PARTIAL, EXIT_USAGE, FAST, MLP, CliTestCase, REPO,
                    Workspace, cli_path, describe, fixture, fixtures_dir, run_cli)

DOCS = os.path.join(REPO, "docs", "errors.md")
SENTINEL = '{"schema_version": 1, "sentinel": "a report from an earlier run"}\n'

Case = collections.namedtuple("Case", "id rc args needles env files")


def case(case_id, rc, args, *needles, env=None, files=None):
    """`files`: {name: text} written into the case's directory first (reports to read)."""
    return Case(case_id, rc, list(args), needles, env or {}, files or {})


def report_text(edit=None):
    """A small valid report (what `compare` and `report` read), changed by `edit(report)`."""
    report = {"schema_version": 1, "tool": {"name": "torchbench-cli", "version": "0.1.0"},
              "results": [{"model": "builtin:mlp", "variant": "a", "status": "ok", "baseline": True,
                           "samples_ms": [1.0, 1.1, 0.9, 1.05, 0.95]},
                          {"model": "builtin:mlp", "variant": "b", "status": "ok",
                           "samples_ms": [0.5, 0.55, 0.45, 0.5, 0.52]}]}
    if edit:
        edit(report)
    return json.dumps(report)


def result_field(key, value):
    def edit(report):
        if value is DELETE:
            del report["results"][0][key]
        else:
            report["results"][0][key] = value
    return edit


DELETE = object()


def report_case(case_id, rc, text, *needles, command=("report", "{ws}/r.json", "-o", "{ws}/out/report.json")):
    """`report` (exporting to the -o path that already holds a report) on a file holding `text`."""
    return case(case_id, rc, list(command), *needles, files={"r.json": text})


def config_text(models=None, **top):
    """A suite config (docs/config.md) with `models` entries, changed by the keyword arguments."""
    config = {"torchbench_config": 1, "suite": "nightly",
              "defaults": {"variants": ["a=no-grad", "b=inference-mode"]},
              "models": models if models is not None else [{"model": MLP}]}
    config.update(top)
    return json.dumps(config, indent=2)


def config_case(case_id, rc, text, *needles, extra=()):
    """`run --config {ws}/nightly.json` on a file holding `text`."""
    return case(case_id, rc, ["run", "--config", "{ws}/nightly.json", *extra], *needles,
                files={"nightly.json": text})


def suite_report_text(shard=(1, 2), model="builtin:mlp", suite="nightly", digest="sha256:" + "ab" * 32,
                      schema=1, suite_info=True):
    """A shard report of a suite (`run --config ... --shard I/N`), as merge reads it."""
    report = json.loads(report_text())
    report["schema_version"] = schema
    for r in report["results"]:
        r["model"] = model
    report["config"] = {"suite": {"name": suite, "digest": digest, "entries": 2,
                                  "shard": {"index": shard[0], "count": shard[1]}}} if suite_info else {}
    return json.dumps(report)


def merge_case(case_id, rc, a, b, *needles):
    """`merge {ws}/a.json {ws}/b.json -o` the path that already holds a report."""
    return case(case_id, rc, ["merge", "{ws}/a.json", "{ws}/b.json", "-o", "{ws}/out/report.json"], *needles,
                files={"a.json": a, "b.json": b})


SHARD_2 = suite_report_text((2, 2), model="builtin:other")

def tune_case(case_id, rc, args, *needles):
    """`tune` on a small MLP, quiet, with a short warm-up."""
    return case(case_id, rc, ["tune", TUNE_MODEL, "-q", "--warmup-time", "0", *args], *needles)


TUNE_MODEL = "builtin:mlp:in=16,hidden=32,layers=2,out=4"
TUNE_SPACE = ["--space", "graph=none,freeze", "--space", "threads=1", "--space", "interop-threads=1"]

# {fx}: tests/fixtures/make_models.py's directory; {gen}: archives edited from those fixtures
# by this file (GeneratedFixtures); {ws}: the case's private directory.
CASES = [
    # --- Model files (exit 3) ---------------------------------------------------------------
    case("model.missing", EXIT_MODEL, ["run", "{ws}/no_such_model.pt"], "no_such_model.pt", "does not exist"),
    case("model.empty", EXIT_MODEL, ["run", "{fx}/empty.pt"], "empty.pt", "is empty", "torch.jit.save"),
    case("model.directory", EXIT_MODEL, ["run", "{fx}"], "is a directory"),
    case("model.truncated", EXIT_MODEL, ["run", "{fx}/truncated.pt"], "truncated.pt", "truncated",
         "torch.jit.save"),
    case("model.random-bytes", EXIT_MODEL, ["run", "{fx}/garbage.pt"], "garbage.pt", "not a zip archive"),
    case("model.zip-not-torchscript", EXIT_MODEL, ["run", "{fx}/not_torchscript.pt"], "not_torchscript.pt",
         "without a TorchScript version record"),
    case("model.torch-save", EXIT_MODEL, ["run", "{fx}/state_dict.pt"], "a torch.save file", "torch.jit.trace"),
    case("model.newer-format", EXIT_MODEL, ["run", "{gen}/newer_format.pt"], "newer_format.pt",
         "saved by a newer PyTorch", "version 99", "or older"),
    case("model.forward-raises", EXIT_MODEL,
         ["run", "{fx}/raises_on_batch.pt", "--variant", "big=no-grad,batch=4", "--variant", "ok=no-grad"],
         "failed on its first call", "batch too large", "--input"),
    case("model.non-tensor-output", EXIT_MODEL, ["run", "{fx}/returns_string.pt"], "returned a String",
         "outputs must be tensors"),
    case("model.metadata-malformed", EXIT_MODEL, ["run", "{fx}/bad_meta.pt"], "torchbench_inputs.json", "1xfoo"),
    case("model.metadata-not-json", EXIT_MODEL, ["run", "{gen}/meta_not_json.pt"], "torchbench_inputs.json",
         "meta_not_json.pt"),
    case("model.metadata-version", EXIT_MODEL, ["run", "{gen}/meta_version_2.pt"], "torchbench_inputs.json",
         "unsupported version"),
    # --- Model inputs (exit 3) ---------------------------------------------------------------
    case("input.undeclared", EXIT_MODEL, ["run", "{fx}/scripted_nometa.pt"], "does not declare its inputs",
         "forward(x: Tensor)", "--input"),
    case("input.too-few", EXIT_MODEL, ["run", "{fx}/two_inputs.pt", "--input", "1x8:float32"],
         "needs 2 inputs, got 1", "forward(x: Tensor, mask: Tensor)"),
    case("input.too-many", EXIT_MODEL,
         ["run", "{fx}/scripted_meta.pt", "--input", "1x3x32x32:float32", "--input", "1x3:float32"],
         "failed on its first call", "--input"),
    case("input.wrong-shape", EXIT_MODEL, ["run", "{fx}/scripted_meta.pt", "--input", "1x5x32x32:float32"],
         "1x5x32x32:float32", "channels", "--input"),
    case("input.wrong-dtype", EXIT_MODEL, ["run", "{fx}/scripted_meta.pt", "--input", "1x3x32x32:int64[0,10)"],
         "int64", "--input"),
    # --- Command line (exit 2) ---------------------------------------------------------------
    case("cli.no-command", EXIT_USAGE, [], "subcommand"),
    case("cli.unknown-command", EXIT_USAGE, ["rnu"], "unknown command 'rnu'", "did you mean 'run'"),
    case("cli.unknown-flag", EXIT_USAGE, ["run", MLP, "--bogus"], "--bogus", "--help"),
    case("cli.missing-value", EXIT_USAGE, ["run", MLP, "-o", "{ws}/out/report.json", "--seed"], "--seed",
         "--help"),
    case("cli.not-a-number", EXIT_USAGE, ["run", MLP, "--min-iters", "ten"], "--min-iters", "ten"),
    case("cli.option-repeated", EXIT_USAGE, ["run", MLP, "--seed", "1", "--seed", "2"], "--seed", "At Most 1"),
    case("cli.extra-argument", EXIT_USAGE, ["passes", "extra"], "extra"),
    case("cli.unknown-pass", EXIT_USAGE, ["run", MLP, "--variant", "a=frezee"], "frezee", "did you mean 'freeze'"),
    case("cli.pass-value-invalid", EXIT_USAGE, ["run", MLP, "--variant", "a=batch=-1"], "batch", "positive"),
    case("cli.pass-value-missing", EXIT_USAGE, ["run", MLP, "--variant", "a=threads"], "threads"),
    case("cli.pass-value-unexpected", EXIT_USAGE, ["run", MLP, "--variant", "a=freeze=1"], "freeze"),
    case("cli.pass-conflict", EXIT_USAGE, ["run", MLP, "--variant", "a=grad,no-grad"], "exclude"),
    case("cli.pass-twice", EXIT_USAGE, ["run", MLP, "--variant", "a=no-grad,no-grad"], "twice"),
    case("cli.variant-malformed", EXIT_USAGE, ["run", MLP, "--variant", "noequals"], "noequals", "NAME=PASS"),
    case("cli.variant-name", EXIT_USAGE, ["run", MLP, "--variant", "bad name=grad"], "bad name", "letters"),
    case("cli.variant-duplicate", EXIT_USAGE, ["run", MLP, "--variant", "a=grad", "--variant", "a=no-grad"],
         "'a'", "twice"),
    case("cli.control-characters", EXIT_USAGE, ["run", MLP, "--variant", "a\nb\x1b[31m=grad"], "'a?b?[31m'"),
    case("cli.sweep-not-a-pass", EXIT_USAGE, ["run", MLP, "--sweep", "nope=1,2"], "nope", "--sweep"),
    case("cli.sweep-repeated", EXIT_USAGE, ["run", MLP, "--sweep", "batch=1,1"], "repeats"),
    case("cli.sweep-bad-value", EXIT_USAGE, ["run", MLP, "--sweep", "batch=8,0"], "batch"),
    case("cli.baseline-unknown", EXIT_USAGE,
         ["run", MLP, "--variant", "a=grad", "--variant", "b=no-grad", "--baseline", "b2"], "--baseline",
         "did you mean 'b'"),
    case("cli.zero-iterations", EXIT_USAGE, ["run", MLP, "--max-iters", "0"], "--max-iters", "at least 1"),
    case("cli.negative-time", EXIT_USAGE, ["run", MLP, "--min-time", "-0.5"], "--min-time"),
    case("cli.min-above-max", EXIT_USAGE, ["run", MLP, "--min-iters", "50", "--max-iters", "5"],
         "--min-iters (50) is above --max-iters (5)"),
    case("cli.timeout-invalid", EXIT_USAGE, ["run", MLP, "--variant-timeout", "inf"], "--variant-timeout"),
    case("cli.memory-limit-invalid", EXIT_USAGE, ["run", MLP, "--variant-memory-limit", "2X"],
         "--variant-memory-limit", "2G"),
    case("cli.rounds-zero", EXIT_USAGE, ["run", MLP, "--rounds", "0"], "--rounds"),
    case("cli.processes-zero", EXIT_USAGE, ["run", MLP, "--processes", "0"], "--processes must be from 1 to 1000"),
    case("cli.processes-past-rounds", EXIT_USAGE, ["run", MLP, "--processes", "4", "--rounds", "3"],
         "needs at least as many rounds"),
    case("cli.model-twice", EXIT_USAGE, ["run", "builtin:mlp:layers=2,hidden=8", "builtin:mlp:hidden=8,layers=2"],
         "is given twice"),
    case("cli.schedule-unknown", EXIT_USAGE, ["run", MLP, "--schedule", "parallel"], "--schedule", "interleaved"),
    case("cli.precision-not-percent", EXIT_USAGE, ["run", MLP, "--target-precision", "5"], "--target-precision",
         "1%"),
    case("cli.gate-out-of-range", EXIT_USAGE, ["run", MLP, "--min-cosine", "2"], "--min-cosine", "between -1 and 1"),
    case("cli.gate-unknown-variant", EXIT_USAGE, ["run", MLP, "--max-abs-err", "nope=0.1"], "no variant",
         "'nope'"),
    case("cli.gate-on-baseline", EXIT_USAGE,
         ["run", MLP, "--variant", "a=no-grad", "--variant", "b=grad", "--max-abs-err", "a=0.1"], "baseline"),
    case("cli.device-unknown", EXIT_USAGE, ["run", MLP, "--device", "tpu"], "tpu", "cpu, cuda or cuda:N"),
    case("cli.device-unavailable", EXIT_USAGE, ["run", MLP, "--device", "cuda"], "--device", "CUDA"),
    case("cli.transfers-on-cpu", EXIT_USAGE, ["run", MLP, "--include-transfers"], "--include-transfers",
         "needs a GPU", "--device cuda"),
    case("cli.seed-negative", EXIT_USAGE, ["run", MLP, "--seed", "-1"], "--seed"),
    case("cli.input-malformed", EXIT_USAGE, ["run", MLP, "--input", "1xfoo:float32"], "--input", "'foo'",
         "expected DIMS"),
    case("cli.input-range-unfit", EXIT_USAGE, ["run", MLP, "--input", "1x256:int8[0,1000)"],
         "int8 holds -128 to 127"),
    case("cli.input-too-large", EXIT_USAGE, ["run", MLP, "--input", "4294967296x4294967296:float32"], "too large"),
    case("cli.builtin-unknown", EXIT_USAGE, ["run", "builtin:mpl"], "did you mean 'mlp'"),
    case("cli.builtin-parameter", EXIT_USAGE, ["run", "builtin:mlp:hiden=3"], "did you mean 'hidden'"),
    case("cli.model-path-empty", EXIT_USAGE, ["run", ""], "empty"),
    # "\udcff" is how Python spells the byte 0xff of a file name that is not UTF-8.
    case("cli.model-path-not-utf8", EXIT_USAGE, ["run", "{ws}/bad\udcffname.pt"], "is not valid UTF-8",
         "rename the file"),
    # --- Files and the environment (exit 2) ------------------------------------------------------
    case("fs.output-dir-missing", EXIT_USAGE, ["run", MLP, "-o", "{ws}/missing/report.json"], "does not exist",
         "-o"),
    case("fs.output-is-directory", EXIT_USAGE, ["run", MLP, "-o", "{ws}/out"], "is a directory"),
    case("fs.tmpdir-missing", EXIT_USAGE, ["run", MLP], "scratch directory", "TMPDIR",
         env={"TMPDIR": "{ws}/no_such_tmp"}),
    # --- Reports read back by `compare` and `report` (2: cannot read it, 3: not a valid report) --
    case("report.missing", EXIT_USAGE, ["report", "{ws}/none.json"], "none.json", "does not exist"),
    case("report.directory", EXIT_USAGE, ["compare", "{ws}/out", "{ws}/out"], "is a directory"),
    report_case("report.malformed-json", EXIT_MODEL, '{"schema_version": 1, "results": [', "is not valid JSON"),
    report_case("report.truncated", EXIT_MODEL, report_text()[:150], "is not valid JSON", "parse error at line 1"),
    report_case("report.binary", EXIT_MODEL, "PK\x03\x04\x00\x00", "is not valid JSON"),
    report_case("report.not-an-object", EXIT_MODEL, "[]", "not a torchbench-cli report", "JSON object"),
    report_case("report.not-a-report", EXIT_MODEL, '{"results": []}', "no schema_version"),
    report_case("report.schema-newer", EXIT_MODEL, report_text(lambda r: r.update(schema_version=2)),
                "schema_version 2", "newer version"),
    report_case("report.schema-wrong-type", EXIT_MODEL, report_text(lambda r: r.update(schema_version="1")),
                "schema_version must be an integer"),
    report_case("report.results-missing", EXIT_MODEL, report_text(lambda r: r.pop("results")),
                "results is missing"),
    report_case("report.wrong-type", EXIT_MODEL, report_text(result_field("samples_ms", "fast")),
                "results[0].samples_ms must be an array of numbers"),
    report_case("report.missing-field", EXIT_MODEL, report_text(result_field("variant", DELETE)),
                "results[0].variant is missing"),
    report_case("report.bad-status", EXIT_MODEL, report_text(result_field("status", "great")),
                "results[0].status", "\"ok\", \"failed\" or \"skipped\""),
    report_case("report.ok-without-samples", EXIT_MODEL, report_text(result_field("samples_ms", [])),
                "status \"ok\" but no samples_ms"),
    report_case("report.negative-sample", EXIT_MODEL, report_text(result_field("samples_ms", [1.0, -2.0])),
                "results[0].samples_ms[1]", ">= 0"),
    report_case("report.huge-number", EXIT_MODEL, report_text().replace("1.05", "1e400"), "number overflow"),
    report_case("report.huge-integer", EXIT_MODEL,
                report_text(result_field("batch", 1)).replace('"batch": 1', '"batch": 99999999999999999999'),
                "results[0].batch"),
    report_case("report.duplicate-result", EXIT_MODEL,
                report_text(lambda r: r["results"].append(dict(r["results"][0]))), "repeats model"),
    report_case("report.too-deep", EXIT_MODEL, '{"schema_version": 1, "x": ' + "[" * 100 + "]" * 100 + "}",
                "nests deeper than"),
    report_case("report.empty-results", EXIT_MODEL, report_text(lambda r: r.update(results=[])),
                "no (model, variant) in common", command=("compare", "{ws}/r.json", "{ws}/r.json")),
    report_case("report.variant-unknown", EXIT_USAGE, report_text(), "--b 'c'", "variants: a, b",
                command=("compare", "{ws}/r.json", "--a", "a", "--b", "c")),
    report_case("report.model-unknown", EXIT_USAGE, report_text(), "--b-model 'builtin:mpl'",
                "did you mean 'builtin:mlp'", command=("compare", "{ws}/r.json", "--a-model", "builtin:mlp",
                                                       "--b-model", "builtin:mpl")),
    report_case("report.reference-unknown", EXIT_USAGE, report_text(), "--reference 'other.pt'", "has no such model",
                command=("compare", "{ws}/r.json", "{ws}/r.json", "--reference", "other.pt")),
    report_case("report.reference-one-report", EXIT_USAGE, report_text(), "--reference judges two reports",
                command=("compare", "{ws}/r.json", "--a", "a", "--b", "b", "--reference", "builtin:mlp")),
    report_case("report.one-side-only", EXIT_USAGE, report_text(), "--a-model given without --b-model",
                command=("compare", "{ws}/r.json", "--a-model", "builtin:mlp")),
    report_case("report.nothing-to-pair", EXIT_MODEL,
                report_text(lambda r: r["results"].append(dict(r["results"][1], model="other.pt", variant="c"))),
                "share no variant", command=("compare", "{ws}/r.json", "--a-model", "builtin:mlp", "--b-model",
                                             "other.pt")),
    # --- Config files: run --config (2; 3 for a model file) ---------------------------------------
    case("config.missing", EXIT_USAGE, ["run", "--config", "{ws}/none.json"], "config file", "none.json",
         "does not exist"),
    config_case("config.malformed-json", EXIT_USAGE, '{"torchbench_config": 1,', "nightly.json: is not valid JSON"),
    config_case("config.wrong-type", EXIT_USAGE, config_text([{"model": MLP, "timing": {"max_time": "5"}}]),
                "nightly.json: models[0].timing.max_time: must be a number of seconds, got \"5\""),
    config_case("config.unknown-field", EXIT_USAGE,
                config_text([{"model": MLP}, {"model": "builtin:mlp:hidden=8"},
                             {"model": "builtin:mlp:hidden=4", "timing": {"max_tim": 1}}]),
                "nightly.json: models[2].timing.max_tim: unknown key (did you mean 'max_time'?)"),
    config_case("config.missing-field", EXIT_USAGE, config_text([{"variants": ["a=grad"]}]),
                "nightly.json: models[0]: model is missing"),
    config_case("config.schema-version", EXIT_USAGE, config_text(torchbench_config=2),
                "torchbench_config: is 2", "reads version 1"),
    config_case("config.duplicate-key", EXIT_USAGE,
                '{"torchbench_config": 1, "suite": "s", "suite": "t", "models": [{"model": "builtin:mlp"}]}',
                "key 'suite' appears twice"),
    config_case("config.bad-value", EXIT_USAGE, config_text(defaults={"schedule": {"mode": "parallel"}}),
                "nightly.json: defaults.schedule.mode: --schedule must be interleaved or sequential"),
    config_case("config.model-twice", EXIT_USAGE,
                config_text([{"model": "builtin:mlp:layers=2,hidden=8"}, {"model": "builtin:mlp:hidden=8,layers=2"}]),
                "models[1].model", "is listed twice (also models[0])"),
    config_case("config.entry-invalid", EXIT_USAGE,
                config_text([{"model": MLP}, {"model": "builtin:mlp:hidden=8",
                                              "timing": {"min_iters": 50, "max_iters": 5}}]),
                "nightly.json: models[1] (builtin:mlp:hidden=8): --min-iters (50) is above --max-iters (5)"),
    config_case("config.entry-unknown-pass", EXIT_USAGE,
                config_text([{"model": MLP}, {"model": "builtin:mlp:hidden=8", "variants": ["a=frezee"]}]),
                "nightly.json: models[1] (builtin:mlp:hidden=8): variant 'a': unknown pass 'frezee'",
                "did you mean 'freeze'"),
    config_case("config.entry-gate-variant", EXIT_USAGE,
                config_text(defaults={"variants": ["a=no-grad"], "gates": {"min_cosine": ["int8=0.99"]}}),
                "nightly.json: models[0] (builtin:mlp): --min-cosine: no variant is named 'int8'"),
    config_case("config.model-file-missing", EXIT_MODEL, config_text([{"model": MLP}, {"model": "models/gone.pt"}]),
                "nightly.json: models[1] (models/gone.pt):", "gone.pt", "does not exist"),
    config_case("config.with-models", EXIT_USAGE, config_text(), "--config runs the models its file lists",
                "not both", extra=[MLP]),
    # --- --shard I/N (2) ----------------------------------------------------------------------
    config_case("shard.malformed", EXIT_USAGE, config_text(), "invalid --shard 'a/b'", "must be integers",
                extra=["--shard", "a/b"]),
    config_case("shard.index-zero", EXIT_USAGE, config_text(), "invalid --shard '0/3'", "counts from 1",
                extra=["--shard", "0/3"]),
    config_case("shard.index-above-count", EXIT_USAGE, config_text(), "invalid --shard '4/3'", "I is above N",
                extra=["--shard", "4/3"]),
    config_case("shard.count-zero", EXIT_USAGE, config_text(), "invalid --shard '1/0'", "N must be at least 1",
                extra=["--shard", "1/0"]),
    case("shard.without-config", EXIT_USAGE, ["run", MLP, "--shard", "1/2"], "--shard needs --config"),
    # --- merge (2: cannot be merged; 3: not a valid report) -----------------------------------------
    merge_case("merge.no-suite", EXIT_USAGE, suite_report_text(suite_info=False), SHARD_2, "a.json",
               "has no suite information (config.suite)", "--shard"),
    merge_case("merge.different-suites", EXIT_USAGE, suite_report_text(), suite_report_text((2, 2), "x", "smoke"),
               "cannot merge", "suite 'nightly'", "suite 'smoke'"),
    merge_case("merge.different-config", EXIT_USAGE, suite_report_text(),
               suite_report_text((2, 2), "x", digest="sha256:" + "cd" * 32), "ran different config files",
               "sha256:abababababab"),
    merge_case("merge.different-shard-counts", EXIT_USAGE, suite_report_text(), suite_report_text((2, 3), "x"),
               "one of 2 shards", "one of 3"),
    merge_case("merge.shard-twice", EXIT_USAGE, suite_report_text(), suite_report_text((1, 2), "x"),
               "both hold shard 1/2", "give each shard once"),
    merge_case("merge.schema-version", EXIT_USAGE, suite_report_text(), suite_report_text((2, 2), "x", schema=2),
               "schema_version 1", "schema_version 2", "different torchbench-cli versions"),
    merge_case("merge.duplicate-result", EXIT_MODEL, suite_report_text(), suite_report_text((2, 2)),
               "both hold model 'builtin:mlp' variant 'a'"),
    merge_case("merge.invalid-report", EXIT_MODEL, suite_report_text(), '{"schema_version": 1}',
               "report", "b.json", "results is missing"),
    case("merge.missing-report", EXIT_USAGE, ["merge", "{ws}/none.json", "-o", "{ws}/out/report.json"],
         "report", "none.json", "does not exist"),
    case("merge.no-output", EXIT_USAGE, ["merge", "{ws}/out/report.json"], "--output is required"),
    # --- tune (exit 2) ---------------------------------------------------------------------------
    tune_case("tune.space-malformed", EXIT_USAGE, ["--space", "threads"], "--space 'threads'", "KEY=V1,V2"),
    tune_case("tune.space-unknown-key", EXIT_USAGE, ["--space", "precison=fp32"], "unknown dimension 'precison'",
              "did you mean 'precision'"),
    tune_case("tune.space-bad-value", EXIT_USAGE, ["--space", "threads=1,x"], "value 'x'", "positive integer"),
    tune_case("tune.space-repeated-value", EXIT_USAGE, ["--space", "threads=1,1"], "already in threads"),
    tune_case("tune.space-empty", EXIT_USAGE, ["--space", "precision=int8-dynamic", "--fixed", "bf16"],
              "no candidate left", "--space or --fixed"),
    tune_case("tune.fixed-conflict", EXIT_USAGE, ["--fixed", "bf16,fp16"], "--fixed 'bf16,fp16'", "exclude"),
    tune_case("tune.baseline-invalid", EXIT_USAGE, ["--baseline", "grad,no-grad"], "--baseline 'grad,no-grad'"),
    tune_case("tune.objective-unknown", EXIT_USAGE, ["--objective", "latency-p95"], "--objective",
              "latency-p50, latency-p99 or throughput"),
    tune_case("tune.strategy-unknown", EXIT_USAGE, ["--strategy", "gird"], "--strategy", "did you mean 'grid'"),
    tune_case("tune.budget-not-a-duration", EXIT_USAGE, ["--budget", "10"], "--budget", "10m"),
    tune_case("tune.latency-budget-invalid", EXIT_USAGE, ["--latency-budget", "20"], "--latency-budget", "20ms"),
    tune_case("tune.memory-budget-invalid", EXIT_USAGE, ["--memory-budget", "2X"], "--memory-budget", "2G"),
    tune_case("tune.eta-out-of-range", EXIT_USAGE, ["--eta", "1"], "--eta must be from 2 to 10"),
    tune_case("tune.workers-out-of-range", EXIT_USAGE, ["--workers", "0"], "--workers must be from 1 to 64"),
    tune_case("tune.final-processes-out-of-range", EXIT_USAGE, ["--final-processes", "2"], "--final-processes",
              "at least three processes"),
    tune_case("tune.threshold-invalid", EXIT_USAGE, ["--threshold", "2"], "--threshold", "2%"),
    tune_case("tune.alpha-invalid", EXIT_USAGE, ["--alpha", "1.5"], "--alpha"),
    tune_case("tune.gate-per-variant", EXIT_USAGE, ["--min-cosine", "a=0.9"], "--min-cosine", "every candidate"),
    tune_case("tune.save-config-stdout", EXIT_USAGE, ["--save-config", "-"], "--save-config", "file name"),
    tune_case("tune.save-config-is-output", EXIT_USAGE,
              ["--save-config", "{ws}/out/report.json", "-o", "{ws}/out/./report.json"], "the same file"),
    tune_case("tune.budget-too-small", EXIT_USAGE, [*TUNE_SPACE, "--budget", "1s"], "--budget 1.0s is too small",
              "raise --budget or narrow the space"),
]

# Cases of docs/errors.md checked by the dedicated tests below rather than by CASES.
SPECIAL_IDS = {"fs.output-dir-read-only", "fs.disk-full", "fs.stdout-full", "fs.model-unreadable",
               "memory.variant-out-of-memory", "report.unknown-fields"}


def fast_timing_except(args):
    """FAST without the options that `args` sets itself (giving one twice is an error)."""
    pairs = zip(FAST[::2], FAST[1::2])
    return [item for flag, value in pairs if flag not in args for item in (flag, value)]


def raise_core_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def run_in(ws, args, env=None, stdout=subprocess.PIPE):
    """Run the binary with the case's workspace as cwd and TMPDIR, core dumps allowed."""
    full_env = dict(os.environ, TMPDIR=ws.tmp_dir)
    full_env.pop("TORCHBENCH_TEST_FAULT", None)
    full_env.update(env or {})
    proc = subprocess.run([cli_path()] + args, stdout=stdout, stderr=subprocess.PIPE, text=True, errors="replace",
                          env=full_env,
                          cwd=ws.root, stdin=subprocess.DEVNULL, timeout=300, preexec_fn=raise_core_limit)
    return proc.returncode, proc.stdout or "", proc.stderr


class GeneratedFixtures:
    """Archives made from make_models.py's fixtures by editing their zip entries (no torch)."""

    _dir = None

    @classmethod
    def directory(cls):
        if cls._dir:
            return cls._dir
        cls._dir = tempfile.mkdtemp(prefix="tb-catalogue-")
        source = fixture("scripted_meta.pt")

        def rewrite(name, replace):
            with zipfile.ZipFile(source) as src, zipfile.ZipFile(os.path.join(cls._dir, name), "w") as out:
                for info in src.infolist():
                    out.writestr(info, replace(info.filename, src.read(info.filename)))

        # The archive's format version record, as a newer PyTorch would write it.
        rewrite("newer_format.pt", lambda name, data: b"99\n" if name.endswith("/version") else data)
        rewrite("meta_not_json.pt", lambda name, data: b"{inputs: [" if name.endswith("torchbench_inputs.json")
                else data)
        rewrite("meta_version_2.pt", lambda name, data: json.dumps({"version": 2, "inputs": []}).encode()
                if name.endswith("torchbench_inputs.json") else data)
        return cls._dir

    @classmethod
    def cleanup(cls):
        if cls._dir:
            shutil.rmtree(cls._dir, ignore_errors=True)
            cls._dir = None


class CatalogueCase(CliTestCase):
    def check_outcome(self, ws, rc, stdout, stderr, expected_rc, needles, stdout_empty=True):
        result = collections.namedtuple("R", "rc stdout stderr")(rc, stdout, stderr)
        self.assertGreaterEqual(rc, 0, "killed by a signal\n" + describe(result))
        self.assertRc(result, expected_rc)
        self.assertOneErrorLine(result, *needles)
        if stdout_empty:
            self.assertEqual(stdout, "", "stdout must stay empty on an error\n" + describe(result))
        with open(ws.report_path) as f:
            self.assertEqual(f.read(), SENTINEL, "the existing report was replaced")
        self.assertEqual(ws.out_listing(), ["report.json"], "files appeared next to the report")
        self.assertEqual(ws.tmp_listing(), [], "scratch files left in TMPDIR")
        cores = [os.path.join(d, n) for d, _, names in os.walk(ws.root) for n in names if n.startswith("core")]
        self.assertEqual(cores, [], "core dump")

    def workspace(self):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        with open(ws.report_path, "w") as f:
            f.write(SENTINEL)
        return ws


class CatalogueTest(CatalogueCase):
    @classmethod
    def tearDownClass(cls):
        GeneratedFixtures.cleanup()

    def test_cases(self):
        for c in CASES:
            with self.subTest(case=c.id):
                ws = self.workspace()
                values = {"fx": fixtures_dir(), "ws": ws.root}
                if any("{gen}" in a for a in c.args):
                    values["gen"] = GeneratedFixtures.directory()
                args = [a.format(**values) for a in c.args]
                if args and args[0] == "run":
                    args = ["run", *fast_timing_except(args), "-q", *args[1:]]
                    if "-o" not in args:
                        args += ["-o", ws.report_path]
                env = {k: v.format(**values) for k, v in c.env.items()}
                for name, text in c.files.items():
                    with open(os.path.join(ws.root, name), "w") as f:
                        f.write(text)
                rc, stdout, stderr = run_in(ws, args, env)
                self.check_outcome(ws, rc, stdout, stderr, c.rc, c.needles)
                self.assertFalse(os.path.exists(os.path.join(ws.root, "missing")))


class ReportReaderTest(CatalogueCase):
    def test_unknown_fields_are_ignored(self):
        # docs/report-schema.md: readers ignore fields they do not know (newer tools add some).
        ws = self.workspace()
        path = os.path.join(ws.root, "r.json")
        with open(path, "w") as f:
            f.write(report_text(lambda r: (r.update(added_later={"x": [1, 2]}),
                                           r["results"][0].update(new_metric=3.5))))
        rc, stdout, stderr = run_in(ws, ["report", path, "--format", "csv"])
        self.assertEqual((rc, stderr), (0, ""))
        self.assertEqual(len(stdout.splitlines()), 3, stdout)  # header and the two variants


class FilesystemTest(CatalogueCase):
    """Output that cannot be written: the table may already be on stdout, the report never
    half-written, the old one kept."""

    def mount_tmpfs(self, path, options):
        """A tmpfs at `path` (root only); skips the test where mounting is not allowed."""
        os.makedirs(path, exist_ok=True)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) if os.geteuid() == 0 else None
        if proc is None or proc.returncode != 0:
            self.skipTest("cannot mount a tmpfs here (%s)" % (proc.stdout.strip() if proc else "not root"))
        self.addCleanup(subprocess.run, ["umount", "-l", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def test_output_directory_read_only(self):
        ws = self.workspace()
        target = os.path.join(ws.root, "ro")
        if os.geteuid() == 0:
            # root ignores permission bits: a read-only mount is what refuses it.
            self.mount_tmpfs(target, "size=64k,mode=0755")
            with open(os.path.join(target, "report.json"), "w") as f:
                f.write(SENTINEL)
            remount = subprocess.run(["mount", "-o", "remount,ro", target], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
            if remount.returncode != 0:
                self.skipTest("cannot remount read-only: " + remount.stdout.strip())
        else:
            os.makedirs(target)
            with open(os.path.join(target, "report.json"), "w") as f:
                f.write(SENTINEL)
            os.chmod(target, 0o555)
            self.addCleanup(os.chmod, target, 0o755)
        rc, stdout, stderr = run_in(ws, ["run", MLP, *FAST, "-q", "-o", os.path.join(target, "report.json")])
        self.check_outcome(ws, rc, stdout, stderr, EXIT_USAGE, ["not writable", "-o"])
        with open(os.path.join(target, "report.json")) as f:
            self.assertEqual(f.read(), SENTINEL)
        self.assertEqual(os.listdir(target), ["report.json"])

    def test_disk_full_while_writing_the_report(self):
        ws = self.workspace()
        target = os.path.join(ws.root, "full")
        self.mount_tmpfs(target, "size=64k")
        report = os.path.join(target, "report.json")
        with open(report, "w") as f:
            f.write(SENTINEL)
        # Fill the file system: the report's temporary file can be created, not written.
        fd = os.open(os.path.join(target, "filler"), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as e:
            self.assertEqual(e.errno, errno.ENOSPC)
        finally:
            os.close(fd)
        rc, stdout, stderr = run_in(ws, ["run", MLP, "--variant", "a=no-grad", *FAST, "-q", "-o", report])
        # The benchmark ran, so its table is on stdout; only the report could not be written.
        self.check_outcome(ws, rc, stdout, stderr, EXIT_USAGE, ["cannot write", "report.json",
                                                               "No space left on device"], stdout_empty=False)
        self.assertIn("a *", stdout)
        with open(report) as f:
            self.assertEqual(f.read(), SENTINEL)
        self.assertEqual(sorted(os.listdir(target)), ["filler", "report.json"], "a temporary report was left")

    def test_stdout_on_a_full_device(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        ws = self.workspace()
        with open("/dev/full", "w") as full:
            rc, _, stderr = run_in(ws, ["run", MLP, "--variant", "a=no-grad", *FAST, "-q", "-o", "-"], stdout=full)
        # -o - puts the table on stderr; the error must be the last line, and the only error.
        lines = stderr.splitlines()
        self.assertEqual(rc, EXIT_USAGE, stderr)
        self.assertEqual([line for line in lines if line.startswith(ERROR_PREFIX)], lines[-1:], stderr)
        self.assertIn("cannot write the report to standard output (No space left on device)", lines[-1])
        self.assertEqual(ws.tmp_listing(), [])

    def test_listing_to_a_full_device(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        ws = self.workspace()
        with open("/dev/full", "w") as full:
            rc, stdout, stderr = run_in(ws, ["passes"], stdout=full)
        self.check_outcome(ws, rc, stdout, stderr, EXIT_USAGE, ["cannot write to standard output"])

    def test_model_file_unreadable(self):
        if os.geteuid() == 0:
            self.skipTest("root reads any file")
        ws = self.workspace()
        model = os.path.join(ws.root, "locked.pt")
        shutil.copy(fixture("scripted_meta.pt"), model)
        os.chmod(model, 0)
        rc, stdout, stderr = run_in(ws, ["run", model, *FAST, "-q", "-o", ws.report_path])
        self.check_outcome(ws, rc, stdout, stderr, EXIT_MODEL, ["locked.pt", "not readable"])


class MemoryLimitTest(CliTestCase):
    """--variant-memory-limit: a batch that needs more memory than the limit fails that variant
    ("out of memory"), the other points of the sweep are measured, exit code 4."""

    # mlp hidden=1024: a batch of 100000 needs ~100 MB for its inputs and ~400 MB per layer
    # output; a batch of 1 needs well under the limit (LibTorch itself included). A CUDA
    # LibTorch's libraries alone take ~610 MiB of the data segment RLIMIT_DATA counts (a CPU
    # one ~70 MiB; docs/errors.md): with one, the limit is 1 GiB and the big batch twice as big.
    MODEL = "builtin:mlp:hidden=1024"

    @classmethod
    def setUpClass(cls):
        env = json.loads(run_cli("env", "--json").stdout)
        cuda = env["libtorch"]["cuda_compiled"]
        cls.LIMIT, cls.LIMIT_TEXT, cls.BIG = ("1G", "1 GiB", "200000") if cuda else ("256M", "256 MiB", "100000")

    def setUp(self):
        # ASan reserves terabytes of shadow memory up front, which RLIMIT_DATA counts: under
        # scripts/sanitize.sh every allocation past the limit's setting would fail.
        if "address" in os.environ.get("TB_SANITIZE", ""):
            self.skipTest("--variant-memory-limit cannot work under AddressSanitizer")

    def run_sweep(self, batches):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        result = subprocess.run([cli_path(), "run", self.MODEL, "--variant", "m=no-grad", "--sweep",
                                 "batch=" + ",".join(batches), "--variant-memory-limit", self.LIMIT, *FAST, "-q",
                                 "-o", ws.report_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, TMPDIR=ws.tmp_dir), timeout=300, stdin=subprocess.DEVNULL)
        self.assertEqual(result.returncode, EXIT_PARTIAL, result.stderr)
        with open(ws.report_path) as f:
            report = json.load(f)
        self.assertEqual(ws.tmp_listing(), [])
        return {r["variant"]: r for r in report["results"]}, report

    def check_out_of_memory(self, result):
        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["failure_stage"], "out_of_memory")
        self.assertIn("ran out of memory", result["error"])
        self.assertIn("--variant-memory-limit %s" % self.LIMIT_TEXT, result["error"])
        self.assertIn("raise --variant-memory-limit or lower the batch", result["error"])
        self.assertNotIn("\n", result["error"])
        self.assertFalse(result["samples_ms"])

    def test_big_batch_fails_the_small_one_runs(self):
        results, report = self.run_sweep(["1", self.BIG])
        self.assertEqual(report["config"]["variant_memory_limit_bytes"], (1 << 30) if self.LIMIT == "1G" else 256 << 20)
        self.assertEqual(results["m/batch=1"]["status"], "ok")
        self.assertGreater(len(results["m/batch=1"]["samples_ms"]), 0)
        self.check_out_of_memory(results["m/batch=" + self.BIG])
        self.assertEqual(report["summary"]["failed"], 1)

    def test_out_of_memory_in_the_baseline_ends_only_the_baseline(self):
        # The baseline is the first point: an allocation failure depends on the variant, so it
        # is not a model error that stops the run; the others run without accuracy.
        results, report = self.run_sweep([self.BIG, "1"])
        self.check_out_of_memory(results["m/batch=" + self.BIG])
        small = results["m/batch=1"]
        self.assertEqual(small["status"], "ok")
        self.assertIsNone(small["accuracy"])
        self.assertIn("baseline", small["accuracy_note"])


class CatalogueDocsTest(unittest.TestCase):
    """docs/errors.md lists every case tested here, and every row it lists is tested (or marked
    'not yet applicable')."""

    def test_catalogue_matches_docs(self):
        with open(DOCS) as f:
            rows = [line for line in f if line.startswith("| `")]
        documented = {row.split("`")[1] for row in rows if "not yet applicable" not in row}
        tested = {c.id for c in CASES} | SPECIAL_IDS
        self.assertEqual(sorted(documented - tested), [], "documented but not tested")
        self.assertEqual(sorted(tested - documented), [], "tested but not documented")
        self.assertEqual(len({c.id for c in CASES}), len(CASES), "duplicate case ids")
        self.assertGreaterEqual(len(tested), 40)


if __name__ == "__main__":
    unittest.main()

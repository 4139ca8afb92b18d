"""The search space of scripts/ray_tune.py: the pass catalogue that `torchbench-cli passes`
prints, the default dimensions, --space and --fixed, and the pass list of each candidate.
Pure functions (no Ray), so they are tested without a cluster (tests/e2e/test_ray_tune.py)."""

import difflib
import itertools
import math
import random
import re
import subprocess


class UsageError(Exception):
    pass


NONE_VALUES = ("none", "off")
FLAG_VALUES = {"on": True, "off": False}


# --- The pass catalogue (`torchbench-cli passes`) ------------------------------------------------

def parse_pass_listing(text):
    """{name: {"value": None|"int"|"choice"|"cpus", "choices": [...], "optional": bool,
    "stage": str, "device": None|"cpu"|"cuda", "groups": [[names]]}} from the table that
    `torchbench-cli passes` prints (first column `name`, `name=N`, `name=a|b`, `name[=a|b]`,
    `name=CPUS`; then the stage; then `[NEEDS; EXCLUDES]`)."""
    catalogue = {}
    for line in text.splitlines()[1:]:  # the first line is the header
        if not line.strip():
            break  # the notes under the table
        fields = line.split()
        if len(fields) < 2:
            continue
        head = fields[0]
        match = re.fullmatch(r"([a-z0-9-]+)(\[?)(?:=([^\]]+))?\]?", head)
        if not match:
            continue
        name, optional, value = match.group(1), bool(match.group(2)), match.group(3)
        info = {"value": None, "choices": [], "optional": optional, "stage": fields[1], "device": None,
                "groups": []}
        if value == "N":
            info["value"] = "int"
        elif value == "CPUS":
            info["value"] = "cpus"
        elif value:
            info["value"] = "choice"
            info["choices"] = value.split("|")
        bracket = line[line.rfind("[") + 1:line.rfind("]")] if line.rstrip().endswith("]") else ""
        for part in bracket.split(";"):
            part = part.strip()
            device = re.fullmatch(r"(cpu|cuda) only", part)
            if device:
                info["device"] = device.group(1)
            elif part.startswith("one of "):
                info["groups"].append(part[len("one of "):].split("|"))
        catalogue[name] = info
    return catalogue


def list_passes(cli):
    """The catalogue of this torchbench-cli binary; UsageError when it cannot be run."""
    try:
        proc = subprocess.run([cli, "passes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL, timeout=60)
    except OSError as e:
        raise UsageError("cannot run torchbench-cli at '%s' (%s); build it (bash scripts/setup.sh) or "
                         "pass --cli PATH" % (cli, e.strerror or e))
    if proc.returncode != 0:
        raise UsageError("'%s passes' failed (exit %d): %s" % (cli, proc.returncode, proc.stderr.strip()))
    catalogue = parse_pass_listing(proc.stdout)
    if not catalogue:
        raise UsageError("'%s passes' listed no passes; is it torchbench-cli?" % cli)
    return catalogue


# --- The search space ---------------------------------------------------------------------------

def split_passes(text):
    """'freeze,pin=0-1,3,threads=2' -> ['freeze', 'pin=0-1,3', 'threads=2']: as in `run --variant`,
    a comma before a digit continues the previous pass's value."""
    passes = []
    for token in text.split(","):
        token = token.strip()
        if token and token[0].isdigit() and passes:
            passes[-1] += "," + token
        elif token:
            passes.append(token)
    return passes


def pass_name(text):
    return text.split("=", 1)[0].strip()


def suggestion(name, known):
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return " (did you mean '%s'?)" % close[0] if close else ""


def default_space(catalogue, device):
    """The space searched when --space does not replace it: one dimension per kind of choice the
    catalogue offers on this device. [(key, [(label, [passes])])]."""
    def usable(name):
        info = catalogue.get(name)
        return info is not None and info["device"] in (None, device)

    space = []
    autograd = [name for name in ("no-grad", "inference-mode") if usable(name)]
    if autograd:
        space.append(("autograd", [(name, [name]) for name in autograd]))
    graph = [("none", [])]
    for combo in (["freeze"], ["freeze", "optimize"], ["trace", "freeze", "optimize"]):
        if all(usable(name) for name in combo):
            graph.append(("+".join(combo), combo))
    if len(graph) > 1:
        space.append(("graph", graph))
    precision = [("none", [])]
    for name in ("bf16", "fp16", "autocast=bf16", "int8-dynamic", "fp16-dynamic"):
        if usable(pass_name(name)) and not (name == "fp16" and device == "cpu"):
            precision.append((name, [name]))
    if len(precision) > 1:
        space.append(("precision", precision))
    return space


def parse_space_arg(text, catalogue):
    """One --space KEY=V1,V2,... -> (key, [(label, [passes])], [warnings]).

    KEY a pass with a value (threads, batch, executor, ...): each V is its value.
    KEY a pass without one (freeze, bf16, ...): V is on or off.
    Any other KEY names a dimension whose values are pass lists joined with '+'
    (freeze+optimize). In every form none (or off) means no pass from this dimension.
    Unknown pass names only warn: torchbench-cli on the nodes is the judge, and refuses them in
    their trials (recorded as failed); a dimension of nothing but unknown passes is a usage error.
    """
    key, eq, values_text = text.partition("=")
    key = key.strip()
    if not eq or not key or not values_text.strip():
        raise UsageError("--space '%s': expected KEY=V1,V2,... (e.g. threads=1,2 or graph=none,freeze+optimize)"
                         % text)
    raw_values = [v.strip() for v in values_text.split(",")]
    if any(not v for v in raw_values):
        raise UsageError("--space '%s': empty value" % text)
    if len(set(raw_values)) != len(raw_values):
        raise UsageError("--space '%s': a value is listed twice" % text)
    warnings = []
    values = []
    info = catalogue.get(key)
    if info is not None and info["value"] is None:
        for v in raw_values:
            if v not in FLAG_VALUES:
                raise UsageError("--space '%s': '%s' takes no value, so its values are on and off, not '%s'"
                                 % (text, key, v))
            values.append((v, [key] if FLAG_VALUES[v] else []))
    elif info is not None:
        for v in raw_values:
            if v in NONE_VALUES:
                values.append((v, []))
                continue
            if info["value"] == "int" and not re.fullmatch(r"[1-9][0-9]*", v):
                warnings.append("--space %s: '%s' is not a positive integer; torchbench-cli will refuse it" % (key, v))
            elif info["value"] == "choice" and v not in info["choices"]:
                warnings.append("--space %s: '%s' is not one of %s%s; torchbench-cli will refuse it"
                                % (key, v, "|".join(info["choices"]), suggestion(v, info["choices"])))
            values.append((v, ["%s=%s" % (key, v)]))
    else:
        unknown_values = 0
        for v in raw_values:
            passes = [] if v in NONE_VALUES else [p.strip() for p in v.split("+")]
            if any(not p for p in passes):
                raise UsageError("--space '%s': empty pass in '%s'" % (text, v))
            unknown = [p for p in passes if pass_name(p) not in catalogue]
            for p in unknown:
                warnings.append("--space %s: '%s' is not a pass of this torchbench-cli%s; its candidates will fail"
                                % (key, pass_name(p), suggestion(pass_name(p), catalogue)))
            unknown_values += bool(unknown)
            values.append((v, passes))
        if unknown_values == len(values):
            raise UsageError("--space '%s': '%s' is not a pass%s and none of its values is a pass list; a "
                             "dimension of your own takes pass lists such as none,freeze+optimize"
                             % (text, key, suggestion(key, catalogue)))
    return key, values, warnings


def build_space(space_args, fixed, catalogue, device):
    """[(key, [(label, passes)])] of the dimensions with more than one value, the passes of the
    dimensions with one (they join the fixed passes), and the warnings."""
    dimensions = []
    fixed_names = {pass_name(p) for p in fixed}
    for key, values in default_space(catalogue, device):
        # A default dimension offers choices the user has fixed: --fixed decides.
        if not any(pass_name(p) in fixed_names for _, passes in values for p in passes):
            dimensions.append((key, values))
    warnings = []
    for text in space_args:
        key, values, notes = parse_space_arg(text, catalogue)
        warnings += notes
        dimensions = [(k, v) for k, v in dimensions if k != key] + [(key, values)]
    constant = [p for _, values in dimensions if len(values) == 1 for p in values[0][1]]
    return [(k, v) for k, v in dimensions if len(v) > 1], constant, warnings


def space_size(dimensions):
    return math.prod(len(values) for _, values in dimensions)


def candidate_passes(config, dimensions, fixed, cpus):
    """The candidate's pass list for a Tune config {key: label}: the fixed passes, one choice per
    dimension, and threads=CPUS unless it sets threads or pin itself."""
    passes = chosen_passes(config, dimensions, fixed)
    if not any(pass_name(p) in ("threads", "pin") for p in passes):
        passes.append("threads=%d" % cpus)
    return passes


def pinned_cpu_count(cpus):
    count = 0
    for part in cpus.split(","):
        low, _, high = part.partition("-")
        try:
            count += int(high or low) - int(low) + 1
        except ValueError:
            return None
    return count if count > 0 else None


def chosen_passes(config, dimensions, fixed):
    passes = list(fixed)
    for key, values in dimensions:
        passes += dict(values)[config[key]]
    return passes


def passes_cpus(passes, default):
    """CPUs a candidate needs: its threads=N, else the CPU count of its pin=CPUS, else default."""
    cpus = None
    for p in passes:
        name, _, value = p.partition("=")
        if name == "threads" and re.fullmatch(r"[1-9][0-9]*", value):
            cpus = int(value)
        elif name == "pin" and cpus is None:
            cpus = pinned_cpu_count(value)
    return cpus or default


def trial_cpus(config, dimensions, fixed, default):
    """CPUs to ask Ray for: the candidate's threads=N (or the CPU count of pin=CPUS), else the
    default --cpus-per-trial; threads = the trial's CPU count either way."""
    return passes_cpus(chosen_passes(config, dimensions, fixed), default)


def most_cpus(dimensions, fixed, default):
    """The most CPUs any candidate of the space asks for (one dimension at a time is enough:
    threads and pin values each come from one dimension or the fixed passes)."""
    most = passes_cpus(fixed, default)
    for _, values in dimensions:
        for _, passes in values:
            most = max(most, passes_cpus(fixed + passes, default))
    return most


def baseline_passes(baseline, candidate):
    """The reference variant of a trial: the --baseline passes, on the candidate's inputs (its
    batch= and seq-len=, so that every output row is compared) and thread count."""
    passes = list(baseline)
    names = {pass_name(p) for p in passes}
    for p in candidate:
        if pass_name(p) in ("batch", "seq-len", "threads", "pin") and pass_name(p) not in names:
            passes.append(p)
    return passes


def sample_configs(dimensions, count, seed):
    """`count` distinct configs drawn at random (seeded) from the grid; all of it when smaller."""
    grid = [dict(zip([k for k, _ in dimensions], labels))
            for labels in itertools.product(*[[label for label, _ in values] for _, values in dimensions])]
    if count >= len(grid):
        return grid
    return random.Random(seed).sample(grid, count)

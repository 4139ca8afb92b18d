"""docs/examples (docs/ci.md): the GitHub Actions workflow, the Kubernetes Indexed Job and the
Slurm array script. Each is parsed for the fields that matter (the shard mapping, the merge,
the compare that fails on a regression), and its shell parts are run for real here, on a small
suite of built-ins cut into four shards (three entries: the fourth shard has none), with the
real binary in place of the installed one: shards, merge, compare against the baseline.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import unittest

from common import REPO, CliTestCase, Workspace, cli_path

try:
    import yaml
except ImportError:  # PyYAML comes with transformers (scripts/requirements-models.txt)
    yaml = None

EXAMPLES = os.path.join(REPO, "docs", "examples")
SHARDS = 4
FASTER = 0.25  # a baseline this much faster makes tonight a regression beyond any noise
ROW = re.compile(r"(?m)^\| builtin:")  # a result's row in compare's Markdown table

SUITE = {
    "torchbench_config": 1,
    "suite": "ci-examples",
    "defaults": {
        "variants": ["a=no-grad"],
        # Warmed up past the TorchScript executor's profiling runs, and enough samples for a
        # significant verdict when a night is four times as slow.
        "timing": {"warmup_iters": 5, "warmup_time": 0, "min_iters": 20, "min_time": 0, "max_time": 5},
        "schedule": {"rounds": 1},
    },
    "models": [{"model": "builtin:mlp:hidden=16"}, {"model": "builtin:mlp:hidden=32"}, {"model": "builtin:mlp:hidden=64"}],
}


def read(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        return f.read()


def load(path):
    with open(path) as f:
        return json.load(f)


def scaled(report, factor):
    """The report with every sample multiplied by `factor` (a faster or slower night)."""
    for r in report["results"]:
        r["samples_ms"] = [s * factor for s in r.get("samples_ms") or []]
    return report


class ExampleCase(CliTestCase):
    def setUp(self):
        if yaml is None:
            self.skipTest("PyYAML is not installed")
        self.ws = Workspace()
        self.addCleanup(self.ws.cleanup)
        self.suite = os.path.join(self.ws.root, "suite.json")
        with open(self.suite, "w") as f:
            json.dump(SUITE, f)

    def sh(self, shell, script, env, cwd=None):
        full = dict(os.environ, TMPDIR=self.ws.tmp_dir, **env)
        proc = subprocess.run(shell + [script], env=full, cwd=cwd or self.ws.root, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=600, stdin=subprocess.DEVNULL)
        return proc

    def assertRan(self, proc, rc=0):
        self.assertEqual(proc.returncode, rc, "rc=%d\n--- stdout ---\n%s\n--- stderr ---\n%s" %
                         (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))

    def check_merged(self, path):
        merged = load(path)
        self.assertEqual(merged["config"]["suite"]["merged"], {"count": SHARDS, "shards": [1, 2, 3, 4],
                                                               "missing": []})
        self.assertEqual([r["rounds"]["group"] for r in merged["results"]], [0, 1, 2])
        self.assertTrue(merged["summary"]["complete"])
        self.assertEqual(self.ws.tmp_listing(), [])
        return merged


class GitHubActionsTest(ExampleCase):
    def workflow(self):
        return yaml.safe_load(read("github-actions-nightly.yml"))

    def step(self, job, step_id):
        for step in self.workflow()["jobs"][job]["steps"]:
            if step.get("id") == step_id:
                return step
        self.fail("no step %r in job %r" % (step_id, job))

    def test_the_fields_that_matter(self):
        wf = self.workflow()
        triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
        self.assertIn("cron", triggers["schedule"][0])
        self.assertEqual(wf["env"]["SHARDS"], str(SHARDS))
        shard = wf["jobs"]["shard"]
        self.assertEqual(shard["strategy"]["matrix"]["shard"], list(range(1, SHARDS + 1)))
        self.assertFalse(shard["strategy"]["fail-fast"])
        run = self.step("shard", "run")["run"]
        self.assertIn('--config "$SUITE" --shard "${{ matrix.shard }}/$SHARDS"', run)
        compare = wf["jobs"]["compare"]
        self.assertEqual(compare["needs"], "shard")
        self.assertIn("merge reports/shard-*.json -o today.json", self.step("compare", "merge")["run"])
        script = self.step("compare", "compare")["run"]
        self.assertIn('compare baseline/nightly.json today.json --format markdown >> "$GITHUB_STEP_SUMMARY"',
                      script)
        self.assertIn('exit "$rc"', script)  # the regression's exit code 1 fails the step
        self.assertNotIn("|| true", script)
        restore = self.step("compare", "baseline")
        self.assertTrue(restore["uses"].startswith("actions/cache/restore@"))
        self.assertEqual(restore["with"]["restore-keys"], "torchbench-baseline-")
        saves = [s for s in compare["steps"] if s.get("uses", "").startswith("actions/cache/save@")]
        self.assertEqual(len(saves), 1)
        self.assertIn("steps.compare.outcome == 'success'", saves[0]["if"])
        self.assertEqual(saves[0]["with"]["key"], restore["with"]["key"])

    def test_the_steps_run(self):
        env = {"TB": cli_path(), "SUITE": self.suite, "SHARDS": str(SHARDS)}
        bash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]  # what GitHub runs a step with
        run = self.step("shard", "run")["run"]
        for index in range(1, SHARDS + 1):
            self.assertRan(self.sh(bash, run.replace("${{ matrix.shard }}", str(index)), env))
        self.assertRan(self.sh(bash, self.step("compare", "merge")["run"], env))
        self.check_merged(os.path.join(self.ws.root, "today.json"))
        compare = self.step("compare", "compare")["run"]
        summary = os.path.join(self.ws.root, "summary.md")
        env["GITHUB_STEP_SUMMARY"] = summary
        # The first night: no baseline.
        self.assertRan(self.sh(bash, compare, env))
        with open(summary) as f:
            self.assertIn("No baseline yet", f.read())
        # The same report as the baseline: no regression (same or inconclusive, never slower).
        os.makedirs(os.path.join(self.ws.root, "baseline"))
        baseline = os.path.join(self.ws.root, "baseline", "nightly.json")
        shutil.copy(os.path.join(self.ws.root, "today.json"), baseline)
        self.assertRan(self.sh(bash, compare, env))
        with open(summary) as f:
            text = f.read()
        self.assertEqual(len(ROW.findall(text)), 3)
        self.assertNotIn("| **slower** |", text)
        # A baseline four times as fast: tonight is a regression, and the step fails with exit code 1.
        with open(baseline, "w") as f:
            json.dump(scaled(load(os.path.join(self.ws.root, "today.json")), FASTER), f)
        self.assertRan(self.sh(bash, compare, env), rc=1)
        with open(summary) as f:
            self.assertEqual(f.read().count("| **slower** |"), 3)


class KubernetesTest(ExampleCase):
    def documents(self):
        return list(yaml.safe_load_all(read("k8s-indexed-job.yaml")))

    def job(self, component):
        for doc in self.documents():
            if doc["kind"] == "Job" and doc["metadata"]["labels"]["app.kubernetes.io/component"] == component:
                return doc
        self.fail("no Job with component %r" % component)

    @staticmethod
    def container(job):
        return job["spec"]["template"]["spec"]["containers"][0]

    @staticmethod
    def env_of(container):
        return {e["name"]: e["value"] for e in container["env"]}

    def test_the_fields_that_matter(self):
        kinds = [(d["kind"], d["metadata"]["labels"]["app.kubernetes.io/component"]) for d in self.documents()]
        self.assertEqual(kinds, [("PersistentVolumeClaim", "storage"), ("Job", "shards"), ("Job", "merge")])
        shards = self.job("shards")
        spec = shards["spec"]
        self.assertEqual(spec["completionMode"], "Indexed")
        container = self.container(shards)
        env = self.env_of(container)
        self.assertEqual(spec["completions"], int(env["SHARDS"]))
        self.assertEqual(spec["parallelism"], spec["completions"])
        script = container["args"][0]
        self.assertIn("shard=$((JOB_COMPLETION_INDEX + 1))", script)
        self.assertIn('--config "$SUITE" --shard "$shard/$SHARDS"', script)
        mount = container["volumeMounts"][0]["mountPath"]
        self.assertTrue(env["REPORTS"].startswith(mount + "/"))
        self.assertEqual(spec["template"]["spec"]["restartPolicy"], "Never")
        merge = self.container(self.job("merge"))
        self.assertIn('merge "$REPORTS"/shard-*.json', merge["args"][0])
        self.assertEqual(self.env_of(merge)["REPORTS"], env["REPORTS"])
        self.assertEqual(merge["volumeMounts"][0]["mountPath"], mount)
        claim = self.documents()[0]
        self.assertEqual(claim["spec"]["accessModes"], ["ReadWriteMany"])
        for job in (shards, self.job("merge")):
            self.assertEqual(job["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
                             claim["metadata"]["name"])

    def test_the_pods_run(self):
        reports = os.path.join(self.ws.root, "reports")
        shards = self.job("shards")
        container = self.container(shards)
        env = dict(self.env_of(container), TB=cli_path(), SUITE=self.suite, REPORTS=os.path.join(reports, "current"))
        for index in range(shards["spec"]["completions"]):
            self.assertRan(self.sh(["sh", "-c"], container["args"][0], dict(env, JOB_COMPLETION_INDEX=str(index))))
        merge = self.container(self.job("merge"))
        merge_env = dict(self.env_of(merge), TB=cli_path(), REPORTS=env["REPORTS"],
                         BASELINE=os.path.join(reports, "baseline.json"))
        proc = self.sh(["sh", "-c"], merge["args"][0], merge_env)
        self.assertRan(proc)
        # No baseline the first night: the merged report becomes it, and the night is archived.
        self.check_merged(os.path.join(reports, "baseline.json"))
        self.assertFalse(os.path.exists(env["REPORTS"]))
        nights = glob.glob(os.path.join(reports, "night-*"))
        self.assertEqual(len(nights), 1)
        self.assertEqual(sorted(os.listdir(nights[0])), ["nightly.json"] + ["shard-%d.json" % i for i in range(1, 5)])


class SlurmTest(ExampleCase):
    SCRIPT = os.path.join(EXAMPLES, "slurm-array.sh")

    def directives(self):
        return dict(re.findall(r"(?m)^#SBATCH --([a-z-]+)(?:=(\S+))?", read("slurm-array.sh")))

    def test_the_fields_that_matter(self):
        array = self.directives()["array"]
        first, last = (int(x) for x in array.split("-"))
        self.assertEqual(last - first + 1, SHARDS)
        text = read("slurm-array.sh")
        self.assertIn("index=$((SLURM_ARRAY_TASK_ID - first + 1))", text)
        self.assertIn('--shard "$index/$count"', text)
        self.assertIn('--dependency="afterany:', text)
        self.assertIn("--wrap \"bash '$script' merge\"", text)

    def run_script(self, mode, env):
        return self.sh(["bash", self.SCRIPT], mode, env)

    def run_array(self, env):
        first = int(self.directives()["array"].split("-")[0])
        for task in range(first, first + SHARDS):
            task_env = dict(env, SLURM_ARRAY_TASK_ID=str(task), SLURM_ARRAY_TASK_MIN=str(first),
                            SLURM_ARRAY_TASK_COUNT=str(SHARDS))
            self.assertRan(self.run_script("shard", task_env))

    def test_the_tasks_and_the_merge_run_without_slurm(self):
        reports = os.path.join(self.ws.root, "reports")
        env = {"TB": cli_path(), "SUITE": self.suite, "REPORTS": os.path.join(reports, "current"),
               "BASELINE": os.path.join(reports, "baseline.json")}
        self.run_array(env)
        first_night = self.run_script("merge", env)
        self.assertRan(first_night)
        self.assertIn("no baseline", first_night.stdout)
        baseline = os.path.join(reports, "baseline.json")
        merged = self.check_merged(baseline)
        # The same shard reports merged again: the merged report compared with itself.
        night = glob.glob(os.path.join(reports, "night-*"))[0]
        shutil.copytree(night, env["REPORTS"])
        os.remove(os.path.join(env["REPORTS"], "nightly.json"))
        second_night = self.run_script("merge", env)
        self.assertRan(second_night)
        self.assertEqual(len(ROW.findall(second_night.stdout)), 3)
        self.assertNotIn("| **slower** |", second_night.stdout)
        self.assertEqual(load(baseline)["results"], merged["results"])
        # Against a baseline four times as fast: a regression, exit 1, and the baseline is kept.
        with open(baseline, "w") as f:
            json.dump(scaled(merged, FASTER), f)
        shutil.copytree(night, env["REPORTS"])
        os.remove(os.path.join(env["REPORTS"], "nightly.json"))
        regression = self.run_script("merge", env)
        self.assertRan(regression, rc=1)
        self.assertEqual(regression.stdout.count("| **slower** |"), 3)
        self.assertEqual(load(baseline)["results"], scaled(load(os.path.join(night, "nightly.json")), FASTER)["results"])

    def test_submit_needs_slurm(self):
        if shutil.which("sbatch"):
            self.skipTest("sbatch is installed: submitting would queue real jobs")
        proc = self.run_script("submit", {"TB": cli_path()})
        self.assertRan(proc, rc=2)
        self.assertIn("sbatch not found", proc.stderr)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env bash
# The nightly suite on a Slurm cluster (docs/ci.md): a job array runs one shard per task, then
# a merge job that depends on the whole array merges the reports and compares them with the
# last baseline. From a login node, in the repository (built, with out/models/ exported):
#
#   bash docs/examples/slurm-array.sh submit
#
# The array tasks run this script in `shard` mode and the merge job in `merge` mode. Neither
# needs Slurm itself: with SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT set by hand they run
# anywhere (tests/e2e/test_ci_examples.py runs them that way).
#
# The directives below apply to the array (sbatch reads them in `submit`); the merge job is
# submitted with --wrap, which has its own options.
#SBATCH --job-name=torchbench-nightly
#SBATCH --array=0-3
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --exclusive
#SBATCH --time=02:00:00
#SBATCH --output=reports/slurm-%A_%a.log
set -euo pipefail

TB=${TB:-build/apps/torchbench-cli/torchbench-cli}
SUITE=${SUITE:-configs/nightly-cpu.json}
REPORTS=${REPORTS:-reports/current}       # this night's shard reports
BASELINE=${BASELINE:-reports/baseline.json}

shard() {
  # Slurm numbers the tasks from the --array range (0-3 above); --shard counts from 1.
  local first=${SLURM_ARRAY_TASK_MIN:-0}
  local count=${SLURM_ARRAY_TASK_COUNT:?set by sbatch --array (or by hand to run without Slurm)}
  local index=$((SLURM_ARRAY_TASK_ID - first + 1))
  mkdir -p "$REPORTS"
  local rc=0
  "$TB" run --config "$SUITE" --shard "$index/$count" -q -o "$REPORTS/shard-$index.json" || rc=$?
  # 1 (a gate failed) and 4 (some variants failed) wrote the report: the merge keeps it.
  if [[ $rc -ne 0 && $rc -ne 1 && $rc -ne 4 ]]; then exit "$rc"; fi
}

merge() {
  "$TB" merge "$REPORTS"/shard-*.json -o "$REPORTS/nightly.json"
  local rc=0
  if [[ -f $BASELINE ]]; then
    # Exit 1 on a regression: the merge job fails (sbatch --mail-type=FAIL tells someone).
    "$TB" compare "$BASELINE" "$REPORTS/nightly.json" --format markdown > "$REPORTS/summary.md" || rc=$?
    cat "$REPORTS/summary.md"
  else
    echo "no baseline at $BASELINE yet: tonight's report becomes the first one"
  fi
  # Only a night without a regression becomes the baseline; then the night is archived, so
  # that the next one starts from an empty directory.
  if [[ $rc -eq 0 ]]; then cp "$REPORTS/nightly.json" "$BASELINE"; fi
  mv "$REPORTS" "$(dirname "$REPORTS")/night-$(date -u +%Y%m%dT%H%M%SZ)-$$"
  return "$rc"
}

submit() {
  if ! command -v sbatch > /dev/null; then
    echo "slurm-array.sh: sbatch not found: submit from a Slurm login node (or run the shard and merge modes by hand)" >&2
    exit 2
  fi
  mkdir -p reports
  local script array
  script=$(readlink -f "${BASH_SOURCE[0]}")
  array=$(sbatch --parsable "$script" shard)
  # afterany: the merge runs when every task has ended, failed or not; a failed shard is a
  # missing shard (merge warns and the merged report says it is incomplete).
  sbatch --parsable --dependency="afterany:${array%%;*}" --job-name=torchbench-merge --ntasks=1 \
    --time=00:30:00 --mail-type=FAIL --output=reports/slurm-%j-merge.log --wrap "bash '$script' merge"
}

case "${1:-submit}" in
  submit) submit ;;
  shard) shard ;;
  merge) merge ;;
  *)
    echo "usage: $0 [submit|shard|merge]" >&2
    exit 2
    ;;
esac

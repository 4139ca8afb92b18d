#!/usr/bin/env bash
# Measures the harness overhead per timed iteration against a bare C++ loop calling the same
# model (target: <= 1 us). Results are recorded in docs/benchmarks.md.
# Usage: scripts/bench_overhead.sh [MODEL] [ITERATIONS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
exec "${TB_BUILD_DIR:-build}/apps/torchbench-cli/harness-overhead" "$@"

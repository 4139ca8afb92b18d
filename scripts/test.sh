#!/usr/bin/env bash
# Fresh machine to a full test run: set up, build, then every unit and end-to-end test.
# Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${TB_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j 2 "$@"

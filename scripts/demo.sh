#!/usr/bin/env bash
# Fresh machine to a real benchmark: set up, then run the default variant set on the default
# built-in model, print the table and write out/demo-report.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
exec "${TB_BUILD_DIR:-build}/apps/torchbench-cli/torchbench-cli" run -o out/demo-report.json "$@"

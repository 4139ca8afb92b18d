#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/) and its tests: the unit
# tests, the LibTorch-layer tests and the end-to-end tests of the real binary, each worker
# process instrumented too. Slow (a full second build, then every test at a fraction of the
# speed): run it by hand before a release or after touching memory-sensitive code, not in CI.
# What the runtime options below are for: docs/fuzzing.md ("Sanitizers").
#
# Usage: scripts/sanitize.sh [CTEST ARGS...]     e.g. scripts/sanitize.sh -R unit
# Environment: TB_ASAN_BUILD_DIR (default build-asan), TB_SANITIZE (default address,undefined)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${TB_ASAN_BUILD_DIR:-build-asan}
export TB_SANITIZE=${TB_SANITIZE:-address,undefined}
bash scripts/setup.sh >/dev/null  # packages and the venv with LibTorch

echo "sanitize: configuring $build_dir with -fsanitize=$TB_SANITIZE" >&2
configure_log=$(mktemp)
if ! cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_SANITIZE="$TB_SANITIZE" \
       -DTB_PYTHON="$(pwd)/.venv/bin/python" \
       -DCMAKE_PREFIX_PATH="$(.venv/bin/python -W ignore -c 'import torch; print(torch.utils.cmake_prefix_path)')" \
       >"$configure_log" 2>&1; then
  cat "$configure_log" >&2
  rm -f "$configure_log"
  exit 1
fi
rm -f "$configure_log"
echo "sanitize: building (slow: a whole instrumented build)" >&2
nice -n 10 cmake --build "$build_dir" -j "$(nproc)"

# LibTorch (the pip wheel) is not instrumented, so ASan checks our code's accesses only.
#  - handle_segv=0: the fault tests crash a worker on purpose and expect it to die of SIGSEGV,
#    not of ASan's report (exit code 1).
#  - LeakSanitizer stays on (a leak makes a worker's exit code non-zero, which fails its
#    variant), with suppressions for LibTorch's own leaks: scripts/lsan-suppressions.txt.
# UBSan stops at the first report (-fno-sanitize-recover) and prints where.
export ASAN_OPTIONS=${ASAN_OPTIONS:-handle_segv=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/scripts/lsan-suppressions.txt:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure -j 2 "$@"

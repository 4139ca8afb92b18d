#!/usr/bin/env bash
# Bounded fuzzing of the parsers that read what other people write (docs/fuzzing.md).
# Builds fuzz/ with clang, libFuzzer, ASan and UBSan in build-fuzz/ (torch-free layers only,
# no LibTorch), then runs every harness for SECONDS from its seed corpus fuzz/corpus/NAME/.
# New inputs go to build-fuzz/corpus/NAME/ (the committed seeds are never modified).
#
# Exits 1 when a harness finds a crash, a sanitizer report, a timeout or a broken property;
# the input is kept in build-fuzz/findings/NAME/ and its bytes are printed.
#
# Usage: scripts/fuzz.sh [SECONDS] [NAME...]     (default: 20 seconds, every harness)
# Environment: TB_FUZZ_BUILD_DIR (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
shift || true
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: SECONDS must be a positive whole number (got '$seconds')" >&2
  exit 2
fi
build_dir=${TB_FUZZ_BUILD_DIR:-build-fuzz}
log() { echo "fuzz: $*" >&2; }

# --- clang and libFuzzer: the versionless Debian names (clang 14 on Debian 12, 19 on 13) ----
packages=(clang libclang-rt-dev cmake ninja-build nlohmann-json3-dev libfmt-dev libboost-dev)
source scripts/lib/debian_packages.sh
ensure_debian_packages fuzz "${packages[@]}"

# --- Configure and build (no LibTorch: only tb_util, tb_core, tb_report and fuzz/) ----------
log "building the harnesses in $build_dir"
configure_log=$(mktemp)
if ! CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DTB_FUZZ=ON \
       -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$configure_log" 2>&1; then
  cat "$configure_log" >&2
  rm -f "$configure_log"
  exit 1
fi
rm -f "$configure_log"
cmake --build "$build_dir" -j "$(nproc)" >/dev/null

harnesses=("$@")
if ((${#harnesses[@]} == 0)); then
  for source in fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    harnesses+=("${name#fuzz_}")
  done
fi

# Our code is fully instrumented here: leaks count, UBSan stops at the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
printf '%-18s %12s %10s %8s  %s\n' harness executions exec/s corpus result >&2
for name in "${harnesses[@]}"; do
  binary="$build_dir/fuzz/fuzz_$name"
  seeds="fuzz/corpus/$name"
  if [[ ! -x $binary || ! -d $seeds ]]; then
    echo "fuzz: unknown harness '$name' (no $binary or no $seeds)" >&2
    exit 2
  fi
  corpus="$build_dir/corpus/$name"
  findings="$build_dir/findings/$name"
  rm -rf "$findings"
  mkdir -p "$corpus" "$findings"
  output="$build_dir/fuzz_$name.log"
  status=ok
  if ! "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
         -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "$seeds" >"$output" 2>&1; then
    status=FAILED
    failed+=("$name")
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$output" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$output" | tail -1)
  printf '%-18s %12s %10s %8s  %s\n' "$name" "${runs:-?}" "${rate:-?}" "$(ls "$corpus" | wc -l)" "$status" >&2
  if [[ $status == FAILED ]]; then
    grep -E '^==[0-9]+==|SUMMARY|property does not hold|terminate called|what\(\)|runtime error' "$output" | head -20 >&2 || true
    for finding in "$findings"/*; do
      [[ -f $finding ]] || continue
      echo "fuzz: $name: input $finding:" >&2
      od -An -c "$finding" | head -20 >&2
    done
    echo "fuzz: full log: $output; reproduce with: $binary $findings/<file>" >&2
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
log "no findings (${#harnesses[@]} harnesses, ${seconds} s each)"

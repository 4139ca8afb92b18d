#!/usr/bin/env bash
# The compile check of the GPU path on a machine WITHOUT a GPU (docs/gpu.md, Status): builds
# torchbench-cli against the CUDA build of LibTorch (the torch wheel from PyPI, with its CUDA
# libraries, and the CUDA toolkit as wheels), so that the optional tb_cuda target (lib/cuda/)
# and every LibTorch layer compile against the CUDA headers and the binaries link and load the
# CUDA libraries; then runs the whole test suite of that build, checks that the [gpu] tests
# were skipped (exit 77), and that `run --device cuda` is refused with one line (exit 2).
# Not part of CI: about 5 GB of wheels, a full build (10 minutes of 2 cores with a cold
# ccache) and the whole test suite. Nothing outside VENV_DIR and BUILD_DIR is written; the project's .venv is not used.
#   scripts/cuda_compile_check.sh [VENV_DIR] [BUILD_DIR]     (defaults: ../cuda-venv, build-cuda)
# Environment: TB_TORCH_VERSION (default 2.13.0).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=${1:-$(dirname "$root")/cuda-venv}
build=${2:-build-cuda}
version=${TB_TORCH_VERSION:-2.13.0}
log() { echo "cuda_compile_check: $*" >&2; }

packages=(g++ cmake ninja-build git libcli11-dev nlohmann-json3-dev libfmt-dev catch2 libboost-dev)
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -m ensurepip --version >/dev/null 2>&1; then
  packages+=(python3 python3-venv)
fi
source scripts/lib/debian_packages.sh
ensure_debian_packages cuda_compile_check "${packages[@]}"

# --- A venv with the CUDA torch and the toolkit wheels -------------------------------------------
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
py=$venv/bin/python
if ! "$py" -W ignore -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$version' and torch.version.cuda else 1)" \
    2>/dev/null; then
  wheels=$(mktemp -d)
  # --isolated and PyPI's own index: a find-links folder or a local index may hold the CPU
  # build under the same version number.
  log "downloading torch==$version (the CUDA build) from PyPI"
  "$py" -m pip download -q --no-deps --isolated --index-url https://pypi.org/simple -d "$wheels" "torch==$version"
  log "installing it with its CUDA libraries (nvidia-*)"
  "$py" -m pip install -q "$wheels"/torch-*.whl
  rm -rf "$wheels"
fi
cuda=$("$py" -W ignore -c 'import torch; print(torch.version.cuda or "")')
[[ -n $cuda ]] || { log "the torch in $venv has no CUDA"; exit 1; }
# nvcc, its headers and cicc: LibTorch's CMake config runs FindCUDA and enable_language(CUDA).
# numpy: the e2e tests' fixtures import torch with this python, which warns without it.
"$py" -m pip install -q "nvidia-cuda-nvcc==$cuda.*" "nvidia-cuda-crt==$cuda.*" "nvidia-nvvm==$cuda.*" numpy

# --- Configure and build ----------------------------------------------------------------------------
source scripts/lib/cuda_toolkit.sh
mkdir -p "$build"
cuda_args=$(cuda_toolkit_cmake_args "$py" "$root/$build")
mapfile -t cuda_args <<<"$cuda_args"
torch_prefix=$("$py" -W ignore -c 'import torch; print(torch.utils.cmake_prefix_path)')
log "configuring $build against torch $version (CUDA $cuda): ${cuda_args[*]}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_PYTHON="$py" \
  -DCMAKE_PREFIX_PATH="$torch_prefix" "${cuda_args[@]}" >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }
grep -q "building the tb_cuda target" "$build/configure.log" ||
  { log "CMake did not select the tb_cuda target (see $build/configure.log)"; exit 1; }
log "building"
cmake --build "$build" -j "$(nproc)"

# --- Tests: all of them; the [gpu] ones must be skipped, not passed ----------------------------------
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure 2>&1 | tee "$build/ctest.log"
grep -Eq 'gpu: \[gpu\] tests .*Skipped' "$build/ctest.log" ||
  { log "the [gpu] tests were not skipped (is there a GPU here?)"; exit 1; }
cli=$build/apps/torchbench-cli/torchbench-cli
set +e
stderr=$("$cli" run --device cuda -q 2>&1 >/dev/null)
rc=$?
set -e
if [[ $rc -ne 2 || $(printf '%s\n' "$stderr" | wc -l) -ne 1 || $stderr != *"sees no CUDA device"* ]]; then
  log "run --device cuda: expected one 'sees no CUDA device' line and exit 2, got exit $rc: $stderr"
  exit 1
fi
log "ok: $("$cli" env --json | "$py" -W ignore -c 'import json,sys; l=json.load(sys.stdin)["libtorch"]; print("LibTorch", l["libtorch_version"], "cuda_compiled", l["cuda_compiled"])'), tb_cuda built, every test passed or skipped, --device cuda refused (exit 2)"

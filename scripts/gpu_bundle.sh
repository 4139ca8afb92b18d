#!/usr/bin/env bash
# Run HERE (a Debian machine with the build dependencies installed, e.g. after
# scripts/setup.sh): packs the header-only dependencies of the build (CLI11, nlohmann/json,
# fmt, Catch2, Boost headers) with their CMake package files into out/gpu-deps.tar.gz, and
# the project sources into out/gpu-src.tar.gz, for carrying to an air-gapped GPU host where
# scripts/gpu_host.sh builds against that host's CUDA LibTorch.
#
# A CUDA LibTorch's CMake config needs a CUDA toolkit (nvcc, headers) to configure, which a
# host with only a pip-installed torch lacks: the toolkit wheels of TB_CUDA_VERSION (default
# 13.0, the CUDA of the torch 2.13 wheel; torch.version.cuda on the host says which) are
# downloaded from PyPI into out/cuda-wheels/ (about 100 MB; TB_CUDA_VERSION=none skips them).
# gpu_host.sh installs them into its own folder when the host has no toolkit.
#
# The Debian packages' CMake files locate everything relative to themselves, so the tree
# works from any prefix. fmt is used through its header-only target (fmt::fmt-header-only);
# its shared library is packed too because fmt's CMake config checks that it exists.
# NOT YET RUN END TO END ON A GPU HOST (docs/gpu.md, Status).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-out}
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

packages=(libcli11-dev nlohmann-json3-dev libfmt-dev catch2)
# The fmt runtime package and the Boost headers package: the installed packages that own them.
multiarch=$(gcc -print-multiarch)
packages+=("$(dpkg -S "$(readlink -f "/usr/lib/$multiarch/libfmt.so")" | cut -d: -f1)")
packages+=("$(dpkg -S /usr/include/boost/version.hpp | cut -d: -f1)")
for package in "${packages[@]}"; do
  dpkg-query -W "$package" >/dev/null || { echo "gpu_bundle.sh: package $package is not installed" >&2; exit 1; }
  # Files (not directories, not docs) of the package, copied with their /usr paths.
  dpkg -L "$package" | grep -v '^/usr/share/doc' | while read -r path; do
    if [[ -f $path || -L $path ]]; then
      mkdir -p "$stage/deps$(dirname "$path")"
      cp -a "$path" "$stage/deps$path"
    fi
  done
done
printf '%s\n' "${packages[@]}" >"$stage/deps/PACKAGES"
tar -C "$stage" -czf "$out/gpu-deps.tar.gz" deps
git archive --format=tar.gz -o "$out/gpu-src.tar.gz" HEAD
echo "gpu_bundle.sh: wrote $out/gpu-deps.tar.gz ($(du -h "$out/gpu-deps.tar.gz" | cut -f1)) and $out/gpu-src.tar.gz"

# The CUDA toolkit as wheels (nvcc, its headers, cicc; the runtime's headers and library),
# for an x86_64 host. pip (23.2) takes a --platform literally, without the older manylinux
# tags it implies: the two below are the tags of these wheels (nvvm's is the older one).
cuda=${TB_CUDA_VERSION:-13.0}
if [[ $cuda != none ]]; then
  python3 -m pip download -q --no-deps --only-binary :all: --isolated --index-url https://pypi.org/simple \
    --platform manylinux_2_17_x86_64 --platform manylinux_2_12_x86_64 --python-version 3.11 -d "$out/cuda-wheels" \
    "nvidia-cuda-nvcc==$cuda.*" "nvidia-cuda-crt==$cuda.*" "nvidia-nvvm==$cuda.*" "nvidia-cuda-runtime==$cuda.*"
  echo "gpu_bundle.sh: wrote $out/cuda-wheels/ ($(du -sh "$out/cuda-wheels" | cut -f1), CUDA $cuda toolkit wheels)"
fi
echo "on the GPU host: mkdir tb && tar -C tb -xzf gpu-src.tar.gz && cd tb &&" \
     "scripts/gpu_host.sh ../gpu-deps.tar.gz [python3 [../cuda-wheels]]"

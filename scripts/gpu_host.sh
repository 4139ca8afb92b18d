#!/usr/bin/env bash
# On an air-gapped GPU host with a CUDA PyTorch (the `torch` of a Python install carries
# LibTorch's headers, libraries and CMake config): builds torchbench-cli against it with the
# dependencies of scripts/gpu_bundle.sh, runs the unit and [gpu] tests, then the benchmark of
# docs/gpu.md, and writes its Markdown to out/gpu/gpu-results.md.
#   scripts/gpu_host.sh gpu-deps.tar.gz [python3 [cuda-wheels/]]
# Needs: cmake >= 3.22, ninja or make, a C++20 compiler, nvidia driver, and a CUDA toolkit for
# LibTorch's CMake config (scripts/lib/cuda_toolkit.sh: $CUDA_HOME, the toolkit wheels in the
# python's site-packages, the wheels of gpu_bundle.sh given as cuda-wheels/, or nvcc on PATH).
# NOT YET RUN ON A GPU HOST (docs/gpu.md, Status); its configure and build steps ran on a
# CPU-only machine with the CUDA torch 2.13.0 wheel.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deps_tarball=${1:?usage: scripts/gpu_host.sh gpu-deps.tar.gz [python [cuda-wheels/]]}
python=${2:-python3}
cuda_wheels=${3:-}
out=out/gpu
mkdir -p "$out"
tar -C out -xzf "$deps_tarball"
deps=$root/out/deps/usr

torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
"$python" -c 'import torch, sys; print("torch", torch.__version__, "cuda", torch.version.cuda, "devices", torch.cuda.device_count()); sys.exit(0 if torch.cuda.is_available() else 1)' \
  || { echo "gpu_host.sh: this torch has no usable CUDA" >&2; exit 1; }

# The CUDA toolkit LibTorch's CMake config asks for; the bundle's wheels go into a folder of
# their own, never into the host's python.
source scripts/lib/cuda_toolkit.sh
toolkit_prefixes=()
if [[ -n $cuda_wheels ]]; then
  "$python" -m pip install -q --no-index --no-deps --target out/cuda-wheels "$cuda_wheels"/*.whl
  toolkit_prefixes=("$root/out/cuda-wheels")
fi
cuda_args=$(cuda_toolkit_cmake_args "$python" "$root/out" "${toolkit_prefixes[@]}")
mapfile -t cuda_args <<<"$cuda_args"

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build-gpu "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTB_PYTHON="$(command -v "$python")" \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$deps" -DCMAKE_INCLUDE_PATH="$deps/include" "${cuda_args[@]}" 2>&1 |
  tee "$out/configure.log"
grep -q "building the tb_cuda target" "$out/configure.log" || { echo "gpu_host.sh: LibTorch has no CUDA per CMake" >&2; exit 1; }
cmake --build build-gpu -j "$(nproc)"
cli=build-gpu/apps/torchbench-cli/torchbench-cli

# Tests: unit, torch, [gpu] (must not be skipped here) and the e2e GPU file.
ctest --test-dir build-gpu -R '^(unit|torch|gpu):' --output-on-failure -j "$(nproc)" | tee "$out/ctest.log"
if grep -q "gpu: \[gpu\] tests .*Skipped" "$out/ctest.log"; then echo "gpu_host.sh: the [gpu] tests were skipped" >&2; exit 1; fi
(cd tests/e2e && TORCHBENCH_CLI="$root/$cli" TB_PYTHON="$python" "$python" -m unittest -v test_gpu) 2>&1 | tee "$out/e2e-gpu.log"

"$cli" env >"$out/env.txt"

# Benchmark: ResNet-50 and the built-in transformer, fp32 vs fp16 vs fp16+channels-last vs
# +cuda-graph, batch 1 and 32, both timing modes.
"$python" scripts/export_models.py --out out/models --models resnet50
timing=(--warmup-time 2 --min-time 3 --max-time 20)
variants=(--variant fp32=no-grad --variant fp16=fp16,no-grad --variant fp16-cl=fp16,channels-last,no-grad
          --variant fp16-cl-graph=fp16,channels-last,cuda-graph,no-grad --sweep batch=1,32)
tvariants=(--variant fp32=no-grad --variant fp16=fp16,no-grad --variant fp16-graph=fp16,cuda-graph,no-grad
           --sweep batch=1,32)
{
  echo "# GPU results ($(date -u +%F), $("$cli" env --json | "$python" -c 'import json,sys; e=json.load(sys.stdin); d=e["libtorch"].get("cuda_device") or {}; print(d.get("name","?"), "sm", d.get("compute_capability","?"))'))"
  for mode in latency throughput; do
    "$cli" run out/models/resnet50.pt --device cuda --timing "$mode" "${timing[@]}" "${variants[@]}" -q \
      -o "$out/resnet50.$mode.json" || true
    echo; echo "## ResNet-50, $mode"; echo
    "$cli" report "$out/resnet50.$mode.json" --format markdown
    "$cli" run builtin:transformer --device cuda --timing "$mode" "${timing[@]}" "${tvariants[@]}" -q \
      -o "$out/transformer.$mode.json" || true
    echo; echo "## builtin:transformer, $mode"; echo
    "$cli" report "$out/transformer.$mode.json" --format markdown
  done
  # Achieved TFLOP/s of a GEMM-heavy built-in: an MLP of 4096-wide Linear layers,
  # FLOPs per item = 2 * (in*hidden + (layers-1)*hidden^2 + hidden*out), counted analytically.
  mlp="builtin:mlp:in=4096,hidden=4096,layers=8,out=4096"
  "$cli" run "$mlp" --device cuda --timing throughput "${timing[@]}" -q -o "$out/mlp.json" \
    --variant fp32=no-grad,batch=4096 --variant tf32=tf32,no-grad,batch=4096 \
    --variant fp16=fp16,no-grad,batch=4096 --variant bf16=bf16,no-grad,batch=4096 || true
  echo; echo "## Achieved TFLOP/s, $mlp, batch 4096, throughput mode"; echo
  "$python" scripts/gpu_tflops.py "$out/mlp.json" --in 4096 --hidden 4096 --layers 8 --out 4096
} | tee "$out/gpu-results.md"
echo "gpu_host.sh: results in $out/gpu-results.md (paste into docs/gpu.md)"

# Sourced by scripts/gpu_host.sh and scripts/cuda_compile_check.sh. LibTorch's CMake config
# (Caffe2Config.cmake of a CUDA build) runs FindCUDA and enable_language(CUDA): configuring
# against a CUDA LibTorch needs nvcc and the CUDA headers, even though torchbench-cli compiles
# no CUDA source. This finds a toolkit and prints the CMake arguments for it, one per line:
#   cuda_toolkit_cmake_args PYTHON STAGE_DIR [PREFIX...]
# In this order:
#   1. $CUDA_HOME (or $CUDA_PATH): a toolkit installed by hand or by NVIDIA's packages;
#   2. the toolkit wheels in PYTHON's site-packages or in a PREFIX (a `pip install --target`
#      folder): nvidia/cu13 with nvidia-cuda-nvcc, nvidia-cuda-crt and nvidia-nvvm beside
#      nvidia-cuda-runtime (torch depends on it; nvidia-cuda-cccl is not needed). The wheels
#      ship versioned libraries only (libcudart.so.13) and no lib64, which FindCUDA and nvcc
#      need, so STAGE_DIR/cuda-toolkit is made from symlinks: real
#      bin/ and lib/ folders (nvcc finds lib64 from its own folder's parent, so bin cannot be a
#      link), lib/libX.so -> libX.so.N, lib64 -> lib, include and nvvm as links;
#   3. nvcc on PATH, when ../include/cuda.h is beside its real folder.
# Both CUDA_TOOLKIT_ROOT_DIR (FindCUDA) and CMAKE_CUDA_COMPILER (enable_language) are given:
# with only the first, CMake takes whatever nvcc is first on PATH for the CUDA language.
cuda_toolkit_cmake_args() {
  local python=$1 stage=$2 root=""
  shift 2
  if [[ -n ${CUDA_HOME:-${CUDA_PATH:-}} ]]; then
    root=${CUDA_HOME:-$CUDA_PATH}
    [[ -x $root/bin/nvcc ]] || { echo "cuda_toolkit: \$CUDA_HOME=$root has no bin/nvcc" >&2; return 1; }
  else
    local wheels
    wheels=$("$python" - "$@" <<'EOF'
import glob, os, site, sys
for base in site.getsitepackages() + [site.getusersitepackages()] + sys.argv[1:]:
    for nvcc in sorted(glob.glob(os.path.join(base, "nvidia", "cu*", "bin", "nvcc"))):
        print(os.path.dirname(os.path.dirname(nvcc)))
        sys.exit(0)
EOF
)
    if [[ -n $wheels ]]; then
      root=$stage/cuda-toolkit
      rm -rf "$root"
      mkdir -p "$root/bin" "$root/lib"
      local f name
      for f in "$wheels"/bin/*; do ln -s "$f" "$root/bin/"; done
      for f in "$wheels"/lib/*; do
        name=$(basename "$f")
        ln -s "$f" "$root/lib/$name"
        [[ $name == *.so.* && ! -e $root/lib/${name%%.so.*}.so ]] && ln -s "$f" "$root/lib/${name%%.so.*}.so"
      done
      ln -s lib "$root/lib64"
      ln -s "$wheels/include" "$root/include"
      [[ -d $wheels/nvvm ]] && ln -s "$wheels/nvvm" "$root/nvvm"
    elif command -v nvcc >/dev/null; then
      root=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")
      [[ -f $root/include/cuda.h ]] || root=""
    fi
  fi
  if [[ -z $root ]]; then
    echo "cuda_toolkit: no CUDA toolkit for LibTorch's CMake config: set CUDA_HOME, or install the toolkit" \
         "wheels of torch's CUDA version into $python, e.g. pip install 'nvidia-cuda-nvcc==13.0.*'" \
         "'nvidia-cuda-crt==13.0.*' 'nvidia-nvvm==13.0.*'" >&2
    return 1
  fi
  echo "-DCUDA_TOOLKIT_ROOT_DIR=$root"
  echo "-DCMAKE_CUDA_COMPILER=$root/bin/nvcc"
}

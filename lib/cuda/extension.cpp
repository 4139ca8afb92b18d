#include "cuda/cuda.hpp"

namespace tb::cuda {

void fill_extension(passes::CudaExtension& table) {
  table.make_graph_runner = &make_graph_runner;
  table.device_properties = &device_properties;
}

}  // namespace tb::cuda

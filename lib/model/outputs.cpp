#include "model/outputs.hpp"

#include <torch/csrc/jit/serialization/pickle.h>

#include <fstream>
#include <iterator>

#include "util/errors.hpp"

namespace tb::model {
namespace {

void flatten_into(const c10::IValue& value, std::vector<at::Tensor>& out) {
  if (value.isTensor()) {
    out.push_back(value.toTensor());
  } else if (value.isTuple()) {
    for (const auto& element : value.toTupleRef().elements()) flatten_into(element, out);
  } else if (value.isList()) {
    for (const auto& element : value.toListRef()) flatten_into(element, out);
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) flatten_into(entry.value(), out);
  } else if (value.isInt()) {
    out.push_back(at::scalar_tensor(value.toInt(), at::kLong));
  } else if (value.isDouble()) {
    out.push_back(at::scalar_tensor(value.toDouble(), at::kDouble));
  } else if (value.isBool()) {
    out.push_back(at::scalar_tensor(value.toBool(), at::kBool));
  } else if (!value.isNone()) {
    throw ModelError("the model returned a " + value.tagKind() +
                     "; outputs must be tensors, numbers, or tuples/lists/dicts of them");
  }
}

std::string shape_text(const at::Tensor& t) {
  std::string text = "[";
  for (std::int64_t i = 0; i < t.dim(); ++i) text += (i ? "," : "") + std::to_string(t.size(i));
  return text + "]";
}

void append_values(const at::Tensor& t, std::vector<double>& out) {
  const auto values = t.detach().to(at::kCPU).to(at::kDouble).contiguous();
  const double* data = values.data_ptr<double>();
  out.insert(out.end(), data, data + values.numel());
}

}  // namespace

std::vector<at::Tensor> flatten_outputs(const c10::IValue& output) {
  std::vector<at::Tensor> tensors;
  flatten_into(output, tensors);
  return tensors;
}

void save_outputs(const std::vector<at::Tensor>& outputs, const std::filesystem::path& path) {
  c10::List<at::Tensor> list;
  for (const auto& t : outputs) list.push_back(t.detach().to(at::kCPU).contiguous());
  const auto bytes = torch::jit::pickle_save(c10::IValue(list));
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write outputs to '" + path.string() + "'");
}

std::vector<at::Tensor> load_outputs(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the baseline outputs '" + path.string() + "'");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<at::Tensor> tensors;
  for (const auto& value : torch::jit::pickle_load(bytes).toList()) tensors.push_back(value.get().toTensor());
  return tensors;
}

OutputComparison compare_outputs(const std::vector<at::Tensor>& actual, const std::vector<at::Tensor>& reference) {
  OutputComparison result;
  if (actual.size() != reference.size()) {
    result.note = "the variant returns " + std::to_string(actual.size()) + " output tensors, the baseline " +
                  std::to_string(reference.size());
    return result;
  }
  std::vector<double> a, r;
  bool partial = false;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    at::Tensor x = actual[i], y = reference[i];
    if (!x.sizes().equals(y.sizes())) {
      const bool batch_only = x.dim() == y.dim() && x.dim() > 0 && x.sizes().slice(1).equals(y.sizes().slice(1));
      if (!batch_only) {
        result.note = "output " + std::to_string(i) + " has shape " + shape_text(x) + ", the baseline's " +
                      shape_text(y) + "; not compared";
        return result;
      }
      const auto rows = std::min(x.size(0), y.size(0));
      x = x.narrow(0, 0, rows);
      y = y.narrow(0, 0, rows);
      partial = true;
    }
    append_values(x, a);
    append_values(y, r);
  }
  result.stats = compare_values(a, r);
  if (partial) result.note = "batch sizes differ: compared the rows both runs share";
  return result;
}

}  // namespace tb::model

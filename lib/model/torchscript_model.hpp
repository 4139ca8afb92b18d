#pragma once
// The TorchScript backend: a torch::jit::Module plus the inputs it declares.
#include <filesystem>

#include "model/model.hpp"

namespace tb::model {

class TorchScriptModel final : public Model {
 public:
  TorchScriptModel(torch::jit::Module module, std::vector<InputSpec> inputs, std::string_view backend);

  std::string_view backend() const override { return backend_; }
  const std::vector<InputSpec>& declared_inputs() const override { return inputs_; }
  std::string signature() const override;
  std::size_t required_inputs() const override;
  c10::IValue run(const std::vector<c10::IValue>& inputs) override;
  void to(c10::Device device) override;
  torch::jit::Module* torchscript() override { return &module_; }
  void set_torchscript(torch::jit::Module module) override;

 private:
  torch::jit::Module module_;
  torch::jit::Method forward_;  // looked up once, not per call
  std::vector<InputSpec> inputs_;
  std::string_view backend_;
};

// Loads a TorchScript archive and its input metadata. Throws ModelError.
std::unique_ptr<Model> load_torchscript_file(const std::filesystem::path& path);

}  // namespace tb::model

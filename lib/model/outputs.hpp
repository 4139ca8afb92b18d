#pragma once
// A model's outputs as a flat list of tensors: saved by the baseline's worker, compared by
// every other variant's worker.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <torch/script.h>

#include "util/accuracy.hpp"

namespace tb::model {

// Tensors in depth-first order from a tensor, tuple, list or dict (values in insertion
// order); ints, floats and bools become 0-d tensors, None is skipped. Throws ModelError for
// other output types (strings, objects).
std::vector<at::Tensor> flatten_outputs(const c10::IValue& output);

// Saves CPU copies. Throws std::runtime_error on I/O failure.
void save_outputs(const std::vector<at::Tensor>& outputs, const std::filesystem::path& path);
std::vector<at::Tensor> load_outputs(const std::filesystem::path& path);

struct OutputComparison {
  std::optional<AccuracyStats> stats;  // nullopt when nothing could be compared
  std::string note;                    // why not, or what was compared when partial
};

// Compares pairwise. Tensors whose shapes differ only in dim 0 (a variant with another batch
// size) are compared on their common leading rows; other shape mismatches are not compared.
OutputComparison compare_outputs(const std::vector<at::Tensor>& actual, const std::vector<at::Tensor>& reference);

}  // namespace tb::model

#include "core/variant_spec.hpp"

#include <algorithm>
#include <cctype>

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '+';
}

bool is_valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), is_name_char);
}

}  // namespace

std::vector<PassSpec> parse_pass_list(std::string_view text) {
  std::vector<PassSpec> passes;
  if (trim(text).empty()) return passes;
  for (const auto& item : split(text, ',')) {
    const auto pass = trim(item);
    // Values may hold commas too (pin=0-3,6): an item that starts with a digit continues
    // the previous pass's value, since no pass name starts with one.
    if (!pass.empty() && std::isdigit(static_cast<unsigned char>(pass.front())) && !passes.empty() &&
        passes.back().value) {
      *passes.back().value += "," + std::string(pass);
      continue;
    }
    PassSpec spec;
    const auto eq = pass.find('=');
    spec.name = std::string(trim(pass.substr(0, eq)));
    if (eq != std::string_view::npos) {
      spec.value = std::string(trim(pass.substr(eq + 1)));
      if (spec.value->empty()) {
        throw UsageError("pass '" + spec.name + "' has an empty value; write " + spec.name + "=VALUE");
      }
    }
    if (!is_valid_name(spec.name)) {
      throw UsageError("invalid pass '" + std::string(pass) +
                       "' in '" + std::string(text) + "'; passes are NAME or NAME=VALUE separated by commas");
    }
    passes.push_back(std::move(spec));
  }
  return passes;
}

VariantSpec parse_variant(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    throw UsageError("invalid --variant '" + std::string(text) +
                     "': expected NAME=PASS[,PASS...], e.g. fast=freeze,optimize,threads=2");
  }
  VariantSpec variant;
  variant.name = std::string(trim(text.substr(0, eq)));
  if (!is_valid_name(variant.name)) {
    throw UsageError("invalid variant name '" + variant.name +
                     "': use letters, digits, '-', '_', '.' or '+'");
  }
  variant.passes = parse_pass_list(text.substr(eq + 1));
  return variant;
}

SweepSpec parse_sweep(std::string_view text) {
  const auto eq = text.find('=');
  SweepSpec sweep;
  if (eq != std::string_view::npos) sweep.key = std::string(trim(text.substr(0, eq)));
  if (eq == std::string_view::npos || !is_valid_name(sweep.key)) {
    throw UsageError("invalid --sweep '" + std::string(text) + "': expected KEY=V1,V2,..., e.g. batch=1,8,32");
  }
  for (const auto& value : split(text.substr(eq + 1), ',')) {
    const auto v = trim(value);
    if (v.empty()) throw UsageError("invalid --sweep '" + std::string(text) + "': empty value");
    if (std::find(sweep.values.begin(), sweep.values.end(), v) != sweep.values.end()) {
      throw UsageError("invalid --sweep '" + std::string(text) + "': value '" + std::string(v) + "' repeats");
    }
    sweep.values.emplace_back(v);
  }
  return sweep;
}

std::vector<VariantSpec> expand_sweeps(const std::vector<VariantSpec>& variants,
                                       const std::vector<SweepSpec>& sweeps) {
  std::vector<VariantSpec> current = variants;
  for (const auto& sweep : sweeps) {
    std::vector<VariantSpec> next;
    for (const auto& variant : current) {
      for (const auto& value : sweep.values) {
        VariantSpec expanded = variant;
        expanded.name += "/" + sweep.key + "=" + value;
        auto& passes = expanded.passes;
        const auto same = std::find_if(passes.begin(), passes.end(),
                                       [&](const PassSpec& p) { return p.name == sweep.key; });
        if (same != passes.end()) {
          same->value = value;
        } else {
          passes.push_back(PassSpec{sweep.key, value});
        }
        next.push_back(std::move(expanded));
      }
    }
    current = std::move(next);
  }
  return current;
}

std::string to_string(const PassSpec& pass) {
  return pass.value ? pass.name + "=" + *pass.value : pass.name;
}

std::string to_string(const std::vector<PassSpec>& passes) {
  std::string text;
  for (const auto& pass : passes) {
    if (!text.empty()) text += ',';
    text += to_string(pass);
  }
  return text;
}

}  // namespace tb

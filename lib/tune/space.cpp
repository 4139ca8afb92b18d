#include "tune/space.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb::tune {
namespace {

bool is_group_key(std::string_view key) {
  return std::find(std::begin(kGroupKeys), std::end(kGroupKeys), key) != std::end(kGroupKeys);
}

const PassFacts* find_facts(const SpaceContext& context, std::string_view name) {
  for (const auto& facts : context.passes) {
    if (facts.name == name) return &facts;
  }
  return nullptr;
}

std::vector<std::string_view> known_keys(const SpaceContext& context) {
  std::vector<std::string_view> keys(std::begin(kGroupKeys), std::end(kGroupKeys));
  for (const auto& facts : context.passes) keys.push_back(facts.name);
  return keys;
}

// "freeze+optimize" -> freeze, optimize; "int8-dynamic=per-channel" -> one pass with a value.
std::vector<PassSpec> parse_joined_passes(std::string_view value, const std::string& where) {
  std::vector<PassSpec> passes;
  for (const auto& item : split(value, '+')) {
    const auto text = trim(item);
    if (text.empty()) throw UsageError(where + ": empty pass in '" + std::string(value) + "'; join passes with '+'");
    const auto parsed = parse_pass_list(text);
    if (parsed.size() != 1) {
      throw UsageError(where + ": '" + std::string(text) + "' is not one pass; join passes with '+', e.g. freeze+optimize");
    }
    passes.push_back(parsed.front());
  }
  return passes;
}

DimensionValue make_value(const std::string& key, std::string_view text, const std::string& where) {
  DimensionValue value{std::string(text), {}};
  if (is_group_key(key)) {
    if (text == "none" || (key == "precision" && text == "fp32")) return value;
    value.passes = parse_joined_passes(text, where);
  } else if (text == "on") {
    value.passes = {PassSpec{key, std::nullopt}};
  } else if (text != "off") {
    value.passes = {PassSpec{key, std::string(text)}};
  }
  return value;
}

std::vector<DimensionValue> available_values(const std::string& key, std::vector<std::string> texts,
                                             const SpaceContext& context, std::vector<std::string>& unavailable) {
  std::vector<DimensionValue> values;
  for (const auto& text : texts) {
    auto value = make_value(key, text, "default space");
    const auto reason = value.passes.empty() ? "" : context.check(value.passes);
    if (reason.empty()) {
      values.push_back(std::move(value));
    } else {
      unavailable.push_back(key + "=" + text + ": " + reason);
    }
  }
  return values;
}

// A token of a candidate name: letters, digits, '-', '_', '.', '+' only.
std::string name_token(std::string text) {
  for (auto& c : text) {
    if (c == '=') c = '-';
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '+') c = '_';
  }
  return text;
}

std::string value_token(const Dimension& dimension, const DimensionValue& value) {
  if (is_group_key(dimension.key)) return name_token(value.text);
  if (value.text == "on") return dimension.key;
  if (value.text == "off") return "no-" + dimension.key;
  return name_token(dimension.key + "-" + value.text);
}

std::string canonical(const std::vector<PassSpec>& passes) {
  std::vector<std::string> texts;
  for (const auto& pass : passes) texts.push_back(to_string(pass));
  std::sort(texts.begin(), texts.end());
  return join(texts, ",");
}

// Whether a dimension chooses among `pass` or the passes of its group.
bool chooses(const Dimension& dimension, const PassSpec& pass, const SpaceContext& context) {
  if (dimension.key == pass.name) return true;
  const auto* facts = find_facts(context, pass.name);
  for (const auto& value : dimension.values) {
    for (const auto& p : value.passes) {
      if (p.name == pass.name) return true;
      const auto* other = find_facts(context, p.name);
      if (facts && other && !facts->group.empty() && facts->group == other->group) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<int> default_thread_counts(int cpus) {
  std::vector<int> counts;
  if (cpus <= 1) return {1};
  for (int n = 2; n < cpus; n *= 2) counts.push_back(n);
  counts.push_back(cpus);
  if (counts.size() > 3) counts.erase(counts.begin(), counts.end() - 3);
  counts.insert(counts.begin(), 1);
  return counts;
}

Space default_space(const SpaceContext& context) {
  Space space;
  std::vector<std::pair<std::string, std::vector<std::string>>> dimensions = {
      {"grad", {"inference-mode"}},
      {"graph", {"none", "freeze", "freeze+optimize"}},
  };
  if (context.device_type == "cuda") {
    dimensions.push_back({"precision", {"fp32", "tf32", "fp16", "bf16"}});
    for (const auto* pass : {"channels-last", "cudnn-benchmark", "cuda-graph"}) dimensions.push_back({pass, {"off", "on"}});
  } else {
    dimensions.push_back({"precision", {"fp32", "bf16", "int8-dynamic", "fp16-dynamic"}});
    std::vector<std::string> threads;
    for (const auto n : default_thread_counts(context.cpus)) threads.push_back(std::to_string(n));
    dimensions.push_back({"threads", threads});
    dimensions.push_back({"interop-threads", context.cpus > 1 ? std::vector<std::string>{"1", "2"}
                                                              : std::vector<std::string>{"1"}});
  }
  for (auto& [key, texts] : dimensions) {
    auto values = available_values(key, texts, context, space.unavailable);
    if (!values.empty()) space.dimensions.push_back({key, std::move(values)});
  }
  return space;
}

void apply_space_option(Space& space, std::string_view text, const SpaceContext& context) {
  const std::string where = "--space '" + std::string(text) + "'";
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw UsageError("invalid " + where + ": expected KEY=V1,V2,... or KEY+=V,..., e.g. threads=1,2 or "
                     "precision=fp32,int8-dynamic");
  }
  const bool extend = text[eq - 1] == '+';
  const std::string key(trim(text.substr(0, extend ? eq - 1 : eq)));
  if (!is_group_key(key) && !find_facts(context, key)) {
    const auto keys = known_keys(context);
    throw UsageError(where + ": unknown dimension '" + key + "'" + did_you_mean(key, keys) +
                     "; a dimension is grad, graph, precision or a pass name (`torchbench-cli passes`)");
  }
  auto existing = std::find_if(space.dimensions.begin(), space.dimensions.end(),
                               [&](const Dimension& d) { return d.key == key; });
  std::vector<DimensionValue> values;
  if (extend && existing != space.dimensions.end()) values = existing->values;
  std::set<std::string> seen;
  for (const auto& v : values) seen.insert(v.text);
  for (const auto& item : split(text.substr(eq + 1), ',')) {
    const auto value_text = trim(item);
    if (value_text.empty()) throw UsageError("invalid " + where + ": empty value");
    if (!seen.insert(std::string(value_text)).second) {
      throw UsageError("invalid " + where + ": value '" + std::string(value_text) + "' is already in " + key);
    }
    auto value = make_value(key, value_text, where);
    if (!value.passes.empty()) {
      if (const auto reason = context.check(value.passes); !reason.empty()) {
        throw UsageError(where + ": value '" + std::string(value_text) + "': " + reason);
      }
    }
    values.push_back(std::move(value));
  }
  if (existing != space.dimensions.end()) {
    existing->values = std::move(values);
  } else {
    space.dimensions.push_back({key, std::move(values)});
  }
}

void apply_fixed(Space& space, std::string_view text, const SpaceContext& context) {
  const auto passes = parse_pass_list(text);
  if (passes.empty()) throw UsageError("--fixed needs a pass, e.g. --fixed freeze or --fixed threads=2");
  if (const auto reason = context.check(passes); !reason.empty()) {
    throw UsageError("--fixed '" + std::string(text) + "': " + reason);
  }
  for (const auto& pass : passes) {
    std::erase_if(space.dimensions, [&](const Dimension& d) { return chooses(d, pass, context); });
    std::erase_if(space.fixed, [&](const PassSpec& p) { return p.name == pass.name; });
    space.fixed.push_back(pass);
  }
}

Expansion expand(const Space& space, const PassCheck& check) {
  Expansion result;
  std::set<std::string> seen_passes, seen_names;
  std::vector<std::size_t> choice(space.dimensions.size(), 0);
  for (const auto& dimension : space.dimensions) {
    if (dimension.values.empty()) return result;  // an empty dimension leaves nothing to combine
  }
  while (true) {
    Candidate candidate;
    candidate.passes = space.fixed;
    std::vector<std::string> tokens;
    for (std::size_t d = 0; d < space.dimensions.size(); ++d) {
      const auto& dimension = space.dimensions[d];
      const auto& value = dimension.values[choice[d]];
      candidate.passes.insert(candidate.passes.end(), value.passes.begin(), value.passes.end());
      if (dimension.values.size() > 1) tokens.push_back(value_token(dimension, value));
    }
    candidate.name = tokens.empty() ? "candidate" : join(tokens, ".");
    for (int n = 2; !seen_names.insert(candidate.name).second; ++n) {
      candidate.name = (tokens.empty() ? "candidate" : join(tokens, ".")) + "-" + std::to_string(n);
    }
    if (const auto reason = check(candidate.passes); !reason.empty()) {
      result.dropped.push_back({std::move(candidate), reason});
    } else if (!seen_passes.insert(canonical(candidate.passes)).second) {
      ++result.duplicates;
    } else {
      result.candidates.push_back(std::move(candidate));
    }
    // Next combination: the last dimension varies fastest.
    std::size_t d = space.dimensions.size();
    while (d > 0) {
      --d;
      if (++choice[d] < space.dimensions[d].values.size()) break;
      choice[d] = 0;
      if (d == 0) return result;
    }
    if (space.dimensions.empty()) return result;
  }
}

std::vector<PassSpec> parse_baseline(std::string_view text, const SpaceContext& context) {
  if (trim(text).empty()) return {PassSpec{"inference-mode", std::nullopt}};
  auto passes = parse_pass_list(text);
  if (const auto reason = context.check(passes); !reason.empty()) {
    throw UsageError("--baseline '" + std::string(text) + "': " + reason);
  }
  return passes;
}

}  // namespace tb::tune

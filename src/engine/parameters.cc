#include "engine/parameters.h"

#include "base/text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace sluice {
namespace {

constexpr size_t kMaxValueLength = 1024;
constexpr size_t kMaxParameters = 200;

std::string Lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

Result<Value> Coerce(const ParameterSpec& spec, const std::string& text) {
  const std::string where = "parameter " + Quote(spec.name);
  switch (spec.type) {
    case ParameterType::kString:
      return Value(text);
    case ParameterType::kInteger: {
      int64_t number = 0;
      const char* end = text.data() + text.size();
      auto [stop, error] = std::from_chars(text.data(), end, number);
      if (error != std::errc() || stop != end || text.empty()) {
        return InvalidArgument(where, "expected an integer, got " + Quote(text));
      }
      return Value(number);
    }
    case ParameterType::kFloat: {
      char* end = nullptr;
      const double number = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(number)) {
        return InvalidArgument(where, "expected a number, got " + Quote(text));
      }
      return Value(number);
    }
    case ParameterType::kBoolean: {
      const std::string lowered = Lower(text);
      if (lowered == "true") return Value(true);
      if (lowered == "false") return Value(false);
      return InvalidArgument(where, "expected true or false, got " + Quote(text));
    }
  }
  return InvalidArgument(where, "has an unknown type");
}

}  // namespace

std::string ParameterText(const Value& value) {
  if (value.is_string()) return value.as_string();
  return RenderForJoin(value);
}

Result<ParameterValues, Errors> ResolveParameters(
    const PipelineDefinition& definition,
    const std::vector<std::pair<std::string, std::string>>& given) {
  Errors errors;
  ParameterValues values;
  if (given.size() > kMaxParameters) {
    errors.push_back(InvalidArgument("parameters", "expected at most 200 parameter values, got " +
                                                       std::to_string(given.size())));
  }
  for (const auto& [name, text] : given) {
    const ParameterSpec* spec = definition.FindParameter(name);
    if (spec == nullptr) {
      errors.push_back(InvalidArgument(
          "parameter " + Quote(name),
          "is not a parameter of this pipeline" + DidYouMean(name, definition.ParameterNames())));
      continue;
    }
    if (text.size() > kMaxValueLength) {
      errors.push_back(InvalidArgument(
          "parameter " + Quote(name),
          "expected a value of at most 1024 characters, got " + std::to_string(text.size())));
      continue;
    }
    if (values.count(name) != 0) {
      errors.push_back(InvalidArgument("parameter " + Quote(name), "is given more than once"));
      continue;
    }
    auto value = Coerce(*spec, text);
    if (!value) {
      errors.push_back(value.error());
      continue;
    }
    values.emplace(name, std::move(*value));
  }
  for (const ParameterSpec& spec : definition.parameters) {
    if (values.count(spec.name) == 0) {
      if (!spec.default_value) {
        errors.push_back(InvalidArgument("parameter " + Quote(spec.name),
                                         "has no default value, so a value must be given"));
        continue;
      }
      values.emplace(spec.name, *spec.default_value);
    }
    const Value& value = values.at(spec.name);
    if (!spec.enum_values.empty() && value.is_string() &&
        std::find(spec.enum_values.begin(), spec.enum_values.end(), value.as_string()) ==
            spec.enum_values.end()) {
      errors.push_back(InvalidArgument(
          "parameter " + Quote(spec.name),
          "expected one of " + Join(spec.enum_values, ", ") + ", got " + Quote(value.as_string())));
    }
  }
  if (!errors.empty()) return errors;
  return values;
}

Value ParametersToValue(const PipelineDefinition& definition, const ParameterValues& values) {
  Value stored = Value::EmptyMap();
  for (const ParameterSpec& spec : definition.parameters) {
    if (auto found = values.find(spec.name); found != values.end()) {
      stored.Set(spec.name, found->second);
    }
  }
  return stored;
}

Result<ParameterValues> ParametersFromValue(const Value& stored) {
  if (!stored.is_map()) return InvalidArgument("parameters", "expected an object");
  ParameterValues values;
  for (const Member& member : stored.as_map()) values.emplace(member.key, member.value);
  return values;
}

}  // namespace sluice

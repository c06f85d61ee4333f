#include "steps/output_parameters.h"

#include "base/text.h"
#include "definition/json.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace sluice {
namespace {

Error WrongType(std::string_view name, ParameterType type, const Value& value) {
  std::string found = value.is_string() ? "string " + Quote(value.as_string()) : value.Describe();
  return InvalidArgument("OutputParameters/" + std::string(name),
                         "output " + Quote(name) + " is declared " +
                             std::string(ParameterTypeName(type)) + " but the value is " + found);
}

std::string Lowercase(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace

Result<Value> TypeOutputValue(std::string_view name, ParameterType type, const Value& value) {
  switch (type) {
    case ParameterType::kString:
      if (value.is_string()) return value;
      if (value.is_map() || value.is_list()) return Value(WriteJson(value));
      if (value.is_null()) return WrongType(name, type, value);
      return Value(RenderForJoin(value));
    case ParameterType::kInteger:
      if (value.is_integer()) return value;
      if (value.is_float() && std::isfinite(value.as_float()) &&
          value.as_float() == std::trunc(value.as_float())) {
        return Value(static_cast<int64_t>(value.as_float()));
      }
      if (value.is_string() && !value.as_string().empty()) {
        const std::string& text = value.as_string();
        char* end = nullptr;
        errno = 0;
        const long long parsed = std::strtoll(text.c_str(), &end, 10);
        if (errno == 0 && end == text.c_str() + text.size() &&
            !std::isspace(static_cast<unsigned char>(text.front()))) {
          return Value(static_cast<int64_t>(parsed));
        }
      }
      return WrongType(name, type, value);
    case ParameterType::kFloat:
      if (value.is_number()) return Value(value.as_number());
      if (value.is_string() && !value.as_string().empty()) {
        const std::string& text = value.as_string();
        char* end = nullptr;
        errno = 0;
        const double parsed = std::strtod(text.c_str(), &end);
        if (errno == 0 && end == text.c_str() + text.size() && std::isfinite(parsed) &&
            !std::isspace(static_cast<unsigned char>(text.front()))) {
          return Value(parsed);
        }
      }
      return WrongType(name, type, value);
    case ParameterType::kBoolean:
      if (value.is_boolean()) return value;
      if (value.is_string()) {
        const std::string lower = Lowercase(value.as_string());
        if (lower == "true") return Value(true);
        if (lower == "false") return Value(false);
      }
      return WrongType(name, type, value);
  }
  return WrongType(name, type, value);
}

Result<TypedOutputs> TypeOutputs(const std::vector<OutputParameterSpec>& declared,
                                 const Value& outputs, std::string_view source) {
  TypedOutputs typed;
  for (const OutputParameterSpec& output : declared) {
    const Value* value = outputs.Find(output.name);
    if (value == nullptr) {
      return InvalidArgument("OutputParameters/" + output.name,
                             std::string(source) + " has no output " + Quote(output.name) +
                                 " (declared " + std::string(ParameterTypeName(output.type)) + ")");
    }
    auto converted = TypeOutputValue(output.name, output.type, *value);
    if (!converted) return converted.error();
    Value listed = Value::EmptyMap();
    listed.Set("Name", output.name);
    listed.Set("Value",
               converted->is_string() ? converted->as_string() : RenderForJoin(*converted));
    typed.as_listed.as_list().push_back(std::move(listed));
    typed.by_name.Set(output.name, std::move(*converted));
  }
  return typed;
}

}  // namespace sluice

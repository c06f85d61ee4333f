#include "definition/value.h"

#include "base/text.h"
#include "definition/expression.h"
#include "definition/json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace sluice {

namespace {
template <class T, class V>
auto& Checked(V& data) {
  // A kind mismatch here is a bug in the caller, which must check the kind first.
  if (!std::holds_alternative<T>(data)) std::abort();
  return std::get<T>(data);
}
}  // namespace

bool Value::ContainsExpression() const {
  switch (kind()) {
    case Kind::kExpression:
      return true;
    case Kind::kList:
      for (const Value& item : as_list()) {
        if (item.ContainsExpression()) return true;
      }
      return false;
    case Kind::kMap:
      for (const Member& member : as_map()) {
        if (member.value.ContainsExpression()) return true;
      }
      return false;
    case Kind::kNull:
    case Kind::kBoolean:
    case Kind::kInteger:
    case Kind::kFloat:
    case Kind::kString:
      return false;
  }
  return false;
}

bool Value::as_boolean() const { return Checked<bool>(data_); }
int64_t Value::as_integer() const { return Checked<int64_t>(data_); }
double Value::as_float() const { return Checked<double>(data_); }
double Value::as_number() const {
  return is_integer() ? static_cast<double>(as_integer()) : as_float();
}
const std::string& Value::as_string() const { return Checked<std::string>(data_); }
const Value::List& Value::as_list() const { return Checked<List>(data_); }
Value::List& Value::as_list() { return Checked<List>(data_); }
const Value::Map& Value::as_map() const { return Checked<Map>(data_); }
Value::Map& Value::as_map() { return Checked<Map>(data_); }
const Expression& Value::as_expression() const {
  return *Checked<std::shared_ptr<const Expression>>(data_);
}
const std::shared_ptr<const Expression>& Value::expression_pointer() const {
  return Checked<std::shared_ptr<const Expression>>(data_);
}

const Value* Value::Find(std::string_view key) const {
  if (!is_map()) return nullptr;
  for (const Member& member : as_map()) {
    if (member.key == key) return &member.value;
  }
  return nullptr;
}

Value* Value::Find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->Find(key));
}

void Value::Set(std::string key, Value value) {
  if (!is_map()) data_ = Map{};
  if (Value* existing = Find(key)) {
    *existing = std::move(value);
    return;
  }
  as_map().push_back(Member{std::move(key), std::move(value)});
}

std::string Value::Describe() const {
  switch (kind()) {
    case Kind::kNull:
      return "null";
    case Kind::kBoolean:
      return as_boolean() ? "boolean true" : "boolean false";
    case Kind::kInteger:
      return "integer " + std::to_string(as_integer());
    case Kind::kFloat:
      return "float " + FormatFloat(as_float());
    case Kind::kString: {
      const std::string& text = as_string();
      if (text.size() > 60) return "string " + Quote(text.substr(0, 57)) + "...";
      return "string " + Quote(text);
    }
    case Kind::kList:
      return "a list";
    case Kind::kMap:
      return "an object";
    case Kind::kExpression:
      return "a pipeline variable (" + as_expression().Describe() + ")";
  }
  return "a value";
}

bool Value::operator==(const Value& other) const {
  if (kind() != other.kind()) return false;
  if (is_expression()) return as_expression() == other.as_expression();
  return data_ == other.data_;
}

std::string_view KindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBoolean:
      return "boolean";
    case Value::Kind::kInteger:
      return "integer";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kList:
      return "list";
    case Value::Kind::kMap:
      return "object";
    case Value::Kind::kExpression:
      return "pipeline variable";
  }
  return "value";
}

std::string FormatFloat(double value) {
  if (!std::isfinite(value))
    return std::isnan(value) ? "NaN" : (value > 0 ? "Infinity" : "-Infinity");
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, end);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

std::string RenderForJoin(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      return "";
    case Value::Kind::kBoolean:
      return value.as_boolean() ? "true" : "false";
    case Value::Kind::kInteger:
      return std::to_string(value.as_integer());
    case Value::Kind::kFloat:
      return FormatFloat(value.as_float());
    case Value::Kind::kString:
      return value.as_string();
    case Value::Kind::kList:
    case Value::Kind::kMap:
    case Value::Kind::kExpression:
      return WriteJson(value);
  }
  return "";
}

}  // namespace sluice

// `Value`: the typed JSON-like data of a pipeline definition (null, boolean, integer, float,
// string, list, map), plus a node kind that holds an unresolved `Expression` (Get, Std:Join,
// Std:JsonGet). Maps keep the order their keys were written in, so a definition written back
// out reads like the one that came in. Integers and floats stay distinct ("1" vs "1.0"), as
// SageMaker renders them differently.
//
// Values are plain data: copyable, comparable, and safe to share read-only between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sluice {

class Expression;
struct Member;

class Value {
 public:
  enum class Kind { kNull, kBoolean, kInteger, kFloat, kString, kList, kMap, kExpression };
  using List = std::vector<Value>;
  using Map = std::vector<Member>;

  // Defined after Member, below.
  Value();
  Value(std::nullptr_t);
  Value(bool value);
  Value(int value);
  Value(int64_t value);
  Value(double value);
  Value(const char* value);
  Value(std::string value);
  Value(std::string_view value);
  Value(List value);
  Value(Map value);
  Value(std::shared_ptr<const Expression> expression);

  static Value EmptyMap();
  static Value EmptyList();

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_boolean() const { return kind() == Kind::kBoolean; }
  bool is_integer() const { return kind() == Kind::kInteger; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_integer() || is_float(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_map() const { return kind() == Kind::kMap; }
  bool is_expression() const { return kind() == Kind::kExpression; }
  // True when this value or anything inside it is an unresolved expression.
  bool ContainsExpression() const;

  // Accessors require the matching kind (checked: a mismatch aborts, as it is a logic error).
  bool as_boolean() const;
  int64_t as_integer() const;
  double as_float() const;
  // The number as a double, for an integer or a float.
  double as_number() const;
  const std::string& as_string() const;
  const List& as_list() const;
  List& as_list();
  const Map& as_map() const;
  Map& as_map();
  const Expression& as_expression() const;
  const std::shared_ptr<const Expression>& expression_pointer() const;

  // Map lookup by key; nullptr when absent or when this is not a map.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Adds or replaces a member, keeping the position of an existing key.
  void Set(std::string key, Value value);

  // A short description for messages: `string "two"`, `a number`, `a list`, ...
  std::string Describe() const;

  bool operator==(const Value& other) const;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, List, Map,
               std::shared_ptr<const Expression>>
      data_;
};

struct Member {
  std::string key;
  Value value;
  bool operator==(const Member& other) const = default;
};

// Out of the class because building the variant may destroy it, which needs Member complete;
// clang checks that where the class is defined, not where the constructor is used.
inline Value::Value() = default;
inline Value::Value(std::nullptr_t) {}
inline Value::Value(bool value) : data_(value) {}
inline Value::Value(int value) : data_(int64_t{value}) {}
inline Value::Value(int64_t value) : data_(value) {}
inline Value::Value(double value) : data_(value) {}
inline Value::Value(const char* value) : data_(std::string(value)) {}
inline Value::Value(std::string value) : data_(std::move(value)) {}
inline Value::Value(std::string_view value) : data_(std::string(value)) {}
inline Value::Value(List value) : data_(std::move(value)) {}
inline Value::Value(Map value) : data_(std::move(value)) {}
inline Value::Value(std::shared_ptr<const Expression> expression) : data_(std::move(expression)) {}
inline Value Value::EmptyMap() { return Value(Map{}); }
inline Value Value::EmptyList() { return Value(List{}); }

std::string_view KindName(Value::Kind kind);

// SageMaker's rendering of a value inside Std:Join and other string contexts: booleans in lower
// case, integers in decimal, floats in the shortest form that reads back the same (always with a
// decimal point or exponent), null as the empty string. Lists and maps render as compact JSON.
std::string RenderForJoin(const Value& value);

// The float text that JSON writers use: shortest round trip, "1.0" rather than "1".
std::string FormatFloat(double value);

}  // namespace sluice

#include "definition/condition.h"

#include "base/text.h"
#include "definition/expression.h"
#include "definition/expression_parser.h"

#include <algorithm>

namespace sluice {
namespace {

struct TypeInfo {
  std::string_view name;
  ConditionType type;
  std::vector<std::string_view> keys;
};

const std::vector<TypeInfo>& Types() {
  static const std::vector<TypeInfo> types = {
      {"Equals", ConditionType::kEquals, {"Type", "LeftValue", "RightValue"}},
      {"GreaterThan", ConditionType::kGreaterThan, {"Type", "LeftValue", "RightValue"}},
      {"GreaterThanOrEqualTo",
       ConditionType::kGreaterThanOrEqualTo,
       {"Type", "LeftValue", "RightValue"}},
      {"LessThan", ConditionType::kLessThan, {"Type", "LeftValue", "RightValue"}},
      {"LessThanOrEqualTo", ConditionType::kLessThanOrEqualTo, {"Type", "LeftValue", "RightValue"}},
      {"In", ConditionType::kIn, {"Type", "QueryValue", "Values"}},
      {"Not", ConditionType::kNot, {"Type", "Condition"}},
      {"Or", ConditionType::kOr, {"Type", "Conditions"}},
  };
  return types;
}

const TypeInfo& InfoOf(ConditionType type) {
  for (const TypeInfo& info : Types()) {
    if (info.type == type) return info;
  }
  return Types().front();
}

bool IsOperand(const Value& value) {
  return value.is_string() || value.is_number() || value.is_boolean() || value.is_expression();
}

Error Unsupported(const Condition& condition, const Value& left, const Value& right) {
  return InvalidArgument(condition.location, "Condition of type [" +
                                                 std::string(ConditionTypeName(condition.type)) +
                                                 "] not supported between " + left.Describe() +
                                                 " and " + right.Describe());
}

// -1, 0 or 1; nullopt when the operands cannot be ordered.
std::optional<int> Compare(const Value& left, const Value& right) {
  if (left.is_number() && right.is_number()) {
    if (left.is_integer() && right.is_integer()) {
      return left.as_integer() < right.as_integer() ? -1 : left.as_integer() > right.as_integer();
    }
    const double a = left.as_number(), b = right.as_number();
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (left.is_string() && right.is_string()) {
    const int order = left.as_string().compare(right.as_string());
    return order < 0 ? -1 : (order > 0 ? 1 : 0);
  }
  return std::nullopt;
}

std::optional<bool> AreEqual(const Value& left, const Value& right) {
  if (left.is_boolean() && right.is_boolean()) return left.as_boolean() == right.as_boolean();
  auto order = Compare(left, right);
  if (!order) return std::nullopt;
  return *order == 0;
}

}  // namespace

std::string_view ConditionTypeName(ConditionType type) { return InfoOf(type).name; }

std::optional<Condition> ParseCondition(const Value& raw, const std::string& pointer,
                                        Errors& errors) {
  auto fail = [&](const std::string& where, std::string message) {
    errors.push_back(InvalidArgument(where, std::move(message)));
    return std::nullopt;
  };
  if (!raw.is_map()) return fail(pointer, "expected a condition object, got " + raw.Describe());
  const Value* type_value = raw.Find("Type");
  std::vector<std::string_view> names;
  for (const TypeInfo& info : Types()) names.push_back(info.name);
  const std::string type_list =
      "Equals, GreaterThan, GreaterThanOrEqualTo, LessThan, "
      "LessThanOrEqualTo, In, Not or Or";
  if (type_value == nullptr)
    return fail(pointer, "condition has no \"Type\" (expected " + type_list + ")");
  if (!type_value->is_string()) {
    return fail(PointerAppend(pointer, "Type"),
                "expected a condition type string, got " + type_value->Describe());
  }
  const TypeInfo* info = nullptr;
  for (const TypeInfo& candidate : Types()) {
    if (candidate.name == type_value->as_string()) info = &candidate;
  }
  if (info == nullptr) {
    return fail(PointerAppend(pointer, "Type"),
                "unknown condition type " + Quote(type_value->as_string()) + " (expected " +
                    type_list + DidYouMean(type_value->as_string(), names) + ")");
  }
  Condition condition;
  condition.type = info->type;
  condition.location = pointer;
  bool ok = true;
  for (const Member& member : raw.as_map()) {
    if (std::find(info->keys.begin(), info->keys.end(), member.key) != info->keys.end()) continue;
    std::vector<std::string> expected(info->keys.begin() + 1, info->keys.end());
    fail(PointerAppend(pointer, member.key),
         "unknown property " + Quote(member.key) + " in a condition of type " +
             std::string(info->name) + " (expected " + Join(expected, " and ") +
             DidYouMean(member.key, info->keys) + ")");
    ok = false;
  }
  auto operand = [&](std::string_view key, Value& out) {
    const Value* value = raw.Find(key);
    const std::string where = PointerAppend(pointer, key);
    if (value == nullptr) {
      fail(pointer,
           "condition of type " + std::string(info->name) + " needs \"" + std::string(key) + "\"");
      ok = false;
      return;
    }
    const size_t errors_before = errors.size();
    out = ParseExpressions(*value, where, errors);
    if (errors.size() != errors_before) {
      ok = false;
    } else if (!IsOperand(out)) {
      fail(where,
           "expected a string, number, boolean or pipeline variable, got " + value->Describe());
      ok = false;
    }
  };
  switch (info->type) {
    case ConditionType::kEquals:
    case ConditionType::kGreaterThan:
    case ConditionType::kGreaterThanOrEqualTo:
    case ConditionType::kLessThan:
    case ConditionType::kLessThanOrEqualTo:
      operand("LeftValue", condition.left);
      operand("RightValue", condition.right);
      break;
    case ConditionType::kIn: {
      operand("QueryValue", condition.query);
      const Value* values = raw.Find("Values");
      const std::string where = PointerAppend(pointer, "Values");
      if (values == nullptr || !values->is_list()) {
        fail(values == nullptr ? pointer : where,
             values == nullptr ? "condition of type In needs \"Values\""
                               : "expected a list of values, got " + values->Describe());
        ok = false;
        break;
      }
      for (size_t i = 0; i < values->as_list().size(); ++i) {
        const size_t errors_before = errors.size();
        Value item = ParseExpressions(values->as_list()[i], PointerAppend(where, i), errors);
        if (errors.size() != errors_before) {
          ok = false;
        } else if (!IsOperand(item)) {
          fail(PointerAppend(where, i),
               "expected a string, number, boolean or pipeline "
               "variable, got " +
                   values->as_list()[i].Describe());
          ok = false;
        }
        condition.values.push_back(std::move(item));
      }
      break;
    }
    case ConditionType::kNot: {
      const Value* child = raw.Find("Condition");
      if (child == nullptr) {
        fail(pointer, "condition of type Not needs \"Condition\"");
        ok = false;
        break;
      }
      auto parsed = ParseCondition(*child, PointerAppend(pointer, "Condition"), errors);
      if (!parsed) {
        ok = false;
        break;
      }
      condition.children.push_back(std::move(*parsed));
      break;
    }
    case ConditionType::kOr: {
      const Value* children = raw.Find("Conditions");
      const std::string where = PointerAppend(pointer, "Conditions");
      if (children == nullptr || !children->is_list()) {
        fail(children == nullptr ? pointer : where,
             children == nullptr ? "condition of type Or needs \"Conditions\""
                                 : "expected a list of conditions, got " + children->Describe());
        ok = false;
        break;
      }
      for (size_t i = 0; i < children->as_list().size(); ++i) {
        auto parsed = ParseCondition(children->as_list()[i], PointerAppend(where, i), errors);
        if (!parsed) {
          ok = false;
          continue;
        }
        condition.children.push_back(std::move(*parsed));
      }
      break;
    }
  }
  if (!ok) return std::nullopt;
  return condition;
}

Value ConditionToValue(const Condition& condition) {
  Value result = Value::EmptyMap();
  result.Set("Type", std::string(ConditionTypeName(condition.type)));
  switch (condition.type) {
    case ConditionType::kEquals:
    case ConditionType::kGreaterThan:
    case ConditionType::kGreaterThanOrEqualTo:
    case ConditionType::kLessThan:
    case ConditionType::kLessThanOrEqualTo:
      result.Set("LeftValue", condition.left);
      result.Set("RightValue", condition.right);
      break;
    case ConditionType::kIn:
      result.Set("QueryValue", condition.query);
      result.Set("Values", Value(Value::List(condition.values)));
      break;
    case ConditionType::kNot:
      result.Set("Condition", ConditionToValue(condition.children.front()));
      break;
    case ConditionType::kOr: {
      Value::List children;
      for (const Condition& child : condition.children) children.push_back(ConditionToValue(child));
      result.Set("Conditions", Value(std::move(children)));
      break;
    }
  }
  return result;
}

void ForEachOperand(const Condition& condition, const std::function<void(const Value&)>& visit) {
  visit(condition.left);
  visit(condition.right);
  visit(condition.query);
  for (const Value& value : condition.values) visit(value);
  for (const Condition& child : condition.children) ForEachOperand(child, visit);
}

Result<bool> EvaluateCondition(const Condition& condition, const EvaluationScope& scope) {
  switch (condition.type) {
    case ConditionType::kNot: {
      Result<bool> inner = EvaluateCondition(condition.children.front(), scope);
      if (!inner) return inner;
      return !*inner;
    }
    case ConditionType::kOr:
      for (const Condition& child : condition.children) {
        Result<bool> one = EvaluateCondition(child, scope);
        if (!one || *one) return one;
      }
      return false;
    case ConditionType::kIn: {
      Result<Value> query = Resolve(condition.query, scope);
      if (!query) return query.error();
      for (const Value& candidate : condition.values) {
        Result<Value> value = Resolve(candidate, scope);
        if (!value) return value.error();
        if (AreEqual(*query, *value).value_or(false)) return true;
      }
      return false;
    }
    case ConditionType::kEquals:
    case ConditionType::kGreaterThan:
    case ConditionType::kGreaterThanOrEqualTo:
    case ConditionType::kLessThan:
    case ConditionType::kLessThanOrEqualTo:
      break;
  }
  Result<Value> left = Resolve(condition.left, scope);
  if (!left) return left.error();
  Result<Value> right = Resolve(condition.right, scope);
  if (!right) return right.error();
  if (condition.type == ConditionType::kEquals) {
    auto equal = AreEqual(*left, *right);
    if (!equal) return Unsupported(condition, *left, *right);
    return *equal;
  }
  auto order = Compare(*left, *right);
  if (!order) return Unsupported(condition, *left, *right);
  switch (condition.type) {
    case ConditionType::kGreaterThan:
      return *order > 0;
    case ConditionType::kGreaterThanOrEqualTo:
      return *order >= 0;
    case ConditionType::kLessThan:
      return *order < 0;
    case ConditionType::kLessThanOrEqualTo:
      return *order <= 0;
    case ConditionType::kEquals:
    case ConditionType::kIn:
    case ConditionType::kNot:
    case ConditionType::kOr:
      break;
  }
  return false;
}

Result<bool> EvaluateConditions(const std::vector<Condition>& conditions,
                                const EvaluationScope& scope) {
  for (const Condition& condition : conditions) {
    Result<bool> one = EvaluateCondition(condition, scope);
    if (!one || !*one) return one;
  }
  return true;
}

}  // namespace sluice

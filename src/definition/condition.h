// The conditions of a Condition step (an AND list), in the SDK's forms:
//   {"Type": "Equals"|"GreaterThan"|"GreaterThanOrEqualTo"|"LessThan"|"LessThanOrEqualTo",
//    "LeftValue": v, "RightValue": v}
//   {"Type": "In", "QueryValue": v, "Values": [v, ...]}
//   {"Type": "Not", "Condition": c}      {"Type": "Or", "Conditions": [c, ...]}
// Numbers compare numerically (integers and floats mix), strings lexicographically, booleans
// only for equality; comparing values of different types fails the condition with a reason.
#pragma once

#include "base/result.h"
#include "definition/value.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class EvaluationScope;

enum class ConditionType {
  kEquals,
  kGreaterThan,
  kGreaterThanOrEqualTo,
  kLessThan,
  kLessThanOrEqualTo,
  kIn,
  kNot,
  kOr,
};

std::string_view ConditionTypeName(ConditionType type);

struct Condition {
  ConditionType type = ConditionType::kEquals;
  Value left;                       // comparisons
  Value right;                      // comparisons
  Value query;                      // In
  std::vector<Value> values;        // In
  std::vector<Condition> children;  // Not (one), Or (any number)
  std::string location;             // JSON Pointer of the condition object
  bool operator==(const Condition&) const = default;
};

// `raw` is plain JSON data; operands are parsed for expressions. Unknown keys are rejected,
// as SageMaker does ("Cannot parse object, unknown property ...").
std::optional<Condition> ParseCondition(const Value& raw, const std::string& pointer,
                                        Errors& errors);

Value ConditionToValue(const Condition& condition);

// Calls `visit` on every operand value (for reference collection and validation).
void ForEachOperand(const Condition& condition, const std::function<void(const Value&)>& visit);

Result<bool> EvaluateCondition(const Condition& condition, const EvaluationScope& scope);
// The AND of a Condition step's list.
Result<bool> EvaluateConditions(const std::vector<Condition>& conditions,
                                const EvaluationScope& scope);

}  // namespace sluice

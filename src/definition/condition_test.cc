#include "definition/condition.h"

#include "definition/json.h"
#include "definition/testing/map_scope.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

class ConditionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scope_.parameters = {{"Count", Value(3)},
                         {"Threshold", Value(0.5)},
                         {"Mode", Value("full")},
                         {"Flag", Value(true)}};
    scope_.property_files["Eval/Metrics"] = *ParseJson(R"({"mse": 4.2, "label": "cat"})");
  }

  Result<bool> Evaluate(std::string_view json) {
    Errors errors;
    auto condition = ParseCondition(*ParseJson(json), "/Conditions/0", errors);
    EXPECT_TRUE(condition.has_value()) << (errors.empty() ? "" : errors.front().ToString());
    if (!condition) return false;
    return EvaluateCondition(*condition, scope_);
  }

  Errors ParseErrors(std::string_view json) {
    Errors errors;
    EXPECT_FALSE(ParseCondition(*ParseJson(json), "/Conditions/0", errors).has_value());
    return errors;
  }

  testing::MapScope scope_;
};

TEST_F(ConditionTest, ComparesNumbersAcrossIntegersAndFloats) {
  EXPECT_TRUE(*Evaluate(
      R"({"Type": "GreaterThan", "LeftValue": {"Get": "Parameters.Count"}, "RightValue": 2.5})"));
  EXPECT_TRUE(*Evaluate(
      R"({"Type": "LessThanOrEqualTo", "LeftValue": 3.0, "RightValue": {"Get": "Parameters.Count"}})"));
  EXPECT_FALSE(*Evaluate(
      R"({"Type": "LessThan", "LeftValue": {"Get": "Parameters.Threshold"}, "RightValue": 0.5})"));
  EXPECT_TRUE(*Evaluate(
      R"({"Type": "GreaterThanOrEqualTo", "LeftValue": 0.5, "RightValue": {"Get": "Parameters.Threshold"}})"));
  EXPECT_TRUE(*Evaluate(R"({"Type": "Equals", "LeftValue": 3, "RightValue": 3.0})"));
}

TEST_F(ConditionTest, ComparesStringsLexicographically) {
  EXPECT_FALSE(*Evaluate(R"({"Type": "GreaterThan", "LeftValue": "1", "RightValue": "3"})"));
  EXPECT_TRUE(*Evaluate(R"({"Type": "GreaterThan", "LeftValue": "1", "RightValue": "0"})"));
  EXPECT_TRUE(*Evaluate(R"({"Type": "GreaterThan", "LeftValue": "10", "RightValue": "1"})"));
}

TEST_F(ConditionTest, ReadsPropertyFilesThroughJsonGet) {
  EXPECT_TRUE(*Evaluate(R"({"Type": "LessThanOrEqualTo", "LeftValue": {"Std:JsonGet": {
      "PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Metrics"}, "Path": "mse"}}, "RightValue": 6.0})"));
}

TEST_F(ConditionTest, NotOrAndInCombine) {
  EXPECT_TRUE(*Evaluate(
      R"({"Type": "Not", "Condition": {"Type": "Equals", "LeftValue": {"Get": "Parameters.Mode"}, "RightValue": "none"}})"));
  EXPECT_TRUE(*Evaluate(R"({"Type": "Or", "Conditions": [
      {"Type": "Equals", "LeftValue": 1, "RightValue": 2},
      {"Type": "In", "QueryValue": {"Get": "Parameters.Mode"}, "Values": ["quick", "full"]}]})"));
  EXPECT_FALSE(*Evaluate(R"({"Type": "In", "QueryValue": 3, "Values": ["3", 4]})"));
  EXPECT_TRUE(*Evaluate(
      R"({"Type": "Equals", "LeftValue": {"Get": "Parameters.Flag"}, "RightValue": true})"));
}

TEST_F(ConditionTest, ComparingDifferentTypesFailsTheCondition) {
  Result<bool> result =
      Evaluate(R"({"Type": "Equals", "LeftValue": {"Get": "Parameters.Mode"}, "RightValue": 1})");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().ToString(),
            "/Conditions/0: Condition of type [Equals] not supported between string \"full\" and "
            "integer 1");
  result = Evaluate(R"({"Type": "GreaterThan", "LeftValue": true, "RightValue": false})");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().ToString(),
            "/Conditions/0: Condition of type [GreaterThan] not supported between boolean true and "
            "boolean false");
}

TEST_F(ConditionTest, AllConditionsOfAStepMustHold) {
  Errors errors;
  std::vector<Condition> conditions;
  for (auto json : {R"({"Type": "Equals", "LeftValue": 1, "RightValue": 1})",
                    R"({"Type": "Equals", "LeftValue": 1, "RightValue": 2})"}) {
    conditions.push_back(*ParseCondition(*ParseJson(json), "", errors));
  }
  EXPECT_FALSE(*EvaluateConditions(conditions, scope_));
  conditions.pop_back();
  EXPECT_TRUE(*EvaluateConditions(conditions, scope_));
}

TEST_F(ConditionTest, RejectsUnknownTypesAndKeysWithSuggestions) {
  Errors errors = ParseErrors(R"({"Type": "GreaterThen", "LeftValue": 1, "RightValue": 2})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(),
            "/Conditions/0/Type: unknown condition type \"GreaterThen\" (expected Equals, "
            "GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, In, Not or Or (did "
            "you mean \"GreaterThan\"?))");
  errors = ParseErrors(R"({"Type": "Equals", "LeftValue": 1, "RightValue": 2, "Expression": "x"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(),
            "/Conditions/0/Expression: unknown property \"Expression\" in a condition of type "
            "Equals (expected LeftValue and RightValue)");
  errors = ParseErrors(R"({"Type": "LessThan", "LeftValue": [1]})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].ToString(),
            "/Conditions/0/LeftValue: expected a string, number, boolean or pipeline variable, got "
            "a list");
  EXPECT_EQ(errors[1].ToString(), "/Conditions/0: condition of type LessThan needs \"RightValue\"");
}

TEST_F(ConditionTest, WritesBackTheFormItWasReadIn) {
  const std::string text =
      R"({"Type":"Or","Conditions":[{"Type":"Not","Condition":{"Type":"In","QueryValue":{"Get":"Parameters.Mode"},)"
      R"("Values":["a","b"]}},{"Type":"LessThan","LeftValue":1,"RightValue":2.5}]})";
  Errors errors;
  EXPECT_EQ(WriteJson(ConditionToValue(*ParseCondition(*ParseJson(text), "", errors))), text);
}

}  // namespace
}  // namespace sluice

#include "steps/output_parameters.h"

#include "definition/json.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

Value Json(std::string_view text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed) << parsed.error().ToString();
  return parsed ? *parsed : Value();
}

TEST(TypeOutputValue, ParsesStringsIntoTheDeclaredType) {
  EXPECT_EQ(*TypeOutputValue("n", ParameterType::kInteger, Value("42")), Value(int64_t{42}));
  EXPECT_EQ(*TypeOutputValue("n", ParameterType::kInteger, Value("-7")), Value(int64_t{-7}));
  EXPECT_EQ(*TypeOutputValue("f", ParameterType::kFloat, Value("0.25")), Value(0.25));
  EXPECT_EQ(*TypeOutputValue("b", ParameterType::kBoolean, Value("True")), Value(true));
  EXPECT_EQ(*TypeOutputValue("b", ParameterType::kBoolean, Value("false")), Value(false));
  EXPECT_EQ(*TypeOutputValue("s", ParameterType::kString, Value("x")), Value("x"));
}

TEST(TypeOutputValue, TakesJsonValuesThatFit) {
  EXPECT_EQ(*TypeOutputValue("n", ParameterType::kInteger, Value(int64_t{3})), Value(int64_t{3}));
  EXPECT_EQ(*TypeOutputValue("n", ParameterType::kInteger, Value(3.0)), Value(int64_t{3}));
  EXPECT_EQ(*TypeOutputValue("f", ParameterType::kFloat, Value(int64_t{2})), Value(2.0));
  EXPECT_EQ(*TypeOutputValue("b", ParameterType::kBoolean, Value(true)), Value(true));
  EXPECT_EQ(*TypeOutputValue("s", ParameterType::kString, Value(int64_t{5})), Value("5"));
  EXPECT_EQ(*TypeOutputValue("s", ParameterType::kString, Json(R"({"a": [1]})")),
            Value(R"({"a":[1]})"));
}

TEST(TypeOutputValue, AValueOfAnotherTypeIsAnErrorNamingTheOutput) {
  auto word = TypeOutputValue("count", ParameterType::kInteger, Value("twelve"));
  ASSERT_FALSE(word);
  EXPECT_EQ(word.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(word.error().message.find("\"count\" is declared Integer"), std::string::npos)
      << word.error().message;
  EXPECT_FALSE(TypeOutputValue("n", ParameterType::kInteger, Value(2.5)));
  EXPECT_FALSE(TypeOutputValue("n", ParameterType::kInteger, Value("12 ")));
  EXPECT_FALSE(TypeOutputValue("n", ParameterType::kInteger, Value("")));
  EXPECT_FALSE(TypeOutputValue("f", ParameterType::kFloat, Value("1.5x")));
  EXPECT_FALSE(TypeOutputValue("b", ParameterType::kBoolean, Value("yes")));
  EXPECT_FALSE(TypeOutputValue("b", ParameterType::kBoolean, Value(int64_t{1})));
  EXPECT_FALSE(TypeOutputValue("s", ParameterType::kString, Value(nullptr)));
}

TEST(TypeOutputs, ReadsEveryDeclaredOutputInDeclaredOrder) {
  const std::vector<OutputParameterSpec> declared = {{"accuracy", ParameterType::kFloat},
                                                     {"label", ParameterType::kString},
                                                     {"epochs", ParameterType::kInteger}};
  auto typed = TypeOutputs(declared, Json(R"({"epochs": "4", "label": "ok", "accuracy": 0.5,
                                              "extra": 1})"),
                           "the function's result");
  ASSERT_TRUE(typed) << typed.error().ToString();
  EXPECT_EQ(typed->by_name, Json(R"({"accuracy": 0.5, "label": "ok", "epochs": 4})"));
  EXPECT_EQ(typed->as_listed, Json(R"([{"Name": "accuracy", "Value": "0.5"},
                                       {"Name": "label", "Value": "ok"},
                                       {"Name": "epochs", "Value": "4"}])"));
}

TEST(TypeOutputs, AMissingOutputIsNamed) {
  auto typed = TypeOutputs({{"score", ParameterType::kFloat}}, Json(R"({"other": 1})"),
                           "the function's result");
  ASSERT_FALSE(typed);
  EXPECT_EQ(typed.error().where, "OutputParameters/score");
  EXPECT_NE(typed.error().message.find("the function's result has no output \"score\""),
            std::string::npos)
      << typed.error().message;
}

}  // namespace
}  // namespace sluice

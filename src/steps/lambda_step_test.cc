#include "steps/lambda_step.h"

#include "definition/json.h"
#include "definition/parser.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

StepSpec LambdaSpec(std::string_view extra_fields) {
  const std::string text = std::string(R"({"Version": "2020-12-01", "Steps": [
      {"Name": "L", "Type": "Lambda", "FunctionArn": "arn:aws:lambda:r:1:function:fn",
       "OutputParameters": [{"OutputName": "n", "OutputType": "Integer"},
                            {"OutputName": "ok", "OutputType": "Boolean"}],
       "Arguments": {})") + std::string(extra_fields) +
                           "}]}";
  auto definition = ParseDefinition(text);
  EXPECT_TRUE(definition) << (definition ? "" : definition.error().front().ToString());
  return definition ? definition->steps.at(0) : StepSpec{};
}

TEST(LambdaTimeout, DefaultsTo120SecondsAndAllowsAtMost600) {
  EXPECT_EQ(*LambdaTimeout(LambdaSpec("")), std::chrono::seconds(120));
  EXPECT_EQ(*LambdaTimeout(LambdaSpec(R"(, "Timeout": 30)")), std::chrono::seconds(30));
  EXPECT_EQ(*LambdaTimeout(LambdaSpec(R"(, "Timeout": "45")")), std::chrono::seconds(45));
  auto too_long = LambdaTimeout(LambdaSpec(R"(, "Timeout": 601)"));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().where, "Timeout");
  EXPECT_FALSE(LambdaTimeout(LambdaSpec(R"(, "Timeout": 0)")));
  EXPECT_FALSE(LambdaTimeout(LambdaSpec(R"(, "Timeout": "soon")")));
}

TEST(LambdaResultFrom, TypesTheDeclaredOutputsIntoPropertiesAndMetadata) {
  const StepResult result = LambdaResultFrom(LambdaSpec(""), "arn:aws:lambda:r:1:function:fn",
                                             R"({"n": "12", "ok": true, "ignored": [1]})");
  ASSERT_TRUE(result.is_success) << result.failure_reason;
  EXPECT_EQ(WriteJson(result.properties), R"({"OutputParameters":{"n":12,"ok":true}})");
  EXPECT_EQ(WriteJson(result.metadata),
            R"({"Lambda":{"Arn":"arn:aws:lambda:r:1:function:fn","OutputParameters":)"
            R"([{"Name":"n","Value":"12"},{"Name":"ok","Value":"true"}]}})");
}

TEST(LambdaResultFrom, FailsOnAnswersThatAreNotAnObjectWithTheOutputs) {
  const StepSpec spec = LambdaSpec("");
  const StepResult not_json = LambdaResultFrom(spec, "arn:f", "hello");
  EXPECT_FALSE(not_json.is_success);
  EXPECT_EQ(not_json.failure_class, FailureClass::kClientError);
  EXPECT_NE(not_json.failure_reason.find("not valid JSON"), std::string::npos);

  const StepResult list = LambdaResultFrom(spec, "arn:f", "[1]");
  EXPECT_FALSE(list.is_success);
  EXPECT_NE(list.failure_reason.find("must be a JSON object"), std::string::npos);

  const StepResult missing = LambdaResultFrom(spec, "arn:f", R"({"n": 1})");
  EXPECT_FALSE(missing.is_success);
  EXPECT_NE(missing.failure_reason.find("no output \"ok\""), std::string::npos)
      << missing.failure_reason;

  const StepResult wrong = LambdaResultFrom(spec, "arn:f", R"({"n": "x", "ok": true})");
  EXPECT_FALSE(wrong.is_success);
  EXPECT_NE(wrong.failure_reason.find("\"n\" is declared Integer"), std::string::npos)
      << wrong.failure_reason;
}

}  // namespace
}  // namespace sluice

#include "definition/expression.h"

#include "definition/expression_parser.h"
#include "definition/json.h"
#include "definition/testing/map_scope.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

Value Parse(std::string_view json) {
  Errors errors;
  Value value = ParseExpressions(*ParseJson(json), "/Arguments", errors);
  EXPECT_TRUE(errors.empty()) << errors.front().ToString();
  return value;
}

class ExpressionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scope_.parameters = {{"Count", Value(3)},
                         {"Rate", Value(0.25)},
                         {"Flag", Value(false)},
                         {"Bucket", Value("my-bucket")}};
    scope_.execution = {{"PipelineExecutionId", Value("abc123def456")}};
    scope_.steps["Train"] = *ParseJson(R"({
      "ModelArtifacts": {"S3ModelArtifacts": "s3://b/train/output/model.tar.gz"},
      "HyperParameters": {"max_depth": "5"},
      "FinalMetricDataList": [{"MetricName": "val:rmse", "Value": 2.5}],
      "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": "s3://b/in"}}}]
    })");
    scope_.property_files["Eval/Report"] =
        *ParseJson(R"({"metrics": {"mse": {"value": 4.5}}, "labels": ["cat", "dog"]})");
    scope_.objects["s3://b/fn/results.json"] = *ParseJson(R"({"Result": [10, 20]})");
  }

  Result<Value> Eval(std::string_view json) { return Resolve(Parse(json), scope_); }

  testing::MapScope scope_;
};

TEST_F(ExpressionTest, GetOfAParameterKeepsItsType) {
  EXPECT_EQ(*Eval(R"({"Get": "Parameters.Count"})"), Value(3));
  EXPECT_EQ(*Eval(R"({"Get": "Parameters.Flag"})"), Value(false));
}

TEST_F(ExpressionTest, JoinRendersBooleansInLowerCaseAndNumbersPlainly) {
  EXPECT_EQ(*Eval(R"({"Std:Join": {"On": "/", "Values": ["s3:/", {"Get": "Parameters.Bucket"},
               {"Get": "Parameters.Count"}, {"Get": "Parameters.Flag"}, {"Get": "Parameters.Rate"}]}})"),
            Value("s3://my-bucket/3/false/0.25"));
  EXPECT_EQ(*Eval(R"({"Std:Join": {"Values": [1.0, true, "x"]}})"), Value("1.0truex"));
}

TEST_F(ExpressionTest, NestedJoinAndExecutionVariablesResolve) {
  EXPECT_EQ(
      *Eval(R"({"Std:Join": {"On": "-", "Values": [{"Std:Join": {"On": "", "Values": ["a", "b"]}},
               {"Get": "Execution.PipelineExecutionId"}]}})"),
      Value("ab-abc123def456"));
}

TEST_F(ExpressionTest, StepPropertiesResolveThroughMembersIndexesAndNames) {
  EXPECT_EQ(*Eval(R"({"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"})"),
            Value("s3://b/train/output/model.tar.gz"));
  EXPECT_EQ(*Eval(R"({"Get": "Steps.Train.HyperParameters['max_depth']"})"), Value("5"));
  EXPECT_EQ(*Eval(R"({"Get": "Steps.Train.FinalMetricDataList['val:rmse'].Value"})"), Value(2.5));
  EXPECT_EQ(*Eval(R"({"Get": "Steps.Train.InputDataConfig[0].DataSource.S3DataSource.S3Uri"})"),
            Value("s3://b/in"));
  EXPECT_EQ(
      *Eval(R"({"Get": "Steps.Train.InputDataConfig['train'].DataSource.S3DataSource.S3Uri"})"),
      Value("s3://b/in"));
}

TEST_F(ExpressionTest, JsonGetReadsPropertyFilesAndObjects) {
  EXPECT_EQ(*Eval(R"({"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"},
                                     "Path": "metrics.mse.value"}})"),
            Value(4.5));
  EXPECT_EQ(*Eval(R"({"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"},
                                     "Path": "labels[1]"}})"),
            Value("dog"));
  EXPECT_EQ(
      *Eval(
          R"({"Std:JsonGet": {"S3Uri": {"Std:Join": {"On": "/", "Values": ["s3://b/fn", "results.json"]}},
                                     "Path": "Result[1]"}})"),
      Value(20));
}

TEST_F(ExpressionTest, ResolvesEveryExpressionInsideArguments) {
  EXPECT_EQ(
      WriteJson(*Eval(R"({"InstanceCount": {"Get": "Parameters.Count"},
                               "Outputs": [{"S3Uri": {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}}],
                               "Literal": "kept"})")),
      R"({"InstanceCount":3,"Outputs":[{"S3Uri":"s3://b/train/output/model.tar.gz"}],"Literal":"kept"})");
}

TEST_F(ExpressionTest, AMissingPropertyNamesTheReferenceAndWhereItIs) {
  Result<Value> result = Eval(R"({"A": [{"Get": "Steps.Train.ModelArtifacts.Missing"}]})");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().ToString(),
            "/Arguments/A/0: property \"Steps.Train.ModelArtifacts.Missing\" is undefined: "
            "ModelArtifacts.Missing is undefined");
}

TEST_F(ExpressionTest, ABadJsonPathFailsWithTheFileItRead) {
  Result<Value> result =
      Eval(R"({"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"},
                                                  "Path": "metrics.mae.value"}})");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().ToString(),
            "/Arguments: Invalid json path \"metrics.mae.value\" in property file \"Report\" of "
            "step \"Eval\": metrics.mae is undefined");
}

TEST_F(ExpressionTest, JoinRefusesANonStringSeparator) {
  Result<Value> result =
      Eval(R"({"Std:Join": {"On": {"Get": "Parameters.Count"}, "Values": ["a", "b"]}})");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().ToString(),
            "/Arguments: Std:Join \"On\" must be a string, got integer 3");
}

TEST(ExpressionParser, ReportsMalformedExpressionsAtTheirPointer) {
  Errors errors;
  ParseExpressions(
      *ParseJson(R"({"a": {"Get": "Parameter.X"}, "b": {"Get": "Execution.PipelineExecutionID"},
                                 "c": {"Std:Join": {"On": "/"}}, "d": {"Std:Concat": []}})"),
      "/Steps/0/Arguments", errors);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].ToString(),
            "/Steps/0/Arguments/a/Get: unknown reference root \"Parameter\" in \"Parameter.X\" "
            "(expected Parameters, Execution, Steps or PipelineExperimentConfig (did you mean "
            "\"Parameters\"?))");
  EXPECT_EQ(
      errors[1].ToString(),
      "/Steps/0/Arguments/b/Get: unknown execution variable \"PipelineExecutionID\" (expected "
      "one of StartDateTime, CurrentDateTime, PipelineName, PipelineArn, PipelineExecutionId, "
      "PipelineExecutionArn, TrainingJobName, ProcessingJobName (did you mean "
      "\"PipelineExecutionId\"?))");
  EXPECT_EQ(errors[2].ToString(),
            "/Steps/0/Arguments/c/Std:Join: Std:Join needs \"Values\", a list of values to join");
  EXPECT_EQ(errors[3].ToString(),
            "/Steps/0/Arguments/d: unknown function \"Std:Concat\" (expected one of Get, Std:Join, "
            "Std:JsonGet)");
}

TEST(ExpressionParser, ObjectsWithMoreThanOneKeyAreLiteralData) {
  Errors errors;
  Value value = ParseExpressions(*ParseJson(R"({"Get": "Parameters.X", "Other": 1})"), "", errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_FALSE(value.ContainsExpression());
}

TEST(ExpressionParser, WritesExpressionsBackInTheirJsonForm) {
  const std::string text =
      R"({"x":{"Std:JsonGet":{"PropertyFile":{"Get":"Steps.E.PropertyFiles.R"},"Path":"a.b[0]"}},)"
      R"("y":{"Std:Join":{"On":"/","Values":["s3:/",{"Get":"Parameters.B"}]}}})";
  Errors errors;
  EXPECT_EQ(WriteJson(ParseExpressions(*ParseJson(text), "", errors)), text);
}

}  // namespace
}  // namespace sluice

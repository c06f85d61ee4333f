#include "definition/validator.h"

#include "definition/parser.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

std::vector<std::string> ErrorsOf(std::string_view text) {
  auto definition = ParseDefinition(text);
  EXPECT_TRUE(definition.has_value()) << definition.error().front().ToString();
  if (!definition) return {};
  std::vector<std::string> messages;
  for (const Error& error : Validate(*definition).errors) messages.push_back(error.ToString());
  return messages;
}

constexpr std::string_view kTrain = R"({"Name": "Train", "Type": "Training", "Arguments": {
    "AlgorithmSpecification": {"TrainingImage": "xgboost:1.7", "TrainingInputMode": "File"},
    "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
    "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, "RoleArn": "arn:aws:iam::1:role/r"}})";

std::string Pipeline(std::string_view steps, std::string_view parameters = "[]") {
  return std::string(R"({"Version": "2020-12-01", "Parameters": )") + std::string(parameters) +
         R"(, "Steps": [)" + std::string(steps) + "]}";
}

TEST(Validator, SuggestsTheStepAMisspeltDependencyMeant) {
  EXPECT_EQ(
      ErrorsOf(Pipeline(std::string(kTrain) + R"(, {"Name": "Evaluate", "Type": "Fail",
                                "Arguments": {}, "DependsOn": ["Trian"]})")),
      std::vector<std::string>{"/Steps/1/DependsOn/0: step \"Evaluate\" depends on \"Trian\", "
                               "which is not a step (did you mean \"Train\"?)"});
}

TEST(Validator, ChecksPropertyPathsAgainstTheStepType) {
  EXPECT_EQ(ErrorsOf(Pipeline(std::string(kTrain) + R"(, {"Name": "Fail", "Type": "Fail",
                   "Arguments": {"ErrorMessage": {"Get": "Steps.Train.ModelArtifact.S3ModelArtifacts"}}})")),
            std::vector<std::string>{
                "/Steps/1/Arguments/ErrorMessage: step \"Train\" (Training) has no property "
                "\"ModelArtifact\" (did you mean \"ModelArtifacts\"?), in "
                "\"Steps.Train.ModelArtifact.S3ModelArtifacts\""});
  EXPECT_EQ(ErrorsOf(Pipeline(std::string(kTrain) + R"(, {"Name": "Fail", "Type": "Fail",
                   "Arguments": {"ErrorMessage": {"Get": "Steps.Train.TrainingJobName[0]"}}})")),
            std::vector<std::string>{
                "/Steps/1/Arguments/ErrorMessage: step \"Train\" (Training) TrainingJobName is a "
                "string and cannot be indexed with [0], in \"Steps.Train.TrainingJobName[0]\""});
}

TEST(Validator, RequiresDeclaredParameters) {
  EXPECT_EQ(ErrorsOf(Pipeline(R"({"Name": "F", "Type": "Fail", "Arguments": {
                                 "ErrorMessage": {"Get": "Parameters.Treshold"}}})",
                              R"([{"Name": "Threshold", "Type": "Float", "DefaultValue": 1.0}])")),
            std::vector<std::string>{"/Steps/0/Arguments/ErrorMessage: parameter \"Treshold\" is "
                                     "not declared in Parameters (did you mean \"Threshold\"?)"});
}

TEST(Validator, TypeChecksArgumentsAgainstTheSageMakerApi) {
  std::string train(kTrain);
  train.replace(train.find("\"InstanceCount\": 1"), 18, "\"InstanceCount\": \"two\"");
  train.replace(train.find("\"File\""), 6, "\"Files\"");
  EXPECT_EQ(
      ErrorsOf(Pipeline(train)),
      (std::vector<std::string>{
          "/Steps/0/Arguments/AlgorithmSpecification/TrainingInputMode: expected one of Pipe, "
          "File, FastFile, got string \"Files\" (did you mean \"File\"?)",
          "/Steps/0/Arguments/ResourceConfig/InstanceCount: expected an integer or a pipeline "
          "variable, got string \"two\""}));
}

TEST(Validator, AcceptsPipelineVariablesWhereverAValueGoes) {
  std::string train(kTrain);
  train.replace(train.find("\"InstanceCount\": 1"), 18,
                R"("InstanceCount": {"Get": "Parameters.N"})");
  EXPECT_TRUE(ErrorsOf(Pipeline(train, R"([{"Name": "N", "Type": "Integer", "DefaultValue": 1}])"))
                  .empty());
}

TEST(Validator, RefusesDependenciesOnFailSteps) {
  EXPECT_EQ(ErrorsOf(Pipeline(R"({"Name": "Stop", "Type": "Fail", "Arguments": {}},
                                 {"Name": "After", "Type": "Fail", "Arguments": {}, "DependsOn": ["Stop"]})")),
            std::vector<std::string>{
                "/Steps/1/DependsOn/0: step \"After\" cannot depend on Fail step \"Stop\""});
}

TEST(Validator, ReportsDuplicateNamesAcrossBranches) {
  EXPECT_EQ(ErrorsOf(Pipeline(R"({"Name": "Check", "Type": "Condition", "Arguments": {
      "Conditions": [{"Type": "Equals", "LeftValue": 1, "RightValue": 1}],
      "IfSteps": [{"Name": "Check", "Type": "Fail", "Arguments": {}}], "ElseSteps": []}})")),
            std::vector<std::string>{"/Steps/0/Arguments/IfSteps/0/Name: step name \"Check\" is "
                                     "used more than once (first at /Steps/0)"});
}

}  // namespace
}  // namespace sluice

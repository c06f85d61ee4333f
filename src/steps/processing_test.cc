#include "steps/processing.h"

#include "definition/parser.h"
#include "steps/control_steps.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

// Steps named for what their Prepare and Complete would do: Reads, StopWithMse and Choose read
// Evaluate's property file through Std:JsonGet.
PipelineDefinition Steps() {
  auto definition = ParseDefinition(R"({"Version": "2020-12-01", "Steps": [
      {"Name": "Bare", "Type": "Processing", "Arguments": {
        "AppSpecification": {"ImageUri": "local/x", "ContainerEntrypoint": ["/bin/true"]},
        "ProcessingInputs": [], "ProcessingOutputConfig": {"Outputs": []},
        "Environment": {"RUN": {"Get": "Execution.PipelineExecutionId"}}}},
      {"Name": "Stages", "Type": "Processing", "Arguments": {
        "AppSpecification": {"ImageUri": "local/x"},
        "ProcessingInputs": [{"InputName": "in", "S3Input": {"S3Uri": "s3://b/in",
          "LocalPath": "/opt/ml/processing/input"}}]}},
      {"Name": "Uploads", "Type": "Processing", "Arguments": {
        "AppSpecification": {"ImageUri": "local/x"},
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "out", "S3Output": {
          "S3Uri": "s3://b/out", "LocalPath": "/opt/ml/processing/output",
          "S3UploadMode": "EndOfJob"}}]}}},
      {"Name": "Evaluate", "Type": "Processing", "Arguments": {
        "AppSpecification": {"ImageUri": "local/x"},
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "evaluation", "S3Output": {
          "S3Uri": "s3://b/eval", "LocalPath": "/opt/ml/processing/evaluation",
          "S3UploadMode": "EndOfJob"}}]}},
       "PropertyFiles": [{"PropertyFileName": "Evaluation", "OutputName": "evaluation",
                          "FilePath": "evaluation.json"}]},
      {"Name": "Reads", "Type": "Processing", "Arguments": {
        "AppSpecification": {"ImageUri": "local/x"},
        "Environment": {"MSE": {"Std:Join": {"On": "", "Values": [{"Std:JsonGet": {
          "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Evaluation"},
          "Path": "mse"}}]}}}}},
      {"Name": "UploadsWhatAParameterSays", "Type": "Processing", "Arguments": {
        "AppSpecification": {"ImageUri": "local/x"},
        "ProcessingOutputConfig": {"Get": "Parameters.Outputs"}}},
      {"Name": "Stop", "Type": "Fail", "Arguments": {"ErrorMessage": "no"}},
      {"Name": "Choose", "Type": "Condition", "Arguments": {"Conditions": [{
        "Type": "LessThanOrEqualTo", "LeftValue": {"Std:JsonGet": {
          "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Evaluation"}, "Path": "mse"}},
        "RightValue": 6.0}], "IfSteps": [], "ElseSteps": []}},
      {"Name": "ChooseOnAParameter", "Type": "Condition", "Arguments": {"Conditions": [{
        "Type": "Equals", "LeftValue": {"Get": "Parameters.Mode"}, "RightValue": "fast"}],
        "IfSteps": [], "ElseSteps": []}},
      {"Name": "StopWithMse", "Type": "Fail", "Arguments": {"ErrorMessage": {"Std:JsonGet": {
        "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Evaluation"}, "Path": "mse"}}}}
    ]})");
  EXPECT_TRUE(definition) << (definition ? "" : definition.error().front().ToString());
  return definition ? std::move(*definition) : PipelineDefinition{};
}

bool IsQuick(const StepHandler& handler, const PipelineDefinition& definition,
             std::string_view name) {
  const auto index = definition.FindStep(name);
  EXPECT_TRUE(index.has_value()) << name;
  return index && handler.IsQuick(definition.steps[*index]);
}

TEST(ProcessingHandler, IsQuickOnlyWhenItStagesUploadsAndReadsNothing) {
  const PipelineDefinition definition = Steps();
  const ProcessingHandler processing;
  EXPECT_TRUE(IsQuick(processing, definition, "Bare"));
  EXPECT_FALSE(IsQuick(processing, definition, "Stages"));
  EXPECT_FALSE(IsQuick(processing, definition, "Uploads"));
  EXPECT_FALSE(IsQuick(processing, definition, "Evaluate"));
  EXPECT_FALSE(IsQuick(processing, definition, "Reads"));
  EXPECT_FALSE(IsQuick(processing, definition, "UploadsWhatAParameterSays"));
}

TEST(FailHandler, IsQuickUnlessItsMessageReadsAPropertyFile) {
  const PipelineDefinition definition = Steps();
  const FailHandler fail;
  EXPECT_TRUE(IsQuick(fail, definition, "Stop"));
  EXPECT_FALSE(IsQuick(fail, definition, "StopWithMse"));
}

TEST(ConditionHandler, IsQuickUnlessAConditionReadsAPropertyFile) {
  const PipelineDefinition definition = Steps();
  const ConditionHandler condition;
  EXPECT_TRUE(IsQuick(condition, definition, "ChooseOnAParameter"));
  EXPECT_FALSE(IsQuick(condition, definition, "Choose"));
}

}  // namespace
}  // namespace sluice

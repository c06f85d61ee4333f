#include "definition/step_type.h"

#include <cstdlib>

namespace sluice {

const std::vector<StepTypeInfo>& AllStepTypes() {
  // Cache and retry support follow the SDK's step classes and the developer guide (spec §2.0).
  static const std::vector<StepTypeInfo> types = {
      {StepType::kProcessing,
       "Processing",
       true,
       true,
       "CreateProcessingJobRequest",
       {"DescribeProcessingJobResponse"}},
      {StepType::kTraining,
       "Training",
       true,
       true,
       "CreateTrainingJobRequest",
       {"DescribeTrainingJobResponse"}},
      {StepType::kTuning,
       "Tuning",
       true,
       true,
       "CreateHyperParameterTuningJobRequest",
       {"DescribeHyperParameterTuningJobResponse",
        "ListTrainingJobsForHyperParameterTuningJobResponse"}},
      {StepType::kTransform,
       "Transform",
       true,
       true,
       "CreateTransformJobRequest",
       {"DescribeTransformJobResponse"}},
      {StepType::kModel, "Model", false, true, "CreateModelInput", {"DescribeModelOutput"}},
      {StepType::kRegisterModel,
       "RegisterModel",
       false,
       true,
       "CreateModelPackageInput",
       {"DescribeModelPackageOutput"}},
      {StepType::kCondition, "Condition", false, false, "", {}},
      {StepType::kFail, "Fail", false, false, "", {}},
      {StepType::kLambda, "Lambda", true, false, "", {}},
      {StepType::kCallback, "Callback", true, false, "", {}},
      {StepType::kEmr, "EMR", true, true, "", {}},
      {StepType::kEmrServerless, "EMRServerless", true, true, "", {}},
      {StepType::kQualityCheck, "QualityCheck", true, false, "CreateProcessingJobRequest", {}},
      {StepType::kClarifyCheck, "ClarifyCheck", true, false, "CreateProcessingJobRequest", {}},
      {StepType::kAutoMl, "AutoML", true, true, "CreateAutoMLJobRequest", {}},
      {StepType::kEndpointConfig, "EndpointConfig", false, true, "", {}},
      {StepType::kEndpoint, "Endpoint", false, false, "", {}},
      {StepType::kInferenceComponent, "InferenceComponent", false, false, "", {}},
      {StepType::kBedrockCustomModel, "BedrockCustomModel", false, false, "", {}},
      {StepType::kBedrockCustomModelDeployment,
       "BedrockCustomModelDeployment",
       false,
       false,
       "",
       {}},
      {StepType::kBedrockModelImport, "BedrockModelImport", false, false, "", {}},
      {StepType::kBedrockProvisionedModelThroughput,
       "BedrockProvisionedModelThroughput",
       false,
       false,
       "",
       {}},
      {StepType::kLineage, "Lineage", false, false, "", {}},
      {StepType::kJob, "Job", false, true, "", {}},
      {StepType::kPass, "Pass", false, false, "", {}},
  };
  return types;
}

const StepTypeInfo& InfoOf(StepType type) {
  for (const StepTypeInfo& info : AllStepTypes()) {
    if (info.type == type) return info;
  }
  std::abort();  // every enumerator has a row above
}

std::optional<StepType> StepTypeFromName(std::string_view name) {
  for (const StepTypeInfo& info : AllStepTypes()) {
    if (info.name == name) return info.type;
  }
  return std::nullopt;
}

std::vector<std::string_view> StepTypeNames() {
  std::vector<std::string_view> names;
  for (const StepTypeInfo& info : AllStepTypes()) names.push_back(info.name);
  return names;
}

}  // namespace sluice

// The step types a definition may use, with what each allows: caching, retry policies,
// which API request its Arguments follow and which describe shape its properties follow.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace sluice {

enum class StepType {
  kProcessing,
  kTraining,
  kTuning,
  kTransform,
  kModel,
  kRegisterModel,
  kCondition,
  kFail,
  kLambda,
  kCallback,
  kEmr,
  kEmrServerless,
  kQualityCheck,
  kClarifyCheck,
  kAutoMl,
  kEndpointConfig,
  kEndpoint,
  kInferenceComponent,
  kBedrockCustomModel,
  kBedrockCustomModelDeployment,
  kBedrockModelImport,
  kBedrockProvisionedModelThroughput,
  kLineage,
  kJob,
  kPass,
};

struct StepTypeInfo {
  StepType type;
  std::string_view name;  // as written in "Type"
  bool is_cacheable;
  bool is_retryable;
  // The Create* request shape Arguments follow, or empty when Arguments are free-form.
  std::string_view arguments_shape;
  // Describe* shapes whose union is the step's property document; empty when the document's
  // members are not known (then any property path is accepted).
  std::vector<std::string_view> property_shapes;
};

const StepTypeInfo& InfoOf(StepType type);
std::optional<StepType> StepTypeFromName(std::string_view name);
const std::vector<StepTypeInfo>& AllStepTypes();
std::vector<std::string_view> StepTypeNames();

}  // namespace sluice

#include "definition/pipeline_definition.h"

#include "definition/expression_parser.h"
#include "definition/json.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace sluice {

StepArguments::StepArguments(const Value& parsed)
    : json_(parsed.is_map() && parsed.as_map().empty() ? std::string() : WriteJson(parsed)) {}

Value StepArguments::Parse() const {
  if (json_.empty()) return Value::EmptyMap();
  Result<Value> raw = ParseJson(json_);
  Errors errors;
  Value parsed = raw ? ParseExpressions(std::move(*raw), "", errors) : Value();
  if (!raw || !errors.empty()) {
    std::fprintf(stderr, "sluice: step arguments written as %s do not read back\n", json_.c_str());
    std::abort();
  }
  return parsed;
}

const std::string* StepSpec::TextField(std::string_view key) const {
  for (const Member& member : fields) {
    if (member.key == key) return member.value.is_string() ? &member.value.as_string() : nullptr;
  }
  return nullptr;
}

std::string_view ParameterTypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kString:
      return "String";
    case ParameterType::kInteger:
      return "Integer";
    case ParameterType::kFloat:
      return "Float";
    case ParameterType::kBoolean:
      return "Boolean";
  }
  return "String";
}

std::string_view RetryExceptionTypeName(RetryExceptionType type) {
  switch (type) {
    case RetryExceptionType::kStepServiceFault:
      return "Step.SERVICE_FAULT";
    case RetryExceptionType::kStepThrottling:
      return "Step.THROTTLING";
    case RetryExceptionType::kJobInternalError:
      return "SageMaker.JOB_INTERNAL_ERROR";
    case RetryExceptionType::kCapacityError:
      return "SageMaker.CAPACITY_ERROR";
    case RetryExceptionType::kResourceLimit:
      return "SageMaker.RESOURCE_LIMIT";
    case RetryExceptionType::kEmrResourceLimit:
      return "Emr.RESOURCE_LIMIT";
  }
  return "";
}

void PipelineDefinition::IndexStepsByName() {
  steps_by_name.resize(steps.size());
  for (size_t index = 0; index < steps.size(); ++index) {
    steps_by_name[index] = static_cast<uint32_t>(index);
  }
  std::stable_sort(steps_by_name.begin(), steps_by_name.end(),
                   [&](uint32_t a, uint32_t b) { return steps[a].name < steps[b].name; });
}

const StepRareParts StepRarePartsBox::kNone;

std::optional<size_t> PipelineDefinition::FindStep(std::string_view name) const {
  auto found = std::lower_bound(
      steps_by_name.begin(), steps_by_name.end(), name,
      [&](uint32_t index, std::string_view wanted) { return steps[index].name < wanted; });
  if (found == steps_by_name.end() || steps[*found].name != name) return std::nullopt;
  return *found;
}

const ParameterSpec* PipelineDefinition::FindParameter(std::string_view name) const {
  for (const ParameterSpec& parameter : parameters) {
    if (parameter.name == name) return &parameter;
  }
  return nullptr;
}

std::vector<std::string_view> PipelineDefinition::StepNames() const {
  std::vector<std::string_view> names;
  names.reserve(steps.size());
  for (const StepSpec& step : steps) names.push_back(step.name);
  return names;
}

std::vector<std::string_view> PipelineDefinition::ParameterNames() const {
  std::vector<std::string_view> names;
  for (const ParameterSpec& parameter : parameters) names.push_back(parameter.name);
  return names;
}

}  // namespace sluice

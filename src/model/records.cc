#include "model/records.h"

#include <array>
#include <utility>

namespace sluice {
namespace {

template <class Enum, size_t N>
std::optional<Enum> Lookup(const std::array<std::pair<Enum, std::string_view>, N>& table,
                           std::string_view name) {
  for (const auto& [value, spelling] : table) {
    if (spelling == name) return value;
  }
  return std::nullopt;
}

template <class Enum, size_t N>
std::string_view Spell(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [candidate, spelling] : table) {
    if (candidate == value) return spelling;
  }
  return "";
}

constexpr std::array<std::pair<ExecutionStatus, std::string_view>, 5> kExecutionStatuses = {{
    {ExecutionStatus::kExecuting, "Executing"},
    {ExecutionStatus::kStopping, "Stopping"},
    {ExecutionStatus::kStopped, "Stopped"},
    {ExecutionStatus::kFailed, "Failed"},
    {ExecutionStatus::kSucceeded, "Succeeded"},
}};

constexpr std::array<std::pair<StepStatus, std::string_view>, 8> kStepStatuses = {{
    {StepStatus::kNotStarted, "NotStarted"},
    {StepStatus::kStarting, "Starting"},
    {StepStatus::kExecuting, "Executing"},
    {StepStatus::kStopping, "Stopping"},
    {StepStatus::kStopped, "Stopped"},
    {StepStatus::kFailed, "Failed"},
    {StepStatus::kSucceeded, "Succeeded"},
    {StepStatus::kSkipped, "Skipped"},
}};

constexpr std::array<std::pair<FailureClass, std::string_view>, 7> kFailureClasses = {{
    {FailureClass::kNone, ""},
    {FailureClass::kClientError, "ClientError"},
    {FailureClass::kServiceFault, "Step.SERVICE_FAULT"},
    {FailureClass::kThrottling, "Step.THROTTLING"},
    {FailureClass::kJobInternalError, "SageMaker.JOB_INTERNAL_ERROR"},
    {FailureClass::kCapacityError, "SageMaker.CAPACITY_ERROR"},
    {FailureClass::kResourceLimit, "SageMaker.RESOURCE_LIMIT"},
}};

}  // namespace

std::string_view ExecutionStatusName(ExecutionStatus status) {
  return Spell(kExecutionStatuses, status);
}
std::optional<ExecutionStatus> ExecutionStatusFromName(std::string_view name) {
  return Lookup(kExecutionStatuses, name);
}
std::string_view StepStatusName(StepStatus status) { return Spell(kStepStatuses, status); }
std::optional<StepStatus> StepStatusFromName(std::string_view name) {
  return Lookup(kStepStatuses, name);
}
std::string_view FailureClassName(FailureClass failure_class) {
  return Spell(kFailureClasses, failure_class);
}
std::optional<FailureClass> FailureClassFromName(std::string_view name) {
  return Lookup(kFailureClasses, name);
}

bool IsTerminal(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kStopped:
    case ExecutionStatus::kFailed:
    case ExecutionStatus::kSucceeded:
      return true;
    case ExecutionStatus::kExecuting:
    case ExecutionStatus::kStopping:
      return false;
  }
  return false;
}

bool IsTerminal(StepStatus status) {
  switch (status) {
    case StepStatus::kStopped:
    case StepStatus::kFailed:
    case StepStatus::kSucceeded:
    case StepStatus::kSkipped:
      return true;
    case StepStatus::kNotStarted:
    case StepStatus::kStarting:
    case StepStatus::kExecuting:
    case StepStatus::kStopping:
      return false;
  }
  return false;
}

}  // namespace sluice

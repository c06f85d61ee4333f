// Run records shared by the engine, the stores and the API: statuses in SageMaker's vocabulary,
// one record per execution, one per attempt of a step, and the events every change emits.
// Plain data; safe to copy between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

using TimePoint = std::chrono::system_clock::time_point;

enum class ExecutionStatus { kExecuting, kStopping, kStopped, kFailed, kSucceeded };

// SageMaker's StepStatus, plus kNotStarted before a step starts and kSkipped for steps cut off by
// an untaken Condition branch (SageMaker does not list those at all).
enum class StepStatus {
  kNotStarted,
  kStarting,
  kExecuting,
  kStopping,
  kStopped,
  kFailed,
  kSucceeded,
  kSkipped,
};

// Why a step attempt failed, in the classes RetryPolicies name.
enum class FailureClass {
  kNone,
  kClientError,       // bad arguments or a failing script: never retried
  kServiceFault,      // Step.SERVICE_FAULT
  kThrottling,        // Step.THROTTLING
  kJobInternalError,  // SageMaker.JOB_INTERNAL_ERROR
  kCapacityError,     // SageMaker.CAPACITY_ERROR
  kResourceLimit,     // SageMaker.RESOURCE_LIMIT
};

std::string_view ExecutionStatusName(ExecutionStatus status);
std::optional<ExecutionStatus> ExecutionStatusFromName(std::string_view name);
std::string_view StepStatusName(StepStatus status);
std::optional<StepStatus> StepStatusFromName(std::string_view name);
std::string_view FailureClassName(FailureClass failure_class);
std::optional<FailureClass> FailureClassFromName(std::string_view name);

bool IsTerminal(ExecutionStatus status);
bool IsTerminal(StepStatus status);

struct ExecutionRecord {
  std::string id;  // 12 characters [a-z0-9], the last segment of the ARN
  std::string pipeline_name;
  std::string display_name;
  ExecutionStatus status = ExecutionStatus::kExecuting;
  std::string failure_reason;
  std::string definition;          // the definition text this execution runs (a snapshot)
  std::string parameters_json;     // {"Name": value, ...}, every parameter with its typed value
  int64_t max_parallel_steps = 0;  // 0: no limit
  TimePoint created;
  TimePoint last_modified;
};

struct StepRun {
  std::string execution_id;
  std::string step_name;
  int64_t attempt = 1;  // 1-based
  std::string step_type;
  StepStatus status = StepStatus::kStarting;
  std::string job_name;
  FailureClass failure_class = FailureClass::kNone;
  std::string failure_reason;
  std::string properties_json;  // the step's property document (Describe*-shaped)
  std::string metadata_json;    // ListPipelineExecutionSteps Metadata
  std::string log_file;
  TimePoint started;
  std::optional<TimePoint> ended;
  // What a restarted engine needs to take over this attempt's job instead of running it again
  // (Executor::Adopt): where its launcher keeps its records, which process that launcher is
  // (0 until the job started), and what the step handler's Prepare() handed to Complete().
  std::string run_directory;
  int64_t job_process_id = 0;
  int64_t job_process_start_time = 0;  // clock ticks since boot, telling a reused pid apart
  std::string handler_state_json;
};

struct Event {
  int64_t sequence = 0;  // assigned by the store, increasing
  TimePoint time;
  std::string execution_id;
  std::string step_name;  // empty for execution events
  std::string status;     // the new status, SageMaker spelling
  std::string detail;     // failure reason or other text
};

}  // namespace sluice

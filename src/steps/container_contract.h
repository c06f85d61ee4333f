// The SageMaker container contract as it is laid out here: the /opt/ml tree of one job attempt
// on the host, how paths inside the job map to it, the config files SageMaker writes, and how a
// job's end becomes a step failure class. Shared by the job step handlers.
//
// With bubblewrap the job sees the attempt's `ml` directory at /opt/ml, so scripts that hard-code
// /opt/ml paths run unchanged. Without it the job sees host paths: /opt/ml prefixes in the
// command line and in SM_* variables are rewritten to the host directory, and scripts that
// hard-code /opt/ml paths in their own code cannot find them (the step log says so).
#pragma once

#include "base/result.h"
#include "definition/value.h"
#include "executors/executor.h"
#include "model/records.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

class ArtifactStore;
struct ExecutionIdentity;

class MlLayout {
 public:
  MlLayout(std::filesystem::path host_root, Isolation isolation)
      : host_root_(std::move(host_root)), isolation_(isolation) {}

  const std::filesystem::path& host_root() const { return host_root_; }
  bool is_isolated() const { return isolation_ == Isolation::kBubblewrap; }
  // "/opt/ml/processing/train" -> the host directory behind it. Fails for paths outside /opt/ml.
  Result<std::filesystem::path> OnHost(std::string_view job_path, std::string_view where) const;
  // The path the job itself uses for "/opt/ml/...".
  std::string InJob(std::string_view job_path) const;
  // Rewrites a leading "/opt/ml" (and "/opt/ml" after '=' as in "--out=/opt/ml/x") when the job
  // is not isolated; unchanged otherwise.
  std::string Remap(std::string_view text) const;

 private:
  std::filesystem::path host_root_;
  Isolation isolation_;
};

using Environment = std::vector<std::pair<std::string, std::string>>;

// Sets or replaces `name`.
void SetVariable(Environment& environment, std::string name, std::string value);

// Members of a resolved argument document, with "" / 0 / nullptr when absent.
const Value* MemberAt(const Value& document, std::initializer_list<std::string_view> path);
std::string StringAt(const Value& document, std::initializer_list<std::string_view> path,
                     std::string fallback = "");

// A value as the string a job sees: strings as they are, anything else as Std:Join renders it.
std::string TextOf(const Value& value);
// The items of a list of strings (ContainerEntrypoint, ContainerArguments), each as TextOf.
// Empty when `list` is null or not a list.
std::vector<std::string> TextsOf(const Value* list);

Result<void> WriteJsonFile(const std::filesystem::path& file, const Value& value);
// The first `limit` bytes of a file, or "" when it does not exist.
std::string ReadFileHead(const std::filesystem::path& file, size_t limit);
// The last `lines` lines the job itself wrote to its log (Sluice's "[sluice]" notes left out).
std::string ReadLogTail(const std::filesystem::path& file, size_t lines);
// Appends one line to the step log, for what Sluice itself has to tell the user.
void AppendToLog(const std::filesystem::path& log_file, std::string_view line);
// Several notes in one append, so that a step's set-up opens its log once.
void AppendToLog(const std::filesystem::path& log_file, const std::vector<std::string>& lines);

// "arn:aws:sagemaker:<region>:<account>:<resource>/<name>", SageMaker's form (lower case name).
std::string ResourceArn(const ExecutionIdentity& execution, std::string_view resource,
                        std::string_view name);

// Downloads `uri` (an object or a prefix) into `directory`, creating it.
Result<void> StageInput(ArtifactStore& artifacts, std::string_view uri,
                        const std::filesystem::path& directory, std::string_view where);

// How a job's end maps to a step failure, for RetryPolicies (documented in docs/failures.md):
// a launch failure is Step.SERVICE_FAULT; a job killed by a signal Sluice did not send is
// SageMaker.JOB_INTERNAL_ERROR; a failure file starting with "CapacityError",
// "ResourceLimitExceeded" or "InternalServerError" names its class; any other non-zero exit is
// the job's own error (never retried). `failure_text` is the job's failure file, if any.
struct JobFailure {
  FailureClass failure_class = FailureClass::kNone;
  std::string reason;
};
JobFailure ClassifyJobEnd(const JobResult& job, std::string_view failure_text,
                          std::string_view error_kind, const std::filesystem::path& log_file);

// The class of a failure to stage or store an artifact: the object store failing (I/O) is a
// Step.SERVICE_FAULT, worth retrying; a bad URI or a missing object is the step's own error.
FailureClass ClassOfArtifactError(const Error& error);

// ISO-8601 with milliseconds, UTC, as SageMaker's Describe responses render times.
std::string FormatTime(TimePoint time);

// "pipelines-<execution id>-<step>-<10 characters>", at most 63 characters, lower case. The
// suffix is derived from the execution, step and attempt, so a launch repeated after a crash
// gets the same name.
std::string JobNameFor(std::string_view execution_id, std::string_view step_name, int64_t attempt);

}  // namespace sluice

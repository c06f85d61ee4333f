#include "steps/control_steps.h"

#include "base/text.h"
#include "definition/condition.h"
#include "definition/json.h"
#include "steps/container_contract.h"

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace sluice {
namespace {

Preparation Done(StepResult result) {
  Preparation preparation;
  preparation.result = std::move(result);
  return preparation;
}

StepResult NoJob() {
  return StepResult::Failure(FailureClass::kServiceFault, "this step type runs no job");
}

std::string ModelFileName(std::string_view name) {
  std::string file;
  for (char c : name) file += (c == '/' || c == '\0') ? '_' : c;
  return file + ".json";
}

}  // namespace

Result<Preparation> ConditionHandler::Prepare(const StepContext& context) const {
  auto outcome = EvaluateConditions(context.spec.rare().conditions, context.scope);
  if (!outcome) return outcome.error();
  StepResult result;
  result.condition_outcome = *outcome;
  result.properties.Set("Outcome", *outcome);
  Value condition = Value::EmptyMap();
  condition.Set("Outcome", *outcome ? "True" : "False");
  result.metadata.Set("Condition", std::move(condition));
  return Done(std::move(result));
}

StepResult ConditionHandler::Complete(const StepContext&, const Value&, const JobResult&) const {
  return NoJob();
}

Result<Preparation> FailHandler::Prepare(const StepContext& context) const {
  std::string message;
  const Value arguments = context.spec.arguments.Parse();
  if (const Value* written = arguments.Find("ErrorMessage"); written) {
    auto rendered = Resolve(*written, context.scope);
    if (!rendered) return rendered.error();
    message = rendered->is_string() ? rendered->as_string() : RenderForJoin(*rendered);
  }
  StepResult result = StepResult::Failure(FailureClass::kClientError, message);
  Value fail = Value::EmptyMap();
  fail.Set("ErrorMessage", message);
  result.metadata.Set("Fail", std::move(fail));
  return Done(std::move(result));
}

StepResult FailHandler::Complete(const StepContext&, const Value&, const JobResult&) const {
  return NoJob();
}

Result<Preparation> ModelHandler::Prepare(const StepContext& context) const {
  auto resolved = ResolveArguments(context);
  if (!resolved) return resolved.error();
  Value model = *resolved;
  const std::string arn = ResourceArn(context.execution, "model", context.job_name);
  model.Set("ModelName", context.job_name);
  model.Set("ModelArn", arn);
  model.Set("CreationTime", FormatTime(std::chrono::system_clock::now()));
  if (auto written =
          WriteJsonFile(context.resources_dir / "models" / ModelFileName(context.job_name), model);
      !written) {
    Error failure = written.error();
    failure.code = ErrorCode::kUnavailable;
    return failure;
  }
  StepResult result;
  result.properties = model;
  Value metadata = Value::EmptyMap();
  metadata.Set("Arn", arn);
  result.metadata.Set("Model", std::move(metadata));
  return Done(std::move(result));
}

StepResult ModelHandler::Complete(const StepContext&, const Value&, const JobResult&) const {
  return NoJob();
}

Result<Value> FindModel(const std::filesystem::path& resources_dir, std::string_view model_name) {
  const std::filesystem::path file = resources_dir / "models" / ModelFileName(model_name);
  std::ifstream in(file);
  if (!in) {
    return NotFound("ModelName", "no model named " + Quote(model_name) +
                                     " was created here (a Model step creates one)");
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseJson(text.str(), file.string());
}

Result<Preparation> RegisterModelHandler::Prepare(const StepContext& context) const {
  auto resolved = ResolveArguments(context);
  if (!resolved) return resolved.error();
  Value package = *resolved;
  const std::string group = StringAt(package, {"ModelPackageGroupName"});
  std::string arn;
  std::filesystem::path package_file;
  if (group.empty()) {
    // An unversioned package, named like a job.
    package.Set("ModelPackageName", context.job_name);
    arn = ResourceArn(context.execution, "model-package", context.job_name);
    package_file = context.resources_dir / "model-packages" / ModelFileName(context.job_name);
  } else {
    // The next version of the group: creating the version file exclusively makes concurrent
    // registrations from several executions take distinct numbers.
    std::string group_directory = ModelFileName(group);
    group_directory.resize(group_directory.size() - std::string_view(".json").size());
    const std::filesystem::path group_dir =
        context.resources_dir / "model-package-groups" / group_directory;
    std::error_code error;
    std::filesystem::create_directories(group_dir, error);
    int64_t version = 1;
    for (;; ++version) {
      const std::filesystem::path file = group_dir / (std::to_string(version) + ".json");
      const int fd = ::open(file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
      if (fd >= 0) {
        ::close(fd);
        break;
      }
      if (errno != EEXIST) {
        return MakeError(ErrorCode::kUnavailable, file.string(),
                         "cannot record the model package version");
      }
    }
    arn = ResourceArn(context.execution, "model-package", group + "/" + std::to_string(version));
    package.Set("ModelPackageName", group);
    package.Set("ModelPackageVersion", version);
    package_file = group_dir / (std::to_string(version) + ".json");
  }
  package.Set("ModelPackageArn", arn);
  package.Set("ModelPackageStatus", "Completed");
  if (package.Find("ModelApprovalStatus") == nullptr) {
    package.Set("ModelApprovalStatus", "PendingManualApproval");
  }
  package.Set("CreationTime", FormatTime(std::chrono::system_clock::now()));
  if (auto written = WriteJsonFile(package_file, package); !written) {
    Error failure = written.error();
    failure.code = ErrorCode::kUnavailable;
    return failure;
  }
  StepResult result;
  result.properties = package;
  Value metadata = Value::EmptyMap();
  metadata.Set("Arn", arn);
  result.metadata.Set("RegisterModel", std::move(metadata));
  return Done(std::move(result));
}

StepResult RegisterModelHandler::Complete(const StepContext&, const Value&,
                                          const JobResult&) const {
  return NoJob();
}

}  // namespace sluice

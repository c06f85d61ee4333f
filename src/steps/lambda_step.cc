#include "steps/lambda_step.h"

#include "base/text.h"
#include "definition/json.h"
#include "runtimes/http_request.h"
#include "steps/container_contract.h"
#include "steps/function_map.h"
#include "steps/output_parameters.h"

#include <fstream>

namespace sluice {
namespace {

constexpr std::string_view kEventFile = "lambda-event.json";
constexpr std::string_view kResultFile = "lambda-result.json";
constexpr size_t kMaxAnswerBytes = 6 * 1024 * 1024;  // AWS Lambda's synchronous payload limit

const Value* FieldOf(const StepSpec& spec, std::string_view key) {
  for (const Member& member : spec.fields) {
    if (member.key == key) return &member.value;
  }
  return nullptr;
}

Preparation Done(StepResult result) {
  Preparation preparation;
  preparation.result = std::move(result);
  return preparation;
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Lambda's own step-failure wording when a function cannot be run or answers badly.
StepResult FunctionFailure(std::string_view function_arn, std::string reason) {
  return StepResult::Failure(FailureClass::kClientError,
                             "Lambda function " + std::string(function_arn) + ": " + reason);
}

Result<std::string> ResolvedArn(const StepContext& context) {
  const Value* written = FieldOf(context.spec, "FunctionArn");
  if (written == nullptr) return InvalidArgument("FunctionArn", "a Lambda step needs FunctionArn");
  auto resolved = Resolve(*written, context.scope);
  if (!resolved) return resolved.error();
  if (!resolved->is_string() || resolved->as_string().empty()) {
    return InvalidArgument("FunctionArn",
                           "expected a function ARN string, got " + resolved->Describe());
  }
  return resolved->as_string();
}

StepResult InvokeUrl(const StepContext& context, const FunctionTarget& target,
                     std::string_view function_arn, const Value& event,
                     std::chrono::seconds timeout) {
  AppendToLog(context.log_file, "invoking " + std::string(function_arn) + " at " + target.url);
  auto response = HttpPost(target.url, WriteJson(event), {"Content-Type: application/json"},
                           std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  if (!response) {
    // With the Timeout it ran under, which a request that timed out ran out of.
    return FunctionFailure(
        function_arn, "POST " + target.url + " failed: " + response.error().message +
                          " (the step's Timeout is " + std::to_string(timeout.count()) + " s)");
  }
  if (response->status < 200 || response->status >= 300) {
    return FunctionFailure(function_arn, "POST " + target.url + " answered HTTP " +
                                             std::to_string(response->status) + ": " +
                                             Trimmed(response->body.substr(0, 1024)));
  }
  return LambdaResultFrom(context.spec, function_arn, response->body);
}

}  // namespace

Result<std::chrono::seconds> LambdaTimeout(const StepSpec& spec) {
  const Value* written = FieldOf(spec, "Timeout");
  if (written == nullptr || written->is_null()) return kDefaultLambdaTimeout;
  int64_t seconds = 0;
  if (written->is_integer()) {
    seconds = written->as_integer();
  } else if (auto typed = TypeOutputValue("Timeout", ParameterType::kInteger, *written);
             typed && written->is_string()) {
    seconds = typed->as_integer();
  } else {
    return InvalidArgument("Timeout", "expected a number of seconds, got " + written->Describe());
  }
  if (seconds < 1 || seconds > kMaxLambdaTimeout.count()) {
    return InvalidArgument("Timeout", "Timeout is " + std::to_string(seconds) +
                                          " s; a Lambda step allows 1 to " +
                                          std::to_string(kMaxLambdaTimeout.count()) + " s");
  }
  return std::chrono::seconds(seconds);
}

StepResult LambdaResultFrom(const StepSpec& spec, std::string_view function_arn,
                            std::string_view answer) {
  auto parsed = ParseJson(answer, "the function's result");
  if (!parsed) {
    return FunctionFailure(function_arn, "the result is not valid JSON (" +
                                             parsed.error().ToString() +
                                             "): " + Trimmed(std::string(answer.substr(0, 512))));
  }
  if (!parsed->is_map()) {
    return FunctionFailure(function_arn,
                           "the result must be a JSON object, got " + parsed->Describe());
  }
  auto typed = TypeOutputs(spec.rare().output_parameters, *parsed, "the function's result");
  if (!typed) return FunctionFailure(function_arn, typed.error().message);
  StepResult result;
  result.properties.Set("OutputParameters", std::move(typed->by_name));
  Value lambda = Value::EmptyMap();
  lambda.Set("Arn", std::string(function_arn));
  lambda.Set("OutputParameters", std::move(typed->as_listed));
  result.metadata.Set("Lambda", std::move(lambda));
  return result;
}

Result<Preparation> LambdaHandler::Prepare(const StepContext& context) const {
  auto arn = ResolvedArn(context);
  if (!arn) return arn.error();
  auto timeout = LambdaTimeout(context.spec);
  if (!timeout) return timeout.error();
  auto event = ResolveArguments(context);
  if (!event) return event.error();

  auto functions = FunctionMap::LoadIfPresent(context.functions_file);
  if (!functions) return functions.error();
  const FunctionTarget* target = functions->Find(*arn);
  if (target == nullptr) {
    return Done(StepResult::Failure(FailureClass::kClientError,
                                    "not supported locally: no function map entry for " + *arn +
                                        " (add it to " + context.functions_file.string() + ")"));
  }
  if (!target->url.empty()) return Done(InvokeUrl(context, *target, *arn, *event, *timeout));

  std::error_code error;
  std::filesystem::create_directories(context.work_dir, error);
  const std::filesystem::path event_file = context.work_dir / kEventFile;
  const std::filesystem::path result_file = context.work_dir / kResultFile;
  if (auto written = WriteJsonFile(event_file, *event); !written) {
    Error failure = written.error();
    failure.code = ErrorCode::kUnavailable;
    return failure;
  }
  std::string argv;
  for (const std::string& argument : target->command) argv += (argv.empty() ? "" : " ") + argument;
  AppendToLog(context.log_file, "invoking " + *arn + " (" + target->location + "): " + argv);

  JobSpec job;
  job.name = context.job_name;
  // The event on stdin and stdout into the result file, as a Lambda runtime hands them over;
  // stderr stays in the step's log for the failure message.
  job.command = {"/bin/sh", "-c",
                 "exec \"$@\" <\"$SLUICE_LAMBDA_EVENT\" >\"$SLUICE_LAMBDA_RESULT\"", "lambda"};
  job.command.insert(job.command.end(), target->command.begin(), target->command.end());
  job.environment = context.base_environment;
  job.environment.emplace_back("SLUICE_LAMBDA_EVENT", event_file.string());
  job.environment.emplace_back("SLUICE_LAMBDA_RESULT", result_file.string());
  job.environment.emplace_back("AWS_LAMBDA_FUNCTION_NAME", *arn);
  // Relative paths in functions.json name files beside it.
  job.working_directory = context.functions_file.parent_path().string();
  job.log_file = context.log_file;
  job.isolation = Isolation::kNone;
  job.max_runtime = *timeout;

  Preparation preparation;
  preparation.job = std::move(job);
  Value state = Value::EmptyMap();
  state.Set("FunctionArn", *arn);
  state.Set("ResultFile", result_file.string());
  state.Set("TimeoutSeconds", static_cast<int64_t>(timeout->count()));
  preparation.state = std::move(state);
  return preparation;
}

StepResult LambdaHandler::Complete(const StepContext& context, const Value& state,
                                   const JobResult& job) const {
  const std::string arn = StringAt(state, {"FunctionArn"});
  switch (job.outcome) {
    case JobResult::Outcome::kExited:
      break;
    case JobResult::Outcome::kTimedOut: {
      const Value* seconds = state.Find("TimeoutSeconds");
      return FunctionFailure(arn, "did not finish within " +
                                      (seconds ? RenderForJoin(*seconds) : std::string("the")) +
                                      " s (the step's Timeout)");
    }
    default: {
      JobFailure failure = ClassifyJobEnd(job, "", "", context.log_file);
      return StepResult::Failure(failure.failure_class, std::move(failure.reason));
    }
  }
  if (job.exit_status != 0) {
    const std::string tail = Trimmed(ReadLogTail(context.log_file, 10));
    return FunctionFailure(arn, "the command exited with status " +
                                    std::to_string(job.exit_status) +
                                    (tail.empty() ? "" : "; stderr:\n" + tail));
  }
  const std::string answer = ReadFileHead(StringAt(state, {"ResultFile"}), kMaxAnswerBytes + 1);
  if (answer.size() > kMaxAnswerBytes) {
    return FunctionFailure(arn, "the result is larger than 6 MB");
  }
  StepResult result = LambdaResultFrom(context.spec, arn, answer);
  if (!result.is_success) {
    const std::string tail = Trimmed(ReadLogTail(context.log_file, 10));
    if (!tail.empty()) result.failure_reason += "; stderr:\n" + tail;
  }
  return result;
}

}  // namespace sluice

#include "steps/callback_step.h"

#include "base/text.h"
#include "definition/json.h"
#include "steps/container_contract.h"

#include <algorithm>
#include <set>

namespace sluice {
namespace {

constexpr size_t kMaxQueueName = 80;

bool IsQueueNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::optional<ParameterType> OutputTypeFromName(std::string_view name) {
  for (ParameterType type : {ParameterType::kString, ParameterType::kInteger, ParameterType::kFloat,
                             ParameterType::kBoolean}) {
    if (ParameterTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::vector<OutputParameterSpec> DeclaredOutputs(const CallbackRecord& callback) {
  std::vector<OutputParameterSpec> declared;
  auto parsed = ParseJson(callback.declared_outputs_json);
  if (!parsed || !parsed->is_list()) return declared;
  for (const Value& item : parsed->as_list()) {
    const std::string name = StringAt(item, {"OutputName"});
    declared.push_back(OutputParameterSpec{
        name, OutputTypeFromName(StringAt(item, {"OutputType"})).value_or(ParameterType::kString)});
  }
  return declared;
}

}  // namespace

Result<std::string> QueueNameOf(std::string_view queue_url) {
  std::string_view path = queue_url;
  if (const size_t query = path.find_first_of("?#"); query != std::string_view::npos) {
    path = path.substr(0, query);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  std::string base = name;
  if (base.ends_with(".fifo")) base.resize(base.size() - 5);
  const bool is_valid = !base.empty() && name.size() <= kMaxQueueName &&
                        std::all_of(base.begin(), base.end(), IsQueueNameCharacter);
  if (!is_valid) {
    return InvalidArgument("SqsQueueUrl",
                           "expected a queue URL whose last path segment is a queue name (1 to 80 "
                           "letters, digits, - or _), such as "
                           "https://sqs.us-east-1.amazonaws.com/000000000000/MyQueue; got " +
                               Quote(queue_url));
  }
  return name;
}

std::string CallbackMessageBody(std::string_view token, std::string_view execution_arn,
                                const Value& arguments, std::string_view status) {
  Value body = Value::EmptyMap();
  body.Set("token", std::string(token));
  body.Set("pipelineExecutionArn", std::string(execution_arn));
  body.Set("arguments", arguments);
  body.Set("status", std::string(status));
  return WriteJson(body);
}

std::string DeclaredOutputsJson(const StepSpec& spec) {
  Value declared = Value::EmptyList();
  for (const OutputParameterSpec& output : spec.rare().output_parameters) {
    Value item = Value::EmptyMap();
    item.Set("OutputName", output.name);
    item.Set("OutputType", std::string(ParameterTypeName(output.type)));
    declared.as_list().push_back(std::move(item));
  }
  return WriteJson(declared);
}

Value CallbackMetadata(const CallbackRecord& callback, Value outputs) {
  Value inner = Value::EmptyMap();
  inner.Set("CallbackToken", callback.token);
  inner.Set("SqsQueueUrl", callback.queue_url);
  inner.Set("OutputParameters", std::move(outputs));
  Value metadata = Value::EmptyMap();
  metadata.Set("Callback", std::move(inner));
  return metadata;
}

Result<TypedOutputs> CheckCallbackAnswer(
    const CallbackRecord& callback,
    const std::vector<std::pair<std::string, std::string>>& outputs) {
  if (outputs.size() > kMaxCallbackOutputs) {
    return InvalidArgument("OutputParameters", "at most " + std::to_string(kMaxCallbackOutputs) +
                                                   " outputs are allowed, got " +
                                                   std::to_string(outputs.size()));
  }
  const std::vector<OutputParameterSpec> declared = DeclaredOutputs(callback);
  std::vector<std::string> declared_names;
  for (const OutputParameterSpec& output : declared) declared_names.push_back(output.name);
  std::set<std::string, std::less<>> seen;
  Value given = Value::EmptyMap();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto& [name, value] = outputs[i];
    const std::string where = "OutputParameters/" + std::to_string(i);
    if (name.empty() || name.size() > kMaxCallbackOutputName) {
      return InvalidArgument(where + "/Name", "expected a name of 1 to 256 characters, got " +
                                                  std::to_string(name.size()));
    }
    if (value.size() > kMaxCallbackOutputValue) {
      return InvalidArgument(where + "/Value", "the value of " + Quote(name) + " has " +
                                                   std::to_string(value.size()) +
                                                   " characters; at most 1024 are allowed");
    }
    if (std::find(declared_names.begin(), declared_names.end(), name) == declared_names.end()) {
      return InvalidArgument(
          where + "/Name",
          "step " + Quote(callback.step_name) + " declares no output " + Quote(name) +
              " (declared: " + (declared_names.empty() ? "none" : Join(declared_names, ", ")) +
              ")");
    }
    if (!seen.insert(name).second) {
      return InvalidArgument(where + "/Name", "output " + Quote(name) + " is given twice");
    }
    given.Set(name, value);
  }
  return TypeOutputs(declared, given, "the callback's answer");
}

std::string OutputsJson(const std::vector<std::pair<std::string, std::string>>& outputs) {
  Value listed = Value::EmptyList();
  for (const auto& [name, value] : outputs) {
    Value item = Value::EmptyMap();
    item.Set("Name", name);
    item.Set("Value", value);
    listed.as_list().push_back(std::move(item));
  }
  return WriteJson(listed);
}

Result<std::vector<std::pair<std::string, std::string>>> OutputsFromJson(std::string_view json) {
  auto parsed = ParseJson(json, "the callback's outputs");
  if (!parsed) return parsed.error();
  std::vector<std::pair<std::string, std::string>> outputs;
  if (!parsed->is_list()) return outputs;
  for (const Value& item : parsed->as_list()) {
    outputs.emplace_back(StringAt(item, {"Name"}), StringAt(item, {"Value"}));
  }
  return outputs;
}

StepResult CallbackResultFrom(const CallbackRecord& callback) {
  if (callback.status == CallbackStatus::kFailed) {
    StepResult result =
        StepResult::Failure(FailureClass::kClientError, callback.failure_reason.empty()
                                                            ? "the callback answered with a failure"
                                                            : callback.failure_reason);
    result.metadata = CallbackMetadata(callback);
    return result;
  }
  auto outputs = OutputsFromJson(callback.outputs_json);
  if (!outputs) return StepResult::Failure(FailureClass::kServiceFault, outputs.error().ToString());
  // Checked before it was stored; checked again, as the record is read back from disk.
  auto typed = CheckCallbackAnswer(callback, *outputs);
  if (!typed) return StepResult::Failure(FailureClass::kClientError, typed.error().ToString());
  StepResult result;
  result.properties.Set("OutputParameters", std::move(typed->by_name));
  result.metadata = CallbackMetadata(callback, std::move(typed->as_listed));
  return result;
}

Result<Preparation> CallbackHandler::Prepare(const StepContext& context) const {
  const Value* written = nullptr;
  for (const Member& member : context.spec.fields) {
    if (member.key == "SqsQueueUrl") written = &member.value;
  }
  if (written == nullptr)
    return InvalidArgument("SqsQueueUrl", "a Callback step needs SqsQueueUrl");
  auto url = Resolve(*written, context.scope);
  if (!url) return url.error();
  if (!url->is_string() || url->as_string().empty()) {
    return InvalidArgument("SqsQueueUrl", "expected a queue URL string, got " + url->Describe());
  }
  auto queue = QueueNameOf(url->as_string());
  if (!queue) return queue.error();
  if (context.spec.rare().output_parameters.size() > kMaxCallbackOutputs) {
    return InvalidArgument("OutputParameters",
                           "a Callback step declares at most 50 outputs, got " +
                               std::to_string(context.spec.rare().output_parameters.size()));
  }
  auto arguments = ResolveArguments(context);
  if (!arguments) return arguments.error();
  Preparation preparation;
  preparation.callback = CallbackRequest{url->as_string(), *queue, std::move(*arguments)};
  return preparation;
}

StepResult CallbackHandler::Complete(const StepContext& /*context*/, const Value& /*state*/,
                                     const JobResult& /*job*/) const {
  return StepResult::Failure(FailureClass::kServiceFault, "a Callback step runs no job");
}

}  // namespace sluice

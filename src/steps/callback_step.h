// Callback steps: Prepare() resolves the step's SqsQueueUrl and Arguments into a request the
// engine parks the step on (steps/step_handler.h). The engine draws the token, sends the message
// built here to the queue Sluice provides under the URL's last path segment, and ends the step
// from the token's answer (CallbackResultFrom) — SendPipelineExecutionStepSuccess/Failure or
// `sluice callback succeed|fail`, checked by CheckCallbackAnswer before it is stored.
#pragma once

#include "model/callback_records.h"
#include "steps/output_parameters.h"
#include "steps/step_handler.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

inline constexpr size_t kCallbackTokenLength = 10;
inline constexpr size_t kMaxCallbackOutputs = 50;
inline constexpr size_t kMaxCallbackOutputName = 256;
inline constexpr size_t kMaxCallbackOutputValue = 1024;
inline constexpr size_t kMaxCallbackFailureReason = 256;

// The queue a URL names: its last path segment, as SQS names queues (1 to 80 of [A-Za-z0-9_-],
// with ".fifo" after for a FIFO queue). kInvalidArgument at SqsQueueUrl otherwise.
Result<std::string> QueueNameOf(std::string_view queue_url);

// The message body SageMaker sends: {"token", "pipelineExecutionArn", "arguments", "status"},
// with status "Executing" when the step starts and "Stopping" when its execution is stopped.
std::string CallbackMessageBody(std::string_view token, std::string_view execution_arn,
                                const Value& arguments, std::string_view status);

// The step's declared outputs as stored with its token, [{"OutputName", "OutputType"}].
std::string DeclaredOutputsJson(const StepSpec& spec);

// ListPipelineExecutionSteps Metadata: {"Callback": {CallbackToken, SqsQueueUrl,
// OutputParameters}}.
Value CallbackMetadata(const CallbackRecord& callback, Value outputs = Value::EmptyList());

// Checks an answer's outputs against the declared ones, as the API does: at most 50, names up
// to 256 characters and values up to 1024, each name declared once, every declared output
// given and of its type. Errors are kInvalidArgument naming the output.
Result<TypedOutputs> CheckCallbackAnswer(
    const CallbackRecord& callback,
    const std::vector<std::pair<std::string, std::string>>& outputs);

// The answer's outputs as stored ([{"Name", "Value"}]) and back.
std::string OutputsJson(const std::vector<std::pair<std::string, std::string>>& outputs);
Result<std::vector<std::pair<std::string, std::string>>> OutputsFromJson(std::string_view json);

// The step's end once its token is answered: Succeeded with the typed outputs as properties, or
// Failed with the answer's reason.
StepResult CallbackResultFrom(const CallbackRecord& callback);

class CallbackHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  // Never called: a Callback step runs no job.
  StepResult Complete(const StepContext& context, const Value& state,
                      const JobResult& job) const override;
};

}  // namespace sluice

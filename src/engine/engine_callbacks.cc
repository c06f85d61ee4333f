// Callback steps in the engine: a parked attempt holds no job, no worker and no process, only
// its token. It is committed as Executing together with the token and the queue's message, so
// a step never shows waiting on a message that was lost; it ends when the token's answer is
// found in the store.
#include "base/event_loop.h"
#include "base/random_token.h"
#include "base/text.h"
#include "definition/json.h"
#include "engine/engine.h"
#include "engine/execution.h"
#include "graph/compiled_pipeline.h"
#include "model/transition.h"
#include "steps/callback_step.h"
#include "steps/container_contract.h"
#include "store/metadata_store.h"

namespace sluice {
namespace {

// How often the engine looks for answers while a step is parked, in case a wake-up was missed
// (an answer written while this engine was starting, before other processes could find it).
constexpr std::chrono::seconds kCallbackPollInterval{2};

std::string HowToAnswer(const CallbackRecord& callback) {
  return "waiting for a callback: token " + callback.token + ", message sent to queue " +
         callback.queue_name + " (with `sluice serve`: GET /queues/" + callback.queue_name +
         "/messages). Complete it with SendPipelineExecutionStepSuccess or "
         "SendPipelineExecutionStepFailure, or from a shell: `sluice callback succeed " +
         callback.token + " [--output NAME=VALUE]...` or `sluice callback fail " + callback.token +
         " --reason TEXT`";
}

}  // namespace

void Engine::Park(Execution& execution, size_t step, CallbackRequest request) {
  const StepSpec& spec = execution.pipeline->definition.steps[step];
  StepState& state = execution.steps[step];
  const TimePoint now = clock_.Now();
  CallbackRecord callback;
  // 62^10 tokens: a repeat is all but impossible, and the store's key would refuse it anyway.
  for (;;) {
    callback.token = RandomAlphanumeric(kCallbackTokenLength);
    auto existing = store_.FindCallback(callback.token);
    if (!existing || !*existing) break;
  }
  callback.execution_id = execution.record.id;
  callback.step_name = spec.name;
  callback.attempt = state.attempt;
  callback.queue_url = request.queue_url;
  callback.queue_name = request.queue_name;
  callback.declared_outputs_json = DeclaredOutputsJson(spec);
  callback.created = now;

  Value handler_state = Value::EmptyMap();
  handler_state.Set("CallbackToken", callback.token);
  handler_state.Set("SqsQueueUrl", callback.queue_url);
  handler_state.Set("QueueName", callback.queue_name);
  handler_state.Set("Arguments", request.arguments);
  state.callback_token = callback.token;
  state.status = StepStatus::kExecuting;
  state.run->status = StepStatus::kExecuting;
  state.run->handler_state_json = WriteJson(handler_state);
  state.run->metadata_json = WriteJson(CallbackMetadata(callback));

  Transition transition;
  transition.step_runs.push_back(*state.run);
  transition.queue_messages.push_back(
      QueueMessage{0, callback.queue_name,
                   CallbackMessageBody(callback.token, execution.identity.execution_arn,
                                       request.arguments, "Executing"),
                   now, "", 0});
  transition.events.push_back(MakeEvent(execution, state.run->step_name, "Executing",
                                        "waiting for a callback on queue " + callback.queue_name));
  if (state.cache_decision) {
    transition.cache_decisions.push_back(std::move(*state.cache_decision));
    state.cache_decision.reset();
  }
  const std::string log_file = state.run->log_file;
  const std::string how = HowToAnswer(callback);
  transition.callbacks.push_back(std::move(callback));
  Commit(std::move(transition), [this, log_file, how] {
    AppendToLog(log_file, how);
    ScheduleCallbackPoll();
  });
}

void Engine::StopParked(Execution& execution, size_t step) {
  StepState& state = execution.steps[step];
  // Resumed while Stopping: the message went out before.
  if (state.run->status == StepStatus::kStopping) return;
  auto handler_state =
      ParseJson(state.run->handler_state_json, "step " + Quote(state.run->step_name));
  const Value arguments = handler_state && handler_state->Find("Arguments")
                              ? *handler_state->Find("Arguments")
                              : Value::EmptyMap();
  const std::string queue = handler_state ? StringAt(*handler_state, {"QueueName"}) : "";
  state.run->status = StepStatus::kStopping;
  Transition transition;
  transition.step_runs.push_back(*state.run);
  transition.queue_messages.push_back(
      QueueMessage{0, queue,
                   CallbackMessageBody(state.callback_token, execution.identity.execution_arn,
                                       arguments, "Stopping"),
                   clock_.Now(), "", 0});
  transition.events.push_back(
      MakeEvent(execution, state.run->step_name, "Stopping", "waiting for the callback's answer"));
  const std::string log_file = state.run->log_file;
  Commit(std::move(transition), [log_file] {
    AppendToLog(log_file,
                "the execution is stopping: a \"Stopping\" message went to the queue; the step "
                "ends once its callback is answered");
  });
}

void Engine::CheckCallbacks() {
  bool is_any_parked = false;
  for (auto& [id, execution] : executions_) {
    for (size_t step = 0; step < execution->steps.size(); ++step) {
      StepState& state = execution->steps[step];
      if (state.callback_token.empty()) continue;
      auto found = store_.FindCallback(state.callback_token);
      if (!found || !*found || (*found)->status == CallbackStatus::kPending) {
        is_any_parked = true;
        continue;
      }
      state.callback_token.clear();
      const CallbackRecord& answer = **found;
      AppendToLog(state.run->log_file, "callback " + answer.token + " answered: " +
                                           (answer.status == CallbackStatus::kSucceeded
                                                ? "succeeded with " + answer.outputs_json
                                                : "failed: " + answer.failure_reason));
      FinishStep(*execution, step, CallbackResultFrom(answer), false);
    }
  }
  if (is_any_parked) ScheduleCallbackPoll();
}

void Engine::ScheduleCallbackPoll() {
  if (is_callback_poll_scheduled_) return;
  is_callback_poll_scheduled_ = true;
  loop_.RunAfter(kCallbackPollInterval, [this] {
    is_callback_poll_scheduled_ = false;
    CheckCallbacks();
  });
}

}  // namespace sluice

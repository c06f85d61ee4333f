#include "cli/callback_commands.h"

#include "base/text.h"
#include "cli/engine_host.h"
#include "cli/existing_store.h"
#include "cli/state_dir.h"
#include "definition/json.h"
#include "engine/engine.h"
#include "engine/identifiers.h"
#include "steps/callback_step.h"
#include "steps/container_contract.h"
#include "store/sqlite_store.h"

#include <chrono>
#include <iostream>
#include <signal.h>

namespace sluice {
namespace {

// The message the step sent, rebuilt from its attempt's record.
std::string MessageOf(const CallbackRecord& callback, const std::vector<StepRun>& runs,
                      const ExecutionRecord& execution) {
  Value arguments = Value::EmptyMap();
  for (const StepRun& run : runs) {
    if (run.step_name != callback.step_name || run.attempt != callback.attempt) continue;
    if (auto state = ParseJson(run.handler_state_json); state && state->Find("Arguments")) {
      arguments = *state->Find("Arguments");
    }
  }
  const EngineOptions defaults;
  return CallbackMessageBody(
      callback.token,
      ExecutionArn(PipelineArn(defaults.region, defaults.account, execution.pipeline_name),
                   execution.id),
      arguments, "Executing");
}

}  // namespace

int RunCallbackAnswer(const std::string& state_dir, const CallbackAnswer& answer) {
  const std::filesystem::path state = ResolveStateDir(state_dir);
  auto store = OpenExistingStore(state);
  if (!store) return 1;
  auto answered = AnswerCallback(*store, answer, std::chrono::system_clock::now());
  if (!answered) {
    std::cerr << "sluice: " << answered.error().ToString() << "\n";
    return answered.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "callback " << answered->token << " " << CallbackStatusName(answered->status)
            << ": step " << answered->step_name << " of execution " << answered->execution_id
            << "\n";
  const std::optional<int> engine = EngineOf(state, answered->execution_id);
  if (!engine) {
    std::cout << "no engine runs execution " << answered->execution_id
              << " now; the step ends when it continues (`sluice resume`)\n";
    return 0;
  }
  if (kill(*engine, SIGUSR1) != 0) {
    std::cerr << "sluice: the answer is stored, but the engine (pid " << *engine
              << ") could not be woken; it finds the answer within seconds\n";
  }
  return 0;
}

int RunCallbackList(const std::string& state_dir, const std::string& execution_id) {
  const std::filesystem::path state = ResolveStateDir(state_dir);
  auto store = OpenExistingStore(state);
  if (!store) return 1;
  auto pending = store->ListCallbacks(execution_id, true);
  if (!pending) {
    std::cerr << "sluice: " << pending.error().ToString() << "\n";
    return 1;
  }
  size_t shown = 0;
  for (const CallbackRecord& callback : *pending) {
    auto execution = store->FindExecution(callback.execution_id);
    if (!execution || !*execution || IsTerminal((*execution)->status)) continue;
    auto runs = store->ListStepRuns(callback.execution_id);
    if (!runs) {
      std::cerr << "sluice: " << runs.error().ToString() << "\n";
      return 1;
    }
    std::cout << callback.token << "  execution " << callback.execution_id << "  step "
              << callback.step_name << "  queue " << callback.queue_name << "\n  "
              << MessageOf(callback, *runs, **execution) << "\n";
    ++shown;
  }
  if (shown == 0) {
    std::cout << "no callback is waiting"
              << (execution_id.empty() ? "" : " in execution " + execution_id) << "\n";
  }
  return 0;
}

}  // namespace sluice

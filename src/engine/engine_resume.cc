// Continuing a stored execution: RetryPipelineExecution (re-run failed and stopped steps, keep
// what succeeded) and recovery after the engine that ran it ended without finishing it.
#include "artifacts/artifact_store.h"
#include "base/text.h"
#include "definition/json.h"
#include "engine/engine.h"
#include "engine/execution.h"
#include "engine/retry.h"
#include "graph/compiled_pipeline.h"
#include "model/transition.h"
#include "steps/container_contract.h"

#include <algorithm>
#include <map>
#include <vector>

namespace sluice {
namespace {

// The token of an attempt that was parked on a callback when its engine ended, else "".
std::string ParkedTokenOf(const StepRun& run) {
  if (run.step_type != "Callback" || run.handler_state_json.empty()) return "";
  auto state = ParseJson(run.handler_state_json);
  return state ? StringAt(*state, {"CallbackToken"}) : "";
}

}  // namespace

Result<std::string, Errors> Engine::Resume(ResumeRequest request) {
  ExecutionRecord record = std::move(request.record);
  const std::string where = "execution " + Quote(record.id);
  if (Find(record.id) != nullptr) return Errors{InvalidArgument(where, "is already running here")};
  const PipelineDefinition& definition = request.pipeline->definition;

  // The last attempt of each step, and when its first attempt started.
  std::map<std::string, const StepRun*, std::less<>> last_run;
  std::map<std::string, TimePoint, std::less<>> first_started;
  for (const StepRun& run : request.runs) {
    const StepRun*& last = last_run[run.step_name];
    if (last == nullptr || run.attempt > last->attempt) last = &run;
    auto [found, is_new] = first_started.try_emplace(run.step_name, run.started);
    if (!is_new && run.started < found->second) found->second = run.started;
  }

  if (request.mode == ResumeMode::kRetry) {
    if (record.status != ExecutionStatus::kFailed && record.status != ExecutionStatus::kStopped) {
      return Errors{MakeError(ErrorCode::kConflict, where,
                              "is " + std::string(ExecutionStatusName(record.status)) +
                                  "; only a Failed or Stopped execution can be retried")};
    }
    for (const auto& [name, run] : last_run) {
      if (run->status == StepStatus::kFailed && run->step_type == "Fail") {
        return Errors{InvalidArgument(
            where, "ended in the Fail step " + Quote(name) + ", so it cannot be retried")};
      }
    }
  }

  auto parameters = ParseJson(record.parameters_json);
  if (!parameters) return Errors{parameters.error()};
  auto values = ParametersFromValue(*parameters);
  if (!values) return Errors{values.error()};
  const TimePoint now = clock_.Now();
  record.status = ExecutionStatus::kExecuting;
  record.failure_reason.clear();
  record.last_modified = now;
  if (request.max_parallel_steps > 0) record.max_parallel_steps = request.max_parallel_steps;
  auto made = MakeExecution(std::move(record), request.pipeline,
                            std::make_shared<const ParameterValues>(std::move(*values)));
  if (!made) return made.error();
  std::unique_ptr<Execution> execution = std::move(*made);

  Transition transition;
  std::vector<size_t> in_flight;
  for (size_t step = 0; step < definition.steps.size(); ++step) {
    auto found = last_run.find(definition.steps[step].name);
    if (found == last_run.end()) continue;
    const StepRun& run = *found->second;
    StepState& state = execution->steps[step];
    if (run.status == StepStatus::kSucceeded) {
      LoadSucceededStep(*execution, step, run);
      continue;
    }
    // Attempts continue from the stored ones: the next attempt gets a new number and job name.
    state.attempt = run.attempt;
    state.first_started = first_started[run.step_name];
    state.run = std::make_unique<StepRun>(run);
    if (request.mode == ResumeMode::kRetry) continue;
    if (!IsTerminal(run.status)) {
      in_flight.push_back(step);
      continue;
    }
    // A failed attempt whose retry was still to come is retried now; one without is final.
    const bool is_retried = run.status == StepStatus::kFailed &&
                            NextRetry(definition.steps[step].rare().retry_policies,
                                      run.failure_class, run.attempt - 1, state.first_started, now)
                                .has_value();
    if (!is_retried) {
      state.status = run.status;
      execution->scheduler->MarkFailed(step);
    }
  }
  transition.execution = execution->record;
  transition.events.push_back(
      MakeEvent(*execution, "", "Executing",
                request.mode == ResumeMode::kRetry ? "retried" : "continued after a restart"));
  // The engine ended while these attempts ran. After every succeeded step is loaded, since a
  // job's completion sees the properties of the steps upstream of it.
  bool is_any_parked = false;
  for (size_t step : in_flight) {
    StepState& state = execution->steps[step];
    if (std::string token = ParkedTokenOf(*state.run); !token.empty()) {
      // A parked Callback keeps its token, and its message is not sent again: whoever received
      // it may answer it at any time.
      state.callback_token = std::move(token);
      state.status = state.run->status;
      execution->scheduler->MarkRunning(step);
      is_any_parked = true;
      continue;
    }
    if (state.run->job_process_id == 0) {
      // No job was recorded as launched: the attempt runs again under its own number. Should a
      // launch have happened after all, it is found in the attempt's run directory, which
      // derives from that number, rather than repeated.
      state.attempt = state.run->attempt - 1;
      continue;
    }
    // The job outlives its engine: it is taken over, running or ended, and completes as usual.
    Result<JobId> adopted = AdoptJob(*execution, step);
    if (adopted) {
      state.job = *adopted;
      state.status = state.run->status;
      execution->scheduler->MarkRunning(step);
      continue;
    }
    // Nothing runs the job any more and nothing says how it ended, so the step runs again.
    state.run->status = StepStatus::kFailed;
    state.run->failure_class = FailureClass::kServiceFault;
    state.run->failure_reason =
        "the engine ended while this attempt ran, and its job cannot be taken over: " +
        adopted.error().ToString();
    state.run->ended = now;
    transition.step_runs.push_back(*state.run);
    transition.events.push_back(
        MakeEvent(*execution, state.run->step_name, "Failed", state.run->failure_reason));
  }

  auto begun = Begin(std::move(execution), std::move(transition));
  // An answer that came while no engine ran.
  if (begun && is_any_parked) CheckCallbacks();
  return begun;
}

}  // namespace sluice

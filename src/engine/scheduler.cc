#include "engine/scheduler.h"

#include "engine/retry.h"
#include "graph/compiled_pipeline.h"

namespace sluice {

Scheduler::Scheduler(const CompiledPipeline& pipeline, int64_t max_parallel_steps)
    : pipeline_(pipeline),
      max_parallel_steps_(max_parallel_steps),
      ready_set_(pipeline.dag),
      states_(pipeline.dag.size(), State::kWaiting),
      is_marked_succeeded_(pipeline.dag.size(), false),
      marked_outcome_(pipeline.dag.size(), true),
      is_excluded_(pipeline.dag.size(), false),
      is_marked_running_(pipeline.dag.size(), false) {}

void Scheduler::MarkSucceeded(size_t step, bool condition_outcome) {
  is_marked_succeeded_[step] = true;
  marked_outcome_[step] = condition_outcome;
}

void Scheduler::MarkExcluded(size_t step) { is_excluded_[step] = true; }

void Scheduler::MarkFailed(size_t step) {
  states_[step] = State::kFailed;
  has_failed_ = true;
}

void Scheduler::MarkRunning(size_t step) { is_marked_running_[step] = true; }

std::vector<Action> Scheduler::Start() {
  std::vector<Action> actions;
  Absorb(ready_set_.Start(), actions);
  Fill(actions);
  FinishIfDone(actions);
  return actions;
}

void Scheduler::Absorb(ReadySet::Progress progress, std::vector<Action>& actions) {
  // Reused steps finish the moment they become ready, which may release more steps; a worklist
  // keeps this iterative for long chains of reused steps.
  std::vector<ReadySet::Progress> pending;
  pending.push_back(std::move(progress));
  while (!pending.empty()) {
    ReadySet::Progress next = std::move(pending.back());
    pending.pop_back();
    for (size_t step : next.skipped) {
      states_[step] = State::kSkipped;
      actions.push_back(SkipStep{step});
    }
    for (size_t step : next.ready) {
      if (is_marked_succeeded_[step]) {
        states_[step] = State::kSucceeded;
        pending.push_back(ready_set_.Finish(step, marked_outcome_[step]));
      } else if (is_marked_running_[step]) {
        // Its upstream steps are done, as they were when it was launched: it simply goes on.
        states_[step] = State::kRunning;
        ++running_;
      } else if (!is_excluded_[step]) {
        states_[step] = State::kQueued;
        queue_.push_back(step);
      }
    }
  }
}

void Scheduler::Fill(std::vector<Action>& actions) {
  if (has_failed_ || is_stopping_) return;
  while (!queue_.empty() &&
         (max_parallel_steps_ <= 0 || running_ < static_cast<size_t>(max_parallel_steps_))) {
    const size_t step = queue_.front();
    queue_.pop_front();
    states_[step] = State::kRunning;
    ++running_;
    actions.push_back(LaunchStep{step});
  }
}

void Scheduler::FinishIfDone(std::vector<Action>& actions) {
  if (is_finished_ || running_ > 0) return;
  if (is_stopping_) {
    is_finished_ = true;
    actions.push_back(FinishExecution{ExecutionStatus::kStopped});
    return;
  }
  if (waiting_for_retry_ > 0) return;
  if (has_failed_) {
    is_finished_ = true;
    actions.push_back(FinishExecution{ExecutionStatus::kFailed});
    return;
  }
  if (!queue_.empty()) return;
  // Nothing runs, nothing is queued: every step that could run has run (steps left waiting are
  // excluded from a selective execution, or downstream of excluded ones).
  is_finished_ = true;
  actions.push_back(FinishExecution{ExecutionStatus::kSucceeded});
}

std::vector<Action> Scheduler::OnStepFinished(size_t step, const StepOutcome& outcome,
                                              int64_t retries_made, TimePoint first_started,
                                              TimePoint now) {
  std::vector<Action> actions;
  if (states_[step] != State::kRunning) return actions;
  --running_;
  switch (outcome.kind) {
    case StepOutcome::Kind::kSucceeded:
      states_[step] = State::kSucceeded;
      Absorb(ready_set_.Finish(step, outcome.condition_outcome), actions);
      break;
    case StepOutcome::Kind::kFailed: {
      const auto& policies = pipeline_.definition.steps[step].rare().retry_policies;
      const std::optional<TimePoint> retry_at =
          is_stopping_
              ? std::nullopt
              : NextRetry(policies, outcome.failure_class, retries_made, first_started, now);
      if (retry_at) {
        states_[step] = State::kRetryWait;
        ++waiting_for_retry_;
        actions.push_back(ScheduleRetry{step, *retry_at});
      } else {
        states_[step] = State::kFailed;
        has_failed_ = true;
      }
      break;
    }
    case StepOutcome::Kind::kStopped:
      states_[step] = State::kFailed;
      if (!is_stopping_) has_failed_ = true;
      break;
  }
  Fill(actions);
  FinishIfDone(actions);
  return actions;
}

std::vector<Action> Scheduler::OnRetryDue(size_t step) {
  std::vector<Action> actions;
  if (states_[step] != State::kRetryWait) return actions;
  --waiting_for_retry_;
  if (is_stopping_) {
    states_[step] = State::kFailed;
  } else {
    // A retry goes first: it was admitted before anything queued since.
    states_[step] = State::kQueued;
    queue_.push_front(step);
    Fill(actions);
  }
  FinishIfDone(actions);
  return actions;
}

std::vector<Action> Scheduler::OnStopRequested() {
  std::vector<Action> actions;
  if (is_finished_ || is_stopping_) return actions;
  is_stopping_ = true;
  for (size_t step = 0; step < states_.size(); ++step) {
    if (states_[step] == State::kRunning) actions.push_back(StopStep{step});
    if (states_[step] == State::kRetryWait) {
      states_[step] = State::kFailed;
      --waiting_for_retry_;
    }
  }
  queue_.clear();
  FinishIfDone(actions);
  return actions;
}

}  // namespace sluice

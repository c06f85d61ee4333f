// Decides what happens next in one execution: which steps start, which are skipped, when a
// failed step is retried, and when the execution ends. Pure (ninja's Plan): it holds only
// derived bookkeeping over the shared DAG, never does I/O, never reads a clock (time is passed
// in) and never starts a thread; the engine performs the actions it returns. One per execution,
// used from the engine thread only.
#pragma once

#include "graph/dag.h"
#include "model/records.h"

#include <cstdint>
#include <deque>
#include <string>
#include <variant>
#include <vector>

namespace sluice {

struct CompiledPipeline;

struct LaunchStep {
  size_t step;
  bool operator==(const LaunchStep&) const = default;
};
// Cut off by an untaken Condition branch: it will never run.
struct SkipStep {
  size_t step;
  bool operator==(const SkipStep&) const = default;
};
struct ScheduleRetry {
  size_t step;
  TimePoint at;
  bool operator==(const ScheduleRetry&) const = default;
};
struct StopStep {
  size_t step;
  bool operator==(const StopStep&) const = default;
};
struct FinishExecution {
  ExecutionStatus status;
  bool operator==(const FinishExecution&) const = default;
};
using Action = std::variant<LaunchStep, SkipStep, ScheduleRetry, StopStep, FinishExecution>;

struct StepOutcome {
  enum class Kind { kSucceeded, kFailed, kStopped };
  Kind kind = Kind::kSucceeded;
  bool condition_outcome = true;  // Condition steps: which branch was taken
  FailureClass failure_class = FailureClass::kNone;
};

class Scheduler {
 public:
  // `max_parallel_steps` limits the steps of this execution running at once; 0 means no limit.
  Scheduler(const CompiledPipeline& pipeline, int64_t max_parallel_steps);

  // Before Start(): the step already succeeded (a retried execution, a recovered one, or a step
  // taken from the source of a selective execution); it is not launched again.
  void MarkSucceeded(size_t step, bool condition_outcome = true);
  // Before Start(): the step must not run (outside a selective execution's selection). Steps
  // downstream of it wait for it forever, so a selection must include them or mark them too.
  void MarkExcluded(size_t step);
  // Before Start(): the step failed for good (a recovered execution); nothing new starts and the
  // execution ends Failed.
  void MarkFailed(size_t step);
  // Before Start(): the step is running already (a recovered execution took over its job), so
  // it is not launched; it counts against the parallelism limit until OnStepFinished().
  void MarkRunning(size_t step);

  std::vector<Action> Start();
  // `retries_made` counts the retries before this attempt; `first_started` is when the step's
  // first attempt started; both feed the step's RetryPolicies.
  std::vector<Action> OnStepFinished(size_t step, const StepOutcome& outcome, int64_t retries_made,
                                     TimePoint first_started, TimePoint now);
  std::vector<Action> OnRetryDue(size_t step);
  std::vector<Action> OnStopRequested();

  size_t running_steps() const { return running_; }
  bool is_finished() const { return is_finished_; }

 private:
  enum class State { kWaiting, kQueued, kRunning, kRetryWait, kSucceeded, kFailed, kSkipped };
  void Absorb(ReadySet::Progress progress, std::vector<Action>& actions);
  void Fill(std::vector<Action>& actions);
  void FinishIfDone(std::vector<Action>& actions);

  const CompiledPipeline& pipeline_;
  int64_t max_parallel_steps_;
  ReadySet ready_set_;
  std::vector<State> states_;
  std::vector<bool> is_marked_succeeded_;
  std::vector<bool> marked_outcome_;
  std::vector<bool> is_excluded_;
  std::vector<bool> is_marked_running_;
  std::deque<size_t> queue_;
  size_t running_ = 0;
  size_t waiting_for_retry_ = 0;
  bool has_failed_ = false;
  bool is_stopping_ = false;
  bool is_finished_ = false;
};

}  // namespace sluice

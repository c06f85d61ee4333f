// The engine: runs executions. One thread (the EventLoop's) owns every running execution and
// performs what each execution's Scheduler decides: it prepares steps through their handlers on
// the worker pool, launches jobs on the executor, and records every state change in the
// metadata store before anything else sees it (events, listeners, the caller). Changes made in
// one turn of the loop are committed together, so a burst of step completions costs one fsync.
//
// Every public method is loop-thread only.
#pragma once

#include "base/clock.h"
#include "base/result.h"
#include "engine/parameters.h"
#include "engine/scheduler.h"
#include "executors/executor.h"
#include "model/records.h"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

class ArtifactStore;
class EventLoop;
class MetadataStore;
class RuntimeMap;
class StepHandler;
class WorkerPool;
struct CacheLookup;
struct CallbackRequest;
struct CompiledPipeline;
struct Execution;
struct PrepareOutcome;
struct StepResult;
struct StepTask;
struct Transition;

struct EngineOptions {
  std::filesystem::path state_dir;
  Isolation isolation = Isolation::kNone;
  std::filesystem::path transform_driver;
  // The environment every job starts from (PATH and the like); steps add their own on top.
  std::vector<std::pair<std::string, std::string>> base_environment;
  std::string region = "us-east-1";
  std::string account = "000000000000";
  size_t worker_threads = 2;
  // `--no-cache`: no earlier run stands in for a step; runs still record their cache keys, so
  // later runs can reuse them.
  bool is_cache_disabled = false;
};

struct StartRequest {
  std::string pipeline_name;
  std::string definition;  // the text the execution runs, kept as its snapshot
  std::shared_ptr<const CompiledPipeline> pipeline;
  std::vector<std::pair<std::string, std::string>> parameters;  // as given, strings
  int64_t max_parallel_steps = 0;                               // 0: no limit
  std::string display_name;
  // Selective execution: steps that do not run, either reused from the source execution
  // (succeeded runs whose properties later steps see) or left out altogether.
  std::vector<StepRun> reused_steps;
  std::vector<std::string> excluded_steps;
};

// How a stored execution continues: after the engine that ran it ended without finishing it
// (kRecover: succeeded steps are kept, in-flight steps' jobs are taken over, and a step whose job
// is gone runs again), or re-run from its failed and stopped steps (kRetry:
// RetryPipelineExecution).
enum class ResumeMode { kRecover, kRetry };

struct ResumeRequest {
  ExecutionRecord record;
  std::vector<StepRun> runs;  // every stored attempt of every step
  std::shared_ptr<const CompiledPipeline> pipeline;
  ResumeMode mode = ResumeMode::kRecover;
  int64_t max_parallel_steps = 0;  // 0: keep the execution's
};

class Engine {
 public:
  Engine(EventLoop& loop, MetadataStore& store, ArtifactStore& artifacts, Executor& executor,
         const RuntimeMap& runtimes, const Clock& clock, EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Creates the execution and starts its first steps. The execution record is durable when
  // this returns its id. Errors: the parameters (each names its parameter), or the store.
  Result<std::string, Errors> Start(StartRequest request);
  // Continues a stored execution (engine/engine_resume.cc). Durable when it returns.
  Result<std::string, Errors> Resume(ResumeRequest request);
  // Stops a running execution: no new steps start, running jobs are stopped, and the execution
  // ends Stopped once nothing runs. kNotFound for an unknown or finished execution.
  Result<void> Stop(std::string_view execution_id);

  // Ends every parked Callback step whose token has been answered in the store (by the API,
  // `sluice callback` from another process, or while no engine ran). Called on every wake-up
  // that may bring an answer; the engine also looks every few seconds while a step is parked.
  void CheckCallbacks();

  // Called after each committed event, in commit order.
  void AddEventListener(std::function<void(const Event&)> listener);
  // Called once an execution reached a terminal status (committed).
  void AddFinishListener(std::function<void(const ExecutionRecord&)> listener);

  size_t active_executions() const { return executions_.size(); }

 private:
  Result<std::unique_ptr<Execution>, Errors> MakeExecution(
      ExecutionRecord record, std::shared_ptr<const CompiledPipeline> pipeline,
      std::shared_ptr<const ParameterValues> parameters);
  void LoadSucceededStep(Execution& execution, size_t step, const StepRun& run);
  Result<std::string, Errors> Begin(std::unique_ptr<Execution> execution, Transition transition);
  void Commit(Transition transition, std::function<void()> after = {});
  // Commits `transition` with whatever is committed next, or after kLateCommitDelay if nothing
  // is. For a record whose loss in a crash is already recovered from (see OnPrepared).
  void CommitSoon(Transition transition);
  void Flush();
  void PerformActions(Execution& execution, const std::vector<Action>& actions);
  void StartAttempt(Execution& execution, size_t step);
  std::shared_ptr<StepTask> MakeStepTask(Execution& execution, size_t step,
                                         const StepHandler& handler);
  void BeginPrepare(Execution& execution, size_t step);
  // Runs a step's Prepare or Complete `work` on this thread when its handler finds the step
  // quick (StepHandler::IsQuick), on a worker otherwise.
  void RunStepWork(Execution& execution, size_t step, const StepHandler& handler,
                   std::function<void()> work);
  void OnPrepared(std::shared_ptr<StepTask> task, PrepareOutcome outcome);
  // Callback steps (engine_callbacks.cc): parks the attempt under a new token, committing the
  // token and the queue's message with its Executing record.
  void Park(Execution& execution, size_t step, CallbackRequest request);
  // The "Stopping" message to a parked step's queue; the step keeps waiting for its answer.
  void StopParked(Execution& execution, size_t step);
  void ScheduleCallbackPoll();
  // The step cache (engine_cache.cc). Reads the entries the execution's steps may reuse.
  void LoadCacheIndex(Execution& execution);
  // Starts the lookup of a keyed step's attempt on a worker; false for other steps.
  bool BeginCacheLookup(Execution& execution, size_t step);
  void OnLookedUp(std::shared_ptr<StepTask> task, CacheLookup lookup);
  // A hit: the step ends Succeeded with the earlier run's results.
  void FinishFromCache(Execution& execution, size_t step, CacheLookup lookup);
  // True when the commit waits for lookups in flight, which may add hits to the same batch.
  bool IsFlushDeferred();
  // Takes over the job of the step's current attempt, launched by an earlier engine; its end
  // is completed as any job's. kNotFound when the job is gone without a record of its end.
  Result<JobId> AdoptJob(Execution& execution, size_t step);
  void OnJobDone(std::shared_ptr<StepTask> task, JobResult job);
  void OnCompleted(std::shared_ptr<StepTask> task, StepResult result, bool is_stopped);
  void FinishStep(Execution& execution, size_t step, StepResult result, bool is_stopped);
  void EndExecution(Execution& execution, ExecutionStatus status);
  Execution* Find(std::string_view execution_id);
  Event MakeEvent(const Execution& execution, std::string step, std::string status,
                  std::string detail) const;

  EventLoop& loop_;
  MetadataStore& store_;
  ArtifactStore& artifacts_;
  Executor& executor_;
  const RuntimeMap& runtimes_;
  const Clock& clock_;
  EngineOptions options_;
  std::unique_ptr<WorkerPool> workers_;
  std::map<std::string, std::unique_ptr<Execution>, std::less<>> executions_;
  std::vector<std::function<void(const Event&)>> event_listeners_;
  std::vector<std::function<void(const ExecutionRecord&)>> finish_listeners_;
  std::vector<Transition> pending_;
  std::vector<std::function<void()>> pending_after_;
  bool is_flush_scheduled_ = false;
  bool is_late_flush_armed_ = false;
  size_t cache_lookups_in_flight_ = 0;
  bool is_flush_deferred_ = false;
  bool is_commit_window_over_ = false;
  bool is_callback_poll_scheduled_ = false;
};

}  // namespace sluice

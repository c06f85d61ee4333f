#include "engine/engine.h"

#include "artifacts/artifact_store.h"
#include "base/event_loop.h"
#include "base/text.h"
#include "base/time_format.h"
#include "definition/json.h"
#include "engine/cache_lookup.h"
#include "engine/execution.h"
#include "engine/identifiers.h"
#include "engine/step_task.h"
#include "engine/worker_pool.h"
#include "graph/compiled_pipeline.h"
#include "model/transition.h"
#include "steps/container_contract.h"
#include "steps/host_files.h"
#include "store/metadata_store.h"

#include <cstdio>
#include <exception>

namespace sluice {

struct PrepareOutcome {
  Result<Preparation> preparation;
};

namespace {

constexpr size_t kMaxExecutionFailureReason = 1300;
constexpr size_t kMaxStepFailureReason = 1024;
// How long a step's Executing record may wait for the next commit to share. A job that ends
// sooner has it committed with its end: one commit fewer per step, where a step that does
// little costs a few.
constexpr std::chrono::milliseconds kLateCommitDelay(5);

// Everything of one attempt lives in one directory: the handler's work (the `ml/` tree), the
// log, and the launcher's records. Each directory and file a step creates is an inode to
// allocate, which is a large part of what a short step costs.
std::filesystem::path AttemptDirectoryOf(const Execution& execution, std::string_view step_name,
                                         int64_t attempt) {
  return execution.directory / "steps" / step_name / ("attempt-" + std::to_string(attempt));
}

// Whether a later step's expressions may read this step's properties. Only those steps keep
// their property documents in memory: the store has every step's, and on a large pipeline
// ordered by DependsOn alone the documents would be most of what an execution holds.
bool HasPropertyReaders(const CompiledPipeline& pipeline, size_t step) {
  for (const Edge& edge : pipeline.dag.Downstream(step)) {
    if (edge.kind != EdgeKind::kOrder) return true;
  }
  return false;
}

// What a finished attempt's record keeps in memory once it is committed: its identity, status
// and failure reason. The documents, the handler's state and the job's name and paths are in
// the store, and a next attempt starts a record of its own.
void ReleaseCommittedDocuments(StepRun& run) {
  for (std::string* text : {&run.properties_json, &run.metadata_json, &run.handler_state_json,
                            &run.job_name, &run.log_file, &run.run_directory}) {
    std::string().swap(*text);
  }
}

std::string Truncate(std::string text, size_t limit) {
  if (text.size() > limit) text.resize(limit);
  return text;
}

// A handler that throws (a library's exception on a race nobody expected) fails its step, not
// the engine: an exception leaving a worker thread would end the whole process, every execution
// with it.
Result<Preparation> PrepareGuarded(const StepHandler& handler, const StepContext& context) {
  try {
    return handler.Prepare(context);
  } catch (const std::exception& exception) {
    return MakeError(ErrorCode::kUnavailable, "step " + Quote(context.spec.name),
                     std::string("unexpected error while preparing: ") + exception.what());
  }
}

StepResult CompleteGuarded(const StepHandler& handler, const StepContext& context,
                           const Value& state, const JobResult& job) {
  try {
    return handler.Complete(context, state, job);
  } catch (const std::exception& exception) {
    return StepResult::Failure(
        FailureClass::kJobInternalError,
        std::string("unexpected error while completing the step: ") + exception.what());
  }
}

FailureClass ClassOfPrepareError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kIo:
      return FailureClass::kServiceFault;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
    case ErrorCode::kInternal:
      return FailureClass::kClientError;
  }
  return FailureClass::kClientError;
}

}  // namespace

Engine::Engine(EventLoop& loop, MetadataStore& store, ArtifactStore& artifacts, Executor& executor,
               const RuntimeMap& runtimes, const Clock& clock, EngineOptions options)
    : loop_(loop),
      store_(store),
      artifacts_(artifacts),
      executor_(executor),
      runtimes_(runtimes),
      clock_(clock),
      options_(std::move(options)),
      workers_(std::make_unique<WorkerPool>(options_.worker_threads)) {}

Engine::~Engine() = default;

void Engine::AddEventListener(std::function<void(const Event&)> listener) {
  event_listeners_.push_back(std::move(listener));
}

void Engine::AddFinishListener(std::function<void(const ExecutionRecord&)> listener) {
  finish_listeners_.push_back(std::move(listener));
}

Execution* Engine::Find(std::string_view execution_id) {
  auto found = executions_.find(execution_id);
  return found == executions_.end() ? nullptr : found->second.get();
}

Event Engine::MakeEvent(const Execution& execution, std::string step, std::string status,
                        std::string detail) const {
  Event event;
  event.time = clock_.Now();
  event.execution_id = execution.record.id;
  event.step_name = std::move(step);
  event.status = std::move(status);
  event.detail = std::move(detail);
  return event;
}

Result<std::string, Errors> Engine::Start(StartRequest request) {
  const PipelineDefinition& definition = request.pipeline->definition;
  auto parameters = ResolveParameters(definition, request.parameters);
  if (!parameters) return parameters.error();

  const TimePoint now = clock_.Now();
  ExecutionRecord record;
  record.id = NewExecutionId();
  record.pipeline_name = request.pipeline_name;
  record.display_name =
      request.display_name.empty() ? "execution-" + record.id : request.display_name;
  record.status = ExecutionStatus::kExecuting;
  record.parameters_json = WriteJson(ParametersToValue(definition, *parameters));
  record.max_parallel_steps = request.max_parallel_steps;
  record.created = now;
  record.last_modified = now;
  auto made = MakeExecution(std::move(record), request.pipeline,
                            std::make_shared<const ParameterValues>(std::move(*parameters)));
  if (!made) return made.error();
  std::unique_ptr<Execution> execution = std::move(*made);
  for (const std::string& name : request.excluded_steps) {
    if (auto step = definition.FindStep(name)) execution->scheduler->MarkExcluded(*step);
  }
  for (const StepRun& reused : request.reused_steps) {
    auto step = definition.FindStep(reused.step_name);
    if (!step) continue;
    LoadSucceededStep(*execution, *step, reused);
  }
  Transition transition;
  transition.execution = execution->record;
  transition.execution->definition = std::move(request.definition);
  transition.step_runs = request.reused_steps;
  for (StepRun& reused : transition.step_runs) {
    // Reused from the source execution: recorded in this one as its own succeeded step.
    reused.execution_id = execution->record.id;
  }
  transition.events.push_back(MakeEvent(*execution, "", "Executing", ""));
  return Begin(std::move(execution), std::move(transition));
}

Result<std::string, Errors> Engine::Begin(std::unique_ptr<Execution> execution,
                                          Transition transition) {
  // Synchronous: the caller is told the id only once the execution is on disk.
  if (auto stored = store_.Apply(transition); !stored) return Errors{stored.error()};
  for (const Event& event : transition.events) {
    for (const auto& listener : event_listeners_) listener(event);
  }
  const std::string id = execution->record.id;
  Execution& running = *execution;
  executions_.emplace(id, std::move(execution));
  LoadCacheIndex(running);
  PerformActions(running, running.scheduler->Start());
  return id;
}

Result<std::unique_ptr<Execution>, Errors> Engine::MakeExecution(
    ExecutionRecord record, std::shared_ptr<const CompiledPipeline> pipeline,
    std::shared_ptr<const ParameterValues> parameters) {
  const PipelineDefinition& definition = pipeline->definition;
  auto execution = std::make_unique<Execution>();
  execution->pipeline = pipeline;
  execution->parameters = std::move(parameters);
  execution->record = std::move(record);
  // The store has the definition's text, and the compiled pipeline is what runs.
  std::string().swap(execution->record.definition);
  const ExecutionRecord& stored = execution->record;

  ExecutionIdentity& identity = execution->identity;
  identity.execution_id = stored.id;
  identity.pipeline_name = stored.pipeline_name;
  identity.region = options_.region;
  identity.account = options_.account;
  identity.pipeline_arn = PipelineArn(options_.region, options_.account, stored.pipeline_name);
  identity.execution_arn = ExecutionArn(identity.pipeline_arn, stored.id);

  auto variables = std::make_shared<ExecutionVariables>();
  variables->pipeline_name = stored.pipeline_name;
  variables->pipeline_arn = identity.pipeline_arn;
  variables->execution_id = stored.id;
  variables->execution_arn = identity.execution_arn;
  variables->start_time = stored.created;
  variables->experiment_name = stored.pipeline_name;
  variables->trial_name = stored.id;
  if (definition.experiment_config && definition.experiment_config->is_map()) {
    StepScope scope(pipeline, execution->parameters, variables, &artifacts_);
    for (const char* field : {"ExperimentName", "TrialName"}) {
      const Value* written = definition.experiment_config->Find(field);
      if (written == nullptr) continue;
      auto resolved = Resolve(*written, scope);
      if (!resolved) return Errors{resolved.error()};
      const std::string text =
          resolved->is_string() ? resolved->as_string() : RenderForJoin(*resolved);
      (std::string_view(field) == "ExperimentName" ? variables->experiment_name
                                                   : variables->trial_name) = text;
    }
  }
  execution->variables = std::move(variables);
  execution->directory = options_.state_dir / "executions" / stored.id;
  execution->steps.resize(definition.steps.size());
  execution->scheduler = std::make_unique<Scheduler>(*pipeline, stored.max_parallel_steps);
  return execution;
}

void Engine::LoadSucceededStep(Execution& execution, size_t step, const StepRun& run) {
  StepState& state = execution.steps[step];
  auto properties = ParseJson(run.properties_json);
  state.status = StepStatus::kSucceeded;
  state.attempt = std::max(state.attempt, run.attempt);
  state.properties = std::make_shared<const Value>(properties ? *properties : Value::EmptyMap());
  const Value* outcome = state.properties->Find("Outcome");
  state.condition_outcome = outcome == nullptr || !outcome->is_boolean() || outcome->as_boolean();
  if (!HasPropertyReaders(*execution.pipeline, step)) state.properties.reset();
  execution.scheduler->MarkSucceeded(step, state.condition_outcome);
}

Result<void> Engine::Stop(std::string_view execution_id) {
  Execution* execution = Find(execution_id);
  if (execution == nullptr) {
    return NotFound("execution " + Quote(execution_id), "is not running here");
  }
  if (execution->record.status != ExecutionStatus::kExecuting) return {};
  execution->record.status = ExecutionStatus::kStopping;
  execution->record.last_modified = clock_.Now();
  Transition transition;
  transition.execution = execution->record;
  transition.events.push_back(MakeEvent(*execution, "", "Stopping", ""));
  Commit(std::move(transition));
  PerformActions(*execution, execution->scheduler->OnStopRequested());
  return {};
}

void Engine::Commit(Transition transition, std::function<void()> after) {
  pending_.push_back(std::move(transition));
  pending_after_.push_back(std::move(after));
  if (is_flush_scheduled_) return;
  is_flush_scheduled_ = true;
  loop_.Post([this] { Flush(); });
}

void Engine::CommitSoon(Transition transition) {
  pending_.push_back(std::move(transition));
  pending_after_.emplace_back();
  if (is_flush_scheduled_ || is_late_flush_armed_) return;
  is_late_flush_armed_ = true;
  loop_.RunAfter(kLateCommitDelay, [this] {
    is_late_flush_armed_ = false;
    if (!pending_.empty() && !is_flush_scheduled_) Flush();
  });
}

void Engine::Flush() {
  is_flush_scheduled_ = false;
  if (IsFlushDeferred()) return;
  std::vector<Transition> transitions = std::move(pending_);
  std::vector<std::function<void()>> afters = std::move(pending_after_);
  pending_.clear();
  pending_after_.clear();
  if (transitions.empty()) return;
  if (auto stored = store_.ApplyAll(transitions); !stored) {
    // Nothing more can be recorded, so nothing more may happen: what is on disk stays the
    // truth, and a restart continues from it.
    std::fprintf(stderr, "sluice: cannot record state, stopping: %s\n",
                 stored.error().ToString().c_str());
    loop_.Stop();
    return;
  }
  for (const Transition& transition : transitions) {
    for (const Event& event : transition.events) {
      for (const auto& listener : event_listeners_) listener(event);
    }
  }
  for (auto& after : afters) {
    if (after) after();
  }
}

void Engine::PerformActions(Execution& execution, const std::vector<Action>& actions) {
  for (const Action& action : actions) {
    if (const auto* launch = std::get_if<LaunchStep>(&action)) {
      StartAttempt(execution, launch->step);
    } else if (const auto* skip = std::get_if<SkipStep>(&action)) {
      execution.steps[skip->step].status = StepStatus::kSkipped;
    } else if (const auto* retry = std::get_if<ScheduleRetry>(&action)) {
      const auto delay = std::max(TimePoint::duration::zero(), retry->at - clock_.Now());
      const std::string id = execution.record.id;
      const size_t step = retry->step;
      loop_.RunAfter(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay),
                     [this, id, step] {
                       if (Execution* found = Find(id)) {
                         PerformActions(*found, found->scheduler->OnRetryDue(step));
                       }
                     });
    } else if (const auto* stop = std::get_if<StopStep>(&action)) {
      StepState& state = execution.steps[stop->step];
      state.is_stop_requested = true;
      if (state.job) {
        state.run->status = StepStatus::kStopping;
        Transition transition;
        transition.step_runs.push_back(*state.run);
        transition.events.push_back(MakeEvent(execution, state.run->step_name, "Stopping", ""));
        const JobId job = *state.job;
        Commit(std::move(transition), [this, job] { executor_.Stop(job); });
      } else if (!state.callback_token.empty()) {
        StopParked(execution, stop->step);
      }
    } else if (const auto* finish = std::get_if<FinishExecution>(&action)) {
      EndExecution(execution, finish->status);
      return;  // the execution is gone
    }
  }
}

void Engine::StartAttempt(Execution& execution, size_t step) {
  const StepSpec& spec = execution.pipeline->definition.steps[step];
  StepState& state = execution.steps[step];
  const TimePoint now = clock_.Now();
  ++state.attempt;
  if (state.attempt == 1) state.first_started = now;
  state.status = StepStatus::kStarting;
  state.is_stop_requested = false;
  state.job.reset();
  state.callback_token.clear();
  state.run = std::make_unique<StepRun>();
  StepRun& run = *state.run;
  run.execution_id = execution.record.id;
  run.step_name = spec.name;
  run.attempt = state.attempt;
  run.step_type = std::string(InfoOf(spec.type).name);
  run.status = StepStatus::kStarting;
  run.job_name = JobNameFor(execution.record.id, spec.name, state.attempt);
  run.log_file = (AttemptDirectoryOf(execution, spec.name, state.attempt) / "output.log").string();
  run.started = now;
  Transition transition;
  transition.step_runs.push_back(run);
  transition.events.push_back(
      MakeEvent(execution, spec.name, "Starting", "attempt " + std::to_string(state.attempt)));
  // A cache lookup only reads, so it starts at once; a preparation waits for the attempt's
  // record, as it may lead to a launch.
  if (BeginCacheLookup(execution, step)) {
    Commit(std::move(transition));
    return;
  }
  const std::string id = execution.record.id;
  Commit(std::move(transition), [this, id, step] {
    if (Execution* found = Find(id)) BeginPrepare(*found, step);
  });
}

std::shared_ptr<StepTask> Engine::MakeStepTask(Execution& execution, size_t step,
                                               const StepHandler& handler) {
  const StepSpec& spec = execution.pipeline->definition.steps[step];
  const StepState& state = execution.steps[step];
  auto task = std::make_shared<StepTask>(StepTask{
      execution.record.id, step, state.attempt, execution.pipeline, execution.identity,
      StepScope(execution.pipeline, execution.parameters, execution.variables, &artifacts_),
      state.run->job_name, AttemptDirectoryOf(execution, spec.name, state.attempt),
      state.run->log_file, &handler, Value()});
  task->scope.SetJobName(state.run->job_name, spec.type == StepType::kTraining);
  for (const Edge& edge : execution.pipeline->dag.Upstream(step)) {
    const StepState& upstream = execution.steps[edge.from];
    if (upstream.properties) {
      task->scope.AddStep(execution.pipeline->definition.steps[edge.from].name,
                          upstream.properties);
    }
  }
  return task;
}

void Engine::BeginPrepare(Execution& execution, size_t step) {
  const StepSpec& spec = execution.pipeline->definition.steps[step];
  StepState& state = execution.steps[step];
  std::string why;
  const StepHandler* handler = HandlerFor(spec.type, &why);
  if (handler == nullptr) {
    FinishStep(execution, step,
               StepResult::Failure(FailureClass::kClientError, "not supported locally: " + why),
               false);
    return;
  }
  CachePlan cache_plan = PlanCache(spec, options_.is_cache_disabled);
  if (!cache_plan.is_keyed) {
    // A keyed step's decision and entry come from its lookup (BeginCacheLookup).
    state.cache_entry.reset();
    state.cache_decision.reset();
    if (!cache_plan.reason.empty()) {
      state.cache_decision = std::make_unique<CacheDecisionRecord>(
          DecisionRecordOf(NotCached(cache_plan.reason), execution.record.id, spec.name,
                           state.attempt, "", clock_.Now()));
    }
  }
  auto task = MakeStepTask(execution, step, *handler);
  task->cache_plan = std::move(cache_plan);
  RunStepWork(execution, step, *handler, [this, task] {
    // A new step's own directory is missing too: making it first spares the attempt's mkdir a
    // failed try. A failure is reported by the handler, whose first write into the tree fails.
    (void)MakeDirectories(task->work_dir.parent_path());
    (void)MakeDirectories(task->work_dir);
    const StepContext context = task->Context(options_, artifacts_, runtimes_);
    PrepareOutcome outcome{PrepareGuarded(*task->handler, context)};
    loop_.Post([this, task, outcome = std::move(outcome)]() mutable {
      OnPrepared(task, std::move(outcome));
    });
  });
}

void Engine::RunStepWork(Execution& execution, size_t step, const StepHandler& handler,
                         std::function<void()> work) {
  // Each hand-off to a worker and back wakes two threads, which on a step that does next to
  // nothing costs more than the step's own work. The result still comes back as a task of its
  // own on the loop, so the order of what happens next is the same either way.
  std::optional<bool>& is_quick = execution.steps[step].is_quick;
  if (!is_quick) is_quick = handler.IsQuick(execution.pipeline->definition.steps[step]);
  if (*is_quick) {
    work();
  } else {
    workers_->Submit(std::move(work));
  }
}

void Engine::OnPrepared(std::shared_ptr<StepTask> task, PrepareOutcome outcome) {
  Execution* execution = Find(task->execution_id);
  if (execution == nullptr) return;
  StepState& state = execution->steps[task->step];
  if (!outcome.preparation) {
    const Error& error = outcome.preparation.error();
    AppendToLog(task->log_file, error.ToString());
    FinishStep(*execution, task->step,
               StepResult::Failure(ClassOfPrepareError(error), error.ToString()), false);
    return;
  }
  Preparation& preparation = *outcome.preparation;
  if (preparation.result) {
    FinishStep(*execution, task->step, std::move(*preparation.result), false);
    return;
  }
  if (state.is_stop_requested || execution->record.status != ExecutionStatus::kExecuting) {
    FinishStep(*execution, task->step,
               StepResult::Failure(FailureClass::kNone, "Stopped before the job started"), true);
    return;
  }
  if (preparation.callback) {
    Park(*execution, task->step, std::move(*preparation.callback));
    return;
  }
  task->state = std::move(preparation.state);
  // Derived from the attempt's identity: launching the attempt again after a crash finds the
  // run this launch starts instead of starting a second one.
  preparation.job->run_directory = task->work_dir;
  auto launched = executor_.Launch(
      *preparation.job, [this, task](JobResult job) { OnJobDone(task, std::move(job)); });
  if (!launched) {
    FinishStep(*execution, task->step,
               StepResult::Failure(FailureClass::kServiceFault,
                                   "the job could not be started: " + launched.error().ToString()),
               false);
    return;
  }
  state.job = *launched;
  // With the Executing record, a restarted engine can take the job over (AdoptJob).
  const JobRecord record = executor_.RecordOf(*launched);
  state.run->run_directory = record.run_directory.string();
  state.run->job_process_id = record.process_id;
  state.run->job_process_start_time = record.process_start_time;
  state.run->handler_state_json = WriteJson(task->state);
  state.status = StepStatus::kExecuting;
  state.run->status = StepStatus::kExecuting;
  Transition transition;
  transition.step_runs.push_back(*state.run);
  // A miss is told as the job starts, so that a long job shows why it runs again.
  const bool is_missed =
      state.cache_decision && state.cache_decision->outcome == CacheOutcome::kMissed;
  transition.events.push_back(MakeEvent(*execution, state.run->step_name, "Executing",
                                        is_missed ? state.cache_decision->reason : ""));
  if (state.cache_decision) {
    transition.cache_decisions.push_back(std::move(*state.cache_decision));
    state.cache_decision.reset();
  }
  // Lost in a crash, the record leaves the attempt Starting, and a Starting attempt launched
  // again finds this launch in its run directory (Engine::Resume) instead of repeating it.
  CommitSoon(std::move(transition));
}

Result<JobId> Engine::AdoptJob(Execution& execution, size_t step) {
  const StepSpec& spec = execution.pipeline->definition.steps[step];
  const StepRun& run = *execution.steps[step].run;
  const std::string where = "step " + Quote(spec.name);
  const StepHandler* handler = HandlerFor(spec.type);
  if (handler == nullptr) return NotFound(where, "has no handler to complete its job");
  // Complete() gets what Prepare() handed it when the job was launched, as stored then.
  auto handler_state = ParseJson(run.handler_state_json, where);
  if (!handler_state) return handler_state.error();
  auto task = std::make_shared<StepTask>(StepTask{
      .execution_id = execution.record.id,
      .step = step,
      .attempt = run.attempt,
      .pipeline = execution.pipeline,
      .identity = execution.identity,
      .scope =
          StepScope(execution.pipeline, execution.parameters, execution.variables, &artifacts_),
      .job_name = run.job_name,
      .work_dir = AttemptDirectoryOf(execution, spec.name, run.attempt),
      .log_file = run.log_file,
      .handler = handler,
      .state = std::move(*handler_state)});
  task->scope.SetJobName(run.job_name, spec.type == StepType::kTraining);
  for (const Edge& edge : execution.pipeline->dag.Upstream(step)) {
    const StepState& upstream = execution.steps[edge.from];
    if (upstream.properties) {
      task->scope.AddStep(execution.pipeline->definition.steps[edge.from].name,
                          upstream.properties);
    }
  }
  const JobRecord record{.name = run.job_name,
                         .run_directory = run.run_directory,
                         .process_id = run.job_process_id,
                         .process_start_time = run.job_process_start_time};
  return executor_.Adopt(record, [this, task](JobResult job) { OnJobDone(task, std::move(job)); });
}

void Engine::OnJobDone(std::shared_ptr<StepTask> task, JobResult job) {
  Execution* execution = Find(task->execution_id);
  if (execution == nullptr) return;
  execution->steps[task->step].job.reset();
  const bool is_stopped = job.outcome == JobResult::Outcome::kStopped;
  RunStepWork(
      *execution, task->step, *task->handler, [this, task, job = std::move(job), is_stopped] {
        const StepContext context = task->Context(options_, artifacts_, runtimes_);
        StepResult result = CompleteGuarded(*task->handler, context, task->state, job);
        if (task->cache_plan.is_keyed && result.is_success && !is_stopped) {
          task->existing_outputs =
              ExistingOutputs(artifacts_, OutputUrisOf(context.spec.type, result.properties));
        }
        loop_.Post([this, task, result = std::move(result), is_stopped]() mutable {
          OnCompleted(task, std::move(result), is_stopped);
        });
      });
}

void Engine::OnCompleted(std::shared_ptr<StepTask> task, StepResult result, bool is_stopped) {
  Execution* execution = Find(task->execution_id);
  if (execution == nullptr) return;
  if (const std::unique_ptr<CacheEntry>& entry = execution->steps[task->step].cache_entry) {
    Value outputs = Value::EmptyList();
    for (const std::string& uri : task->existing_outputs) outputs.as_list().push_back(uri);
    entry->outputs_json = WriteJson(outputs);
  }
  FinishStep(*execution, task->step, std::move(result), is_stopped);
}

void Engine::FinishStep(Execution& execution, size_t step, StepResult result, bool is_stopped) {
  StepState& state = execution.steps[step];
  const TimePoint now = clock_.Now();
  const StepStatus status = is_stopped          ? StepStatus::kStopped
                            : result.is_success ? StepStatus::kSucceeded
                                                : StepStatus::kFailed;
  state.status = status;
  state.condition_outcome = result.condition_outcome;
  StepRun& run = *state.run;
  run.status = status;
  run.failure_class = result.failure_class;
  run.failure_reason = status == StepStatus::kSucceeded
                           ? ""
                           : Truncate(result.failure_reason, kMaxStepFailureReason);
  run.properties_json = WriteJson(result.properties);
  run.metadata_json = WriteJson(result.metadata);
  run.ended = now;
  if (status == StepStatus::kSucceeded && HasPropertyReaders(*execution.pipeline, step)) {
    state.properties = std::make_shared<const Value>(std::move(result.properties));
  }
  Transition transition;
  transition.step_runs.push_back(run);
  ReleaseCommittedDocuments(run);
  const bool is_hit = state.cache_decision && state.cache_decision->outcome == CacheOutcome::kHit;
  transition.events.push_back(MakeEvent(
      execution, run.step_name, std::string(StepStatusName(status)),
      is_hit && run.failure_reason.empty() ? state.cache_decision->reason : run.failure_reason));
  if (state.cache_decision) {
    transition.cache_decisions.push_back(std::move(*state.cache_decision));
    state.cache_decision.reset();
  }
  if (state.cache_entry && status == StepStatus::kSucceeded && !is_hit) {
    // ExpireAfter counts from when the work was done, so only a run that did it is an entry.
    state.cache_entry->execution_id = run.execution_id;
    state.cache_entry->attempt = run.attempt;
    state.cache_entry->created = run.started;
    transition.cache_entries.push_back(std::move(*state.cache_entry));
  }
  state.cache_entry.reset();
  // A succeeded attempt is read back from the store by whoever asks; memory keeps only a failed
  // or stopped one, whose reason the execution's own failure reason quotes.
  if (status == StepStatus::kSucceeded) state.run.reset();
  StepOutcome outcome;
  outcome.kind = is_stopped          ? StepOutcome::Kind::kStopped
                 : result.is_success ? StepOutcome::Kind::kSucceeded
                                     : StepOutcome::Kind::kFailed;
  outcome.condition_outcome = result.condition_outcome;
  outcome.failure_class = result.failure_class;
  // The decision is pure and made at once; what it leads to (launches, the execution's end) is
  // committed in the same batch as this step's end, and performed only after that commit.
  const std::vector<Action> actions = execution.scheduler->OnStepFinished(
      step, outcome, state.attempt - 1, state.first_started, now);
  for (const Action& action : actions) {
    if (const auto* retry = std::get_if<ScheduleRetry>(&action); retry && retry->step == step) {
      Event& event = transition.events.back();
      event.detail += (event.detail.empty() ? "" : "; ") + std::string("attempt ") +
                      std::to_string(state.attempt + 1) + " at " + FormatIsoTime(retry->at);
    }
  }
  Commit(std::move(transition));
  PerformActions(execution, actions);
}

void Engine::EndExecution(Execution& execution, ExecutionStatus status) {
  ExecutionRecord& record = execution.record;
  record.status = status;
  record.last_modified = clock_.Now();
  if (status == ExecutionStatus::kFailed) {
    std::string reason = "Step failure: One or multiple steps failed.";
    for (size_t step = 0; step < execution.steps.size(); ++step) {
      const StepState& state = execution.steps[step];
      if (state.status == StepStatus::kFailed && state.run) {
        reason += " " + state.run->step_name + ": " + state.run->failure_reason;
        break;
      }
    }
    record.failure_reason = Truncate(reason, kMaxExecutionFailureReason);
  }
  Transition transition;
  transition.execution = record;
  transition.events.push_back(
      MakeEvent(execution, "", std::string(ExecutionStatusName(status)), record.failure_reason));
  const std::string id = record.id;
  Commit(std::move(transition), [this, id] {
    auto found = executions_.find(id);
    if (found == executions_.end()) return;
    const ExecutionRecord finished = found->second->record;
    executions_.erase(found);
    for (const auto& listener : finish_listeners_) listener(finished);
  });
}

}  // namespace sluice

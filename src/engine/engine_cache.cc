// The step cache in the engine (engine/step_cache.h). A keyed step's attempt is looked up on a
// worker as soon as it starts; a hit ends Succeeded at once with the earlier run's properties and
// metadata, plus CacheHitResult naming the source execution, as SageMaker reports a hit. A miss
// goes on to be prepared once the attempt's record is committed, like any step.
//
// Commits wait while lookups are in flight, up to kCommitWindow: a chain of hits then shares one
// commit instead of paying one fsync per step, and nothing is shown before it is committed.
#include "base/event_loop.h"
#include "definition/json.h"
#include "engine/cache_lookup.h"
#include "engine/engine.h"
#include "engine/execution.h"
#include "engine/identifiers.h"
#include "engine/step_task.h"
#include "engine/worker_pool.h"
#include "graph/compiled_pipeline.h"
#include "model/transition.h"
#include "steps/container_contract.h"
#include "store/metadata_store.h"

namespace sluice {
namespace {

constexpr std::chrono::milliseconds kCommitWindow(5);

}  // namespace

void Engine::LoadCacheIndex(Execution& execution) {
  bool is_looked_up = false;
  for (const StepSpec& spec : execution.pipeline->definition.steps) {
    is_looked_up = is_looked_up || PlanCache(spec, options_.is_cache_disabled).is_looked_up;
  }
  if (!is_looked_up) {
    execution.cache_index = std::make_shared<const CacheIndex>();
    return;
  }
  // One read for every step of the execution: entries written after it are of runs that were
  // still going when this execution began, which the spec does not wait for.
  auto entries = store_.ListNewestCacheEntries(execution.record.pipeline_name);
  execution.cache_index =
      entries
          ? std::make_shared<const CacheIndex>(std::move(*entries))
          : std::make_shared<const CacheIndex>(CacheIndex::Unreadable(entries.error().ToString()));
}

bool Engine::BeginCacheLookup(Execution& execution, size_t step) {
  const StepSpec& spec = execution.pipeline->definition.steps[step];
  StepState& state = execution.steps[step];
  state.cache_entry.reset();
  state.cache_decision.reset();
  CachePlan plan = PlanCache(spec, options_.is_cache_disabled);
  const StepHandler* handler = HandlerFor(spec.type);
  if (!plan.is_keyed || handler == nullptr) return false;
  auto task = MakeStepTask(execution, step, *handler);
  task->cache_plan = std::move(plan);
  ++cache_lookups_in_flight_;
  workers_->Submit([this, task, index = execution.cache_index] {
    const StepContext context = task->Context(options_, artifacts_, runtimes_);
    CacheLookup lookup = LookUpStepCache(task->cache_plan, context, *task->handler, *index, clock_);
    // A hit's log is the earlier run's (FinishFromCache); a step that runs says why in its own.
    if (lookup.decision.outcome != CacheOutcome::kHit) {
      std::error_code error;
      std::filesystem::create_directories(std::filesystem::path(task->log_file).parent_path(),
                                          error);
      AppendToLog(task->log_file, "step cache: " + lookup.decision.reason);
    }
    loop_.Post([this, task, lookup = std::move(lookup)]() mutable {
      OnLookedUp(task, std::move(lookup));
    });
  });
  return true;
}

void Engine::OnLookedUp(std::shared_ptr<StepTask> task, CacheLookup lookup) {
  --cache_lookups_in_flight_;
  if (Execution* execution = Find(task->execution_id)) {
    StepState& state = execution->steps[task->step];
    if (lookup.decision.outcome == CacheOutcome::kHit) {
      FinishFromCache(*execution, task->step, std::move(lookup));
    } else {
      state.cache_decision = std::make_unique<CacheDecisionRecord>(
          DecisionRecordOf(lookup.decision, task->execution_id, state.run->step_name, task->attempt,
                           lookup.entry ? lookup.entry->cache_key : "", clock_.Now()));
      state.cache_entry =
          lookup.entry ? std::make_unique<CacheEntry>(std::move(*lookup.entry)) : nullptr;
      const std::string id = task->execution_id;
      const size_t step = task->step;
      Commit(Transition{}, [this, id, step] {
        if (Execution* found = Find(id)) BeginPrepare(*found, step);
      });
    }
  }
  // The last lookup is back: what waited for it is committed now, in this turn's batch.
  if (cache_lookups_in_flight_ == 0 && is_flush_deferred_) loop_.Post([this] { Flush(); });
}

void Engine::FinishFromCache(Execution& execution, size_t step, CacheLookup lookup) {
  StepState& state = execution.steps[step];
  const CacheEntry& source = *lookup.decision.source;
  state.cache_decision = std::make_unique<CacheDecisionRecord>(
      DecisionRecordOf(lookup.decision, execution.record.id, state.run->step_name, state.attempt,
                       lookup.entry ? lookup.entry->cache_key : "", clock_.Now()));
  state.cache_entry.reset();
  if (state.is_stop_requested || execution.record.status != ExecutionStatus::kExecuting) {
    FinishStep(execution, step,
               StepResult::Failure(FailureClass::kNone, "Stopped before the job started"), true);
    return;
  }
  StepResult result;
  if (auto properties = ParseJson(source.properties_json); properties && properties->is_map()) {
    result.properties = std::move(*properties);
  }
  if (auto metadata = ParseJson(source.metadata_json); metadata && metadata->is_map()) {
    result.metadata = std::move(*metadata);
  }
  Value hit = Value::EmptyMap();
  hit.Set("SourcePipelineExecutionArn",
          ExecutionArn(PipelineArn(options_.region, options_.account, source.pipeline_name),
                       source.execution_id));
  result.metadata.Set("CacheHitResult", std::move(hit));
  // The metadata points at the original job, so the run names it and what it printed too.
  state.run->job_name = source.job_name;
  state.run->log_file = source.log_file;
  FinishStep(execution, step, std::move(result), false);
}

bool Engine::IsFlushDeferred() {
  if (cache_lookups_in_flight_ == 0 || is_commit_window_over_) {
    is_flush_deferred_ = false;
    is_commit_window_over_ = false;
    return false;
  }
  if (!is_flush_deferred_) {
    is_flush_deferred_ = true;
    loop_.RunAfter(kCommitWindow, [this] {
      if (!is_flush_deferred_) return;
      is_commit_window_over_ = true;
      Flush();
    });
  }
  return true;
}

}  // namespace sluice

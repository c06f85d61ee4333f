// A step whose earlier run stands in for it (engine/step_cache.h): it ends Succeeded at once
// with that run's properties and metadata, and CacheHitResult names the source execution, as
// SageMaker reports a cache hit.
#include "definition/json.h"
#include "engine/cache_lookup.h"
#include "engine/engine.h"
#include "engine/execution.h"
#include "engine/identifiers.h"

namespace sluice {

void Engine::FinishFromCache(Execution& execution, size_t step, CacheLookup lookup) {
  StepState& state = execution.steps[step];
  const CacheEntry& source = *lookup.decision.source;
  state.cache_decision =
      DecisionRecordOf(lookup.decision, execution.record.id, state.run.step_name, state.attempt,
                       lookup.entry ? lookup.entry->cache_key : "", clock_.Now());
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
  // The metadata points at the original job, so the run names it too.
  state.run.job_name = source.job_name;
  FinishStep(execution, step, std::move(result), false);
}

}  // namespace sluice

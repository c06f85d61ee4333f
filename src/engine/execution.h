// One running execution as the engine holds it: its record, the shared compiled pipeline, the
// parameter values and execution variables its expressions see, and per-step state indexed by
// the step's position in the definition. Owned and touched by the engine thread only.
#pragma once

#include "engine/parameters.h"
#include "engine/scheduler.h"
#include "engine/step_scope.h"
#include "executors/executor.h"
#include "model/cache_records.h"
#include "model/records.h"
#include "steps/step_handler.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice {

class CacheIndex;
struct CompiledPipeline;

// Small while a step is not running: an execution holds one per step of its pipeline, most of
// them waiting or finished at any moment.
struct StepState {
  StepStatus status = StepStatus::kNotStarted;
  bool is_stop_requested = false;
  bool condition_outcome = true;
  // Whether the step's handler finds it quick (StepHandler::IsQuick), once asked: the answer
  // depends on the definition only, and asking parses the step's Arguments.
  std::optional<bool> is_quick;
  int64_t attempt = 0;
  TimePoint first_started;
  // The current attempt's record as last committed, from its start until it succeeds; a failed
  // or stopped attempt's stays, since the execution's failure reason quotes it and a retry
  // replaces it. Null before the first attempt and once the step succeeded: the store has every
  // record, and nothing in the engine reads a succeeded one again.
  std::unique_ptr<StepRun> run;
  std::shared_ptr<const Value> properties;
  std::optional<JobId> job;
  // A parked Callback attempt: the token it waits on (empty otherwise). No job, no thread.
  std::string callback_token;
  // The current attempt's cache decision, until it is committed with the attempt's next record,
  // and the key the attempt is entered under in the cache if it succeeds by running. Held by
  // pointer: they live only while a step runs, and a large execution has many steps.
  std::unique_ptr<CacheDecisionRecord> cache_decision;
  std::unique_ptr<CacheEntry> cache_entry;
};

struct Execution {
  ExecutionRecord record;  // without the definition's text, which only the store keeps
  std::shared_ptr<const CompiledPipeline> pipeline;
  std::shared_ptr<const ParameterValues> parameters;
  std::shared_ptr<const ExecutionVariables> variables;
  ExecutionIdentity identity;
  std::filesystem::path directory;
  std::vector<StepState> steps;
  std::unique_ptr<Scheduler> scheduler;
  // The step cache's entries for this execution's steps, read when it began.
  std::shared_ptr<const CacheIndex> cache_index;
};

}  // namespace sluice

// What Sluice knows about its executions, durably. Apply() is atomic and durable when it
// returns: the engine commits every state change here before memory, events or replies reflect
// it. Apply() is called from one writer thread (the engine's); the queries may be called from
// any thread and read committed state only.
#pragma once

#include "base/result.h"
#include "model/cache_records.h"
#include "model/records.h"
#include "model/transition.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Writes the transition in one transaction; fills in the events' sequence numbers.
  virtual Result<void> Apply(Transition& transition) = 0;
  // All of them in one transaction (group commit): one fsync for everything the engine changed
  // in one turn of its loop.
  virtual Result<void> ApplyAll(std::vector<Transition>& transitions) = 0;

  virtual Result<std::optional<ExecutionRecord>> FindExecution(std::string_view id) = 0;
  // Newest first.
  virtual Result<std::vector<ExecutionRecord>> ListExecutions(size_t limit) = 0;
  // Every attempt of every step, in the order they started.
  virtual Result<std::vector<StepRun>> ListStepRuns(std::string_view execution_id) = 0;
  virtual Result<std::vector<Event>> ListEvents(std::string_view execution_id,
                                                int64_t after_sequence) = 0;

  // Step caching, within one pipeline: the newest entry of the step with `cache_key` and the
  // newest of any key, each with its run's job name, properties, metadata and log.
  virtual Result<CacheCandidates> FindCacheCandidates(std::string_view pipeline_name,
                                                      std::string_view step_name,
                                                      std::string_view cache_key) = 0;
  // The cache decision of every attempt of a cacheable step of the execution.
  virtual Result<std::vector<CacheDecisionRecord>> ListCacheDecisions(
      std::string_view execution_id) = 0;
};

}  // namespace sluice

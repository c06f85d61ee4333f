// One atomic, durable state change: the execution, step-run and step-cache records it writes and
// the events it emits (an outbox). The engine's write path is always: store.Apply(transition), then
// update memory, then publish the events; so nothing is shown before it is committed.
#pragma once

#include "model/cache_records.h"
#include "model/records.h"

#include <optional>
#include <vector>

namespace sluice {

struct Transition {
  std::optional<ExecutionRecord> execution;  // inserted or replaced whole
  std::vector<StepRun> step_runs;            // inserted or replaced by (execution, step, attempt)
  std::vector<Event> events;                 // appended; sequence numbers assigned by the store
  std::vector<CacheEntry> cache_entries;     // appended
  // Inserted or replaced by (execution, step, attempt).
  std::vector<CacheDecisionRecord> cache_decisions;

  bool empty() const {
    return !execution && step_runs.empty() && events.empty() && cache_entries.empty() &&
           cache_decisions.empty();
  }
};

}  // namespace sluice

// One atomic, durable state change: the execution and step-run records it writes and the events
// it emits (an outbox). The engine's write path is always: store.Apply(transition), then update
// memory, then publish the events; so nothing is shown before it is committed.
#pragma once

#include "model/records.h"

#include <optional>
#include <vector>

namespace sluice {

struct Transition {
  std::optional<ExecutionRecord> execution;  // inserted or replaced whole
  std::vector<StepRun> step_runs;            // inserted or replaced by (execution, step, attempt)
  std::vector<Event> events;                 // appended; sequence numbers assigned by the store

  bool empty() const { return !execution && step_runs.empty() && events.empty(); }
};

}  // namespace sluice

// One atomic, durable state change: the execution, step-run, step-cache and callback records it
// writes, the queue messages it sends and the events it emits (an outbox). The engine's write
// path is always: store.Apply(transition), then update memory, then publish the events; so
// nothing is shown before it is committed.
#pragma once

#include "model/cache_records.h"
#include "model/callback_records.h"
#include "model/records.h"

#include <optional>
#include <vector>

namespace sluice {

struct Transition {
  // Inserted whole, or replaced but for the definition: an existing execution keeps the snapshot
  // it was inserted with, so records after the first may leave `definition` empty.
  std::optional<ExecutionRecord> execution;
  std::vector<StepRun> step_runs;         // inserted or replaced by (execution, step, attempt)
  std::vector<Event> events;              // appended; sequence numbers assigned by the store
  std::vector<CacheEntry> cache_entries;  // appended
  // Inserted or replaced by (execution, step, attempt).
  std::vector<CacheDecisionRecord> cache_decisions;
  // Inserted once: a token written again (an attempt recorded anew) keeps what it has, and an
  // answer stored meanwhile stays.
  std::vector<CallbackRecord> callbacks;
  std::vector<QueueMessage> queue_messages;  // appended; sequence numbers assigned by the store

  bool empty() const {
    return !execution && step_runs.empty() && events.empty() && cache_entries.empty() &&
           cache_decisions.empty() && callbacks.empty() && queue_messages.empty();
  }
};

}  // namespace sluice

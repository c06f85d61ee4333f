// The step cache's edge: gathers, on a worker thread, what engine/step_cache.h decides on. It
// resolves the step's arguments, digests every object its inputs name, finds the step's earlier
// runs in the execution's CacheIndex and checks that a matching run's outputs still exist, then
// asks Decide(). Blocking; safe to call from several threads at once, as the artifact store is.
#pragma once

#include "engine/step_cache.h"
#include "model/cache_records.h"
#include "steps/step_handler.h"

#include <optional>
#include <string>
#include <vector>

namespace sluice {

class ArtifactStore;
class Clock;

struct CacheLookup {
  CacheDecision decision;
  // This attempt's key (pipeline, step, key and material filled in), recorded as a cache entry
  // if the attempt succeeds by running; absent when no key could be built.
  std::optional<CacheEntry> entry;
};

// Requires plan.is_keyed. Never fails: whatever stops the lookup (an input that cannot be read,
// arguments that do not resolve, an index the store could not fill) becomes a "not cached: ..."
// decision, and the step runs, meeting the same problem in its own preparation if it is the
// step's.
CacheLookup LookUpStepCache(const CachePlan& plan, const StepContext& context,
                            const StepHandler& handler, const CacheIndex& index,
                            const Clock& clock);

// The URIs among `uris` under which at least one object exists now.
std::vector<std::string> ExistingOutputs(ArtifactStore& artifacts,
                                         const std::vector<std::string>& uris);

}  // namespace sluice

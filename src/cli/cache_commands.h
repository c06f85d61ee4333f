// `sluice cache explain EXECUTION STEP`: why a step of an execution was or was not taken from the
// step cache, from committed state only: the decision of each attempt, the earlier run it was
// made against, and for a miss every difference between that run's cache key and this one's.
#pragma once

#include <string>

namespace sluice {

int RunCacheExplain(const std::string& state_dir, const std::string& execution_id,
                    const std::string& step_name);

}  // namespace sluice

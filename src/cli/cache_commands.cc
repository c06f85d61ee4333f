#include "cli/cache_commands.h"

#include "base/text.h"
#include "cli/existing_store.h"
#include "cli/state_dir.h"
#include "store/sqlite_store.h"

#include <cstdio>
#include <iostream>

namespace sluice {

int RunCacheExplain(const std::string& state_dir, const std::string& execution_id,
                    const std::string& step_name) {
  const std::filesystem::path state = ResolveStateDir(state_dir);
  auto store = OpenExistingStore(state);
  if (!store) return 1;
  auto execution = store->FindExecution(execution_id);
  if (!execution || !*execution) {
    std::cerr << "sluice: execution " << Quote(execution_id) << " is not known here\n";
    return 1;
  }
  auto decisions = store->ListCacheDecisions(execution_id);
  if (!decisions) {
    std::cerr << "sluice: " << decisions.error().ToString() << "\n";
    return 1;
  }
  bool is_found = false;
  for (const CacheDecisionRecord& decision : *decisions) {
    if (decision.step_name != step_name) continue;
    is_found = true;
    std::printf("%s attempt %lld: %s\n", step_name.c_str(),
                static_cast<long long>(decision.attempt), decision.reason.c_str());
    if (!decision.compared_execution_id.empty()) {
      std::printf("  %s execution %s step %s attempt %lld\n",
                  decision.outcome == CacheOutcome::kHit ? "reused" : "compared with",
                  decision.compared_execution_id.c_str(), step_name.c_str(),
                  static_cast<long long>(decision.compared_attempt));
    }
    if (!decision.differences.empty()) {
      std::printf("  differences:\n");
      for (const std::string& difference : decision.differences) {
        std::printf("    %s\n", difference.c_str());
      }
    }
    if (!decision.cache_key.empty()) {
      std::printf("  cache key: %s\n", decision.cache_key.c_str());
    }
  }
  if (!is_found) {
    std::cerr << "sluice: execution " << execution_id << " has no cache decision for step "
              << Quote(step_name)
              << " (only Processing, Training and Transform steps that started get one)\n";
    return 1;
  }
  return 0;
}

}  // namespace sluice

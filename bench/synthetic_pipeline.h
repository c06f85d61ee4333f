// A large pipeline definition shaped like the SDK's output, for benchmarks: groups of
// Processing -> Training -> evaluation Processing (with a property file) -> Model -> Transform,
// wired by property references, some groups ordered after the previous one by DependsOn, and
// every tenth group gated by a Condition step that registers the model or fails.
#pragma once

#include <cstddef>
#include <string>

namespace sluice {

// Compact JSON with exactly `step_count` steps (branch steps included).
std::string SyntheticDefinition(size_t step_count);

}  // namespace sluice

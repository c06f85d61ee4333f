// `sluice events [EXECUTION] [--follow] [--json]`: the stored state changes of an execution (or
// of all of them), one line each, or as EventBridge JSON lines. With --follow it keeps reading
// the store, so it shows what a `sluice run` or `sluice serve` in another process commits, and
// ends once the followed execution has ended.
#pragma once

#include <string>

namespace sluice {

int RunEvents(const std::string& state_dir, const std::string& execution, bool is_following,
              bool is_json);

}  // namespace sluice

// Commands that act on stored executions: `sluice stop` (asks the engine running an execution
// to stop it, or records an execution whose engine is gone as stopped), `sluice retry`
// (RetryPipelineExecution: re-runs failed and stopped steps, keeps what succeeded) and
// `sluice resume` (continues executions whose engine ended without finishing them).
#pragma once

#include "cli/engine_host.h"

#include <string>

namespace sluice {

int RunStop(const HostOptions& host, const std::string& execution_id, bool is_waiting);
int RunRetry(const HostOptions& host, const std::string& execution_id, int64_t parallelism);
int RunResume(const HostOptions& host, const std::string& execution_id);

}  // namespace sluice

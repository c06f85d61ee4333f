// Commands that read what executions did, from committed state only: `sluice executions
// list|describe`, `sluice steps EXECUTION` (whose DETAIL is an attempt's failure, else why the
// step cache reused or did not reuse an earlier run), `sluice logs EXECUTION [STEP] [--follow]`,
// and `sluice cp` between local files and the object store behind s3:// URIs.
#pragma once

#include <string>

namespace sluice {

int RunListExecutions(const std::string& state_dir, size_t limit);
int RunDescribeExecution(const std::string& state_dir, const std::string& execution_id);
int RunListSteps(const std::string& state_dir, const std::string& execution_id);
int RunLogs(const std::string& state_dir, const std::string& execution_id,
            const std::string& step_name, bool is_following);
int RunCopy(const std::string& state_dir, const std::string& source,
            const std::string& destination);

}  // namespace sluice

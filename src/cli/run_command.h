// `sluice run`: runs one pipeline definition to the end on this machine, showing its steps as
// they change, and exits 0 when the execution succeeded (1 when it failed or was stopped, 2 for
// invalid input). Ctrl-C stops the execution (running jobs get SIGTERM, then SIGKILL); a second
// Ctrl-C leaves at once, and the execution is continued by the next start of the engine.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sluice {

struct RunOptions {
  std::string file;
  std::vector<std::string> parameters;  // "Name=Value"
  int64_t parallelism = 0;
  std::string state_dir;
  std::string isolation = "bwrap";  // bwrap (when it works here) or none
  std::string pipeline_name;
  std::string runtimes_file;
  bool is_quiet = false;
};

int RunPipeline(const RunOptions& options);

}  // namespace sluice

// `sluice run`: runs one pipeline definition to the end on this machine, showing its steps as
// they change; exits 0 when the execution succeeded, 1 when it failed or was stopped, 2 for
// invalid input. With --from-execution and --steps it is a selective execution: only the chosen
// steps run, and the steps upstream of them are taken from the source execution.
#pragma once

#include "cli/engine_host.h"

#include <string>
#include <vector>

namespace sluice {

struct RunOptions {
  HostOptions host;
  std::string file;
  std::vector<std::string> parameters;  // "Name=Value"
  int64_t parallelism = 0;
  std::string pipeline_name;
  std::string from_execution;
  std::vector<std::string> selected_steps;
  bool with_downstream = false;
  // "Steps.<Step>.<property path>=value": overrides a property of a reused step.
  std::vector<std::string> overrides;
};

int RunPipeline(const RunOptions& options);

}  // namespace sluice

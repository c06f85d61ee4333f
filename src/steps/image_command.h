// The command a job runs for a container image here: the image's runtime mapping (runtimes/)
// applied to what the step asked for (ContainerEntrypoint and ContainerArguments, or the image's
// own "train" / "serve" entry), with the host paths a sandboxed job must also see.
#pragma once

#include "base/result.h"
#include "executors/executor.h"

#include <string>
#include <utility>
#include <vector>

namespace sluice {

class RuntimeMap;

enum class ContainerMode { kProcessing, kTraining, kServing };

struct ImageCommand {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> environment;  // the image's, as mapped
  std::vector<Mount> mounts;  // read-only host paths the command needs (adapters, interpreters)
  std::string code_to_stage;  // training script mode: a sourcedir archive to unpack into code/
  std::string note;           // for the step log: how the image runs here
};

Result<ImageCommand> CommandForImage(
    const RuntimeMap& runtimes, ContainerMode mode, const std::string& image,
    const std::vector<std::string>& entrypoint, const std::vector<std::string>& arguments,
    const std::vector<std::pair<std::string, std::string>>& hyperparameters = {});

}  // namespace sluice

// The process that stands in for `docker run <image> ...`: given an image's runtime (see
// runtimes/runtime_map.h) and what a job request says about its command line, the argv,
// environment and host paths of a processing, training or serving process. Pure functions,
// except FindRuntimesDir and CurrentExecutablePath, which look at the file system.
#pragma once

#include "base/result.h"
#include "runtimes/runtime_map.h"

#include <filesystem>
#include <string>
#include <vector>

namespace sluice {

// What a job's request says about its command line: AppSpecification.ContainerEntrypoint /
// ContainerArguments for processing, AlgorithmSpecification.ContainerEntrypoint /
// ContainerArguments for training.
struct ContainerOverrides {
  std::vector<std::string> entrypoint = {};
  std::vector<std::string> arguments = {};
};

// The process to start for a job, before the executor adds the job's own environment.
struct JobCommand {
  std::vector<std::string> argv;
  // The runtime's (image's) environment; the job request's Environment overrides it.
  EnvironmentList environment;
  // Host paths the command needs to read. A sandboxed job must see each at the same path
  // (a read-only bind of the path onto itself).
  std::vector<std::filesystem::path> read_only_paths;
  // Training script mode: the decoded `sagemaker_submit_directory`. When it is not a local path
  // or file:// URI (e.g. s3://...), the caller must unpack the archive into /opt/ml/code (or the
  // directory in SLUICE_CODE_DIR) before the job starts; the launcher unpacks local ones itself.
  std::string code_to_stage;
};

// Processing (compat §3.1): ContainerEntrypoint replaces the image entrypoint and
// ContainerArguments follow it; with arguments only, the image entrypoint (`command`) comes
// first, or, for images without one, the arguments are the command. A leading
// `python`/`python3`/`pythonX.Y` (bare or any absolute path) becomes the runtime's python.
Result<JobCommand> ProcessingCommand(const ImageRuntime& runtime,
                                     const ContainerOverrides& overrides);

// Training (compat §3.2): an explicit entrypoint is honoured as for processing; otherwise the
// image runs with argument "train" (or the ContainerArguments), the built-in XGBoost adapter
// included; a host runtime runs framework script mode (hyperparameter `sagemaker_program`) through
// `<python> <runtimes_dir>/framework/container.py train`. `hyperparameters` are the request's
// HyperParameters, values as strings.
Result<JobCommand> TrainingCommand(const ImageRuntime& runtime, const ContainerOverrides& overrides,
                                   const EnvironmentList& hyperparameters);

// Serving (the model server of a batch transform, compat §3.3): the image with argument "serve".
Result<JobCommand> ServingCommand(const ImageRuntime& runtime);

// The job-side files: the Python adapters and the sluice-transform driver. Looks, in order, for
// `<executable's dir>/../share/sluice/runtimes`, then `share/sluice/runtimes` under each further
// ancestor of the executable (a build tree), then the source tree's src/runtimes/python.
// A directory counts when it holds xgboost/container.py.
Result<std::filesystem::path> FindRuntimesDir(const std::filesystem::path& executable);

// The running program's path (/proc/self/exe), for FindRuntimesDir.
std::filesystem::path CurrentExecutablePath();

// The batch transform driver inside a runtimes directory.
std::filesystem::path TransformDriverPath(const std::filesystem::path& runtimes_dir);

}  // namespace sluice

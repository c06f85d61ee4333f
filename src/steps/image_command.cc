#include "steps/image_command.h"

#include "runtimes/job_command.h"
#include "runtimes/runtime_map.h"

namespace sluice {

Result<ImageCommand> CommandForImage(
    const RuntimeMap& runtimes, ContainerMode mode, const std::string& image,
    const std::vector<std::string>& entrypoint, const std::vector<std::string>& arguments,
    const std::vector<std::pair<std::string, std::string>>& hyperparameters) {
  auto runtime = runtimes.Resolve(image);
  if (!runtime) return runtime.error();
  const ContainerOverrides overrides{entrypoint, arguments};
  Result<JobCommand> command = [&]() -> Result<JobCommand> {
    switch (mode) {
      case ContainerMode::kProcessing:
        return ProcessingCommand(*runtime, overrides);
      case ContainerMode::kTraining:
        return TrainingCommand(*runtime, overrides, hyperparameters);
      case ContainerMode::kServing:
        return ServingCommand(*runtime);
    }
    return InvalidArgument("image", "unknown container mode");
  }();
  if (!command) return command.error();
  ImageCommand result;
  result.argv = std::move(command->argv);
  result.environment = std::move(command->environment);
  for (const std::filesystem::path& path : command->read_only_paths) {
    result.mounts.push_back(Mount{path, path.string(), true});
  }
  result.code_to_stage = std::move(command->code_to_stage);
  result.note = "image " + image + " runs as " + std::string(RuntimeKindName(runtime->kind)) +
                " (" + runtime->matched_pattern + ")" +
                (runtime->note.empty() ? "" : ": " + runtime->note);
  return result;
}

}  // namespace sluice

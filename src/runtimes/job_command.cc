#include "runtimes/job_command.h"

#include "base/text.h"
#include "definition/json.h"
#include "definition/value.h"

#include <algorithm>
#include <optional>
#include <system_error>

namespace sluice {
namespace {

// Images run their Python as `python3`, `python`, `/usr/local/bin/python3`,
// `/opt/conda/bin/python3.9`, ...; none of those is the host's Python with the packages.
bool IsPythonInterpreter(std::string_view program) {
  const size_t slash = program.rfind('/');
  std::string_view name = slash == std::string_view::npos ? program : program.substr(slash + 1);
  if (name == "python" || name == "python3") return true;
  if (name.substr(0, 7) != "python3" || name.size() < 9 || name[7] != '.') return false;
  return std::all_of(name.begin() + 8, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> WithHostPython(const ImageRuntime& runtime,
                                        std::vector<std::string> argv) {
  if (!argv.empty() && IsPythonInterpreter(argv[0])) argv[0] = runtime.python;
  return argv;
}

std::vector<std::string> Concatenate(std::vector<std::string> first,
                                     const std::vector<std::string>& second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

// `uses_runtimes_dir`: the argv runs one of our adapters, which a sandbox must be able to see.
JobCommand CommandFor(const ImageRuntime& runtime, std::vector<std::string> argv,
                      bool uses_runtimes_dir) {
  JobCommand command;
  command.argv = std::move(argv);
  command.environment = runtime.environment;
  if (uses_runtimes_dir) command.read_only_paths.push_back(runtime.runtimes_dir);
  // An interpreter outside /usr (a virtualenv) is invisible in a sandbox unless bound: bind
  // the environment's root, the directory above its bin/.
  const std::string_view python = runtime.python;
  if (python.substr(0, 1) == "/" && python.substr(0, 5) != "/usr/") {
    command.read_only_paths.push_back(std::filesystem::path(python).parent_path().parent_path());
  }
  return command;
}

std::string Describe(const ImageRuntime& runtime) {
  return "image " + Quote(runtime.image) + " (runtime " + Quote(RuntimeKindName(runtime.kind)) +
         ", from " + runtime.matched_pattern + ")";
}

std::optional<std::string> FindHyperparameter(const EnvironmentList& hyperparameters,
                                              std::string_view name) {
  for (const auto& [key, value] : hyperparameters) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// Framework estimators send every hyperparameter JSON-encoded ("\"s3://b/k/sourcedir.tar.gz\"");
// the training toolkit decodes what decodes and keeps the rest as written.
std::string DecodeHyperparameter(const std::string& value) {
  Result<Value> decoded = ParseJson(value);
  if (decoded && decoded->is_string()) return decoded->as_string();
  return value;
}

bool IsLocalSource(std::string_view uri) {
  return uri.empty() || uri.front() == '/' || uri.substr(0, 7) == "file://";
}

// Processing and training share docker's rules for ENTRYPOINT and CMD (compat §3.1).
Result<JobCommand> EntrypointCommand(const ImageRuntime& runtime,
                                     const ContainerOverrides& overrides,
                                     std::string_view job_kind) {
  if (!overrides.entrypoint.empty()) {
    return CommandFor(
        runtime, Concatenate(WithHostPython(runtime, overrides.entrypoint), overrides.arguments),
        false);
  }
  if (!runtime.command.empty()) {
    return CommandFor(runtime, Concatenate(runtime.command, overrides.arguments),
                      runtime.kind == RuntimeKind::kBuiltInXgboost);
  }
  if (!overrides.arguments.empty()) {
    return CommandFor(runtime, WithHostPython(runtime, overrides.arguments), false);
  }
  return InvalidArgument(std::string(job_kind),
                         Describe(runtime) +
                             " has no entrypoint here, so the job needs a ContainerEntrypoint "
                             "(for example [\"python3\", \"/opt/ml/processing/input/code/x.py\"])");
}

}  // namespace

Result<JobCommand> ProcessingCommand(const ImageRuntime& runtime,
                                     const ContainerOverrides& overrides) {
  return EntrypointCommand(runtime, overrides, "processing job");
}

Result<JobCommand> TrainingCommand(const ImageRuntime& runtime, const ContainerOverrides& overrides,
                                   const EnvironmentList& hyperparameters) {
  JobCommand command;
  if (!overrides.entrypoint.empty()) {
    Result<JobCommand> explicit_command = EntrypointCommand(runtime, overrides, "training job");
    if (!explicit_command) return explicit_command.error();
    command = std::move(*explicit_command);
  } else {
    const std::vector<std::string> arguments =
        overrides.arguments.empty() ? std::vector<std::string>{"train"} : overrides.arguments;
    switch (runtime.kind) {
      case RuntimeKind::kBuiltInXgboost:
      case RuntimeKind::kCommand:
        command = CommandFor(runtime, Concatenate(runtime.command, arguments),
                             runtime.kind == RuntimeKind::kBuiltInXgboost);
        break;
      case RuntimeKind::kHost:
        // Without an image ENTRYPOINT the arguments are the command, as with docker.
        if (!overrides.arguments.empty()) {
          command = CommandFor(runtime, WithHostPython(runtime, overrides.arguments), false);
          break;
        }
        if (!FindHyperparameter(hyperparameters, "sagemaker_program")) {
          return InvalidArgument(
              "training job",
              Describe(runtime) +
                  " runs training in framework script mode, which needs the hyperparameter "
                  "sagemaker_program (the script) and sagemaker_submit_directory (its code), or "
                  "an AlgorithmSpecification.ContainerEntrypoint");
        }
        command =
            CommandFor(runtime,
                       {runtime.python,
                        (runtime.runtimes_dir / "framework" / "container.py").string(), "train"},
                       true);
        break;
    }
  }
  if (FindHyperparameter(hyperparameters, "sagemaker_program")) {
    if (std::optional<std::string> submit_directory =
            FindHyperparameter(hyperparameters, "sagemaker_submit_directory")) {
      const std::string decoded = DecodeHyperparameter(*submit_directory);
      if (!IsLocalSource(decoded)) command.code_to_stage = decoded;
    }
  }
  return command;
}

Result<JobCommand> ServingCommand(const ImageRuntime& runtime) {
  switch (runtime.kind) {
    case RuntimeKind::kBuiltInXgboost:
    case RuntimeKind::kCommand:
      return CommandFor(runtime, Concatenate(runtime.command, {"serve"}),
                        runtime.kind == RuntimeKind::kBuiltInXgboost);
    case RuntimeKind::kHost:
      break;
  }
  return InvalidArgument("model server",
                         Describe(runtime) +
                             " has no model server here: framework inference containers are not "
                             "emulated; map the image to a \"command\" runtime whose program "
                             "answers GET /ping and POST /invocations when given \"serve\"");
}

Result<std::filesystem::path> FindRuntimesDir(const std::filesystem::path& executable) {
  // `<bin>/../share` is the installed layout; further ancestors cover a build tree, where the
  // program sits deeper (build/src/cli/sluice) than the copied runtimes (build/share/...).
  std::vector<std::filesystem::path> candidates;
  for (std::filesystem::path directory = executable.parent_path().parent_path(); !directory.empty();
       directory = directory.parent_path()) {
    candidates.push_back(directory / "share" / "sluice" / "runtimes");
    if (directory == directory.root_path()) break;
  }
  candidates.push_back(std::filesystem::path(SLUICE_RUNTIMES_SOURCE_DIR));
  std::vector<std::string> looked;
  for (const std::filesystem::path& candidate : candidates) {
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate / "xgboost" / "container.py", error)) {
      return candidate;
    }
    looked.push_back(candidate.string());
  }
  return NotFound(
      executable.string(),
      "no runtimes directory (one holding xgboost/container.py) in " + Join(looked, ", "));
}

std::filesystem::path CurrentExecutablePath() {
  std::error_code error;
  std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : path;
}

std::filesystem::path TransformDriverPath(const std::filesystem::path& runtimes_dir) {
  return runtimes_dir / "bin" / "sluice-transform";
}

}  // namespace sluice

// The runtime map: how a container image named in a job request runs on a machine without
// Docker. Each image URI resolves to an `ImageRuntime` that stands in for the image's
// ENTRYPOINT and ENV; runtimes/job_command.h turns it, plus the job's ContainerEntrypoint and
// ContainerArguments, into the argv of a training, processing or serving process. Everything
// here is pure except `Load`/`LoadIfPresent`, which read the config file; a loaded map is
// immutable and safe to share between threads.
//
// The config file (`runtimes.json` in the state directory, or a file given by path) is JSON:
//
//   {
//     "Runtimes": [
//       {"Image": "my-registry/custom:*", "Kind": "command",
//        "Command": ["/usr/bin/python3", "/srv/custom/entry.py"], "Environment": {"MODE":
//        "local"}},
//       {"Image": "*/sagemaker-pytorch-training:*", "Kind": "host",
//        "Python": "/opt/venvs/torch/bin/python3"},
//       {"Image": "*/my-xgboost-fork:*", "Kind": "xgboost", "AlgorithmVersion": "1.7-1"}
//     ]
//   }
//
// Entries are tried in order and the first whose `Image` glob matches the whole URI wins (`*`
// matches any run of characters, `/` and `:` included; `?` matches one character; everything
// else is literal and case-sensitive). The built-in defaults come after the file's entries:
// `sagemaker-xgboost:<tag>` from any registry → the built-in XGBoost adapter at the version the
// tag names; SageMaker framework images (scikit-learn, PyTorch, TensorFlow, MXNet, Hugging Face)
// → "host"; anything else → "host" with a note saying the image has no mapping.
// docs/runtimes.md describes every field and how each job kind is run.
#pragma once

#include "base/result.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

using EnvironmentList = std::vector<std::pair<std::string, std::string>>;

enum class RuntimeKind {
  // No image entrypoint: the job's own command (ContainerEntrypoint, or for training the
  // framework's script mode) runs on the host, with `python`/`python3` meaning `python`.
  kHost,
  // A configured argv prefix stands in for the image's ENTRYPOINT; training appends "train" and
  // serving "serve", as `docker run <image> train` does.
  kCommand,
  // The built-in re-implementation of SageMaker's XGBoost algorithm image (train and serve).
  kBuiltInXgboost,
};

// "host", "command", "xgboost": the spelling of `Kind` in the config file.
std::string_view RuntimeKindName(RuntimeKind kind);

inline constexpr std::string_view kDefaultPython = "/usr/bin/python3";

struct ImageRuntime {
  std::string image;            // the URI that was resolved
  std::string matched_pattern;  // the entry's Image glob, or "built-in: ..." for a default
  RuntimeKind kind = RuntimeKind::kHost;
  // Stands in for the image's ENTRYPOINT: empty for kHost; for kBuiltInXgboost
  // `<python> <runtimes_dir>/xgboost/container.py --algorithm-version <version>`.
  std::vector<std::string> command;
  // Stands in for the image's ENV: the job request's Environment is applied on top of it.
  EnvironmentList environment;
  std::string python = std::string(kDefaultPython);  // what `python`/`python3` entrypoints run
  std::filesystem::path runtimes_dir;
  std::string algorithm_version;  // kBuiltInXgboost only: "1.0-1", "1.2-1", ... "1.7-1"
  // Non-empty when the caller should log something about this mapping (e.g. "no mapping").
  std::string note;
};

// The parts of an image URI: `[registry/]repository[:tag][@digest]`. The first path component is
// a registry when it contains '.' or ':' or is "localhost" (Docker's rule).
struct ImageReference {
  std::string registry;
  std::string repository;  // path after the registry, e.g. "sagemaker-xgboost" or "team/model"
  std::string tag;         // empty when absent
  std::string digest;      // "sha256:..." or empty

  // The last component of the repository path: "sagemaker-xgboost".
  std::string_view name() const;
};

ImageReference ParseImageReference(std::string_view image_uri);

// Anchored glob match of `text` against `pattern` (`*` and `?`, see above).
bool MatchesImagePattern(std::string_view pattern, std::string_view text);

// The XGBoost algorithm versions the built-in adapter emulates, oldest first.
const std::vector<std::string_view>& SupportedXgboostVersions();

// The algorithm version a `sagemaker-xgboost` tag names: "1.0-1-cpu-py3" → "1.0-1". A
// `-cpu`/`-gpu` suffix with an optional `-py3*` is dropped; anything not in
// SupportedXgboostVersions() is an error naming the tag and the versions accepted.
Result<std::string> XgboostVersionFromTag(std::string_view tag);

// One entry of the config file, as written (validated).
struct RuntimeRule {
  std::string image_pattern;
  RuntimeKind kind = RuntimeKind::kHost;
  std::vector<std::string> command;  // kCommand only
  EnvironmentList environment;
  std::string python;             // empty: kDefaultPython
  std::string algorithm_version;  // kBuiltInXgboost only; empty: from the image tag
  std::string location;           // "runtimes.json: /Runtimes/2", for messages
};

class RuntimeMap {
 public:
  // Reads and validates the config file. Errors name the file, the JSON location (line:column
  // for syntax, a JSON Pointer otherwise) and what was expected. A missing file is an error.
  static Result<RuntimeMap> Load(const std::filesystem::path& file,
                                 std::filesystem::path runtimes_dir);
  // Like Load, but a file that does not exist means "defaults only" (the state-directory case).
  static Result<RuntimeMap> LoadIfPresent(const std::filesystem::path& file,
                                          std::filesystem::path runtimes_dir);
  // Parses config text; `file_name` is used in errors only.
  static Result<RuntimeMap> Parse(std::string_view text, std::string_view file_name,
                                  std::filesystem::path runtimes_dir);
  // The built-in defaults alone.
  static RuntimeMap Defaults(std::filesystem::path runtimes_dir);

  // The runtime for an image: the first matching config entry, else the built-in defaults. An
  // error only when the matched mapping cannot run it (an XGBoost tag whose version the adapter
  // does not emulate).
  Result<ImageRuntime> Resolve(std::string_view image_uri) const;

  const std::vector<RuntimeRule>& rules() const { return rules_; }
  const std::filesystem::path& runtimes_dir() const { return runtimes_dir_; }

 private:
  RuntimeMap(std::vector<RuntimeRule> rules, std::filesystem::path runtimes_dir)
      : rules_(std::move(rules)), runtimes_dir_(std::move(runtimes_dir)) {}

  std::vector<RuntimeRule> rules_;
  std::filesystem::path runtimes_dir_;
};

}  // namespace sluice

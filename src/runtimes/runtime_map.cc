#include "runtimes/runtime_map.h"

#include "base/text.h"
#include "definition/json.h"
#include "definition/value.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sluice {
namespace {

constexpr std::string_view kXgboostRepositoryName = "sagemaker-xgboost";

// Repository names of the SageMaker framework images whose training runs in script mode and whose
// processing jobs run the user's own entrypoint; only scikit-learn's packages are on the host.
constexpr std::array<std::string_view, 13> kFrameworkRepositoryNames = {
    "sagemaker-scikit-learn",
    "pytorch-training",
    "pytorch-inference",
    "tensorflow-training",
    "tensorflow-inference",
    "mxnet-training",
    "mxnet-inference",
    "huggingface-pytorch-training",
    "huggingface-pytorch-inference",
    "huggingface-tensorflow-training",
    "huggingface-tensorflow-inference",
    "sagemaker-base-python",
    "sagemaker-distribution",
};

constexpr std::string_view kSklearnRepositoryName = "sagemaker-scikit-learn";

const std::vector<std::string_view> kTopLevelKeys = {"Runtimes"};
const std::vector<std::string_view> kEntryKeys = {"Image",       "Kind",   "Command",
                                                  "Environment", "Python", "AlgorithmVersion"};
const std::vector<std::string_view> kKindNames = {"host", "command", "xgboost"};

std::string QuotedList(const std::vector<std::string_view>& names) {
  std::vector<std::string> quoted;
  quoted.reserve(names.size());
  for (std::string_view name : names) quoted.push_back(Quote(name));
  return Join(quoted, ", ");
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Parses one config file; every error's `where` is "<file>: <JSON Pointer>".
class ConfigParser {
 public:
  explicit ConfigParser(std::string_view file_name) : file_name_(file_name) {}

  Result<std::vector<RuntimeRule>> Parse(const Value& root) {
    if (!root.is_map()) {
      return Fail("/", "expected an object with a \"Runtimes\" list, got " + root.Describe());
    }
    if (auto checked = CheckKeys(root, "", kTopLevelKeys); !checked) return checked.error();
    const Value* runtimes = root.Find("Runtimes");
    if (runtimes == nullptr) {
      return Fail("/", "missing \"Runtimes\": a list of {\"Image\": ..., \"Kind\": ...} entries");
    }
    if (!runtimes->is_list()) {
      return Fail("/Runtimes", "expected a list of runtime entries, got " + runtimes->Describe());
    }
    std::vector<RuntimeRule> rules;
    const Value::List& entries = runtimes->as_list();
    for (size_t index = 0; index < entries.size(); ++index) {
      Result<RuntimeRule> rule = ParseEntry(entries[index], PointerAppend("/Runtimes", index));
      if (!rule) return rule.error();
      rules.push_back(std::move(*rule));
    }
    return rules;
  }

 private:
  Error Fail(std::string_view pointer, std::string message) const {
    return InvalidArgument(file_name_ + ": " + std::string(pointer), std::move(message));
  }

  Result<void> CheckKeys(const Value& object, std::string_view pointer,
                         const std::vector<std::string_view>& allowed) const {
    for (const Member& member : object.as_map()) {
      if (std::find(allowed.begin(), allowed.end(), member.key) != allowed.end()) continue;
      return Fail(PointerAppend(pointer, member.key),
                  "unknown key" + DidYouMean(member.key, allowed) + "; expected " +
                      (allowed.size() == 1 ? Quote(allowed[0]) : "one of " + QuotedList(allowed)));
    }
    return {};
  }

  Result<std::string> RequiredString(const Value& entry, std::string_view key,
                                     std::string_view pointer) const {
    const Value* value = entry.Find(key);
    if (value == nullptr) {
      return Fail(pointer, "missing " + Quote(key) + " (a non-empty string)");
    }
    return NonEmptyString(*value, PointerAppend(pointer, key));
  }

  Result<std::string> NonEmptyString(const Value& value, std::string_view pointer) const {
    if (!value.is_string() || value.as_string().empty()) {
      return Fail(pointer, "expected a non-empty string, got " + value.Describe());
    }
    return value.as_string();
  }

  Result<RuntimeRule> ParseEntry(const Value& entry, const std::string& pointer) {
    if (!entry.is_map()) {
      return Fail(pointer,
                  "expected an object {\"Image\": ..., \"Kind\": ...}, got " + entry.Describe());
    }
    if (auto checked = CheckKeys(entry, pointer, kEntryKeys); !checked) return checked.error();
    RuntimeRule rule;
    rule.location = file_name_ + ": " + pointer;

    Result<std::string> image = RequiredString(entry, "Image", pointer);
    if (!image) return image.error();
    rule.image_pattern = std::move(*image);

    Result<std::string> kind_name = RequiredString(entry, "Kind", pointer);
    if (!kind_name) return kind_name.error();
    if (*kind_name == "host") {
      rule.kind = RuntimeKind::kHost;
    } else if (*kind_name == "command") {
      rule.kind = RuntimeKind::kCommand;
    } else if (*kind_name == "xgboost") {
      rule.kind = RuntimeKind::kBuiltInXgboost;
    } else {
      return Fail(PointerAppend(pointer, "Kind"), "expected one of " + QuotedList(kKindNames) +
                                                      ", got " + entry.Find("Kind")->Describe() +
                                                      DidYouMean(*kind_name, kKindNames));
    }

    if (const Value* command = entry.Find("Command"); command != nullptr) {
      if (rule.kind != RuntimeKind::kCommand) {
        return Fail(
            PointerAppend(pointer, "Command"),
            "only a \"command\" runtime has a Command; this entry's Kind is " + Quote(*kind_name));
      }
      Result<std::vector<std::string>> argv = ParseCommand(*command, pointer);
      if (!argv) return argv.error();
      rule.command = std::move(*argv);
    } else if (rule.kind == RuntimeKind::kCommand) {
      return Fail(pointer,
                  "a \"command\" runtime needs \"Command\", a non-empty list of strings "
                  "(the argv that stands in for the image's ENTRYPOINT)");
    }

    if (const Value* environment = entry.Find("Environment"); environment != nullptr) {
      Result<EnvironmentList> variables = ParseEnvironment(*environment, pointer);
      if (!variables) return variables.error();
      rule.environment = std::move(*variables);
    }

    if (const Value* python = entry.Find("Python"); python != nullptr) {
      const std::string python_pointer = PointerAppend(pointer, "Python");
      if (!python->is_string() || !StartsWith(python->as_string(), "/")) {
        return Fail(python_pointer, "expected the absolute path of a Python interpreter, got " +
                                        python->Describe());
      }
      rule.python = python->as_string();
    }

    if (const Value* version = entry.Find("AlgorithmVersion"); version != nullptr) {
      const std::string version_pointer = PointerAppend(pointer, "AlgorithmVersion");
      if (rule.kind != RuntimeKind::kBuiltInXgboost) {
        return Fail(version_pointer,
                    "only an \"xgboost\" runtime has an AlgorithmVersion; this entry's Kind is " +
                        Quote(*kind_name));
      }
      const std::vector<std::string_view>& supported = SupportedXgboostVersions();
      if (!version->is_string() ||
          std::find(supported.begin(), supported.end(), version->as_string()) == supported.end()) {
        return Fail(version_pointer,
                    "expected one of " + QuotedList(supported) + ", got " + version->Describe());
      }
      rule.algorithm_version = version->as_string();
    }
    return rule;
  }

  Result<std::vector<std::string>> ParseCommand(const Value& command,
                                                const std::string& pointer) const {
    const std::string command_pointer = PointerAppend(pointer, "Command");
    if (!command.is_list() || command.as_list().empty()) {
      return Fail(command_pointer,
                  "expected a non-empty list of strings, got " + command.Describe());
    }
    std::vector<std::string> argv;
    const Value::List& items = command.as_list();
    for (size_t index = 0; index < items.size(); ++index) {
      if (!items[index].is_string()) {
        return Fail(PointerAppend(command_pointer, index),
                    "expected a string, got " + items[index].Describe());
      }
      argv.push_back(items[index].as_string());
    }
    if (argv[0].empty()) {
      return Fail(PointerAppend(command_pointer, 0), "expected a program name, got \"\"");
    }
    return argv;
  }

  Result<EnvironmentList> ParseEnvironment(const Value& environment,
                                           const std::string& pointer) const {
    const std::string environment_pointer = PointerAppend(pointer, "Environment");
    if (!environment.is_map()) {
      return Fail(environment_pointer,
                  "expected an object of string values, got " + environment.Describe());
    }
    EnvironmentList variables;
    for (const Member& member : environment.as_map()) {
      const std::string variable_pointer = PointerAppend(environment_pointer, member.key);
      if (member.key.empty() || member.key.find('=') != std::string::npos) {
        return Fail(variable_pointer,
                    "expected a variable name without \"=\", got " + Quote(member.key));
      }
      if (!member.value.is_string()) {
        return Fail(variable_pointer, "expected a string, got " + member.value.Describe());
      }
      variables.emplace_back(member.key, member.value.as_string());
    }
    return variables;
  }

  std::string file_name_;
};

// What every runtime's process sees before the job's own Environment: the interpreter's directory
// and Debian's /usr/bin ahead of anything else (a pyenv or virtualenv on the caller's PATH would
// otherwise shadow the Python that has the packages), and unbuffered Python output so that the
// log, and the metrics read from it, follow the job as it runs.
EnvironmentList BaseEnvironment(std::string_view python) {
  std::vector<std::string> path_entries;
  const std::string python_dir = std::filesystem::path(python).parent_path().string();
  if (!python_dir.empty()) path_entries.push_back(python_dir);
  for (const char* entry : {"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"}) {
    if (std::find(path_entries.begin(), path_entries.end(), entry) == path_entries.end()) {
      path_entries.emplace_back(entry);
    }
  }
  return {{"PATH", Join(path_entries, ":")},
          {"PYTHONUNBUFFERED", "TRUE"},
          {"PYTHONDONTWRITEBYTECODE", "TRUE"}};
}

void ApplyEnvironment(EnvironmentList& base, const EnvironmentList& overrides) {
  for (const auto& [name, value] : overrides) {
    auto existing = std::find_if(base.begin(), base.end(),
                                 [&](const auto& variable) { return variable.first == name; });
    if (existing == base.end()) {
      base.emplace_back(name, value);
    } else {
      existing->second = value;
    }
  }
}

ImageRuntime MakeRuntime(std::string_view image_uri, std::string matched_pattern, RuntimeKind kind,
                         std::string python, const std::filesystem::path& runtimes_dir) {
  ImageRuntime runtime;
  runtime.image = std::string(image_uri);
  runtime.matched_pattern = std::move(matched_pattern);
  runtime.kind = kind;
  runtime.python = python.empty() ? std::string(kDefaultPython) : std::move(python);
  runtime.runtimes_dir = runtimes_dir;
  runtime.environment = BaseEnvironment(runtime.python);
  return runtime;
}

void SetXgboostCommand(ImageRuntime& runtime, std::string version) {
  runtime.algorithm_version = std::move(version);
  runtime.command = {runtime.python, (runtime.runtimes_dir / "xgboost" / "container.py").string(),
                     "--algorithm-version", runtime.algorithm_version};
}

Result<std::string> ReadFile(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    const int error_number = errno;
    return MakeError(error_number == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, file.string(),
                     std::string("cannot read the runtime map: ") + std::strerror(error_number));
  }
  std::ostringstream contents;
  contents << stream.rdbuf();
  return contents.str();
}

}  // namespace

std::string_view RuntimeKindName(RuntimeKind kind) {
  switch (kind) {
    case RuntimeKind::kHost:
      return "host";
    case RuntimeKind::kCommand:
      return "command";
    case RuntimeKind::kBuiltInXgboost:
      return "xgboost";
  }
  return "unknown";
}

std::string_view ImageReference::name() const {
  const std::string_view path = repository;
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

ImageReference ParseImageReference(std::string_view image_uri) {
  ImageReference reference;
  std::string_view rest = image_uri;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    reference.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
  }
  // A ':' after the last '/' starts the tag; one before it belongs to a registry's port.
  const size_t last_slash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    reference.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view first = rest.substr(0, slash);
    if (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
        first == "localhost") {
      reference.registry = std::string(first);
      rest = rest.substr(slash + 1);
    }
  }
  reference.repository = std::string(rest);
  return reference;
}

bool MatchesImagePattern(std::string_view pattern, std::string_view text) {
  // Greedy matching with one backtrack point (the last '*') is enough for '*' and '?' globs.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const std::vector<std::string_view>& SupportedXgboostVersions() {
  static const std::vector<std::string_view> versions = {"1.0-1", "1.2-1", "1.2-2",
                                                         "1.3-1", "1.5-1", "1.7-1"};
  return versions;
}

Result<std::string> XgboostVersionFromTag(std::string_view tag) {
  std::string_view version = tag;
  // "-py3", "-py37": only ever after a processor suffix.
  if (const size_t py = version.rfind("-py3"); py != std::string_view::npos) {
    const std::string_view before = version.substr(0, py);
    if (EndsWith(before, "-cpu") || EndsWith(before, "-gpu")) version = before;
  }
  if (EndsWith(version, "-cpu") || EndsWith(version, "-gpu")) {
    version = version.substr(0, version.size() - 4);
  }
  const std::vector<std::string_view>& supported = SupportedXgboostVersions();
  if (std::find(supported.begin(), supported.end(), version) == supported.end()) {
    return InvalidArgument("sagemaker-xgboost:" + std::string(tag),
                           "expected a tag naming a version the built-in XGBoost adapter "
                           "emulates, one of " +
                               QuotedList(supported) +
                               " (optionally with a -cpu-py3 suffix), got " + Quote(tag));
  }
  return std::string(version);
}

Result<RuntimeMap> RuntimeMap::Load(const std::filesystem::path& file,
                                    std::filesystem::path runtimes_dir) {
  Result<std::string> text = ReadFile(file);
  if (!text) return text.error();
  return Parse(*text, file.string(), std::move(runtimes_dir));
}

Result<RuntimeMap> RuntimeMap::LoadIfPresent(const std::filesystem::path& file,
                                             std::filesystem::path runtimes_dir) {
  std::error_code error;
  if (!std::filesystem::exists(file, error) && !error) return Defaults(std::move(runtimes_dir));
  return Load(file, std::move(runtimes_dir));
}

Result<RuntimeMap> RuntimeMap::Parse(std::string_view text, std::string_view file_name,
                                     std::filesystem::path runtimes_dir) {
  Result<Value> root = ParseJson(text, file_name);
  if (!root) return root.error();
  Result<std::vector<RuntimeRule>> rules = ConfigParser(file_name).Parse(*root);
  if (!rules) return rules.error();
  return RuntimeMap(std::move(*rules), std::move(runtimes_dir));
}

RuntimeMap RuntimeMap::Defaults(std::filesystem::path runtimes_dir) {
  return RuntimeMap({}, std::move(runtimes_dir));
}

Result<ImageRuntime> RuntimeMap::Resolve(std::string_view image_uri) const {
  const ImageReference reference = ParseImageReference(image_uri);
  for (const RuntimeRule& rule : rules_) {
    if (!MatchesImagePattern(rule.image_pattern, image_uri)) continue;
    ImageRuntime runtime =
        MakeRuntime(image_uri, rule.image_pattern, rule.kind, rule.python, runtimes_dir_);
    ApplyEnvironment(runtime.environment, rule.environment);
    switch (rule.kind) {
      case RuntimeKind::kHost:
        break;
      case RuntimeKind::kCommand:
        runtime.command = rule.command;
        break;
      case RuntimeKind::kBuiltInXgboost: {
        std::string version = rule.algorithm_version;
        if (version.empty()) {
          Result<std::string> from_tag = XgboostVersionFromTag(reference.tag);
          if (!from_tag) {
            return InvalidArgument(rule.location, "image " + Quote(image_uri) + " matched " +
                                                      Quote(rule.image_pattern) + ": " +
                                                      from_tag.error().message +
                                                      "; set \"AlgorithmVersion\" in this entry");
          }
          version = std::move(*from_tag);
        }
        SetXgboostCommand(runtime, std::move(version));
        break;
      }
    }
    return runtime;
  }

  const std::string_view name = reference.name();
  if (name == kXgboostRepositoryName) {
    Result<std::string> version = XgboostVersionFromTag(reference.tag);
    if (!version) {
      return InvalidArgument(std::string(image_uri),
                             version.error().message +
                                 "; map the image to another runtime in runtimes.json to run it");
    }
    ImageRuntime runtime = MakeRuntime(image_uri, "built-in: */sagemaker-xgboost:<version>",
                                       RuntimeKind::kBuiltInXgboost, "", runtimes_dir_);
    SetXgboostCommand(runtime, std::move(*version));
    return runtime;
  }
  if (std::find(kFrameworkRepositoryNames.begin(), kFrameworkRepositoryNames.end(), name) !=
      kFrameworkRepositoryNames.end()) {
    ImageRuntime runtime = MakeRuntime(image_uri, "built-in: */" + std::string(name) + ":*",
                                       RuntimeKind::kHost, "", runtimes_dir_);
    if (name != kSklearnRepositoryName) {
      runtime.note = "image " + Quote(image_uri) + " runs on the host's " + runtime.python +
                     ", which must have the framework's packages installed (or map the image "
                     "to another Python with \"Python\" in runtimes.json)";
    }
    return runtime;
  }
  ImageRuntime runtime =
      MakeRuntime(image_uri, "built-in: *", RuntimeKind::kHost, "", runtimes_dir_);
  runtime.note = "image " + Quote(image_uri) +
                 " has no runtime mapping: its job's own command runs on the host with " +
                 runtime.python + " as python3; add an entry to runtimes.json to map it";
  return runtime;
}

}  // namespace sluice

#include "runtimes/transform_config.h"

#include "base/text.h"
#include "definition/json.h"
#include "definition/value.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

// SageMaker's own limit on MaxPayloadInMB.
constexpr int64_t kLargestPayloadMb = 100;

std::string QuotedList(const std::vector<std::string_view>& names) {
  std::vector<std::string> quoted;
  for (std::string_view name : names) quoted.push_back(Quote(name));
  return Join(quoted, ", ");
}

// Reads the members of one JSON object; every error's `where` is "<file>: <JSON Pointer>".
class ObjectReader {
 public:
  ObjectReader(const Value& object, std::string file_name, std::string pointer)
      : object_(object), file_name_(std::move(file_name)), pointer_(std::move(pointer)) {}

  // `key` empty: the object itself.
  Error Fail(std::string_view key, std::string message) const {
    return FailAt(key.empty() ? pointer_ : PointerOf(key), std::move(message));
  }
  Error FailAt(const std::string& pointer, std::string message) const {
    return InvalidArgument(file_name_ + ": " + (pointer.empty() ? "/" : pointer),
                           std::move(message));
  }
  std::string PointerOf(std::string_view key) const { return PointerAppend(pointer_, key); }

  Result<void> CheckKeys(const std::vector<std::string_view>& allowed) const {
    for (const Member& member : object_.as_map()) {
      if (std::find(allowed.begin(), allowed.end(), member.key) != allowed.end()) continue;
      return Fail(member.key, "unknown key" + DidYouMean(member.key, allowed) +
                                  "; expected one of " + QuotedList(allowed));
    }
    return {};
  }

  const Value* Find(std::string_view key) const { return object_.Find(key); }

  Result<std::string> String(std::string_view key, bool required) const {
    const Value* value = Find(key);
    if (value == nullptr) {
      if (required) return Fail("", "missing " + Quote(key) + " (a string)");
      return std::string();
    }
    if (!value->is_string()) return Fail(key, "expected a string, got " + value->Describe());
    if (required && value->as_string().empty()) {
      return Fail(key, "expected a non-empty string, got \"\"");
    }
    return value->as_string();
  }

  Result<std::optional<int64_t>> Integer(std::string_view key, int64_t low, int64_t high) const {
    const Value* value = Find(key);
    if (value == nullptr) return std::optional<int64_t>();
    if (!value->is_integer() || value->as_integer() < low || value->as_integer() > high) {
      return Fail(key, "expected an integer from " + std::to_string(low) + " to " +
                           std::to_string(high) + ", got " + value->Describe());
    }
    return std::optional<int64_t>(value->as_integer());
  }

  // One of `names` (SageMaker's spelling); returns its index, or -1 when absent.
  Result<int> Choice(std::string_view key, const std::vector<std::string_view>& names) const {
    const Value* value = Find(key);
    if (value == nullptr) return -1;
    if (value->is_string()) {
      auto found = std::find(names.begin(), names.end(), value->as_string());
      if (found != names.end()) return static_cast<int>(found - names.begin());
    }
    return Fail(key, "expected one of " + QuotedList(names) + ", got " + value->Describe());
  }

  Result<ObjectReader> Object(std::string_view key) const {
    const Value* value = Find(key);
    if (value == nullptr) return ObjectReader(empty_, file_name_, PointerAppend(pointer_, key));
    if (!value->is_map()) return Fail(key, "expected an object, got " + value->Describe());
    return ObjectReader(*value, file_name_, PointerAppend(pointer_, key));
  }

 private:
  static inline const Value empty_ = Value::EmptyMap();
  const Value& object_;
  std::string file_name_;
  std::string pointer_;
};

Result<ServerSpec> ParseServer(const ObjectReader& server) {
  if (auto checked = server.CheckKeys({"Command", "Environment", "LogFile"}); !checked) {
    return checked.error();
  }
  ServerSpec spec;
  const Value* command = server.Find("Command");
  if (command == nullptr || !command->is_list() || command->as_list().empty()) {
    return server.Fail(command == nullptr ? "" : "Command",
                       command == nullptr
                           ? "missing \"Command\" (the model server's argv, a non-empty list)"
                           : "expected a non-empty list of strings, got " + command->Describe());
  }
  for (size_t index = 0; index < command->as_list().size(); ++index) {
    const Value& item = command->as_list()[index];
    if (!item.is_string()) {
      return server.FailAt(PointerAppend(server.PointerOf("Command"), index),
                           "expected a string, got " + item.Describe());
    }
    spec.command.push_back(item.as_string());
  }
  if (const Value* environment = server.Find("Environment"); environment != nullptr) {
    if (!environment->is_map()) {
      return server.Fail("Environment",
                         "expected an object of string values, got " + environment->Describe());
    }
    for (const Member& member : environment->as_map()) {
      if (!member.value.is_string()) {
        return server.FailAt(PointerAppend(server.PointerOf("Environment"), member.key),
                             "expected a string, got " + member.value.Describe());
      }
      spec.environment.emplace_back(member.key, member.value.as_string());
    }
  }
  Result<std::string> log_file = server.String("LogFile", false);
  if (!log_file) return log_file.error();
  spec.log_file = *log_file;
  return spec;
}

Result<void> ParseDataProcessing(const ObjectReader& processing, TransformConfig& config) {
  if (auto checked = processing.CheckKeys({"InputFilter", "OutputFilter", "JoinSource"});
      !checked) {
    return checked.error();
  }
  Result<std::string> input_filter = processing.String("InputFilter", false);
  if (!input_filter) return input_filter.error();
  Result<std::string> output_filter = processing.String("OutputFilter", false);
  if (!output_filter) return output_filter.error();
  Result<int> join = processing.Choice("JoinSource", {"None", "Input"});
  if (!join) return join.error();
  config.input_filter = *input_filter;
  config.output_filter = *output_filter;
  config.join_source = *join == 1 ? JoinSource::kInput : JoinSource::kNone;
  return {};
}

Result<void> ParseModelClient(const ObjectReader& client, TransformConfig& config) {
  if (auto checked = client.CheckKeys({"InvocationsTimeoutInSeconds", "InvocationsMaxRetries"});
      !checked) {
    return checked.error();
  }
  Result<std::optional<int64_t>> timeout = client.Integer("InvocationsTimeoutInSeconds", 1, 3600);
  if (!timeout) return timeout.error();
  Result<std::optional<int64_t>> retries = client.Integer("InvocationsMaxRetries", 0, 3);
  if (!retries) return retries.error();
  if (*timeout) config.invocation_timeout_seconds = static_cast<int>(**timeout);
  if (*retries) config.invocation_max_retries = static_cast<int>(**retries);
  return {};
}

}  // namespace

Result<TransformConfig> ParseTransformConfig(std::string_view text, std::string_view file_name) {
  Result<Value> root = ParseJson(text, file_name);
  if (!root) return root.error();
  if (!root->is_map()) {
    return InvalidArgument(std::string(file_name) + ": /",
                           "expected an object, got " + root->Describe());
  }
  const ObjectReader reader(*root, std::string(file_name), "");
  if (auto checked = reader.CheckKeys({"Server", "Port", "InputDirectory", "OutputDirectory",
                                       "FailureFile", "ContentType", "Accept", "CompressionType",
                                       "SplitType", "BatchStrategy", "MaxPayloadInMB",
                                       "MaxConcurrentTransforms", "AssembleWith", "DataProcessing",
                                       "ModelClientConfig", "PingTimeoutSeconds"});
      !checked) {
    return checked.error();
  }

  TransformConfig config;
  if (reader.Find("Server") == nullptr) {
    return reader.Fail("", "missing \"Server\" ({\"Command\": [...]}, the model server to start)");
  }
  Result<ObjectReader> server = reader.Object("Server");
  if (!server) return server.error();
  Result<ServerSpec> spec = ParseServer(*server);
  if (!spec) return spec.error();
  config.server = std::move(*spec);

  for (auto [key, target] : {std::pair{"InputDirectory", &config.input_directory},
                             std::pair{"OutputDirectory", &config.output_directory},
                             std::pair{"FailureFile", &config.failure_file}}) {
    Result<std::string> path = reader.String(key, true);
    if (!path) return path.error();
    *target = *path;
  }
  for (auto [key, target] :
       {std::pair{"ContentType", &config.content_type}, std::pair{"Accept", &config.accept}}) {
    Result<std::string> value = reader.String(key, false);
    if (!value) return value.error();
    *target = *value;
  }

  Result<std::optional<int64_t>> port = reader.Integer("Port", 0, 65535);
  if (!port) return port.error();
  if (*port) config.port = static_cast<int>(**port);

  Result<int> compression = reader.Choice("CompressionType", {"None", "Gzip"});
  if (!compression) return compression.error();
  config.compression = *compression == 1 ? CompressionType::kGzip : CompressionType::kNone;

  if (const Value* split = reader.Find("SplitType");
      split != nullptr && split->is_string() &&
      (split->as_string() == "RecordIO" || split->as_string() == "TFRecord")) {
    return reader.Fail("SplitType", "SplitType " + Quote(split->as_string()) +
                                        " is not supported locally; use \"Line\" or \"None\"");
  }
  Result<int> split = reader.Choice("SplitType", {"None", "Line"});
  if (!split) return split.error();
  config.split = *split == 1 ? SplitType::kLine : SplitType::kNone;

  Result<int> strategy = reader.Choice("BatchStrategy", {"SingleRecord", "MultiRecord"});
  if (!strategy) return strategy.error();
  if (*strategy >= 0) {
    config.batch_strategy =
        *strategy == 0 ? BatchStrategy::kSingleRecord : BatchStrategy::kMultiRecord;
  }

  Result<std::optional<int64_t>> payload = reader.Integer("MaxPayloadInMB", 0, kLargestPayloadMb);
  if (!payload) return payload.error();
  config.max_payload_mb = *payload;

  Result<std::optional<int64_t>> concurrency = reader.Integer("MaxConcurrentTransforms", 0, 1000);
  if (!concurrency) return concurrency.error();
  // 0 means "unset" in the API: ask the server, then default.
  if (*concurrency && **concurrency > 0) {
    config.max_concurrent_transforms = static_cast<int>(**concurrency);
  }

  Result<int> assemble = reader.Choice("AssembleWith", {"None", "Line"});
  if (!assemble) return assemble.error();
  config.assemble_with = *assemble == 1 ? AssembleWith::kLine : AssembleWith::kNone;

  Result<ObjectReader> processing = reader.Object("DataProcessing");
  if (!processing) return processing.error();
  if (auto parsed = ParseDataProcessing(*processing, config); !parsed) return parsed.error();

  Result<ObjectReader> client = reader.Object("ModelClientConfig");
  if (!client) return client.error();
  if (auto parsed = ParseModelClient(*client, config); !parsed) return parsed.error();

  Result<std::optional<int64_t>> ping_timeout = reader.Integer("PingTimeoutSeconds", 1, 86400);
  if (!ping_timeout) return ping_timeout.error();
  if (*ping_timeout) config.ping_timeout_seconds = static_cast<int>(**ping_timeout);
  return config;
}

Result<TransformConfig> LoadTransformConfig(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    return MakeError(ErrorCode::kNotFound, file.string(), "cannot read the transform config");
  }
  std::ostringstream contents;
  contents << stream.rdbuf();
  return ParseTransformConfig(contents.str(), file.string());
}

}  // namespace sluice

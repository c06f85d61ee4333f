#include "api/sagemaker_service.h"

#include "api/answer_cache.h"
#include "base/event_loop.h"
#include "base/text.h"
#include "base/time_format.h"
#include "engine/callback_answer.h"
#include "engine/engine.h"
#include "engine/identifiers.h"
#include "engine/selection.h"
#include "graph/compiled_pipeline.h"
#include "store/metadata_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

namespace sluice {
namespace {

using Json = nlohmann::json;

struct ApiError {
  std::string code = "ValidationException";
  std::string message;
  int status = 400;
};

template <class T>
using ApiResult = Result<T, ApiError>;
using Outcome = ApiResult<Json>;
using Respond = std::function<void(Outcome)>;

ApiError Invalid(std::string message) {
  return ApiError{"ValidationException", std::move(message)};
}
ApiError Missing(std::string message) { return ApiError{"ResourceNotFound", std::move(message)}; }
ApiError Conflict(std::string message) { return ApiError{"ConflictException", std::move(message)}; }
ApiError Internal(const Error& error) { return ApiError{"InternalFailure", error.ToString(), 500}; }

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string JoinErrors(const Errors& errors) {
  std::string text;
  for (const Error& error : errors) {
    if (!text.empty()) text += "; ";
    text += error.ToString();
  }
  return text;
}

std::string TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "a structure";
    case Json::value_t::null:
      return "null";
    default:
      return "a value";
  }
}

double EpochSeconds(TimePoint time) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch())
                 .count()) /
         1000.0;
}

// "2024-05-01T12:00:00.000Z" (the form steps write) as epoch seconds.
std::optional<double> ParseIsoTime(const std::string& text) {
  std::tm parts{};
  int milliseconds = 0;
  char zone = 0;
  const int read = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &parts.tm_year,
                               &parts.tm_mon, &parts.tm_mday, &parts.tm_hour, &parts.tm_min,
                               &parts.tm_sec, &milliseconds, &zone);
  if (read < 6) return std::nullopt;
  if (read == 8 && zone != 'Z') return std::nullopt;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  const time_t seconds = timegm(&parts);
  return static_cast<double>(seconds) + (read >= 7 ? milliseconds / 1000.0 : 0.0);
}

// Documents written by steps carry ISO times; the wire protocol carries epoch seconds.
void ConvertTimes(Json& value) {
  if (value.is_object()) {
    for (auto& [key, member] : value.items()) {
      if (member.is_string() && key.size() >= 4 && key.ends_with("Time")) {
        if (auto seconds = ParseIsoTime(member.get<std::string>())) member = *seconds;
      } else {
        ConvertTimes(member);
      }
    }
  } else if (value.is_array()) {
    for (Json& item : value) ConvertTimes(item);
  }
}

// ---- Reading request members: each error names the member and what it expected. ----

class Members {
 public:
  explicit Members(const Json& request) : request_(request) {}

  const Json* Find(const char* name) const {
    auto found = request_.find(name);
    if (found == request_.end() || found->is_null()) return nullptr;
    return &*found;
  }

  ApiResult<std::optional<std::string>> String(const char* name, size_t max_length = 0,
                                               const char* pattern = nullptr) const {
    const Json* value = Find(name);
    if (value == nullptr) return std::optional<std::string>();
    if (!value->is_string()) {
      return Invalid(std::string(name) + ": expected a string, got " + TypeName(*value));
    }
    std::string text = value->get<std::string>();
    if (max_length != 0 && text.size() > max_length) {
      return Invalid(std::string(name) + ": expected at most " + std::to_string(max_length) +
                     " characters, got " + std::to_string(text.size()));
    }
    if (pattern != nullptr && !std::regex_match(text, std::regex(pattern))) {
      return Invalid(std::string(name) + ": " + Quote(text) + " does not match " + pattern);
    }
    return std::optional<std::string>(std::move(text));
  }

  ApiResult<std::string> RequiredString(const char* name, size_t max_length = 0,
                                        const char* pattern = nullptr) const {
    auto value = String(name, max_length, pattern);
    if (!value) return value.error();
    if (!*value || (*value)->empty()) {
      return Invalid(std::string(name) + ": required, expected a non-empty string");
    }
    return std::move(**value);
  }

  ApiResult<std::optional<int64_t>> Integer(const char* name, int64_t minimum,
                                            int64_t maximum) const {
    const Json* value = Find(name);
    if (value == nullptr) return std::optional<int64_t>();
    if (!value->is_number_integer() && !value->is_number_unsigned()) {
      return Invalid(std::string(name) + ": expected an integer, got " + TypeName(*value));
    }
    const int64_t number = value->get<int64_t>();
    if (number < minimum || number > maximum) {
      return Invalid(std::string(name) + ": expected an integer from " + std::to_string(minimum) +
                     " to " + std::to_string(maximum) + ", got " + std::to_string(number));
    }
    return std::optional<int64_t>(number);
  }

  ApiResult<std::optional<TimePoint>> Time(const char* name) const {
    const Json* value = Find(name);
    if (value == nullptr) return std::optional<TimePoint>();
    if (!value->is_number()) {
      return Invalid(std::string(name) + ": expected a timestamp (epoch seconds), got " +
                     TypeName(*value));
    }
    const auto millis = static_cast<int64_t>(std::llround(value->get<double>() * 1000.0));
    return std::optional<TimePoint>(TimePoint(std::chrono::milliseconds(millis)));
  }

  ApiResult<std::optional<std::string>> Enum(const char* name,
                                             std::initializer_list<const char*> allowed) const {
    auto value = String(name);
    if (!value || !*value) return value;
    std::string expected;
    for (const char* option : allowed) {
      if (**value == option) return value;
      expected += expected.empty() ? option : std::string(", ") + option;
    }
    return Invalid(std::string(name) + ": expected one of " + expected + ", got " + Quote(**value));
  }

  ApiResult<const Json*> Object(const char* name) const {
    const Json* value = Find(name);
    if (value != nullptr && !value->is_object()) {
      return Invalid(std::string(name) + ": expected a structure, got " + TypeName(*value));
    }
    return value;
  }

  ApiResult<const Json*> List(const char* name, size_t max_items) const {
    const Json* value = Find(name);
    if (value == nullptr) return value;
    if (!value->is_array()) {
      return Invalid(std::string(name) + ": expected a list, got " + TypeName(*value));
    }
    if (value->size() > max_items) {
      return Invalid(std::string(name) + ": expected at most " + std::to_string(max_items) +
                     " items, got " + std::to_string(value->size()));
    }
    return value;
  }

 private:
  const Json& request_;
};

#define SLUICE_TRY(variable, expression)         \
  auto variable##_result = (expression);         \
  if (!variable##_result) {                      \
    return std::move(variable##_result).error(); \
  }                                              \
  auto variable = std::move(*variable##_result)

constexpr const char* kPipelineNamePattern = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}";
constexpr const char* kDisplayNamePattern = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}";
constexpr const char* kGroupNamePattern = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";

// ParallelismConfiguration{MaxParallelExecutionSteps}; 0 when absent.
ApiResult<int64_t> Parallelism(const Members& members) {
  SLUICE_TRY(config, members.Object("ParallelismConfiguration"));
  if (config == nullptr) return int64_t{0};
  const Members inner(*config);
  auto steps = inner.Integer("MaxParallelExecutionSteps", 1, 1000000);
  if (!steps) {
    ApiError error = steps.error();
    error.message = "ParallelismConfiguration." + error.message;
    return error;
  }
  if (!*steps) {
    return Invalid(
        "ParallelismConfiguration.MaxParallelExecutionSteps: required, expected an "
        "integer of at least 1");
  }
  return **steps;
}

Json ParallelismJson(int64_t steps) { return Json{{"MaxParallelExecutionSteps", steps}}; }

ApiResult<std::vector<Tag>> Tags(const Members& members) {
  SLUICE_TRY(list, members.List("Tags", 50));
  std::vector<Tag> tags;
  if (list == nullptr) return tags;
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    const std::string where = "Tags[" + std::to_string(i) + "]";
    if (!item.is_object()) return Invalid(where + ": expected a structure with Key and Value");
    const Members tag(item);
    auto key = tag.RequiredString("Key", 128);
    if (!key) return Invalid(where + "." + key.error().message);
    auto value = tag.String("Value", 256);
    if (!value) return Invalid(where + "." + value.error().message);
    tags.push_back(Tag{*key, value->value_or("")});
  }
  return tags;
}

Json TagsJson(const std::vector<Tag>& tags) {
  Json list = Json::array();
  for (const Tag& tag : tags) list.push_back(Json{{"Key", tag.key}, {"Value", tag.value}});
  return list;
}

// ---- Pages: NextToken is the offset of the next page, encoded so clients do not rely on it.

constexpr std::string_view kTokenPrefix = "sluice-page-";

std::string EncodeToken(int64_t offset) {
  return LowerHex(std::string(kTokenPrefix) + std::to_string(offset));
}

ApiResult<int64_t> DecodeToken(const std::string& token) {
  std::string plain;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const ApiError invalid = Invalid("NextToken: not a token this server gave");
  if (token.size() % 2 != 0) return invalid;
  for (size_t i = 0; i < token.size(); i += 2) {
    const int high = digit(token[i]);
    const int low = digit(token[i + 1]);
    if (high < 0 || low < 0) return invalid;
    plain += static_cast<char>(high * 16 + low);
  }
  if (!plain.starts_with(kTokenPrefix)) return invalid;
  const std::string number = plain.substr(kTokenPrefix.size());
  if (number.empty() || number.size() > 12 ||
      !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid;
  }
  return std::stoll(number);
}

struct Page {
  int64_t offset = 0;
  int64_t size = 50;
};

ApiResult<Page> ReadPage(const Members& members, int64_t default_size = 50) {
  Page page;
  page.size = default_size;
  SLUICE_TRY(size, members.Integer("MaxResults", 1, 100));
  if (size) page.size = *size;
  SLUICE_TRY(token, members.String("NextToken", 8192));
  if (token) {
    SLUICE_TRY(offset, DecodeToken(*token));
    page.offset = offset;
  }
  return page;
}

// Fills `query` from the page (asking for one more item, to know whether another page follows).
void ApplyPage(const Page& page, ListQuery& query) {
  query.offset = page.offset;
  query.limit = page.size + 1;
}

// Trims `items` to the page and sets NextToken when more follow.
template <class T>
void FinishPage(const Page& page, std::vector<T>& items, Json& response) {
  if (static_cast<int64_t>(items.size()) > page.size) {
    items.resize(static_cast<size_t>(page.size));
    response["NextToken"] = EncodeToken(page.offset + page.size);
  }
}

// The page of an in-memory list.
template <class T>
std::vector<T> Slice(const Page& page, const std::vector<T>& all, Json& response) {
  std::vector<T> items;
  for (int64_t i = page.offset;
       i < static_cast<int64_t>(all.size()) && i <= page.offset + page.size; ++i) {
    items.push_back(all[static_cast<size_t>(i)]);
  }
  FinishPage(page, items, response);
  return items;
}

ApiResult<ListOrder> Order(const Members& members, ListOrder default_order) {
  SLUICE_TRY(order, members.Enum("SortOrder", {"Ascending", "Descending"}));
  if (!order) return default_order;
  return *order == "Ascending" ? ListOrder::kAscending : ListOrder::kDescending;
}

std::string JobStatusOf(StepStatus status) {
  switch (status) {
    case StepStatus::kSucceeded:
      return "Completed";
    case StepStatus::kFailed:
      return "Failed";
    case StepStatus::kStopped:
      return "Stopped";
    case StepStatus::kStopping:
      return "Stopping";
    default:
      return "InProgress";
  }
}

std::string LowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The file or directory name of a resource, as the RegisterModel step writes it.
std::string ResourceFileName(std::string_view name) {
  std::string file;
  for (char c : name) file += (c == '/' || c == '\0') ? '_' : c;
  return file;
}

std::optional<Json> ReadJsonFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  Json parsed = Json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

Result<void> WriteJsonFileAtomically(const std::filesystem::path& file, const Json& value) {
  const std::filesystem::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << value.dump(2) << "\n";
    if (!out) return MakeError(ErrorCode::kIo, file.string(), "cannot write");
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) return MakeError(ErrorCode::kIo, file.string(), "cannot write: " + error.message());
  return {};
}

}  // namespace

struct SageMakerService::Impl {
  EventLoop& loop;
  Engine& engine;
  MetadataStore& store;
  ServiceOptions options;
  std::mutex package_mutex;  // one UpdateModelPackage at a time rewrites a package's file
  // Shared with the store's change listener, which may outlive the service.
  std::shared_ptr<AnswerCache> execution_answers = std::make_shared<AnswerCache>();

  using SyncOperation = Outcome (Impl::*)(const Members&);
  using AsyncOperation = void (Impl::*)(const Members&, Respond);

  std::string PipelineArnOf(std::string_view name) const {
    return PipelineArn(options.region, options.account, name);
  }
  std::string ExecutionArnOf(const ExecutionRecord& record) const {
    return ExecutionArn(PipelineArnOf(record.pipeline_name), record.id);
  }
  std::string ResourceArnOf(std::string_view kind, std::string_view name) const {
    return "arn:aws:sagemaker:" + options.region + ":" + options.account + ":" + std::string(kind) +
           "/" + LowerCase(std::string(name));
  }
  std::filesystem::path GroupsDirectory() const {
    return options.state_dir / "resources" / "model-package-groups";
  }

  // ---- Lookups (committed state) ----

  ApiResult<PipelineRecord> FindPipeline(const std::string& name_or_arn) {
    auto found = store.FindPipeline(name_or_arn);
    if (!found) return Internal(found.error());
    if (!*found) return Missing("Pipeline " + Quote(name_or_arn) + " does not exist");
    return std::move(**found);
  }

  ApiResult<ExecutionRecord> FindExecution(const std::string& arn) {
    const size_t marker = arn.rfind("/execution/");
    const std::string id = marker == std::string::npos ? arn : arn.substr(marker + 11);
    auto found = store.FindExecution(id);
    if (!found) return Internal(found.error());
    if (!*found || (marker != std::string::npos && ExecutionArnOf(**found) != arn)) {
      return Missing("Pipeline execution " + Quote(arn) + " does not exist");
    }
    return std::move(**found);
  }

  ApiResult<ExecutionDetails> DetailsOf(const ExecutionRecord& record) {
    auto found = store.FindExecutionDetails(record.id);
    if (!found) return Internal(found.error());
    if (*found) return std::move(**found);
    ExecutionDetails details;
    details.execution_id = record.id;
    return details;
  }

  // Runs `write` on the engine's loop, where it may call the engine and write to the store;
  // answers from there once it is durable. With a token, the first answer to (operation, token)
  // is the answer to every repetition.
  void OnLoop(std::string operation, std::optional<std::string> token,
              std::function<Outcome()> write, Respond respond) {
    loop.Post([this, operation = std::move(operation), token = std::move(token),
               write = std::move(write), respond = std::move(respond)] {
      if (token) {
        auto earlier = store.FindIdempotentResponse(operation, *token);
        if (!earlier) return respond(Internal(earlier.error()));
        if (*earlier) return respond(Json::parse(**earlier, nullptr, false));
      }
      Outcome outcome = write();
      if (outcome && token) {
        if (auto kept = store.PutIdempotentResponse(operation, *token, Dump(*outcome)); !kept) {
          return respond(Internal(kept.error()));
        }
      }
      respond(std::move(outcome));
    });
  }

  // ---- Pipelines ----

  // PipelineDefinition, or the object PipelineDefinitionS3Location names (the SageMaker SDK
  // uploads definitions of 100 KB and more and sends their location); nullopt if neither.
  ApiResult<std::optional<std::string>> DefinitionOf(const Members& members) {
    SLUICE_TRY(definition, members.String("PipelineDefinition", 1024 * 1024));
    SLUICE_TRY(location, members.Object("PipelineDefinitionS3Location"));
    if (location == nullptr) return definition;
    if (definition) {
      return Invalid("PipelineDefinition, PipelineDefinitionS3Location: expected one of them");
    }
    auto text = [&](const char* name) {
      auto found = location->find(name);
      return found != location->end() && found->is_string() ? found->get<std::string>() : "";
    };
    const std::string bucket = text("Bucket");
    const std::string key = text("ObjectKey");
    if (bucket.empty() || key.empty()) {
      return Invalid("PipelineDefinitionS3Location: expected Bucket and ObjectKey strings");
    }
    if (!text("VersionId").empty()) {
      return Invalid(
          "PipelineDefinitionS3Location.VersionId: the local object store keeps no versions");
    }
    const std::string uri = "s3://" + bucket + "/" + key;
    if (!options.read_object) {
      return Invalid("PipelineDefinitionS3Location: no object store to read " + uri + " from");
    }
    auto read = options.read_object(uri);
    if (!read) {
      return Invalid("PipelineDefinitionS3Location: cannot read " + uri + ": " +
                     read.error().message);
    }
    return std::optional<std::string>(std::move(*read));
  }

  void CreatePipeline(const Members& members, Respond respond) {
    auto prepared = [&]() -> ApiResult<std::pair<PipelineRecord, PipelineVersionRecord>> {
      SLUICE_TRY(name, members.RequiredString("PipelineName", 256, kPipelineNamePattern));
      SLUICE_TRY(display_name, members.String("PipelineDisplayName", 256, kPipelineNamePattern));
      SLUICE_TRY(description, members.String("PipelineDescription", 3072));
      SLUICE_TRY(role, members.RequiredString("RoleArn", 2048));
      SLUICE_TRY(definition, DefinitionOf(members));
      SLUICE_TRY(parallelism, Parallelism(members));
      if (!definition) {
        return Invalid(
            "PipelineDefinition: required, expected the definition JSON (or "
            "PipelineDefinitionS3Location naming an object that holds it)");
      }
      CompileOutcome compiled = Compile(*definition);
      if (!compiled.pipeline) {
        return Invalid("PipelineDefinition: " + JoinErrors(compiled.errors));
      }
      const TimePoint now = std::chrono::system_clock::now();
      PipelineRecord pipeline;
      pipeline.name = name;
      pipeline.arn = PipelineArnOf(name);
      pipeline.display_name = display_name.value_or(name);
      pipeline.description = description.value_or("");
      pipeline.role_arn = role;
      pipeline.max_parallel_steps = parallelism;
      pipeline.created = now;
      pipeline.last_modified = now;
      PipelineVersionRecord version;
      version.pipeline_name = name;
      version.version_id = 1;
      version.definition = *definition;
      version.created = now;
      return std::make_pair(std::move(pipeline), std::move(version));
    }();
    if (!prepared) return respond(prepared.error());
    auto tags = Tags(members);
    if (!tags) return respond(tags.error());
    auto token = members.String("ClientRequestToken", 128);
    if (!token) return respond(token.error());
    OnLoop(
        "CreatePipeline", *token,
        [this, records = std::move(*prepared), tags = std::move(*tags)]() -> Outcome {
          const auto& [pipeline, version] = records;
          if (auto created = store.CreatePipeline(pipeline, version); !created) {
            if (created.error().code == ErrorCode::kAlreadyExists) {
              return Invalid(
                  "Pipeline names must be unique within an AWS account and region. "
                  "Pipeline with name (" +
                  pipeline.name + ") already exists.");
            }
            return Internal(created.error());
          }
          if (!tags.empty()) {
            if (auto tagged = store.AddTags(pipeline.arn, tags); !tagged) {
              return Internal(tagged.error());
            }
          }
          return Json{{"PipelineArn", pipeline.arn}};
        },
        std::move(respond));
  }

  void UpdatePipeline(const Members& members, Respond respond) {
    auto prepared = [&]() -> ApiResult<std::pair<PipelineRecord, PipelineVersionRecord>> {
      SLUICE_TRY(name, members.RequiredString("PipelineName", 256));
      SLUICE_TRY(display_name, members.String("PipelineDisplayName", 256, kPipelineNamePattern));
      SLUICE_TRY(description, members.String("PipelineDescription", 3072));
      SLUICE_TRY(role, members.String("RoleArn", 2048));
      SLUICE_TRY(definition, DefinitionOf(members));
      SLUICE_TRY(parallelism, Parallelism(members));
      SLUICE_TRY(pipeline, FindPipeline(name));
      PipelineVersionRecord version;
      if (definition) {
        CompileOutcome compiled = Compile(*definition);
        if (!compiled.pipeline) {
          return Invalid("PipelineDefinition: " + JoinErrors(compiled.errors));
        }
        version.definition = *definition;
      } else {
        auto latest = store.FindPipelineVersion(pipeline.name, pipeline.latest_version);
        if (!latest) return Internal(latest.error());
        if (*latest) version.definition = (*latest)->definition;
      }
      const TimePoint now = std::chrono::system_clock::now();
      if (display_name) pipeline.display_name = *display_name;
      if (description) pipeline.description = *description;
      if (role) pipeline.role_arn = *role;
      if (members.Find("ParallelismConfiguration") != nullptr) {
        pipeline.max_parallel_steps = parallelism;
      }
      pipeline.last_modified = now;
      version.pipeline_name = pipeline.name;
      version.created = now;
      return std::make_pair(std::move(pipeline), std::move(version));
    }();
    if (!prepared) return respond(prepared.error());
    OnLoop(
        "UpdatePipeline", std::nullopt,
        [this, records = std::move(*prepared)]() -> Outcome {
          const auto& [pipeline, version] = records;
          auto updated = store.UpdatePipeline(pipeline, version);
          if (!updated) {
            if (updated.error().code == ErrorCode::kNotFound) {
              return Missing("Pipeline " + Quote(pipeline.name) + " does not exist");
            }
            return Internal(updated.error());
          }
          return Json{{"PipelineArn", pipeline.arn}, {"PipelineVersionId", *updated}};
        },
        std::move(respond));
  }

  Outcome DescribePipeline(const Members& members) {
    SLUICE_TRY(name, members.RequiredString("PipelineName", 2048));
    SLUICE_TRY(version_id, members.Integer("PipelineVersionId", 1, INT64_MAX));
    SLUICE_TRY(pipeline, FindPipeline(name));
    auto version =
        store.FindPipelineVersion(pipeline.name, version_id.value_or(pipeline.latest_version));
    if (!version) return Internal(version.error());
    if (!*version) {
      return Missing("Pipeline " + Quote(pipeline.name) + " has no version " +
                     std::to_string(*version_id));
    }
    Json response{{"PipelineArn", pipeline.arn},
                  {"PipelineName", pipeline.name},
                  {"PipelineDisplayName", pipeline.display_name},
                  {"PipelineDefinition", (*version)->definition},
                  {"RoleArn", pipeline.role_arn},
                  {"PipelineStatus", "Active"},
                  {"CreationTime", EpochSeconds(pipeline.created)},
                  {"LastModifiedTime", EpochSeconds(pipeline.last_modified)}};
    if (!pipeline.description.empty()) response["PipelineDescription"] = pipeline.description;
    if (pipeline.last_execution) response["LastRunTime"] = EpochSeconds(*pipeline.last_execution);
    if (pipeline.max_parallel_steps > 0) {
      response["ParallelismConfiguration"] = ParallelismJson(pipeline.max_parallel_steps);
    }
    if (!(*version)->display_name.empty()) {
      response["PipelineVersionDisplayName"] = (*version)->display_name;
    }
    if (!(*version)->description.empty()) {
      response["PipelineVersionDescription"] = (*version)->description;
    }
    return response;
  }

  void DeletePipeline(const Members& members, Respond respond) {
    auto name = members.RequiredString("PipelineName", 2048);
    if (!name) return respond(name.error());
    auto token = members.String("ClientRequestToken", 128);
    if (!token) return respond(token.error());
    OnLoop(
        "DeletePipeline", *token,
        [this, name = *name]() -> Outcome {
          SLUICE_TRY(pipeline, FindPipeline(name));
          ListQuery all;
          all.limit = INT64_MAX;
          auto executions = store.ListPipelineExecutions(pipeline.name, all);
          if (!executions) return Internal(executions.error());
          for (const ExecutionRecord& record : *executions) {
            if (!IsTerminal(record.status)) {
              return Conflict("Pipeline " + Quote(pipeline.name) + " has a running execution, " +
                              ExecutionArnOf(record) + "; stop it first");
            }
          }
          if (auto deleted = store.DeletePipeline(pipeline.name); !deleted) {
            return Internal(deleted.error());
          }
          return Json{{"PipelineArn", pipeline.arn}};
        },
        std::move(respond));
  }

  ApiResult<ListQuery> TimeWindow(const Members& members, const char* after, const char* before) {
    ListQuery query;
    SLUICE_TRY(created_after, members.Time(after));
    SLUICE_TRY(created_before, members.Time(before));
    query.created_after = created_after;
    query.created_before = created_before;
    return query;
  }

  Outcome ListPipelines(const Members& members) {
    SLUICE_TRY(query, TimeWindow(members, "CreatedAfter", "CreatedBefore"));
    SLUICE_TRY(prefix, members.String("PipelineNamePrefix", 256));
    SLUICE_TRY(sort_by, members.Enum("SortBy", {"Name", "CreationTime"}));
    SLUICE_TRY(order, Order(members, ListOrder::kDescending));
    SLUICE_TRY(page, ReadPage(members));
    query.name_prefix = prefix.value_or("");
    query.sort_key = sort_by == "Name" ? ListSortKey::kName : ListSortKey::kCreationTime;
    query.order = order;
    ApplyPage(page, query);
    auto pipelines = store.ListPipelines(query);
    if (!pipelines) return Internal(pipelines.error());
    Json response = Json::object();
    FinishPage(page, *pipelines, response);
    Json summaries = Json::array();
    for (const PipelineRecord& pipeline : *pipelines) {
      Json summary{{"PipelineArn", pipeline.arn},
                   {"PipelineName", pipeline.name},
                   {"PipelineDisplayName", pipeline.display_name},
                   {"RoleArn", pipeline.role_arn},
                   {"CreationTime", EpochSeconds(pipeline.created)},
                   {"LastModifiedTime", EpochSeconds(pipeline.last_modified)}};
      if (!pipeline.description.empty()) summary["PipelineDescription"] = pipeline.description;
      if (pipeline.last_execution) {
        summary["LastExecutionTime"] = EpochSeconds(*pipeline.last_execution);
      }
      summaries.push_back(std::move(summary));
    }
    response["PipelineSummaries"] = std::move(summaries);
    return response;
  }

  Outcome ListPipelineVersions(const Members& members) {
    SLUICE_TRY(name, members.RequiredString("PipelineName", 2048));
    SLUICE_TRY(query, TimeWindow(members, "CreatedAfter", "CreatedBefore"));
    SLUICE_TRY(order, Order(members, ListOrder::kDescending));
    SLUICE_TRY(page, ReadPage(members));
    SLUICE_TRY(pipeline, FindPipeline(name));
    query.order = order;
    ApplyPage(page, query);
    auto versions = store.ListPipelineVersions(pipeline.name, query);
    if (!versions) return Internal(versions.error());
    Json response = Json::object();
    FinishPage(page, *versions, response);
    Json summaries = Json::array();
    for (const PipelineVersionRecord& version : *versions) {
      Json summary{{"PipelineArn", pipeline.arn},
                   {"PipelineVersionId", version.version_id},
                   {"CreationTime", EpochSeconds(version.created)}};
      if (!version.display_name.empty())
        summary["PipelineVersionDisplayName"] = version.display_name;
      if (!version.description.empty()) summary["PipelineVersionDescription"] = version.description;
      if (!version.last_execution_id.empty()) {
        summary["LastExecutionPipelineExecutionArn"] =
            ExecutionArn(pipeline.arn, version.last_execution_id);
      }
      summaries.push_back(std::move(summary));
    }
    response["PipelineVersionSummaries"] = std::move(summaries);
    return response;
  }

  // ---- Executions ----

  void StartPipelineExecution(const Members& members, Respond respond) {
    struct Prepared {
      StartRequest request;
      ExecutionDetails details;
    };
    auto prepared = [&]() -> ApiResult<Prepared> {
      SLUICE_TRY(name, members.RequiredString("PipelineName", 2048));
      SLUICE_TRY(display_name,
                 members.String("PipelineExecutionDisplayName", 82, kDisplayNamePattern));
      SLUICE_TRY(description, members.String("PipelineExecutionDescription", 3072));
      SLUICE_TRY(version_id, members.Integer("PipelineVersionId", 1, INT64_MAX));
      SLUICE_TRY(parallelism, Parallelism(members));
      SLUICE_TRY(parameters, members.List("PipelineParameters", 200));
      SLUICE_TRY(selective, members.Object("SelectiveExecutionConfig"));
      SLUICE_TRY(pipeline, FindPipeline(name));
      const int64_t version_number = version_id.value_or(pipeline.latest_version);
      auto version = store.FindPipelineVersion(pipeline.name, version_number);
      if (!version) return Internal(version.error());
      if (!*version) {
        return Missing("Pipeline " + Quote(pipeline.name) + " has no version " +
                       std::to_string(version_number));
      }
      CompileOutcome compiled = Compile((*version)->definition);
      if (!compiled.pipeline) {
        return Invalid("the pipeline's definition no longer compiles: " +
                       JoinErrors(compiled.errors));
      }
      Prepared result;
      StartRequest& request = result.request;
      request.pipeline_name = pipeline.name;
      request.definition = (*version)->definition;
      request.pipeline = compiled.pipeline;
      request.max_parallel_steps = parallelism > 0 ? parallelism : pipeline.max_parallel_steps;
      request.display_name = display_name.value_or("");
      if (parameters != nullptr) {
        for (size_t i = 0; i < parameters->size(); ++i) {
          const Json& item = (*parameters)[i];
          const std::string where = "PipelineParameters[" + std::to_string(i) + "]";
          if (!item.is_object()) return Invalid(where + ": expected a structure with Name, Value");
          const Members parameter(item);
          auto parameter_name = parameter.RequiredString("Name", 256);
          if (!parameter_name) return Invalid(where + "." + parameter_name.error().message);
          auto value = parameter.String("Value", 1024);
          if (!value) return Invalid(where + "." + value.error().message);
          if (!*value) return Invalid(where + ".Value: required, expected a string");
          request.parameters.emplace_back(*parameter_name, **value);
        }
      }
      result.details.pipeline_version_id = version_number;
      result.details.description = description.value_or("");
      result.details.display_name = display_name.value_or("");
      result.details.max_parallel_steps = parallelism;
      if (selective != nullptr) {
        SLUICE_TRY(plan, PlanSelective(*selective, *compiled.pipeline));
        request.reused_steps = std::move(plan.reused);
        request.excluded_steps = std::move(plan.excluded);
        result.details.selective_execution_json = Dump(*selective);
      }
      return result;
    }();
    if (!prepared) return respond(prepared.error());
    auto token = members.String("ClientRequestToken", 128);
    if (!token) return respond(token.error());
    auto shared = std::make_shared<Prepared>(std::move(*prepared));
    OnLoop(
        "StartPipelineExecution", *token,
        [this, shared]() -> Outcome {
          auto started = engine.Start(std::move(shared->request));
          if (!started) return Invalid(JoinErrors(started.error()));
          shared->details.execution_id = *started;
          if (auto kept = store.PutExecutionDetails(shared->details); !kept) {
            return Internal(kept.error());
          }
          auto record = store.FindExecution(*started);
          if (!record || !*record) return Internal(Error{ErrorCode::kInternal, *started, "lost"});
          return Json{{"PipelineExecutionArn", ExecutionArnOf(**record)}};
        },
        std::move(respond));
  }

  ApiResult<SelectionPlan> PlanSelective(const Json& config, const CompiledPipeline& pipeline) {
    const Members members(config);
    SLUICE_TRY(source_arn, members.String("SourcePipelineExecutionArn", 2048));
    SLUICE_TRY(steps, members.List("SelectedSteps", 50));
    if (steps == nullptr || steps->empty()) {
      return Invalid("SelectiveExecutionConfig.SelectedSteps: required, expected 1 to 50 steps");
    }
    SelectionRequest selection;
    for (size_t i = 0; i < steps->size(); ++i) {
      const Json& item = (*steps)[i];
      const std::string where = "SelectiveExecutionConfig.SelectedSteps[" + std::to_string(i) + "]";
      if (!item.is_object()) return Invalid(where + ": expected a structure with StepName");
      auto step = Members(item).RequiredString("StepName", 256);
      if (!step) return Invalid(where + "." + step.error().message);
      selection.selected_steps.push_back(*step);
    }
    std::vector<StepRun> source_runs;
    std::string arn;
    if (source_arn) {
      auto source = FindExecution(*source_arn);
      if (!source) return source.error();
      auto runs = store.ListStepRuns(source->id);
      if (!runs) return Internal(runs.error());
      source_runs = std::move(*runs);
      selection.source_execution = source->id;
      arn = ExecutionArnOf(*source);
    }
    auto plan = PlanSelection(pipeline, selection, arn, source_runs);
    if (!plan) return Invalid("SelectiveExecutionConfig: " + JoinErrors(plan.error()));
    return std::move(*plan);
  }

  void StopPipelineExecution(const Members& members, Respond respond) {
    auto arn = members.RequiredString("PipelineExecutionArn", 2048);
    if (!arn) return respond(arn.error());
    auto token = members.String("ClientRequestToken", 128);
    if (!token) return respond(token.error());
    OnLoop(
        "StopPipelineExecution", *token,
        [this, arn = *arn]() -> Outcome {
          SLUICE_TRY(record, FindExecution(arn));
          if (auto stopped = engine.Stop(record.id); !stopped) {
            if (IsTerminal(record.status)) {
              return Conflict("Pipeline execution " + arn + " already ended " +
                              std::string(ExecutionStatusName(record.status)));
            }
            return Conflict("Pipeline execution " + arn +
                            " is not run by this server: " + stopped.error().ToString());
          }
          return Json{{"PipelineExecutionArn", ExecutionArnOf(record)}};
        },
        std::move(respond));
  }

  void RetryPipelineExecution(const Members& members, Respond respond) {
    auto arn = members.RequiredString("PipelineExecutionArn", 2048);
    if (!arn) return respond(arn.error());
    auto token = members.String("ClientRequestToken", 128);
    if (!token) return respond(token.error());
    auto parallelism = Parallelism(members);
    if (!parallelism) return respond(parallelism.error());
    OnLoop(
        "RetryPipelineExecution", *token,
        [this, arn = *arn, parallelism = *parallelism]() -> Outcome {
          SLUICE_TRY(record, FindExecution(arn));
          if (record.status != ExecutionStatus::kFailed &&
              record.status != ExecutionStatus::kStopped) {
            return Conflict("Pipeline execution " + arn + " is " +
                            std::string(ExecutionStatusName(record.status)) +
                            "; only a Failed or Stopped execution can be retried");
          }
          auto runs = store.ListStepRuns(record.id);
          if (!runs) return Internal(runs.error());
          CompileOutcome compiled = Compile(record.definition);
          if (!compiled.pipeline) return Invalid(JoinErrors(compiled.errors));
          SLUICE_TRY(details, DetailsOf(record));
          const int64_t steps = parallelism > 0 ? parallelism : details.max_parallel_steps;
          if (parallelism > 0) {
            details.max_parallel_steps = parallelism;
            if (auto kept = store.PutExecutionDetails(details); !kept) {
              return Internal(kept.error());
            }
          }
          auto resumed = engine.Resume(ResumeRequest{record, std::move(*runs), compiled.pipeline,
                                                     ResumeMode::kRetry, steps});
          if (!resumed) return Invalid(JoinErrors(resumed.error()));
          return Json{{"PipelineExecutionArn", ExecutionArnOf(record)}};
        },
        std::move(respond));
  }

  Outcome DescribePipelineExecution(const Members& members) {
    SLUICE_TRY(arn, members.RequiredString("PipelineExecutionArn", 2048));
    SLUICE_TRY(record, FindExecution(arn));
    SLUICE_TRY(details, DetailsOf(record));
    Json response{{"PipelineArn", PipelineArnOf(record.pipeline_name)},
                  {"PipelineExecutionArn", ExecutionArnOf(record)},
                  {"PipelineExecutionDisplayName",
                   details.display_name.empty() ? record.display_name : details.display_name},
                  {"PipelineExecutionStatus", ExecutionStatusName(record.status)},
                  {"CreationTime", EpochSeconds(record.created)},
                  {"LastModifiedTime", EpochSeconds(record.last_modified)}};
    if (!details.description.empty()) {
      response["PipelineExecutionDescription"] = details.description;
    }
    if (!record.failure_reason.empty()) response["FailureReason"] = record.failure_reason;
    const int64_t parallelism =
        details.max_parallel_steps > 0 ? details.max_parallel_steps : record.max_parallel_steps;
    if (parallelism > 0) response["ParallelismConfiguration"] = ParallelismJson(parallelism);
    if (!details.selective_execution_json.empty()) {
      Json selective = Json::parse(details.selective_execution_json, nullptr, false);
      if (!selective.is_discarded()) response["SelectiveExecutionConfig"] = std::move(selective);
    }
    if (details.pipeline_version_id > 0) {
      response["PipelineVersionId"] = details.pipeline_version_id;
    }
    return response;
  }

  // Clients poll executions with this call far more than with any other, so its answer is kept
  // until the store reports a change to the execution.
  void DescribePipelineExecutionKept(const Json& body, Respond respond, const HttpReply& reply) {
    auto given = body.find("PipelineExecutionArn");
    if (given == body.end() || !given->is_string()) {
      return respond(DescribePipelineExecution(Members(body)));
    }
    const std::string& arn = given->get_ref<const std::string&>();
    const size_t marker = arn.rfind("/execution/");
    const std::string_view id = marker == std::string::npos
                                    ? std::string_view(arn)
                                    : std::string_view(arn).substr(marker + 11);
    store.NoticeChangesElsewhere();
    if (std::optional<std::string> kept = execution_answers->Find(id, arn)) {
      return reply(HttpResponse{200, std::move(*kept)});
    }
    const uint64_t read = execution_answers->BeginRead();
    Outcome outcome = DescribePipelineExecution(Members(body));
    if (!outcome) return respond(std::move(outcome));
    std::string answer = Dump(*outcome);
    execution_answers->Fill(id, arn, answer, read);
    reply(HttpResponse{200, std::move(answer)});
  }

  Outcome ListPipelineExecutions(const Members& members) {
    SLUICE_TRY(name, members.RequiredString("PipelineName", 2048));
    SLUICE_TRY(query, TimeWindow(members, "CreatedAfter", "CreatedBefore"));
    SLUICE_TRY(sort_by, members.Enum("SortBy", {"CreationTime", "PipelineExecutionArn"}));
    SLUICE_TRY(order, Order(members, ListOrder::kDescending));
    SLUICE_TRY(page, ReadPage(members));
    auto pipeline = store.FindPipeline(name);
    if (!pipeline) return Internal(pipeline.error());
    // Executions `sluice run` began have no pipeline record, but their pipeline name still
    // lists them.
    const std::string pipeline_name = *pipeline ? (*pipeline)->name : name;
    query.sort_key =
        sort_by == "PipelineExecutionArn" ? ListSortKey::kName : ListSortKey::kCreationTime;
    query.order = order;
    ApplyPage(page, query);
    auto executions = store.ListPipelineExecutions(pipeline_name, query);
    if (!executions) return Internal(executions.error());
    if (!*pipeline && executions->empty() && page.offset == 0) {
      return Missing("Pipeline " + Quote(name) + " does not exist");
    }
    Json response = Json::object();
    FinishPage(page, *executions, response);
    Json summaries = Json::array();
    for (const ExecutionRecord& record : *executions) {
      SLUICE_TRY(details, DetailsOf(record));
      Json summary{{"PipelineExecutionArn", ExecutionArnOf(record)},
                   {"StartTime", EpochSeconds(record.created)},
                   {"PipelineExecutionStatus", ExecutionStatusName(record.status)},
                   {"PipelineExecutionDisplayName",
                    details.display_name.empty() ? record.display_name : details.display_name}};
      if (!details.description.empty()) {
        summary["PipelineExecutionDescription"] = details.description;
      }
      if (!record.failure_reason.empty()) {
        summary["PipelineExecutionFailureReason"] = record.failure_reason;
      }
      summaries.push_back(std::move(summary));
    }
    response["PipelineExecutionSummaries"] = std::move(summaries);
    return response;
  }

  Outcome ListPipelineExecutionSteps(const Members& members) {
    SLUICE_TRY(arn, members.RequiredString("PipelineExecutionArn", 2048));
    SLUICE_TRY(order, Order(members, ListOrder::kDescending));
    SLUICE_TRY(page, ReadPage(members));
    SLUICE_TRY(record, FindExecution(arn));
    auto runs = store.ListStepRuns(record.id);
    if (!runs) return Internal(runs.error());
    // One entry per step: its latest attempt, counting the attempts.
    std::map<std::string, size_t> latest;
    std::vector<const StepRun*> steps;
    for (const StepRun& run : *runs) {
      if (run.status == StepStatus::kNotStarted || run.status == StepStatus::kSkipped) continue;
      auto [found, is_new] = latest.emplace(run.step_name, steps.size());
      if (is_new) {
        steps.push_back(&run);
      } else if (run.attempt >= steps[found->second]->attempt) {
        steps[found->second] = &run;
      }
    }
    std::stable_sort(steps.begin(), steps.end(), [&](const StepRun* left, const StepRun* right) {
      return order == ListOrder::kAscending ? left->started < right->started
                                            : left->started > right->started;
    });
    // Display names and descriptions are the definition's, which the execution ran.
    std::map<std::string, const StepSpec*, std::less<>> specs;
    CompileOutcome compiled;
    if (!steps.empty()) compiled = Compile(record.definition);
    if (compiled.pipeline) {
      for (const StepSpec& spec : compiled.pipeline->definition.steps) specs[spec.name] = &spec;
    }
    Json summaries = Json::array();
    for (const StepRun* run : steps) {
      Json summary{{"StepName", run->step_name},
                   {"StartTime", EpochSeconds(run->started)},
                   {"StepStatus", StepStatusName(run->status)},
                   {"AttemptCount", run->attempt}};
      if (auto spec = specs.find(run->step_name); spec != specs.end()) {
        for (const auto& [key, shown] : {std::pair{"DisplayName", "StepDisplayName"},
                                         std::pair{"Description", "StepDescription"}}) {
          if (const std::string* text = spec->second->TextField(key)) summary[shown] = *text;
        }
      }
      if (run->ended) summary["EndTime"] = EpochSeconds(*run->ended);
      if (!run->failure_reason.empty()) summary["FailureReason"] = run->failure_reason;
      Json metadata =
          Json::parse(run->metadata_json.empty() ? "{}" : run->metadata_json, nullptr, false);
      if (metadata.is_object()) {
        for (const char* result : {"CacheHitResult", "SelectiveExecutionResult"}) {
          if (auto found = metadata.find(result); found != metadata.end()) {
            summary[result] = *found;
            metadata.erase(found);
          }
        }
        ConvertTimes(metadata);
        if (!metadata.empty()) summary["Metadata"] = std::move(metadata);
      }
      summaries.push_back(std::move(summary));
    }
    Json response = Json::object();
    std::vector<Json> all(summaries.begin(), summaries.end());
    response["PipelineExecutionSteps"] = Slice(page, all, response);
    return response;
  }

  Outcome ListPipelineParametersForExecution(const Members& members) {
    SLUICE_TRY(arn, members.RequiredString("PipelineExecutionArn", 2048));
    SLUICE_TRY(page, ReadPage(members));
    SLUICE_TRY(record, FindExecution(arn));
    Json parameters =
        Json::parse(record.parameters_json.empty() ? "{}" : record.parameters_json, nullptr, false);
    std::vector<Json> all;
    if (parameters.is_object()) {
      for (const auto& [name, value] : parameters.items()) {
        all.push_back(Json{{"Name", name},
                           {"Value", value.is_string() ? value.get<std::string>() : Dump(value)}});
      }
    }
    Json response = Json::object();
    response["PipelineParameters"] = Slice(page, all, response);
    return response;
  }

  Outcome DescribePipelineDefinitionForExecution(const Members& members) {
    SLUICE_TRY(arn, members.RequiredString("PipelineExecutionArn", 2048));
    SLUICE_TRY(record, FindExecution(arn));
    return Json{{"PipelineDefinition", record.definition},
                {"CreationTime", EpochSeconds(record.created)}};
  }

  void UpdatePipelineExecution(const Members& members, Respond respond) {
    auto arn = members.RequiredString("PipelineExecutionArn", 2048);
    if (!arn) return respond(arn.error());
    auto description = members.String("PipelineExecutionDescription", 3072);
    if (!description) return respond(description.error());
    auto display_name = members.String("PipelineExecutionDisplayName", 82, kDisplayNamePattern);
    if (!display_name) return respond(display_name.error());
    auto parallelism = Parallelism(members);
    if (!parallelism) return respond(parallelism.error());
    OnLoop(
        "UpdatePipelineExecution", std::nullopt,
        [this, arn = *arn, description = *description, display_name = *display_name,
         parallelism = *parallelism]() -> Outcome {
          SLUICE_TRY(record, FindExecution(arn));
          SLUICE_TRY(details, DetailsOf(record));
          if (description) details.description = *description;
          if (display_name) details.display_name = *display_name;
          // Steps already planned keep the engine's limit; the new one applies from the next
          // retry of the execution on.
          if (parallelism > 0) details.max_parallel_steps = parallelism;
          if (auto kept = store.PutExecutionDetails(details); !kept) {
            return Internal(kept.error());
          }
          return Json{{"PipelineExecutionArn", ExecutionArnOf(record)}};
        },
        std::move(respond));
  }

  // ---- Jobs and models the steps made ----

  Outcome DescribeJob(const Members& members, const char* name_member, const char* step_type,
                      const char* status_member, const char* arn_member,
                      std::string_view arn_kind) {
    SLUICE_TRY(name, members.RequiredString(name_member, 63));
    auto run = store.FindStepRunByJob(name);
    if (!run) return Internal(run.error());
    if (!*run || (*run)->step_type != step_type) {
      return Missing(std::string(name_member) + ": " + Quote(name) + " was not made here");
    }
    Json document = Json::parse((*run)->properties_json.empty() ? "{}" : (*run)->properties_json,
                                nullptr, false);
    if (!document.is_object()) document = Json::object();
    ConvertTimes(document);
    if (!document.contains(name_member)) document[name_member] = name;
    if (!document.contains(arn_member)) document[arn_member] = ResourceArnOf(arn_kind, name);
    if (status_member != nullptr) {
      // A document of a step that has not ended, or that failed before its job wrote one.
      if (!document.contains(status_member) || !IsTerminal((*run)->status)) {
        document[status_member] = JobStatusOf((*run)->status);
      }
      if (!(*run)->failure_reason.empty() && !document.contains("FailureReason")) {
        document["FailureReason"] = (*run)->failure_reason;
      }
      if (!document.contains("CreationTime")) {
        document["CreationTime"] = EpochSeconds((*run)->started);
      }
    }
    return document;
  }

  Outcome DescribeProcessingJob(const Members& members) {
    return DescribeJob(members, "ProcessingJobName", "Processing", "ProcessingJobStatus",
                       "ProcessingJobArn", "processing-job");
  }
  Outcome DescribeTrainingJob(const Members& members) {
    return DescribeJob(members, "TrainingJobName", "Training", "TrainingJobStatus",
                       "TrainingJobArn", "training-job");
  }
  Outcome DescribeTransformJob(const Members& members) {
    return DescribeJob(members, "TransformJobName", "Transform", "TransformJobStatus",
                       "TransformJobArn", "transform-job");
  }
  Outcome DescribeModel(const Members& members) {
    return DescribeJob(members, "ModelName", "Model", nullptr, "ModelArn", "model");
  }

  // ---- Model packages, kept where the RegisterModel step writes them ----

  // The directory of a group, by name or ARN (ARNs spell names in lower case).
  std::optional<std::filesystem::path> FindGroupDirectory(const std::string& name_or_arn) {
    const std::string marker = ":model-package-group/";
    const size_t at = name_or_arn.find(marker);
    const bool is_arn = at != std::string::npos;
    const std::string name = is_arn ? name_or_arn.substr(at + marker.size()) : name_or_arn;
    const std::filesystem::path exact = GroupsDirectory() / ResourceFileName(name);
    std::error_code error;
    if (std::filesystem::is_directory(exact, error)) return exact;
    for (const auto& entry : std::filesystem::directory_iterator(GroupsDirectory(), error)) {
      if (LowerCase(entry.path().filename().string()) == LowerCase(ResourceFileName(name))) {
        return entry.path();
      }
    }
    return std::nullopt;
  }

  Json GroupDocument(const std::filesystem::path& directory) {
    if (auto stored = ReadJsonFile(directory / "group.json")) return *stored;
    // A group the RegisterModel step made by registering into it.
    const std::string name = directory.filename().string();
    std::error_code error;
    const auto written = std::filesystem::last_write_time(directory, error);
    const auto created = std::chrono::file_clock::to_sys(written);
    return Json{
        {"ModelPackageGroupName", name},
        {"ModelPackageGroupArn", ResourceArnOf("model-package-group", name)},
        {"CreationTime", FormatIsoTime(std::chrono::time_point_cast<TimePoint::duration>(created))},
        {"ModelPackageGroupStatus", "Completed"}};
  }

  Outcome CreateModelPackageGroup(const Members& members) {
    SLUICE_TRY(name, members.RequiredString("ModelPackageGroupName", 63, kGroupNamePattern));
    SLUICE_TRY(description, members.String("ModelPackageGroupDescription", 1024));
    SLUICE_TRY(tags, Tags(members));
    const std::filesystem::path directory =
        FindGroupDirectory(name).value_or(GroupsDirectory() / ResourceFileName(name));
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) return Internal(MakeError(ErrorCode::kIo, directory.string(), error.message()));
    const std::filesystem::path file = directory / "group.json";
    const int fd = ::open(file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) {
        return Invalid("Model Package Group " + Quote(name) + " already exists");
      }
      return Internal(MakeError(ErrorCode::kIo, file.string(), "cannot create"));
    }
    ::close(fd);
    const std::string arn = ResourceArnOf("model-package-group", name);
    Json group{{"ModelPackageGroupName", name},
               {"ModelPackageGroupArn", arn},
               {"CreationTime", FormatIsoTime(std::chrono::system_clock::now())},
               {"ModelPackageGroupStatus", "Completed"}};
    if (description) group["ModelPackageGroupDescription"] = *description;
    if (auto written = WriteJsonFileAtomically(file, group); !written) {
      return Internal(written.error());
    }
    if (!tags.empty()) {
      // Tags are the store's, written from the loop as every store write is.
      loop.Post([this, arn, tags] { (void)store.AddTags(arn, tags); });
    }
    return Json{{"ModelPackageGroupArn", arn}};
  }

  Outcome DescribeModelPackageGroup(const Members& members) {
    SLUICE_TRY(name, members.RequiredString("ModelPackageGroupName", 2048));
    auto directory = FindGroupDirectory(name);
    if (!directory) return Missing("Model Package Group " + Quote(name) + " does not exist");
    Json group = GroupDocument(*directory);
    ConvertTimes(group);
    return group;
  }

  Outcome ListModelPackageGroups(const Members& members) {
    SLUICE_TRY(window, TimeWindow(members, "CreationTimeAfter", "CreationTimeBefore"));
    SLUICE_TRY(contains, members.String("NameContains", 63));
    SLUICE_TRY(sort_by, members.Enum("SortBy", {"Name", "CreationTime"}));
    SLUICE_TRY(order, Order(members, ListOrder::kAscending));
    SLUICE_TRY(page, ReadPage(members));
    std::vector<Json> groups;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(GroupsDirectory(), error)) {
      if (!entry.is_directory()) continue;
      Json group = GroupDocument(entry.path());
      ConvertTimes(group);
      const std::string name = group.value("ModelPackageGroupName", "");
      if (contains && name.find(*contains) == std::string::npos) continue;
      if (!WithinWindow(group, window)) continue;
      groups.push_back(std::move(group));
    }
    SortDocuments(groups, sort_by == "Name" ? "ModelPackageGroupName" : "CreationTime", order);
    Json response = Json::object();
    response["ModelPackageGroupSummaryList"] = Slice(page, groups, response);
    return response;
  }

  static bool WithinWindow(const Json& document, const ListQuery& window) {
    const double created = document.value("CreationTime", 0.0);
    if (window.created_after && created <= EpochSeconds(*window.created_after)) return false;
    if (window.created_before && created >= EpochSeconds(*window.created_before)) return false;
    return true;
  }

  static void SortDocuments(std::vector<Json>& documents, const std::string& key, ListOrder order) {
    std::stable_sort(documents.begin(), documents.end(), [&](const Json& left, const Json& right) {
      const Json& a = left.contains(key) ? left[key] : Json();
      const Json& b = right.contains(key) ? right[key] : Json();
      return order == ListOrder::kAscending ? a < b : b < a;
    });
  }

  // The file of a package: a versioned ARN ".../model-package/<group>/<version>", or the name or
  // ARN of an unversioned package.
  std::optional<std::filesystem::path> FindPackageFile(const std::string& name_or_arn) {
    const std::string marker = ":model-package/";
    const size_t at = name_or_arn.find(marker);
    std::string name =
        at == std::string::npos ? name_or_arn : name_or_arn.substr(at + marker.size());
    const size_t slash = name.rfind('/');
    std::error_code error;
    if (slash != std::string::npos) {
      const std::string version = name.substr(slash + 1);
      if (version.empty() || !std::all_of(version.begin(), version.end(),
                                          [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
      }
      auto directory = FindGroupDirectory(name.substr(0, slash));
      if (!directory) return std::nullopt;
      const std::filesystem::path file = *directory / (version + ".json");
      if (std::filesystem::is_regular_file(file, error)) return file;
      return std::nullopt;
    }
    const std::filesystem::path unversioned = options.state_dir / "resources" / "model-packages";
    const std::filesystem::path file = unversioned / (ResourceFileName(name) + ".json");
    if (std::filesystem::is_regular_file(file, error)) return file;
    for (const auto& entry : std::filesystem::directory_iterator(unversioned, error)) {
      if (LowerCase(entry.path().filename().string()) ==
          LowerCase(ResourceFileName(name) + ".json")) {
        return entry.path();
      }
    }
    return std::nullopt;
  }

  // A package file as DescribeModelPackage answers it; nullopt while the step is writing it.
  static std::optional<Json> PackageDocument(const std::filesystem::path& file) {
    auto document = ReadJsonFile(file);
    if (!document) return std::nullopt;
    if (document->contains("ModelPackageVersion") && !document->contains("ModelPackageGroupName")) {
      (*document)["ModelPackageGroupName"] = (*document)["ModelPackageName"];
    }
    ConvertTimes(*document);
    return document;
  }

  Outcome DescribeModelPackage(const Members& members) {
    SLUICE_TRY(name, members.RequiredString("ModelPackageName", 2048));
    auto file = FindPackageFile(name);
    std::optional<Json> document;
    if (file) document = PackageDocument(*file);
    if (!document) return Missing("Model package " + Quote(name) + " does not exist");
    return *document;
  }

  Outcome ListModelPackages(const Members& members) {
    SLUICE_TRY(window, TimeWindow(members, "CreationTimeAfter", "CreationTimeBefore"));
    SLUICE_TRY(contains, members.String("NameContains", 63));
    SLUICE_TRY(approval, members.Enum("ModelApprovalStatus",
                                      {"Approved", "Rejected", "PendingManualApproval"}));
    SLUICE_TRY(group_name, members.String("ModelPackageGroupName", 2048));
    SLUICE_TRY(type, members.Enum("ModelPackageType", {"Versioned", "Unversioned", "Both"}));
    SLUICE_TRY(sort_by, members.Enum("SortBy", {"Name", "CreationTime"}));
    SLUICE_TRY(order, Order(members, ListOrder::kAscending));
    SLUICE_TRY(page, ReadPage(members));
    std::vector<std::filesystem::path> files;
    std::error_code error;
    auto add_directory = [&](const std::filesystem::path& directory) {
      for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
        const std::string file = entry.path().filename().string();
        if (file.ends_with(".json") && file != "group.json") files.push_back(entry.path());
      }
    };
    const std::string kind = group_name ? "Versioned" : type.value_or("Unversioned");
    if (group_name) {
      auto directory = FindGroupDirectory(*group_name);
      if (!directory) {
        return Missing("Model Package Group " + Quote(*group_name) + " does not exist");
      }
      add_directory(*directory);
    } else {
      if (kind != "Unversioned") {
        for (const auto& entry : std::filesystem::directory_iterator(GroupsDirectory(), error)) {
          if (entry.is_directory()) add_directory(entry.path());
        }
      }
      if (kind != "Versioned") add_directory(options.state_dir / "resources" / "model-packages");
    }
    std::vector<Json> summaries;
    for (const auto& file : files) {
      auto document = PackageDocument(file);
      if (!document) continue;
      if (approval && document->value("ModelApprovalStatus", "") != *approval) continue;
      if (contains &&
          document->value("ModelPackageName", "").find(*contains) == std::string::npos) {
        continue;
      }
      if (!WithinWindow(*document, window)) continue;
      Json summary = Json::object();
      for (const char* key :
           {"ModelPackageName", "ModelPackageGroupName", "ModelPackageVersion", "ModelPackageArn",
            "ModelPackageDescription", "CreationTime", "ModelPackageStatus", "ModelApprovalStatus",
            "ModelLifeCycle", "ModelPackageRegistrationType"}) {
        if (document->contains(key)) summary[key] = (*document)[key];
      }
      summaries.push_back(std::move(summary));
    }
    // Versions of one group sort by number within the same creation time.
    SortDocuments(summaries, "ModelPackageVersion", order);
    SortDocuments(summaries, sort_by == "Name" ? "ModelPackageName" : "CreationTime", order);
    Json response = Json::object();
    response["ModelPackageSummaryList"] = Slice(page, summaries, response);
    return response;
  }

  Outcome UpdateModelPackage(const Members& members) {
    SLUICE_TRY(arn, members.RequiredString("ModelPackageArn", 2048));
    SLUICE_TRY(approval, members.Enum("ModelApprovalStatus",
                                      {"Approved", "Rejected", "PendingManualApproval"}));
    SLUICE_TRY(approval_description, members.String("ApprovalDescription", 1024));
    SLUICE_TRY(properties, members.Object("CustomerMetadataProperties"));
    SLUICE_TRY(removed, members.List("CustomerMetadataPropertiesToRemove", 50));
    auto file = FindPackageFile(arn);
    if (!file) return Missing("Model package " + Quote(arn) + " does not exist");
    std::lock_guard lock(package_mutex);
    auto document = ReadJsonFile(*file);
    if (!document) return Missing("Model package " + Quote(arn) + " does not exist");
    if (approval) (*document)["ModelApprovalStatus"] = *approval;
    if (approval_description) (*document)["ApprovalDescription"] = *approval_description;
    if (properties != nullptr) {
      Json& kept = (*document)["CustomerMetadataProperties"];
      if (!kept.is_object()) kept = Json::object();
      for (const auto& [key, value] : properties->items()) {
        if (!value.is_string()) {
          return Invalid("CustomerMetadataProperties." + key + ": expected a string, got " +
                         TypeName(value));
        }
        kept[key] = value;
      }
    }
    if (removed != nullptr && document->contains("CustomerMetadataProperties")) {
      for (const Json& key : *removed) {
        if (key.is_string())
          (*document)["CustomerMetadataProperties"].erase(key.get<std::string>());
      }
    }
    (*document)["LastModifiedTime"] = FormatIsoTime(std::chrono::system_clock::now());
    if (auto written = WriteJsonFileAtomically(*file, *document); !written) {
      return Internal(written.error());
    }
    return Json{{"ModelPackageArn", document->value("ModelPackageArn", arn)}};
  }

  // ---- Tags ----

  void AddTags(const Members& members, Respond respond) {
    auto arn = members.RequiredString("ResourceArn", 256);
    if (!arn) return respond(arn.error());
    auto tags = Tags(members);
    if (!tags) return respond(tags.error());
    if (!members.Find("Tags")) return respond(Invalid("Tags: required, expected a list"));
    OnLoop(
        "AddTags", std::nullopt,
        [this, arn = *arn, tags = *tags]() -> Outcome {
          if (auto added = store.AddTags(arn, tags); !added) return Internal(added.error());
          return Json{{"Tags", TagsJson(tags)}};
        },
        std::move(respond));
  }

  Outcome ListTags(const Members& members) {
    SLUICE_TRY(arn, members.RequiredString("ResourceArn", 256));
    SLUICE_TRY(page, ReadPage(members));
    auto tags = store.ListTags(arn);
    if (!tags) return Internal(tags.error());
    Json response = Json::object();
    std::vector<Tag> items = Slice(page, *tags, response);
    response["Tags"] = TagsJson(items);
    return response;
  }

  // ---- Callback steps ----

  void SendPipelineExecutionStepSuccess(const Members& members, Respond respond) {
    auto answer = [&]() -> ApiResult<CallbackAnswer> {
      SLUICE_TRY(token, members.RequiredString("CallbackToken", 10, "[a-zA-Z0-9]{10}"));
      SLUICE_TRY(outputs, members.List("OutputParameters", 50));
      CallbackAnswer given;
      given.token = token;
      for (size_t i = 0; outputs != nullptr && i < outputs->size(); ++i) {
        const Json& item = (*outputs)[i];
        const std::string where = "OutputParameters[" + std::to_string(i) + "]";
        if (!item.is_object()) return Invalid(where + ": expected a structure with Name and Value");
        const Members output(item);
        auto name = output.RequiredString("Name", 256);
        if (!name) return Invalid(where + "." + name.error().message);
        auto value = output.String("Value", 1024);
        if (!value) return Invalid(where + "." + value.error().message);
        if (!*value) return Invalid(where + ".Value: required, expected a string");
        given.outputs.emplace_back(std::move(*name), std::move(**value));
      }
      return given;
    }();
    AnswerOnLoop("SendPipelineExecutionStepSuccess", members, std::move(answer),
                 std::move(respond));
  }

  void SendPipelineExecutionStepFailure(const Members& members, Respond respond) {
    auto answer = [&]() -> ApiResult<CallbackAnswer> {
      SLUICE_TRY(token, members.RequiredString("CallbackToken", 10, "[a-zA-Z0-9]{10}"));
      SLUICE_TRY(reason, members.String("FailureReason", 256));
      CallbackAnswer given;
      given.token = token;
      given.is_success = false;
      given.failure_reason = reason.value_or("");
      return given;
    }();
    AnswerOnLoop("SendPipelineExecutionStepFailure", members, std::move(answer),
                 std::move(respond));
  }

  // Stores the answer, then has the engine that parked the step end it: this one at once, or
  // the `sluice run` that runs the execution, woken through options.wake_engine.
  void AnswerOnLoop(std::string operation, const Members& members, ApiResult<CallbackAnswer> answer,
                    Respond respond) {
    if (!answer) return respond(answer.error());
    auto token = members.String("ClientRequestToken", 128);
    if (!token) return respond(token.error());
    OnLoop(
        std::move(operation), *token,
        [this, answer = std::move(*answer)]() -> Outcome {
          auto answered = AnswerCallback(store, answer, std::chrono::system_clock::now());
          if (!answered) {
            const Error& error = answered.error();
            switch (error.code) {
              case ErrorCode::kNotFound:
                return Missing(error.ToString());
              case ErrorCode::kConflict:
                return Conflict(error.ToString());
              case ErrorCode::kInvalidArgument:
                return Invalid(error.ToString());
              default:
                return Internal(error);
            }
          }
          engine.CheckCallbacks();
          if (options.wake_engine) options.wake_engine(answered->execution_id);
          SLUICE_TRY(record, FindExecution(answered->execution_id));
          return Json{{"PipelineExecutionArn", ExecutionArnOf(record)}};
        },
        std::move(respond));
  }

  // ---- Dispatch ----

  void Dispatch(const std::string& operation, const Json& body, Respond respond) {
    static const std::map<std::string, SyncOperation, std::less<>> kReads = {
        {"DescribePipeline", &Impl::DescribePipeline},
        {"ListPipelines", &Impl::ListPipelines},
        {"ListPipelineVersions", &Impl::ListPipelineVersions},
        {"DescribePipelineExecution", &Impl::DescribePipelineExecution},
        {"ListPipelineExecutions", &Impl::ListPipelineExecutions},
        {"ListPipelineExecutionSteps", &Impl::ListPipelineExecutionSteps},
        {"ListPipelineParametersForExecution", &Impl::ListPipelineParametersForExecution},
        {"DescribePipelineDefinitionForExecution", &Impl::DescribePipelineDefinitionForExecution},
        {"DescribeProcessingJob", &Impl::DescribeProcessingJob},
        {"DescribeTrainingJob", &Impl::DescribeTrainingJob},
        {"DescribeTransformJob", &Impl::DescribeTransformJob},
        {"DescribeModel", &Impl::DescribeModel},
        {"CreateModelPackageGroup", &Impl::CreateModelPackageGroup},
        {"DescribeModelPackageGroup", &Impl::DescribeModelPackageGroup},
        {"ListModelPackageGroups", &Impl::ListModelPackageGroups},
        {"DescribeModelPackage", &Impl::DescribeModelPackage},
        {"ListModelPackages", &Impl::ListModelPackages},
        {"UpdateModelPackage", &Impl::UpdateModelPackage},
        {"ListTags", &Impl::ListTags},
    };
    static const std::map<std::string, AsyncOperation, std::less<>> kWrites = {
        {"CreatePipeline", &Impl::CreatePipeline},
        {"UpdatePipeline", &Impl::UpdatePipeline},
        {"DeletePipeline", &Impl::DeletePipeline},
        {"StartPipelineExecution", &Impl::StartPipelineExecution},
        {"StopPipelineExecution", &Impl::StopPipelineExecution},
        {"RetryPipelineExecution", &Impl::RetryPipelineExecution},
        {"UpdatePipelineExecution", &Impl::UpdatePipelineExecution},
        {"AddTags", &Impl::AddTags},
        {"SendPipelineExecutionStepSuccess", &Impl::SendPipelineExecutionStepSuccess},
        {"SendPipelineExecutionStepFailure", &Impl::SendPipelineExecutionStepFailure},
    };
    const Members members(body);
    if (auto read = kReads.find(operation); read != kReads.end()) {
      return respond((this->*(read->second))(members));
    }
    if (auto write = kWrites.find(operation); write != kWrites.end()) {
      return (this->*(write->second))(members, std::move(respond));
    }
    respond(ApiError{"UnknownOperationException",
                     "operation " + Quote(operation) + " is not served here"});
  }
};

SageMakerService::SageMakerService(EventLoop& loop, Engine& engine, MetadataStore& store,
                                   ServiceOptions options)
    : impl_(new Impl{loop, engine, store, std::move(options), {}}) {
  store.AddExecutionChangeListener(
      [answers = impl_->execution_answers](std::string_view id) { answers->Invalidate(id); });
}

SageMakerService::~SageMakerService() = default;

void SageMakerService::Handle(HttpRequest request, HttpReply reply) {
  Respond respond = [reply](Outcome outcome) {
    if (outcome) return reply(HttpResponse{200, Dump(*outcome)});
    reply(HttpResponse{outcome.error().status,
                       ErrorBody(outcome.error().code, outcome.error().message)});
  };
  constexpr std::string_view kPrefix = "SageMaker.";
  if (!request.target.starts_with(kPrefix)) {
    return respond(
        ApiError{"UnknownOperationException",
                 "X-Amz-Target: expected SageMaker.<Operation>, got " + Quote(request.target)});
  }
  Json body = Json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded()) {
    return respond(ApiError{"SerializationException", "the request body is not valid JSON"});
  }
  if (!body.is_object()) {
    return respond(ApiError{"SerializationException",
                            "the request body: expected a JSON object, got " + TypeName(body)});
  }
  const std::string operation = request.target.substr(kPrefix.size());
  if (operation == "DescribePipelineExecution") {
    return impl_->DescribePipelineExecutionKept(body, std::move(respond), reply);
  }
  impl_->Dispatch(operation, body, std::move(respond));
}

}  // namespace sluice

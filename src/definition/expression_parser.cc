#include "definition/expression_parser.h"

#include "base/text.h"
#include "definition/expression.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

namespace sluice {
namespace {

const std::vector<std::string_view> kRoots = {"Parameters", "Execution", "Steps",
                                              "PipelineExperimentConfig"};
const std::vector<std::string_view> kExperimentConfigFields = {"ExperimentName", "TrialName"};
const std::vector<std::string_view> kFunctions = {"Get", "Std:Join", "Std:JsonGet"};

class Parser {
 public:
  Parser(Errors& errors, std::vector<std::shared_ptr<const Expression>>* found)
      : errors_(errors), found_(found) {}

  // `pointer` is the JSON Pointer of `value`. It is extended and cut back while walking, so
  // that no pointer string is built for the many values that need none; and `value` is reshaped
  // in place, expressions replacing the objects they are written as.
  void Walk(Value& value, std::string& pointer) {
    const size_t length = pointer.size();
    if (value.is_list()) {
      Value::List& items = value.as_list();
      for (size_t i = 0; i < items.size(); ++i) {
        if (!IsContainer(items[i])) continue;
        pointer += '/';
        pointer += std::to_string(i);
        Walk(items[i], pointer);
        pointer.resize(length);
      }
      return;
    }
    if (!value.is_map()) return;
    Value::Map& map = value.as_map();
    if (map.size() == 1) {
      const std::string& key = map[0].key;
      if (key == "Get" || key == "Std:Join" || key == "Std:JsonGet") {
        if (auto expression = ParseFunction(key, map[0].value, pointer)) {
          if (found_ != nullptr) found_->push_back(expression);
          value = Value(std::move(expression));
        }
        return;
      }
      if (key.rfind("Std:", 0) == 0) {
        Fail(pointer, "unknown function " + Quote(key) + " (expected one of Get, Std:Join, " +
                          "Std:JsonGet" + DidYouMean(key, kFunctions) + ")");
        return;
      }
    }
    for (Member& member : map) {
      if (!IsContainer(member.value)) continue;
      pointer += '/';
      if (std::none_of(member.key.begin(), member.key.end(),
                       [](char c) { return c == '~' || c == '/'; })) {
        pointer += member.key;
      } else {
        pointer += PointerToken(member.key);
      }
      Walk(member.value, pointer);
      pointer.resize(length);
    }
  }

  // Only objects and lists can hold expressions (or be one); the rest is left as it is.
  static bool IsContainer(const Value& value) { return value.is_map() || value.is_list(); }

  // A copy of `raw` walked at `pointer`, for the values inside a function's body.
  // Expressions nested in a function are not outermost: they are not added to `found_`.
  Value WalkCopy(const Value& raw, std::string pointer) {
    Value value = raw;
    auto* found = std::exchange(found_, nullptr);
    Walk(value, pointer);
    found_ = found;
    return value;
  }

 private:
  void Fail(const std::string& where, std::string message) {
    errors_.push_back(InvalidArgument(where, std::move(message)));
  }

  std::shared_ptr<const Expression> ParseFunction(const std::string& key, const Value& body,
                                                  const std::string& pointer) {
    if (key == "Get") {
      auto reference = ParseReference(body, pointer, key);
      if (!reference) return nullptr;
      return std::make_shared<const Expression>(std::move(*reference), pointer);
    }
    const std::string body_pointer = PointerAppend(pointer, key);
    if (key == "Std:Join") return ParseJoin(body, body_pointer, pointer);
    return ParseJsonGet(body, body_pointer, pointer);
  }

  // `body` is the string at `parent`/`key`; that pointer is only built for an error.
  std::optional<Reference> ParseReference(const Value& body, const std::string& parent,
                                          std::string_view key) {
    const auto pointer = [&] { return PointerAppend(parent, key); };
    if (!body.is_string()) {
      Fail(pointer(),
           "Get expects a string such as \"Parameters.Name\" or \"Steps.Name.Property\", "
           "got " +
               body.Describe());
      return std::nullopt;
    }
    const std::string& text = body.as_string();
    const size_t dot = text.find('.');
    const std::string_view root = std::string_view(text).substr(0, dot);
    if (dot == std::string::npos || dot + 1 >= text.size()) {
      Fail(pointer(), "reference " + Quote(text) +
                          " has no name after its root (expected "
                          "Parameters.<name>, Execution.<variable>, Steps.<step>.<property> or "
                          "PipelineExperimentConfig.<field>)");
      return std::nullopt;
    }
    const std::string_view rest = std::string_view(text).substr(dot + 1);
    Reference reference;
    reference.text = text;
    if (root == "Parameters") {
      reference.root = Reference::Root::kParameter;
      reference.name = rest;
      return reference;
    }
    if (root == "Execution") {
      reference.root = Reference::Root::kExecution;
      reference.name = rest;
      const auto& names = ExecutionVariableNames();
      if (std::find(names.begin(), names.end(), rest) == names.end()) {
        Fail(pointer(), "unknown execution variable " + Quote(rest) + " (expected one of " +
                            JoinNames(names) + DidYouMean(rest, names) + ")");
        return std::nullopt;
      }
      return reference;
    }
    if (root == "PipelineExperimentConfig") {
      reference.root = Reference::Root::kPipelineExperimentConfig;
      reference.name = rest;
      if (rest != "ExperimentName" && rest != "TrialName") {
        Fail(pointer(), "unknown PipelineExperimentConfig field " + Quote(rest) +
                            " (expected ExperimentName or TrialName" +
                            DidYouMean(rest, kExperimentConfigFields) + ")");
        return std::nullopt;
      }
      return reference;
    }
    if (root == "Steps") {
      reference.root = Reference::Root::kStep;
      // Step names cannot contain "." or "[", so the name ends at the first of them.
      const size_t end =
          std::find_if(rest.begin(), rest.end(), [](char c) { return c == '.' || c == '['; }) -
          rest.begin();
      reference.name = rest.substr(0, end);
      if (end + 1 >= rest.size()) {
        Fail(pointer(), "reference " + Quote(text) + " names step " + Quote(reference.name) +
                            " but no property of it (expected Steps.<step>.<property>)");
        return std::nullopt;
      }
      Result<PropertyPath> path = ParsePropertyPath(rest.substr(rest[end] == '.' ? end + 1 : end));
      if (!path) {
        Fail(pointer(), "in reference " + Quote(text) + ": " + path.error().message);
        return std::nullopt;
      }
      reference.path = std::move(*path);
      return reference;
    }
    Fail(pointer(), "unknown reference root " + Quote(root) + " in " + Quote(text) +
                        " (expected Parameters, Execution, Steps or PipelineExperimentConfig" +
                        DidYouMean(root, kRoots) + ")");
    return std::nullopt;
  }

  std::shared_ptr<const Expression> ParseJoin(const Value& body, const std::string& pointer,
                                              const std::string& expression_pointer) {
    if (!body.is_map()) {
      Fail(pointer,
           "Std:Join expects an object with \"On\" and \"Values\", got " + body.Describe());
      return nullptr;
    }
    bool ok = RejectUnknownKeys(body, pointer, {"On", "Values"}, "Std:Join");
    JoinExpression join;
    join.on = Value("");
    if (const Value* on = body.Find("On"); on != nullptr && !on->is_null()) {
      join.on = WalkCopy(*on, PointerAppend(pointer, "On"));
      if (!join.on.is_string() && !join.on.is_expression()) {
        Fail(PointerAppend(pointer, "On"), "expected a string separator, got " + on->Describe());
        ok = false;
      }
    }
    const Value* values = body.Find("Values");
    if (values == nullptr || !values->is_list()) {
      Fail(values == nullptr ? pointer : PointerAppend(pointer, "Values"),
           values == nullptr ? "Std:Join needs \"Values\", a list of values to join"
                             : "expected a list of values to join, got " + values->Describe());
      return nullptr;
    }
    const std::string values_pointer = PointerAppend(pointer, "Values");
    for (size_t i = 0; i < values->as_list().size(); ++i) {
      join.values.push_back(WalkCopy(values->as_list()[i], PointerAppend(values_pointer, i)));
    }
    if (!ok) return nullptr;
    return std::make_shared<const Expression>(std::move(join), expression_pointer);
  }

  std::shared_ptr<const Expression> ParseJsonGet(const Value& body, const std::string& pointer,
                                                 const std::string& expression_pointer) {
    if (!body.is_map()) {
      Fail(pointer,
           "Std:JsonGet expects an object with \"PropertyFile\" or \"S3Uri\", and "
           "\"Path\", got " +
               body.Describe());
      return nullptr;
    }
    bool ok = RejectUnknownKeys(body, pointer, {"PropertyFile", "S3Uri", "Path"}, "Std:JsonGet");
    JsonGetExpression json_get;
    const Value* property_file = body.Find("PropertyFile");
    const Value* s3_uri = body.Find("S3Uri");
    if ((property_file == nullptr) == (s3_uri == nullptr)) {
      Fail(pointer, "Std:JsonGet needs exactly one of \"PropertyFile\" and \"S3Uri\"");
      return nullptr;
    }
    if (property_file != nullptr) {
      const std::string file_pointer = PointerAppend(pointer, "PropertyFile");
      const Value* get = property_file->Find("Get");
      if (get == nullptr || property_file->as_map().size() != 1) {
        Fail(file_pointer, "expected {\"Get\": \"Steps.<step>.PropertyFiles.<file>\"}, got " +
                               property_file->Describe());
        return nullptr;
      }
      auto reference = ParseReference(*get, file_pointer, "Get");
      if (!reference) return nullptr;
      if (reference->root != Reference::Root::kStep || reference->path.size() != 2 ||
          reference->path[0].kind != PathSegment::Kind::kMember ||
          reference->path[0].name != "PropertyFiles" ||
          reference->path[1].kind != PathSegment::Kind::kMember) {
        Fail(PointerAppend(file_pointer, "Get"),
             "expected a property file reference \"Steps.<step>.PropertyFiles.<file>\", got " +
                 Quote(reference->text));
        return nullptr;
      }
      json_get.property_file = std::move(*reference);
    } else {
      json_get.s3_uri = WalkCopy(*s3_uri, PointerAppend(pointer, "S3Uri"));
      if (!json_get.s3_uri->is_string() && !json_get.s3_uri->is_expression()) {
        Fail(PointerAppend(pointer, "S3Uri"),
             "expected an S3 URI string or a pipeline variable, "
             "got " +
                 s3_uri->Describe());
        ok = false;
      }
    }
    const Value* path = body.Find("Path");
    if (path == nullptr || !path->is_string()) {
      Fail(path == nullptr ? pointer : PointerAppend(pointer, "Path"),
           path == nullptr ? "Std:JsonGet needs \"Path\", a JSON path such as \"metrics.mse.value\""
                           : "expected a JSON path string, got " + path->Describe());
      return nullptr;
    }
    json_get.path_text = path->as_string();
    Result<PropertyPath> parsed = ParsePropertyPath(json_get.path_text);
    if (!parsed) {
      Fail(PointerAppend(pointer, "Path"), parsed.error().message);
      return nullptr;
    }
    json_get.path = std::move(*parsed);
    if (!ok) return nullptr;
    return std::make_shared<const Expression>(std::move(json_get), expression_pointer);
  }

  bool RejectUnknownKeys(const Value& body, const std::string& pointer,
                         const std::vector<std::string_view>& known, std::string_view what) {
    bool ok = true;
    for (const Member& member : body.as_map()) {
      if (std::find(known.begin(), known.end(), member.key) != known.end()) continue;
      std::vector<std::string> names(known.begin(), known.end());
      Fail(PointerAppend(pointer, member.key),
           "unknown key " + Quote(member.key) + " in " + std::string(what) + " (expected " +
               Join(names, ", ") + DidYouMean(member.key, known) + ")");
      ok = false;
    }
    return ok;
  }

  static std::string JoinNames(const std::vector<std::string_view>& names) {
    return Join(std::vector<std::string>(names.begin(), names.end()), ", ");
  }

  Errors& errors_;
  std::vector<std::shared_ptr<const Expression>>* found_;
};

}  // namespace

const std::vector<std::string_view>& ExecutionVariableNames() {
  static const std::vector<std::string_view> names = {
      "StartDateTime",       "CurrentDateTime",      "PipelineName",    "PipelineArn",
      "PipelineExecutionId", "PipelineExecutionArn", "TrainingJobName", "ProcessingJobName"};
  return names;
}

Value ParseExpressions(Value raw, const std::string& pointer, Errors& errors,
                       std::vector<std::shared_ptr<const Expression>>* found) {
  std::string buffer = pointer;
  Parser(errors, found).Walk(raw, buffer);
  return raw;
}

}  // namespace sluice

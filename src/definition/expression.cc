#include "definition/expression.h"

#include "base/text.h"

namespace sluice {
namespace {

Error At(const std::string& location, Error error) {
  if (error.where.empty()) error.where = location;
  return error;
}

Result<Value> EvaluateReference(const Reference& reference, const EvaluationScope& scope) {
  switch (reference.root) {
    case Reference::Root::kParameter:
      return scope.ParameterValue(reference.name);
    case Reference::Root::kExecution:
      return scope.ExecutionVariable(reference.name);
    case Reference::Root::kPipelineExperimentConfig:
      return scope.PipelineExperimentConfigValue(reference.name);
    case Reference::Root::kStep: {
      Result<Value> properties = scope.StepProperties(reference.name);
      if (!properties) return properties.error();
      Result<Value> found = LookUpPath(*properties, reference.path);
      if (!found) {
        return NotFound(
            "", "property " + Quote(reference.text) + " is undefined: " + found.error().message);
      }
      return found;
    }
  }
  return InvalidArgument("", "unknown reference");
}

Result<Value> EvaluateJoin(const JoinExpression& join, const EvaluationScope& scope) {
  Result<Value> on = Resolve(join.on, scope);
  if (!on) return on.error();
  if (!on->is_string()) {
    return InvalidArgument("", "Std:Join \"On\" must be a string, got " + on->Describe());
  }
  std::string joined;
  for (size_t i = 0; i < join.values.size(); ++i) {
    Result<Value> item = Resolve(join.values[i], scope);
    if (!item) return item.error();
    if (i > 0) joined += on->as_string();
    joined += RenderForJoin(*item);
  }
  return Value(std::move(joined));
}

Result<Value> EvaluateJsonGet(const JsonGetExpression& json_get, const EvaluationScope& scope) {
  Result<Value> content = Value();
  std::string source;
  if (json_get.property_file) {
    const Reference& file = *json_get.property_file;
    const std::string& file_name = file.path.back().name;
    source = "property file " + Quote(file_name) + " of step " + Quote(file.name);
    content = scope.PropertyFileContent(file.name, file_name);
  } else {
    Result<Value> uri = Resolve(*json_get.s3_uri, scope);
    if (!uri) return uri.error();
    if (!uri->is_string()) {
      return InvalidArgument("", "Std:JsonGet \"S3Uri\" must be a string, got " + uri->Describe());
    }
    source = Quote(uri->as_string());
    content = scope.JsonObjectAt(uri->as_string());
  }
  if (!content) return content.error();
  Result<Value> found = LookUpPath(*content, json_get.path);
  if (!found) {
    return NotFound("", "Invalid json path " + Quote(json_get.path_text) + " in " + source + ": " +
                            found.error().message);
  }
  return found;
}

}  // namespace

Value Expression::ToValue() const {
  Value result = Value::EmptyMap();
  if (const auto* reference = std::get_if<Reference>(&node_)) {
    result.Set("Get", reference->text);
  } else if (const auto* join = std::get_if<JoinExpression>(&node_)) {
    Value body = Value::EmptyMap();
    body.Set("On", join->on);
    body.Set("Values", Value(Value::List(join->values)));
    result.Set("Std:Join", std::move(body));
  } else {
    const auto& json_get = std::get<JsonGetExpression>(node_);
    Value body = Value::EmptyMap();
    if (json_get.property_file) {
      Value get = Value::EmptyMap();
      get.Set("Get", json_get.property_file->text);
      body.Set("PropertyFile", std::move(get));
    } else {
      body.Set("S3Uri", *json_get.s3_uri);
    }
    body.Set("Path", json_get.path_text);
    result.Set("Std:JsonGet", std::move(body));
  }
  return result;
}

std::string Expression::Describe() const {
  if (const auto* reference = std::get_if<Reference>(&node_)) return "Get " + reference->text;
  if (std::holds_alternative<JoinExpression>(node_)) return "Std:Join";
  const auto& json_get = std::get<JsonGetExpression>(node_);
  return "Std:JsonGet " + json_get.path_text;
}

void ForEachReference(const Value& value, const std::function<void(const Reference&)>& visit) {
  switch (value.kind()) {
    case Value::Kind::kList:
      for (const Value& item : value.as_list()) ForEachReference(item, visit);
      return;
    case Value::Kind::kMap:
      for (const Member& member : value.as_map()) ForEachReference(member.value, visit);
      return;
    case Value::Kind::kExpression:
      ForEachReference(value.as_expression(), visit);
      return;
    case Value::Kind::kNull:
    case Value::Kind::kBoolean:
    case Value::Kind::kInteger:
    case Value::Kind::kFloat:
    case Value::Kind::kString:
      return;
  }
}

void ForEachReference(const Expression& expression,
                      const std::function<void(const Reference&)>& visit) {
  const Expression::Node& node = expression.node();
  if (const auto* reference = std::get_if<Reference>(&node)) {
    visit(*reference);
  } else if (const auto* join = std::get_if<JoinExpression>(&node)) {
    ForEachReference(join->on, visit);
    for (const Value& item : join->values) ForEachReference(item, visit);
  } else {
    const auto& json_get = std::get<JsonGetExpression>(node);
    if (json_get.property_file) visit(*json_get.property_file);
    if (json_get.s3_uri) ForEachReference(*json_get.s3_uri, visit);
  }
}

namespace {
bool ValueReadsArtifacts(const Value& value) {
  if (value.is_expression()) return ReadsArtifacts(value.as_expression());
  if (value.is_list()) {
    for (const Value& item : value.as_list()) {
      if (ValueReadsArtifacts(item)) return true;
    }
  } else if (value.is_map()) {
    for (const Member& member : value.as_map()) {
      if (ValueReadsArtifacts(member.value)) return true;
    }
  }
  return false;
}
}  // namespace

bool ReadsArtifacts(const Expression& expression) {
  const Expression::Node& node = expression.node();
  if (std::holds_alternative<JsonGetExpression>(node)) return true;
  if (const auto* join = std::get_if<JoinExpression>(&node)) {
    if (ValueReadsArtifacts(join->on)) return true;
    for (const Value& item : join->values) {
      if (ValueReadsArtifacts(item)) return true;
    }
  }
  return false;
}

Result<Value> Evaluate(const Expression& expression, const EvaluationScope& scope) {
  Result<Value> result = Value();
  const Expression::Node& node = expression.node();
  if (const auto* reference = std::get_if<Reference>(&node)) {
    result = EvaluateReference(*reference, scope);
  } else if (const auto* join = std::get_if<JoinExpression>(&node)) {
    result = EvaluateJoin(*join, scope);
  } else {
    result = EvaluateJsonGet(std::get<JsonGetExpression>(node), scope);
  }
  if (!result) return At(expression.location(), std::move(result).error());
  return result;
}

Result<Value> Resolve(const Value& value, const EvaluationScope& scope) {
  switch (value.kind()) {
    case Value::Kind::kExpression:
      return Evaluate(value.as_expression(), scope);
    case Value::Kind::kList: {
      Value::List resolved;
      resolved.reserve(value.as_list().size());
      for (const Value& item : value.as_list()) {
        Result<Value> one = Resolve(item, scope);
        if (!one) return one.error();
        resolved.push_back(std::move(*one));
      }
      return Value(std::move(resolved));
    }
    case Value::Kind::kMap: {
      if (!value.ContainsExpression()) return value;
      Value::Map resolved;
      resolved.reserve(value.as_map().size());
      for (const Member& member : value.as_map()) {
        Result<Value> one = Resolve(member.value, scope);
        if (!one) return one.error();
        resolved.push_back(Member{member.key, std::move(*one)});
      }
      return Value(std::move(resolved));
    }
    case Value::Kind::kNull:
    case Value::Kind::kBoolean:
    case Value::Kind::kInteger:
    case Value::Kind::kFloat:
    case Value::Kind::kString:
      return value;
  }
  return value;
}

}  // namespace sluice

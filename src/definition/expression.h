// Pipeline variables: the expressions a definition may place anywhere a value goes.
//   {"Get": "Parameters.X"} / "Execution.PipelineExecutionId" / "Steps.S.<property path>"
//   {"Std:Join": {"On": "/", "Values": [...]}}
//   {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.S.PropertyFiles.F"}, "Path": "a.b[0]"}}
//   {"Std:JsonGet": {"S3Uri": <value>, "Path": "Result"}}
// An Expression is immutable once parsed and is shared by every execution of a pipeline.
// Evaluation asks an `EvaluationScope` for the values the expression refers to.
#pragma once

#include "base/result.h"
#include "definition/property_path.h"
#include "definition/value.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice {

// {"Get": "..."}.
struct Reference {
  enum class Root { kParameter, kExecution, kStep, kPipelineExperimentConfig };
  Root root = Root::kParameter;
  std::string name;   // parameter, execution variable, step, or experiment-config field
  PropertyPath path;  // below the step (steps only)
  std::string text;   // as written, e.g. "Steps.Train.ModelArtifacts.S3ModelArtifacts"
  bool operator==(const Reference&) const = default;
};

struct JoinExpression {
  Value on;  // usually a string literal
  std::vector<Value> values;
  bool operator==(const JoinExpression&) const = default;
};

struct JsonGetExpression {
  // Exactly one of these is set: the PropertyFile form names a step and a property file;
  // the S3Uri form reads JSON at a URI computed from `s3_uri`.
  std::optional<Reference> property_file;  // root kStep, path = PropertyFiles.<file>
  std::optional<Value> s3_uri;
  std::string path_text;
  PropertyPath path;
  bool operator==(const JsonGetExpression&) const = default;
};

class Expression {
 public:
  using Node = std::variant<Reference, JoinExpression, JsonGetExpression>;
  Expression(Node node, std::string location)
      : node_(std::move(node)), location_(std::move(location)) {}

  const Node& node() const { return node_; }
  // JSON Pointer of the expression object in its definition.
  const std::string& location() const { return location_; }
  // The JSON form this expression is written in.
  Value ToValue() const;
  // A short form for messages: Get(Steps.Train.ModelArtifacts), Std:Join, Std:JsonGet(...).
  std::string Describe() const;
  bool operator==(const Expression& other) const { return node_ == other.node_; }

 private:
  Node node_;
  std::string location_;
};

// Calls `visit` on every reference inside `value` or `expression`, nested ones included
// (a Get inside a Join, the PropertyFile of a JsonGet, a step named inside an S3Uri).
void ForEachReference(const Value& value, const std::function<void(const Reference&)>& visit);
void ForEachReference(const Expression& expression,
                      const std::function<void(const Reference&)>& visit);

// True when evaluating `expression` reads a file or an object (a Std:JsonGet, nested ones
// included); every other expression is evaluated from what the execution holds in memory.
bool ReadsArtifacts(const Expression& expression);

// What expressions are evaluated against. An execution implements this over its parameters,
// its execution variables and the properties of finished steps; reads of property files and
// S3 objects go through it as well.
class EvaluationScope {
 public:
  virtual ~EvaluationScope() = default;
  virtual Result<Value> ParameterValue(std::string_view name) const = 0;
  virtual Result<Value> ExecutionVariable(std::string_view name) const = 0;
  virtual Result<Value> PipelineExperimentConfigValue(std::string_view field) const = 0;
  // The property document (Describe*-shaped) of a finished step.
  virtual Result<Value> StepProperties(std::string_view step) const = 0;
  // The parsed JSON content of a step's property file.
  virtual Result<Value> PropertyFileContent(std::string_view step,
                                            std::string_view property_file) const = 0;
  // The parsed JSON content of an object in the artifact store.
  virtual Result<Value> JsonObjectAt(std::string_view uri) const = 0;
};

Result<Value> Evaluate(const Expression& expression, const EvaluationScope& scope);

// Replaces every expression inside `value` by its result: what a step handler sees.
Result<Value> Resolve(const Value& value, const EvaluationScope& scope);

}  // namespace sluice

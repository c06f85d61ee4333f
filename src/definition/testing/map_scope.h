// An EvaluationScope over in-memory maps, for tests of expressions and conditions.
#pragma once

#include "base/text.h"
#include "definition/expression.h"

#include <map>
#include <string>

namespace sluice::testing {

class MapScope : public EvaluationScope {
 public:
  std::map<std::string, Value> parameters;
  std::map<std::string, Value> execution;
  std::map<std::string, Value> experiment;
  std::map<std::string, Value> steps;           // step name -> property document
  std::map<std::string, Value> property_files;  // "Step/File" -> content
  std::map<std::string, Value> objects;         // URI -> content

  Result<Value> ParameterValue(std::string_view name) const override {
    return Lookup(parameters, name, "parameter");
  }
  Result<Value> ExecutionVariable(std::string_view name) const override {
    return Lookup(execution, name, "execution variable");
  }
  Result<Value> PipelineExperimentConfigValue(std::string_view field) const override {
    return Lookup(experiment, field, "experiment config field");
  }
  Result<Value> StepProperties(std::string_view step) const override {
    return Lookup(steps, step, "step");
  }
  Result<Value> PropertyFileContent(std::string_view step, std::string_view file) const override {
    return Lookup(property_files, std::string(step) + "/" + std::string(file), "property file");
  }
  Result<Value> JsonObjectAt(std::string_view uri) const override {
    return Lookup(objects, uri, "object");
  }

 private:
  static Result<Value> Lookup(const std::map<std::string, Value>& map, std::string_view key,
                              std::string_view what) {
    auto found = map.find(std::string(key));
    if (found == map.end())
      return NotFound("", std::string(what) + " " + Quote(key) + " is not set");
    return found->second;
  }
};

}  // namespace sluice::testing

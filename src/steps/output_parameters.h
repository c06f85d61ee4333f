// The declared OutputParameters of a Lambda or Callback step, typed. A Lambda function answers
// with JSON values and a Callback's SendPipelineExecutionStepSuccess with strings; both become the
// declared OutputType here, so that `Steps.X.OutputParameters['name']` yields an Integer as a
// JSON integer wherever it is used.
#pragma once

#include "base/result.h"
#include "definition/pipeline_definition.h"

#include <string_view>

namespace sluice {

struct TypedOutputs {
  Value by_name = Value::EmptyMap();  // {name: typed value}: what property paths resolve against
  // [{Name, Value}] with each value as a string: ListPipelineExecutionSteps Metadata.
  Value as_listed = Value::EmptyList();
};

// One value as `type`: strings are parsed ("12" is an Integer, "true" a Boolean), numbers and
// booleans are taken as they are when they fit, and an object or list is a String holding its
// JSON (as SageMaker stores nested outputs). `name` is the output's, for the error message.
Result<Value> TypeOutputValue(std::string_view name, ParameterType type, const Value& value);

// Every declared output read from `outputs` (a map from name to value), in declared order.
// `source` says where the values came from ("the function's result"), for messages; a missing
// output or a value that is not of its type is a kInvalidArgument naming the output.
Result<TypedOutputs> TypeOutputs(const std::vector<OutputParameterSpec>& declared,
                                 const Value& outputs, std::string_view source);

}  // namespace sluice

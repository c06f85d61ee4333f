// Pipeline parameter values of one execution: the values given at start (as strings, the way
// StartPipelineExecution and `sluice run --param` carry them) coerced to each parameter's
// declared type, defaults filled in, and the result checked (unknown names, missing values,
// EnumValues, SageMaker's limits). Pure.
#pragma once

#include "base/result.h"
#include "definition/pipeline_definition.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

using ParameterValues = std::map<std::string, Value, std::less<>>;

// Errors name the parameter and what was expected ("parameter \"Epochs\": expected an integer,
// got \"ten\"").
Result<ParameterValues, Errors> ResolveParameters(
    const PipelineDefinition& definition,
    const std::vector<std::pair<std::string, std::string>>& given);

// {"Name": value, ...} in declaration order, for the execution record.
Value ParametersToValue(const PipelineDefinition& definition, const ParameterValues& values);
Result<ParameterValues> ParametersFromValue(const Value& stored);

// How ListPipelineParametersForExecution shows a value: the start-time string form.
std::string ParameterText(const Value& value);

}  // namespace sluice

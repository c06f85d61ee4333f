// PipelineDefinition -> JSON, in the form it was written: key order and unknown keys kept,
// nested Condition branches rebuilt from the flattened steps.
#pragma once

#include "definition/pipeline_definition.h"

#include <string>

namespace sluice {

Value DefinitionToValue(const PipelineDefinition& definition);
Value StepToValue(const PipelineDefinition& definition, size_t step);
// Pretty-printed with two-space indentation when `indent` is 2; compact when negative.
std::string WriteDefinition(const PipelineDefinition& definition, int indent = 2);

}  // namespace sluice

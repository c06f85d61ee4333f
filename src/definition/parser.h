// JSON text -> PipelineDefinition. Reports every structural problem it finds, each at its
// JSON Pointer with what was expected: missing or mistyped keys, unknown step types, bad
// parameters, malformed expressions and conditions, retry and cache settings past SageMaker's
// limits. Cross-references between steps are checked by the validator, not here.
#pragma once

#include "base/result.h"
#include "definition/pipeline_definition.h"

#include <string_view>

namespace sluice {

// SageMaker's limit on an inline definition (PipelineDefinition, 1,048,576 characters).
inline constexpr size_t kMaxDefinitionSize = 1'048'576;

// Problems SageMaker would accept but that are probably mistakes go to `warnings`.
Result<PipelineDefinition, Errors> ParseDefinition(std::string_view text,
                                                   Errors* warnings = nullptr);

}  // namespace sluice

// Cross-checks a parsed definition the way SageMaker does at CreatePipeline, with errors a
// person can act on: duplicate step names, references to unknown steps, parameters or
// property paths (with a near name suggested), dependencies on Fail steps, property files
// that are not declared, and Arguments whose types do not fit the SageMaker API.
// Cycles are found when the DAG is built (graph/dag.h).
#pragma once

#include "base/result.h"
#include "definition/pipeline_definition.h"

namespace sluice {

struct ValidationReport {
  Errors errors;
  Errors warnings;  // accepted by SageMaker but probably not what was meant
  bool is_valid() const { return errors.empty(); }
};

ValidationReport Validate(const PipelineDefinition& definition);

}  // namespace sluice

// A pipeline ready to run: its validated definition and its DAG, immutable and shared by
// every execution of that pipeline version.
#pragma once

#include "base/result.h"
#include "definition/pipeline_definition.h"
#include "graph/dag.h"

#include <memory>
#include <string_view>

namespace sluice {

struct CompiledPipeline {
  PipelineDefinition definition;
  Dag dag;
};

struct CompileOutcome {
  std::shared_ptr<const CompiledPipeline> pipeline;  // null when there are errors
  Errors errors;
  Errors warnings;
};

// Parse, validate and build the DAG, reporting every problem found.
CompileOutcome Compile(std::string_view text);

}  // namespace sluice

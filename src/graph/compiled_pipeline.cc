#include "graph/compiled_pipeline.h"

#include "definition/parser.h"
#include "definition/validator.h"

namespace sluice {

CompileOutcome Compile(std::string_view text) {
  CompileOutcome outcome;
  auto definition = ParseDefinition(text, &outcome.warnings);
  if (!definition) {
    outcome.errors = std::move(definition).error();
    return outcome;
  }
  ValidationReport report = Validate(*definition);
  for (Error& warning : report.warnings) outcome.warnings.push_back(std::move(warning));
  outcome.errors = std::move(report.errors);
  if (text.size() > kMaxDefinitionSize) {
    outcome.warnings.push_back(InvalidArgument(
        "", "the definition is " + std::to_string(text.size()) +
                " characters, more than SageMaker's inline limit of 1,048,576; create the "
                "pipeline with PipelineDefinitionS3Location"));
  }
  // Edges to unknown steps are left out of the DAG, so a cycle among the known ones is still
  // reported beside the unknown names.
  auto dag = Dag::Build(*definition);
  if (!dag) {
    for (Error& error : dag.error()) outcome.errors.push_back(std::move(error));
  }
  if (!outcome.errors.empty()) return outcome;
  outcome.pipeline = std::make_shared<const CompiledPipeline>(
      CompiledPipeline{std::move(*definition), std::move(*dag)});
  return outcome;
}

}  // namespace sluice

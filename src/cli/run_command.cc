#include "cli/run_command.h"

#include "cli/state_dir.h"
#include "engine/engine.h"
#include "engine/identifiers.h"
#include "engine/selection.h"
#include "graph/compiled_pipeline.h"
#include "store/metadata_store.h"

#include <cctype>
#include <iostream>

namespace sluice {
namespace {

std::string PipelineNameFromFile(const std::string& file) {
  std::string stem = file == "-" ? "pipeline" : std::filesystem::path(file).stem().string();
  // "examples/abalone/pipeline.json" names the abalone pipeline, not one called "pipeline".
  if ((stem == "pipeline" || stem == "definition") && file != "-") {
    const std::filesystem::path parent = std::filesystem::absolute(file).parent_path();
    if (!parent.filename().empty()) stem = parent.filename().string();
  }
  std::string name;
  for (char c : stem) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  while (!name.empty() && name.front() == '-') name.erase(name.begin());
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name.empty() ? "pipeline" : name;
}

}  // namespace

int RunPipeline(const RunOptions& options) {
  auto text = ReadTextFile(options.file);
  if (!text) {
    std::cerr << "sluice: " << text.error().ToString() << "\n";
    return 2;
  }
  CompileOutcome compiled = Compile(*text);
  for (const Error& error : compiled.errors) {
    std::cerr << options.file << ": error: " << error.ToString() << "\n";
  }
  if (!compiled.pipeline) return 2;

  std::vector<std::pair<std::string, std::string>> parameters;
  for (const std::string& given : options.parameters) {
    const size_t equals = given.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::cerr << "sluice: --param " << given << ": expected NAME=VALUE\n";
      return 2;
    }
    parameters.emplace_back(given.substr(0, equals), given.substr(equals + 1));
  }
  if (options.selected_steps.empty() &&
      (!options.from_execution.empty() || !options.overrides.empty())) {
    std::cerr << "sluice: --from-execution and --set need --steps (the steps to run)\n";
    return 2;
  }

  const std::string pipeline_name =
      options.pipeline_name.empty() ? PipelineNameFromFile(options.file) : options.pipeline_name;
  return HostExecutions(
      options.host,
      [&](Engine& engine, MetadataStore& store) -> Result<std::vector<std::string>, Errors> {
        StartRequest request;
        request.pipeline_name = pipeline_name;
        // `begin` runs once, after compiling: a large definition is not held twice.
        request.definition = std::move(*text);
        request.pipeline = compiled.pipeline;
        request.parameters = parameters;
        request.max_parallel_steps = options.parallelism;
        if (!options.selected_steps.empty()) {
          SelectionRequest selection{options.from_execution, options.selected_steps,
                                     options.with_downstream, options.overrides};
          std::vector<StepRun> source_runs;
          std::string source_arn;
          if (!options.from_execution.empty()) {
            auto source = store.FindExecution(options.from_execution);
            if (!source) return Errors{source.error()};
            if (!*source) {
              return Errors{NotFound("--from-execution",
                                     "execution " + options.from_execution + " is not known here")};
            }
            auto runs = store.ListStepRuns(options.from_execution);
            if (!runs) return Errors{runs.error()};
            source_runs = std::move(*runs);
            source_arn =
                ExecutionArn(PipelineArn("us-east-1", "000000000000", (*source)->pipeline_name),
                             options.from_execution);
          }
          auto chosen = PlanSelection(*compiled.pipeline, selection, source_arn, source_runs);
          if (!chosen) return chosen.error();
          request.reused_steps = std::move(chosen->reused);
          request.excluded_steps = std::move(chosen->excluded);
        }
        auto started = engine.Start(std::move(request));
        if (!started) return started.error();
        return std::vector<std::string>{*started};
      });
}

}  // namespace sluice

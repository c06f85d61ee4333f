// What a worker needs to look up, prepare or complete one attempt of one step. Built on the
// engine thread; everything in it is either owned or immutable and shared, so a worker may read
// it, and fields a worker fills are read on the engine thread only after the worker posted back.
#pragma once

#include "engine/engine.h"
#include "engine/step_cache.h"
#include "engine/step_scope.h"
#include "graph/compiled_pipeline.h"
#include "steps/step_handler.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sluice {

struct StepTask {
  std::string execution_id;
  size_t step = 0;
  int64_t attempt = 0;
  std::shared_ptr<const CompiledPipeline> pipeline;
  ExecutionIdentity identity;
  StepScope scope;
  std::string job_name;
  std::filesystem::path work_dir;
  std::filesystem::path log_file;
  const StepHandler* handler = nullptr;
  Value state;  // what Prepare() handed to Complete()
  CachePlan cache_plan = {};
  // Set by Complete()'s worker for a keyed step: its outputs that hold objects, which a later
  // reuse of this run requires to be there still.
  std::vector<std::string> existing_outputs = {};

  StepContext Context(const EngineOptions& options, ArtifactStore& artifacts,
                      const RuntimeMap& runtimes) const {
    return StepContext{identity,
                       pipeline->definition.steps[step],
                       attempt,
                       job_name,
                       work_dir,
                       log_file,
                       options.isolation,
                       scope,
                       artifacts,
                       runtimes,
                       options.transform_driver,
                       options.state_dir / "resources",
                       options.base_environment,
                       options.state_dir / "functions.json"};
  }
};

}  // namespace sluice

// Selective execution (SelectiveExecutionConfig): which steps of a pipeline run, which are taken
// from a source execution, and which are left out. Pure: the caller reads the source execution's
// step runs from the store.
//
// The selected steps run. Steps upstream of them do not: their results come from the source
// execution, where each must have succeeded. Every other step is left out. The selection must be
// connected: a step on a path between two selected steps must be selected too.
#pragma once

#include "base/result.h"
#include "model/records.h"

#include <string>
#include <vector>

namespace sluice {

struct CompiledPipeline;

struct SelectionRequest {
  std::string source_execution;  // may be empty when nothing upstream is needed
  std::vector<std::string> selected_steps;
  bool with_downstream = false;  // also select everything downstream of the selection
  // "Steps.<Step>.<property path>=<JSON value or text>": replaces a property of a reused step,
  // so a step can be run on other inputs exactly as the pipeline would run it.
  std::vector<std::string> overrides;
};

struct SelectionPlan {
  std::vector<StepRun> reused;        // from the source, marked with SelectiveExecutionResult
  std::vector<std::string> excluded;  // never run
  std::vector<std::string> selected;  // what runs, with_downstream applied
};

Result<SelectionPlan, Errors> PlanSelection(const CompiledPipeline& pipeline,
                                            const SelectionRequest& request,
                                            const std::string& source_execution_arn,
                                            const std::vector<StepRun>& source_runs);

}  // namespace sluice

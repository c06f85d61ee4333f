// What one step's expressions are evaluated against: the execution's parameters and variables,
// and the property documents of the steps upstream of it. Built on the engine thread as a
// snapshot (shared pointers to immutable documents), then read on a worker thread, so it never
// touches live execution state.
#pragma once

#include "definition/expression.h"
#include "engine/parameters.h"
#include "model/records.h"

#include <map>
#include <memory>
#include <string>

namespace sluice {

class ArtifactStore;
struct CompiledPipeline;

struct ExecutionVariables {
  std::string pipeline_name;
  std::string pipeline_arn;
  std::string execution_id;
  std::string execution_arn;
  TimePoint start_time;
  std::string experiment_name;
  std::string trial_name;
};

class StepScope final : public EvaluationScope {
 public:
  StepScope(std::shared_ptr<const CompiledPipeline> pipeline,
            std::shared_ptr<const ParameterValues> parameters,
            std::shared_ptr<const ExecutionVariables> variables, ArtifactStore* artifacts);

  // The properties of a finished step this one may refer to.
  void AddStep(std::string name, std::shared_ptr<const Value> properties);
  // The job name of the step being evaluated (Execution.TrainingJobName / ProcessingJobName).
  void SetJobName(std::string job_name, bool is_training);

  Result<Value> ParameterValue(std::string_view name) const override;
  Result<Value> ExecutionVariable(std::string_view name) const override;
  Result<Value> PipelineExperimentConfigValue(std::string_view field) const override;
  Result<Value> StepProperties(std::string_view step) const override;
  Result<Value> PropertyFileContent(std::string_view step,
                                    std::string_view property_file) const override;
  Result<Value> JsonObjectAt(std::string_view uri) const override;

 private:
  std::shared_ptr<const CompiledPipeline> pipeline_;
  std::shared_ptr<const ParameterValues> parameters_;
  std::shared_ptr<const ExecutionVariables> variables_;
  ArtifactStore* artifacts_;
  std::map<std::string, std::shared_ptr<const Value>, std::less<>> steps_;
  std::string job_name_;
  bool is_training_ = false;
};

}  // namespace sluice

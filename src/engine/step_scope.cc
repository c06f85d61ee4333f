#include "engine/step_scope.h"

#include "artifacts/artifact_store.h"
#include "base/text.h"
#include "base/time_format.h"
#include "definition/json.h"
#include "graph/compiled_pipeline.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sluice {
namespace {

std::string IsoTime(TimePoint time) { return FormatIsoTime(time); }

}  // namespace

StepScope::StepScope(std::shared_ptr<const CompiledPipeline> pipeline,
                     std::shared_ptr<const ParameterValues> parameters,
                     std::shared_ptr<const ExecutionVariables> variables, ArtifactStore* artifacts)
    : pipeline_(std::move(pipeline)),
      parameters_(std::move(parameters)),
      variables_(std::move(variables)),
      artifacts_(artifacts) {}

void StepScope::AddStep(std::string name, std::shared_ptr<const Value> properties) {
  steps_.insert_or_assign(std::move(name), std::move(properties));
}

void StepScope::SetJobName(std::string job_name, bool is_training) {
  job_name_ = std::move(job_name);
  is_training_ = is_training;
}

Result<Value> StepScope::ParameterValue(std::string_view name) const {
  if (auto found = parameters_->find(name); found != parameters_->end()) return found->second;
  return NotFound("Parameters." + std::string(name), "the execution has no such parameter");
}

Result<Value> StepScope::ExecutionVariable(std::string_view name) const {
  const ExecutionVariables& v = *variables_;
  if (name == "PipelineName") return Value(v.pipeline_name);
  if (name == "PipelineArn") return Value(v.pipeline_arn);
  if (name == "PipelineExecutionId") return Value(v.execution_id);
  if (name == "PipelineExecutionArn") return Value(v.execution_arn);
  if (name == "StartDateTime") return Value(IsoTime(v.start_time));
  if (name == "CurrentDateTime") return Value(IsoTime(std::chrono::system_clock::now()));
  if (name == "TrainingJobName" || name == "ProcessingJobName") {
    const bool wants_training = name == "TrainingJobName";
    if (!job_name_.empty() && wants_training == is_training_) return Value(job_name_);
    return NotFound("Execution." + std::string(name),
                    std::string("is only set inside a ") +
                        (wants_training ? "Training" : "Processing") + " step");
  }
  return NotFound("Execution." + std::string(name), "is not an execution variable");
}

Result<Value> StepScope::PipelineExperimentConfigValue(std::string_view field) const {
  if (field == "ExperimentName") return Value(variables_->experiment_name);
  if (field == "TrialName") return Value(variables_->trial_name);
  return NotFound("PipelineExperimentConfig." + std::string(field),
                  "expected ExperimentName or TrialName");
}

Result<Value> StepScope::StepProperties(std::string_view step) const {
  if (auto found = steps_.find(step); found != steps_.end()) return *found->second;
  return NotFound("Steps." + std::string(step), "the step has not run in this execution");
}

Result<Value> StepScope::PropertyFileContent(std::string_view step,
                                             std::string_view property_file) const {
  const std::string where =
      "Steps." + std::string(step) + ".PropertyFiles." + std::string(property_file);
  auto index = pipeline_->definition.FindStep(step);
  if (!index) return NotFound(where, "no such step");
  const StepSpec& spec = pipeline_->definition.steps[*index];
  const PropertyFileSpec* file = nullptr;
  for (const PropertyFileSpec& candidate : spec.rare().property_files) {
    if (candidate.name == property_file) file = &candidate;
  }
  if (file == nullptr) return NotFound(where, "the step declares no such property file");
  auto properties = StepProperties(step);
  if (!properties) return properties.error();
  std::string output_uri;
  if (const Value* outputs = properties->Find("ProcessingOutputConfig");
      outputs != nullptr && outputs->Find("Outputs") != nullptr &&
      outputs->Find("Outputs")->is_list()) {
    for (const Value& output : outputs->Find("Outputs")->as_list()) {
      const Value* name = output.Find("OutputName");
      const Value* s3 = output.Find("S3Output");
      if (name && name->is_string() && name->as_string() == file->output_name && s3 &&
          s3->Find("S3Uri") && s3->Find("S3Uri")->is_string()) {
        output_uri = s3->Find("S3Uri")->as_string();
      }
    }
  }
  if (output_uri.empty()) {
    return NotFound(where, "the step has no output named " + Quote(file->output_name));
  }
  while (!output_uri.empty() && output_uri.back() == '/') output_uri.pop_back();
  return JsonObjectAt(output_uri + "/" + file->file_path);
}

Result<Value> StepScope::JsonObjectAt(std::string_view uri) const {
  if (artifacts_ == nullptr) return NotFound(std::string(uri), "no artifact store to read from");
  auto text = artifacts_->ReadObject(uri);
  if (!text) {
    return MakeError(text.error().code, std::string(uri),
                     "Received an error while reading file: " + text.error().message);
  }
  auto parsed = ParseJson(*text, uri);
  if (!parsed) {
    return InvalidArgument(std::string(uri),
                           "the file is not in valid JSON format: " + parsed.error().ToString());
  }
  return parsed;
}

}  // namespace sluice

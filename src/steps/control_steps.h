// Handlers of the steps that run no job: Condition (evaluates its conditions and picks a
// branch), Fail (ends the execution with its message), Model (records a model: CreateModel)
// and RegisterModel (records a model package version in its group: CreateModelPackage).
#pragma once

#include "steps/step_handler.h"

namespace sluice {

class ConditionHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  StepResult Complete(const StepContext&, const Value&, const JobResult&) const override;
  bool IsQuick(const StepSpec& spec) const override { return !ResolvingReadsArtifacts(spec); }
};

class FailHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  StepResult Complete(const StepContext&, const Value&, const JobResult&) const override;
  bool IsQuick(const StepSpec& spec) const override { return !ResolvingReadsArtifacts(spec); }
};

class ModelHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  StepResult Complete(const StepContext&, const Value&, const JobResult&) const override;
};

class RegisterModelHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  StepResult Complete(const StepContext&, const Value&, const JobResult&) const override;
};

// The model a Model step recorded under `resources_dir`, by ModelName (DescribeModelOutput).
Result<Value> FindModel(const std::filesystem::path& resources_dir, std::string_view model_name);

}  // namespace sluice

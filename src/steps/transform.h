// The Transform step handler (CreateTransformJob): the model recorded by a Model step is
// unpacked into /opt/ml/model, the input objects are staged, and the job is the batch transform
// driver (runtimes/), which starts the model's server ("serve"), sends it the records as
// SplitType, BatchStrategy and MaxPayloadInMB say, and assembles <input>.out files that are
// uploaded to TransformOutput.S3OutputPath.
#pragma once

#include "steps/step_handler.h"

namespace sluice {

class TransformHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  StepResult Complete(const StepContext& context, const Value& state,
                      const JobResult& job) const override;
  // The model data of the model named by ModelName.
  Result<std::vector<std::string>> IndirectInputs(const StepContext& context,
                                                  const Value& arguments) const override;
};

}  // namespace sluice

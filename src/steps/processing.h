// The Processing step handler (CreateProcessingJob).
#pragma once

#include "steps/step_handler.h"

namespace sluice {

class ProcessingHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  StepResult Complete(const StepContext& context, const Value& state,
                      const JobResult& job) const override;
  // With no inputs to stage and no outputs to upload.
  bool IsQuick(const StepSpec& spec) const override;
};

}  // namespace sluice

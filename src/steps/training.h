// The Training step handler (CreateTrainingJob): channels staged under /opt/ml/input/data, the
// config files of the training toolkit, the image's "train" entry, /opt/ml/model packed as
// <S3OutputPath>/<job>/output/model.tar.gz, and metrics read from the log.
#pragma once

#include "steps/step_handler.h"

namespace sluice {

class TrainingHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  StepResult Complete(const StepContext& context, const Value& state,
                      const JobResult& job) const override;
};

}  // namespace sluice

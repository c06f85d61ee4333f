// Lambda steps: the FunctionArn is looked up in the function map (steps/function_map.h) and the
// function is invoked once with the resolved Arguments as its event. A command runs as a job of
// its own (stoppable, logged to the step's log, bounded by the step's Timeout); a URL is POSTed
// to from the worker thread. The result object's declared OutputParameters become the step's
// properties, typed (steps/output_parameters.h).
#pragma once

#include "steps/step_handler.h"

#include <chrono>

namespace sluice {

inline constexpr std::chrono::seconds kDefaultLambdaTimeout{120};
inline constexpr std::chrono::seconds kMaxLambdaTimeout{600};

// The step's `Timeout` (seconds, an integer or a numeric string), else the default; more than
// kMaxLambdaTimeout or less than 1 is an error at the step's Timeout.
Result<std::chrono::seconds> LambdaTimeout(const StepSpec& spec);

// The step's outcome from the function's answer (the text it printed or returned): a JSON
// object holding every declared output, each of its declared type.
StepResult LambdaResultFrom(const StepSpec& spec, std::string_view function_arn,
                            std::string_view answer);

class LambdaHandler final : public StepHandler {
 public:
  Result<Preparation> Prepare(const StepContext& context) const override;
  StepResult Complete(const StepContext& context, const Value& state,
                      const JobResult& job) const override;
};

}  // namespace sluice

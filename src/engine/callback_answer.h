// Answering a Callback step's token: what SendPipelineExecutionStepSuccess/Failure and `sluice
// callback succeed|fail` do. The answer is checked against what the step declared, then stored;
// the engine that parked the step ends it when it next looks (Engine::CheckCallbacks), so the
// answer holds even when no engine runs the execution at that moment.
#pragma once

#include "base/result.h"
#include "model/callback_records.h"

#include <string>
#include <utility>
#include <vector>

namespace sluice {

class MetadataStore;

struct CallbackAnswer {
  std::string token;
  bool is_success = true;
  std::vector<std::pair<std::string, std::string>> outputs;  // success: {Name, Value}
  std::string failure_reason;                                // failure: at most 256 characters
};

// The stored record, answered. kInvalidArgument for a malformed token, outputs the step does not
// declare or of the wrong type, a reason over 256 characters; kNotFound for an unknown token;
// kConflict when the token was answered already or its execution has ended.
Result<CallbackRecord> AnswerCallback(MetadataStore& store, const CallbackAnswer& answer,
                                      TimePoint now);

}  // namespace sluice

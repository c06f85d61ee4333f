#include "engine/callback_answer.h"

#include "base/text.h"
#include "steps/callback_step.h"
#include "store/metadata_store.h"

#include <algorithm>
#include <cctype>

namespace sluice {

Result<CallbackRecord> AnswerCallback(MetadataStore& store, const CallbackAnswer& answer,
                                      TimePoint now) {
  const bool is_well_formed = answer.token.size() == kCallbackTokenLength &&
                              std::all_of(answer.token.begin(), answer.token.end(), [](char c) {
                                return std::isalnum(static_cast<unsigned char>(c)) != 0;
                              });
  if (!is_well_formed) {
    return InvalidArgument("CallbackToken",
                           "expected 10 letters or digits, got " + Quote(answer.token));
  }
  if (answer.failure_reason.size() > kMaxCallbackFailureReason) {
    return InvalidArgument("FailureReason", "at most 256 characters are allowed, got " +
                                                std::to_string(answer.failure_reason.size()));
  }
  auto found = store.FindCallback(answer.token);
  if (!found) return found.error();
  const std::string where = "callback token " + Quote(answer.token);
  if (!*found) return NotFound(where, "is not known here");
  const CallbackRecord& callback = **found;
  if (callback.status != CallbackStatus::kPending) {
    return MakeError(
        ErrorCode::kConflict, where,
        "was answered already (" + std::string(CallbackStatusName(callback.status)) + ")");
  }
  auto execution = store.FindExecution(callback.execution_id);
  if (!execution) return execution.error();
  if (*execution && IsTerminal((*execution)->status)) {
    return MakeError(ErrorCode::kConflict, where,
                     "belongs to execution " + callback.execution_id + ", which ended " +
                         std::string(ExecutionStatusName((*execution)->status)));
  }
  CallbackRecord stored;
  stored.token = answer.token;
  if (answer.is_success) {
    auto typed = CheckCallbackAnswer(callback, answer.outputs);
    if (!typed) return typed.error();
    stored.status = CallbackStatus::kSucceeded;
    stored.outputs_json = OutputsJson(answer.outputs);
  } else {
    stored.status = CallbackStatus::kFailed;
    stored.failure_reason = answer.failure_reason;
  }
  return store.AnswerCallback(stored, now);
}

}  // namespace sluice

#include "model/callback_records.h"

namespace sluice {

std::string_view CallbackStatusName(CallbackStatus status) {
  switch (status) {
    case CallbackStatus::kPending:
      return "pending";
    case CallbackStatus::kSucceeded:
      return "succeeded";
    case CallbackStatus::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<CallbackStatus> CallbackStatusFromName(std::string_view name) {
  for (CallbackStatus status :
       {CallbackStatus::kPending, CallbackStatus::kSucceeded, CallbackStatus::kFailed}) {
    if (CallbackStatusName(status) == name) return status;
  }
  return std::nullopt;
}

}  // namespace sluice

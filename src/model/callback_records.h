// Callback steps' durable state: the token each parked attempt waits on, with the answer once
// one came, and the messages of the queues Sluice provides for them. Plain data.
#pragma once

#include "model/records.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

enum class CallbackStatus { kPending, kSucceeded, kFailed };

std::string_view CallbackStatusName(CallbackStatus status);  // "pending", "succeeded", "failed"
std::optional<CallbackStatus> CallbackStatusFromName(std::string_view name);

struct CallbackRecord {
  std::string token;  // 10 characters [a-zA-Z0-9]
  std::string execution_id;
  std::string step_name;
  int64_t attempt = 1;
  std::string queue_url;   // SqsQueueUrl as resolved
  std::string queue_name;  // its last path segment: the queue the messages go to
  // The step's declared OutputParameters, [{"OutputName", "OutputType"}], so that an answer is
  // checked without the definition.
  std::string declared_outputs_json = "[]";
  CallbackStatus status = CallbackStatus::kPending;
  std::string outputs_json = "[]";  // the answer's OutputParameters, [{"Name", "Value"}]
  std::string failure_reason;
  TimePoint created;
  std::optional<TimePoint> completed;
};

struct QueueMessage {
  int64_t sequence = 0;  // assigned by the store, increasing
  std::string queue_name;
  std::string body;
  TimePoint sent;
  // After a receive: the handle that deletes it (the newest receive's only), and how many times
  // it was received.
  std::string receipt_handle;
  int64_t receive_count = 0;
};

}  // namespace sluice

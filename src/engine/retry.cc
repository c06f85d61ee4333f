#include "engine/retry.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sluice {

std::optional<RetryExceptionType> ExceptionTypeOf(FailureClass failure_class) {
  switch (failure_class) {
    case FailureClass::kServiceFault:
      return RetryExceptionType::kStepServiceFault;
    case FailureClass::kThrottling:
      return RetryExceptionType::kStepThrottling;
    case FailureClass::kJobInternalError:
      return RetryExceptionType::kJobInternalError;
    case FailureClass::kCapacityError:
      return RetryExceptionType::kCapacityError;
    case FailureClass::kResourceLimit:
      return RetryExceptionType::kResourceLimit;
    case FailureClass::kNone:
    case FailureClass::kClientError:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<TimePoint> NextRetry(const std::vector<RetryPolicySpec>& policies,
                                   FailureClass failure_class, int64_t retries_made,
                                   TimePoint first_started, TimePoint now) {
  const std::optional<RetryExceptionType> type = ExceptionTypeOf(failure_class);
  if (!type) return std::nullopt;
  const RetryPolicySpec* policy = nullptr;
  for (const RetryPolicySpec& candidate : policies) {
    if (std::find(candidate.exception_types.begin(), candidate.exception_types.end(), *type) !=
        candidate.exception_types.end()) {
      policy = &candidate;
      break;
    }
  }
  RetryPolicySpec automatic;
  if (policy == nullptr) {
    const bool is_retried_by_default = *type == RetryExceptionType::kStepServiceFault ||
                                       *type == RetryExceptionType::kStepThrottling;
    if (!is_retried_by_default) return std::nullopt;
    automatic.interval_seconds = kDefaultAutomaticIntervalSeconds;
    automatic.max_attempts = kDefaultAutomaticRetries;
    policy = &automatic;
  }
  // MaxAttempts counts retries, not runs: the first run is free, and 0 means never retry.
  // Without either limit SageMaker allows 5 retries.
  const int64_t max_retries = policy->max_attempts.value_or(
      policy->expire_after_min ? std::numeric_limits<int64_t>::max() : kDefaultAutomaticRetries);
  if (retries_made >= max_retries) return std::nullopt;
  const double delay_seconds = static_cast<double>(policy->interval_seconds) *
                               std::pow(policy->backoff_rate, static_cast<double>(retries_made));
  const auto delay = std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::duration<double>(std::min(delay_seconds, 1e9)));
  const TimePoint next = now + delay;
  if (policy->expire_after_min) {
    if (*policy->expire_after_min == 0) return std::nullopt;
    const TimePoint deadline = first_started + std::chrono::minutes(*policy->expire_after_min);
    if (next > deadline) return std::nullopt;
  }
  return next;
}

}  // namespace sluice

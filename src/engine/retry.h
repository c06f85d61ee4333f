// When a failed step attempt is tried again (SageMaker RetryPolicies, spec 5.2). Pure: the
// caller passes the failure class, how many retries were made, when the step first started and
// the current time; nothing here reads a clock.
#pragma once

#include "definition/pipeline_definition.h"
#include "model/records.h"

#include <optional>
#include <vector>

namespace sluice {

// Step.SERVICE_FAULT and Step.THROTTLING are retried even without a policy (SageMaker does so
// by default); a policy naming the class replaces the default.
inline constexpr int64_t kDefaultAutomaticRetries = 5;
inline constexpr int64_t kDefaultAutomaticIntervalSeconds = 1;

// The time of the next attempt, or nullopt to give up. The k-th retry (k = retries_made + 1)
// waits IntervalSeconds * BackoffRate^(k-1); retrying stops at MaxAttempts retries or once
// ExpireAfterMin minutes have passed since `first_started`, whichever comes first.
std::optional<TimePoint> NextRetry(const std::vector<RetryPolicySpec>& policies,
                                   FailureClass failure_class, int64_t retries_made,
                                   TimePoint first_started, TimePoint now);

// The RetryPolicies ExceptionType a failure class answers to, if any.
std::optional<RetryExceptionType> ExceptionTypeOf(FailureClass failure_class);

}  // namespace sluice

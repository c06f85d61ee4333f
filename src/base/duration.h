// Parses the ISO-8601 durations SageMaker accepts in CacheConfig.ExpireAfter, permissively,
// the way users really write them: "PT1H", "P30d", "p30d", "P4DT12H", "T12H", "30d", "5y",
// "T16m", "30dT5h". Case-insensitive; the leading "P" is optional; "M" before "T" is months
// and after it minutes. Months count as 30 days and years as 365 days.
#pragma once

#include "base/result.h"

#include <chrono>
#include <string_view>

namespace sluice {

Result<std::chrono::seconds> ParseIsoDuration(std::string_view text);

}  // namespace sluice

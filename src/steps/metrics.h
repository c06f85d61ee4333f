// Training metrics from a job's log: for each MetricDefinitions entry {Name, Regex}, the first
// capture group of the last matching line is the metric's final value (FinalMetricDataList).
#pragma once

#include "definition/value.h"

#include <filesystem>
#include <string>

namespace sluice {

// `definitions` may be null or not a list (then the result is an empty list). Definitions whose
// Regex does not compile, or whose capture is not a number, are left out.
Value FinalMetrics(const Value* definitions, const std::filesystem::path& log_file,
                   const std::string& timestamp);

}  // namespace sluice

// Times as SageMaker renders them: ISO-8601 in UTC with milliseconds, "2024-05-01T12:00:00.000Z"
// (so that string comparison orders them).
#pragma once

#include <chrono>
#include <string>

namespace sluice {

std::string FormatIsoTime(std::chrono::system_clock::time_point time);

}  // namespace sluice

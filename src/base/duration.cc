#include "base/duration.h"

#include "base/text.h"

#include <cctype>
#include <cstdint>
#include <limits>
#include <string>

namespace sluice {
namespace {

Error BadDuration(std::string_view text, std::string_view detail) {
  return InvalidArgument("", "invalid ISO-8601 duration " + Quote(text) + ": " +
                                 std::string(detail) + " (expected a form like PT1H or P30D)");
}

}  // namespace

Result<std::chrono::seconds> ParseIsoDuration(std::string_view text) {
  constexpr int64_t kDay = 86400;
  std::string_view rest = text;
  if (rest.empty()) return BadDuration(text, "it is empty");
  if (rest.front() == 'P' || rest.front() == 'p') rest.remove_prefix(1);
  bool in_time_part = false;
  bool has_component = false;
  int64_t total = 0;
  while (!rest.empty()) {
    if (rest.front() == 'T' || rest.front() == 't') {
      if (in_time_part) return BadDuration(text, "\"T\" appears twice");
      in_time_part = true;
      rest.remove_prefix(1);
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(rest.front()))) {
      return BadDuration(text, "expected a number before each unit");
    }
    int64_t amount = 0;
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      if (amount > std::numeric_limits<int64_t>::max() / 10 / (400 * kDay)) {
        return BadDuration(text, "the amount is too large");
      }
      amount = amount * 10 + (rest.front() - '0');
      rest.remove_prefix(1);
    }
    if (rest.empty()) return BadDuration(text, "a number has no unit");
    const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(rest.front())));
    rest.remove_prefix(1);
    int64_t unit_seconds = 0;
    switch (unit) {
      case 'Y':
        unit_seconds = 365 * kDay;
        break;
      case 'W':
        unit_seconds = 7 * kDay;
        break;
      case 'D':
        unit_seconds = kDay;
        break;
      case 'H':
        unit_seconds = 3600;
        break;
      case 'S':
        unit_seconds = 1;
        break;
      case 'M':
        unit_seconds = in_time_part ? 60 : 30 * kDay;
        break;
      default:
        return BadDuration(text, std::string("unknown unit \"") + unit + "\"");
    }
    if (amount > (std::numeric_limits<int64_t>::max() - total) / unit_seconds) {
      return BadDuration(text, "the duration is too long");
    }
    total += amount * unit_seconds;
    has_component = true;
  }
  if (!has_component) return BadDuration(text, "it has no amount");
  return std::chrono::seconds(total);
}

}  // namespace sluice

// Text -> ParseIsoDuration(). Whatever the input, it returns; an accepted duration is never
// negative, letter case never matters, and the leading "P" is optional.
#include "base/duration.h"

#include "fuzz_check.h"
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

namespace {

bool SameOutcome(const sluice::Result<std::chrono::seconds>& a,
                 const sluice::Result<std::chrono::seconds>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || *a == *b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = sluice::ParseIsoDuration(text);
  if (parsed) SLUICE_FUZZ_CHECK(parsed->count() >= 0);

  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  SLUICE_FUZZ_CHECK(SameOutcome(parsed, sluice::ParseIsoDuration(upper)));

  if (!text.empty() && text.front() != 'P' && text.front() != 'p') {
    SLUICE_FUZZ_CHECK(SameOutcome(parsed, sluice::ParseIsoDuration("P" + text)));
  }
  return 0;
}

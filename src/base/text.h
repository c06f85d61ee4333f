// Small text helpers shared by every layer: quoting for messages, JSON Pointer segments,
// and "did you mean" suggestions for misspelt names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// `"name"` with quotes and control characters escaped, for error messages.
std::string Quote(std::string_view text);

// One JSON Pointer reference token (RFC 6901: "~" -> "~0", "/" -> "~1").
std::string PointerToken(std::string_view key);
std::string PointerAppend(std::string_view pointer, std::string_view key);
std::string PointerAppend(std::string_view pointer, size_t index);

size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a likely misspelling
// (case-insensitive match, or edit distance at most a third of the name's length).
std::optional<std::string> ClosestName(std::string_view name,
                                       const std::vector<std::string_view>& candidates);

// " (did you mean "X"?)" or "" when nothing is close.
std::string DidYouMean(std::string_view name, const std::vector<std::string_view>& candidates);

std::string Join(const std::vector<std::string>& parts, std::string_view separator);

// Two lowercase hexadecimal digits per byte, as digests are shown.
std::string LowerHex(std::string_view bytes);

}  // namespace sluice

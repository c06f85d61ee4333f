// SHA-256 digests as lowercase hex, the form step cache keys and reasons show. Stateless and
// thread-safe.
#pragma once

#include "base/result.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace sluice {

std::string Sha256Hex(std::string_view bytes);

// Streams the file, so its size does not matter.
Result<std::string> Sha256HexOfFile(const std::filesystem::path& file);
// Reads `descriptor` from its current offset to the end; `where` names it in errors.
Result<std::string> Sha256HexOfDescriptor(int descriptor, std::string_view where);

}  // namespace sluice

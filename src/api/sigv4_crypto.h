// The digests AWS Signature Version 4 is made of (OpenSSL underneath). Stateless and
// thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Raw 32-byte digests.
std::string Sha256(std::string_view bytes);
std::string HmacSha256(std::string_view key, std::string_view message);

// Compares in time independent of where the two differ, so that a forged signature cannot be
// found byte by byte from answer times.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sluice

// How a webhook receiver knows an event came from this Sluice: every delivery carries
//   X-Sluice-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// (the timestamp inside the signed text lets a receiver refuse old replays). And how long a
// failed delivery waits before the next try.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

inline constexpr char kSignatureHeader[] = "X-Sluice-Signature";

// Lower-case hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// The header's value: "t=<unix_seconds>,v1=<hex>".
std::string SignatureValue(std::string_view secret, int64_t unix_seconds, std::string_view body);

// The wait before retry number `retry` (1 for the first retry): 1 s, doubling, at most 5 min.
std::chrono::milliseconds RetryDelay(int retry);

}  // namespace sluice

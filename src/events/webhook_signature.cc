#include "events/webhook_signature.h"

#include "base/crypto_library.h"
#include "base/text.h"

#include <algorithm>

namespace sluice {

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const CryptoLibrary& crypto = Crypto();
  crypto.HMAC(crypto.EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
              &length);
  return LowerHex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string SignatureValue(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string timestamp = std::to_string(unix_seconds);
  std::string signed_text = timestamp + ".";
  signed_text += body;
  return "t=" + timestamp + ",v1=" + HmacSha256Hex(secret, signed_text);
}

std::chrono::milliseconds RetryDelay(int retry) {
  constexpr std::chrono::milliseconds kFirst{1000};
  constexpr std::chrono::milliseconds kLongest{5 * 60 * 1000};
  if (retry < 1) return std::chrono::milliseconds(0);
  const int doublings = std::min(retry - 1, 20);
  return std::min(kFirst * (int64_t{1} << doublings), kLongest);
}

}  // namespace sluice

#include "api/sigv4_crypto.h"

#include "base/crypto_library.h"

#include <cstdlib>

namespace sluice {

// OpenSSL fails SHA-256 and its HMAC only when out of memory.
std::string Sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const CryptoLibrary& crypto = Crypto();
  if (crypto.EVP_Digest(bytes.data(), bytes.size(), digest, &size, crypto.EVP_sha256(), nullptr) !=
      1) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const CryptoLibrary& crypto = Crypto();
  if (crypto.HMAC(crypto.EVP_sha256(), key.data(), static_cast<int>(key.size()),
                  reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
                  &size) == nullptr) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && Crypto().CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sluice

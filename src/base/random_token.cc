#include "base/random_token.h"

#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <string_view>

namespace sluice {

std::string RandomAlphanumeric(size_t length) {
  constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  // A byte below 248 (62 * 4) maps onto the alphabet evenly; the few above are drawn again, so
  // no character is likelier than another.
  constexpr unsigned kAccepted = 62 * 4;
  std::string token;
  token.reserve(length);
  std::array<unsigned char, 64> bytes{};
  while (token.size() < length) {
    // The CSPRNG failing means the process cannot make a secret at all: nothing sensible
    // remains to do with a half-made token.
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) std::abort();
    for (unsigned char byte : bytes) {
      if (byte >= kAccepted) continue;
      token += kAlphabet[byte % kAlphabet.size()];
      if (token.size() == length) break;
    }
  }
  return token;
}

}  // namespace sluice

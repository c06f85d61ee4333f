#include "base/random_token.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <sys/random.h>

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
    // The kernel's CSPRNG (what OpenSSL seeds itself from); reads of up to 256 bytes are never
    // short once it is initialised. Its failing means the process cannot make a secret at all:
    // nothing sensible remains to do with a half-made token.
    const ssize_t count = getrandom(bytes.data(), bytes.size(), 0);
    if (count < 0 && errno == EINTR) continue;
    if (count != static_cast<ssize_t>(bytes.size())) std::abort();
    for (unsigned char byte : bytes) {
      if (byte >= kAccepted) continue;
      token += kAlphabet[byte % kAlphabet.size()];
      if (token.size() == length) break;
    }
  }
  return token;
}

}  // namespace sluice

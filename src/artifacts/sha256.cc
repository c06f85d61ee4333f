#include "artifacts/sha256.h"

#include "artifacts/file_io.h"
#include "base/crypto_library.h"
#include "base/text.h"

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <unistd.h>
#include <vector>

namespace sluice {
namespace {

constexpr size_t kReadBufferSize = 1 << 18;

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { Crypto().EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;

// The only failure OpenSSL reports for SHA-256 is running out of memory.
DigestContext StartSha256() {
  const CryptoLibrary& crypto = Crypto();
  DigestContext context(crypto.EVP_MD_CTX_new());
  if (!context || crypto.EVP_DigestInit_ex(context.get(), crypto.EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  return context;
}

void Update(EVP_MD_CTX* context, const void* bytes, size_t size) {
  if (Crypto().EVP_DigestUpdate(context, bytes, size) != 1) std::abort();
}

std::string FinishHex(EVP_MD_CTX* context) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (Crypto().EVP_DigestFinal_ex(context, digest, &size) != 1) std::abort();
  return LowerHex(std::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  DigestContext context = StartSha256();
  Update(context.get(), bytes.data(), bytes.size());
  return FinishHex(context.get());
}

Result<std::string> Sha256HexOfDescriptor(int descriptor, std::string_view where) {
  DigestContext context = StartSha256();
  std::vector<char> buffer(kReadBufferSize);
  while (true) {
    const ssize_t count = ::read(descriptor, buffer.data(), buffer.size());
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return SystemError(std::string(where), "cannot read", errno);
    if (count == 0) break;
    Update(context.get(), buffer.data(), static_cast<size_t>(count));
  }
  return FinishHex(context.get());
}

Result<std::string> Sha256HexOfFile(const std::filesystem::path& file) {
  const int descriptor = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return SystemError(file.string(), "cannot open", errno);
  Result<std::string> digest = Sha256HexOfDescriptor(descriptor, file.string());
  ::close(descriptor);
  return digest;
}

}  // namespace sluice

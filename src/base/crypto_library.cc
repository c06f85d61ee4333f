#include "base/crypto_library.h"

#include <openssl/opensslv.h>

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <string>

namespace sluice {
namespace {

static_assert(OPENSSL_VERSION_MAJOR == 3, "libcrypto's soname below is that of OpenSSL 3");
constexpr const char* kLibraryName = "libcrypto.so.3";

[[noreturn]] void Unusable(const std::string& why) {
  std::fprintf(stderr, "sluice: cannot load %s, which computes digests: %s\n", kLibraryName,
               why.c_str());
  std::fflush(stderr);
  std::_Exit(127);
}

CryptoLibrary Open() {
  // RTLD_LOCAL: its symbols are not seen by the rest; a library loaded later that needs
  // libcrypto (libssl) binds to the same copy through its own dependency.
  void* handle = dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) Unusable(dlerror());
  CryptoLibrary library;
#define SLUICE_LIBCRYPTO_RESOLVE(name)                                      \
  library.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name)); \
  if (library.name == nullptr) Unusable("it has no function " #name);
  SLUICE_LIBCRYPTO_FUNCTIONS(SLUICE_LIBCRYPTO_RESOLVE)
#undef SLUICE_LIBCRYPTO_RESOLVE
  return library;
}

}  // namespace

const CryptoLibrary& Crypto() {
  static const CryptoLibrary library = Open();
  return library;
}

}  // namespace sluice

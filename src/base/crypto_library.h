// OpenSSL's libcrypto, opened the first time a digest is taken instead of when the program
// starts. Binding its symbols (it is linked with BIND_NOW) and running its constructors was about
// a tenth of every `sluice` command's start-up, paid by commands that never hash anything: a run
// without step caching, webhooks or the API takes no digest at all (docs/benchmarks.md).
// Included only by the files that take digests.
#pragma once

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace sluice {

// Every libcrypto function Sluice calls. A call to one not listed here would link libcrypto into
// the program again, so the build fails instead (the library is not linked).
#define SLUICE_LIBCRYPTO_FUNCTIONS(X) \
  X(CRYPTO_memcmp)                    \
  X(EVP_Digest)                       \
  X(EVP_DigestFinal_ex)               \
  X(EVP_DigestInit_ex)                \
  X(EVP_DigestUpdate)                 \
  X(EVP_MD_CTX_free)                  \
  X(EVP_MD_CTX_new)                   \
  X(EVP_md5)                          \
  X(EVP_sha256)                       \
  X(HMAC)

// The functions, typed as OpenSSL's headers declare them; called as `crypto.EVP_sha256()`.
struct CryptoLibrary {
#define SLUICE_LIBCRYPTO_MEMBER(name) decltype(&::name) name = nullptr;
  SLUICE_LIBCRYPTO_FUNCTIONS(SLUICE_LIBCRYPTO_MEMBER)
#undef SLUICE_LIBCRYPTO_MEMBER
};

// Opens libcrypto on the first call; later calls return the same table. Thread-safe. libcrypto
// is as much a part of the installation as the C library: a program that cannot load it says so
// on stderr and exits with status 127, as the dynamic loader does for a missing library.
const CryptoLibrary& Crypto();

}  // namespace sluice

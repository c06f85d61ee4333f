// Unguessable identifiers: callback tokens and queue receipt handles. Whoever holds a callback
// token can complete its step, so tokens come from the operating system's CSPRNG (through
// OpenSSL), never from a seeded generator.
#pragma once

#include <string>

namespace sluice {

// `length` characters of [a-zA-Z0-9], each uniformly distributed.
std::string RandomAlphanumeric(size_t length);

}  // namespace sluice

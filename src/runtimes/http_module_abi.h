// The boundary between `sluice` and the HTTP module (sluice-http.so), which holds the HTTP(S)
// client and, with it, OpenSSL's libssl and libcrypto. The program opens the module on its first
// request, so commands that send none never load OpenSSL (binding its symbols was most of the
// dynamic loader's work at start-up: docs/benchmarks.md). Plain C types only: the module carries
// its own copy of the C++ runtime, so no C++ object crosses.
#pragma once

#include <cstddef>

extern "C" {

struct SluiceHttpExchange {
  // In.
  const char* method;  // "GET" or "POST"
  const char* url;
  const char* body;  // POST only
  size_t body_size;
  const char* const* headers;  // "Name: value" lines
  size_t header_count;
  long long timeout_ms;
  // Out, allocated with malloc by the module and released with free by the caller. On success
  // `failed` is 0 and `status` and `answer` hold the response; otherwise `error_code` (an
  // ErrorCode), `error_where` and `error_message` say what went wrong.
  int failed;
  long status;
  char* answer;
  size_t answer_size;
  int error_code;
  char* error_where;
  char* error_message;
};

// The module's one entry point.
void sluice_http_exchange(SluiceHttpExchange* exchange);
using SluiceHttpExchangeFunction = void (*)(SluiceHttpExchange*);
inline constexpr const char* kSluiceHttpExchangeSymbol = "sluice_http_exchange";

}  // extern "C"

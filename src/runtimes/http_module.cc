// The HTTP module's entry point (http_module_abi.h): the request made by http_request.cc,
// its outcome copied into C buffers.
#include "runtimes/http_module_abi.h"
#include "runtimes/http_request.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace {

char* CopyOut(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

void Fail(SluiceHttpExchange* exchange, sluice::ErrorCode code, const std::string& where,
          const std::string& message) {
  exchange->failed = 1;
  exchange->error_code = static_cast<int>(code);
  exchange->error_where = CopyOut(where);
  exchange->error_message = CopyOut(message);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void sluice_http_exchange(
    SluiceHttpExchange* exchange) {
  // Nothing may unwind into the caller, which has another copy of the C++ runtime.
  try {
    const std::chrono::milliseconds timeout(exchange->timeout_ms);
    sluice::Result<sluice::HttpClientResponse> response = [&] {
      if (std::strcmp(exchange->method, "GET") == 0) return sluice::HttpGet(exchange->url, timeout);
      const std::vector<std::string> headers(exchange->headers,
                                             exchange->headers + exchange->header_count);
      return sluice::HttpPost(exchange->url, std::string(exchange->body, exchange->body_size),
                              headers, timeout);
    }();
    if (!response) {
      Fail(exchange, response.error().code, response.error().where, response.error().message);
      return;
    }
    exchange->failed = 0;
    exchange->status = response->status;
    exchange->answer = CopyOut(response->body);
    exchange->answer_size = response->body.size();
  } catch (const std::exception& error) {
    Fail(exchange, sluice::ErrorCode::kInternal, exchange->url, error.what());
  }
}

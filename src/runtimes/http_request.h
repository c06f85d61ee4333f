// Single HTTP(S) requests on Boost.Beast, for callers that must not pay for libcurl's shared
// libraries at start-up: Lambda URLs, webhooks, the transform driver's probes. Each call opens
// its own connection and runs on the caller's thread; calls from several threads are independent.
// https:// URLs are verified against the system's trust store (SSL_CERT_FILE / SSL_CERT_DIR
// override it, as for OpenSSL), host name included.
#pragma once

#include "base/result.h"

#include <chrono>
#include <string>
#include <vector>

namespace sluice {

// Named apart from the API server's HttpResponse: both live in one binary.
struct HttpClientResponse {
  long status = 0;
  std::string body;
};

// A transport failure (bad URL, refused, reset, TLS, timed out) is an error naming the URL; any
// HTTP status is a response. `timeout` bounds the whole exchange, name lookup included.
Result<HttpClientResponse> HttpGet(const std::string& url, std::chrono::milliseconds timeout);

// One POST; `headers` are "Name: value" lines. Same error rule as HttpGet.
Result<HttpClientResponse> HttpPost(const std::string& url, const std::string& body,
                                    const std::vector<std::string>& headers,
                                    std::chrono::milliseconds timeout);

}  // namespace sluice

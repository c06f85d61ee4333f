// The HTTP side of the batch transform driver, on libcurl: single GETs (/ping,
// /execution-parameters) and many POSTs (/invocations) with a bounded number in flight on
// reused connections. Requires CurlSession to be alive (curl's global state); not thread-safe,
// everything runs on the caller's thread.
#pragma once

#include "base/result.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sluice {

// curl_global_init / curl_global_cleanup for the program's lifetime.
class CurlSession {
 public:
  CurlSession();
  ~CurlSession();
  CurlSession(const CurlSession&) = delete;
  CurlSession& operator=(const CurlSession&) = delete;
};

// Named apart from the API server's HttpResponse: both live in one binary.
struct HttpClientResponse {
  long status = 0;
  std::string body;
};

// A transport failure (refused, reset, timed out) is an error; any HTTP status is a response.
Result<HttpClientResponse> HttpGet(const std::string& url, std::chrono::milliseconds timeout);

// One POST; `headers` are "Name: value" lines. Same error rule as HttpGet.
Result<HttpClientResponse> HttpPost(const std::string& url, const std::string& body,
                                    const std::vector<std::string>& headers,
                                    std::chrono::milliseconds timeout);

struct PostRequest {
  size_t id = 0;  // the caller's, handed back with the response
  std::string body;
};

struct PostOutcome {
  size_t id = 0;
  Result<HttpClientResponse> response;
};

class ParallelPoster {
 public:
  // `headers` are "Name: value" lines sent with every request.
  ParallelPoster(std::string url, std::vector<std::string> headers, int max_in_flight,
                 std::chrono::seconds timeout, int max_retries);

  // Sends every request `next` yields (nullopt: no more), at most max_in_flight at once, and
  // passes each final outcome to `done` as it completes (completion order, not request order).
  // Transport failures and 5xx answers are retried up to max_retries times before `done` sees
  // them. Stops early, returning its error, when `done` fails.
  Result<void> Run(const std::function<std::optional<PostRequest>()>& next,
                   const std::function<Result<void>(PostOutcome)>& done);

 private:
  std::string url_;
  std::vector<std::string> headers_;
  int max_in_flight_;
  std::chrono::seconds timeout_;
  int max_retries_;
};

}  // namespace sluice

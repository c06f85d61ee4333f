// The batch transform driver's many POSTs (/invocations), on libcurl: a bounded number in flight
// on reused connections. Only the driver's own program links it, so the engine does not load
// libcurl's libraries (single requests are in http_request.h). Requires CurlSession to be alive
// (curl's global state); not thread-safe, everything runs on the caller's thread.
#pragma once

#include "base/result.h"
#include "runtimes/http_request.h"

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

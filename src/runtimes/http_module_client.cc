// HttpGet and HttpPost for `sluice`: each request goes through the HTTP module beside the
// program (http_module_abi.h), opened on the first one.
#include "runtimes/http_module_abi.h"
#include "runtimes/http_request.h"
#include "runtimes/job_command.h"

#include <cstdlib>
#include <dlfcn.h>

namespace sluice {
namespace {

constexpr const char* kModuleName = "sluice-http.so";

Result<SluiceHttpExchangeFunction> Open() {
  const std::filesystem::path module = CurrentExecutablePath().parent_path() / kModuleName;
  const auto unusable = [&](const std::string& why) {
    return MakeError(ErrorCode::kUnavailable, module.string(),
                     "cannot load the HTTP module, which sends HTTP(S) requests (it belongs "
                     "beside the program): " +
                         why);
  };
  // RTLD_LOCAL: the module's symbols (and OpenSSL's) are not seen by the rest.
  void* handle = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return unusable(dlerror());
  void* entry = dlsym(handle, kSluiceHttpExchangeSymbol);
  if (entry == nullptr)
    return unusable(std::string("it has no function ") + kSluiceHttpExchangeSymbol);
  return reinterpret_cast<SluiceHttpExchangeFunction>(entry);
}

Result<SluiceHttpExchangeFunction> Module() {
  static const Result<SluiceHttpExchangeFunction> opened = Open();
  return opened;
}

Result<HttpClientResponse> Exchange(SluiceHttpExchange exchange) {
  const Result<SluiceHttpExchangeFunction> module = Module();
  if (!module) return module.error();
  (*module)(&exchange);
  if (exchange.failed != 0) {
    Error error = MakeError(static_cast<ErrorCode>(exchange.error_code), exchange.error_where,
                            exchange.error_message);
    std::free(exchange.error_where);
    std::free(exchange.error_message);
    return error;
  }
  HttpClientResponse response{exchange.status, std::string(exchange.answer, exchange.answer_size)};
  std::free(exchange.answer);
  return response;
}

}  // namespace

Result<HttpClientResponse> HttpGet(const std::string& url, std::chrono::milliseconds timeout) {
  SluiceHttpExchange exchange{};
  exchange.method = "GET";
  exchange.url = url.c_str();
  exchange.timeout_ms = timeout.count();
  return Exchange(exchange);
}

Result<HttpClientResponse> HttpPost(const std::string& url, const std::string& body,
                                    const std::vector<std::string>& headers,
                                    std::chrono::milliseconds timeout) {
  std::vector<const char*> lines;
  lines.reserve(headers.size());
  for (const std::string& header : headers) lines.push_back(header.c_str());
  SluiceHttpExchange exchange{};
  exchange.method = "POST";
  exchange.url = url.c_str();
  exchange.body = body.data();
  exchange.body_size = body.size();
  exchange.headers = lines.data();
  exchange.header_count = lines.size();
  exchange.timeout_ms = timeout.count();
  return Exchange(exchange);
}

}  // namespace sluice

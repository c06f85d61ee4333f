#include "runtimes/http_request.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <charconv>
#include <optional>

namespace sluice {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace beast = boost::beast;
namespace http = beast::http;

// Far above any answer the callers expect (a Lambda result is at most 6 MB), low enough that a
// runaway server cannot exhaust memory.
constexpr uint64_t kMaxAnswerBytes = 64ull * 1024 * 1024;

struct Url {
  bool tls = false;
  std::string host;  // without the brackets of an IPv6 literal
  std::string port;
  std::string host_header;
  std::string target;
};

Result<Url> ParseUrl(const std::string& text) {
  Url url;
  std::string_view rest = text;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    url.tls = true;
  } else {
    return InvalidArgument(text, "expected an http:// or https:// URL");
  }
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? "/" : rest.substr(authority_end);
  target = target.substr(0, target.find('#'));
  url.target =
      target.empty() || target.front() == '?' ? "/" + std::string(target) : std::string(target);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument(text, "user names and passwords in URLs are not supported");
  }
  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument(text, "unclosed '[' in the host");
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) {
      return InvalidArgument(text, "expected ':port' after the IPv6 address");
    }
    if (!after.empty()) port = after.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return InvalidArgument(text, "the URL has no host");
  if (port.empty()) {
    url.port = url.tls ? "443" : "80";
  } else {
    unsigned number = 0;
    const auto [end, problem] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (problem != std::errc() || end != port.data() + port.size() || number == 0 ||
        number > 65535) {
      return InvalidArgument(text,
                             "expected a port from 1 to 65535, got '" + std::string(port) + "'");
    }
    url.port = std::string(port);
  }
  url.host_header = std::string(authority);
  return url;
}

// What the exchange got to, for the error when it fails or runs out of time.
struct Progress {
  std::string stage = "resolving the host";
  std::optional<Result<HttpClientResponse>> outcome;
};

Error TransportError(const std::string& url, const Progress& progress,
                     const boost::system::error_code& error) {
  return MakeError(ErrorCode::kUnavailable, url, progress.stage + ": " + error.message());
}

template <typename Stream>
asio::awaitable<void> Exchange(Stream& stream, const std::string& url,
                               http::request<http::string_body>& request, Progress& progress) {
  boost::system::error_code error;
  progress.stage = "sending the request";
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    progress.outcome = TransportError(url, progress, error);
    co_return;
  }
  progress.stage = "reading the answer";
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  co_await http::async_read(stream, buffer, parser,
                            asio::redirect_error(asio::use_awaitable, error));
  // A TLS server that closes without close_notify after a complete answer has still answered.
  if (error && !(error == asio::ssl::error::stream_truncated && parser.is_done())) {
    progress.outcome = TransportError(url, progress, error);
    co_return;
  }
  http::response<http::string_body> response = parser.release();
  progress.outcome =
      HttpClientResponse{static_cast<long>(response.result_int()), std::move(response.body())};
}

asio::awaitable<void> Run(const Url& target, const std::string& url,
                          http::request<http::string_body>& request, Progress& progress) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code error;
  tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(
      target.host, target.port, asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    progress.outcome = TransportError(url, progress, error);
    co_return;
  }
  progress.stage = "connecting to " + target.host_header;
  beast::tcp_stream socket(executor);
  co_await socket.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    progress.outcome = TransportError(url, progress, error);
    co_return;
  }
  if (!target.tls) {
    co_await Exchange(socket, url, request, progress);
    co_return;
  }
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_default_verify_paths();
  context.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), context);
  boost::system::error_code not_an_address;
  asio::ip::make_address(target.host, not_an_address);
  // Server Name Indication is for names only; addresses are matched against the certificate's
  // IP entries by the verification below.
  if (not_an_address && !SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str())) {
    progress.outcome = MakeError(ErrorCode::kInternal, url, "could not set the TLS server name");
    co_return;
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
  progress.stage = "TLS handshake with " + target.host_header;
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    progress.outcome = TransportError(url, progress, error);
    co_return;
  }
  co_await Exchange(stream, url, request, progress);
}

Result<HttpClientResponse> Request(http::verb method, const std::string& url,
                                   const std::string* body, const std::vector<std::string>& headers,
                                   std::chrono::milliseconds timeout) {
  auto target = ParseUrl(url);
  if (!target) return target.error();
  http::request<http::string_body> request(method, target->target, 11);
  request.set(http::field::host, target->host_header);
  request.set(http::field::accept, "*/*");
  for (const std::string& header : headers) {
    const size_t colon = header.find(':');
    if (colon == std::string::npos || colon == 0) {
      return InvalidArgument(url, "expected a 'Name: value' header, got '" + header + "'");
    }
    const size_t value = header.find_first_not_of(' ', colon + 1);
    request.set(header.substr(0, colon),
                value == std::string::npos ? std::string() : header.substr(value));
  }
  if (body != nullptr) request.body() = *body;
  request.prepare_payload();

  Progress progress;
  asio::io_context io;
  asio::co_spawn(io, Run(*target, url, request, progress), asio::detached);
  // One deadline for the whole exchange; whatever is pending is cancelled when `io` goes.
  io.run_for(timeout);
  if (progress.outcome) return std::move(*progress.outcome);
  return MakeError(ErrorCode::kUnavailable, url,
                   "timed out after " + std::to_string(timeout.count()) + " ms " + progress.stage);
}

}  // namespace

Result<HttpClientResponse> HttpGet(const std::string& url, std::chrono::milliseconds timeout) {
  return Request(http::verb::get, url, nullptr, {}, timeout);
}

Result<HttpClientResponse> HttpPost(const std::string& url, const std::string& body,
                                    const std::vector<std::string>& headers,
                                    std::chrono::milliseconds timeout) {
  return Request(http::verb::post, url, &body, headers, timeout);
}

}  // namespace sluice

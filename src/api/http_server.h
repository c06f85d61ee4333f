// An HTTP/1.1 server for SageMaker's awsJson1_1 protocol: every request is a POST whose body
// is handed, whole, to the request handler, which answers once, from any thread, whenever it
// is ready. Connections are served asynchronously on the server's own threads, so a slow
// client (each read has a deadline) or a slow answer holds up no other connection. Bodies
// above the limit are refused with a SageMaker-shaped error before they are read. Keep-alive is
// honoured until shutdown. GET and DELETE requests go to a second handler when one is given (and
// are refused otherwise); an answer may be a stream (HttpStream), which shutdown ends.
//
// Thread-safety: Start() and Join() from one owning thread; BeginShutdown() from any thread.
// The handler runs on the server's threads, several at once.
#pragma once

#include "base/result.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

struct HttpRequest {
  std::string request_id;  // x-amzn-RequestId of the answer
  std::string method;      // "POST", "GET", ...
  std::string path;        // the request target as sent: path and query
  std::string target;      // X-Amz-Target
  std::string content_type;
  // Every header as received, names lower-cased, in order (request signatures cover them).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A response body sent a piece at a time (Server-Sent Events). Write() never blocks: pieces
// wait in a bounded buffer, and a client that lets it overflow (or stalls) is dropped.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  // From any thread; false once the stream is closed (by either side, or by an overflow).
  virtual bool Write(std::string piece) = 0;
  // Ends the response after what is queued; the connection closes.
  virtual void Close() = 0;
  virtual bool is_open() const = 0;
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON
  // When set, the answer is a stream of this content type: the status and headers go out, then
  // `stream` is called (on a server thread) with the response's HttpStream; `body` is unused.
  std::string stream_content_type = {};
  std::function<void(std::shared_ptr<HttpStream>)> stream = {};
};

// Answers a request; callable from any thread, once.
using HttpReply = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, HttpReply)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  size_t threads = 2;
  size_t body_limit = 8 * 1024 * 1024;
  // How long a connection may take to send a request (or to read an answer) before it is
  // closed; also how long an idle keep-alive connection stays open.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // GET and DELETE requests go here when set (streams such as /events, the queues); otherwise
  // they are refused.
  HttpHandler get_handler;
  // What a stream may have queued for a client before the client is dropped.
  size_t stream_buffer_limit = 1024 * 1024;
  // Consulted for every request before any route sees it (request signatures): an answer
  // refuses the request with it. Empty: every request is let through.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> authenticate;
};

// The body of a SageMaker error: {"__type": code, "message": message}.
std::string ErrorBody(std::string_view code, std::string_view message);

class HttpServer {
 public:
  // Binds, listens and starts serving on the server's threads. kUnavailable when the address
  // cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  ~HttpServer();  // shuts down and joins if that has not happened
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "address:port" as bound.
  std::string bound_address() const;
  // Stops accepting, closes idle connections and lets each request in flight be answered;
  // `on_drained` runs (on a server thread, or on the caller's if nothing is open) once no
  // connection is left. Later calls do nothing.
  void BeginShutdown(std::function<void()> on_drained);
  // Waits for the server's threads, after BeginShutdown().
  void Join();

  // What the connections share with the server (http_server.cc).
  struct State;

 private:
  explicit HttpServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace sluice

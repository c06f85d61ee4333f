#include "api/http_server.h"

#include "base/text.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace sluice {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string NewRequestId() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  const uint64_t draws[2] = {generator(), generator()};
  std::string id = LowerHex(std::string_view(reinterpret_cast<const char*>(draws), sizeof draws));
  for (const size_t dash : {8, 13, 18, 23}) id.insert(dash, 1, '-');
  return id;
}

// The whole answer in one buffer, so that it leaves in one write.
std::string AnswerText(int status, std::string_view request_id, bool keep_alive,
                       std::string_view body) {
  const beast::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
  const std::string length = std::to_string(body.size());
  std::string text;
  text.reserve(160 + reason.size() + request_id.size() + body.size());
  text.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  text.append(reason.data(), reason.size());
  text.append("\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: ");
  text.append(request_id).append("\r\nServer: sluice\r\nContent-Length: ").append(length);
  if (!keep_alive) text.append("\r\nConnection: close");
  text.append("\r\n\r\n").append(body);
  return text;
}

class Connection;

}  // namespace

std::string ErrorBody(std::string_view code, std::string_view message) {
  return nlohmann::json{{"__type", code}, {"message", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  HttpServerOptions options;
  HttpHandler handler;
  asio::io_context context;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{asio::make_strand(context)};
  std::vector<std::thread> threads;
  std::string bound;

  std::mutex mutex;  // guards what follows
  std::map<Connection*, std::weak_ptr<Connection>> connections;
  bool is_shutting_down = false;
  bool is_stopped = false;  // the threads have ended: nothing posted would ever run
  std::function<void()> on_drained;

  // Every hand-off from outside a connection's strand goes through here. Once the threads have
  // ended, a handler posted to the io_context would stay queued for ever, holding its connection,
  // which holds this state, which holds the io_context: such a task is dropped instead.
  void Post(const asio::any_io_executor& executor, std::function<void()> task);
  void Accept();
  void Forget(Connection* connection);
  // Called with the mutex held; returns what to run after releasing it.
  std::function<void()> DrainedIfDone();
};

namespace {

// The HttpStream of a streamed answer: pieces queue here (bounded) and the connection's strand
// writes them out.
class StreamWriter : public HttpStream {
 public:
  StreamWriter(std::weak_ptr<Connection> connection, size_t limit)
      : connection_(std::move(connection)), limit_(limit) {}

  bool Write(std::string piece) override;
  void Close() override;
  bool is_open() const override {
    std::lock_guard lock(mutex_);
    return !is_closed_;
  }

  // On the strand: what to write next (nullptr when nothing is queued; writing stops then).
  std::shared_ptr<std::string> TakeQueued() {
    std::lock_guard lock(mutex_);
    if (queued_.empty()) {
      is_writing_ = false;
      return nullptr;
    }
    auto piece = std::make_shared<std::string>(std::move(queued_));
    queued_.clear();
    return piece;
  }
  bool is_close_requested() const {
    std::lock_guard lock(mutex_);
    return is_close_requested_;
  }
  void MarkClosed() {
    std::lock_guard lock(mutex_);
    is_closed_ = true;
  }

 private:
  void Kick();

  std::weak_ptr<Connection> connection_;
  const size_t limit_;
  mutable std::mutex mutex_;  // guards what follows
  std::string queued_;
  bool is_writing_ = false;
  bool is_closed_ = false;
  bool is_close_requested_ = false;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<HttpServer::State> server)
      : server_(std::move(server)), stream_(std::move(socket)) {}
  ~Connection() { Forget(); }

  void Begin() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // From any thread: closes the connection if it waits for a request; one being answered is
  // closed after its answer.
  void Shutdown() {
    server_->Post(stream_.get_executor(), [self = shared_from_this()] {
      self->is_closing_ = true;
      if (self->writer_) return self->Close();
      if (!self->is_busy_) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        self->stream_.cancel();
      }
    });
  }

 private:
  void Read() {
    if (is_closing_) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(server_->options.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    if (error == http::error::body_limit) {
      // The rest of the body is read and dropped, so that the client, which sends before it
      // reads, sees the answer rather than a reset connection.
      is_draining_ = true;
      return Answer(400,
                    ErrorBody("ValidationException",
                              "the request body exceeds the limit of " +
                                  std::to_string(server_->options.body_limit) + " bytes"),
                    false, NewRequestId());
    }
    if (error == http::error::end_of_stream || error == beast::error::timeout ||
        error == asio::error::operation_aborted || error == asio::error::connection_reset ||
        error == asio::error::eof) {
      return Close();
    }
    if (error) {
      return Answer(400, ErrorBody("SerializationException", "malformed HTTP request"), false,
                    NewRequestId());
    }
    http::request<http::string_body> request = parser_->release();
    const bool keep_alive = request.keep_alive();
    const std::string request_id = NewRequestId();
    // GET and DELETE: the event stream and the queues' REST shape (api/queue_service.h).
    const bool is_get =
        (request.method() == http::verb::get || request.method() == http::verb::delete_) &&
        server_->options.get_handler;
    if (request.method() != http::verb::post && !is_get) {
      return Answer(
          405,
          ErrorBody("UnknownOperationException", "requests are POST / with an X-Amz-Target header"),
          keep_alive, request_id);
    }
    HttpRequest given;
    given.request_id = request_id;
    given.method = std::string(request.method_string());
    given.path = std::string(request.target());
    for (const auto& field : request) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      given.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    given.target = std::string(request[beast::string_view("X-Amz-Target")]);
    given.content_type = std::string(request[http::field::content_type]);
    given.body = std::move(request.body());
    if (server_->options.authenticate) {
      if (std::optional<HttpResponse> refusal = server_->options.authenticate(given)) {
        return Answer(refusal->status, std::move(refusal->body), keep_alive, request_id);
      }
    }
    is_busy_ = true;
    // The connection object lives until the answer is written, however long the handler takes.
    // A reply given at once, on this strand, is written at once; one from another thread waits
    // its turn on the strand.
    HttpReply reply = [self = shared_from_this(), keep_alive, request_id](HttpResponse response) {
      auto answer = [self, keep_alive, request_id, response = std::move(response)]() mutable {
        if (response.stream) return self->BeginStream(std::move(response), request_id);
        self->Answer(response.status, std::move(response.body), keep_alive, request_id);
      };
      if (self->IsOnStrand()) return answer();
      self->server_->Post(self->stream_.get_executor(), std::move(answer));
    };
    (is_get ? server_->options.get_handler : server_->handler)(std::move(given), std::move(reply));
  }

  // A streamed answer: the head, then whatever the handler writes, until either side closes.
  // There is no Content-Length, so the end of the body is the end of the connection.
  void BeginStream(HttpResponse response, const std::string& request_id) {
    is_busy_ = true;
    stream_.expires_never();
    auto head = std::make_shared<std::string>(
        "HTTP/1.1 " + std::to_string(response.status) + " " +
        std::string(http::obsolete_reason(static_cast<http::status>(response.status))) +
        "\r\nContent-Type: " + response.stream_content_type +
        "\r\nCache-Control: no-cache\r\nConnection: close\r\nServer: sluice\r\n"
        "x-amzn-RequestId: " +
        request_id + "\r\n\r\n");
    writer_ =
        std::make_shared<StreamWriter>(shared_from_this(), server_->options.stream_buffer_limit);
    asio::async_write(stream_.socket(), asio::buffer(*head),
                      [self = shared_from_this(), head, opener = std::move(response.stream)](
                          beast::error_code error, size_t) {
                        if (error || self->is_closing_) return self->Close();
                        self->WatchForHangUp();
                        opener(self->writer_);
                      });
  }

  // The client sends nothing more on a stream; a read ends when it hangs up.
  void WatchForHangUp() {
    stream_.socket().async_read_some(asio::buffer(discard_),
                                     [self = shared_from_this()](beast::error_code error, size_t) {
                                       if (error) return self->Close();
                                       self->WatchForHangUp();
                                     });
  }

 public:
  // Sends queued pieces, one write at a time, on the connection's strand.
  void FlushStream() {
    std::shared_ptr<std::string> piece = writer_->TakeQueued();
    if (!piece) {
      if (writer_->is_close_requested()) Close();
      return;
    }
    asio::async_write(stream_.socket(), asio::buffer(*piece),
                      [self = shared_from_this(), piece](beast::error_code error, size_t) {
                        if (error) return self->Close();
                        self->FlushStream();
                      });
  }
  void PostToStrand(std::function<void()> work) {
    server_->Post(stream_.get_executor(), std::move(work));
  }

 private:
  void Answer(int status, const std::string& body, bool keep_alive, const std::string& request_id) {
    is_busy_ = true;
    const bool is_kept_alive = keep_alive && !is_closing_ && !is_draining_;
    auto text = std::make_shared<std::string>(AnswerText(status, request_id, is_kept_alive, body));
    stream_.expires_after(server_->options.read_timeout);
    asio::async_write(
        stream_, asio::buffer(*text),
        [self = shared_from_this(), text, is_kept_alive](beast::error_code error, size_t) {
          self->is_busy_ = false;
          if (error) return self->Close();
          if (self->is_draining_) return self->Drain();
          if (!is_kept_alive) return self->Close();
          self->Read();
        });
  }

  void Drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(server_->options.read_timeout);
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code error, size_t) {
                              if (error) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    if (writer_) writer_->MarkClosed();
    // A closed connection no longer holds up shutdown, even while the handler still keeps its
    // reply.
    Forget();
  }

  void Forget() {
    if (is_forgotten_.exchange(true)) return;
    server_->Forget(this);
  }

  bool IsOnStrand() {
    using Strand = asio::strand<asio::io_context::executor_type>;
    const asio::any_io_executor executor = stream_.get_executor();
    const Strand* strand = executor.target<Strand>();
    return strand != nullptr && strand->running_in_this_thread();
  }

  // First, so that it goes last: the socket must be gone before the io_context it belongs to,
  // which this may be the last to hold.
  std::shared_ptr<HttpServer::State> server_;
  beast::tcp_stream stream_;
  std::shared_ptr<StreamWriter> writer_;  // set once the answer is a stream
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 16 * 1024> discard_{};
  bool is_busy_ = false;  // a request is being answered
  bool is_closing_ = false;
  bool is_draining_ = false;
  std::atomic<bool> is_forgotten_ = false;
};

bool StreamWriter::Write(std::string piece) {
  bool is_overflow = false;
  {
    std::lock_guard lock(mutex_);
    if (is_closed_ || is_close_requested_) return false;
    if (queued_.size() + piece.size() > limit_) {
      // A client this far behind is dropped rather than buffered without bound.
      is_overflow = true;
      is_closed_ = true;
      is_close_requested_ = true;
      queued_.clear();
    } else {
      queued_ += piece;
      if (is_writing_) return true;
      is_writing_ = true;
    }
  }
  Kick();
  return !is_overflow;
}

void StreamWriter::Close() {
  {
    std::lock_guard lock(mutex_);
    if (is_close_requested_) return;
    is_close_requested_ = true;
    if (is_writing_) return;  // the flush closes once the queue is written
    is_writing_ = true;
  }
  Kick();
}

void StreamWriter::Kick() {
  if (auto connection = connection_.lock()) {
    connection->PostToStrand([connection] { connection->FlushStream(); });
  }
}

}  // namespace

void HttpServer::State::Accept() {
  acceptor.async_accept(asio::make_strand(context),
                        [self = shared_from_this()](beast::error_code error, tcp::socket socket) {
                          if (error) {
                            if (!self->acceptor.is_open()) return;
                            // Running out of descriptors and the like passes; accepting goes on.
                            return self->Accept();
                          }
                          auto connection = std::make_shared<Connection>(std::move(socket), self);
                          bool is_refused = false;
                          {
                            std::lock_guard lock(self->mutex);
                            is_refused = self->is_shutting_down;
                            if (!is_refused) self->connections[connection.get()] = connection;
                          }
                          if (is_refused) return;
                          connection->Begin();
                          self->Accept();
                        });
}

void HttpServer::State::Post(const asio::any_io_executor& executor, std::function<void()> task) {
  std::function<void()> dropped;
  {
    std::lock_guard lock(mutex);
    if (!is_stopped) return asio::post(executor, std::move(task));
    dropped = std::move(task);
  }
  // Released here, unlocked: it may hold the last reference to a connection, whose destructor
  // takes the lock.
  dropped = nullptr;
}

void HttpServer::State::Forget(Connection* connection) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mutex);
    connections.erase(connection);
    drained = DrainedIfDone();
  }
  if (drained) drained();
}

std::function<void()> HttpServer::State::DrainedIfDone() {
  if (!is_shutting_down || !connections.empty() || !on_drained) return {};
  std::function<void()> drained = std::move(on_drained);
  on_drained = nullptr;
  work.reset();
  return drained;
}

HttpServer::HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() {
  BeginShutdown([] {});
  Join();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  auto state = std::make_shared<State>();
  state->options = options;
  state->handler = std::move(handler);
  beast::error_code error;
  const auto address = asio::ip::make_address(options.address, error);
  if (error) {
    return InvalidArgument("--listen", Quote(options.address) + " is not an IP address");
  }
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.address + ":" + std::to_string(options.port);
  if (state->acceptor.open(endpoint.protocol(), error); error) {
    return MakeError(ErrorCode::kUnavailable, where, "cannot open a socket: " + error.message());
  }
  state->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (state->acceptor.bind(endpoint, error); error) {
    return MakeError(ErrorCode::kUnavailable, where, "cannot bind: " + error.message());
  }
  if (state->acceptor.listen(asio::socket_base::max_listen_connections, error); error) {
    return MakeError(ErrorCode::kUnavailable, where, "cannot listen: " + error.message());
  }
  const tcp::endpoint bound = state->acceptor.local_endpoint();
  state->bound = bound.address().to_string() + ":" + std::to_string(bound.port());
  state->work.emplace(state->context.get_executor());
  state->Accept();
  for (size_t i = 0; i < std::max<size_t>(1, options.threads); ++i) {
    state->threads.emplace_back([context = &state->context] { context->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

std::string HttpServer::bound_address() const { return state_->bound; }

void HttpServer::BeginShutdown(std::function<void()> on_drained) {
  std::vector<std::shared_ptr<Connection>> open;
  std::function<void()> drained;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->is_shutting_down) return;
    state_->is_shutting_down = true;
    state_->on_drained = std::move(on_drained);
    for (auto& [pointer, connection] : state_->connections) {
      if (auto alive = connection.lock()) open.push_back(std::move(alive));
    }
    drained = state_->DrainedIfDone();
  }
  state_->Post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
  for (auto& connection : open) connection->Shutdown();
  open.clear();
  if (drained) drained();
}

void HttpServer::Join() {
  for (std::thread& thread : state_->threads) {
    if (thread.joinable()) thread.join();
  }
  state_->threads.clear();
  {
    std::lock_guard lock(state_->mutex);
    state_->is_stopped = true;
  }
  // What was posted between the threads' last handler and the flag above: every connection is
  // closed by now, so these end at once (an answer's write fails on the closed socket).
  state_->context.restart();
  state_->context.poll();
}

}  // namespace sluice

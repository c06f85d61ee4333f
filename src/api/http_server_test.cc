#include "api/http_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <netinet/in.h>
#include <regex>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace sluice {
namespace {

struct Response {
  int status = 0;
  std::string headers;
  std::string body;
};

class Client {
 public:
  explicit Client(const std::string& bound) {
    const size_t colon = bound.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::stoi(bound.substr(colon + 1))));
    inet_pton(AF_INET, bound.substr(0, colon).c_str(), &address.sin_addr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    // A bound on every read, so that a broken server fails the test instead of hanging it.
    timeval limit{.tv_sec = 60, .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }
  ~Client() { close(fd_); }

  void Send(const std::string& text) {
    size_t sent = 0;
    while (sent < text.size()) {
      const ssize_t wrote = write(fd_, text.data() + sent, text.size() - sent);
      if (wrote <= 0) return;
      sent += static_cast<size_t>(wrote);
    }
  }
  void Post(const std::string& target, const std::string& body) {
    Send("POST / HTTP/1.1\r\nHost: test\r\nX-Amz-Target: " + target +
         "\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  // One response, or status 0 when the connection ended first.
  Response Read() {
    Response response;
    size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return response;
    }
    response.headers = pending_.substr(0, header_end);
    response.status = std::stoi(response.headers.substr(9, 3));
    size_t length = 0;
    const size_t field = response.headers.find("Content-Length: ");
    if (field != std::string::npos) length = std::stoul(response.headers.substr(field + 16));
    pending_.erase(0, header_end + 4);
    while (pending_.size() < length) {
      if (!Fill()) return Response{};
    }
    response.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return response;
  }

 private:
  bool Fill() {
    char buffer[4096];
    const ssize_t got = read(fd_, buffer, sizeof buffer);
    if (got <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(got));
    return true;
  }
  int fd_ = -1;
  std::string pending_;
};

// Answers at once with the target and body, except "Hold", whose reply is kept for the test.
class Handler {
 public:
  void operator()(HttpRequest request, HttpReply reply) {
    if (request.target == "Hold") {
      std::lock_guard lock(mutex_);
      held_ = std::move(reply);
      changed_.notify_all();
      return;
    }
    reply(HttpResponse{200, request.target + ":" + request.body});
  }
  HttpReply WaitForHeld() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return held_ != nullptr; });
    return std::move(held_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  HttpReply held_;
};

std::unique_ptr<HttpServer> StartServer(Handler& handler, HttpServerOptions options = {}) {
  auto server = HttpServer::Start(options, [&handler](HttpRequest request, HttpReply reply) {
    handler(std::move(request), std::move(reply));
  });
  EXPECT_TRUE(server.has_value()) << server.error().ToString();
  return std::move(*server);
}

TEST(HttpServer, AnswersSeveralRequestsOnOneConnection) {
  Handler handler;
  auto server = StartServer(handler);
  Client client(server->bound_address());
  client.Post("SageMaker.ListPipelines", "{}");
  client.Post("SageMaker.DescribePipeline", R"({"PipelineName": "a"})");
  const Response first = client.Read();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "SageMaker.ListPipelines:{}");
  EXPECT_NE(first.headers.find("Content-Type: application/x-amz-json-1.1"), std::string::npos);
  EXPECT_NE(first.headers.find("x-amzn-RequestId: "), std::string::npos);
  const Response second = client.Read();
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, R"(SageMaker.DescribePipeline:{"PipelineName": "a"})");
  // Request ids are UUID-shaped, as SageMaker's are, and new for every answer.
  const std::regex id(
      "x-amzn-RequestId: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
      "[0-9a-f]{12})(\r|$)");
  std::smatch first_id, second_id;
  ASSERT_TRUE(std::regex_search(first.headers, first_id, id)) << first.headers;
  ASSERT_TRUE(std::regex_search(second.headers, second_id, id)) << second.headers;
  EXPECT_NE(first_id[1], second_id[1]);
}

TEST(HttpServer, RefusesABodyOverTheLimitWithASageMakerError) {
  Handler handler;
  HttpServerOptions options;
  options.body_limit = 1024;
  auto server = StartServer(handler, options);
  Client client(server->bound_address());
  client.Post("SageMaker.ListPipelines", std::string(64 * 1024, 'x'));
  const Response refused = client.Read();
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find(R"("__type":"ValidationException")"), std::string::npos)
      << refused.body;
  Client next(server->bound_address());
  next.Post("SageMaker.ListPipelines", "{}");
  EXPECT_EQ(next.Read().status, 200);
}

TEST(HttpServer, AnswersMalformedHttpAndGoesOn) {
  Handler handler;
  auto server = StartServer(handler);
  Client client(server->bound_address());
  client.Send("NOT HTTP AT ALL\r\n\r\n");
  const Response refused = client.Read();
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("__type"), std::string::npos);
  Client next(server->bound_address());
  next.Post("SageMaker.ListPipelines", "{}");
  EXPECT_EQ(next.Read().status, 200);
}

TEST(HttpServer, ARequestWaitingForItsAnswerHoldsUpNoOtherConnection) {
  Handler handler;
  auto server = StartServer(handler);
  Client held(server->bound_address());
  held.Post("Hold", "{}");
  HttpReply reply = handler.WaitForHeld();
  Client slow_sender(server->bound_address());
  slow_sender.Send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\n{");
  Client other(server->bound_address());
  other.Post("SageMaker.ListPipelines", "{}");
  EXPECT_EQ(other.Read().body, "SageMaker.ListPipelines:{}");
  reply(HttpResponse{200, "late"});
  EXPECT_EQ(held.Read().body, "late");
}

TEST(HttpServer, ShutdownAnswersTheRequestInFlightThenDrains) {
  Handler handler;
  auto server = StartServer(handler);
  Client held(server->bound_address());
  held.Post("Hold", "{}");
  HttpReply reply = handler.WaitForHeld();
  Client idle(server->bound_address());
  idle.Post("SageMaker.ListPipelines", "{}");
  ASSERT_EQ(idle.Read().status, 200);

  std::mutex mutex;
  std::condition_variable changed;
  bool is_drained = false;
  server->BeginShutdown([&] {
    std::lock_guard lock(mutex);
    is_drained = true;
    changed.notify_all();
  });
  // The idle connection is closed; the one waiting for its answer is not.
  EXPECT_EQ(idle.Read().status, 0);
  {
    std::lock_guard lock(mutex);
    EXPECT_FALSE(is_drained);
  }
  reply(HttpResponse{200, "answered"});
  const Response answered = held.Read();
  EXPECT_EQ(answered.body, "answered");
  EXPECT_NE(answered.headers.find("Connection: close"), std::string::npos) << answered.headers;
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return is_drained; });
  lock.unlock();
  server->Join();
}

// GET answers with a stream; the test writes to it.
struct StreamHandler {
  std::mutex mutex;
  std::condition_variable changed;
  std::shared_ptr<HttpStream> stream;

  std::shared_ptr<HttpStream> WaitForStream() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return stream != nullptr; });
    return stream;
  }
};

std::unique_ptr<HttpServer> StartStreaming(Handler& handler, StreamHandler& streams,
                                           size_t buffer_limit = 1024 * 1024) {
  HttpServerOptions options;
  options.stream_buffer_limit = buffer_limit;
  options.get_handler = [&streams](HttpRequest request, HttpReply reply) {
    HttpResponse response;
    response.stream_content_type = "text/event-stream";
    response.stream = [&streams, path = request.path](std::shared_ptr<HttpStream> stream) {
      stream->Write("path " + path + "\n");
      std::lock_guard lock(streams.mutex);
      streams.stream = std::move(stream);
      streams.changed.notify_all();
    };
    reply(std::move(response));
  };
  return StartServer(handler, options);
}

// Reads from a raw stream until `text` arrived (or the connection ended).
std::string ReadUntil(int fd, const std::string& text) {
  std::string got;
  char buffer[4096];
  while (got.find(text) == std::string::npos) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
  }
  return got;
}

class RawClient {
 public:
  explicit RawClient(const std::string& bound) {
    const size_t colon = bound.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::stoi(bound.substr(colon + 1))));
    inet_pton(AF_INET, bound.substr(0, colon).c_str(), &address.sin_addr);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval limit{.tv_sec = 60, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }
  ~RawClient() { close(fd); }
  void Get(const std::string& path) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  }
  int fd = -1;
};

TEST(HttpServer, StreamsPiecesWhileOtherRequestsAreAnswered) {
  Handler handler;
  StreamHandler streams;
  auto server = StartStreaming(handler, streams);
  RawClient client(server->bound_address());
  client.Get("/events?after=3");
  std::shared_ptr<HttpStream> stream = streams.WaitForStream();
  const std::string head = ReadUntil(client.fd, "path /events?after=3\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;

  Client other(server->bound_address());
  other.Post("SageMaker.ListPipelines", "{}");
  EXPECT_EQ(other.Read().status, 200);

  EXPECT_TRUE(stream->Write("data: one\n\n"));
  EXPECT_TRUE(stream->Write("data: two\n\n"));
  EXPECT_NE(ReadUntil(client.fd, "data: two\n\n").find("data: one\n\n"), std::string::npos);
  stream->Close();
  EXPECT_EQ(ReadUntil(client.fd, "never sent"), "");  // closed after what was queued
  EXPECT_FALSE(stream->Write("data: late\n\n"));
}

TEST(HttpServer, RefusesGetWithoutAGetHandler) {
  Handler handler;
  auto server = StartServer(handler);
  Client client(server->bound_address());
  client.Send("GET /events HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(client.Read().status, 405);
}

TEST(HttpServer, DropsAStreamClientThatFallsTooFarBehind) {
  Handler handler;
  StreamHandler streams;
  auto server = StartStreaming(handler, streams, 64 * 1024);
  RawClient client(server->bound_address());  // never reads past the head
  client.Get("/events");
  std::shared_ptr<HttpStream> stream = streams.WaitForStream();
  const std::string piece(16 * 1024, 'x');
  bool is_dropped = false;
  // The socket buffers take some; the bounded queue takes the rest, then refuses.
  for (int i = 0; i < 4096 && !is_dropped; ++i) is_dropped = !stream->Write(piece);
  EXPECT_TRUE(is_dropped);
  EXPECT_FALSE(stream->is_open());
}

TEST(HttpServer, ShutdownEndsStreams) {
  Handler handler;
  StreamHandler streams;
  auto server = StartStreaming(handler, streams);
  RawClient client(server->bound_address());
  client.Get("/events");
  std::shared_ptr<HttpStream> stream = streams.WaitForStream();
  ReadUntil(client.fd, "path /events\n");
  std::mutex mutex;
  std::condition_variable changed;
  bool is_drained = false;
  server->BeginShutdown([&] {
    std::lock_guard lock(mutex);
    is_drained = true;
    changed.notify_all();
  });
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return is_drained; });
  lock.unlock();
  EXPECT_FALSE(stream->is_open());
  EXPECT_EQ(ReadUntil(client.fd, "never sent"), "");
  server->Join();
}

TEST(HttpServer, RefusesWhatAuthenticateRefusesBeforeTheHandlerAndGoesOn) {
  Handler handler;
  HttpServerOptions options;
  std::atomic<int> consulted{0};
  options.authenticate = [&consulted](const HttpRequest& request) {
    ++consulted;
    std::optional<HttpResponse> refusal;
    if (request.target == "Refused") {
      refusal = HttpResponse{403, ErrorBody("MissingAuthenticationTokenException", "no")};
    }
    return refusal;
  };
  auto server = StartServer(handler, options);
  Client client(server->bound_address());
  client.Post("Refused", "{}");
  client.Post("SageMaker.ListPipelines", "{}");
  const Response refused = client.Read();
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body, R"({"__type":"MissingAuthenticationTokenException","message":"no"})");
  const Response answered = client.Read();
  EXPECT_EQ(answered.status, 200);
  EXPECT_EQ(answered.body, "SageMaker.ListPipelines:{}");
  EXPECT_EQ(consulted, 2);
}

}  // namespace
}  // namespace sluice

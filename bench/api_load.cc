// A load client for `sluice serve`: keep-alive connections, all served by one epoll thread,
// each sending the same awsJson1_1 request back to back for a while; prints latency percentiles
// and throughput. With --first-step N it instead starts a pipeline N times, one at a time, and
// times each StartPipelineExecution request until ListPipelineExecutionSteps first shows a step.
//
//   api_load --address 127.0.0.1:8080 --target SageMaker.DescribePipelineExecution
//            --body '{"PipelineExecutionArn": "..."}' --clients 100 --seconds 15
//   api_load --address 127.0.0.1:8080 --pipeline NAME --first-step 50
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string target = "SageMaker.DescribePipelineExecution";
  std::string body = "{}";
  std::string pipeline;
  int clients = 100;
  double seconds = 15;
  int first_step = 0;
};

class Connection {
 public:
  explicit Connection(const Options& options) : options_(options), stream_(context_) {
    asio::ip::tcp::resolver resolver(context_);
    stream_.connect(resolver.resolve(options.host, options.port));
    stream_.socket().set_option(asio::ip::tcp::no_delay(true));
  }

  // The answer's status and body.
  std::pair<int, std::string> Call(const std::string& target, const std::string& body) {
    http::request<http::string_body> request{http::verb::post, "/", 11};
    request.set(http::field::host, options_.host + ":" + options_.port);
    request.set(http::field::content_type, "application/x-amz-json-1.1");
    request.set("X-Amz-Target", target);
    request.keep_alive(true);
    request.body() = body;
    request.prepare_payload();
    http::write(stream_, request);
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response);
    return {response.result_int(), std::move(response.body())};
  }

 private:
  const Options& options_;
  asio::io_context context_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

double Percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(fraction * sorted.size()));
  return sorted[index];
}

void PrintLatencies(const char* what, std::vector<double> millis) {
  std::sort(millis.begin(), millis.end());
  std::printf("%s: n=%zu p50=%.3f ms p90=%.3f ms p99=%.3f ms max=%.3f ms\n", what, millis.size(),
              Percentile(millis, 0.50), Percentile(millis, 0.90), Percentile(millis, 0.99),
              millis.empty() ? 0 : millis.back());
}

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One client of the load: a connection with one request outstanding at a time.
struct LoadClient {
  int socket = -1;
  std::string received;
  size_t sent = 0;  // of the request, for a write the socket took only in part
  Clock::time_point started;
  std::vector<double> latencies;
};

int Connect(const Options& options) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(options.host.c_str(), options.port.c_str(), &hints, &found) != 0) return -1;
  int socket = -1;
  for (addrinfo* address = found; address != nullptr && socket < 0; address = address->ai_next) {
    socket = ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, 0);
    if (socket >= 0 && connect(socket, address->ai_addr, address->ai_addrlen) != 0) {
      close(socket);
      socket = -1;
    }
  }
  freeaddrinfo(found);
  if (socket < 0) return -1;
  const int on = 1;
  setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK);
  return socket;
}

// The length of the first complete answer in `received` and its status; 0 while incomplete.
std::pair<size_t, int> CompleteAnswer(const std::string& received) {
  const size_t head_end = received.find("\r\n\r\n");
  if (head_end == std::string::npos) return {0, 0};
  const int status = received.size() > 12 ? std::atoi(received.c_str() + 9) : 0;
  size_t length = 0;
  for (size_t line = received.find("\r\n") + 2; line < head_end;
       line = received.find("\r\n", line) + 2) {
    if (strncasecmp(received.c_str() + line, "content-length:", 15) == 0) {
      length = std::strtoul(received.c_str() + line + 15, nullptr, 10);
    }
  }
  const size_t total = head_end + 4 + length;
  return received.size() < total ? std::pair<size_t, int>{0, 0} : std::pair{total, status};
}

// 100 threads, one per client, would compete for the same two cores as the server they
// measure; one thread waiting on all connections with epoll keeps the client's own cost small.
// Each client still has exactly one request outstanding at all times (a closed loop).
int RunLoad(const Options& options) {
  const std::string request =
      "POST / HTTP/1.1\r\nHost: " + options.host + ":" + options.port +
      "\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: " + options.target +
      "\r\nContent-Length: " + std::to_string(options.body.size()) + "\r\n\r\n" + options.body;
  const int poller = epoll_create1(EPOLL_CLOEXEC);
  std::vector<LoadClient> clients(options.clients);
  for (size_t i = 0; i < clients.size(); ++i) {
    clients[i].socket = Connect(options);
    if (clients[i].socket < 0) {
      std::fprintf(stderr, "api_load: cannot connect to %s:%s\n", options.host.c_str(),
                   options.port.c_str());
      return 1;
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(poller, EPOLL_CTL_ADD, clients[i].socket, &event);
  }
  long failures = 0;
  // Sends what is left of the request; false when the connection failed.
  auto send_rest = [&](size_t i) {
    LoadClient& client = clients[i];
    while (client.sent < request.size()) {
      const ssize_t written = send(client.socket, request.data() + client.sent,
                                   request.size() - client.sent, MSG_NOSIGNAL);
      if (written < 0 && errno == EAGAIN) break;
      if (written <= 0) return false;
      client.sent += static_cast<size_t>(written);
    }
    epoll_event event{};
    event.events = client.sent < request.size() ? EPOLLIN | EPOLLOUT : EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(poller, EPOLL_CTL_MOD, client.socket, &event);
    return true;
  };
  auto begin_request = [&](size_t i) {
    clients[i].started = Clock::now();
    clients[i].sent = 0;
    return send_rest(i);
  };
  auto drop = [&](size_t i) {
    ++failures;
    epoll_ctl(poller, EPOLL_CTL_DEL, clients[i].socket, nullptr);
    close(clients[i].socket);
    clients[i].socket = -1;
  };

  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  for (size_t i = 0; i < clients.size(); ++i) {
    if (!begin_request(i)) drop(i);
  }
  std::vector<epoll_event> ready(clients.size());
  std::array<char, 64 * 1024> chunk{};
  while (Clock::now() < deadline) {
    const int count = epoll_wait(poller, ready.data(), static_cast<int>(ready.size()), 100);
    for (int k = 0; k < count; ++k) {
      const size_t i = ready[k].data.u64;
      LoadClient& client = clients[i];
      if (client.socket < 0) continue;
      if ((ready[k].events & EPOLLOUT) && !send_rest(i)) {
        drop(i);
        continue;
      }
      if (!(ready[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
      const ssize_t got = recv(client.socket, chunk.data(), chunk.size(), 0);
      if (got < 0 && errno == EAGAIN) continue;
      if (got <= 0) {
        drop(i);
        continue;
      }
      client.received.append(chunk.data(), static_cast<size_t>(got));
      const auto [length, status] = CompleteAnswer(client.received);
      if (length == 0) continue;
      client.latencies.push_back(MillisSince(client.started));
      if (status != 200) ++failures;
      client.received.erase(0, length);
      if (!begin_request(i)) drop(i);
    }
  }
  const double elapsed = MillisSince(start) / 1000;
  std::vector<double> all;
  for (LoadClient& client : clients) {
    all.insert(all.end(), client.latencies.begin(), client.latencies.end());
    if (client.socket >= 0) close(client.socket);
  }
  close(poller);
  std::printf("%s, %d keep-alive clients, %.1f s: %zu requests, %.0f requests/s, %ld failed\n",
              options.target.c_str(), options.clients, elapsed, all.size(), all.size() / elapsed,
              failures);
  PrintLatencies("latency", std::move(all));
  return failures == 0 ? 0 : 1;
}

int RunFirstStep(const Options& options) {
  Connection connection(options);
  std::vector<double> from_request, from_response;
  const std::string start_body = nlohmann::json{{"PipelineName", options.pipeline}}.dump();
  for (int i = 0; i < options.first_step; ++i) {
    const auto requested = Clock::now();
    auto [status, body] = connection.Call("SageMaker.StartPipelineExecution", start_body);
    const auto answered = Clock::now();
    if (status != 200) {
      std::fprintf(stderr, "StartPipelineExecution: %d %s\n", status, body.c_str());
      return 1;
    }
    const std::string arn = nlohmann::json::parse(body).at("PipelineExecutionArn");
    const std::string list_body = nlohmann::json{{"PipelineExecutionArn", arn}}.dump();
    while (true) {
      auto [list_status, steps] =
          connection.Call("SageMaker.ListPipelineExecutionSteps", list_body);
      if (list_status != 200) {
        std::fprintf(stderr, "ListPipelineExecutionSteps: %d %s\n", list_status, steps.c_str());
        return 1;
      }
      if (!nlohmann::json::parse(steps)
               .value("PipelineExecutionSteps", nlohmann::json::array())
               .empty()) {
        break;
      }
      if (MillisSince(requested) > 30000) {
        std::fprintf(stderr, "no step of %s started within 30 s\n", arn.c_str());
        return 1;
      }
    }
    from_request.push_back(MillisSince(requested));
    from_response.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - answered).count());
    // Each execution runs to its end before the next starts, so that they do not overlap.
    const std::string describe_body = list_body;
    while (true) {
      auto [describe_status, described] =
          connection.Call("SageMaker.DescribePipelineExecution", describe_body);
      const std::string state =
          nlohmann::json::parse(described).value("PipelineExecutionStatus", "");
      if (describe_status != 200 || (state != "Executing" && state != "Stopping")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  PrintLatencies("start request to first step", from_request);
  PrintLatencies("start response to first step", from_response);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const std::string value = argv[i + 1];
    if (name == "--address") {
      const size_t colon = value.rfind(':');
      options.host = value.substr(0, colon);
      options.port = value.substr(colon + 1);
    } else if (name == "--target") {
      options.target = value;
    } else if (name == "--body") {
      options.body = value;
    } else if (name == "--clients") {
      options.clients = std::max(1, std::atoi(value.c_str()));
    } else if (name == "--seconds") {
      options.seconds = std::atof(value.c_str());
    } else if (name == "--pipeline") {
      options.pipeline = value;
    } else if (name == "--first-step") {
      options.first_step = std::atoi(value.c_str());
    } else {
      std::fprintf(stderr, "api_load: unknown option %s\n", name.c_str());
      return 2;
    }
  }
  try {
    return options.first_step > 0 ? RunFirstStep(options) : RunLoad(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "api_load: %s\n", error.what());
    return 1;
  }
}

// A load client for `sluice serve`: keep-alive connections, one per client thread, each
// sending the same awsJson1_1 request back to back for a while; prints latency percentiles and
// throughput. With --first-step N it instead starts a pipeline N times, one at a time, and
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
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
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

int RunLoad(const Options& options) {
  std::vector<std::vector<double>> latencies(options.clients);
  std::atomic<long> failures{0};
  std::atomic<bool> is_ready{false};
  const auto deadline_after = std::chrono::duration<double>(options.seconds);
  std::vector<std::thread> threads;
  std::atomic<int> connected{0};
  for (int i = 0; i < options.clients; ++i) {
    threads.emplace_back([&, i] {
      try {
        Connection connection(options);
        ++connected;
        while (!is_ready) std::this_thread::yield();
        const auto deadline = Clock::now() + deadline_after;
        while (Clock::now() < deadline) {
          const auto start = Clock::now();
          const auto [status, body] = connection.Call(options.target, options.body);
          latencies[i].push_back(MillisSince(start));
          if (status != 200) ++failures;
        }
      } catch (const std::exception& error) {
        std::fprintf(stderr, "client %d: %s\n", i, error.what());
        ++failures;
        ++connected;
      }
    });
  }
  while (connected < options.clients) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  is_ready = true;
  for (std::thread& thread : threads) thread.join();
  const double elapsed = MillisSince(start) / 1000;
  std::vector<double> all;
  for (const auto& one : latencies) all.insert(all.end(), one.begin(), one.end());
  std::printf("%s, %d keep-alive clients, %.1f s: %zu requests, %.0f requests/s, %ld failed\n",
              options.target.c_str(), options.clients, elapsed, all.size(), all.size() / elapsed,
              failures.load());
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

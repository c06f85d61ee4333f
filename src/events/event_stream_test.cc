#include "events/event_stream.h"

#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sluice {
namespace {

TEST(EventStreamTest, ReadsPercentEncodedQueryParameters) {
  const std::string target =
      "/events?execution=arn%3Aaws%3Asagemaker%3Aus-east-1%3A0%3Apipeline%2Fp%2Fexecution%2Fabc"
      "&after=12&flag";
  EXPECT_EQ(QueryParameter(target, "execution"),
            "arn:aws:sagemaker:us-east-1:0:pipeline/p/execution/abc");
  EXPECT_EQ(QueryParameter(target, "after"), "12");
  EXPECT_EQ(QueryParameter(target, "flag"), "");
  EXPECT_EQ(QueryParameter(target, "missing"), "");
  EXPECT_EQ(QueryParameter("/events", "after"), "");
  EXPECT_EQ(QueryParameter("/events?after=%zz", "after"), "%zz");
}

class EventStreamServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-sse-XXXXXX").string();
    directory_ = mkdtemp(pattern.data());
    auto store = SqliteStore::Open(directory_ / "state.db");
    ASSERT_TRUE(store.has_value());
    store_ = std::move(*store);
    service_ = std::make_unique<EventStreamService>(
        *store_, EventStreamOptions{"us-east-1", "000000000000", std::chrono::milliseconds(100),
                                    std::chrono::milliseconds(1000)});
    HttpServerOptions options;
    options.get_handler = [this](HttpRequest request, HttpReply reply) {
      service_->Handle(std::move(request), std::move(reply));
    };
    auto server = HttpServer::Start(options, [](HttpRequest, HttpReply reply) {
      reply(HttpResponse{404, "{}"});
    });
    ASSERT_TRUE(server.has_value());
    server_ = std::move(*server);
  }
  void TearDown() override {
    server_.reset();
    service_.reset();
    std::filesystem::remove_all(directory_);
  }

  void Commit(std::vector<std::pair<std::string, std::string>> changes) {
    Transition transition;
    ExecutionRecord record;
    record.id = "abc123def456";
    record.pipeline_name = "abalone";
    record.definition = "{}";
    record.parameters_json = "{}";
    transition.execution = record;
    for (auto& [step, status] : changes) {
      transition.events.push_back(Event{0, TimePoint(), record.id, step, status, ""});
    }
    ASSERT_TRUE(store_->Apply(transition).has_value());
    service_->Notify();
  }

  // Everything the server sends for `request` until it closes the connection.
  std::string Fetch(const std::string& request, const std::function<void()>& meanwhile = {}) {
    const std::string bound = server_->bound_address();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1))));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval limit{.tv_sec = 30, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    std::string got;
    char buffer[4096];
    bool is_meanwhile_done = false;
    for (;;) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      got.append(buffer, static_cast<size_t>(n));
      if (meanwhile && !is_meanwhile_done && got.find("\n\n") != std::string::npos) {
        is_meanwhile_done = true;
        meanwhile();
      }
    }
    close(fd);
    return got;
  }

  static std::vector<nlohmann::json> Data(const std::string& text) {
    std::vector<nlohmann::json> documents;
    size_t at = 0;
    while ((at = text.find("data: ", at)) != std::string::npos) {
      const size_t end = text.find('\n', at);
      documents.push_back(nlohmann::json::parse(text.substr(at + 6, end - at - 6)));
      at = end;
    }
    return documents;
  }

  std::filesystem::path directory_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<EventStreamService> service_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(EventStreamServiceTest, ReplaysThenStreamsUntilTheExecutionEnds) {
  Commit({{"", "Executing"}, {"Train", "Starting"}});
  const std::string got =
      Fetch("GET /events?execution=abc123def456 HTTP/1.1\r\nHost: t\r\n\r\n", [&] {
        Commit({{"Train", "Succeeded"}});
        Commit({{"", "Succeeded"}});
      });
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
  const std::vector<nlohmann::json> documents = Data(got);
  ASSERT_EQ(documents.size(), 4u) << got;
  EXPECT_EQ(documents[0]["detail"]["currentPipelineExecutionStatus"], "Executing");
  EXPECT_EQ(documents[1]["detail"]["currentStepStatus"], "Starting");
  EXPECT_EQ(documents[2]["detail"]["currentStepStatus"], "Succeeded");
  EXPECT_EQ(documents[2]["detail"]["previousStepStatus"], "Starting");
  EXPECT_EQ(documents[3]["detail"]["currentPipelineExecutionStatus"], "Succeeded");
  EXPECT_NE(got.find("id: 1\n"), std::string::npos);

  // Last-Event-ID resumes after that event.
  const std::string resumed =
      Fetch("GET /events?execution=abc123def456 HTTP/1.1\r\nHost: t\r\nLast-Event-ID: 2\r\n\r\n");
  const std::vector<nlohmann::json> rest = Data(resumed);
  ASSERT_EQ(rest.size(), 2u) << resumed;
  EXPECT_EQ(rest[0]["detail"]["currentStepStatus"], "Succeeded");
}

TEST_F(EventStreamServiceTest, RefusesBadRequestsWithWhatWasExpected) {
  const std::string bad_after =
      Fetch("GET /events?after=x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(bad_after.rfind("HTTP/1.1 400", 0), 0u) << bad_after;
  EXPECT_NE(bad_after.find("expected an event sequence number"), std::string::npos);
  const std::string unknown =
      Fetch("GET /events?execution=nosuch HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(unknown.rfind("HTTP/1.1 404", 0), 0u) << unknown;
  const std::string other = Fetch("GET /other HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(other.rfind("HTTP/1.1 404", 0), 0u) << other;
}

}  // namespace
}  // namespace sluice

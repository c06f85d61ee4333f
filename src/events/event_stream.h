// Server-Sent Events for `sluice serve`: GET /events[?execution=<ARN or id>][&after=<sequence>]
// (or a Last-Event-ID header) first replays the stored events after that sequence, then sends
// new ones as they are committed, each as
//   id: <sequence>
//   data: <EventBridge JSON>
// with a keep-alive comment when nothing was sent for a while. A stream of one execution ends
// after that execution's last event. One thread reads the store for every stream, woken by
// Notify() (and every poll interval, for what other processes commit); writes never block it
// (HttpStream drops a client that falls behind).
//
// Thread-safety: Handle() and Notify() from any thread.
#pragma once

#include "api/http_server.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice {

class MetadataStore;

struct EventStreamOptions {
  std::string region;
  std::string account;
  std::chrono::milliseconds keep_alive{15000};
  std::chrono::milliseconds poll_interval{1000};
};

class EventStreamService {
 public:
  EventStreamService(MetadataStore& store, EventStreamOptions options);
  ~EventStreamService();  // Stop()
  EventStreamService(const EventStreamService&) = delete;
  EventStreamService& operator=(const EventStreamService&) = delete;

  void Handle(HttpRequest request, HttpReply reply);
  void Notify();
  // Ends every stream and the thread.
  void Stop();

 private:
  struct Subscriber {
    std::shared_ptr<HttpStream> stream;
    std::string execution_id;  // empty: every execution
    int64_t after = 0;
    std::chrono::steady_clock::time_point last_write;
  };
  void Run();
  // False when the subscriber is done (its stream closed, or its execution ended).
  bool Serve(Subscriber& subscriber);

  MetadataStore& store_;
  EventStreamOptions options_;
  std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  std::vector<Subscriber> added_;
  uint64_t notifications_ = 0;
  bool is_stopping_ = false;
  std::thread thread_;
};

// The query parameter `name` of a request target, percent-decoded; empty when absent.
std::string QueryParameter(const std::string& target, const std::string& name);

}  // namespace sluice

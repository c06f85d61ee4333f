// Delivers events to webhooks (webhook_config.h), off the engine's thread: one thread per
// webhook reads the committed events after the webhook's stored position, POSTs each wanted one
// as its EventBridge JSON, signed (webhook_signature.h), and stores the new position once the
// receiver answered 2xx. Transport errors and 5xx are retried with backoff (RetryDelay), forever,
// so events reach each webhook in order and at least once, a restart resuming where delivery
// stopped; any other answer is logged and the event passed over. A webhook seen for the first
// time starts after the newest event committed then.
//
// Thread-safety: Notify() from any thread; the rest from the owning thread.
#pragma once

#include "events/webhook_config.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice {

class MetadataStore;

struct DispatcherOptions {
  std::string region;
  std::string account;
  // How often the store is read when nothing notified (another process may commit events).
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds request_timeout{10000};
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(MetadataStore& store, std::vector<WebhookConfig> webhooks,
                    DispatcherOptions options);
  ~WebhookDispatcher();  // Stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Positions every new webhook, then starts delivering. Errors: the store.
  Result<void> Start();
  // New events were committed.
  void Notify();
  // Waits, up to `timeout`, until every webhook is past every event committed so far.
  void Drain(std::chrono::milliseconds timeout);
  // Ends delivery after the attempt in flight; what is left goes out at the next start.
  void Stop();

 private:
  void Deliver(const WebhookConfig& webhook);
  // Sleeps up to `duration`, less when stopped or (if `is_woken_by_events`) notified; false
  // when stopped. A retry's backoff is not cut short by new events.
  bool Wait(std::chrono::milliseconds duration, bool is_woken_by_events);

  MetadataStore& store_;
  std::vector<WebhookConfig> webhooks_;
  DispatcherOptions options_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t notifications_ = 0;  // guarded by mutex_
  std::atomic<bool> is_stopping_ = false;
};

}  // namespace sluice
